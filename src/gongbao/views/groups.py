"""Groups (领导小组 / 工作专班 / 指挥部 / 委员会): members by role, changes."""
from __future__ import annotations

from typing import Any, Optional

from ..extract.groups import ROLE_ORDER, group_history
from ..store import Store
from ..text import fold
from .common import catalogue, _clean_name, _doc_ref, group_url, person_url, source_url, _with_links


def _role_key(role: str) -> tuple[int, str]:
    return (ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER), role)


def _composition(records: list[dict[str, Any]], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document's records of a group: its members by role, and its office."""
    first = records[0]
    roles: dict[str, list[dict[str, Any]]] = {}
    offices = []
    for r in records:
        linked = _with_links(r, docs)
        if r.get("person"):
            roles.setdefault(r["role"], []).append({**linked, "person_url": person_url(r["person"])})
        elif r.get("office"):
            offices.append(linked)
    start = min(r["span"][0] for r in records)
    end = max(r["span"][1] for r in records)
    return {
        "document": _doc_ref(docs, first["doc_id"]),
        "doc_id": first["doc_id"],
        "date": first.get("date"),
        "adjustment": bool(first.get("adjustment")),
        "source_url": source_url(first["doc_id"], [start, end]),
        "offices": offices,
        "members": sum(len(m) for m in roles.values()),
        "roles": [{"role": role, "members": roles[role]} for role in sorted(roles, key=_role_key)],
    }


def group_view(store: Store, name: str) -> Optional[dict[str, Any]]:
    """A group across every stored issue: each document that set it up or changed it (人员调整),
    oldest first, with its members by role and its office; ``current`` is the latest;
    ``subgroups`` its working groups (第一组, 综合协调组…) and ``parent`` the group a working
    group belongs to. None when no record names the group."""
    name = _clean_name(name, "group")
    docs = catalogue(store)
    history = group_history(store.list_layer("groups"), name)
    if not history:
        return None
    documents = [_composition(records, docs) for _doc_id, records in history]
    group = history[-1][1][0]["group"]
    names = {fold(r["group"]): r["group"] for r in store.list_layer("groups")}
    key = fold(group)
    subgroups = [{"name": n, "url": group_url(n)} for k, n in sorted(names.items()) if k.startswith(key) and k != key]
    parents = [{"name": n, "url": group_url(n)} for k, n in names.items() if key.startswith(k) and k != key]
    return {"name": group, "documents": documents, "current": documents[-1], "subgroups": subgroups,
            "parent": max(parents, key=lambda p: len(p["name"])) if parents else None}


def groups_list(store: Store) -> list[dict[str, Any]]:
    """Every group the records name, with its documents, members and office, by name."""
    found: dict[str, dict[str, Any]] = {}
    for r in store.list_layer("groups"):
        entry = found.setdefault(fold(r["group"]), {"name": r["group"], "documents": set(), "persons": set(),
                                                    "offices": [], "latest_date": None, "url": group_url(r["group"])})
        entry["documents"].add(r["doc_id"])
        if r.get("person"):
            entry["persons"].add(r["person"])
        if r.get("office") and r["office"] not in entry["offices"]:
            entry["offices"].append(r["office"])
        if (r.get("date") or "") >= (entry["latest_date"] or ""):
            entry["latest_date"] = r.get("date")
    out = [{**e, "documents": len(e["documents"]), "persons": len(e["persons"])} for e in found.values()]
    return sorted(out, key=lambda e: e["name"])

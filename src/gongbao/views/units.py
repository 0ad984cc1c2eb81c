"""One organisation: the documents, tasks, duties and 任免 naming it."""
from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from ..extract.orgs import region_of, resolve
from ..store import Store
from ..text import split_outside_brackets
from .common import (
    canonical, catalogue, _clean_name, _doc_ref, gazette_of, _gazette_regions, ledger_url, person_url,
    region_code, _region_names, unit_url, _with_links,
)
from .tasks import TASK_ROLES, _task_row

MAX_UNIT_TASKS = 200  # tasks listed on a unit view (the ledger has them all)


def _split_names(text: Optional[str]) -> list[str]:
    """Unit names of an issuer / recipients / signature line, split at ，、；: outside brackets."""
    return split_outside_brackets(text or "", "，,、；;：:\n")


def _readings(store: Store, name: str, region: Optional[str]) -> list[tuple[Any, Optional[str]]]:
    """The units ``name`` can denote: in ``region``, else in each stored region."""
    codes = [region] if region else sorted({c for c in _gazette_regions(store).values() if c}) or [None]
    seen: dict[str, tuple[Any, Optional[str]]] = {}
    for code in codes:
        unit = resolve(name, code)
        seen.setdefault(unit.canonical, (unit, code))
    readings = list(seen.values())
    scoped = [r for r in readings if r[0].region_code]
    return scoped or readings


def _unit_matches(store: Store, unit: Any, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    target = unit.canonical

    def hit(printed: Optional[str], region: Optional[str]) -> bool:
        return bool(printed) and canonical(printed, region) == target

    documents = []
    for doc in docs.values():
        region = doc.get("region_code")
        roles = [role for role, key in (("issuer", "issuer"), ("signed_by", "signed_by"), ("recipient", "recipients"))
                 if any(hit(n, region) for n in _split_names(doc.get(key)))]
        if roles:
            documents.append({**_doc_ref(docs, doc["id"]), "roles": roles})
    regions = _gazette_regions(store)
    tasks = []
    for record in store.list_layer("tasks", unit=target):
        region = regions.get(gazette_of(record["doc_id"]))
        roles = [role for role in TASK_ROLES if any(hit(n, region) for n in record.get(f"{role}_units") or [])]
        if roles:
            tasks.append({**_task_row(record, docs, region), "roles": roles})
    duties = []
    for record in store.list_layer("duties", unit=target):
        region = record.get("region_code") or regions.get(gazette_of(record["doc_id"]))
        kinds = [label for key, label in (("manages", "分管"), ("liaises", "联系"))
                 if any(hit(n, region) for n in record.get(key) or [])]
        if not kinds and any(hit(n, region) for n in record.get("units") or []):
            kinds = ["分管"]
        if kinds:
            duties.append({**_with_links(record, docs), "kinds": kinds, "person_url": person_url(record["leader"])})
    personnel = [
        {**_with_links(r, docs), "person_url": person_url(r["person"])}
        for r in store.list_layer("personnel", unit=target) if r.get("organisation") == target
    ]
    return {"documents": documents, "tasks": tasks, "duties": duties, "personnel": personnel}


def _count(matches: dict[str, Any]) -> int:
    return sum(len(v) for v in matches.values())


def unit_view(store: Store, name: str, region: Optional[str] = None) -> Optional[dict[str, Any]]:
    """One organisation: its canonical unit (``gongbao.extract.orgs.resolve`` in ``region``,
    else in the stored region where the name is found most), the documents it issued, signed
    or was sent (``roles``), the tasks naming it (``roles``: lead / responsible / cooperating),
    the leaders it is assigned to (``kinds``: 分管 / 联系) and the 任免 of its posts.

    When the name denotes different units in different stored regions (应急管理局 → 盂县应急管理局,
    阳泉市应急管理局), the others are in ``alternatives``. None when nothing names it."""
    name = _clean_name(name, "name")
    code = region_code(region)
    docs = catalogue(store)
    names = _region_names(store)
    scored = []
    for unit, home in _readings(store, name, code):
        matches = _unit_matches(store, unit, docs)
        scored.append((unit, home, matches))
    scored.sort(key=lambda item: -_count(item[2]))
    unit, home, matches = scored[0]
    if not _count(matches):
        return None
    unit_region = unit.region_code or home
    found = region_of(unit_region) if unit_region else None
    tasks = matches["tasks"]
    return {
        "name": name,
        "canonical": unit.canonical,
        "region_code": unit_region,
        "region": names.get(unit_region or "") or (found.name if found else None),
        "variants": list(unit.variants),
        "note": unit.note,
        "alternatives": [
            {"canonical": u.canonical, "region_code": u.region_code or h, "records": _count(m),
             "url": unit_url(u.canonical, u.region_code or h)}
            for u, h, m in scored[1:] if _count(m)
        ],
        "documents": matches["documents"],
        "tasks": tasks[:MAX_UNIT_TASKS],
        "tasks_total": len(tasks),
        "task_roles": dict(Counter(role for t in tasks for role in t["roles"])),
        "duties": matches["duties"],
        "personnel": matches["personnel"],
        "ledger_url": ledger_url(unit.canonical, unit_region),
    }

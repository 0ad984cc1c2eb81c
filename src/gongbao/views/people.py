"""People named in 任免 (personnel) and 分工 (duties) records: the list and one person's career."""
from __future__ import annotations

from typing import Any, Optional

from ..extract.orgs import region_of
from ..store import Store
from .common import catalogue, _clean_name, group_url, person_url, _region_names, _with_links


class _Groups:
    """Union-find over record indices."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)


def _government(region_code: Optional[str], names: dict[str, str]) -> Optional[str]:
    name = names.get(region_code or "")
    if name is None and region_code:
        found = region_of(region_code)
        name = found.name if found else None
    return f"{name}人民政府" if name else None


def _person_events(store: Store, name: str, docs: dict[str, dict[str, Any]],
                   regions: dict[str, str]) -> list[dict[str, Any]]:
    events = []
    for r in store.list_layer("personnel", person=name):
        if r.get("person") != name:
            continue
        region = (docs.get(r["doc_id"]) or {}).get("region_code")
        events.append({**_with_links(r, docs), "kind": "personnel",
                       "organisation": r.get("organisation") or None, "region_code": region})
    for r in store.list_layer("duties", person=name):
        if r.get("leader") != name:
            continue
        events.append({**_with_links(r, docs), "kind": "duties", "action": "分工", "position": r.get("role"),
                       "organisation": _government(r.get("region_code"), regions), "region_code": r.get("region_code")})
    events.sort(key=lambda e: (e.get("date") or "", e["doc_id"], (e.get("span") or [0])[0]))
    return events


def person_view(store: Store, name: str) -> Optional[dict[str, Any]]:
    """One name's career across every stored issue: 任免 actions and 分工 entries, by date.

    Records are one person when they come from the same document (a 任免 notice naming a
    person twice: 任 one post, 免 another) or name the same organisation (canonical, so
    县发改局 and 盂县发展和改革局 agree). Groups that share nothing stay apart: ``identities``
    then holds several people of that name and ``ambiguous`` is true — shown, not merged.
    None when no record names ``name``."""
    name = _clean_name(name, "name")
    docs = catalogue(store)
    regions = _region_names(store)
    events = _person_events(store, name, docs, regions)
    memberships = [{**_with_links(r, docs), "group_url": group_url(r["group"])}
                   for r in store.list_layer("groups", person=name) if r.get("person") == name]
    if not events and not memberships:
        return None
    groups = _Groups(len(events))
    first_by: dict[tuple[str, str], int] = {}
    for i, event in enumerate(events):
        for key in (("doc", event["doc_id"]), ("org", event.get("organisation") or "")):
            if key[1]:
                if key in first_by:
                    groups.union(i, first_by[key])
                else:
                    first_by[key] = i
    members: dict[int, list[int]] = {}
    for i in range(len(events)):
        members.setdefault(groups.find(i), []).append(i)
    identities = []
    for number, indices in enumerate(sorted(members.values(), key=lambda ix: min(ix)), start=1):
        timeline = [events[i] for i in indices]
        for event in timeline:
            event["identity"] = number
        organisations = list(dict.fromkeys(e["organisation"] for e in timeline if e.get("organisation")))
        codes = list(dict.fromkeys(e["region_code"] for e in timeline if e.get("region_code")))
        latest = timeline[-1]
        identities.append({
            "identity": number,
            "organisations": organisations,
            "regions": [{"region_code": c, "region": regions.get(c)} for c in codes],
            "first_date": timeline[0].get("date"),
            "last_date": latest.get("date"),
            "latest": {key: latest.get(key) for key in ("action", "position", "organisation", "date", "doc_id")},
            "timeline": timeline,
        })
    return {"name": name, "ambiguous": len(identities) > 1, "identities": identities, "timeline": events,
            "groups": memberships}


# Surnames read otherwise than their character's common reading (pypinyin reads 翟 as di).
SURNAME_READINGS = {
    "翟": "zhai2", "单": "shan4", "曾": "zeng1", "仇": "qiu2", "解": "xie4", "查": "zha1", "区": "ou1",
    "朴": "piao2", "乐": "yue4", "盖": "ge3", "覃": "qin2", "缪": "miao4", "召": "shao4", "种": "chong2",
    "员": "yun4", "尉": "yu4", "纪": "ji3", "燕": "yan1", "华": "hua4", "任": "ren2", "宁": "ning4",
}


def pinyin_order(name: str) -> tuple[list[str], str]:
    """Sort key of a person's name as a Chinese index orders it: by pinyin (tone numbers break
    ties), the surname in its surname reading, then by the characters."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    if syllables and name[:1] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[name[0]]
    return syllables, name


def people(store: Store) -> list[dict[str, Any]]:
    """Every person a 任免 record or a 分工 entry names, with counts, units and the latest
    action, in pinyin order (:func:`pinyin_order`). A 分工 entry's unit is its government."""
    regions = _region_names(store)
    found: dict[str, dict[str, Any]] = {}
    for layer, key in (("personnel", "person"), ("duties", "leader")):
        for r in store.list_layer(layer):
            name = r.get(key)
            if not name:
                continue
            entry = found.setdefault(name, {"name": name, "records": 0, "documents": set(), "organisations": set(),
                                            "latest": None, "url": person_url(name)})
            entry["records"] += 1
            entry["documents"].add(r["doc_id"])
            org = r.get("organisation") if layer == "personnel" else _government(r.get("region_code"), regions)
            if org:
                entry["organisations"].add(org)
            event = {"date": r.get("date"), "action": r.get("action") if layer == "personnel" else "分工",
                     "position": r.get("position") if layer == "personnel" else r.get("role"), "doc_id": r["doc_id"]}
            if entry["latest"] is None or (event["date"] or "") >= (entry["latest"]["date"] or ""):
                entry["latest"] = event
    out = []
    for entry in found.values():
        out.append({**entry, "documents": len(entry["documents"]), "organisations": sorted(entry["organisations"])})
    return sorted(out, key=lambda e: pinyin_order(e["name"]))

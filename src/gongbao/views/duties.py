"""Leaders' duties (分工) in force on a day."""
from __future__ import annotations

from typing import Any, Optional

from ..extract.duties import in_force, responsible_on, supersedes
from ..store import Store
from ..text import fold
from .common import canonical, catalogue, _doc_ref, parse_day, person_url, region_code, _today, unit_url, _with_links


def _related_fields(entry: dict[str, Any], wanted: str) -> list[str]:
    """Fields of an entry that are part of the area asked for: 安全 for 安全生产, 应急 for 应急管理."""
    return [a for a in entry.get("areas") or [] if len(fold(a)) >= 2 and fold(a) in wanted and fold(a) != wanted]


def duties_on(store: Store, on: Optional[str] = None, area: Optional[str] = None,
              region: Optional[str] = None) -> dict[str, Any]:
    """The leaders' 分工 in force on ``on`` (default today; ``in_force``: the latest full
    notice before it, changed by later adjustments), per region.

    With ``area`` (a field like 安全生产 or a unit like 县应急局): ``responsible`` are the
    leaders ``responsible_on`` finds (the field or unit named in their entry), ``related``
    those with a field that is part of the area asked for (安全 for 安全生产) — shown apart,
    as a lead, not as an answer."""
    day = parse_day(on, "on") or _today()
    code = region_code(region)
    records = list(store.list_layer("duties"))
    docs = catalogue(store)
    leaders = []
    for entry in in_force(records, day, code):
        region_entry = entry.get("region_code")
        row = _with_links(entry, docs)
        row["person_url"] = person_url(entry["leader"])
        row["unit_links"] = [{"name": u, "url": unit_url(u, region_entry)} for u in entry.get("units") or []]
        leaders.append(row)
    responsible: list[dict[str, Any]] = []
    related: list[dict[str, Any]] = []
    if area is not None and area.strip():
        wanted = fold(area.strip())
        exact = {(e["doc_id"], e["leader"]) for e in responsible_on(records, area.strip(), day, code)}
        for row in leaders:
            if (row["doc_id"], row["leader"]) in exact:
                row["matched"] = [a for a in row.get("areas") or [] if wanted in fold(a)] + [
                    u for u in row.get("units") or [] if wanted in fold(u) or
                    canonical(u, row.get("region_code")) == canonical(area.strip(), row.get("region_code"))]
                responsible.append(row)
            else:
                fields = _related_fields(row, wanted)
                if fields:
                    related.append({**row, "matched": fields})
    notices = supersedes(records)
    in_force_docs = list(dict.fromkeys(row["doc_id"] for row in leaders))
    return {
        "on": day,
        "area": area.strip() if area else None,
        "region": code,
        "leaders": leaders,
        "responsible": responsible,
        "related": related,
        "notices": [{**_doc_ref(docs, d), "supersedes": [_doc_ref(docs, s) for s in notices.get(d, []) if s in docs]}
                    for d in in_force_docs if d in docs],
    }

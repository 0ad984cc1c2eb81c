"""The hazard registry: cases of 挂牌督办 with their 摘牌 / 销案."""
from __future__ import annotations

from typing import Any, Optional

from .. import budget
from ..errors import QueryError
from ..extract.hazards import hazard_cases
from ..store import Store
from .common import catalogue, _doc_ref, parse_day, region_code, source_url, _today
from .records import layer_filters

STATUSES = ("open", "closed")


def hazard_registry(store: Store, *, region: Optional[str] = None, status: Optional[str] = None,
                    enterprise: Optional[str] = None, as_of: Optional[str] = None,
                    limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """挂牌督办 cases (``hazard_cases``): open ones, and closed ones with their 摘牌 / 销案;
    ``limit`` of them from ``offset``.

    Each case has ``enterprise``, ``status``, ``hazard`` and ``basis`` (of its listing, else
    of its closing), ``opened_on`` / ``closed_on`` with the ``opened_document`` /
    ``closed_document`` and their ``source_url``s, every ``listings`` record (relisted while
    open), ``deadline`` and ``overdue`` (open with a 整改期限 before ``as_of``, default
    today). ``counts`` tells open and closed cases and 挂牌 listings over the whole region,
    before ``status`` narrows the list; ``total`` the cases listed. "Open" only means no stored
    issue prints its 摘牌: ``searched_through`` is the latest issue searched (``id``, ``title``,
    ``year``, ``issue``, ``published``), so a page can say how far the gazettes were read. Cases
    are made of the region's hazard records (a 摘牌 closes a listing by its enterprise's name,
    which SQL cannot match), the documents are read for the page's cases only."""
    if status is not None and status not in STATUSES:
        raise QueryError(f"status: expected one of {', '.join(STATUSES)}")
    day = parse_day(as_of, "as_of") or _today()
    code = region_code(region)
    filters = layer_filters(enterprise=enterprise)
    searched = [g for g in store.list_gazettes() if not code or g.get("region_code") == code]
    latest = max(searched, key=lambda g: (g.get("published") or "", g.get("year") or 0, g.get("issue") or 0), default=None)
    records = list(store.list_layer("hazards", **filters, **({"region": code} if code else {})))
    budget.check("grouping the hazard records into cases")
    cases = hazard_cases(records)
    counts = {
        "open": sum(c.status == "open" for c in cases),
        "closed": sum(c.status == "closed" for c in cases),
        "listings": sum(len(c.listings) for c in cases),
        "overdue": sum(c.overdue(day) for c in cases),
    }
    shown = [c for c in cases if status is None or c.status == status]
    page = shown[offset: offset + limit]
    docs = catalogue(store, (r["doc_id"] for c in page for r in (c.opened, c.closed) if r))
    return {
        "filters": {**filters, **({"region": code} if code else {}), **({"status": status} if status else {}),
                    "as_of": day},
        "counts": counts,
        "searched_through": {key: latest.get(key) for key in ("id", "title", "year", "issue", "published")}
        if latest else None,
        "total": len(shown),
        "limit": limit,
        "offset": offset,
        "cases": [_case_view(case, docs, day) for case in page],
    }


def _case_view(case: Any, docs: dict[str, dict[str, Any]], day: str) -> dict[str, Any]:
    data = case.to_dict()
    first = case.opened or case.closed or {}
    data.update(
        hazard=first.get("hazard"),
        basis=first.get("basis"),
        articles=first.get("articles"),
        supervising_unit=first.get("supervising_unit"),
        region_code=(docs.get(first.get("doc_id")) or {}).get("region_code"),
        overdue=case.overdue(day),
        opened_document=_doc_ref(docs, (case.opened or {}).get("doc_id")),
        opened_source_url=source_url(case.opened["doc_id"], case.opened.get("span")) if case.opened else None,
        closed_document=_doc_ref(docs, (case.closed or {}).get("doc_id")),
        closed_source_url=source_url(case.closed["doc_id"], case.closed.get("span")) if case.closed else None,
    )
    return data

"""The task ledger (任务分工): tasks with their units and deadlines, a page or streamed."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from ..errors import QueryError
from ..extract.orgs import agency_names
from ..store import Store
from ..text import fold
from .common import canonical, catalogue, gazette_of, _gazette_regions, region_code, unit_url, _with_links
from .records import layer_filters, _pages

TASK_ROLES = ("lead", "responsible", "cooperating")
ROLE_LABELS = {"lead": "牵头", "responsible": "责任", "cooperating": "配合"}


def _task_row(record: dict[str, Any], docs: dict[str, dict[str, Any]], region: Optional[str]) -> dict[str, Any]:
    """A task record with its links: document, source span, and each unit's page."""
    row = _with_links(record, docs)
    row["region_code"] = region
    row["unit_links"] = {
        role: [{"name": n, "url": unit_url(n, region)} for n in record.get(f"{role}_units") or []]
        for role in TASK_ROLES
    }
    return row


SORTS = {"document": "issue", "deadline": "deadline"}  # ledger sort → Store.list_layer order


def _matched_roles(record: dict[str, Any], unit: str, region: Optional[str]) -> list[str]:
    """The roles in which a ledger row names the ``unit`` asked for (as the store's unit filter
    reads it: part of a printed or canonical name, or the agency under any of its names)."""
    wanted = [fold(unit), fold(canonical(unit, region)), *(fold(a) for a in agency_names(unit))]
    roles = []
    for role in TASK_ROLES:
        for printed in record.get(f"{role}_units") or []:
            names = (fold(printed), fold(canonical(printed, region)))
            if any(w and w in n for w in wanted for n in names):
                roles.append(role)
                break
    return roles


def _ledger_filters(unit: Optional[str], region: Optional[str], due_from: Optional[str], due_to: Optional[str],
                    overdue_as_of: Optional[str], doc_id: Optional[str], sort: str) -> dict[str, Any]:
    if sort not in SORTS:
        raise QueryError(f"sort: expected one of {', '.join(SORTS)}")
    filters = layer_filters(unit=unit, due_from=due_from, due_to=due_to, overdue_as_of=overdue_as_of, doc_id=doc_id)
    code = region_code(region)
    return {**filters, **({"region": code} if code else {})}


def task_ledger(store: Store, *, unit: Optional[str] = None, region: Optional[str] = None,
                due_from: Optional[str] = None, due_to: Optional[str] = None,
                overdue_as_of: Optional[str] = None, doc_id: Optional[str] = None,
                sort: str = "document", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """One page of the tasks (任务分工) of every stored document, filtered: ``unit`` (lead,
    responsible or cooperating; part of a name is enough, any spelling of an agency),
    ``region``, deadline range ``due_from`` / ``due_to``, ``overdue_as_of`` (deadline before
    that day). ``sort``: document (issue and outline order) or deadline (soonest first,
    undated last). The store reads the page only (and counts the rest); :func:`task_export`
    streams them all."""
    filters = _ledger_filters(unit, region, due_from, due_to, overdue_as_of, doc_id, sort)
    page = list(store.list_layer("tasks", order=SORTS[sort], limit=limit, offset=offset, **filters))
    regions = _gazette_regions(store)
    docs = catalogue(store, (r["doc_id"] for r in page))
    rows = []
    for record in page:
        row_region = regions.get(gazette_of(record["doc_id"]))
        row = _task_row(record, docs, row_region)
        if filters.get("unit"):
            row["matched_roles"] = _matched_roles(record, filters["unit"], row_region)
        rows.append(row)
    return {
        "filters": {**filters, "sort": sort},
        "total": store.count_layer("tasks", **filters),
        "limit": limit,
        "offset": offset,
        "tasks": rows,
    }


def task_export(get_store: Callable[[], Store], *, unit: Optional[str] = None, region: Optional[str] = None,
                due_from: Optional[str] = None, due_to: Optional[str] = None,
                overdue_as_of: Optional[str] = None, doc_id: Optional[str] = None,
                sort: str = "document") -> Iterator[dict[str, Any]]:
    """Every row of the :func:`task_ledger` with these filters, as exported (the record and
    its ``region_code``), read from the store a page at a time. Malformed filters raise
    QueryError now, before anything is read."""
    filters = _ledger_filters(unit, region, due_from, due_to, overdue_as_of, doc_id, sort)
    regions = _gazette_regions(get_store())
    records = _pages(get_store, "tasks", SORTS[sort], filters)
    return ({**record, "region_code": regions.get(gazette_of(record["doc_id"]))} for record in records)

"""The generic layer listing: any registered layer's records, filtered, a page at a time or
streamed, and the rows an export writes."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Optional

from ..errors import QueryError
from ..extract import layer_names
from ..store import Store
from .common import parse_day, source_url


# -- the generic layer listing ---------------------------------------------------------------

DATE_FILTERS = {"date_from": False, "date_to": True, "due_from": False, "due_to": True, "overdue_as_of": False}
TEXT_FILTERS = ("doc_id", "gazette_id", "unit", "person", "enterprise", "action")


def layer_filters(**given: Optional[str]) -> dict[str, str]:
    """The ``Store.list_layer`` filters given (None and blank ones dropped), dates checked."""
    out: dict[str, str] = {}
    for key, value in given.items():
        if value is None or not str(value).strip():
            continue
        if key in DATE_FILTERS:
            out[key] = parse_day(value, key, end=DATE_FILTERS[key])
        elif key in TEXT_FILTERS:
            out[key] = str(value).strip()
        else:
            raise QueryError(f"unknown filter {key!r}")
    return out


def _known_layer(layer: str) -> None:
    if layer not in layer_names():
        raise QueryError(f"layer: unknown layer {layer[:40]!r}; known: {', '.join(layer_names())}")


EXPORT_PAGE = 2000  # records read per query while streaming an export


def layer_records(get_store: Callable[[], Store], layer: str, **filters: Optional[str]) -> Iterator[dict[str, Any]]:
    """Every record of ``layer`` matching the filters (see ``Store.list_layer``), read from the
    store a page at a time. ``get_store`` is called for every page: a streamed response may
    resume this on another thread (see ``browse.export_records``). Malformed filters raise
    QueryError now, before anything is read."""
    _known_layer(layer)
    return _pages(get_store, layer, "issue", layer_filters(**filters))


def _pages(get_store: Callable[[], Store], layer: str, order: str, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = list(get_store().list_layer(layer, order=order, limit=EXPORT_PAGE, offset=offset, **filters))
        yield from page
        if len(page) < EXPORT_PAGE:
            return
        offset += EXPORT_PAGE


def layer_page(store: Store, layer: str, *, limit: int = 100, offset: int = 0,
               **filters: Optional[str]) -> dict[str, Any]:
    """One page of a layer's records: ``total`` matching, ``records`` from ``offset`` (the
    store reads that page only)."""
    _known_layer(layer)
    checked = layer_filters(**filters)
    page = list(store.list_layer(layer, limit=limit, offset=offset, **checked))
    return {
        "layer": layer,
        "filters": checked,
        "total": store.count_layer(layer, **checked),
        "limit": limit,
        "offset": offset,
        "records": [{**r, "source_url": source_url(r["doc_id"], r.get("span"))} for r in page],
    }


VIEW_KEYS = ("document", "source_url", "unit_links", "matched_roles", "person_url", "group_url")


def iter_rows(records: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Records as exported: the links a view adds dropped (a ledger row keeps its region_code)."""
    for record in records:
        yield {k: v for k, v in record.items() if k not in VIEW_KEYS}

"""HTML pages. Each route calls one library function and renders one template.

Stable URLs: an issue or a document lives at ``/{its id}`` (``/140322/2023/3``,
``/140322/2023/3/12``): ids come from the store and survive re-ingest and reparse.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Optional
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import browse, views
from ..errors import NotFound, QueryError
from ..search import lookup_doc_number, search
from ..serving.params import FILTERS, search_params, to_query
from ..serving.stores import request_store
from . import render_page
from .render import document_content, feed_path, issue_label, search_url

PAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter is malformed (an HTML page says which)."},
    404: {"description": "No such page (an HTML page says so)."},
}
router = APIRouter(tags=["web pages"], default_response_class=HTMLResponse, responses=PAGE_ERRORS)


@router.get("/", summary="Home: regions and their latest issues")
def home(request: Request) -> HTMLResponse:
    return render_page(request, "home.html", {"regions": browse.regions(request_store(request))})


@router.get("/search", summary="Search page")
def search_page(request: Request, params: dict = Depends(search_params)) -> HTMLResponse:
    """The whole state is in the URL: query, filters, sort and page."""
    store = request_store(request)
    result = search(store, to_query(params))
    # Facets carry region codes and gazette ids; the page shows their names.
    names = browse.region_names(store) | {
        g["id"]: f"{g.get('title') or ''} {issue_label(g)}".strip() or g["id"] for g in store.list_gazettes()
    }
    state = {key: value for key, value in request.query_params.items() if key in params}
    last_page = max(1, -(-result.total // result.query.per_page))
    return render_page(request, "search.html", {
        "result": result,
        "state": state,
        "filters": [(key, value) for key, value in state.items() if key in FILTERS],
        "names": names,
        "last_page": last_page,
        "feed_url": search_url(state, "/feeds/search.atom", page=None, sort=None),
        # every matching record, for Excel and WPS: BOM and Chinese headers
        "csv_url": search_url(state, "/api/export", page=None, sort=None, per_page=None, format="csv", headers="zh"),
        "q": params.get("q", ""),
    })


@router.get("/doc/{number:path}", summary="A document by its 文号, in any spelling")
def by_doc_number(request: Request, number: str = Path(max_length=200, examples=["盂政发〔2023〕48号"])):
    """Redirects to the document; several documents with that number get a list to choose from."""
    store = request_store(request)
    ids = lookup_doc_number(store, number)
    if not ids:
        raise NotFound(f"没有文号为「{number}」的文件")
    if len(ids) == 1:
        return RedirectResponse("/" + ids[0], status_code=302)
    documents = [doc for doc in map(store.get_document, ids) if doc is not None]
    return render_page(request, "choose.html", {"number": number, "documents": documents})


@router.get("/source/{gazette_id:path}", summary="Source text of an issue")
def source(
    request: Request,
    gazette_id: str,
    start: Optional[int] = Query(None, ge=0, le=100_000_000, description="Mark the text from this offset…"),
    end: Optional[int] = Query(None, ge=0, le=100_000_000, description="…to this one (exclusive): a record's span."),
) -> HTMLResponse:
    """The text as ingested; ``#d{seq}`` highlights a document's span (CSS :target, no script);
    ``?start=&end=#mark`` marks a span inside it (where a layer record was read)."""
    if (start is None) != (end is None) or (start is not None and end <= start):
        raise QueryError("start and end: give both, with start < end")
    view = browse.source_view(request_store(request), gazette_id, (start, end) if start is not None else None)
    if view is None:
        raise NotFound(f"没有期刊「{gazette_id}」")
    return render_page(request, "source.html", view)


@router.get("/{item_id:path}", summary="Issue or document page, by id")
def item(request: Request, item_id: str):
    """``/{gazette id}`` is an issue page, ``/{gazette id}/{seq}`` a document page."""
    item_id = item_id.strip("/")
    if item_id != request.path_params["item_id"]:  # one URL per page
        return RedirectResponse("/" + quote(item_id, safe="/"), status_code=301)
    store = request_store(request)
    document = browse.document_view(store, item_id)
    if document is not None:
        return _document_page(request, document)
    gazette = browse.gazette_view(store, item_id)
    if gazette is not None:
        return render_page(request, "issue.html", {"gazette": gazette})
    raise NotFound(f"没有「{item_id}」这一期刊或文件")


def _document_page(request: Request, view: dict[str, Any]) -> HTMLResponse:
    record = view["record"]
    url = str(request.base_url) + record["id"]
    return render_page(request, "document.html", {
        **view,
        "doc": record,
        "layers": views.document_layers(request_store(request), record["id"]),
        **document_content(record),
        "url": url,
        "citation": browse.citation(view, url, date.today()),
        "issuer_feed": feed_path("issuer", record["issuer"]) if record.get("issuer") else None,
    })

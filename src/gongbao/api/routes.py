"""JSON API routes: each parses its parameters and calls one library function."""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable, Iterator, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse

from .. import browse
from ..errors import NotFound
from ..export import csv_lines, document_csv, document_tables, table_csv_rows
from ..search import SearchResult, search
from ..serving.params import BOM_DESCRIPTION, csv_params, has_filters, search_params, to_query
from ..serving.stores import request_store
from .models import (
    DocumentRecord, ErrorBody, GazetteDetail, GazetteSummary, IssuerCount, RegionCount, SearchResponse,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A parameter is malformed or the query is impossible."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such id in the store."}}

router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)


def search_json(result: SearchResult) -> dict[str, Any]:
    """A SearchResult as the API returns it: facets as {value, count} objects, hits with their page path."""
    query = result.query
    return {
        "total": result.total,
        "page": query.page,
        "per_page": query.per_page,
        "hits": [{**_fields(hit), "url": "/" + hit.id} for hit in result.hits],
        "facets": {
            name: [{"value": value, "count": count} for value, count in values]
            for name, values in result.facets.items()
        },
        "facets_estimated": result.facets_estimated,
        "total_estimated": result.total_estimated,
        "doc_number_match": result.doc_number_match,
        "doc_number_read_as": result.doc_number_read_as,
        "phrases": result.phrases,
        "phrase_total": result.phrase_total,
        "ignored_terms": result.ignored_terms,
        "query": _fields(query),
    }


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


@router.get("/documents", response_model=SearchResponse, summary="Search documents")
def documents(request: Request, params: dict = Depends(search_params)) -> dict[str, Any]:
    """Full-text search with filters, facets (value counts of each filter) and pages.

    Without ``q`` every document matching the filters is listed.
    """
    return search_json(search(request_store(request), to_query(params)))


@router.get(
    "/documents/{document_id:path}/tables/{number}.csv",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, 200: {"content": {"text/csv": {}}, "description": "The table as CSV: header row, then rows."}},
    summary="One table of a document as CSV",
)
def document_table(request: Request, document_id: str, number: int = Path(ge=1, le=10_000),
                   bom: bool = Query(True, description=BOM_DESCRIPTION)) -> StreamingResponse:
    """Table ``number`` of a document (body tables first, then each attachment's, from 1)."""
    record = request_store(request).get_document(document_id)
    tables = document_tables(record) if record is not None else []
    if not 1 <= number <= len(tables):
        raise NotFound(f"no table {number} in document {document_id!r}")
    return StreamingResponse(
        csv_lines(table_csv_rows(tables[number - 1]), bom=bom),
        media_type=EXPORT_TYPES["csv"],
        headers={"content-disposition": f'attachment; filename="table-{number}.csv"'},
    )


@router.get("/documents/{document_id:path}", response_model=DocumentRecord, responses=NOT_FOUND,
            summary="One document record")
def document(request: Request, document_id: str) -> dict[str, Any]:
    """The stored record of a document: SCHEMA.md keys, id, spans, confidence, paragraphs."""
    record = request_store(request).get_document(document_id)
    if record is None:
        raise NotFound(f"no document {document_id!r}")
    return record


@router.get("/gazettes", response_model=list[GazetteSummary], summary="All issues")
def gazettes(request: Request) -> list[dict[str, Any]]:
    """Every stored issue, by region, year and issue."""
    return request_store(request).list_gazettes()


@router.get("/gazettes/{gazette_id:path}", response_model=GazetteDetail, responses=NOT_FOUND,
            summary="One issue")
def gazette(request: Request, gazette_id: str) -> dict[str, Any]:
    """Metadata, TOC tied to the documents it lists (with disagreements), documents and warnings."""
    view = browse.gazette_view(request_store(request), gazette_id)
    if view is None:
        raise NotFound(f"no gazette {gazette_id!r}")
    return view


@router.get("/regions", response_model=list[RegionCount], summary="Regions")
def regions(request: Request) -> list[dict[str, Any]]:
    """Regions with issue and document counts and their latest issue."""
    return browse.regions(request_store(request))


@router.get("/issuers", response_model=list[IssuerCount], summary="Issuers")
def issuers(request: Request) -> list[dict[str, Any]]:
    """Issuing bodies (发文机关) with document counts, most documents first."""
    return browse.issuers(request_store(request))


EXPORT_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/export",
    response_class=StreamingResponse,
    summary="Export records",
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
                     "description": "One record per line (JSONL) or per row (CSV, with a header row)."}},
)
def export(
    request: Request,
    format: Literal["jsonl", "csv"] = Query("jsonl", description="jsonl: whole records; csv: SCHEMA.md columns."),
    params: dict = Depends(search_params),
    csv_options: dict = Depends(csv_params),
) -> StreamingResponse:
    """Every record matching the filters (no row limit), streamed as it is read."""
    stores = request.app.state.stores
    query = to_query(params) if has_filters(params) else None
    if query is not None:
        search(stores.get(), query)  # an impossible query fails here, as a 400, before streaming starts
    records = browse.export_records(stores.get, query)
    lines = _jsonl(records) if format == "jsonl" else chunked(document_csv(records, **csv_options))
    return StreamingResponse(
        lines,
        media_type=EXPORT_TYPES[format],
        headers={"content-disposition": f'attachment; filename="gongbao.{format}"'},
    )


STREAM_CHUNK = 64 * 1024  # characters sent at a time: one thread hop per chunk, not per row


def chunked(lines: Iterable[str]) -> Iterator[str]:
    """Lines of a streamed export joined into chunks of about STREAM_CHUNK characters."""
    buffer, size = [], 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= STREAM_CHUNK:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _jsonl(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    return chunked(json.dumps(record, ensure_ascii=False) + "\n" for record in records)

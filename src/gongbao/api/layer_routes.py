"""JSON routes over the layer records: each parses its parameters and calls one function of
``gongbao.views``. Included before ``routes.router``: ``/api/documents/{id}/citations``
must match before the document route's catch-all id."""
from __future__ import annotations

import json
from typing import Annotated, Any, Callable, Iterable, Iterator, Literal, Optional, Sequence

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from .. import views
from ..errors import NotFound
from ..export import layer_csv, layer_csv_columns
from ..extract import layer_names
from ..serving.params import DAY_SCHEMA, csv_params
from ..serving.stores import request_store
from .layer_models import (
    Citations, Duties, Group, GroupSummary, HazardRegistry, LayerPage, Person, PersonSummary, TaskLedger, Unit,
    Validity,
)
from .routes import ERRORS, EXPORT_TYPES, NOT_FOUND, chunked

router = APIRouter(prefix="/api", tags=["layers"], responses=ERRORS)

TEXT = 200
DAY_PATTERN = r"^(\d{4}(-\d{1,2}(-\d{1,2})?)?)?$"  # empty: no filter (a blank form field)
DAY = "YYYY, YYYY-MM or YYYY-MM-DD."
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
          "description": "JSON; with format=jsonl or csv every matching record, streamed (no paging)."},
}


def _one_of(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def _registered(layer: str) -> str:
    """A registered layer's name (read per request: a layer registered after import is served),
    else the 422 a ``Literal`` of the names gives."""
    names = layer_names()
    if layer not in names:
        raise PydanticCustomError("literal_error", "Input should be {expected}",
                                  {"expected": _one_of([repr(name) for name in names])})
    return layer


def _layer_schema(schema: dict[str, Any]) -> None:
    """The path parameter's schema as a ``Literal`` of the registered names has it."""
    rest = {key: value for key, value in schema.items() if key != "type"}
    schema.clear()
    schema.update(enum=list(layer_names()), type="string", **rest)


Layer = Annotated[str, Path(description=_one_of(layer_names()) + ".", json_schema_extra=_layer_schema),
                  AfterValidator(_registered)]


def _day(description: str, example: Optional[str] = None) -> Any:
    return Query(None, max_length=10, pattern=DAY_PATTERN, description=DAY + " " + description,
                 examples=[example] if example else None, json_schema_extra=DAY_SCHEMA)


def _text(description: str, example: Optional[str] = None) -> Any:
    return Query(None, max_length=TEXT, description=description, examples=[example] if example else None)


@router.get("/layers/{layer}", response_model=LayerPage, responses=STREAM_RESPONSES, summary="Layer records")
def layer(
    request: Request,
    layer: Layer,
    doc_id: Optional[str] = _text("Records of one document.", "140322/2023/3/1"),
    gazette_id: Optional[str] = _text("Records of one issue.", "140322/2023/3"),
    unit: Optional[str] = _text("A unit the record names (printed or canonical; part of the name is enough).", "县应急局"),
    person: Optional[str] = _text("A person (personnel, groups) or a leader (duties), exact.", "任丽鹏"),
    date_from: Optional[str] = _day("Document date on or after."),
    date_to: Optional[str] = _day("Document date on or before."),
    due_from: Optional[str] = _day("Deadline on or after."),
    due_to: Optional[str] = _day("Deadline on or before."),
    overdue_as_of: Optional[str] = _day("Deadline before this day, not closed by a 摘牌/销案 by then.", "2024-01-01"),
    enterprise: Optional[str] = _text("Enterprise (hazards), part of the name.", "福跃"),
    action: Optional[str] = _text("Action: 任/免/… (personnel), 挂牌/摘牌/销案 (hazards).", "任"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
    format: Literal["json", "jsonl", "csv"] = Query("json", description="jsonl/csv: every matching record, streamed."),
    csv_options: dict = Depends(csv_params),
) -> Any:
    """The stored records of one layer (SCHEMA.md "Layer records") in issue order, filtered, a page at a time.

    Citations are stored as read (``resolved_doc_id`` null): ``/api/documents/{id}/citations``
    resolves them against the documents stored now."""
    filters = dict(doc_id=doc_id, gazette_id=gazette_id, unit=unit, person=person, date_from=date_from,
                   date_to=date_to, due_from=due_from, due_to=due_to, overdue_as_of=overdue_as_of,
                   enterprise=enterprise, action=action)
    if format != "json":
        stores = request.app.state.stores
        return _stream(layer, views.layer_records(stores.get, layer, **filters), format, stores.get, csv_options)
    return views.layer_page(request_store(request), layer, limit=limit, offset=offset, **filters)


@router.get("/documents/{document_id:path}/citations", response_model=Citations, responses=NOT_FOUND,
            summary="What a document cites, and who cites it")
def citations(request: Request, document_id: str = Path(max_length=TEXT, examples=["140322/2023/3/9"])) -> Any:
    """``cites``: the document's citations resolved against the stored documents (exact 文号 → 1.0,
    similar title ≥ 0.85), external ones normalized; ``cited_by``: stored documents citing it."""
    view = views.citations_view(request_store(request), document_id)
    if view is None:
        raise NotFound(f"no document {document_id!r}")
    return view


@router.get("/documents/{document_id:path}/validity", response_model=Validity, responses=NOT_FOUND,
            summary="A document's validity and status on a day")
def validity(
    request: Request,
    document_id: str = Path(max_length=TEXT, examples=["140322/2023/3/20"]),
    on: Optional[str] = _day("Day of the status (default today).", "2024-01-01"),
) -> Any:
    """Effective from, expiry, trial, repeals (read across issues) and the status on ``on``."""
    view = views.validity_view(request_store(request), document_id, on)
    if view is None:
        raise NotFound(f"no document {document_id!r}")
    return view


@router.get("/people", response_model=list[PersonSummary], summary="People named in 任免 and 分工 records")
def people(request: Request) -> Any:
    return views.people(request_store(request))


@router.get("/people/{name}", response_model=Person, responses=NOT_FOUND, summary="A person's career")
def person(request: Request, name: str = Path(max_length=TEXT, examples=["任丽鹏"])) -> Any:
    """Every 任免 action and 分工 entry of the name across the stored issues, by date. Records of the
    same document or organisation are one person; other groups are shown apart (``ambiguous``)."""
    view = views.person_view(request_store(request), name)
    if view is None:
        raise NotFound(f"no records of a person named {name!r}")
    return view


@router.get("/groups", response_model=list[GroupSummary], summary="Groups (领导小组 / 工作专班 / 指挥部 / 委员会)")
def groups(request: Request) -> Any:
    return views.groups_list(request_store(request))


@router.get("/groups/{name}", response_model=Group, responses=NOT_FOUND, summary="A group: members by role, changes")
def group(request: Request, name: str = Path(max_length=TEXT, examples=["盂县巡游出租汽车报废更新工作领导小组"])) -> Any:
    """Every document that set the group up or changed its members, oldest first, each with its
    members by role and its office; ``current`` is the latest."""
    view = views.group_view(request_store(request), name)
    if view is None:
        raise NotFound(f"no records of a group named {name!r}")
    return view


@router.get("/units/{name}", response_model=Unit, responses=NOT_FOUND, summary="An organisation")
def unit(
    request: Request,
    name: str = Path(max_length=TEXT, examples=["县应急局"]),
    region: Optional[str] = _text("Region (code or name) to read the name in; default: where it is found most.",
                                  "140322"),
) -> Any:
    """The canonical unit, the documents it issued, signed or received, its tasks, the leaders it is
    assigned to and the 任免 of its posts."""
    view = views.unit_view(request_store(request), name, region)
    if view is None:
        raise NotFound(f"no records naming the unit {name!r}")
    return view


@router.get("/tasks", response_model=TaskLedger, responses=STREAM_RESPONSES, summary="Task ledger")
def tasks(
    request: Request,
    unit: Optional[str] = _text("Lead, responsible or cooperating unit (part of a name; any spelling of an agency).",
                                "县住建局"),
    region: Optional[str] = _text("Region, code or name.", "140322"),
    due_from: Optional[str] = _day("Deadline on or after.", "2023-12"),
    due_to: Optional[str] = _day("Deadline on or before.", "2023-12"),
    overdue_as_of: Optional[str] = _day("Deadline before this day.", "2024-01-01"),
    doc_id: Optional[str] = _text("Tasks of one document."),
    sort: Literal["document", "deadline"] = Query("document"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
    format: Literal["json", "jsonl", "csv"] = Query("json", description="jsonl/csv: every matching task, streamed."),
    csv_options: dict = Depends(csv_params),
) -> Any:
    """任务分工 of every stored document: task number, text, units, deadline, document."""
    params = dict(unit=unit, region=region, due_from=due_from, due_to=due_to, overdue_as_of=overdue_as_of,
                  doc_id=doc_id, sort=sort)
    if format != "json":
        stores = request.app.state.stores
        return _stream("tasks", views.task_export(stores.get, **params), format, stores.get, csv_options, ["region_code"])
    return views.task_ledger(request_store(request), **params, limit=limit, offset=offset)


@router.get("/hazards", response_model=HazardRegistry, summary="Hazard registry (挂牌督办)")
def hazards(
    request: Request,
    region: Optional[str] = _text("Region, code or name.", "盂县"),
    status: Optional[Literal["open", "closed"]] = Query(None),
    enterprise: Optional[str] = _text("Enterprise, part of the name.", "人民医院"),
    as_of: Optional[str] = _day("Day for ``overdue`` (default today)."),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Any:
    """Open and closed cases of 重大隐患挂牌督办 with their lifecycle: 挂牌, relistings, 摘牌/销案;
    a page of them (``total`` tells how many)."""
    return views.hazard_registry(request_store(request), region=region, status=status,
                                       enterprise=enterprise, as_of=as_of, limit=limit, offset=offset)


@router.get("/duties", response_model=Duties, summary="Leaders' duties (分工) on a day")
def duties(
    request: Request,
    area: Optional[str] = _text("A field (安全生产) or a unit (县应急局).", "安全生产"),
    on: Optional[str] = _day("The day (default today).", "2024-06-01"),
    region: Optional[str] = _text("Region, code or name.", "140322"),
) -> Any:
    """Who was responsible for what on a day: every leader's entry in force, and for ``area`` the
    leaders responsible for it."""
    return views.duties_on(request_store(request), on, area, region)


def _stream(layer: str, records: Iterator[dict[str, Any]], format: str, get_store: Callable[[], Any],
            csv_options: dict[str, Any], extra_columns: Sequence[str] = ()) -> StreamingResponse:
    """Records streamed as they are read from the store, a page at a time. The CSV header
    comes first: its columns are every key the layer's stored records hold."""
    rows = views.iter_rows(records)
    if format == "jsonl":
        lines = _jsonl(rows)
    else:
        columns = layer_csv_columns(layer, [dict.fromkeys([*get_store().layer_keys(layer), "confidence", *extra_columns])])
        lines = chunked(layer_csv(layer, rows, columns=columns, **csv_options))
    return StreamingResponse(
        lines,
        media_type=EXPORT_TYPES[format],
        headers={"content-disposition": f'attachment; filename="gongbao-{layer}.{format}"'},
    )


def _jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    return chunked(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


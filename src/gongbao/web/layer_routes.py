"""HTML pages over the layer records: people, units, the task ledger, the hazard registry,
leaders' duties and groups (领导小组). Each route calls one ``gongbao.views`` function and renders one
template; the state of a page (filters, page) lives in its URL, forms are plain GET forms.

Parameters arrive as strings (an empty form field is an empty string, meaning "no filter");
the library checks them and raises QueryError (a 400 page) for malformed ones.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from .. import browse, views
from ..errors import NotFound
from ..serving.params import DAY_SCHEMA
from ..serving.stores import request_store
from . import render_page
from .routes import PAGE_ERRORS

router = APIRouter(tags=["web pages"], default_response_class=HTMLResponse, responses=PAGE_ERRORS)

TEXT = 200
PER_PAGE = 50


def _text(description: str = "") -> Any:
    return Query(None, max_length=TEXT, description=description)


def _day(description: str = "") -> Any:
    return Query(None, max_length=20, description="YYYY, YYYY-MM or YYYY-MM-DD. " + description,
                 json_schema_extra=DAY_SCHEMA)


def _regions(store) -> list[dict[str, Any]]:
    return [{"code": code, "name": name} for code, name in sorted(browse.region_names(store).items())]


def _state(request: Request, keys: tuple[str, ...]) -> dict[str, str]:
    """The page's parameters as given (blank ones left out): what its links keep."""
    return {k: v for k, v in request.query_params.items() if k in keys and v.strip()}


@router.get("/people", summary="People named in 任免 and 分工 records")
def people_page(request: Request) -> HTMLResponse:
    return render_page(request, "people.html", {"people": views.people(request_store(request))})


@router.get("/people/{name}", summary="A person's career timeline")
def person_page(request: Request, name: str = Path(max_length=TEXT, examples=["任丽鹏"])) -> HTMLResponse:
    view = views.person_view(request_store(request), name)
    if view is None:
        raise NotFound(f"没有关于「{name}」的任免或分工记录")
    return render_page(request, "person.html", {"person": view})


@router.get("/groups", summary="Groups (领导小组 / 工作专班 / 指挥部 / 委员会)")
def groups_page(request: Request) -> HTMLResponse:
    return render_page(request, "groups.html", {"groups": views.groups_list(request_store(request))})


@router.get("/groups/{name}", summary="A group: members by role, the documents that set it up and changed it")
def group_page(request: Request, name: str = Path(max_length=TEXT, examples=["盂县巡游出租汽车报废更新工作领导小组"])) -> HTMLResponse:
    view = views.group_view(request_store(request), name)
    if view is None:
        raise NotFound(f"没有关于「{name}」的组成人员记录")
    return render_page(request, "group.html", {"group": view})


@router.get("/units/{name}", summary="An organisation: documents, tasks, duties")
def unit_page(request: Request, name: str = Path(max_length=TEXT, examples=["县应急局"]),
              region: Optional[str] = _text("Region code or name.")) -> HTMLResponse:
    view = views.unit_view(request_store(request), name, region)
    if view is None:
        raise NotFound(f"没有提到单位「{name}」的记录")
    return render_page(request, "unit.html", {"unit": view})


LEDGER_KEYS = ("unit", "region", "due_from", "due_to", "overdue_as_of", "sort", "page")


@router.get("/tasks", summary="Task ledger")
def tasks_page(
    request: Request,
    unit: Optional[str] = _text("Lead, responsible or cooperating unit."),
    region: Optional[str] = _text("Region code or name."),
    due_from: Optional[str] = _day("Deadline on or after."),
    due_to: Optional[str] = _day("Deadline on or before."),
    overdue_as_of: Optional[str] = _day("Deadline before this day."),
    sort: Optional[Literal["", "document", "deadline"]] = Query(None, description="document or deadline."),
    page: int = Query(1, ge=1, le=10_000),
) -> HTMLResponse:
    store = request_store(request)
    ledger = views.task_ledger(
        store, unit=unit, region=region, due_from=due_from, due_to=due_to, overdue_as_of=overdue_as_of,
        sort=sort or "document", limit=PER_PAGE, offset=(page - 1) * PER_PAGE,
    )
    state = _state(request, LEDGER_KEYS)
    export = {k: v for k, v in state.items() if k != "page"}
    return render_page(request, "tasks.html", {
        "ledger": ledger,
        "state": state,
        "form": {"unit": unit or "", "region": region or "", "due_from": due_from or "", "due_to": due_to or "",
                 "overdue_as_of": overdue_as_of or "", "sort": sort or "document"},
        "regions": _regions(store),
        "page": page,
        "last_page": max(1, -(-ledger["total"] // PER_PAGE)),
        "per_page": PER_PAGE,
        "export": export,
    })


HAZARD_KEYS = ("region", "status", "enterprise", "page")


@router.get("/hazards", summary="Hazard registry (挂牌督办)")
def hazards_page(
    request: Request,
    region: Optional[str] = _text("Region code or name."),
    status: Optional[Literal["", "open", "closed"]] = Query(None, description="open or closed (blank: both)."),
    enterprise: Optional[str] = _text("Enterprise, part of the name."),
    page: int = Query(1, ge=1, le=10_000),
) -> HTMLResponse:
    store = request_store(request)
    registry = views.hazard_registry(store, region=region, status=status or None, enterprise=enterprise,
                                           limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_page(request, "hazards.html", {
        "registry": registry,
        "form": {"region": region or "", "status": status or "", "enterprise": enterprise or ""},
        "regions": _regions(store),
        "state": _state(request, HAZARD_KEYS),
        "page": page,
        "last_page": max(1, -(-registry["total"] // PER_PAGE)),
    })


@router.get("/duties", summary="Leaders' duties (分工) on a day")
def duties_page(
    request: Request,
    on: Optional[str] = _day("The day (default today)."),
    area: Optional[str] = _text("A field (安全生产) or a unit (县应急局)."),
    region: Optional[str] = _text("Region code or name."),
) -> HTMLResponse:
    store = request_store(request)
    view = views.duties_on(store, on, area, region)
    return render_page(request, "duties.html", {
        "duties": view,
        "form": {"on": view["on"], "area": area or "", "region": region or ""},
        "regions": _regions(store),
    })

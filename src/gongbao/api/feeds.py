"""Atom feed routes: the newest documents of a region, of an issuer, or of any search."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from .. import browse
from ..atom import atom_feed
from ..errors import NotFound
from ..search import SearchQuery, search
from ..serving.params import search_params, to_query
from ..serving.stores import request_store
from .routes import ERRORS, NOT_FOUND

FEED_SIZE = 50
ATOM = "application/atom+xml; charset=utf-8"

router = APIRouter(prefix="/feeds", tags=["feeds"], responses=ERRORS)


class AtomResponse(Response):
    media_type = ATOM


def _feed(request: Request, result: Any, title: str, page_path: str) -> AtomResponse:
    base = str(request.base_url)
    ingested = {g["id"]: g.get("ingested_at") for g in request_store(request).list_gazettes()}
    body = atom_feed(result, title=title, feed_url=str(request.url), page_url=base + page_path.lstrip("/"),
                     base_url=base, ingested=ingested)
    return AtomResponse(body)


FEED_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/atom+xml": {}},
                                                        "description": "An Atom feed, newest first."}}


@router.get("/region/{code}.atom", response_class=AtomResponse, responses={**FEED_RESPONSE, **NOT_FOUND},
            summary="Newest documents of a region")
def region_feed(request: Request, code: str = Path(max_length=200, examples=["140322"])) -> AtomResponse:
    store = request_store(request)
    result = search(store, SearchQuery(region=code, sort="newest", per_page=FEED_SIZE))
    if not result.total:
        raise NotFound(f"no documents of region {code!r}")
    name = browse.region_names(store).get(code, code)
    return _feed(request, result, f"{name}政府公报 · 最新文件", "/search?" + urlencode({"region": code, "sort": "newest"}))


@router.get("/issuer/{name}.atom", response_class=AtomResponse, responses={**FEED_RESPONSE, **NOT_FOUND},
            summary="Newest documents of an issuer")
def issuer_feed(request: Request, name: str = Path(max_length=200, examples=["盂县人民政府"])) -> AtomResponse:
    result = search(request_store(request), SearchQuery(issuer=name, sort="newest", per_page=FEED_SIZE))
    if not result.total:
        raise NotFound(f"no documents issued by {name!r}")
    return _feed(request, result, f"{name} · 最新文件", "/search?" + urlencode({"issuer": name, "sort": "newest"}))


@router.get("/search.atom", response_class=AtomResponse, responses=FEED_RESPONSE,
            summary="Newest documents matching a search")
def search_feed(request: Request, params: dict = Depends(search_params)) -> AtomResponse:
    """The search's newest documents, whatever sort and page were asked for."""
    params = {**params, "sort": "newest", "page": 1, "per_page": FEED_SIZE}
    result = search(request_store(request), to_query(params))
    page_params = {k: v for k, v in request.query_params.items() if k not in ("page", "per_page")}
    title = "搜索：" + (params.get("q") or "全部文件")
    return _feed(request, result, title, "/search?" + urlencode(page_params))

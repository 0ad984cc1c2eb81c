"""``POST /api/gazettes``: upload one issue — the only route that writes.

It exists only when the server is given an upload token (``gongbao serve
--upload-token-file FILE`` or ``$GONGBAO_UPLOAD_TOKEN``); without one the API is
read-only and the route is not in the app or its OpenAPI schema at all.

What it checks, in this order, before anything is parsed:

1. ``Authorization: Bearer <token>`` — missing: 401, wrong: 403 (constant-time compare),
   logged; a client with ``MAX_TOKEN_FAILURES`` wrong tokens in ``FAILURE_WINDOW`` seconds
   gets 429 with ``Retry-After`` for every upload until the oldest of them leaves the window;
2. ``Content-Type`` — text/plain, text/html, application/pdf or DOCX, else 415; and the
   bytes must be what the header says (a PNG sent as application/pdf is a 415 too);
3. size — a ``Content-Length`` over the limit is refused before the body is read, and the
   body is counted while it streams in, so a chunked upload stops at the limit: 413.

Then the bytes go through :func:`gongbao.ingest.ingest_bytes`, the same decoding, parsing
and validation as ``gongbao ingest``: a bad file is a 422 with the reason and nothing is
stored — so is a truncated issue, or one whose region the text cannot settle
(:mod:`gongbao.completeness`; there is no ``--force`` here); the same bytes again are a no-op
(200, status ``unchanged``); a new issue is 201.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
from collections import OrderedDict, deque
from typing import Any, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ..formats.archive import open_zip
from ..formats.detect import HEAD_BYTES, sniff
from .models import ErrorBody

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MIN_TOKEN_LENGTH = 16
MAX_TOKEN_FAILURES = 10  # wrong tokens a client may send in FAILURE_WINDOW seconds
FAILURE_WINDOW = 600.0
MAX_TRACKED_CLIENTS = 10_000  # clients remembered; the longest quiet ones are forgotten first
log = logging.getLogger(__name__)
# Issues parsed at the same time (each can take ~30 MB of memory per MB of text).
PARSE_SLOTS = 2

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Declared media type → the kinds of content (gongbao.formats.detect) it may hold.
ACCEPTED = {
    "text/plain": {"text", "html"},
    "text/html": {"html", "text"},
    "application/xhtml+xml": {"html", "text"},
    "application/pdf": {"pdf"},
    DOCX: {"docx"},
}
_BINARY = {"type": "string", "format": "binary"}
REQUEST_BODY = {
    "required": True,
    "description": "The file of one issue, as published. Text: UTF-8 (with or without BOM) or GB18030/GBK.",
    "content": {
        "text/plain": {"schema": {"type": "string"}},
        "text/html": {"schema": {"type": "string"}},
        "application/pdf": {"schema": _BINARY},
        DOCX: {"schema": _BINARY},
    },
}


class UploadResult(BaseModel):
    status: str = Field(description="added, replaced (a corrected version of a stored issue) or unchanged.")
    gazette_id: str = Field(description="Id of the issue: GET /api/gazettes/{gazette_id}.", examples=["140322/2023/3"])
    url: str = Field(description="The issue's API path.")
    summary: str = Field(description="Documents, TOC matches, repairs: what the parse found.")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": UploadResult, "description": "The same file is stored already: nothing changed."},
    401: _error("No bearer token."),
    403: _error("Wrong token."),
    429: {"model": ErrorBody, "description": "Too many wrong tokens from this client lately; try again after "
                                             "Retry-After seconds.",
          "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}},
    413: _error("The body is larger than the server's upload limit."),
    415: _error("Not text/plain, text/html, application/pdf or DOCX, or the bytes are not of the declared type."),
    422: _error("Not a readable gazette issue, a truncated one (TOC entries missing from the body, a text that "
                "stops inside a document, less than the stored version) or one of uncertain region: the reason "
                "is given; nothing was stored."),
}


class FailureLimit:
    """Wrong tokens per client (its address) in a sliding window. The upload route runs on the
    event loop, one request at a time here: no lock needed."""

    def __init__(self, limit: int = MAX_TOKEN_FAILURES, window: float = FAILURE_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, client: str) -> Optional[int]:
        """Seconds until ``client`` may try again, None when it may now."""
        failures = self._recent(client)
        if len(failures) < self.limit:
            return None
        return max(1, int(failures[0] + self.window - time.monotonic()) + 1)

    def record(self, client: str) -> int:
        """One more wrong token from ``client``; returns its failures in the window."""
        failures = self._recent(client)
        failures.append(time.monotonic())
        self._failures[client] = failures
        self._failures.move_to_end(client)
        while len(self._failures) > MAX_TRACKED_CLIENTS:
            self._failures.popitem(last=False)
        return len(failures)

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= time.monotonic() - self.window:
            failures.popleft()
        return failures


def upload_router(token: str, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> APIRouter:
    """The router holding ``POST /api/gazettes``, guarded by ``token``."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"upload token too short: use at least {MIN_TOKEN_LENGTH} characters")
    if max_bytes < 1:
        raise ValueError("upload limit must be at least 1 byte")
    expected = token.encode("utf-8")
    slots = asyncio.Semaphore(PARSE_SLOTS)
    failures = FailureLimit()
    bearer = HTTPBearer(auto_error=False, description="The upload token the server was started with.")
    router = APIRouter(prefix="/api", tags=["upload"])

    @router.post(
        "/gazettes",
        status_code=201,
        response_model=UploadResult,
        responses=RESPONSES,
        summary="Upload one issue",
        openapi_extra={"requestBody": REQUEST_BODY},
    )
    async def upload(
        request: Request,
        credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer),
        name: Optional[str] = Query(None, max_length=200, description="File name to record as the source (else 'upload')."),
    ) -> JSONResponse:
        """Ingest one gazette issue (only on servers started with an upload token): decoded,
        parsed and validated as ``gongbao ingest`` does, stored in one transaction.
        201 for a new or corrected issue, 200 when the same file is stored already."""
        client = request.client.host if request.client else "unknown"
        wait = failures.retry_after(client)
        if wait is not None:
            raise HTTPException(429, f"too many wrong upload tokens from this client; try again in {wait} s",
                                {"Retry-After": str(wait)})
        if credentials is None:
            raise HTTPException(401, "upload needs Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(credentials.credentials.encode("utf-8"), expected):
            count = failures.record(client)
            log.warning("wrong upload token from %s (%d in the last %g s)", client, count, failures.window)
            raise HTTPException(403, "wrong upload token")
        allowed = _accepted_kinds(request.headers.get("content-type"))
        data = await _read_body(request, max_bytes)
        kind = sniff(data[:HEAD_BYTES], lambda: open_zip(data, _safe_name(name)))
        if kind.name not in allowed and kind.name != "refuse":  # refuse: the library says why (422)
            raise HTTPException(415, f"the body is {kind.name} content, not {request.headers['content-type']}")
        filename = _safe_name(name)
        stores = request.app.state.stores

        def ingest() -> Any:
            from ..ingest import ingest_bytes

            return ingest_bytes(stores.get(), data, filename)  # InputError → 422, via the app's handler

        async with slots:
            outcome = await run_in_threadpool(ingest)
        url = f"/api/gazettes/{outcome.gazette_id}"
        body = UploadResult(status=outcome.status, gazette_id=outcome.gazette_id, url=url,
                            summary=outcome.summary.line())
        if outcome.status == "unchanged":
            return JSONResponse(body.model_dump(), status_code=200)
        return JSONResponse(body.model_dump(), status_code=201, headers={"Location": url})

    return router


def _accepted_kinds(content_type: Optional[str]) -> set[str]:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in ACCEPTED:
        raise HTTPException(415, f"unsupported Content-Type {media or '(none)'!r}: send one of {', '.join(ACCEPTED)}")
    return ACCEPTED[media]


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPException(400, "bad Content-Length")
        if int(declared) > limit:
            raise HTTPException(413, f"upload too large: {declared} bytes, the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"upload too large: over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _safe_name(name: Optional[str]) -> str:
    """A client's file name as a plain name: no folders, no control characters."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name or "upload"

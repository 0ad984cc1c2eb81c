"""The FastAPI application: JSON API, web pages and feeds over one store.

``create_app`` wires the parts — middleware, the one error handler, /docs, static files — and
mounts the routers of ``gongbao.api`` (JSON and Atom) and ``gongbao.web`` (HTML), which never
import each other.
"""
from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from typing import Optional, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __doc__ as package_doc
from .. import budget
from ..api import feeds, layer_routes, routes
from ..api.upload import DEFAULT_MAX_UPLOAD_BYTES, upload_router
from ..errors import GongbaoError, TimeBudgetExceeded
from ..serving.stores import ThreadStores
from ..web import STATIC_DIR, render_error
from ..web import layer_routes as layer_pages
from ..web import routes as pages

# Pages render no script at all, so the policy can forbid every script.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]
JSON_PREFIXES = ("/api/", "/feeds/", "/openapi.json")
# Swagger UI's script, stylesheet and icon, served from the pinned fastapi-offline package:
# /docs works without the internet and trusts no other host.
DOCS_ASSETS = "/docs-assets"


def create_app(store_url: str, *, cors_origins: Optional[Sequence[str]] = None,
               upload_token: Optional[str] = None, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               time_budget: Optional[float] = budget.DEFAULT_TIME_BUDGET) -> FastAPI:
    """The web application over the store at ``store_url`` (a SQLite path or URL).

    ``cors_origins``: origins allowed to call the API from a browser (``["*"]`` for any).
    ``upload_token``: adds ``POST /api/gazettes`` (``gongbao.api.upload``), guarded by this
    bearer token, taking bodies up to ``max_upload_bytes``; without it the app is read-only.
    ``time_budget``: seconds a GET may work before it is stopped and answered 503 with
    ``Retry-After`` (``gongbao.budget``); None: no limit. Raises StoreError at once when
    the store cannot be opened, ValueError for a token shorter than 16 characters or a
    budget of 0 seconds or less.
    """
    app = FastAPI(
        title="gongbao",
        summary=(package_doc or "").strip(),
        description=(
            "Documents of Chinese local government gazettes (政府公报): search, records, issues, feeds; "
            "and what was read out of them: people and their careers, units, the task ledger, the hazard "
            "registry, leaders' duties, citations and validity.\n\n"
            "Read-only: every operation is a GET, except `POST /api/gazettes` (upload one issue), which "
            "exists only on a server started with an upload token (`gongbao serve --upload-token-file FILE` "
            "or `GONGBAO_UPLOAD_TOKEN`) and then needs `Authorization: Bearer <token>`."
        ),
        version=_version(),
        docs_url=None,  # served below, under a policy that admits Swagger UI's one inline script
        redoc_url=None,
    )
    app.state.stores = ThreadStores(store_url)
    for error_type in (GongbaoError, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(error_type, handle_error)
    app.include_router(layer_routes.router)  # first: /api/documents/{id}/citations before the id catch-all
    if upload_token is not None:
        app.include_router(upload_router(upload_token, max_upload_bytes))
    app.include_router(routes.router)
    app.include_router(feeds.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")
    _add_docs(app)
    app.include_router(layer_pages.router)
    app.include_router(pages.router)  # last: its catch-all id route must match after all others
    if time_budget is not None:
        if time_budget <= 0:
            raise ValueError("the time budget must be a positive number of seconds")
        app.add_middleware(TimeBudget, seconds=time_budget)
    app.add_middleware(SecurityHeaders, docs_csp=_docs_csp())
    app.add_middleware(HeadAsGet)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "HEAD"],
                           allow_headers=["*"])
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gongbao")
    except PackageNotFoundError:  # running from a source tree
        return "0"


async def handle_error(request: Request, exc: Exception):
    """Every error as ``{"error", "message"}`` JSON under /api and /feeds, as an HTML page elsewhere."""
    exc = budget.exceeded(exc) or exc  # a store error of a statement the time budget interrupted
    if isinstance(exc, GongbaoError):
        status, code, message = exc.status, exc.code, exc.reason  # reason: no server paths in responses
    elif isinstance(exc, RequestValidationError):
        status, code, message = 400, "bad_parameter", _validation_message(exc)
    elif isinstance(exc, StarletteHTTPException):
        status, code, message = exc.status_code, _http_code(exc.status_code), str(exc.detail)
    else:
        status, code, message = 500, "internal_error", "internal error"
    headers = dict(getattr(exc, "headers", None) or {}) if isinstance(exc, StarletteHTTPException) else {}
    if status == 405 and "GET" in headers.get("Allow", ""):
        headers["Allow"] += ", HEAD"  # HeadAsGet answers HEAD wherever GET is routed
    if request.url.path.startswith(JSON_PREFIXES):
        response = JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)
    else:
        response = render_error(request, status, code, message)
        response.headers.update(headers)  # Allow of a 405, WWW-Authenticate of a 401
    if isinstance(exc, TimeBudgetExceeded):
        response.headers["Retry-After"] = str(exc.retry_after)
    if not isinstance(exc, (GongbaoError, RequestValidationError, StarletteHTTPException)):
        # An unexpected exception is answered by Starlette's outermost middleware, outside
        # SecurityHeaders: this response gets the headers here.
        for name, value in SECURITY_HEADERS + [(b"content-security-policy", PAGE_CSP.encode())]:
            response.headers[name.decode()] = value.decode()
    return response


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid"))
    return "; ".join(parts) or "invalid request"


def _http_code(status: int) -> str:
    return {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            413: "too_large", 415: "unsupported_media_type", 429: "too_many_requests"}.get(status, "http_error")


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: streams pass untouched)."""

    def __init__(self, app: ASGIApp, docs_csp: str) -> None:
        self.app = app
        self.docs_csp = docs_csp.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.docs_csp if scope["path"] == "/docs" else PAGE_CSP.encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                message["headers"] = headers + SECURITY_HEADERS + [(b"content-security-policy", csp)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class TimeBudget:
    """Gives every GET (and HEAD) ``seconds`` of work (``gongbao.budget``); the budget is
    released when the response starts, so a streamed export is not cut off half-way.
    Uploads are authenticated and parse in slots of their own: no budget."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        with budget.time_budget(self.seconds) as limit:

            async def send_releasing(message: Message) -> None:
                if message["type"] == "http.response.start":
                    limit.release()
                await send(message)

            await self.app(scope, receive, send_releasing)


class HeadAsGet:
    """Answers HEAD like GET without the body (link checkers and ``curl -I`` use HEAD;
    FastAPI routes declare GET only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def _swagger_page() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="gongbao API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
    )


def _add_docs(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return _swagger_page()


def _docs_csp() -> str:
    """Swagger UI comes from this server and starts with one inline script: admit that
    script by its hash instead of allowing inline scripts at large."""
    body = bytes(_swagger_page().body).decode()
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", body, re.S)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
    )

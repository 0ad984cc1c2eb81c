"""Server-rendered pages: Jinja2 templates and one stylesheet; no JavaScript needed.

Templates autoescape everything; the only ``|safe`` values are the search
library's excerpts and highlighted titles, which it escapes before marking.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse

from . import render

STATIC_DIR = Path(__file__).parent / "static"

_env = Environment(loader=PackageLoader("gongbao.web", "templates"), autoescape=True)
_env.filters.update(render.FILTERS)
_env.globals.update(render.GLOBALS)
templates = Jinja2Templates(env=_env)


def render_page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def render_error(request: Request, status: int, code: str, message: str) -> HTMLResponse:
    return render_page(request, "error.html", {"status": status, "code": code, "message": message}, status)

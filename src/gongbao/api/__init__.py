"""HTTP API, web pages and feeds over a store: ``create_app(store_url)`` → a FastAPI app.

>>> app = create_app("gongbao.db")          # doctest: +SKIP
>>> uvicorn.run(app, port=8000)              # doctest: +SKIP
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]

"""The one web application: ``create_app(store_url)`` → a FastAPI app serving the JSON API and
feeds (``gongbao.api``) and the pages (``gongbao.web``) over one store.

>>> app = create_app("gongbao.db")          # doctest: +SKIP
>>> uvicorn.run(app, port=8000)              # doctest: +SKIP
"""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]

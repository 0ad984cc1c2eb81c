"""Where parsed gazettes are kept: one :class:`Store` interface, one backend per module.

>>> with open_store(":memory:") as store:
...     store.stats()["gazettes"]
0
"""
from __future__ import annotations

import os
from typing import Union

from ..errors import StoreError
from .backup import restore
from .base import SaveOutcome, SaveStatus, Store, redact
from .sqlite import SQLiteStore

__all__ = [
    "SQLiteStore", "SaveOutcome", "SaveStatus", "Store", "open_store", "redact", "restore",
]


def open_store(url_or_path: Union[str, "os.PathLike[str]"], *, create: bool = True) -> Store:
    """Open (creating and migrating if needed) the store at a path or URL.

    ``create=False`` (what reading commands ask): a SQLite file that does not exist is a
    StoreError instead of a new, empty store.

    - ``gongbao.db``, ``/data/gongbao.db``, ``:memory:`` → SQLite file / in memory
    - ``sqlite:///relative.db``, ``sqlite:////absolute.db``, ``sqlite://`` (memory)
    - ``postgresql://user:password@host:port/database`` (also ``postgres://``) → PostgreSQL
    """
    target = os.fspath(url_or_path)
    scheme, separator, rest = target.partition("://")
    if not separator:
        return _sqlite(target, create)
    scheme = scheme.lower()
    if scheme == "sqlite":
        # SQLAlchemy's convention: the third slash starts the path, a fourth makes it absolute.
        path = rest[1:] if rest.startswith("/") else rest
        return _sqlite(path or ":memory:", create)
    if scheme in ("postgres", "postgresql") or scheme.startswith("postgresql+"):
        from .postgres import PostgresStore  # psycopg is imported only when used

        return PostgresStore("postgresql://" + rest)
    raise StoreError(f"unknown store URL scheme {scheme!r}; use a path or sqlite:///PATH", redact(target))


def _sqlite(path: str, create: bool) -> SQLiteStore:
    if not create and path != ":memory:" and not os.path.exists(path):
        raise StoreError("no store here: ingest gazettes into it first (gongbao ingest FILES --db PATH)", path)
    return SQLiteStore(path)

"""The one place that picks a backend for a path or URL: a new backend is its module and
its line in ``BACKENDS``."""
from __future__ import annotations

import importlib
import os
from typing import Union

from ..errors import StoreError
from .base import Store, redact

# URL scheme → the module and class of the backend serving it, imported when first asked for
# (psycopg only for PostgreSQL). A new backend is its module and its line here.
BACKENDS = {
    "sqlite": ("sqlite", "SQLiteStore"),
    "postgresql": ("postgres", "PostgresStore"),
    "postgres": ("postgres", "PostgresStore"),
}


def backend_for(url_or_path: Union[str, "os.PathLike[str]"]) -> type[Store]:
    """The :class:`Store` class serving a path or URL: the one place that decides.

    A path without a scheme is a SQLite file; ``postgresql+psycopg://`` (SQLAlchemy's
    dialect+driver) is served as ``postgresql://``. Raises StoreError for an unknown scheme."""
    target = os.fspath(url_or_path)
    scheme, separator, _ = target.partition("://")
    scheme = scheme.lower() if separator else "sqlite"
    if scheme.partition("+")[0] not in BACKENDS:
        raise StoreError(f"unknown store URL scheme {scheme!r}; use a path or sqlite:///PATH", redact(target))
    module, name = BACKENDS[scheme.partition("+")[0]]
    return getattr(importlib.import_module(f".{module}", __package__), name)


def open_store(url_or_path: Union[str, "os.PathLike[str]"], *, create: bool = True) -> Store:
    """Open (creating and migrating if needed) the store at a path or URL.

    ``create=False`` (what reading commands ask): a SQLite file that does not exist is a
    StoreError instead of a new, empty store.

    - ``gongbao.db``, ``/data/gongbao.db``, ``:memory:`` → SQLite file / in memory
    - ``sqlite:///relative.db``, ``sqlite:////absolute.db``, ``sqlite://`` (memory)
    - ``postgresql://user:password@host:port/database`` (also ``postgres://``) → PostgreSQL
    """
    target = os.fspath(url_or_path)
    return backend_for(target).from_url(target, create=create)

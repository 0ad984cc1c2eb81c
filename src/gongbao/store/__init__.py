"""Where parsed gazettes are kept: one :class:`Store` interface, one backend per module.

>>> with open_store(":memory:") as store:
...     store.stats()["gazettes"]
0
"""
from __future__ import annotations

from .backup import restore
from .base import SaveOutcome, SaveStatus, Store, redact
from .factory import backend_for, open_store
from .sqlite import SQLiteStore

__all__ = [
    "SQLiteStore", "SaveOutcome", "SaveStatus", "Store", "backend_for", "open_store", "redact", "restore",
]

"""One store per thread for the web server.

FastAPI runs sync routes on a pool of worker threads, and an SQLite connection
may only be used by the thread that opened it. So every worker thread opens
its own store, once, and keeps it: cheaper than a connection per request, and
safe because a thread runs one request at a time.
"""
from __future__ import annotations

import threading
from typing import Optional

from starlette.requests import Request

from ..errors import StoreError
from ..store import Store, open_store


class ThreadStores:
    """Hands each thread its own :class:`Store` on ``store_url``."""

    def __init__(self, store_url: str) -> None:
        self.store_url = store_url
        self._local = threading.local()
        # Open once up front: a bad path or a newer schema fails at startup, not
        # on the first request; and refuse a memory database, which each thread
        # would see as a different, empty one.
        store = open_store(store_url)
        if store.in_memory:
            store.close()
            raise StoreError("the web server needs a database file, not an in-memory store", store_url)
        # A store with a connection pool (PostgreSQL) serves every thread; SQLite's is per thread.
        self._shared: Optional[Store] = store if store.thread_safe else None
        if self._shared is None:
            store.close()

    def get(self) -> Store:
        """This thread's store, opened on first use (or the shared one)."""
        if self._shared is not None:
            return self._shared
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = open_store(self.store_url)
        return store

    __call__ = get


def request_store(request: Request) -> Store:
    """The store of the thread running this request (routes are sync: they run on a worker thread)."""
    return request.app.state.stores.get()

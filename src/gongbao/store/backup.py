"""Restore a store from a backup written by :meth:`Store.backup` (``gongbao restore``).

>>> restore("backups/2024-06-01.db", "gongbao.db")            # doctest: +SKIP
>>> restore("backups/2024-06-01.db", "gongbao.db", force=True)  # replace stored issues  # doctest: +SKIP
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Union

from ..errors import StoreError
from .sqlite_check import copy_database, remove_files, stored_gazettes


def restore(backup_path: Union[str, "os.PathLike[str]"], target: Union[str, "os.PathLike[str]"], *,
            force: bool = False) -> dict[str, Any]:
    """Replace the store at ``target`` (path or URL, as :func:`~gongbao.store.open_store`)
    by the backup at ``backup_path``; return the restored store's ``stats()``.

    Refuses (StoreError) a backup that is not a consistent gongbao store, and a target
    that holds issues already unless ``force``. The backup is checked in a scratch copy
    before the target is touched; the target is then replaced as a whole under its write
    lock (other connections see the old store or the new one), migrated to this version's
    schema, and checked again."""
    from . import open_store
    from .sqlite import SQLiteStore
    from .sqlite_search import _TOKENIZERS, _TOKENIZERS_LOCK

    if str(target).partition("://")[0].lower() in ("postgres", "postgresql"):
        return _restore_postgresql(Path(backup_path), str(target), force=force)
    source = Path(backup_path)
    if not source.is_file():
        raise StoreError("backup file not found", str(source))
    held = stored_gazettes(str(source))
    if held is None or held < 0:
        raise StoreError("not a gongbao backup (not a SQLite file with a gazettes table)", str(source))

    store = open_store(target)
    try:
        if not isinstance(store, SQLiteStore):
            raise StoreError(f"restore into a {type(store).__name__} is not available yet; restore into a SQLite path")
        if store.path == ":memory:":
            raise StoreError("cannot restore into an in-memory store", ":memory:")
        present = store.stats()["gazettes"]
        if present and not force:
            raise StoreError(
                f"target store holds {present} issue(s); restoring would replace them (use --force)", store.path
            )
        scratch = Path(store.path).with_name(f".{Path(store.path).name}.restore-{os.getpid()}")
        remove_files(scratch)
        try:
            scratch_db = sqlite3.connect(scratch, isolation_level=None)
            try:
                copy_database(str(source), scratch_db)
            finally:
                scratch_db.close()
            with SQLiteStore(scratch) as checked:  # migrates an older backup; rebuilds a stale index
                problems = checked.check_integrity()
            if problems:
                raise StoreError("backup is not consistent, nothing restored: " + "; ".join(problems), str(source))
            copy_database(str(scratch), store._db)
        finally:
            remove_files(scratch)
        with _TOKENIZERS_LOCK:  # the tokenizer's dictionary was of the replaced content
            _TOKENIZERS.pop(os.path.realpath(store.path), None)
    finally:
        store.close()
    with open_store(target) as restored:
        problems = restored.check_integrity()
        if problems:
            raise StoreError("restored store is not consistent: " + "; ".join(problems), str(target))
        return restored.stats()



PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format


def _restore_postgresql(source: Path, target: str, *, force: bool) -> dict[str, Any]:
    """``pg_restore --single-transaction`` of a ``gongbao backup`` of a PostgreSQL store:
    the target database is replaced all at once or not at all, then checked."""
    from . import open_store

    if not source.is_file():
        raise StoreError("backup file not found", str(source))
    with source.open("rb") as handle:
        if handle.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise StoreError("not a PostgreSQL backup (pg_dump custom format) of a gongbao store", str(source))
    with open_store(target) as store:
        present = store.stats()["gazettes"]
        if present and not force:
            raise StoreError(
                f"target store holds {present} issue(s); restoring would replace them (use --force)", store.path
            )
        store.restore_from(str(source))  # type: ignore[attr-defined]
    with open_store(target) as restored:
        problems = restored.check_integrity()
        if problems:
            raise StoreError("restored store is not consistent: " + "; ".join(problems), restored.path)
        return restored.stats()

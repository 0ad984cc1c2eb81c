"""Restore a store from a backup written by :meth:`Store.backup` (``gongbao restore``), and
tell what a backup file holds (``gongbao backup`` prints it, read from the file it wrote).

>>> backup_counts("backups/2024-06-01.db")["gazettes"]         # doctest: +SKIP
>>> restore("backups/2024-06-01.db", "gongbao.db")            # doctest: +SKIP
>>> restore("backups/2024-06-01.db", "gongbao.db", force=True)  # replace stored issues  # doctest: +SKIP
"""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import Any, Union

from ..errors import StoreError
from .reads import COUNTED_TABLES, counts


def restore(backup_path: Union[str, "os.PathLike[str]"], target: Union[str, "os.PathLike[str]"], *,
            force: bool = False) -> dict[str, Any]:
    """Replace the store at ``target`` (path or URL, as :func:`~gongbao.store.open_store`)
    by the backup at ``backup_path``; return the restored store's ``stats()``.

    Refuses (StoreError) a file that is not a backup of the target's backend, and a target
    that holds issues already unless ``force``. The backend replaces the whole store or
    nothing (:meth:`Store.restore_from`: SQLite checks the backup in a scratch copy first,
    PostgreSQL restores in one transaction); the result is migrated to this version's schema
    and checked again."""
    from .factory import backend_for, open_store

    backend = backend_for(target)
    source = Path(backup_path)
    if not source.is_file():
        raise StoreError("backup file not found", str(source))
    backend.check_backup(source)
    with open_store(target) as store:
        if store.in_memory:
            raise StoreError("cannot restore into an in-memory store", store.path)
        present = store.stats()["gazettes"]
        if present and not force:
            raise StoreError(
                f"target store holds {present} issue(s); restoring would replace them (use --force)", store.path
            )
        store.restore_from(source)
    with open_store(target) as restored:
        problems = restored.check_integrity()
        if problems:
            raise StoreError("restored store is not consistent: " + "; ".join(problems), restored.path)
        return restored.stats()


PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format
SQLITE_MAGIC = b"SQLite format 3\x00"


def backup_counts(backup_path: Union[str, "os.PathLike[str]"]) -> dict[str, int]:
    """Rows per table (``reads.COUNTED_TABLES``) and ``source_bytes``, as ``Store.stats``
    counts them, read from a backup file itself: a SQLite file (opened read-only) or
    pg_dump's custom format (its table data read back by ``pg_restore``). Raises StoreError
    for any other file."""
    source = Path(backup_path)
    try:
        with source.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise StoreError(f"cannot read the backup: {error.strerror or error}", str(source)) from error
    if head.startswith(PG_DUMP_MAGIC):
        return _dump_counts(source)
    if head != SQLITE_MAGIC:
        raise StoreError("not a gongbao backup (neither a SQLite file nor a pg_dump archive)", str(source))
    try:
        db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            db.row_factory = sqlite3.Row
            return counts(lambda sql, params: db.execute(sql, params).fetchall())
        finally:
            db.close()
    except sqlite3.Error as error:
        raise StoreError(f"cannot count the backup's rows: {error}", str(source)) from error


def _dump_counts(source: Path) -> dict[str, int]:
    """``backup_counts`` of a pg_dump archive: the COPY blocks ``pg_restore --data-only`` prints."""
    from .pg_cluster import pg_tool

    tables = [arg for table in COUNTED_TABLES for arg in ("--table", table)]
    done = pg_tool("pg_restore", "--data-only", "--file=-", *tables, str(source))
    if done.returncode != 0:
        raise StoreError(f"pg_restore cannot read the backup: {done.stderr.strip()[:300]}", str(source))
    found = dict.fromkeys(COUNTED_TABLES, 0)
    found["source_bytes"] = 0
    table, size_column = None, None
    for line in done.stdout.splitlines():
        if table is None:
            header = _COPY.match(line)
            if header:
                table = header["table"]
                columns = [c.strip().strip('"') for c in header["columns"].split(",")]
                size_column = columns.index("size_bytes") if table == "gazettes" else None
        elif line == "\\.":
            table = None
        else:
            found[table] += 1
            if size_column is not None:
                value = line.split("\t")[size_column]
                found["source_bytes"] += 0 if value == "\\N" else int(value)
    return found


_COPY = re.compile(r"COPY (?:\w+\.)?(?P<table>\w+) \((?P<columns>[^)]*)\) FROM stdin;")

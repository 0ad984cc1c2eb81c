"""Reliability of the SQLite store: consistency checks (``gongbao fsck``), online backup and
restore (``gongbao backup`` / ``gongbao restore``), and error reasons people can act on.

The checks are SQL over the tables of migrations 0001–0003; each returns human-readable
problems, never raises on an inconsistency (only when the file cannot be read at all).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..errors import StoreError

MAX_EXAMPLES = 5  # problems listed per check; the rest are counted

# (what is wrong, SQL returning one row per offending item, shown as "a, b, …")
_CHECKS: tuple[tuple[str, str], ...] = (
    ("gazette without its source text",
     "SELECT g.id FROM gazettes AS g LEFT JOIN sources AS s ON s.gazette_id = g.id WHERE s.gazette_id IS NULL"),
    ("source text without its gazette",
     "SELECT s.gazette_id FROM sources AS s LEFT JOIN gazettes AS g ON g.id = s.gazette_id WHERE g.id IS NULL"),
    ("gazette whose document_count differs from its stored documents (id: expected/stored)",
     "SELECT g.id || ': ' || g.document_count || '/' || count(d.id) FROM gazettes AS g"
     " LEFT JOIN documents AS d ON d.gazette_id = g.id GROUP BY g.id HAVING count(d.id) != g.document_count"),
    ("document without its gazette",
     "SELECT d.id FROM documents AS d LEFT JOIN gazettes AS g ON g.id = d.gazette_id WHERE g.id IS NULL"),
    ("document not in the search index (no search_docs row)",
     "SELECT d.id FROM documents AS d LEFT JOIN search_docs AS s ON s.doc_id = d.id WHERE s.sid IS NULL"),
    ("search_docs row of a missing document",
     "SELECT s.doc_id FROM search_docs AS s LEFT JOIN documents AS d ON d.id = s.doc_id WHERE d.id IS NULL"),
    ("search_docs row whose gazette differs from its document's",
     "SELECT s.doc_id FROM search_docs AS s JOIN documents AS d ON d.id = s.doc_id WHERE s.gazette_id != d.gazette_id"),
    ("search_docs row without its search_text (sid)",
     "SELECT s.sid FROM search_docs AS s LEFT JOIN search_text AS t ON t.sid = s.sid WHERE t.sid IS NULL"),
    ("search_text row without its search_docs row (sid)",
     "SELECT t.sid FROM search_text AS t LEFT JOIN search_docs AS s ON s.sid = t.sid WHERE s.sid IS NULL"),
    ("full-text (search_fts) row without its search_docs row (rowid)",
     "SELECT rowid FROM search_fts EXCEPT SELECT sid FROM search_docs"),
    ("search_docs row missing from the full-text index search_fts (sid)",
     "SELECT sid FROM search_docs EXCEPT SELECT rowid FROM search_fts"),
    ("search_combos count differs from its search_docs rows (combo: counted/actual)",
     "SELECT c.combo || ': ' || c.documents || '/' || count(s.sid) FROM search_combos AS c"
     " LEFT JOIN search_docs AS s ON s.combo = c.combo GROUP BY c.combo HAVING count(s.sid) != c.documents"),
    ("search_docs row of a missing search_combos combination (sid)",
     "SELECT s.sid FROM search_docs AS s LEFT JOIN search_combos AS c ON c.combo = s.combo WHERE c.combo IS NULL"),
    ("layer record of a missing document (record id → doc_id)",
     "SELECT r.id || ' → ' || r.doc_id FROM layer_records AS r LEFT JOIN documents AS d ON d.id = r.doc_id"
     " WHERE d.id IS NULL"),
    ("layer record whose gazette differs from its document's (record id)",
     "SELECT r.id FROM layer_records AS r JOIN documents AS d ON d.id = r.doc_id WHERE d.gazette_id != r.gazette_id"),
    ("layer unit of a missing layer record (record id)",
     "SELECT DISTINCT u.record_id FROM layer_units AS u LEFT JOIN layer_records AS r ON r.id = u.record_id"
     " WHERE r.id IS NULL"),
    ("TOC entry matched to a missing document (gazette/ordinal → seq)",
     "SELECT t.gazette_id || '/' || t.ordinal || ' → ' || t.matched_seq FROM toc_entries AS t"
     " LEFT JOIN documents AS d ON d.gazette_id = t.gazette_id AND d.seq = t.matched_seq"
     " WHERE t.matched_seq IS NOT NULL AND d.id IS NULL"),
)


def integrity_problems(db: sqlite3.Connection, *, fts_check: bool = True) -> list[str]:
    """Everything inconsistent in an open gongbao SQLite database; [] when consistent.

    Runs in one read transaction (a consistent snapshot, writers in other processes
    go on). ``fts_check`` adds FTS5's own ``integrity-check`` of the index structure,
    a write statement (it takes the write lock briefly, and fails on a read-only file:
    then it is skipped with a note)."""
    problems: list[str] = []
    began = not db.in_transaction
    if began:
        db.execute("BEGIN")
    try:
        rows = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems += [f"SQLite integrity_check: {row}" for row in rows[:MAX_EXAMPLES * 4]]
            return problems  # the file itself is damaged: the queries below may not mean much
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            by_table: dict[str, list[str]] = {}
            for table, rowid, parent, _ in fk:
                by_table.setdefault(f"{table} → {parent}", []).append(str(rowid))
            for pair, rowids in by_table.items():
                problems.append(f"foreign key violation {pair}: {_examples(rowids)}")
        for what, sql in _CHECKS:
            found = [str(row[0]) for row in db.execute(sql)]
            if found:
                problems.append(f"{what}: {_examples(found)}")
        tokenizer = db.execute("SELECT value FROM search_meta WHERE key = 'tokenizer'").fetchone()
        if tokenizer is None or not tokenizer[0]:
            problems.append("search index never built (search_meta.tokenizer is empty)")
    finally:
        if began and db.in_transaction:
            db.execute("COMMIT")
    if fts_check and not problems:
        try:
            db.execute("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")
        except sqlite3.Error as error:
            primary = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
            if primary == sqlite3.SQLITE_CORRUPT:
                problems.append(f"full-text index search_fts is damaged: {error}")
            elif primary not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_BUSY):
                problems.append(f"full-text index search_fts integrity-check failed: {error}")
    return problems


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_EXAMPLES])
    more = len(items) - MAX_EXAMPLES
    return f"{shown}{f' and {more} more' if more > 0 else ''} ({len(items)} in all)"


def reason(error: sqlite3.Error, path: Optional[str] = None, busy_timeout_ms: Optional[int] = None) -> str:
    """An SQLite error as a reason someone can act on: disk full, read-only, locked…"""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    where = Path(path).parent if path and path != ":memory:" else None
    if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY) and where is not None:
        unwritable = [str(p) for p in (Path(path), where) if p.exists() and not os.access(p, os.W_OK)]
        if unwritable:  # (os.access also says so for root on a read-only mount: EROFS)
            return (f"store is read-only: {error}; cannot write {' nor '.join(unwritable)} (SQLite writes the"
                    " file and its -wal/-shm files beside it: make both writable, on a read-write file system)")
    if primary == sqlite3.SQLITE_FULL:
        return f"disk full: {error} (free space on the disk of {where or 'the store'}, then retry)"
    if primary == sqlite3.SQLITE_READONLY:
        return (f"store is read-only: {error} (the file, its -wal/-shm files and folder {where or '.'}"
                " must be writable, on a file system mounted read-write)")
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        waited = f" after waiting {busy_timeout_ms} ms" if busy_timeout_ms is not None else ""
        return (f"database is locked by another connection holding a write transaction{waited}"
                f" ({error}; GONGBAO_BUSY_TIMEOUT_MS sets how long to wait)")
    if primary == sqlite3.SQLITE_CANTOPEN:
        return f"cannot open the database file: {error} (does the folder exist, is it writable?)"
    if primary == sqlite3.SQLITE_IOERR:
        return f"I/O error: {error}"
    return str(error)


# -- backup and restore ------------------------------------------------------------------


def backup_to(db: sqlite3.Connection, source_path: str, destination: str) -> None:
    """Copy an open database to a new file with SQLite's online backup API.

    One step over a read snapshot: writers in other processes go on (WAL) and the copy is
    the database as of one commit. Written beside ``destination`` and renamed into place,
    so an interrupted backup never leaves a half file under that name."""
    target = Path(destination)
    if target.exists():
        raise StoreError("backup destination exists; choose a new file name (or remove it first)", destination)
    if not target.parent.is_dir():
        raise StoreError(f"backup folder {target.parent} does not exist", destination)
    if source_path != ":memory:" and _same_file(source_path, destination):
        raise StoreError("backup destination is the store itself", destination)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            db.backup(copy)  # pages=-1: all pages in one step, one consistent snapshot
            check = [row[0] for row in copy.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise StoreError(f"backup copy failed its check: {'; '.join(check[:3])}", destination)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise StoreError(f"backup failed: {reason(error, destination)}", destination) from error
    except OSError as error:
        raise StoreError(f"backup failed: {error.strerror or error}", destination) from error
    finally:
        for leftover in (partial, Path(f"{partial}-journal"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            try:
                leftover.unlink()
            except FileNotFoundError:
                pass


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def stored_gazettes(path: str) -> Optional[int]:
    """Issues stored in the SQLite file at ``path`` (read-only look); None when the file is
    missing or empty, -1 when it is not a gongbao database."""
    file = Path(path)
    if not file.exists() or (file.is_file() and file.stat().st_size == 0):
        return None
    try:
        db = sqlite3.connect(file)  # not mode=ro: a copy of a WAL-mode store needs its -shm
        try:
            return db.execute("SELECT count(*) FROM gazettes").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def copy_database(source: str, target_db: sqlite3.Connection, *, progress: Optional[Callable[..., None]] = None) -> None:
    """Replace the whole content of ``target_db`` by the SQLite file ``source`` (backup API,
    under the target's write lock: other connections see the old or the new database)."""
    src = sqlite3.connect(source)
    try:
        src.backup(target_db, progress=progress)
    finally:
        src.close()


def remove_files(path: Path, suffixes: Iterable[str] = ("", "-wal", "-shm", "-journal")) -> None:
    for suffix in suffixes:
        try:
            Path(f"{path}{suffix}").unlink()
        except FileNotFoundError:
            pass

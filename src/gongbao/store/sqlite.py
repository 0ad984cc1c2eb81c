"""SQLite store: the default backend, and the one tests use (``":memory:"``).

Files: WAL mode (readers never block the writer), foreign keys on, a busy
timeout so a second process waits instead of failing. The schema comes from
numbered SQL files in ``migrations/sqlite/``, applied in order, each in its own
transaction, and recorded in ``schema_version``.
"""
from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Sequence

from .. import budget
from ..errors import StoreError
from ..model import ParseResult, gazette_id
from . import reads
from .base import SaveOutcome, Store, busy_timeout_ms, check_judged_against
from .layers import LayerRows
from .layers import count_layer as _count_layer
from .layers import layer_keys as _layer_keys
from .layers import list_layer as _list_layer
from .repeals import record_repeals
from .rows import IssueRows, to_json, utc_now
from .sqlite_check import backup_to, copy_database, integrity_problems, remove_files, stored_gazettes
from .sqlite_check import reason as _reason
from .sqlite_search import Prepared, SearchIndex, prepare

if TYPE_CHECKING:
    from ..search.tokenize import Tokenizer

if TYPE_CHECKING:
    from ..search import SearchQuery, SearchResult

MIGRATIONS = resources.files("gongbao.store").joinpath("migrations", "sqlite")

_MIGRATION_FILE = re.compile(r"(\d{4})_(\w+)\.sql")


@dataclasses.dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


class SQLiteStore(reads.SharedReads, Store):
    """A :class:`Store` in one SQLite file (or in memory with ``":memory:"``)."""

    backend = "sqlite"

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._conn: Optional[sqlite3.Connection] = _connect(self.path)
        self._search = SearchIndex(self.path)
        try:
            self.schema_version = migrate(self._conn, self.path)
            if SearchIndex.stale(self._conn):
                # A store from before search (or from another tokenizer): index it now.
                self.rebuild_search_index()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    @classmethod
    def from_url(cls, url: str, *, create: bool = True) -> "SQLiteStore":
        """A path (``gongbao.db``, ``:memory:``) or a URL: ``sqlite:///relative.db``,
        ``sqlite:////absolute.db``, ``sqlite://`` (memory)."""
        path = url
        _, separator, rest = url.partition("://")
        if separator:
            # SQLAlchemy's convention: the third slash starts the path, a fourth makes it absolute.
            path = (rest[1:] if rest.startswith("/") else rest) or ":memory:"
        if not create and path != ":memory:" and not os.path.exists(path):
            raise StoreError("no store here: ingest gazettes into it first (gongbao ingest FILES --db PATH)", path)
        return cls(path)

    @property
    def in_memory(self) -> bool:
        return self.path in ("", ":memory:")  # "": SQLite's private temporary database

    @property
    def database_file(self) -> Optional[Path]:
        return None if self.in_memory else Path(self.path)

    # -- writing ---------------------------------------------------------------

    def save_parse(
        self, result: ParseResult, records: list[dict[str, Any]], *, force: bool = False,
        judged_against: str | None | EllipsisType = ...,
    ) -> SaveOutcome:
        source = result.source
        gid = gazette_id(result)
        try:  # all checks and serialization before the transaction: it stays short
            issue = IssueRows.build(result, records, gid)
            layers = LayerRows.build(result, gid)  # extract/* records (gongbao.store.layers)
            issue.add_to_digest(layers.digest)
        except (TypeError, ValueError) as error:
            raise StoreError(f"cannot save {source.name} as {gid}: {error}", self.path) from error

        db = self._db
        try:
            # Tokenizing takes long; do it before the write lock, unless the issue is
            # stored already (then it is usually not needed at all).
            known = db.execute("SELECT 1 FROM gazettes WHERE sha256 = ?", (source.sha256,)).fetchone()
            search_rows = None if known else self._prepare_search(issue)
            with _transaction(db):
                same = db.execute(
                    "SELECT id, parse_digest, document_count FROM gazettes WHERE sha256 = ?",
                    (source.sha256,),
                ).fetchone()
                if same and (not force or (same["parse_digest"], same["id"]) == (issue.digest, gid)):
                    return SaveOutcome("unchanged", same["id"], source.sha256, same["document_count"])
                replaced = db.execute(
                    "SELECT id, sha256 FROM gazettes WHERE sha256 = ? OR id = ?", (source.sha256, gid)
                ).fetchall()
                check_judged_against(judged_against, replaced, gid, source.name, self.path)
                now = utc_now()
                for old in replaced:
                    self._archive(old["id"], replaced_by=source.sha256, replaced_at=now)
                    self._search.remove_gazette(db, old["id"])
                    db.execute("DELETE FROM gazettes WHERE id = ?", (old["id"],))
                _insert_issue(db, issue, ingested_at=now)
                _insert_layers(db, layers)
                _record_repeals(db, gid)
                self._search.insert(db, search_rows or self._prepare_search(issue))
        except sqlite3.Error as error:
            raise StoreError(
                f"cannot save {source.name} as {gid}: {_reason(error, self.path, busy_timeout_ms())}", self.path
            ) from error
        return SaveOutcome(
            "replaced" if replaced else "added",
            gid,
            source.sha256,
            len(records),
            tuple(old["sha256"] for old in replaced),
        )

    def _prepare_search(self, issue: "IssueRows") -> Prepared:
        return self._search.prepare(self._db, issue.records, issue.gazette)

    def add_prepared(self, issues: "Iterable[PreparedIssue]") -> list[SaveOutcome]:
        """Add new issues prepared by :func:`prepare_issue`, all in one transaction
        (bulk loads: benchmarks, first imports). Unlike :meth:`save_parse` it does not
        replace: an issue whose sha256 or id is stored already fails the whole batch."""
        outcomes = []
        db = self._db
        try:
            with _transaction(db):
                now = utc_now()
                for issue, layers, search_rows in issues:
                    _insert_issue(db, issue, ingested_at=now)
                    _insert_layers(db, layers)
                    _record_repeals(db, issue.gazette["id"])
                    self._search.insert(db, search_rows)
                    outcomes.append(SaveOutcome("added", issue.gazette["id"], issue.gazette["sha256"], len(issue.documents)))
        except sqlite3.Error as error:
            raise StoreError(f"cannot add prepared issues: {error}", self.path) from error
        return outcomes

    def optimize_search_index(self) -> None:
        """Merge the full-text index's segments into one (after a bulk load; queries on
        a merged index read one posting list per token)."""
        try:
            with _transaction(self._db):
                SearchIndex.optimize(self._db)
        except sqlite3.Error as error:
            raise StoreError(f"cannot optimize the search index: {error}", self.path) from error

    def explain_search(self, query: "SearchQuery") -> dict[str, Any]:
        """Diagnostics: run a search and return its MATCH expression and phase timings (ms)."""
        from ..search.validate import validated

        db = self._db
        db.execute("BEGIN")
        try:
            return self._search.explain(self, db, validated(query))
        finally:
            db.execute("COMMIT")

    def rebuild_search_index(self) -> int:
        """Rebuild the search index, and match every repeal again (``store.repeals``)."""
        try:
            with _transaction(self._db):
                self._db.execute("DELETE FROM validity_repeals")
                _record_repeals(self._db)
                return self._search.rebuild(self, self._db)
        except sqlite3.Error as error:
            raise StoreError(f"cannot rebuild the search index: {error}", self.path) from error

    def _archive(self, gid: str, *, replaced_by: str, replaced_at: str) -> None:
        """Copy a stored parse into gazette_history before it is deleted."""
        gazette = self.get_gazette(gid)
        assert gazette is not None, gid  # caller just selected it, inside the same transaction
        gazette.pop("history")
        snapshot = {"gazette": gazette, "documents": list(self.list_documents(gid))}
        (text,) = self._db.execute("SELECT text FROM sources WHERE gazette_id = ?", (gid,)).fetchone()
        self._db.execute(
            "INSERT INTO gazette_history (gazette_id, sha256, source_name, parser_version,"
            " ingested_at, replaced_at, replaced_by_sha256, source_text, snapshot_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                gid, gazette["sha256"], gazette["source_name"], gazette["parser_version"],
                gazette["ingested_at"], replaced_at, replaced_by, text, to_json(snapshot),
            ),
        )

    # -- reading ---------------------------------------------------------------

    def search(self, query: "SearchQuery") -> "SearchResult":
        db = self._db
        try:
            db.execute("BEGIN")  # one snapshot: the total, the facets and the hits agree
            try:
                return self._search.search(self, db, query)
            finally:
                db.execute("COMMIT")
        except sqlite3.Error as error:
            raise StoreError(f"search failed: {error}", self.path) from error

    def list_layer(self, layer: str, **filters: Any) -> Iterator[dict[str, Any]]:
        yield from self._layers(lambda run: list(_list_layer(run, layer, **filters)))  # read whole: no cursor left open

    def count_layer(self, layer: str, **filters: Any) -> int:
        return self._layers(lambda run: _count_layer(run, layer, **filters))

    def layer_keys(self, layer: str) -> list[str]:
        return self._layers(lambda run: _layer_keys(run, layer, "json_each(r.data)"))

    def _layers(self, read: Callable[[Any], Any]) -> Any:
        """A ``store.layers`` reader run on this connection."""
        try:
            return read(lambda sql, params: self._db.execute(sql, params).fetchall())
        except sqlite3.Error as error:
            raise StoreError(f"query failed: {error}", self.path) from error

    def check_integrity(self) -> list[str]:
        try:
            return integrity_problems(self._db)
        except sqlite3.Error as error:
            raise StoreError(f"cannot check the store: {_reason(error, self.path)}", self.path) from error

    def backup(self, destination: str) -> None:
        backup_to(self._db, self.path, str(destination))

    @classmethod
    def check_backup(cls, backup: Path) -> None:
        held = stored_gazettes(str(backup))
        if held is None or held < 0:
            raise StoreError("not a gongbao backup (not a SQLite file with a gazettes table)", str(backup))

    def restore_from(self, backup: Path) -> None:
        """The backup is checked in a scratch copy beside the store first (migrated if older, its
        index rebuilt if stale), then copied over this database under its write lock: other
        connections see the old store or the new one."""
        from .sqlite_search import _TOKENIZERS, _TOKENIZERS_LOCK

        scratch = Path(self.path).with_name(f".{Path(self.path).name}.restore-{os.getpid()}")
        remove_files(scratch)
        try:
            scratch_db = sqlite3.connect(scratch, isolation_level=None)
            try:
                copy_database(str(backup), scratch_db)
            finally:
                scratch_db.close()
            with SQLiteStore(scratch) as checked:  # migrates an older backup; rebuilds a stale index
                problems = checked.check_integrity()
            if problems:
                raise StoreError("backup is not consistent, nothing restored: " + "; ".join(problems), str(backup))
            copy_database(str(scratch), self._db)
        finally:
            remove_files(scratch)
        with _TOKENIZERS_LOCK:  # the tokenizer's dictionary was of the replaced content
            _TOKENIZERS.pop(os.path.realpath(self.path), None)

    def dump_table(self, table: str, columns: tuple[str, ...], order: str) -> Iterator[tuple[Any, ...]]:
        cursor = self._db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
        try:
            while rows := cursor.fetchmany(1000):
                yield from (tuple(row) for row in rows)
        except sqlite3.Error as error:
            raise StoreError(f"cannot read {table}: {error}", self.path) from error
        finally:
            cursor.close()

    def load_tables(self, tables: Iterable[tuple[str, tuple[str, ...], Iterable[tuple[Any, ...]]]]) -> None:
        db = self._db
        try:
            with _transaction(db):
                for table, columns, rows in tables:
                    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                    for chunk in _chunks(rows, 1000):
                        db.executemany(sql, chunk)
                db.execute("UPDATE search_meta SET value = '' WHERE key = 'tokenizer'")  # rebuild pending
        except sqlite3.Error as error:
            raise StoreError(f"cannot load rows: {error}", self.path) from error

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- plumbing --------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("store is closed", self.path)
        budget.check("the query")  # a spent time budget starts no statement (gongbao.budget)
        return self._conn

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"query failed: {error}", self.path) from error


def prepare_issue(result: ParseResult, records: list[dict[str, Any]], tokenizer: "Tokenizer") -> "PreparedIssue":
    """Check, serialize and tokenize one issue for :meth:`SQLiteStore.add_prepared`.

    Needs no store, so a bulk load can run it in worker processes (each with a
    ``gongbao.search.tokenize.Tokenizer`` of its own)."""
    gid = gazette_id(result)
    try:  # as in save_parse
        issue = IssueRows.build(result, records, gid)
        layers = LayerRows.build(result, gid)
        issue.add_to_digest(layers.digest)
    except (TypeError, ValueError) as error:
        raise StoreError(f"cannot save {result.source.name} as {gid}: {error}") from error
    return issue, layers, prepare(issue.records, issue.gazette, tokenizer)


PreparedIssue = tuple[IssueRows, LayerRows, Prepared]  # what prepare_issue returns



def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert_layers(db: sqlite3.Connection, layers: LayerRows) -> None:
    for row, names in zip(layers.rows, layers.units):
        cursor = db.execute(
            "INSERT INTO layer_records (gazette_id, doc_id, layer, seq, span_start, span_end, data, confidence)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        db.executemany(
            "INSERT OR IGNORE INTO layer_units (record_id, unit, canonical) VALUES (?, ?, ?)",
            [(cursor.lastrowid, printed, canonical) for printed, canonical in names],
        )


def _record_repeals(db: sqlite3.Connection, gid: Optional[str] = None) -> None:
    record_repeals(lambda sql, params: db.execute(sql, params).fetchall(), db.executemany, gid)


def _insert_issue(db: sqlite3.Connection, issue: IssueRows, *, ingested_at: str) -> None:
    gazette = {**issue.gazette, "ingested_at": ingested_at}
    columns = ", ".join(gazette)
    db.execute(
        f"INSERT INTO gazettes ({columns}) VALUES ({', '.join(':' + c for c in gazette)})", gazette
    )
    db.execute("INSERT INTO sources (gazette_id, text) VALUES (?, ?)", (gazette["id"], issue.text))
    if issue.documents:
        names = list(issue.documents[0])
        db.executemany(
            f"INSERT INTO documents ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})",
            issue.documents,
        )
    db.executemany("INSERT INTO toc_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", issue.toc)
    db.executemany("INSERT INTO repairs VALUES (?, ?, ?, ?, ?, ?, ?)", issue.repairs)
    db.executemany("INSERT INTO unplaced VALUES (?, ?, ?, ?, ?, ?)", issue.unplaced)
    db.executemany("INSERT INTO warnings VALUES (?, ?, ?, ?, ?, ?, ?)", issue.warnings)




# -- connection and migrations ---------------------------------------------------


def _connect(path: str) -> sqlite3.Connection:
    if path != ":memory:" and not Path(path).parent.is_dir():
        raise StoreError(f"cannot create database: directory {Path(path).parent} does not exist", path)
    try:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction
        # is exactly what the code says it is.
        busy = busy_timeout_ms()
        db = sqlite3.connect(path, timeout=busy / 1000, isolation_level=None)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open database: {_reason(error, path)}", path) from error
    db.row_factory = sqlite3.Row
    # A request's time budget interrupts a statement that outlives it (gongbao.budget).
    db.set_progress_handler(budget.sqlite_progress, budget.SQLITE_PROGRESS_STEPS)
    try:
        db.execute(f"PRAGMA busy_timeout = {busy}")
        db.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; FULL costs an fsync per commit
    except sqlite3.DatabaseError as error:
        db.close()
        raise StoreError(f"not a usable SQLite database: {_reason(error, path)}", path) from error
    return db


def load_migrations() -> list[Migration]:
    """The numbered SQL files of ``migrations/sqlite``, in order."""
    found = []
    for entry in MIGRATIONS.iterdir():
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise StoreError(f"migrations must be numbered 0001, 0002, … without gaps: {versions}", str(MIGRATIONS))
    return found


def schema_version(db: sqlite3.Connection) -> int:
    """Highest applied migration; 0 for a new database."""
    exists = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    if not db.execute(exists).fetchone():
        return 0
    return db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(db: sqlite3.Connection, path: str) -> int:
    """Apply pending migrations, each in its own transaction; return the schema version."""
    migrations = load_migrations()
    latest = migrations[-1].version if migrations else 0
    try:
        current = schema_version(db)
        if current > latest:
            raise StoreError(
                f"database schema version {current} is newer than this gongbao knows ({latest}); upgrade gongbao",
                path,
            )
        for migration in migrations[current:]:
            with _transaction(db):
                if schema_version(db) >= migration.version:
                    continue  # another process applied it while we waited for the lock
                for statement in _statements(migration.sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, utc_now()),
                )
        return schema_version(db)
    except sqlite3.Error as error:
        raise StoreError(f"migration failed: {_reason(error, path)}", path) from error


def _statements(script: str) -> Iterator[str]:
    """Split a SQL script into statements. (executescript() would COMMIT first,
    taking the migration out of its transaction.)"""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            yield statement
            statement = ""
    if statement.strip():
        yield statement


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception.

    IMMEDIATE takes the write lock up front, so checks made inside the
    transaction (is this sha256 stored?) still hold when we write.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")  # inside the try: a deferred foreign key can fail here
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise

"""PostgreSQL store: the same :class:`Store` as SQLite, for a server and many users.

- Tables and columns as in SQLite (``migrations/postgresql``), so ``gongbao migrate``
  copies rows one to one; numbered SQL files applied in order under an advisory lock,
  recorded in ``schema_version``.
- Connections from a ``psycopg_pool.ConnectionPool``: one store object serves every
  thread of a web server; each call takes a connection for one transaction.
- One issue is one transaction. Concurrent ingest workers writing different issues do
  not wait for each other; two writing the same issue are serialized by an advisory
  lock on its sha256 and id. Readers never wait for writers (MVCC); a search reads one
  snapshot (REPEATABLE READ), so its total, facets and hits agree.
- Search: ``store.postgres_search`` (tsvector + GIN, no extension needed).
"""
from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional, Sequence

from psycopg.rows import tuple_row

from ..budget import statement_timeout_ms
from ..errors import StoreError
from ..model import ParseResult, gazette_id
from . import reads
from .base import SaveOutcome, Store, busy_timeout_ms, check_judged_against, redact
from .layers import LayerRows
from .layers import count_layer as _count_layer
from .layers import layer_keys as _layer_keys
from .layers import list_layer as _list_layer
from .pg_cluster import pg_tool
from .pg_sql import copy_rows, no_nul, qmarks, rows_of
from .postgres_search import PgSearchIndex
from .repeals import record_repeals
from .rows import IssueRows, to_json, utc_now
from .transfer import TABLES

if TYPE_CHECKING:
    import psycopg

    from ..search import SearchQuery, SearchResult

MIGRATIONS = resources.files("gongbao.store").joinpath("migrations", "postgresql")
_MIGRATION_FILE = re.compile(r"(\d{4})_(\w+)\.sql")
_MIGRATION_LOCK = 7_716_001  # pg_advisory_xact_lock key: one migrating process at a time
POOL_MAX = 8
SEARCH_WORK_MEM = "64MB"  # per search, per sort or bitmap node: only what a query uses is taken


class PostgresStore(reads.SharedReads, Store):
    """A :class:`Store` in a PostgreSQL database (``postgresql://user@host:port/db``)."""

    backend = "postgresql"
    thread_safe = True  # a pool behind it: the web server shares one store between threads

    def __init__(self, url: str, *, pool_size: int = POOL_MAX) -> None:
        import psycopg
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.url = url
        self.path = redact(url)  # what error messages name
        self._errors = psycopg.Error
        self._pool: Optional[ConnectionPool] = None
        try:
            # One direct connection first: a wrong URL fails now with the server's reason,
            # not after the pool's retries time out.
            psycopg.connect(url, connect_timeout=10).close()
            self._pool = ConnectionPool(
                url, min_size=1, max_size=pool_size, kwargs={"row_factory": dict_row}, open=False,
                name="gongbao",
            )
            self._pool.open(wait=True, timeout=30)
        except Exception as error:  # PoolTimeout, OperationalError: the server is not there
            raise StoreError(f"cannot connect to PostgreSQL: {_reason(error)}", self.path) from error
        self._search = PgSearchIndex()
        try:
            self.schema_version = self._migrate()
            with self._connection() as conn:
                stale = PgSearchIndex.stale(conn)
            if stale:
                self.rebuild_search_index()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({self.path!r})"

    @classmethod
    def from_url(cls, url: str, *, create: bool = True) -> "PostgresStore":
        """``postgresql://user:password@host:port/database`` (also ``postgres://`` and
        ``postgresql+driver://``). The database must exist; its tables are made on first use."""
        return cls("postgresql://" + url.partition("://")[2])

    # -- writing ---------------------------------------------------------------

    def save_parse(
        self, result: ParseResult, records: list[dict[str, Any]], *, force: bool = False,
        judged_against: str | None | EllipsisType = ...,
    ) -> SaveOutcome:
        source = result.source
        gid = gazette_id(result)
        try:
            issue = IssueRows.build(result, records, gid)
            layers = LayerRows.build(result, gid)
            issue.add_to_digest(layers.digest)
        except (TypeError, ValueError) as error:
            raise StoreError(f"cannot save {source.name} as {gid}: {error}", self.path) from error
        try:
            with self._connection() as conn:
                # Tokenizing takes long: before the write transaction, unless the issue is
                # stored already (then it is usually not needed at all).
                _wait_for_locks_at_most(conn)
                known = conn.execute("SELECT 1 FROM gazettes WHERE sha256 = %s", (source.sha256,)).fetchone()
                prepared = None if known else self._search.prepare(conn, issue.records, issue.gazette)
                conn.commit()  # end the reads' implicit transaction: the block below is a real one
                with conn.transaction():
                    _wait_for_locks_at_most(conn)
                    # Writers of the same issue (by sha256 or id) take turns; others run in parallel.
                    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (gid,))
                    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (source.sha256,))
                    same = conn.execute(
                        "SELECT id, parse_digest, document_count FROM gazettes WHERE sha256 = %s", (source.sha256,)
                    ).fetchone()
                    if same and (not force or (same["parse_digest"], same["id"]) == (issue.digest, gid)):
                        return SaveOutcome("unchanged", same["id"], source.sha256, same["document_count"])
                    replaced = conn.execute(
                        "SELECT id, sha256 FROM gazettes WHERE sha256 = %s OR id = %s ORDER BY id", (source.sha256, gid)
                    ).fetchall()
                    check_judged_against(judged_against, replaced, gid, source.name, self.path)
                    now = utc_now()
                    for old in replaced:
                        self._archive(conn, old["id"], replaced_by=source.sha256, replaced_at=now)
                        conn.execute("DELETE FROM gazettes WHERE id = %s", (old["id"],))
                    _insert_issue(conn, issue, ingested_at=now)
                    _insert_layers(conn, layers)
                    _record_repeals(conn, gid)
                    self._search.insert(conn, prepared or self._search.prepare(conn, issue.records, issue.gazette))
        except self._errors as error:
            raise StoreError(f"cannot save {source.name} as {gid}: {_reason(error)}", self.path) from error
        return SaveOutcome(
            "replaced" if replaced else "added", gid, source.sha256, len(records),
            tuple(old["sha256"] for old in replaced),
        )

    def add_prepared(self, issues: Iterable[tuple[IssueRows, LayerRows, Any]]) -> list[SaveOutcome]:
        """Add new issues in one transaction (bulk loads). ``issues`` are
        ``(IssueRows, LayerRows, prepared search rows)`` as :func:`prepare_issue` makes
        them; an issue stored already fails the whole batch, as on SQLite."""
        outcomes = []
        try:
            with self._connection() as conn, conn.transaction():
                now = utc_now()
                for issue, layers, search_rows in issues:
                    _insert_issue(conn, issue, ingested_at=now)
                    _insert_layers(conn, layers)
                    _record_repeals(conn, issue.gazette["id"])
                    self._search.insert(conn, search_rows)
                    outcomes.append(SaveOutcome("added", issue.gazette["id"], issue.gazette["sha256"], len(issue.documents)))
        except self._errors as error:
            raise StoreError(f"cannot add prepared issues: {_reason(error)}", self.path) from error
        return outcomes

    def rebuild_search_index(self) -> int:
        """Rebuild the search index, and match every repeal again (``store.repeals``)."""
        try:
            with self._connection() as conn, conn.transaction():
                conn.execute("DELETE FROM validity_repeals")
                _record_repeals(conn)
                return self._search.rebuild(self, conn)
        except self._errors as error:
            raise StoreError(f"cannot rebuild the search index: {_reason(error)}", self.path) from error

    def optimize_search_index(self) -> None:
        """After a bulk load: VACUUM ANALYZE the search tables, which moves the GIN indexes'
        pending entries (``fastupdate``) into the index proper — otherwise every search scans
        them one by one until autovacuum gets there — and refreshes the planner's statistics."""
        try:
            with self._connection() as conn:
                conn.autocommit = True
                try:
                    for table in ("search_docs", "search_text"):
                        conn.execute(f"VACUUM (ANALYZE) {table}")
                finally:
                    conn.autocommit = False
        except self._errors as error:
            raise StoreError(f"cannot optimize the search index: {_reason(error)}", self.path) from error

    def _archive(self, conn: "psycopg.Connection", gid: str, *, replaced_by: str, replaced_at: str) -> None:
        """Copy a stored parse into gazette_history before it is deleted (same transaction)."""
        gazette = reads.gazette(rows_of(conn), gid)
        assert gazette is not None, gid
        gazette.pop("history")
        snapshot = {"gazette": gazette, "documents": reads.records(rows_of(conn), gid)}
        text = conn.execute("SELECT text FROM sources WHERE gazette_id = %s", (gid,)).fetchone()["text"]
        conn.execute(
            "INSERT INTO gazette_history (gazette_id, sha256, source_name, parser_version,"
            " ingested_at, replaced_at, replaced_by_sha256, source_text, snapshot_json)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (gid, gazette["sha256"], gazette["source_name"], gazette["parser_version"],
             gazette["ingested_at"], replaced_at, replaced_by, text, to_json(snapshot)),
        )

    # -- reading ---------------------------------------------------------------

    def get_gazette(self, gazette_id: str) -> Optional[dict[str, Any]]:
        try:
            with self._connection() as conn:  # one snapshot for all its parts
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return reads.gazette(rows_of(conn), gazette_id)
        except self._errors as error:
            raise StoreError(f"query failed: {_reason(error)}", self.path) from error

    def search(self, query: "SearchQuery") -> "SearchResult":
        try:
            with self._connection() as conn:
                conn.execute(  # one round trip for the five settings of the search transaction
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;"
                    # The planner prices `grams @@ query` as cheap, not as the decompression of a
                    # toasted tsvector it is: for a common word it would scan the whole table (153 ms
                    # for 10k documents) rather than the GIN index (3 ms). Searches use indexes.
                    " SET LOCAL enable_seqscan = off;"
                    # A common word's matches over a million documents must fit an exact bitmap:
                    # a lossy one (4MB, the default) makes every row of its pages be tested again,
                    # a decompression each (5.6 s for a word in 16 % of 1M documents; 0.3 s exact).
                    f" SET LOCAL work_mem = '{SEARCH_WORK_MEM}';"
                    # JIT compiles each large query anew (~40 ms) for plans that run in milliseconds.
                    " SET LOCAL jit = off;"
                    # psycopg prepares a statement run five times; a generic plan would then ignore
                    # what the parameters are (a rare or a common word, the sample level that the
                    # partial index of migration 0003 answers). Plans are made for the values.
                    " SET LOCAL plan_cache_mode = force_custom_plan")
                # Text is stored with U+0000 as U+FFFD (see no_nul): a query is read the same way.
                query = dataclasses.replace(query, **{
                    f.name: no_nul(getattr(query, f.name)) for f in dataclasses.fields(query)})
                return self._search.search(self, conn, query)
        except self._errors as error:
            raise StoreError(f"search failed: {_reason(error)}", self.path) from error

    def list_layer(self, layer: str, **filters: Any) -> Iterator[dict[str, Any]]:
        yield from self._layers(lambda run: list(_list_layer(run, layer, **filters)))

    def count_layer(self, layer: str, **filters: Any) -> int:
        return self._layers(lambda run: _count_layer(run, layer, **filters))

    def layer_keys(self, layer: str) -> list[str]:
        return self._layers(lambda run: _layer_keys(run, layer, "json_each(r.data::json)"))

    def _layers(self, read: Callable[[Any], Any]) -> Any:
        """A ``store.layers`` reader run on one connection (rows as tuples), read whole."""
        try:
            with self._connection() as conn:
                run = rows_of(conn)
                return read(lambda sql, params: [tuple(r.values()) for r in run(sql, params)])
        except self._errors as error:
            raise StoreError(f"query failed: {_reason(error)}", self.path) from error

    def check_integrity(self) -> list[str]:
        try:
            with self._connection() as conn:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return [
                    f"{problem}: {row['n']} (e.g. {row['example']})"
                    for problem, sql in _INTEGRITY_CHECKS
                    for row in [conn.execute(sql).fetchone()]
                    if row["n"]
                ]
        except self._errors as error:
            raise StoreError(f"cannot check the store: {_reason(error)}", self.path) from error

    def backup(self, destination: str) -> None:
        """pg_dump's custom format (``pg_restore`` reads it; so does :func:`gongbao.store.restore`),
        one snapshot of the database, written aside and renamed when complete."""
        target = Path(destination)
        if target.exists():
            raise StoreError("backup destination exists already; choose a new file", str(target))
        partial = target.with_name(target.name + ".partial")
        done = pg_tool("pg_dump", "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={self.url}")
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise StoreError(f"pg_dump failed: {redact(done.stderr.strip())}", str(target))
        partial.rename(target)

    @classmethod
    def check_backup(cls, backup: Path) -> None:
        from .backup import PG_DUMP_MAGIC

        with backup.open("rb") as handle:
            if handle.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
                raise StoreError("not a PostgreSQL backup (pg_dump custom format) of a gongbao store", str(backup))

    def restore_from(self, backup: Path) -> None:
        """Replace every table of this database by those of a :meth:`backup` file
        (``pg_restore --clean --single-transaction``: all or nothing)."""
        done = pg_tool("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        f"--dbname={self.url}", str(backup))
        if done.returncode != 0:
            raise StoreError(f"pg_restore failed: {redact(done.stderr.strip())[:500]}", str(backup))
        self._search = PgSearchIndex()  # the dictionary is the restored one
        self.schema_version = self._migrate()

    def dump_table(self, table: str, columns: tuple[str, ...], order: str) -> Iterator[tuple[Any, ...]]:
        try:
            with self._connection() as conn, conn.cursor(name=f"dump_{table}", row_factory=tuple_row) as cursor:
                cursor.itersize = 1000
                cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
                yield from cursor
        except self._errors as error:
            raise StoreError(f"cannot read {table}: {_reason(error)}", self.path) from error

    def load_tables(self, tables: Iterable[tuple[str, tuple[str, ...], Iterable[tuple[Any, ...]]]]) -> None:
        try:
            with self._connection() as conn, conn.transaction(), conn.cursor() as cursor:
                for table, columns, rows in tables:
                    copy_rows(cursor, table, columns, rows)
                for table, column in (("layer_records", "id"), ("gazette_history", "history_id")):
                    # Rows came with their ids: the identity continues after them.
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                        f" coalesce(max({column}), 0) + 1, false) FROM {table}"
                    )
                cursor.execute("UPDATE search_meta SET value = '' WHERE key = 'tokenizer'")  # rebuild pending
        except self._errors as error:
            raise StoreError(f"cannot load rows: {_reason(error)}", self.path) from error

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # -- plumbing --------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator["psycopg.Connection"]:
        """A pooled connection; its transaction commits when the block ends without error."""
        if self._pool is None:
            raise StoreError("store is closed", self.path)
        try:
            with self._pool.connection(timeout=60) as conn:
                timeout = statement_timeout_ms()
                if timeout is not None:
                    # A request's time budget (gongbao.budget): the server cancels a statement
                    # outliving it. SET takes no snapshot: SET TRANSACTION may still follow.
                    conn.execute(f"SET LOCAL statement_timeout = {timeout}")
                yield conn
        except self._errors:
            raise
        except Exception as error:
            if type(error).__name__ == "PoolTimeout":
                raise StoreError(f"no database connection available: {error}", self.path) from error
            raise

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run SQL written with ``?`` parameters (``store.reads``, ``store.layers``)."""
        return self._query(qmarks(sql), tuple(params))

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        try:
            with self._connection() as conn:
                return conn.execute(sql, tuple(no_nul(p) for p in params)).fetchall()
        except self._errors as error:
            raise StoreError(f"query failed: {_reason(error)}", self.path) from error

    def _migrate(self) -> int:
        migrations = load_migrations()
        latest = migrations[-1][0] if migrations else 0
        try:
            with self._connection() as conn:
                if _schema_version(conn) == latest:
                    return latest  # nothing to write: works on a read-only replica too
            with self._connection() as conn:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    current = _schema_version(conn)
                    if current > latest:
                        raise StoreError(
                            f"database schema version {current} is newer than this gongbao knows ({latest}); upgrade gongbao",
                            self.path,
                        )
                    for version, name, sql in migrations[current:]:
                        conn.execute(sql)  # psycopg sends a script of several statements as one
                        conn.execute(
                            "INSERT INTO schema_version (version, name, applied_at) VALUES (%s, %s, %s)",
                            (version, name, utc_now()),
                        )
                return _schema_version(conn)
        except self._errors as error:
            raise StoreError(f"migration failed: {_reason(error)}", self.path) from error


# (problem, query of its count n and one example): the checks of Store.check_integrity.
_INTEGRITY_CHECKS = (
    ("issues whose document count differs from their documents",
     "SELECT count(*) AS n, min(g.id) AS example FROM gazettes AS g"
     " WHERE g.document_count <> (SELECT count(*) FROM documents AS d WHERE d.gazette_id = g.id)"),
    ("issues without their source text",
     "SELECT count(*) AS n, min(g.id) AS example FROM gazettes AS g"
     " WHERE NOT EXISTS (SELECT 1 FROM sources AS s WHERE s.gazette_id = g.id)"),
    ("documents missing from the search index",
     "SELECT count(*) AS n, min(d.id) AS example FROM documents AS d"
     " WHERE NOT EXISTS (SELECT 1 FROM search_docs AS s WHERE s.doc_id = d.id)"),
    ("search rows of another issue than their document's",
     "SELECT count(*) AS n, min(s.doc_id) AS example FROM search_docs AS s JOIN documents AS d ON d.id = s.doc_id"
     " WHERE s.gazette_id <> d.gazette_id"),
    ("search rows without their texts",
     "SELECT count(*) AS n, min(s.doc_id) AS example FROM search_docs AS s"
     " WHERE NOT EXISTS (SELECT 1 FROM search_text AS t WHERE t.sid = s.sid)"),
    ("search rows whose texts were not indexed",
     "SELECT count(*) AS n, min(s.doc_id) AS example FROM search_docs AS s JOIN search_text AS t ON t.sid = s.sid"
     " WHERE (s.grams = ''::tsvector) <> (t.plain = ' |  | ')"),
    ("layer records of another issue than their document's",
     "SELECT count(*) AS n, min(r.doc_id) AS example FROM layer_records AS r JOIN documents AS d ON d.id = r.doc_id"
     " WHERE r.gazette_id <> d.gazette_id"),
    ("TOC entries matched to no document of their issue",
     "SELECT count(*) AS n, min(t.gazette_id) AS example FROM toc_entries AS t WHERE t.matched_seq IS NOT NULL"
     " AND NOT EXISTS (SELECT 1 FROM documents AS d WHERE d.gazette_id = t.gazette_id AND d.seq = t.matched_seq)"),
)


def prepare_issue(result: ParseResult, records: list[dict[str, Any]], tokenizer: Any) -> tuple[IssueRows, LayerRows, Any]:
    """Check, serialize and tokenize one issue for :meth:`PostgresStore.add_prepared`
    (no store needed: bulk loads run it in worker processes, each with its own tokenizer)."""
    from .postgres_search import prepare

    gid = gazette_id(result)
    try:
        issue = IssueRows.build(result, records, gid)
        layers = LayerRows.build(result, gid)
        issue.add_to_digest(layers.digest)
    except (TypeError, ValueError) as error:
        raise StoreError(f"cannot save {result.source.name} as {gid}: {error}") from error
    return issue, layers, prepare(issue.records, issue.gazette, tokenizer)


def load_migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of the numbered files of ``migrations/postgresql``, in order."""
    found = []
    for entry in MIGRATIONS.iterdir():
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise StoreError("PostgreSQL migrations must be numbered 0001, 0002, … without gaps", str(MIGRATIONS))
    return found


def _schema_version(conn: "psycopg.Connection") -> int:
    exists = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL AS present").fetchone()["present"]
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) AS v FROM schema_version").fetchone()["v"]


def _wait_for_locks_at_most(conn: "psycopg.Connection") -> None:
    """For the rest of this transaction, a lock held elsewhere (a migration, a restore, a
    stuck writer) fails a statement after ``GONGBAO_BUSY_TIMEOUT_MS`` instead of hanging."""
    conn.execute(f"SET LOCAL lock_timeout = {busy_timeout_ms():d}")


def _record_repeals(conn: "psycopg.Connection", gid: Optional[str] = None) -> None:
    def write(sql: str, params: list[Sequence[Any]]) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(qmarks(sql), params)

    record_repeals(rows_of(conn), write, gid)


def _insert_issue(conn: "psycopg.Connection", issue: IssueRows, *, ingested_at: str) -> None:
    gazette = {**issue.gazette, "ingested_at": ingested_at}
    conn.execute(
        f"INSERT INTO gazettes ({', '.join(gazette)}) VALUES ({', '.join(f'%({c})s' for c in gazette)})", gazette
    )
    conn.execute("INSERT INTO sources (gazette_id, text) VALUES (%s, %s)", (gazette["id"], no_nul(issue.text)))
    with conn.cursor() as cursor:
        if issue.documents:
            names = list(issue.documents[0])
            copy_rows(cursor, "documents", names, (tuple(row[n] for n in names) for row in issue.documents))
        for table, rows in (("toc_entries", issue.toc), ("repairs", issue.repairs),
                            ("unplaced", issue.unplaced), ("warnings", issue.warnings)):
            if rows:
                copy_rows(cursor, table, TABLES[table], rows)


def _insert_layers(conn: "psycopg.Connection", layers: LayerRows) -> None:
    if not layers.rows:
        return
    with conn.cursor(row_factory=tuple_row) as cursor:
        # Ids drawn up front, so records and their units go in by COPY (no round trip per record).
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('layer_records', 'id')) FROM generate_series(1, %s)",
            (len(layers.rows),),
        )
        ids = [row[0] for row in cursor.fetchall()]
        copy_rows(cursor, "layer_records",
                  ("id", "gazette_id", "doc_id", "layer", "seq", "span_start", "span_end", "data", "confidence"),
                  ((record_id, *row) for record_id, row in zip(ids, layers.rows)))
        units: dict[tuple[int, str], str] = {}  # a name printed twice in a record: its first reading
        for record_id, names in zip(ids, layers.units):
            for printed, canonical in names:
                units.setdefault((record_id, printed), canonical)
        copy_rows(cursor, "layer_units", ("record_id", "unit", "canonical"),
                  ((record_id, printed, canonical) for (record_id, printed), canonical in units.items()))


def _reason(error: BaseException) -> str:
    """The server's message without the connection string."""
    return redact(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)

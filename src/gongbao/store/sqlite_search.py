"""The SQL half of search on SQLite: index rows in, hits and facet counts out.

Tables (migration 0002), written in the transaction that writes the documents:
``search_docs`` (filters, sort keys), ``search_combos`` (each combination of facet values
and how many documents have it), ``search_text`` (texts as printed and as word-indexed,
for excerpts and exact removal), ``search_fts`` (FTS5, contentless; tokens made in
Python, see ``gongbao.search.tokenize``) and ``search_terms`` (the tokenizer's user
dictionary).

How a query runs, and why (costs per matching row measured on 10k synthetic documents,
``bench/search.py``):

- Text is matched by FTS5 first, always. Scanning a posting list costs ~0.2 µs a row;
  probing the full-text index once per row of a filtered table ~0.1 ms. Facet filters
  are therefore tokens of the ``filters`` column: ``安全`` AND ``gazette=…`` is an
  intersection of posting lists. Date ranges and a "contained" issuer are SQL on
  ``search_docs``, kept where the sid is among the full-text matches.
- A unit matches where its bigram phrase does (any substring); ranking ANDs in phrases
  that match wherever it does — in the title or the body, as words or as bigrams — so
  they change the score, never the set (see ``_unit_boost``).
- Up to ``RANK_LIMIT`` matches are ranked by BM25 with those phrases. FTS5's bm25 reads
  the whole posting list of every phrase for its idf, whatever rows it ranks, so beyond
  that: those of the newest ``RANK_LIMIT`` matches with every word in the title, then
  all the others, most recently stored first — bounded work (and over tens of thousands
  of matches a common word's idf is ~0: BM25 would separate little).
- A term the tokenizer cut into words (安全生产 → 安全, 生产) is matched as its words, but
  the matches holding it in one piece (its bigram phrase, ``search.plan.phrase_plan``) are
  counted (one more FTS5 count) and paged first, each part in the requested order: the
  ordering below runs once per part, with the part's MATCH expression. Where the phrase
  implies the words (``search.plan.phrase_implies_words``: 安全生产 holds 安全 and 生产) that
  part is found by the phrase alone: FTS5 checks one phrase per row, not two (充电基础设施 at
  100k documents: 11 ms against 23). bm25 still gets both, since it scores every phrase.
- Newest/oldest over many matches walk the date index, keeping rows found in the set of
  matches, instead of sorting every match. A date range bounds that walk (the sort key
  begins with the date), for counting too.
- Facets (each counted with the other filters: drill-down) are the matching sids mapped to
  their combination of facet values and summed in memory (``sqlite_facets``: no lookup of a
  row per match). Above ``FACET_EXACT_MAX`` matches they count a pseudo-random sample of
  about that many — documents carry ``fsample`` tokens for 1/2, 1/4 … 1/4096 of them, so
  the sample is one token ANDed in the index — and are scaled
  (``SearchResult.facets_estimated``).
- Totals follow the policy of ``search.backend`` (PostgreSQL's too): in a store of more
  than ``TOTAL_EXACT_MAX`` documents the matches are first counted in a sample of
  ``PROBE_ROWS``; more than ``TOTAL_EXACT_MAX`` are counted on a sample and estimated
  (``total_estimated``), fewer are counted exactly — or, when the sample puts them at
  ``LIST_MAX`` or fewer, listed: the facets and the 文号 check then read the list, not the
  index again.
- A browse (no words) filtering on facet values only is counted from
  ``search_combos`` (indexed by each facet column): exact, and independent of the number
  of documents. Its facets are too while it matches at most ``FACET_EXACT_MAX``
  documents; beyond, they are sampled through the index on ``search_docs.sample``.
  A browse whose filters are all tokens (facets and a date range of whole months) is
  counted in the full-text index; other browses run on ``search_docs`` and its indexes.
- A date range of whole months is tokens ORed in the index: the month each document's year
  token carries (``fyear2023m07``), a whole year as its prefix (``fyear2023m*``, served by
  the prefix indexes of migration 0007; ``search.index.date_range_tokens``). A bound inside
  a month is SQL walking the date index.
- The planner has statistics (``refresh_statistics``): without them it took every index
  for equally selective.
- Costs that stay linear in the number of matches, up to ``TOTAL_EXACT_MAX``: the exact
  total (FTS5 counts ~0.1 µs a match for a word, ~0.5 µs for a long phrase, whose positions
  it checks in every candidate) and, with a date range inside months, checking the matches
  against it (~1 µs a match). Beyond ``RANK_LIMIT`` matches FTS5's bm25 is not used: it reads
  the whole posting list of every phrase for its idf (a long phrase: ~10 ms at 100k
  documents), which remains the cost of ranking fewer.
"""
from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
import weakref
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence

from .. import budget
from ..search.backend import (
    FACET_COLUMNS, FACET_EXACT_MAX, IN_FORCE, RANK_LIMIT, Filter, Matches, Plan, level_for, probe_total,
)
from ..search.engine import EVERY_MATCH, IN_ONE_PIECE, phrase_first, pinned_first
from ..search.engine import run as run_search
from ..search.index import (
    FACET_KEYS, SAMPLE_SPACE, IndexEntry, date_range_tokens, filter_token, issue_entries,
    year_filter_token,
)
from ..search.plan import Conjunction, QueryPlan, Unit, phrase_implies_words
from ..search.tokenize import TOKENIZER_VERSION, Tokenizer, bigram_text
from ..search.types import SearchQuery, SearchResult
from .repeals import IN_FORCE_SQL
from .sqlite_facets import FacetMap, FacetMaps, count_removal

if TYPE_CHECKING:
    from .base import Store

DATE_INDEX_MIN = 2_000  # from this many matches on, newest/oldest walk the date index
# In a store sampled first (see _size): matches the sample puts at most this many are listed
# rather than counted, and the facets and the 文号 check read the list instead of running the
# MATCH again (a 文号 at 1M documents: its phrase of digit bigrams costs ~5 ms each time).
LIST_MAX = FACET_EXACT_MAX
STATISTICS_FROM = 2_000  # documents from which the planner gets statistics (refresh_statistics)
# bm25 weights by column (title_w, body_w, info_w, title_b, body_b, info_b, filters).
WEIGHTS = (4.0, 1.0, 1.0, 4.0, 1.0, 1.0, 0.0)
WORD_COLUMNS = "{title_w body_w info_w}"
BIGRAM_COLUMNS = "{title_b body_b info_b}"
# Phrases that only score (see _boost): BM25 saturates per phrase, so a title match
# outranks body matches only as a phrase of its own, with the idf of titles.
BOOST_COLUMNS = (("{title_w}", "{title_b}"), ("{body_w info_w}", "{body_b info_b}"))
_NO_MATCH = filter_token("none", "")  # a token no document has: an impossible filter
_BM25 = f"bm25(search_fts, {', '.join(map(str, WEIGHTS))})"


# -- writing -------------------------------------------------------------------------


@dataclass
class Prepared:
    """One issue's index rows, tokenized (and long texts compressed) before the write
    transaction starts."""

    terms: set[str]
    entries: list[IndexEntry]
    bigrams: list[tuple[str, str, str]]
    packed: list[tuple[bytes, bytes]]  # zlib(body), zlib(words) per entry


def prepare(records: list[dict[str, Any]], gazette: dict[str, Any], tokenizer: Tokenizer) -> Prepared:
    """Tokenize one issue (``search.index.issue_entries``) and compress its long texts."""
    terms, found = issue_entries(records, gazette, tokenizer)
    return Prepared(
        terms, found, [entry.bigram_columns() for entry in found],
        [(_pack(entry.body), _pack("\x00".join((entry.title_words, entry.body_words, entry.info_words))))
         for entry in found],
    )


def _pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 1)  # level 1: 3× smaller, fast enough to write


def _unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8")


# Tokenizers by database file: every store on one file in this process shares one (the
# web server opens a store per worker thread; rjieba's dictionary takes ~25 MB each).
_TOKENIZERS: "weakref.WeakValueDictionary[str, Tokenizer]" = weakref.WeakValueDictionary()
_TOKENIZERS_LOCK = threading.Lock()


class SearchIndex:
    """Search index of one SQLite store: holds its tokenizer (with the user dictionary)."""

    def __init__(self, path: str = ":memory:") -> None:
        self._key = None if path == ":memory:" else os.path.realpath(path)
        self._tokenizer: Optional[Tokenizer] = None
        self.facet_maps = FacetMaps(path)

    def tokenizer(self, db: sqlite3.Connection) -> Tokenizer:
        """The tokenizer, with every dictionary term stored so far (other processes' too)."""
        if self._tokenizer is None:
            self._tokenizer = self._shared(fresh=False)
        tokenizer = self._tokenizer
        rows = db.execute(
            "SELECT id, term FROM search_terms WHERE id > ? ORDER BY id", (tokenizer.terms_seen,)
        ).fetchall()
        if rows:
            tokenizer.add_words(row[1] for row in rows)
            tokenizer.terms_seen = max(tokenizer.terms_seen, rows[-1][0])
        return tokenizer

    def _shared(self, *, fresh: bool) -> Tokenizer:
        if self._key is None:
            return Tokenizer()
        with _TOKENIZERS_LOCK:
            tokenizer = None if fresh else _TOKENIZERS.get(self._key)
            if tokenizer is None:
                tokenizer = _TOKENIZERS[self._key] = Tokenizer()
            return tokenizer

    def prepare(
        self, db: sqlite3.Connection, records: list[dict[str, Any]], gazette: dict[str, Any]
    ) -> Prepared:
        """Tokenize one issue with this store's tokenizer."""
        return prepare(records, gazette, self.tokenizer(db))

    def insert(self, db: sqlite3.Connection, prepared: Prepared) -> None:
        """Write prepared rows (inside the caller's transaction)."""
        db.executemany("INSERT OR IGNORE INTO search_terms (term) VALUES (?)", [(t,) for t in sorted(prepared.terms)])
        combos = _combos(db, prepared.entries)
        (last,) = db.execute("SELECT coalesce(max(sid), 0) FROM search_docs").fetchone()
        docs, texts, fts = [], [], []
        for sid, (entry, bigrams, (body, words)) in enumerate(
            zip(prepared.entries, prepared.bigrams, prepared.packed), start=last + 1
        ):
            docs.append((
                sid, entry.doc_id, entry.gazette_id, entry.region_code, entry.issuer, entry.agency_code,
                entry.doc_type, entry.year, entry.date, entry.published, entry.section, entry.level,
                entry.doc_number, entry.parent_id, f"{entry.date or entry.published or ''}|{entry.published or ''}",
                entry.sample, combos[_combo_key(entry)], entry.issuer_inherited, entry.date_inherited,
            ))
            texts.append((sid, entry.title, body, entry.info, words, entry.filters))
            fts.append((sid, entry.title_words, entry.body_words, entry.info_words, *bigrams, entry.filters))
        db.executemany(f"INSERT INTO search_docs VALUES ({', '.join('?' * 19)})", docs)
        db.executemany(f"INSERT INTO search_text VALUES ({', '.join('?' * 6)})", texts)
        db.executemany(
            "INSERT INTO search_fts (rowid, title_w, body_w, info_w, title_b, body_b, info_b, filters)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            fts,
        )
        refresh_statistics(db)

    def remove_gazette(self, db: sqlite3.Connection, gazette_id: str) -> int:
        """Remove an issue's rows (inside the caller's transaction, before its documents go).

        search_fts keeps no content: FTS5 removes a row given the very tokens it was
        given, which the stored texts reproduce (words as stored, bigrams recomputed)."""
        rows = db.execute(
            "SELECT t.* FROM search_docs AS d JOIN search_text AS t ON t.sid = d.sid WHERE d.gazette_id = ?",
            (gazette_id,),
        ).fetchall()
        db.executemany(
            "INSERT INTO search_fts (search_fts, rowid, title_w, body_w, info_w, title_b, body_b, info_b, filters)"
            " VALUES ('delete', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (row["sid"], *_unpack(row["words"]).split("\x00"),
                 bigram_text(row["title"]), bigram_text(_unpack(row["body"])), bigram_text(row["info"]), row["filters"])
                for row in rows
            ],
        )
        db.execute(
            "UPDATE search_combos SET documents = documents - (SELECT count(*) FROM search_docs AS d"
            " WHERE d.combo = search_combos.combo AND d.gazette_id = ?)"
            " WHERE combo IN (SELECT combo FROM search_docs WHERE gazette_id = ?)",
            (gazette_id, gazette_id),
        )
        db.execute("DELETE FROM search_docs WHERE gazette_id = ?", (gazette_id,))  # search_text cascades
        db.execute("DELETE FROM search_combos WHERE documents <= 0")
        count_removal(db)
        return len(rows)

    @staticmethod
    def optimize(db: sqlite3.Connection) -> None:
        """Merge the full-text index into one segment (after a bulk load), and refresh the
        planner's statistics."""
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        refresh_statistics(db, force=True)

    def rebuild(self, store: "Store", db: sqlite3.Connection) -> int:
        """Drop and rebuild every search row from the stored documents (inside a transaction)."""
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        db.execute("DELETE FROM search_docs")
        db.execute("DELETE FROM search_combos")
        db.execute("DELETE FROM search_terms")
        count_removal(db)
        self._tokenizer = self._shared(fresh=True)  # the dictionary starts again from the documents
        gazettes = [dict(row) for row in db.execute("SELECT id, region_code, published FROM gazettes ORDER BY id")]
        count = 0
        for gazette in gazettes:
            records = list(store.list_documents(gazette["id"]))
            prepared = self.prepare(db, records, gazette)
            self.insert(db, prepared)
            count += len(prepared.entries)
        db.execute("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('tokenizer', ?)", (TOKENIZER_VERSION,))
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        return count

    @staticmethod
    def stale(db: sqlite3.Connection) -> bool:
        """True when the index was built by another tokenizer version (or never)."""
        row = db.execute("SELECT value FROM search_meta WHERE key = 'tokenizer'").fetchone()
        return row is None or row[0] != TOKENIZER_VERSION

    # -- searching -------------------------------------------------------------------

    def search(self, store: "Store", db: sqlite3.Connection, query: SearchQuery) -> SearchResult:
        """Run a validated query (see ``gongbao.search.search``)."""
        return run_search(SQLiteBackend(store, db, self.tokenizer(db), self.facet_maps), query)

    def explain(self, store: "Store", db: sqlite3.Connection, query: SearchQuery) -> dict[str, Any]:
        """Run a validated query and say how: the MATCH expression (None for a browse),
        milliseconds per phase, the total and whether facets were sampled."""
        backend, timings = SQLiteBackend(store, db, self.tokenizer(db), self.facet_maps), {}
        result = run_search(backend, query, timings)
        return {"match": backend.match, "timings": timings, "total": result.total,
                "facets_estimated": result.facets_estimated, "result": result}


def refresh_statistics(db: sqlite3.Connection, *, force: bool = False) -> None:
    """Let the planner know the search tables (``ANALYZE``) from
    STATISTICS_FROM documents on, and again each time their number doubles. Without
    statistics it takes every index for equally selective: a browse of one county in one
    year walked the year's 25,000 documents (24 ms at 100k) instead of the county's 339."""
    (documents,) = db.execute("SELECT coalesce(max(sid), 0) FROM search_docs").fetchone()
    row = db.execute("SELECT value FROM search_meta WHERE key = 'analyzed_at'").fetchone()
    analyzed_at = int(row[0]) if row else 0
    if not force and (documents < STATISTICS_FROM or documents < 2 * analyzed_at):
        return
    db.execute("ANALYZE search_docs")  # 0.06 s at 100k documents; once per doubling, so linear in all
    db.execute("ANALYZE search_combos")
    db.execute("INSERT OR REPLACE INTO search_meta (key, value) VALUES ('analyzed_at', ?)", (str(documents),))


def _combo_key(entry: IndexEntry) -> str:
    return "\t".join("" if entry.facet(key) is None else str(entry.facet(key)) for key in FACET_KEYS)


def _combos(db: sqlite3.Connection, entries: list[IndexEntry]) -> dict[str, int]:
    """Ids of the facet-value combinations of ``entries``, their document counts raised."""
    counts: dict[str, int] = {}
    rows: dict[str, tuple[Any, ...]] = {}
    for entry in entries:
        key = _combo_key(entry)
        counts[key] = counts.get(key, 0) + 1
        rows[key] = (entry.region_code, entry.issuer, entry.agency_code, entry.doc_type, entry.year,
                     entry.gazette_id, entry.section, entry.level)
    db.executemany(
        "INSERT INTO search_combos (key, region_code, issuer, agency_code, doc_type, year, gazette_id, section,"
        " level, documents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET documents = documents + excluded.documents",
        [(key, *rows[key], n) for key, n in counts.items()],
    )
    ids: dict[str, int] = {}
    keys = list(counts)
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        ids.update(db.execute(
            f"SELECT key, combo FROM search_combos WHERE key IN ({', '.join('?' * len(chunk))})", chunk
        ).fetchall())
    return ids


# -- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Filter:
    """One filter: index tokens (any of them) for text queries, SQL on ``search_docs AS d``."""

    key: Optional[str]  # facet key; None for a date range
    tokens: tuple[str, ...]  # empty: only the SQL can apply it
    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class _Source:
    """``FROM … WHERE …`` of a set of documents, with its parameters."""

    sql: str
    params: tuple[Any, ...]
    fts: bool  # driven by search_fts (rowid expression search_fts.rowid), else search_docs d
    combos: bool = False  # over search_combos AS d: counts only (a browse filtering facets only)

    @property
    def rowid(self) -> str:
        return "search_fts.rowid" if self.fts else "d.sid"

    def where(self, condition: str, *params: Any) -> "_Source":
        return _Source(f"{self.sql} AND {condition}", (*self.params, *params), self.fts, self.combos)


@dataclass
class SQLiteBackend:
    """One search on a SQLite store, inside the caller's read transaction
    (:class:`gongbao.search.backend.SearchBackend`)."""

    store: "Store"
    db: sqlite3.Connection
    tokenizer: Tokenizer
    facet_maps: FacetMaps
    query: SearchQuery = field(default_factory=SearchQuery)
    filters: list[_Filter] = field(default_factory=list)
    expression: Optional[str] = None  # MATCH expression of the words; None for a browse
    phrase: Optional[str] = None  # MATCH expression of the terms cut into words, in one piece
    one_piece: Optional[str] = None  # the same documents as words AND phrase, found by the phrase alone
    excluded: Optional[str] = None  # a browse's excluded terms, as a MATCH expression
    from_combos: bool = False  # a browse filtering facet values only: counted from search_combos
    by_tokens: bool = False  # a browse whose filters are all index tokens: counted in the index
    dated: bool = False  # a date range applied by SQL (bounds inside a month)
    date_range: Optional[_Filter] = None  # a date range of whole months, as tokens (and its SQL)
    match: Optional[str] = None  # the full MATCH string of the result set (explain)
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per phase
    facets: Optional[FacetMap] = None  # the facet map as of this search's snapshot, once read
    listed: Optional[list[int]] = None  # the sids of the result set, when _size listed them

    def _lap(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = round((now - started) * 1000, 3)
        budget.check(f"the search, after its {phase} phase")
        return now

    def matches(self, plan: Plan) -> Matches:
        started = time.perf_counter()
        self.query = query = plan.query
        self.filters = self._filters(plan.filters)
        self.expression = _expression(plan.words)
        if plan.in_one_piece is not None:
            self.phrase = _positive(plan.in_one_piece)
            if phrase_implies_words(plan.words):  # FTS5 then checks one phrase per row, not two
                self.one_piece = _expression(plan.in_one_piece)
        if self.expression is None:
            self.excluded = _excluded(plan.words)
            # search_combos has an index per facet column, none for an issuer among joint ones.
            self.from_combos = self.excluded is None and all(f.key and f.key != "issuer" for f in self.filters)
            self.by_tokens = self.excluded is None and not self.from_combos and all(f.tokens for f in self.filters)

        everything = self._source(self.filters)
        if self.expression is not None:
            self.match = self._fts_source(self.expression, self.filters, driving=True).params[0]
        started = self._lap("plan", started)
        total, total_estimated, facets, estimated = self._count_and_facets()
        started = time.perf_counter()
        phrase_total = self._size(self._expression_of(IN_ONE_PIECE), self.filters,
                                  at_most=None if total_estimated else total)[0] if self.phrase and total else None
        started = self._lap("phrase", started)
        pinned = self._pinned(everything, plan.pinned) if total else []
        loose: list[int] = []
        if not total or plan.offset >= total:
            rows: list[tuple[int, float]] = []
        else:
            order = functools.partial(self._ranked, plan.words) if self.expression and query.sort == "relevance" \
                else self._by_date
            rows, loose = phrase_first(order, pinned, plan.offset, query.per_page, total, phrase_total)
        self._lap("rank", started)
        return Matches(total, facets, estimated, rows, phrase_total, loose, total_estimated=total_estimated)

    def _expression_of(self, part: str, *, scored: bool = False) -> Optional[str]:
        """The MATCH expression of a part of the result (``engine.phrase_first``).
        ``scored``: for bm25, which scores every phrase of the expression — the shorter
        expression of the same documents (``one_piece``) would change the scores."""
        if part == EVERY_MATCH:
            return self.expression
        if part == IN_ONE_PIECE and self.one_piece is not None and not scored:
            return self.one_piece
        joined = "AND" if part == IN_ONE_PIECE else "NOT"
        return f"({self.expression}) {joined} ({self.phrase})"

    # -- filters -----------------------------------------------------------------

    def _filters(self, given: list[Filter]) -> list[_Filter]:
        """The query's filters; a date range of whole months becomes one filter of index
        tokens (``search.index.date_range_tokens``), else it stays SQL on the date index."""
        dates = [f for f in given if f.kind in ("date_from", "date_to")]
        out = [self._filter(f) for f in given if f not in dates]
        if not dates:
            return out
        in_sql = [self._filter(f) for f in dates]
        bounds = {f.kind: f.value for f in dates}
        first, last = self.db.execute(
            "SELECT coalesce((SELECT min(year) FROM search_combos), 0), coalesce((SELECT max(year) FROM search_combos), 0)"
        ).fetchone()  # every dated document's year is that of its date
        tokens = date_range_tokens(bounds.get("date_from"), bounds.get("date_to"), first, last)
        if tokens is None:
            self.dated = True
            return out + in_sql
        self.date_range = _Filter(None, tuple(tokens) or (_NO_MATCH,), " AND ".join(f.sql for f in in_sql),
                                  tuple(p for f in in_sql for p in f.params))
        return out + [self.date_range]

    def _filter(self, given: Filter) -> _Filter:
        """A filter as index tokens (when it has some) and SQL on ``search_docs AS d``."""
        kind, key, value = given.kind, given.key, given.value
        if kind == "region":
            return _Filter(
                "region", tuple(filter_token("region", c) for c in value) or (_NO_MATCH,),
                f"d.region_code IN ({', '.join('?' * len(value))})" if value else "0", tuple(value),
            )
        if kind == "issuer" and given.exact:
            return _Filter("issuer", (filter_token("issuer", value),),
                           "instr('、' || replace(d.issuer, '，', '、') || '、', '、' || ? || '、') > 0", (value,))
        if kind == "issuer":
            return _Filter("issuer", (), "instr(d.issuer, ?) > 0", (value,))
        if kind == "facet":
            token = year_filter_token(value) if key == "year" else filter_token(key, value)
            return _Filter(key, (token,), f"d.{FACET_COLUMNS[key]} = ?", (value,))
        if kind == IN_FORCE:
            return _Filter(None, (), IN_FORCE_SQL, (value,) * 3)
        # sort_key begins with the date: bounding it too lets an index walk only the range.
        if kind == "date_from":
            return _Filter(None, (), "d.date >= ? AND d.sort_key >= ?", (value, value))
        if kind == "date_to":
            return _Filter(None, (), "d.date <= ? AND d.sort_key <= ?", (value, value + "~"))
        return _Filter(None, (), f"d.published {'>=' if kind == 'published_from' else '<='} ?", (value,))

    def stored_region_codes(self, name: str) -> set[str]:
        return {row[0] for row in self.db.execute(
            "SELECT DISTINCT region_code FROM gazettes WHERE region = ? AND region_code IS NOT NULL", (name,)
        )}

    def known_issuer(self, issuer: str) -> bool:
        return self.db.execute(
            "SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT 1",
            (f"{{filters}}: {_phrase([filter_token('issuer', issuer)])}",),
        ).fetchone() is not None

    # -- sources ---------------------------------------------------------------------

    def _source(self, filters: Sequence[_Filter]) -> _Source:
        """The documents matching the words (or all, for a browse) and ``filters``."""
        if self.expression is not None or (self.by_tokens and filters):
            return self._fts_source(self.expression, filters)
        return self._browse_source(self.excluded, filters)

    def _counted(self, filters: Sequence[_Filter]) -> _Source:
        """Where to count: search_combos when it can answer, else :meth:`_source`."""
        return self._combo_source(filters) if self.from_combos else self._source(filters)

    def _fts_source(
        self, expression: Optional[str], filters: Sequence[_Filter], join: bool = False, *, driving: bool = False,
        indexed_by: Optional[str] = None,
    ) -> _Source:
        """Documents matching ``expression`` (None: the filters' tokens alone) and
        ``filters``. Filters with tokens go into
        the MATCH; others are SQL on ``search_docs AS d``, which then either joins the
        full-text matches (``driving``: needed by bm25 and rowid order) or keeps the
        rows whose sid is in them — letting SQLite walk an index of ``search_docs``
        (a date range) instead of looking up every match."""
        # Filter tokens first: FTS5 steps through the first operand of an AND and skips
        # through the others, so a sparse token (a gazette, the facet sample) leads.
        tokens = [f"{{filters}}: ({' OR '.join(map(_token, f.tokens))})" for f in filters if f.tokens]
        match = " AND ".join([*tokens, *([f"({expression})"] if expression else [])]) if tokens else expression
        conditions = [f.sql for f in filters if not f.tokens]
        params = [p for f in filters if not f.tokens for p in f.params]
        if indexed_by is None and conditions and not driving and self.dated:
            indexed_by = "search_docs_sort"  # walk the date range only
        if indexed_by or (conditions and not driving):
            index = f" INDEXED BY {indexed_by}" if indexed_by else ""
            where = " AND ".join(["d.sid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", *conditions])
            return _Source(f"FROM search_docs AS d{index} WHERE {where}", (match, *params), False)
        if conditions or join:
            where = " AND ".join(["search_fts MATCH ?", *conditions])
            return _Source(
                f"FROM search_fts CROSS JOIN search_docs AS d ON d.sid = search_fts.rowid WHERE {where}",
                (match, *params), True,
            )
        return _Source("FROM search_fts WHERE search_fts MATCH ?", (match,), True)

    def _combo_source(self, filters: Sequence[_Filter]) -> _Source:
        """The facet-value combinations matching facet filters (their SQL names the same
        columns on search_combos as on search_docs)."""
        conditions = [f.sql for f in filters] or ["1"]
        params = [p for f in filters for p in f.params]
        return _Source(f"FROM search_combos AS d WHERE {' AND '.join(conditions)}", tuple(params), False, True)

    def _browse_source(
        self, excluded: Optional[str], filters: Sequence[_Filter], indexed_by: Optional[str] = None
    ) -> _Source:
        conditions = [f.sql for f in filters] or ["1"]
        params = [p for f in filters for p in f.params]
        if excluded:
            conditions.append("d.sid NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)")
            params.append(excluded)
        if indexed_by is None and self.dated:
            indexed_by = "search_docs_sort"
        index = f" INDEXED BY {indexed_by}" if indexed_by else ""
        return _Source(f"FROM search_docs AS d{index} WHERE {' AND '.join(conditions)}", tuple(params), False)

    def _documents(self) -> int:
        """About how many documents are indexed (sids are dense)."""
        return self.db.execute("SELECT coalesce(max(sid), 0) FROM search_docs").fetchone()[0]

    def _count(self, source: _Source) -> int:
        if source.combos:
            return self.db.execute(f"SELECT coalesce(sum(d.documents), 0) {source.sql}", source.params).fetchone()[0]
        return self.db.execute(f"SELECT count(*) {source.sql}", source.params).fetchone()[0]

    # -- facets ----------------------------------------------------------------------

    def _count_and_facets(self) -> tuple[int, bool, dict[str, list[tuple[str, int]]], bool]:
        """The total, whether it is estimated, the counts per facet key, each key counted
        with every filter but its own (drill-down; the keys without a filter share the
        result set itself), and whether those are estimated."""
        facets: dict[str, list[tuple[str, int]]] = {key: [] for key in FACET_KEYS}
        started = time.perf_counter()
        total, total_estimated = self._size(self.expression, self.filters, keep=True)
        started = self._lap("count", started)
        filtered = {f.key for f in self.filters if f.key}
        unfiltered = [k for k in FACET_KEYS if k not in filtered]
        groups: list[tuple[list[str], list[_Filter], Optional[int]]] = [(unfiltered, self.filters, total)] if unfiltered else []
        groups += [([k], [f for f in self.filters if f.key != k], None) for k in FACET_KEYS if k in filtered]
        estimated = False
        for keys, filters, size in groups:
            if size is None:
                size = self._size(self.expression, filters)[0]
            if size:
                counts, sampled = self._group(filters, keys, size)
                facets.update(counts)
                estimated = estimated or sampled
        self._lap("facets", started)
        return total, total_estimated, facets, estimated

    def _size(self, expression: Optional[str], filters: Sequence[_Filter], at_most: Optional[int] = None,
              *, keep: bool = False) -> tuple[int, bool]:
        """How many documents match ``expression`` (None: a browse, always counted) and
        ``filters``, and whether that is an estimate: in a store of more than TOTAL_EXACT_MAX
        documents the matches are first counted in a sample of ~PROBE_ROWS documents (a
        token ANDed in the index); estimated at most TOTAL_EXACT_MAX they are counted, more
        are counted in a sample holding SAMPLE_TARGET / 8 to SAMPLE_TARGET of them and
        scaled (``search.backend``: the policy PostgreSQL follows too). ``at_most``: a bound
        known already (the phrase's matches are among the total's): no sample needed under it.
        ``keep``: the result set's own count — matches the sample puts at LIST_MAX or fewer
        are listed in ``listed``."""
        if expression is None and not filters and self.excluded is None:  # every document
            return self._facet_map().documents_up_to(self._documents()), False
        if expression is None:
            return self._count(self._counted(filters)), False
        seen: list[int] = []  # the matches, as each sample counted put them

        def in_sample(level: int) -> tuple[int, None]:
            count = self._count(self._fts_source(expression, [*filters, _sample(level)]))
            seen.append(count << level)
            return count, None

        _, estimate, _ = probe_total(self._documents(), in_sample, at_most)
        if estimate is not None:
            return estimate, True
        source = self._fts_source(expression, filters)
        if keep and seen and seen[-1] <= LIST_MAX:
            self.listed = [sid for (sid,) in self.db.execute(f"SELECT {source.rowid} {source.sql}", source.params)]
            return len(self.listed), False
        return self._count(source), False

    def _group(self, filters: list[_Filter], keys: list[str], size: int) -> tuple[dict[str, list[tuple[str, int]]], bool]:
        """Top values per key of the ``size`` documents matching ``filters``: their sids
        counted by combination of facet values (``sqlite_facets.FacetMap``), then each key
        over the combinations. Above FACET_EXACT_MAX documents, on the 1/2^k of them
        whose sample key is lowest (about FACET_EXACT_MAX), counts scaled: in the index
        that sample is one more token to AND, so its cost does not grow with ``size``."""
        sampled = size > FACET_EXACT_MAX
        if sampled:  # (search_combos too: a big store has tens of thousands of combinations)
            sample = _sample(level_for(size, FACET_EXACT_MAX))
            source = self._source([*filters, sample])
            if self.expression is None and not self.dated and size * size > self._documents() * FACET_EXACT_MAX:
                # A browse of many documents: reading the sample (N/2^level rows through its
                # index) beats reading the filtered set (size rows through a filter's index).
                source = self._browse_source(self.excluded, [*filters, sample], "search_docs_sample")
        else:
            source = self._counted(filters)
        facet_map = self._facet_map()
        if not sampled and self.listed is not None and filters is self.filters:
            return facet_map.top(facet_map.combos(self.listed), keys, None), False
        if source.combos:  # a count is kept per combination: exact, whatever the size
            counted = dict(self.db.execute(f"SELECT d.combo, d.documents {source.sql} AND d.documents > 0",
                                           source.params).fetchall())
        else:
            counted = facet_map.combos(sid for (sid,) in self.db.execute(
                f"SELECT {source.rowid} {source.sql}", source.params))  # type: ignore[assignment]
        return facet_map.top(counted, keys, size if sampled else None), sampled

    def _facet_map(self) -> FacetMap:
        if self.facets is None:
            self.facets = self.facet_maps.current(self.db)
        return self.facets

    # -- hits ------------------------------------------------------------------------

    def _pinned(self, source: _Source, doc_ids: list[str]) -> list[int]:
        """Rowids of the 文号 matches that are in the result set, in lookup order."""
        if not doc_ids:
            return []
        sids = {
            row[0]: row[1]
            for row in self.db.execute(
                f"SELECT doc_id, sid FROM search_docs WHERE doc_id IN ({', '.join('?' * len(doc_ids))})", doc_ids
            )
        }
        wanted = [sids[d] for d in doc_ids if d in sids]
        if not wanted or self.listed is not None:  # the result set listed: no MATCH to run again
            listed = set(self.listed or ())
            return [sid for sid in wanted if sid in listed]
        inside = {
            row[0]
            for row in self.db.execute(
                f"SELECT {source.rowid} {source.sql} AND {source.rowid} IN ({', '.join('?' * len(wanted))})",
                (*source.params, *wanted),
            )
        }
        return [sid for sid in wanted if sid in inside]

    def _ranked(
        self, query_plan: QueryPlan, part: str, pinned: list[int], offset: int, limit: int, total: int
    ) -> list[tuple[int, float]]:
        """A page of the ``total`` matches of ``part`` (``engine.phrase_first``) in relevance
        order: the 文号 matches first, then

        - up to RANK_LIMIT matches: BM25 with the scoring phrases of ``_boost``;
        - more: those of the newest RANK_LIMIT matches with every word in the title,
          then all the others, most recently stored first. (FTS5's bm25 reads the whole
          posting list of every phrase for its idf, whatever rows it ranks; and over tens
          of thousands of matches a common word's idf is ~0 anyway.) Bounded work: the
          title tier looks at RANK_LIMIT rows, the rest stops after the page."""
        rows, offset, limit = pinned_first(pinned, offset, limit)
        if limit <= 0:
            return rows
        marks = f"search_fts.rowid NOT IN ({', '.join('?' * len(pinned))})"

        def without_pinned(source: _Source) -> _Source:
            return source.where(marks, *pinned) if pinned else source

        if total - len(pinned) <= RANK_LIMIT:
            scored = self._expression_of(part, scored=True)
            ranking = without_pinned(
                self._fts_source(f"({scored}) AND {_boost(query_plan)}", self.filters, driving=True)
            )
            found = self.db.execute(
                f"SELECT search_fts.rowid, {_BM25} AS score {ranking.sql}"
                " ORDER BY score, search_fts.rowid DESC LIMIT ? OFFSET ?",
                (*ranking.params, limit, offset),
            ).fetchall()
            return rows + [(sid, -score) for sid, score in found]
        # The newest RANK_LIMIT matches with every word in the title, then everything
        # else newest first: bounded work, whether titles hold the words often or never.
        expression = self._expression_of(part)
        everything = without_pinned(self._fts_source(expression, self.filters, driving=True))
        cut = self.db.execute(
            f"SELECT search_fts.rowid {everything.sql} ORDER BY search_fts.rowid DESC LIMIT 1 OFFSET ?",
            (*everything.params, RANK_LIMIT - 1),
        ).fetchone()
        titled = without_pinned(self._fts_source(f"({expression}) AND {_in_title(query_plan)}", self.filters,
                                                 driving=True))
        if cut:
            titled = titled.where("search_fts.rowid >= ?", cut[0])
        # Read ascending and turned: FTS5 honours a lower rowid bound only in ascending order
        # (descending, it read every match: 48 ms against 2 ms at 100k documents).
        first = [sid for (sid,) in self.db.execute(
            f"SELECT search_fts.rowid {titled.sql} ORDER BY search_fts.rowid", titled.params
        )][::-1]
        page = first[offset:offset + limit]
        rows += [(sid, 0.0) for sid in page]
        limit, offset = limit - len(page), max(0, offset - len(first))
        if limit <= 0:
            return rows
        skip = set(first)
        found = self.db.execute(
            f"SELECT search_fts.rowid {everything.sql} ORDER BY search_fts.rowid DESC LIMIT ?",
            (*everything.params, offset + limit + len(skip)),
        ).fetchall()
        others = [sid for (sid,) in found if sid not in skip]
        return rows + [(sid, 0.0) for sid in others[offset:offset + limit]]

    def _by_date(self, part: str, pinned: list[int], offset: int, limit: int, total: int) -> list[tuple[int, float]]:
        """A page of the ``total`` matches of ``part`` (``engine.phrase_first``; of a browse:
        the documents its filters keep) by 成文日期 (then gazette date), newest or oldest
        first. Many matches: walk the date index and keep the rows in the (hashed) set of
        matches, rather than sorting them all."""
        rows, offset, limit = pinned_first(pinned, offset, limit)
        if limit <= 0:
            return rows
        expression = self._expression_of(part)
        direction = "ASC" if self.query.sort == "oldest" else "DESC"
        if expression is not None and total >= DATE_INDEX_MIN:
            source = self._fts_source(expression, self.filters, indexed_by="search_docs_sort")
            if self.date_range is not None:  # the walk starts and stops at the range's ends
                source = source.where(self.date_range.sql, *self.date_range.params)
        elif expression is not None:
            source = self._fts_source(expression, self.filters, join=True)
        elif self.by_tokens and self.filters and total < DATE_INDEX_MIN:  # a few: found in the index, sorted
            source = self._fts_source(None, self.filters, join=True)
        else:
            source = self._browse_source(self.excluded, self.filters)
        if pinned:
            source = source.where(f"d.sid NOT IN ({', '.join('?' * len(pinned))})", *pinned)
        found = self.db.execute(
            f"SELECT d.sid {source.sql} ORDER BY d.sort_key {direction}, d.sid {direction} LIMIT ? OFFSET ?",
            (*source.params, limit, offset),
        ).fetchall()
        return rows + [(sid, 0.0) for (sid,) in found]

    def hit_rows(self, keys: list[int]) -> dict[int, Any]:
        return {
            row["sid"]: {**dict(row), "body": _unpack(row["body"])}
            for row in self.db.execute(
                "SELECT d.sid, d.doc_id, d.gazette_id, d.issuer, d.doc_type, d.date, d.section, d.published,"
                " d.doc_number, d.parent_id, d.issuer_inherited, d.date_inherited, t.title, t.body,"
                " g.title AS gazette_title FROM search_docs AS d JOIN search_text AS t ON t.sid = d.sid"
                " LEFT JOIN gazettes AS g ON g.id = d.gazette_id"
                f" WHERE d.sid IN ({', '.join('?' * len(keys))})",
                keys,
            )
        }

    def doc_numbers(self, doc_ids: list[str]) -> list[str]:
        rows = self.db.execute(
            f"SELECT DISTINCT doc_number FROM search_docs WHERE doc_id IN ({', '.join('?' * len(doc_ids))})"
            " AND doc_number IS NOT NULL",
            doc_ids,
        ).fetchall()
        return [row[0] for row in rows]


def _sample(level: int) -> _Filter:
    """The documents of the sample of ``level`` (1/2^level of them): a token, or SQL."""
    return _Filter(None, (filter_token("sample", level),), "d.sample < ?", (SAMPLE_SPACE >> level,))


# -- FTS5 expressions ------------------------------------------------------------------


def _phrase(tokens: Iterable[str]) -> str:
    """A quoted FTS5 phrase: user text never reaches MATCH unquoted."""
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _token(token: str) -> str:
    """A filter token as a MATCH phrase; ``fyear2023*``: every token it begins."""
    return f"{_phrase([token[:-1]])} *" if token.endswith("*") else _phrase([token])


def _unit(unit: Unit) -> str:
    """Where a unit matches: its bigrams as a phrase — any substring of two or more
    characters, however the words were cut. A single character: that word, or a bigram
    starting with it."""
    if len(unit.bigrams) == 1 and len(unit.bigrams[0]) == 2:
        # One bigram: where its two characters occur as a word they occur as a bigram too,
        # and filter tokens are longer: no column filter needed, and FTS5 counts faster.
        return _phrase(unit.bigrams)
    if unit.bigrams:
        return f"{BIGRAM_COLUMNS}: {_phrase(unit.bigrams)}"
    if unit.prefix:
        return f"({WORD_COLUMNS}: {_phrase(unit.words)} OR {BIGRAM_COLUMNS}: {_phrase([unit.prefix])} *)"
    return f"{WORD_COLUMNS}: {_phrase(unit.words)}"


def _unit_boost(unit: Unit, whole: Optional[Unit] = None) -> str:
    """Phrases that rank a unit's matches: in the title or the body, as words or as
    bigrams. Together they match wherever the unit does, so ANDing them changes no set:
    a real word outscores two characters straddling words (煤矿 in 非煤矿山), a title
    match outscores the body (its phrases have their own, rarer, idf). ``whole``: the
    term the unit was cut from, scoring where it occurs in one piece."""
    parts = [] if whole is None or not whole.bigrams else [f"{BIGRAM_COLUMNS}: {_phrase(whole.bigrams)}"]
    for words_in, bigrams_in in BOOST_COLUMNS:
        parts.append(f"{words_in}: {_phrase(unit.words)}")
        if unit.bigrams:
            parts.append(f"{bigrams_in}: {_phrase(unit.bigrams)}")
        elif unit.prefix:
            parts.append(f"{bigrams_in}: {_phrase([unit.prefix])} *")
    return "(" + " OR ".join(parts) + ")"


def _in_title(query_plan: QueryPlan) -> str:
    """Every group matched in the title (as bigrams, or a single character as a word)."""
    def unit_in_title(unit: Unit) -> str:
        if unit.bigrams:
            return f"{{title_b}}: {_phrase(unit.bigrams)}"
        if unit.prefix:
            return f"({{title_w}}: {_phrase(unit.words)} OR {{title_b}}: {_phrase([unit.prefix])} *)"
        return f"{{title_w}}: {_phrase(unit.words)}"

    groups = [
        "(" + " OR ".join("(" + " AND ".join(unit_in_title(u) for u in c.units) + ")" for c in group) + ")"
        for group in query_plan.groups
    ]
    return "(" + " AND ".join(groups) + ")"


def _conjunction(conjunction: Conjunction) -> str:
    return "(" + " AND ".join(_unit(u) for u in conjunction.units) + ")"


def _boost(query_plan: QueryPlan) -> str:
    """The scoring phrases of every positive unit, ANDed: each group matches wherever
    one alternative does, and a unit of an alternative that did not match scores nothing."""
    groups = []
    for group in query_plan.groups:
        alternatives = []
        for conjunction in group:
            boosts = [_unit_boost(u, conjunction.whole if i == 0 else None) for i, u in enumerate(conjunction.units)]
            alternatives.append("(" + " AND ".join(boosts) + ")")
        groups.append("(" + " OR ".join(alternatives) + ")")
    return "(" + " AND ".join(groups) + ")"


def _positive(query_plan: QueryPlan) -> str:
    """The MATCH expression of the groups (every one), without exclusions."""
    return " AND ".join("(" + " OR ".join(_conjunction(c) for c in group) + ")" for group in query_plan.groups)


def _expression(query_plan: QueryPlan) -> Optional[str]:
    """The MATCH expression of the positive part, with exclusions; None for a browse."""
    if not query_plan.groups:
        return None
    positive = _positive(query_plan)
    excluded = _excluded(query_plan)
    return f"({positive}) NOT {excluded}" if excluded else positive


def _excluded(query_plan: QueryPlan) -> Optional[str]:
    if not query_plan.excluded:
        return None
    return "(" + " OR ".join(_conjunction(c) for c in query_plan.excluded) + ")"

"""The SQL half of search on PostgreSQL, with nothing outside Debian's server package.

Two rows per document (migration 0001), written in the transaction that writes the
documents: ``search_docs``, narrow — filters, sort keys, the bigram set — so that counting,
faceting and browsing read little; ``search_text``, the texts. Tokens come from
``gongbao.search.tokenize``, as on SQLite, so both backends cut the same words and bigrams:

- ``grams``: the set of the document's bigram tokens as a ``tsvector`` (exact lexemes, no
  positions) under a GIN index. A unit (a string to find) of one bigram — most Chinese
  words — is its index token. A longer one is the documents holding all of its bigrams (an
  index intersection) whose ``plain`` text (``clean`` title | body | info) contains it:
  exact substring semantics, as the bigram phrase on SQLite, without tsvector's
  16,383-position limit that would lose phrases deep in long documents. That text check
  runs once per search over at most ``VERIFY_MAX`` index candidates, into a set of row ids
  the other queries reuse; past that, the candidates are counted and faceted (the result says
  ``total_estimated``) and only the rows shown are checked.
- ``words``: rjieba words with positions (the title's weighted A; the first
  ``RANKED_WORDS`` after it) for ``ts_rank``; a unit also found in the title
  (``title_plain``) scores on top, so title matches rank first and a real word (煤矿)
  outranks two characters straddling words (非煤矿山). ``ts_rank``, not ``ts_rank_cd``:
  with cover density the quality mix (tests/test_search_quality.py) fell from mean P@10 1.000
  to 0.992 (安全 year=2020: 0.67), one-word queries having no cover to measure. Above ``RANK_LIMIT`` matches: title
  matches among the newest, then newest first, as on SQLite.
- A term the tokenizer cut into words (安全生产 → 安全, 生产): the matches holding it in one
  piece (``search.plan.phrase_plan``; its bigrams, then its string in ``plain``) are counted as
  the total is (``_tally``) and paged first, each part ordered on its own condition.
- Filters are columns with btree indexes; facets one ``GROUPING SETS`` query over the
  matches. Issuers: a GIN index on the list of a joint issue's issuers (migration 0002).
- Bounded work at a million documents (``_tally``, ``_newest``, ``_all``): matches are
  first counted on ~PROBE_ROWS documents of the pseudo-random ``sample`` column; up to
  TOTAL_EXACT_MAX they are counted and kept (newest first) for what follows; more are
  counted with their facets on a sample (``total_estimated``; the sampled eighth of the
  documents has a bigram index of its own, migration 0003); beyond RANK_LIMIT the newest
  matches come from a window of the newest sids; words are tested row by row where filters
  leave few rows; excluded words are tested on each candidate, or, where the matches are
  read one by one, their own rows are read once by the index when fewer (an anti-join:
  ``PgBackend._anti_joined``). The search transaction sets
  ``work_mem``, ``jit`` and custom plans (``store.postgres``).
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..search.backend import (
    FACET_COLUMNS, FACET_EXACT_MAX, FACET_TOP, IN_FORCE, RANK_LIMIT, Filter, Matches, Plan, level_for, probe_total,
)
from ..search.engine import EVERY_MATCH, IN_ONE_PIECE, phrase_first, pinned_first
from ..search.engine import run as run_search
from ..search.index import FACET_KEYS, SAMPLE_SPACE, IndexEntry, issue_entries
from ..search.plan import Conjunction, QueryPlan, Unit
from ..search.tokenize import TOKENIZER_VERSION, Tokenizer, bigram_text, clean
from ..search.types import SearchQuery, SearchResult
from ..model import document_id
from . import reads
from .pg_sql import copy_rows, rows_of
from .repeals import IN_FORCE_SQL

if TYPE_CHECKING:
    import psycopg

    from .base import Store

# Rows on which words are tested one by one rather than by the index (_all): ~10 µs a row
# when its bigram vector is not cached, against ~2.5 µs a match read through the index —
# worth it for a filter that keeps few rows (a county, a sample), not a broad one.
PER_ROW_MAX = 4_000
PER_ROW_SHARE = 16  # … and at most this fraction (1/n) of the store
VERIFY_MAX = 1_000  # candidates of a multi-bigram unit checked in the text before counting
# Excluded words where _tally reads the matches one by one: their rows found once by the index
# (~1 µs a row: its sid only) rather than tested on each candidate (~10 µs: its bigram vector
# decompressed) while they are at most this many times the candidates (the statement of
# 火灾 -挂牌 at 100k documents: 126 → 27 ms).
ANTI_JOIN_RATIO = 8
# A browse of more documents than this, counted one by one, is put in date order by walking
# its filter's (column, sort_key) index, not by sorting the listed sids (方案, 19k documents,
# at 100k: 2 ms against 95).
DATE_WALK_MIN = 2_000
# A unit checked in the document's text (one index lookup per candidate row).
_IN_TEXT = "strpos((SELECT t.plain FROM search_text AS t WHERE t.sid = d.sid), %s) > 0"
TITLE_BONUS = 1.0  # per unit found in the title: above any ts_rank of body words

# One of the issuers of a joint issue (index search_docs_issuers).
_JOINT_ISSUER = ("string_to_array(replace(d.issuer, '，', '、'), '、')"
                 " @> string_to_array(replace(%s, '，', '、'), '、')")
_IN_FORCE_SQL = IN_FORCE_SQL.replace("?", "%s")


@dataclass
class PgPrepared:
    """One issue's search rows, tokenized before the write transaction."""

    terms: set[str]
    rows: list[tuple[tuple[Any, ...], tuple[Any, ...]]]  # (search_docs row, search_text row) without sid


def prepare(records: list[dict[str, Any]], gazette: dict[str, Any], tokenizer: Tokenizer) -> PgPrepared:
    """Tokenize one issue (``search.index.issue_entries``)."""
    terms, found = issue_entries(records, gazette, tokenizer)
    return PgPrepared(terms, [_row(entry) for entry in found])


def _row(entry: IndexEntry) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    title_b, body_b, info_b = entry.bigram_columns()
    plain = f"{clean(entry.title)} | {clean(entry.body)} | {clean(entry.info)}"
    return (
        (entry.doc_id, entry.gazette_id, entry.region_code, entry.issuer, entry.agency_code, entry.doc_type,
         entry.year, entry.date, entry.published, entry.section, entry.level, entry.doc_number, entry.parent_id,
         f"{entry.date or entry.published or ''}|{entry.published or ''}", entry.sample, clean(entry.title),
         lexemes(f"{title_b} {body_b} {info_b}".split()), entry.issuer_inherited, entry.date_inherited),
        (entry.title, entry.body, entry.info, plain,
         positioned(entry.title_words.split(), f"{entry.info_words} {entry.body_words}".split()[:RANKED_WORDS])),
    )


DOC_COLUMNS = (
    "sid", "doc_id", "gazette_id", "region_code", "issuer", "agency_code", "doc_type", "year", "date", "published",
    "section", "level", "doc_number", "parent_id", "sort_key", "sample", "title_plain", "grams",
    "issuer_inherited", "date_inherited",
)
TEXT_COLUMNS = ("sid", "title", "body", "info", "plain", "words")
MAX_POSITION = 16_383  # tsvector's highest position: later words are kept without one
MAX_POSITIONS = 255  # positions kept per word
# Words ranked after the title: the info line, then the body's first ones. What a document is
# about shows early, and ts_rank reads the whole vector of every row it scores: a bounded
# vector keeps ranking cost per row bounded, whatever the length of the document.
RANKED_WORDS = 4_000


def lexeme(token: str) -> str:
    """A token as a quoted tsvector/tsquery lexeme: taken as it is, never parsed again."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def lexemes(tokens: list[str]) -> str:
    """tsvector text of a set of tokens, without positions (the bigram column)."""
    return " ".join(lexeme(t) for t in sorted(set(tokens)))


def positioned(title: list[str], rest: list[str]) -> str:
    """tsvector text of words with their positions, the title's weighted A: the lexemes
    are rjieba's words as they are, whatever PostgreSQL's own parser would make of them."""
    positions: dict[str, list[str]] = {}
    for number, word in enumerate(title, start=1):
        found = positions.setdefault(word, [])
        if len(found) < MAX_POSITIONS and number <= MAX_POSITION:
            found.append(f"{number}A")
    for number, word in enumerate(rest, start=len(title) + 1):
        found = positions.setdefault(word, [])
        if len(found) < MAX_POSITIONS and number <= MAX_POSITION:
            found.append(str(number))
    return " ".join(f"{lexeme(w)}:{','.join(p)}" if p else lexeme(w) for w, p in positions.items())


class PgSearchIndex:
    """Search index of one PostgreSQL store: holds its tokenizer (with the user dictionary)."""

    def __init__(self) -> None:
        self._tokenizer: Optional[Tokenizer] = None

    def tokenizer(self, conn: "psycopg.Connection") -> Tokenizer:
        """The tokenizer, with every dictionary term stored so far (other writers' too)."""
        if self._tokenizer is None:
            self._tokenizer = Tokenizer()
        tokenizer = self._tokenizer
        rows = conn.execute(
            "SELECT id, term FROM search_terms WHERE id > %s ORDER BY id", (tokenizer.terms_seen,)
        ).fetchall()
        if rows:
            tokenizer.add_words(row["term"] for row in rows)
            tokenizer.terms_seen = max(tokenizer.terms_seen, rows[-1]["id"])
        return tokenizer

    def prepare(self, conn: "psycopg.Connection", records: list[dict[str, Any]], gazette: dict[str, Any]) -> PgPrepared:
        return prepare(records, gazette, self.tokenizer(conn))

    def insert(self, conn: "psycopg.Connection", prepared: PgPrepared) -> None:
        """Write prepared rows (inside the caller's transaction)."""

        with conn.cursor() as cursor:
            if prepared.terms:
                cursor.executemany(
                    "INSERT INTO search_terms (term) VALUES (%s) ON CONFLICT (term) DO NOTHING",
                    [(t.replace("\x00", ""),) for t in sorted(prepared.terms)],
                )
            if prepared.rows:
                cursor.execute(  # sids drawn up front: both tables go in by COPY
                    "SELECT nextval(pg_get_serial_sequence('search_docs', 'sid')) AS sid"
                    " FROM generate_series(1, %s)", (len(prepared.rows),))
                sids = [row["sid"] for row in cursor.fetchall()]
                copy_rows(cursor, "search_docs", DOC_COLUMNS,
                          ((sid, *doc) for sid, (doc, _) in zip(sids, prepared.rows)))
                copy_rows(cursor, "search_text", TEXT_COLUMNS,
                          ((sid, *text) for sid, (_, text) in zip(sids, prepared.rows)))

    def rebuild(self, store: "Store", conn: "psycopg.Connection") -> int:
        """Drop and rebuild every search row from the stored documents (inside a transaction)."""
        conn.execute("DELETE FROM search_docs")
        conn.execute("DELETE FROM search_terms")
        self._tokenizer = Tokenizer()
        gazettes = conn.execute("SELECT id, region_code, published FROM gazettes ORDER BY id").fetchall()
        count = 0

        for gazette in gazettes:
            records = [{**r, "id": document_id(gazette["id"], r["seq"])} for r in reads.records(rows_of(conn), gazette["id"])]
            prepared = self.prepare(conn, records, gazette)
            self.insert(conn, prepared)
            count += len(prepared.rows)
        conn.execute(
            "INSERT INTO search_meta (key, value) VALUES ('tokenizer', %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (TOKENIZER_VERSION,),
        )
        return count

    @staticmethod
    def stale(conn: "psycopg.Connection") -> bool:
        row = conn.execute("SELECT value FROM search_meta WHERE key = 'tokenizer'").fetchone()
        return row is None or row["value"] != TOKENIZER_VERSION

    def search(self, store: "Store", conn: "psycopg.Connection", query: SearchQuery) -> SearchResult:
        return run_search(PgBackend(store, conn, self.tokenizer(conn)), query)


# -- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """A condition on ``search_docs AS d`` with its parameters; ``key``: the facet it filters."""

    sql: str
    params: tuple[Any, ...] = ()
    key: Optional[str] = None
    indexed: bool = False  # a filter an index answers (columns, sample)
    words: bool = False  # the words, found by the GIN index


def _and(parts: list[_Where], *, wrap_words: bool = False) -> _Where:
    """All of ``parts``; ``wrap_words``: the words found by the GIN index in a subquery of
    their own (see ``_Search._all``)."""
    if not parts:
        return _Where("TRUE")
    if wrap_words:
        parts = [_Where(f"d.sid IN (SELECT d.sid FROM search_docs AS d WHERE {p.sql})", p.params) if p.words else p
                 for p in parts]
    return _Where(" AND ".join(f"({p.sql})" for p in parts), tuple(x for p in parts for x in p.params),
                  indexed=any(p.indexed for p in parts), words=any(p.words for p in parts))


@dataclass
class PgBackend:
    """One search on a PostgreSQL store, inside the caller's read transaction
    (:class:`gongbao.search.backend.SearchBackend`)."""

    store: "Store"
    conn: "psycopg.Connection"
    tokenizer: Tokenizer
    query: SearchQuery = field(default_factory=SearchQuery)
    filters: list[_Where] = field(default_factory=list)
    match: Optional[_Where] = None  # the words; None for a browse
    phrase: Optional[_Where] = None  # the terms cut into words, in one piece (SearchResult.phrases)
    unverified: Optional[_Where] = None  # the exact words when ``match`` holds unchecked candidates
    # ``match`` with the excluded words' rows read by the index, the words without exclusions,
    # and the excluded words the index answers (see _anti_joined)
    anti_joined: Optional[tuple[_Where, _Where, _Where]] = None
    exclusion_rows: Optional[tuple[float, float]] = None  # the planner's rows of those words, of those exclusions
    checked_all: Optional[list[int]] = None  # the matches, when paging checked every candidate
    sids: Optional[tuple[int, int]] = None  # (lowest sid, how many from there to the highest)
    found: Optional[list[int]] = None  # every match, newest first, when _tally counted them one by one
    phrased: Optional[set[int]] = None  # those of ``found`` holding the phrases

    def matches(self, plan: Plan) -> Matches:
        self.query = query = plan.query
        query_plan = plan.words
        self.filters = [dataclasses.replace(self._filter(f), indexed=True)  # each may lead the planner to an index
                        for f in plan.filters]
        self.match = _match(query_plan)
        if plan.in_one_piece is not None:
            self.phrase = _match(dataclasses.replace(plan.in_one_piece, excluded=()))
        if self.match is not None and _IN_TEXT in self.match.sql:
            self._settle_text_match(query_plan)
        elif self.match is not None:
            self.match = dataclasses.replace(self.match, words=True)  # see _and
            self.anti_joined = _exclusions_by_index(query_plan)
        everything, total, facets, estimated, sampled = self._count_and_facets()
        phrase_total = self._phrase_total() if self.phrase is not None and self.match is not None and total else None
        pinned = self._pinned(everything, plan.pinned) if total else []
        loose: list[int] = []
        if not total or plan.offset >= total:
            rows: list[tuple[int, float]] = []
        else:
            rows = self._page(lambda skip, take: phrase_first(
                lambda part, *page: self._order(query_plan, *self._part(part, everything), *page),
                pinned, skip, take, total, phrase_total)[0], plan.offset, query.per_page)
            loose = self._without_phrase(rows) if phrase_total is not None else []
        if self.unverified is not None and self.checked_all is not None:
            # Every candidate got checked on the way to this page: the exact set is known.
            self.match, self.unverified = _Where("d.sid = ANY(%s)", (self.checked_all,)), None
            _, total, facets, estimated, sampled = self._count_and_facets()
        return Matches(total, facets, estimated, rows, phrase_total, loose,
                       total_estimated=sampled or self.unverified is not None)

    def _phrase_total(self) -> int:
        """How many matches hold the phrases: among the matches known by sid (``found``),
        remembering which; else counted as the total is (``_tally``: on a sample when many)."""
        assert self.phrase is not None and self.match is not None
        if self.found is not None:
            # The phrases found by the index among the filtered documents (planned as the words
            # are: see _all), kept if among the matches. Not the list joined with the index:
            # expecting a handful of rows from several bigrams, the planner rescanned the list
            # for each of them (8k matches: 3.5 s, against 0.25 s); nor the phrases tested on
            # each listed match (~70 µs a row: 14.8k matches of 有限空间, 1.05 s against 0.37 s).
            phrases = dataclasses.replace(self.phrase, words=True)
            self.phrased = set(self._sids(self._all([*self.filters, phrases]))).intersection(self.found)
            return len(self.phrased)
        return self._tally([*self.filters, self.match, self.phrase], [])[0]

    def _part(self, part: str, everything: _Where) -> tuple[_Where, Optional[list[int]]]:
        """A part of the result (``engine.phrase_first``), with its rows newest first when
        ``_tally`` found them all."""
        if part == EVERY_MATCH:
            return everything, self.found
        assert self.phrase is not None
        if self.found is not None:  # the rows of each part are known: no phrase to test again
            phrased = self.phrased or set()
            rows = [sid for sid in self.found if (sid in phrased) == (part == IN_ONE_PIECE)]
            return _listed(rows), rows
        if part == IN_ONE_PIECE:
            return _and([everything, self.phrase]), None
        return _and([everything, _Where(f"NOT ({self.phrase.sql})", self.phrase.params)]), None

    def _order(
        self, query_plan: QueryPlan, where: _Where, found: Optional[list[int]], pinned: list[int], offset: int,
        limit: int, total: int,
    ) -> list[tuple[int, float]]:
        """Rows ``offset`` … ``offset + limit`` of the ``total`` rows of ``where`` (``found``:
        all of them newest first, when known), by relevance or by date as asked."""
        if query_plan.groups and self.query.sort == "relevance":
            return self._ranked(where, query_plan, pinned, offset, limit, total, found)
        return self._by_date(where, pinned, offset, limit, found)

    def _without_phrase(self, rows: list[tuple[int, float]]) -> list[int]:
        """The rows of a page that hold all the words but not the phrases."""
        assert self.phrase is not None
        if self.phrased is not None:
            return [sid for sid, _ in rows if sid not in self.phrased]
        listed = _Where("d.sid = ANY(%s)", ([sid for sid, _ in rows],))
        return self._sids(_and([listed, _Where(f"NOT ({self.phrase.sql})", self.phrase.params)]))

    def _settle_text_match(self, query_plan: QueryPlan) -> None:
        """Units of several bigrams are checked in the documents' text (strpos), the costly
        part of a search: the index finds the candidates once; up to VERIFY_MAX of them are
        checked now and the search goes on with the exact set. Beyond that the candidates
        stand for the matches in the total and the facets (flagged as estimates: all of a
        unit's bigrams and rarely not the unit), and only the rows shown are checked."""
        loose = _match(query_plan, loose=True)
        exact = self.match
        assert exact is not None
        if loose is None:
            self.match = _Where("d.sid = ANY(%s)", (self._sids(exact),))
            return
        candidates = [row["sid"] for row in self.conn.execute(
            f"SELECT d.sid FROM search_docs AS d WHERE {loose.sql} LIMIT %s", (*loose.params, VERIFY_MAX + 1))]
        if len(candidates) <= VERIFY_MAX:
            self.match = _Where("d.sid = ANY(%s)", (self._sids(_and([_Where("d.sid = ANY(%s)", (candidates,)), exact])),))
        else:  # the candidates as the index finds them (a list of ids would be probed one by one)
            self.match, self.unverified = dataclasses.replace(loose, words=True), exact

    def _sids(self, where: _Where) -> list[int]:
        return self.conn.execute(
            f"SELECT coalesce(array_agg(d.sid), '{{}}') AS sids FROM search_docs AS d WHERE {where.sql}", where.params,
        ).fetchone()["sids"]

    def _page(self, order: Callable[[int, int], list[tuple[int, float]]], offset: int, limit: int) -> list[tuple[int, float]]:
        """Rows ``offset`` … ``offset + limit`` of ``order``; with unchecked candidates, the
        candidates in order are checked until the page is full."""
        if self.unverified is None:
            return order(offset, limit)
        want = offset + limit
        take = 2 * want + 20
        while True:
            rows = order(0, take)
            listed = _Where("d.sid = ANY(%s)", ([sid for sid, _ in rows],))
            good = set(self._sids(_and([listed, _per_row(self.unverified)])))  # these rows, not the index's
            kept = [row for row in rows if row[0] in good]
            if len(rows) < take:
                self.checked_all = [sid for sid, _ in kept]
            if len(kept) >= want or len(rows) < take:
                return kept[offset:want]
            take *= 4

    def _all(self, parts: list[_Where]) -> _Where:
        """All of ``parts``, words and filters planned so that the bigram vectors are tested
        row by row only where the rows are few. The planner prices ``grams @@`` as cheap, not
        as the decompression of a toasted vector it is (~4 µs), and misjudges how many rows
        several bigrams select together (it multiplies their frequencies: 司法协理员, 1 row
        expected, 72,695 found). So:

        - filters that leave at most PER_ROW_MAX documents and 1/PER_ROW_SHARE of the store
          (a county, a sample): the words are tested on each of their rows (``ts_match_vq``,
          which no index answers) — bounded work, however common the words;
        - otherwise the planner's plan is checked (EXPLAIN, under a millisecond): usually it
          intersects the GIN index with the filter's (煤矿 + 人事任免); when it would rather
          test the words on every row the filter leaves (安全 + level=carried on 111k
          documents: 1.2 s), the words go in a subquery of their own (a hash join: 113 ms)."""
        plain = _and(parts)
        if not (plain.words and plain.indexed):
            return plain
        if self._at_most(_and([p for p in parts if not p.words]), min(PER_ROW_MAX, self._span()[1] // PER_ROW_SHARE)):
            return _and([_per_row(p) if p.words else p for p in parts])
        plan = self.conn.execute(f"EXPLAIN SELECT 1 FROM search_docs AS d WHERE {plain.sql}", plain.params).fetchall()
        tested = (_NEGATED_TEST.sub("", line) for row in plan for line in row.values())
        if any("Filter:" in line and "grams @@" in line for line in tested):
            return dataclasses.replace(_and(parts, wrap_words=True), words=False)
        return plain

    # -- filters -----------------------------------------------------------------

    def _filter(self, given: Filter) -> _Where:
        kind, key, value = given.kind, given.key, given.value
        if kind == "region":
            return _Where("d.region_code = ANY(%s)", (value,), "region")
        if kind == "issuer" and given.exact:
            return _Where(_JOINT_ISSUER, (value,), "issuer")
        if kind == "issuer":
            return _Where("strpos(d.issuer, %s) > 0", (value,), "issuer")
        if kind == "facet":
            return _Where(f"d.{FACET_COLUMNS[key]} = %s", (value,), key)
        if kind == IN_FORCE:
            return _Where(_IN_FORCE_SQL, (value,) * 3)
        if kind == "date_from":
            return _Where("d.date >= %s AND d.sort_key >= %s", (value, value))
        if kind == "date_to":
            return _Where("d.date <= %s AND d.sort_key <= %s", (value, value + "~"))
        return _Where(f"d.published {'>=' if kind == 'published_from' else '<='} %s", (value,))

    def stored_region_codes(self, name: str) -> set[str]:
        return {row["region_code"] for row in self.conn.execute(
            "SELECT DISTINCT region_code FROM gazettes WHERE region = %s AND region_code IS NOT NULL", (name,)
        )}

    def known_issuer(self, issuer: str) -> bool:
        return self.conn.execute(
            f"SELECT 1 FROM search_docs AS d WHERE {_JOINT_ISSUER} LIMIT 1", (issuer,)).fetchone() is not None

    # -- counting ----------------------------------------------------------------

    def _count(self, where: _Where) -> int:
        return self.conn.execute(f"SELECT count(*) AS n FROM search_docs AS d WHERE {where.sql}", where.params).fetchone()["n"]

    def _count_and_facets(self) -> tuple[_Where, int, dict[str, list[tuple[str, int]]], bool, bool]:
        """The words and filters joined (``_all``), the total, the counts per facet key (each
        key counted with every filter but its own: drill-down), whether facet counts and
        whether the total were estimated (see ``_tally``)."""
        facets: dict[str, list[tuple[str, int]]] = {key: [] for key in FACET_KEYS}
        words = [self.match] if self.match else []
        parts = [*self.filters, *words]  # filters first: tested on a row before its bigram vector is
        filtered = {f.key for f in self.filters if f.key}
        self.found = None
        everything = self._all(parts)
        total, counts, facets_estimated, total_estimated = self._tally(
            parts, [k for k in FACET_KEYS if k not in filtered], collect=everything)
        if self.found is not None:
            everything = _listed(self.found)
        facets.update(counts)
        for key in (k for k in FACET_KEYS if k in filtered):
            _, counts, sampled, _ = self._tally([*(f for f in self.filters if f.key != key), *words], [key])
            facets.update(counts)
            facets_estimated = facets_estimated or sampled
        return everything, total, facets, facets_estimated, total_estimated

    def _tally(self, parts: list[_Where], keys: list[str], *, collect: Optional[_Where] = None
               ) -> tuple[int, dict[str, list[tuple[str, int]]], bool, bool]:
        """How many rows ``parts`` selects and their counts per facet key; whether the counts,
        and whether the total, were estimated.

        Counting reads every matching row (a bitmap heap scan: ~0.3 s for a word in 16 % of a
        million documents), and the planner's guess of their number can be off a thousandfold
        (see ``_all``). So, in a store of more than TOTAL_EXACT_MAX documents, the matches
        are first counted among ~PROBE_ROWS documents of the pseudo-random ``sample``
        column (the words tested on each: bounded work). Estimated at most TOTAL_EXACT_MAX,
        they are counted; more, they are counted — and grouped by facet in the same query —
        on a sample holding 500–4,000 of them (relative error ≤ 5 %, ~2 % from 2,000), and
        the total says it is an estimate. Facets of an exact total are counted on a sample
        above FACET_EXACT_MAX. ``collect``: ``parts`` as ``_all`` joined them; the rows counted
        one by one are kept in ``found``."""
        probed: list[int] = []  # the matches, as each sample counted saw them

        def in_sample(level: int) -> tuple[int, dict[str, list[tuple[str, int]]]]:
            seen, counts = self._sampled(parts, keys, level)
            probed.append(seen << level)
            return seen, counts

        level, estimate, counts = probe_total(self._span()[1], in_sample)
        if estimate is not None:
            return estimate, _scaled(counts, float(1 << level)), True, True
        anti_joined = self._anti_joined(parts, probed[-1]) if probed else None
        if level and collect:  # the matches themselves: what follows reads them by sid, not by the index again
            where = anti_joined or collect
            row = self.conn.execute(
                "SELECT coalesce(array_agg(d.sid ORDER BY d.sid DESC), '{}') AS sids,"
                " coalesce(array_agg(d.sample ORDER BY d.sid DESC), '{}') AS samples"
                f" FROM search_docs AS d WHERE {where.sql}", where.params).fetchone()
            self.found, samples = row["sids"], row["samples"]
            size = len(self.found)
            wanted = level_for(size, FACET_EXACT_MAX)  # the sample picked here, looked up by key
            parts = [_listed([sid for sid, key in zip(self.found, samples) if key < SAMPLE_SPACE >> wanted])]
            sample_level = 0
        else:
            size = self._count(anti_joined or collect or self._all(parts))
            sample_level = wanted = level_for(size, FACET_EXACT_MAX)
        if not (size and keys):
            return size, {}, False, False
        seen, counts = self._sampled(parts, keys, sample_level)
        return size, _scaled(counts, size / seen if seen else 1.0), wanted > 0, False

    def _anti_joined(self, parts: list[_Where], matches: int) -> Optional[_Where]:
        """``parts`` (filters and the words) as ``_all`` joins them, their ~``matches`` rows
        to be read one by one, with the excluded words' rows read once by the index — where
        those are at most ANTI_JOIN_RATIO times the rows each tested would be (the matches,
        or the words' own rows when the planner expects more: it may test before filtering).
        The planner's estimates are close for common lexemes, the cases that decide. None:
        as they are."""
        if self.anti_joined is None or self.match not in parts:
            return None
        anti_joined, positive, excluded = self.anti_joined
        if self.exclusion_rows is None:  # the same for every count of the search: planned once
            self.exclusion_rows = (self._planned_rows(positive), self._planned_rows(excluded))
        words, rows = self.exclusion_rows
        if rows > ANTI_JOIN_RATIO * max(matches, words, 1):
            return None
        return self._all([anti_joined if part is self.match else part for part in parts])

    def _span(self) -> tuple[int, int]:
        """The lowest sid and how many sids there are from it to the highest (about the
        number of documents: sids are only ever added)."""
        if self.sids is None:
            row = self.conn.execute("SELECT min(sid) AS low, max(sid) AS high FROM search_docs").fetchone()
            self.sids = (row["low"] or 0, (row["high"] or 0) - (row["low"] or 0) + 1 if row["high"] else 0)
        return self.sids

    def _at_most(self, where: _Where, limit: int) -> bool:
        """Whether ``where`` holds at most ``limit`` rows: the planner's guess when far above,
        else counted up to ``limit + 1`` (its guesses of text ranges, dates, can be far off)."""
        if self._planned_rows(where) > 4 * limit:
            return False
        return self.conn.execute(
            f"SELECT count(*) AS n FROM (SELECT 1 FROM search_docs AS d WHERE {where.sql} LIMIT %s) AS x",
            (*where.params, limit + 1)).fetchone()["n"] <= limit

    def _planned_rows(self, where: _Where) -> float:
        """The planner's estimate of the rows of ``where`` (EXPLAIN, under a millisecond):
        close for a word's own rows (the GIN statistics of common lexemes); for the rest,
        ``_tally`` looks at what the sample actually holds."""
        plan = self.conn.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_docs AS d WHERE {where.sql}", where.params).fetchone()
        return float(next(iter(plan.values()))[0]["Plan"]["Plan Rows"])

    def _sampled(self, parts: list[_Where], keys: list[str], level: int) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """The rows of ``parts`` in the sample of ``level`` (1/2^level of the documents; all
        at 0): how many, and their top FACET_TOP values per key — one GROUPING SETS query."""
        if level:
            parts = [*parts, _Where("d.sample < %s", (SAMPLE_SPACE >> level,), indexed=True)]
        where = self._all(parts)
        if not keys:
            return self._count(where), {}
        columns = [FACET_COLUMNS[k] for k in keys]
        sets = ", ".join(f"(d.{c})" for c in columns)
        selected = ", ".join(f"d.{c}::text AS {c}" for c in columns)
        grouping = ", ".join(f"GROUPING(d.{c}) AS g_{c}" for c in columns)
        rows = self.conn.execute(
            f"SELECT {selected}, {grouping}, count(*) AS n FROM search_docs AS d WHERE {where.sql}"
            f" GROUP BY GROUPING SETS ({sets}, ())",
            where.params,
        ).fetchall()
        seen = next((row["n"] for row in rows if all(row[f"g_{c}"] for c in columns)), 0)
        counts: dict[str, list[tuple[str, int]]] = {}
        for key, column in zip(keys, columns):
            values = [(row[column], row["n"]) for row in rows
                      if not row[f"g_{column}"] and row[column] is not None]
            values.sort(key=lambda item: (-item[1], item[0]))
            counts[key] = values[:FACET_TOP]
        return seen, counts

    # -- ordering ----------------------------------------------------------------

    def _pinned(self, everything: _Where, doc_ids: list[str]) -> list[int]:
        if not doc_ids:
            return []
        rows = self.conn.execute(
            f"SELECT d.sid, d.doc_id FROM search_docs AS d WHERE d.doc_id = ANY(%s) AND {everything.sql}",
            (doc_ids, *everything.params),
        ).fetchall()
        sids = {row["doc_id"]: row["sid"] for row in rows}
        return [sids[d] for d in doc_ids if d in sids]

    def _ranked(
        self, everything: _Where, query_plan: QueryPlan, pinned: list[int], offset: int, limit: int, total: int,
        found: Optional[list[int]],
    ) -> list[tuple[int, float]]:
        """The 文号 matches first, then: up to RANK_LIMIT matches by score (ts_rank of the
        words, title weighted, plus TITLE_BONUS per unit in the title); beyond that, the
        matches with every unit in the title, then the others, newest stored first —
        bounded work per row, as on SQLite. ``found``: every row of ``everything``, newest
        first, when known (``_tally``)."""
        rows, offset, limit = pinned_first(pinned, offset, limit)
        if limit <= 0:
            return rows
        where = _and([everything, _Where("NOT (d.sid = ANY(%s))", (pinned,))]) if pinned else everything
        units = [(u, whole) for group in query_plan.groups for c in group
                 for i, u in enumerate(c.units) for whole in [c.whole if i == 0 else None]]
        in_title = [
            _Where("strpos(d.title_plain, %s) > 0", (clean(u.text).strip(),)) for u, _ in units if clean(u.text).strip()
        ]
        if total - len(pinned) <= RANK_LIMIT:
            words = [w for u, whole in units for w in (*u.words, *(whole.words if whole else ()))]
            score = " + ".join(
                ["ts_rank(t.words, %s::tsquery)"]
                + [f"CASE WHEN {w.sql} THEN {TITLE_BONUS} ELSE 0 END" for w in in_title]
            )
            params = (" | ".join(map(lexeme, dict.fromkeys(words))), *[p for w in in_title for p in w.params])
            found = self.conn.execute(
                f"SELECT d.sid, {score} AS score FROM search_docs AS d JOIN search_text AS t ON t.sid = d.sid"
                f" WHERE {where.sql}"
                " ORDER BY score DESC, d.sid DESC LIMIT %s OFFSET %s",
                (*params, *where.params, limit, offset),
            ).fetchall()
            return rows + [(row["sid"], float(row["score"])) for row in found]
        # Those of the newest RANK_LIMIT matches with every unit in the title, then all the
        # others, newest stored first (as on SQLite).
        titled = _and(in_title) if in_title else _Where("FALSE")
        newest = self._newest(where, titled, total, pinned, found)
        order = [sid for sid, in_title_too in newest if in_title_too]
        order += [sid for sid, in_title_too in newest if not in_title_too]
        page = order[offset:offset + limit]
        rows += [(sid, 0.0) for sid in page]
        limit, offset = limit - len(page), max(0, offset - len(order))
        if limit <= 0 or len(newest) < RANK_LIMIT:
            return rows
        if found is not None:
            skip = set(pinned)
            older = [sid for sid in found if sid < newest[-1][0] and sid not in skip]
            return rows + [(sid, 0.0) for sid in older[offset:offset + limit]]
        older = _and([where, _Where("d.sid < %s", (newest[-1][0],))])
        found = self.conn.execute(
            f"SELECT d.sid FROM search_docs AS d WHERE {older.sql} ORDER BY d.sid + 0 DESC LIMIT %s OFFSET %s",
            (*older.params, limit, offset),
        ).fetchall()
        return rows + [(row["sid"], 0.0) for row in found]

    def _newest(
        self, where: _Where, titled: _Where, total: int, pinned: list[int], found: Optional[list[int]]
    ) -> list[tuple[int, bool]]:
        """The newest RANK_LIMIT rows of ``where``, newest first, each with whether ``titled``
        holds. Ordering every match reads each (``sid + 0``: the index finds them, no walk
        of the primary key testing ``grams @@`` row by row). When matches are dense, the
        newest of them lie among the last few stored documents: a window of the sids
        expected to hold them 1.5 times over is read instead, widened if need be, while it
        holds fewer rows than the matches (a filter's rows may all be old ones: year=2010).
        The window is read as the AND of bitmaps (its sids, the words' GIN rows, the filters'):
        pricing ``grams @@`` as cheap, the planner would rather walk the primary key through
        the window testing each row's bigram vector (decompressed, ~8 µs a row: 水利 with
        level=carried at 100k documents, 135 ms against 9.6)."""
        if found is not None:  # known, newest first: only the titles of the newest are read
            skip = set(pinned)
            newest = [sid for sid in found if sid not in skip][:RANK_LIMIT]
            flags = {row["sid"]: row["titled"] for row in self.conn.execute(
                f"SELECT d.sid, ({titled.sql}) AS titled FROM search_docs AS d WHERE d.sid = ANY(%s)",
                (*titled.params, newest))}
            return [(sid, flags[sid]) for sid in newest]
        select = (f"SELECT d.sid, ({titled.sql}) AS titled FROM search_docs AS d WHERE {{where}}"
                  " ORDER BY d.sid + 0 DESC LIMIT %s")
        low, count = self._span()
        window = math.ceil(1.5 * RANK_LIMIT * count / total) if total > RANK_LIMIT else count
        while window < total:
            inside = _and([where, _Where("d.sid >= %s", (low + count - window,))])
            rows = self._by_bitmaps(select.format(where=inside.sql), (*titled.params, *inside.params, RANK_LIMIT))
            if len(rows) == RANK_LIMIT:
                return [(row["sid"], row["titled"]) for row in rows]
            window *= 4  # the newest documents hold fewer matches than the average
        rows = self.conn.execute(select.format(where=where.sql), (*titled.params, *where.params, RANK_LIMIT)).fetchall()
        return [(row["sid"], row["titled"]) for row in rows]

    def _by_bitmaps(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """The rows of ``sql`` read through bitmaps of its indexes, no index walked row by
        row: for this statement only, the transaction's setting put back after it (a
        failed statement rolls the transaction, and the setting, back)."""
        was = self.conn.execute("SELECT current_setting('enable_indexscan') AS was,"
                                " set_config('enable_indexscan', 'off', true)").fetchone()["was"]
        rows = self.conn.execute(sql, params).fetchall()
        self.conn.execute("SELECT set_config('enable_indexscan', %s, true)", (was,))
        return rows

    def _by_date(self, everything: _Where, pinned: list[int], offset: int, limit: int,
                 found: Optional[list[int]] = None) -> list[tuple[int, float]]:
        """A page by date; ``found``: the rows of ``everything`` when _tally listed them."""
        rows, offset, limit = pinned_first(pinned, offset, limit)
        if limit <= 0:
            return rows
        if found is not None and self.match is None and len(found) > DATE_WALK_MIN:
            everything = self._all(self.filters)  # a browse: its filters, walked in date order
        where = _and([everything, _Where("NOT (d.sid = ANY(%s))", (pinned,))]) if pinned else everything
        direction = "ASC" if self.query.sort == "oldest" else "DESC"
        found = self.conn.execute(
            f"SELECT d.sid FROM search_docs AS d WHERE {where.sql}"
            f" ORDER BY d.sort_key {direction}, d.sid {direction} LIMIT %s OFFSET %s",
            (*where.params, limit, offset),
        ).fetchall()
        return rows + [(row["sid"], 0.0) for row in found]

    # -- hits --------------------------------------------------------------------

    def hit_rows(self, keys: list[int]) -> dict[int, Any]:
        return {
            row["sid"]: row
            for row in self.conn.execute(
                "SELECT d.sid, d.doc_id, d.gazette_id, d.issuer, d.doc_type, d.date, d.section, d.published,"
                " d.doc_number, d.parent_id, d.issuer_inherited, d.date_inherited, t.title, t.body,"
                " g.title AS gazette_title"
                " FROM search_docs AS d JOIN search_text AS t ON t.sid = d.sid"
                " LEFT JOIN gazettes AS g ON g.id = d.gazette_id WHERE d.sid = ANY(%s)",
                (keys,),
            )
        }

    def doc_numbers(self, doc_ids: list[str]) -> list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT doc_number FROM search_docs WHERE doc_id = ANY(%s) AND doc_number IS NOT NULL",
            (doc_ids,),
        ).fetchall()
        return [row["doc_number"] for row in rows]


_INDEXED_TEST = re.compile(r"d\.grams @@ (%s::tsquery)")
# A negated test is made on each row whatever the plan (see _match): not a sign of a bad plan.
_NEGATED_TEST = re.compile(r"NOT \(grams @@ '(?:[^']|'')*'::tsquery\)")


def _listed(sids: list[int]) -> _Where:
    """The rows of ``sids``, looked up by key: a join the planner sizes right, where
    ``d.sid = ANY(…)`` lets it walk a sort index testing each row against the whole list
    (16 s for 16k sids at 1M documents)."""
    return _Where("d.sid IN (SELECT unnest(%s::bigint[]))", (sids,))


def _per_row(where: _Where) -> _Where:
    """The words tested on each row rather than found by the index: ``ts_match_vq`` is
    what ``@@`` calls, but a function call is never matched to an index."""
    return _Where(_INDEXED_TEST.sub(r"ts_match_vq(d.grams, \1)", where.sql), where.params, where.key, where.indexed)


def _scaled(counts: dict[str, list[tuple[str, int]]], scale: float) -> dict[str, list[tuple[str, int]]]:
    return {key: [(value, int(round(n * scale))) for value, n in values] for key, values in counts.items()}


# -- units as SQL ----------------------------------------------------------------------


def _unit(unit: Unit, loose: bool = False) -> Optional[_Where]:
    """Where a unit occurs: all its bigrams (GIN), then the string itself in ``plain``.
    A unit of one bigram (most Chinese words: 安全, 煤矿) is exactly its index token, and
    needs no second look at the text — the common, large result sets stay index-only.
    ``loose``: the index part alone (a superset), None when the unit has no index part."""
    text = clean(unit.text).strip()
    grams = sorted(set(bigram_text(unit.text).split()))
    if unit.bigrams and len(grams) == 1 and len(text) == 2:
        return _Where("d.grams @@ %s::tsquery", (lexeme(grams[0]),))
    if unit.bigrams and grams:
        in_text = "" if loose else f" AND {_IN_TEXT}"
        return _Where(f"d.grams @@ %s::tsquery{in_text}", (" & ".join(map(lexeme, grams)), *(() if loose else (text,))))
    if unit.prefix:
        return _Where("d.grams @@ %s::tsquery", (lexeme(unit.prefix) + ":*",))
    return None if loose else _Where(_IN_TEXT, (text,))


def _conjunction(conjunction: Conjunction, loose: bool = False) -> Optional[_Where]:
    parts = [_unit(u, loose) for u in conjunction.units]
    return None if None in parts else _and(parts)


def _any(conjunctions: tuple[Conjunction, ...], loose: bool = False) -> Optional[_Where]:
    parts = [_conjunction(c, loose) for c in conjunctions]
    return None if None in parts else _or(parts)


def _or(parts: list[_Where]) -> _Where:
    return _Where(" OR ".join(f"({p.sql})" for p in parts), tuple(x for p in parts for x in p.params))


def _exclusions_by_index(query_plan: QueryPlan) -> Optional[tuple[_Where, _Where, _Where]]:
    """The words with their excluded words' rows read by the index, the words without
    exclusions, and the exclusions the index answers; None when it answers none."""
    indexed = [e for e in (_conjunction(c) for c in query_plan.excluded) if _IN_TEXT not in e.sql]
    anti_joined = _match(query_plan, anti_join=True)
    positive = _match(dataclasses.replace(query_plan, excluded=()))
    if not indexed or anti_joined is None or positive is None:
        return None
    return dataclasses.replace(anti_joined, words=True), positive, _or(indexed)


def _match(query_plan: QueryPlan, loose: bool = False, *, anti_join: bool = False) -> Optional[_Where]:
    """The condition of the words (None for a browse without exclusions); excluded words
    are tested on each candidate row.

    ``loose``: a superset found by the index alone (each unit's bigrams, not its string;
    exclusions only where exact by index), or None when some unit has no index part.
    ``anti_join``: the exclusions the index answers are the rows it finds for them, read once
    (see PgBackend._anti_joined); the others are still tested on each row."""
    parts = [_any(group, loose) for group in query_plan.groups]
    if None in parts:
        return None
    excluded = [_conjunction(c) for c in query_plan.excluded]
    if loose:  # fewer exclusions, more rows: only exclusions answered by the index stay
        excluded = [e for e in excluded if _IN_TEXT not in e.sql]
    if anti_join and any(_IN_TEXT not in e.sql for e in excluded):
        indexed = _or([e for e in excluded if _IN_TEXT not in e.sql])
        parts.append(_Where(  # ``x``: not a test of ``d.grams`` for _per_row to move onto each row
            f"d.sid NOT IN (SELECT x.sid FROM search_docs AS x WHERE {indexed.sql.replace('d.grams', 'x.grams')})",
            indexed.params))
        excluded = [e for e in excluded if _IN_TEXT in e.sql]
    if excluded:
        # Tested on each candidate row (not an anti-join reading every row of the excluded
        # words): the candidates are few wherever a search reads them all — a sample, a
        # window of the newest documents, a result small enough to count (see _tally) —
        # unless the excluded words' rows are fewer (PgBackend._anti_joined).
        either = _or(excluded)
        parts.append(_Where(f"NOT ({either.sql})", either.params))
    return _and(parts) if parts else None

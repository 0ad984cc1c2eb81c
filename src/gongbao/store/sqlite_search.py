"""The SQL half of search on SQLite: index rows in, hits and facet counts out.

Tables (migration 0002): ``search_docs`` (filters, facets, sort keys), ``search_text``
(texts as printed and as word-indexed), ``search_fts`` (FTS5, contentless, tokens made
in Python: see ``gongbao.search.tokenize``) and ``search_terms`` (the tokenizer's user
dictionary). They are written in the transaction that writes the documents.

How a query runs (cost measured at 10k–100k documents, see ``bench/search.py``):

- A text query is answered by FTS5 first, always: probing the full-text index once per
  row of a filtered table costs ~0.1 ms a row, scanning its posting lists ~0.2 µs.
  Facet filters are tokens in the ``filters`` column, so ``安全`` AND ``gazette=…`` is
  an intersection of posting lists, not a lookup per match; date ranges and a
  "contained" issuer join ``search_docs``.
- BM25 costs ~3 µs per matching row. When more than ``RANK_WINDOW`` documents match,
  the ``RANK_WINDOW`` most recently stored ones are ranked and the rest follow, most
  recently stored first (for so common a query BM25 barely separates anything: FTS5
  floors the idf of a word in half the documents).
- Facets are GROUP BYs over the filtered set (each facet with the other filters), ~1 µs
  per row and key. Above ``FACET_EXACT_MAX`` rows they run over a pseudo-random sample
  of about that many rows and are scaled up (``SearchResult.facets_estimated``), so
  their cost stops growing with the number of matches.
- A browse (no words) runs on ``search_docs`` and its indexes.
"""
from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence

from ..search import excerpt
from ..search.docnumber import lookup_doc_number
from ..search.index import (
    FACET_KEYS, SAMPLE_MULTIPLIER, SAMPLE_SPACE, IndexEntry, dictionary_terms, entries,
    filter_token, region_names, sample_key,
)
from ..search.plan import QueryPlan, Unit, exact_plan, plan
from ..search.query import parse_query
from ..search.tokenize import TOKENIZER_VERSION, Tokenizer, bigram_text
from ..search.types import SearchHit, SearchQuery, SearchResult

if TYPE_CHECKING:
    from .sqlite import SQLiteStore

RANK_WINDOW = 2_000
FACET_EXACT_MAX = 2_000
FACET_TOP = 20
MAX_UNITS = 64  # a query of more units than this is not a search; the rest are ignored
# bm25 weights by column: title above body, words above bigrams (a real word beats the
# same two characters straddling two words: 煤矿 in 非煤矿山), filters not at all.
WEIGHTS = (10.0, 1.0, 2.0, 5.0, 0.5, 1.0, 0.0)
WORD_COLUMNS = "{title_w body_w info_w}"
BIGRAM_COLUMNS = "{title_b body_b info_b}"
FACET_COLUMNS = {
    "region": "region_code", "issuer": "issuer", "agency_code": "agency_code", "doc_type": "doc_type",
    "year": "year", "gazette": "gazette_id", "section": "section", "level": "level",
}
_NO_MATCH = filter_token("none", "")  # a token no document has: an impossible filter
_BM25 = f"bm25(search_fts, {', '.join(map(str, WEIGHTS))})"


# -- writing -------------------------------------------------------------------------


@dataclass
class Prepared:
    """One issue's index rows, tokenized before the write transaction starts."""

    terms: set[str]
    entries: list[IndexEntry]
    bigrams: list[tuple[str, str, str]]


class SearchIndex:
    """Search index of one SQLite store: holds its tokenizer (with the user dictionary)."""

    def __init__(self) -> None:
        self._tokenizer: Optional[Tokenizer] = None
        self._terms_seen = 0

    def tokenizer(self, db: sqlite3.Connection) -> Tokenizer:
        """The tokenizer, with every dictionary term stored so far (other processes' too)."""
        if self._tokenizer is None:
            self._tokenizer = Tokenizer()
        rows = db.execute(
            "SELECT id, term FROM search_terms WHERE id > ? ORDER BY id", (self._terms_seen,)
        ).fetchall()
        if rows:
            self._tokenizer.add_words(row[1] for row in rows)
            self._terms_seen = rows[-1][0]
        return self._tokenizer

    def prepare(
        self, db: sqlite3.Connection, records: list[dict[str, Any]], gazette: dict[str, Any]
    ) -> Prepared:
        """Tokenize one issue: its names go into the dictionary first, so they are words."""
        tokenizer = self.tokenizer(db)
        terms = dictionary_terms(records, region_names(gazette.get("region_code")))
        tokenizer.add_words(terms)
        found = entries(records, gazette, tokenizer)
        return Prepared(terms, found, [entry.bigram_columns() for entry in found])

    def insert(self, db: sqlite3.Connection, prepared: Prepared) -> None:
        """Write prepared rows (inside the caller's transaction)."""
        db.executemany("INSERT OR IGNORE INTO search_terms (term) VALUES (?)", [(t,) for t in sorted(prepared.terms)])
        (last,) = db.execute("SELECT coalesce(max(sid), 0) FROM search_docs").fetchone()
        docs, texts, fts = [], [], []
        for sid, (entry, bigrams) in enumerate(zip(prepared.entries, prepared.bigrams), start=last + 1):
            docs.append((
                sid, entry.doc_id, entry.gazette_id, entry.region_code, entry.issuer, entry.agency_code,
                entry.doc_type, entry.year, entry.date, entry.published, entry.section, entry.level,
                entry.doc_number, entry.parent_id, f"{entry.date or entry.published or ''}|{entry.published or ''}",
                sample_key(sid),
            ))
            texts.append((sid, entry.title, entry.body, entry.info, entry.title_words, entry.body_words,
                          entry.info_words, entry.filters))
            fts.append((sid, entry.title_words, entry.body_words, entry.info_words, *bigrams, entry.filters))
        db.executemany(f"INSERT INTO search_docs VALUES ({', '.join('?' * 16)})", docs)
        db.executemany(f"INSERT INTO search_text VALUES ({', '.join('?' * 8)})", texts)
        db.executemany(
            "INSERT INTO search_fts (rowid, title_w, body_w, info_w, title_b, body_b, info_b, filters)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            fts,
        )

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
                (row["sid"], row["title_words"], row["body_words"], row["info_words"],
                 bigram_text(row["title"]), bigram_text(row["body"]), bigram_text(row["info"]), row["filters"])
                for row in rows
            ],
        )
        db.execute("DELETE FROM search_docs WHERE gazette_id = ?", (gazette_id,))  # search_text cascades
        return len(rows)

    def rebuild(self, store: "SQLiteStore", db: sqlite3.Connection) -> int:
        """Drop and rebuild every search row from the stored documents (inside a transaction)."""
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        db.execute("DELETE FROM search_docs")
        db.execute("DELETE FROM search_terms")
        self._tokenizer, self._terms_seen = None, 0
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

    def search(self, store: "SQLiteStore", db: sqlite3.Connection, query: SearchQuery) -> SearchResult:
        """Run a validated query (see ``gongbao.search.search``)."""
        return _Search(store, db, self.tokenizer(db), query).run()


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
    joined: bool  # search_docs is available as d

    @property
    def rowid(self) -> str:
        return "search_fts.rowid" if self.fts else "d.sid"

    def where(self, condition: str, *params: Any) -> "_Source":
        return _Source(f"{self.sql} AND {condition}", (*self.params, *params), self.fts, self.joined)


@dataclass
class _Search:
    store: "SQLiteStore"
    db: sqlite3.Connection
    tokenizer: Tokenizer
    query: SearchQuery
    filters: list[_Filter] = field(default_factory=list)

    def run(self) -> SearchResult:
        query = self.query
        parsed = parse_query(query.q)
        doc_match: Optional[str] = None
        pinned_ids: list[str] = []
        query_plan = plan(parsed, self.tokenizer)
        if parsed.doc_number is not None:
            pinned_ids = lookup_doc_number(self.store, query.q)
            if pinned_ids:
                doc_match = pinned_ids[0]
                numbers = self._doc_numbers(pinned_ids)
                query_plan = exact_plan(numbers, self.tokenizer) if numbers else query_plan
        self.filters = self._filters()
        expression = _expression(query_plan)
        excluded = _excluded(query_plan)
        units = query_plan.units

        if expression:
            base = lambda fs, join=False: self._fts_source(expression, fs, join)  # noqa: E731
        else:
            base = lambda fs, join=False: self._browse_source(excluded, fs)  # noqa: E731

        everything = base(self.filters)
        total = self._count(everything)
        facets, estimated = self._facets(base, total)
        offset = (query.page - 1) * query.per_page
        pinned = self._pinned(everything, pinned_ids) if total else []
        if not total or offset >= total:
            rows: list[tuple[int, float]] = []
        elif expression and query.sort == "relevance":
            rows = self._ranked(base(self.filters), pinned, offset, query.per_page, total)
        else:
            rows = self._by_date(base(self.filters, True), pinned, offset, query.per_page)
        hits = self._hits(rows, units)
        return SearchResult(total, hits, query, facets, doc_match, estimated)

    # -- filters -----------------------------------------------------------------

    def _filters(self) -> list[_Filter]:
        q = self.query
        out: list[_Filter] = []
        if q.region is not None:
            codes = self._region_codes(q.region)
            out.append(_Filter(
                "region", tuple(filter_token("region", c) for c in codes) or (_NO_MATCH,),
                f"d.region_code IN ({', '.join('?' * len(codes))})" if codes else "0", tuple(codes),
            ))
        if q.issuer is not None:
            out.append(self._issuer_filter(q.issuer))
        for key, value in (("agency_code", q.agency_code), ("doc_type", q.doc_type), ("year", q.year),
                           ("gazette", q.gazette), ("section", q.section), ("level", q.level)):
            if value is not None:
                out.append(_Filter(key, (filter_token(key, value),), f"d.{FACET_COLUMNS[key]} = ?", (value,)))
        for column, low, high in (("date", q.date_from, q.date_to), ("published", q.published_from, q.published_to)):
            if low is not None:
                out.append(_Filter(None, (), f"d.{column} >= ?", (low,)))
            if high is not None:
                out.append(_Filter(None, (), f"d.{column} <= ?", (high,)))
        return out

    def _region_codes(self, value: str) -> list[str]:
        """Codes of a region given by code or name (a name may be several regions: 城区)."""
        from ..gazetteer import by_name

        if value.isdigit():
            return [value]
        codes = {region.code for region in by_name(value)}
        codes.update(row[0] for row in self.db.execute(
            "SELECT DISTINCT region_code FROM gazettes WHERE region = ? AND region_code IS NOT NULL", (value,)
        ))
        return sorted(codes)

    def _issuer_filter(self, value: str) -> _Filter:
        """An issuer some document has (alone or in a joint issue) matches exactly;
        anything else matches the issuers containing it (应急管理局)."""
        token = filter_token("issuer", value)
        known = self.db.execute(
            "SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT 1", (f"{{filters}}: {_phrase([token])}",)
        ).fetchone()
        if known:
            return _Filter("issuer", (token,), "instr('、' || replace(d.issuer, '，', '、') || '、', '、' || ? || '、') > 0", (value,))
        return _Filter("issuer", (), "instr(d.issuer, ?) > 0", (value,))

    # -- sources ---------------------------------------------------------------------

    def _fts_source(self, expression: str, filters: Sequence[_Filter], join: bool = False) -> _Source:
        match = f"({expression})" if filters else expression
        conditions, params = [], []
        for f in filters:
            if f.tokens:
                match += f" AND {{filters}}: ({' OR '.join(_phrase([t]) for t in f.tokens)})"
            else:
                conditions.append(f.sql)
                params.extend(f.params)
        if conditions or join:
            where = " AND ".join(["search_fts MATCH ?", *conditions])
            return _Source(
                f"FROM search_fts CROSS JOIN search_docs AS d ON d.sid = search_fts.rowid WHERE {where}",
                (match, *params), True, True,
            )
        return _Source("FROM search_fts WHERE search_fts MATCH ?", (match,), True, False)

    def _browse_source(self, excluded: Optional[str], filters: Sequence[_Filter]) -> _Source:
        conditions = [f.sql for f in filters] or ["1"]
        params = [p for f in filters for p in f.params]
        if excluded:
            conditions.append("d.sid NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)")
            params.append(excluded)
        return _Source(f"FROM search_docs AS d WHERE {' AND '.join(conditions)}", tuple(params), False, True)

    def _count(self, source: _Source) -> int:
        return self.db.execute(f"SELECT count(*) {source.sql}", source.params).fetchone()[0]

    # -- facets ----------------------------------------------------------------------

    def _facets(self, base, total: int) -> tuple[dict[str, list[tuple[str, int]]], bool]:
        """Counts per facet key, each with every filter but its own (drill-down)."""
        facets: dict[str, list[tuple[str, int]]] = {key: [] for key in FACET_KEYS}
        filtered = {f.key for f in self.filters if f.key}
        groups: list[tuple[list[str], list[_Filter], Optional[int]]] = []
        unfiltered = [k for k in FACET_KEYS if k not in filtered]
        if unfiltered:
            groups.append((unfiltered, self.filters, total))
        for key in FACET_KEYS:
            if key in filtered:
                groups.append(([key], [f for f in self.filters if f.key != key], None))
        estimated = False
        for keys, filters, size in groups:
            source = base(filters, True)
            if size is None:
                size = self._count(source)
            if not size:
                continue
            counts, sampled = self._group(source, keys, size)
            facets.update(counts)
            estimated = estimated or sampled
        return facets, estimated

    def _group(self, source: _Source, keys: list[str], size: int) -> tuple[dict[str, list[tuple[str, int]]], bool]:
        sampled = size > FACET_EXACT_MAX
        if sampled:
            cut = SAMPLE_SPACE * FACET_EXACT_MAX // size
            if source.fts:
                source = source.where(f"(search_fts.rowid * {SAMPLE_MULTIPLIER}) % {SAMPLE_SPACE} < ?", cut)
            else:
                source = source.where("d.sample < ?", cut)
        columns = ", ".join(f"d.{FACET_COLUMNS[k]} AS {k}" for k in keys)
        parts = [
            f"SELECT * FROM (SELECT '{k}' AS k, {k} AS v, count(*) AS n FROM m WHERE {k} IS NOT NULL"
            f" GROUP BY {k} ORDER BY n DESC, {k} LIMIT {FACET_TOP})"
            for k in keys
        ]
        parts.append("SELECT '#', NULL, count(*) FROM m")
        sql = f"WITH m AS MATERIALIZED (SELECT {columns} {source.sql}) {' UNION ALL '.join(parts)}"
        rows = self.db.execute(sql, source.params).fetchall()
        seen = next(row[2] for row in rows if row[0] == "#")
        scale = size / seen if sampled and seen else 1.0
        counts: dict[str, list[tuple[str, int]]] = {k: [] for k in keys}
        for key, value, n in rows:
            if key != "#":
                counts[key].append((str(value), int(round(n * scale)) if sampled else n))
        return counts, sampled

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
        if not wanted:
            return []
        inside = {
            row[0]
            for row in self.db.execute(
                f"SELECT {source.rowid} {source.sql} AND {source.rowid} IN ({', '.join('?' * len(wanted))})",
                (*source.params, *wanted),
            )
        }
        return [sid for sid in wanted if sid in inside]

    def _ranked(self, source: _Source, pinned: list[int], offset: int, limit: int, total: int) -> list[tuple[int, float]]:
        """A page in relevance order: 文号 matches, then BM25 over at most RANK_WINDOW
        rows (the most recently stored), then the rest, most recently stored first."""
        rows = [(sid, math.inf) for sid in pinned[offset:offset + limit]]
        offset, limit = max(0, offset - len(pinned)), limit - len(rows)
        if limit <= 0:
            return rows
        rest = source.where(f"search_fts.rowid NOT IN ({', '.join('?' * len(pinned))})", *pinned) if pinned else source
        remaining = total - len(pinned)
        if remaining > RANK_WINDOW:
            cut = self.db.execute(
                f"SELECT search_fts.rowid {rest.sql} ORDER BY search_fts.rowid DESC LIMIT 1 OFFSET ?",
                (*rest.params, RANK_WINDOW - 1),
            ).fetchone()
            window, tail = (rest.where("search_fts.rowid >= ?", cut[0]), rest.where("search_fts.rowid < ?", cut[0])) if cut else (rest, None)
            size = RANK_WINDOW
        else:
            window, tail, size = rest, None, remaining
        if offset < size:
            found = self.db.execute(
                f"SELECT search_fts.rowid, {_BM25} AS score {window.sql}"
                " ORDER BY score, search_fts.rowid DESC LIMIT ? OFFSET ?",
                (*window.params, min(limit, size - offset), offset),
            ).fetchall()
            rows.extend((sid, -score) for sid, score in found)
            limit -= len(found)
        if tail is not None and limit > 0:
            found = self.db.execute(
                f"SELECT search_fts.rowid {tail.sql} ORDER BY search_fts.rowid DESC LIMIT ? OFFSET ?",
                (*tail.params, limit, max(0, offset - size)),
            ).fetchall()
            rows.extend((sid, 0.0) for (sid,) in found)
        return rows

    def _by_date(self, source: _Source, pinned: list[int], offset: int, limit: int) -> list[tuple[int, float]]:
        """A page by 成文日期 (then gazette date), newest or oldest first."""
        rows = [(sid, math.inf) for sid in pinned[offset:offset + limit]]
        offset, limit = max(0, offset - len(pinned)), limit - len(rows)
        if limit <= 0:
            return rows
        if pinned:
            source = source.where(f"d.sid NOT IN ({', '.join('?' * len(pinned))})", *pinned)
        direction = "ASC" if self.query.sort == "oldest" else "DESC"
        found = self.db.execute(
            f"SELECT d.sid {source.sql} ORDER BY d.sort_key {direction}, d.sid {direction} LIMIT ? OFFSET ?",
            (*source.params, limit, offset),
        ).fetchall()
        return rows + [(sid, 0.0) for (sid,) in found]

    def _hits(self, rows: list[tuple[int, float]], units: list[Unit]) -> list[SearchHit]:
        if not rows:
            return []
        sids = [sid for sid, _ in rows]
        found = {
            row["sid"]: row
            for row in self.db.execute(
                "SELECT d.sid, d.doc_id, d.gazette_id, d.issuer, d.doc_type, d.date, d.section, d.published,"
                " d.doc_number, d.parent_id, t.title, t.body, g.title AS gazette_title"
                " FROM search_docs AS d JOIN search_text AS t ON t.sid = d.sid"
                " LEFT JOIN gazettes AS g ON g.id = d.gazette_id"
                f" WHERE d.sid IN ({', '.join('?' * len(sids))})",
                sids,
            )
        }
        compiled = excerpt.pattern(units)
        top = max((score for _, score in rows if math.isfinite(score)), default=0.0)
        hits = []
        for sid, score in rows:
            row = found.get(sid)
            if row is None:
                continue
            hits.append(SearchHit(
                id=row["doc_id"], title=row["title"], doc_number=row["doc_number"], issuer=row["issuer"],
                date=row["date"], doc_type=row["doc_type"], section=row["section"], gazette_id=row["gazette_id"],
                gazette_title=row["gazette_title"], published=row["published"], parent_id=row["parent_id"],
                score=round(top + 1.0 if math.isinf(score) else score, 4),
                excerpts=excerpt.excerpts(row["body"], compiled, self.query.excerpt_size, self.query.number_of_excerpts),
                title_html=excerpt.highlight(row["title"], compiled),
            ))
        return hits

    def _doc_numbers(self, doc_ids: list[str]) -> list[str]:
        rows = self.db.execute(
            f"SELECT DISTINCT doc_number FROM search_docs WHERE doc_id IN ({', '.join('?' * len(doc_ids))})"
            " AND doc_number IS NOT NULL",
            doc_ids,
        ).fetchall()
        return [row[0] for row in rows]


# -- FTS5 expressions ------------------------------------------------------------------


def _phrase(tokens: Iterable[str]) -> str:
    """A quoted FTS5 phrase: user text never reaches MATCH unquoted."""
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _unit(unit: Unit) -> str:
    """Words in a word column, or bigrams in a bigram column (or a one-character prefix)."""
    parts = [f"{WORD_COLUMNS}: {_phrase(unit.words)}"]
    if unit.bigrams:
        parts.append(f"{BIGRAM_COLUMNS}: {_phrase(unit.bigrams)}")
    elif unit.prefix:
        parts.append(f"{BIGRAM_COLUMNS}: {_phrase([unit.prefix])} *")
    return "(" + " OR ".join(parts) + ")"


def _conjunction(units: Sequence[Unit]) -> str:
    return "(" + " AND ".join(_unit(u) for u in units) + ")"


def _capped(query_plan: QueryPlan) -> QueryPlan:
    budget, groups = MAX_UNITS, []
    for group in query_plan.groups:
        size = sum(len(c) for c in group)
        if size > budget:
            break
        budget -= size
        groups.append(group)
    return QueryPlan(tuple(groups), query_plan.excluded[: max(0, budget)])


def _expression(query_plan: QueryPlan) -> Optional[str]:
    """The MATCH expression of the positive part, with exclusions; None for a browse."""
    query_plan = _capped(query_plan)
    if not query_plan.groups:
        return None
    positive = " AND ".join("(" + " OR ".join(_conjunction(c) for c in group) + ")" for group in query_plan.groups)
    excluded = _excluded(query_plan)
    return f"({positive}) NOT {excluded}" if excluded else positive


def _excluded(query_plan: QueryPlan) -> Optional[str]:
    if not query_plan.excluded:
        return None
    return "(" + " OR ".join(_conjunction(c) for c in query_plan.excluded[:MAX_UNITS]) + ")"

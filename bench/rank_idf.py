#!/usr/bin/env python
"""Where FTS5's bm25 spends a ranking statement on SQLite, and what a ranking function of
our own could save (issue #17).

    .venv/bin/python bench/rank_idf.py --store STORE.db [--replica] [--top 15]

STORE.db is a SQLite store kept by ``bench/search.py --keep`` (read only).

1. **The statements.** The 240 queries of the mix (``search.standard_mix``) run through
   ``gongbao.search.search`` on the store; every statement that ranks with bm25 is caught
   as it is sent (its SQL and parameters).
2. **Each statement, three ways** (best of 3, warm cache): as gongbao runs it; with the
   score replaced by 0 (matching and paging alone); and **the idf floor**: FTS5 counting,
   over the whole index, each distinct phrase of the MATCH expression that has a weight
   (``sqlite_search.WEIGHTS``). bm25's idf is ``log((N - n + 0.5) / (n + 0.5))`` for the
   ``n`` rows holding the phrase, wherever they are: whoever computes bm25 with these
   phrases must know these counts, and FTS5 reads each phrase's whole posting list for it
   (positions checked for a phrase of several tokens).
3. **--replica** (needs apsw: ``pip install -e '.[bench]'``): bm25 computed in Python, as an
   FTS5 auxiliary function registered through apsw (Python's ``sqlite3`` cannot register
   one), the counts of step 2 supplied and each distinct phrase counted once per
   statement. Checked against FTS5's own bm25: the same rows, and scores equal to the last
   bit. Timed with its counts.

Prints the slowest statements and the sums.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sqlite3
import sys
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import gongbao.store.sqlite_search as sqlite_search  # noqa: E402
from gongbao.search import SearchQuery, search  # noqa: E402
from gongbao.store import open_store  # noqa: E402

from search import best_of, standard_mix  # noqa: E402

K1, B = 1.2, 0.75  # FTS5's bm25 constants (fts5_aux.c)
_BM25_CALL = re.compile(r"bm25\(search_fts[^)]*\)")
_QUOTED = r'"(?:[^"]|"")*"(?:\s*\*)?'
# The phrases of a MATCH expression as sqlite_search writes them, in FTS5's order (left to
# right): a column filter before one phrase or before a group of them, or none.
_PHRASES = re.compile(
    rf"\{{(?P<columns>[^}}]*)\}}:\s*(?:\((?P<group>[^()]*)\)|(?P<one>{_QUOTED}))|(?P<bare>{_QUOTED})"
)


Statement = tuple[dict[str, Any], str, tuple[Any, ...]]


def caught_statements(store_path: Path) -> list[Statement]:
    """(query, SQL, parameters) of every bm25 statement the mix sends to the store."""
    caught: list[Statement] = []
    current: dict[str, Any] = {}

    class Spy:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def execute(self, sql: str, params: Any = ()) -> Any:
            if "bm25(" in sql:
                caught.append((current, sql, tuple(params)))
            return self.db.execute(sql, params)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.db, name)

    original = sqlite_search.SQLiteBackend.matches

    def matches(backend: Any, plan: Any) -> Any:
        backend.db = Spy(backend.db)
        try:
            return original(backend, plan)
        finally:
            backend.db = backend.db.db

    sqlite_search.SQLiteBackend.matches = matches  # type: ignore[method-assign]
    try:
        with open_store(str(store_path)) as store:
            for params in standard_mix():
                current = params
                search(store, SearchQuery(**params))
    finally:
        sqlite_search.SQLiteBackend.matches = original  # type: ignore[method-assign]
    return caught


def phrases(expression: str, columns: list[str]) -> list[tuple[str, set[str]]]:
    """Each phrase of ``expression`` as a MATCH of its own (with its column filter) and the
    columns it is counted in, in FTS5's numbering."""
    found = []
    for match in _PHRASES.finditer(expression):
        if match["bare"]:
            found.append((match["bare"], set(columns)))
            continue
        named = set(match["columns"].split())
        prefix = "{" + match["columns"] + "}: "
        for quoted in re.findall(_QUOTED, match["group"] or match["one"]):
            found.append((prefix + quoted, named))
    return found


def weighted(columns: list[str]) -> Callable[[set[str]], bool]:
    weights = dict(zip(columns, sqlite_search.WEIGHTS))
    return lambda named: any(weights[c] for c in named)


def idf_counts(db: sqlite3.Connection, statement: Statement, columns: list[str]) -> tuple[list[Optional[int]], float]:
    """Rows holding each phrase of the statement's MATCH (None: no weight, scores nothing;
    each distinct phrase counted once), and the milliseconds the counting took."""
    has_weight = weighted(columns)
    counted: dict[str, int] = {}
    taken = 0.0
    counts: list[Optional[int]] = []
    for text, named in phrases(statement[2][0], columns):
        if not has_weight(named):
            counts.append(None)
            continue
        if text not in counted:
            (counted[text],), ms = best_of(
                lambda: db.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (text,)).fetchone())
            taken += ms
        counts.append(counted[text])
    return counts, taken


class Replica:
    """bm25 as fts5_aux.c computes it, in Python through apsw, with the idf counts given."""

    def __init__(self, store_path: Path) -> None:
        import apsw  # the bench extra; Python's sqlite3 cannot register an FTS5 function

        self.db = apsw.Connection(str(store_path), flags=apsw.SQLITE_OPEN_READONLY)
        self.weights = sqlite_search.WEIGHTS
        self.rows = self.tokens = 0

        def totals(api: Any, *_: Any) -> float:
            self.rows, self.tokens = api.row_count, api.column_total_size(-1)
            return 0.0

        self.db.register_fts5_function("totals", totals)  # rows and tokens of the index, as bm25 reads them
        self.db.execute("SELECT totals(search_fts) FROM search_fts LIMIT 1").fetchall()

    def run(self, statement: Statement, counts: list[Optional[int]]) -> list[tuple[int, float]]:
        idf: list[Optional[float]] = []
        for n in counts:
            value = None if n is None else math.log((self.rows - n + 0.5) / (n + 0.5))
            idf.append(None if value is None else (value if value > 0.0 else 1e-6))
        average = self.tokens / self.rows
        weights = self.weights

        def score(api: Any, *_: Any) -> float:
            size = api.column_size(-1)
            total = 0.0
            for phrase, weight in enumerate(idf):
                if weight is None:
                    continue
                frequency = 0.0
                for column, offsets in enumerate(api.phrase_locations(phrase)):
                    if offsets:
                        frequency += weights[column] * len(offsets)
                total += weight * ((frequency * (K1 + 1.0)) / (frequency + K1 * (1 - B + B * size / average)))
            return -1.0 * total

        self.db.register_fts5_function("bm25_given", score)
        _, sql, params = statement
        return self.db.execute(_BM25_CALL.sub("bm25_given(search_fts)", sql), params).fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path, help="A SQLite store kept by bench/search.py --keep.")
    parser.add_argument("--replica", action="store_true", help="Also bm25 in Python through apsw (the bench extra).")
    parser.add_argument("--top", type=int, default=15, help="Statements printed, slowest first (default 15).")
    args = parser.parse_args()
    statements = caught_statements(args.store)
    db = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    columns = [row[1] for row in db.execute("PRAGMA table_info(search_fts)")]
    replica = Replica(args.store) if args.replica else None
    lines, sums, differing = [], [0.0, 0.0, 0.0, 0.0], 0
    for statement in statements:
        query, sql, params = statement
        ranked, as_run = best_of(lambda: db.execute(sql, params).fetchall())
        _, unscored = best_of(lambda: db.execute(_BM25_CALL.sub("0", sql), params).fetchall())
        counts, floor = idf_counts(db, statement, columns)
        given = float("nan")
        if replica is not None:
            replicated, ms = best_of(lambda: replica.run(statement, counts))
            given = ms + floor
            differing += replicated != ranked
        for i, value in enumerate((as_run, unscored, floor, given)):
            sums[i] += value
        lines.append((as_run, unscored, floor, given, json.dumps(query, ensure_ascii=False)))
    print(f"{len(statements)} bm25 statements of {len({line[4] for line in lines})} queries"
          f" ({len(standard_mix())} in the mix), {args.store}")
    print(f"{'as run':>8} {'score 0':>8} {'idf floor':>9} {'replica':>8}  query (ms, best of 3)")
    for as_run, unscored, floor, given, query in sorted(lines, reverse=True)[:args.top]:
        print(f"{as_run:8.2f} {unscored:8.2f} {floor:9.2f} {given:8.2f}  {query}")
    print(f"{sums[0]:8.1f} {sums[1]:8.1f} {sums[2]:9.1f} {sums[3]:8.1f}  sum")
    if replica is not None:
        print(f"replica: {len(statements) - differing} of {len(statements)} statements gave the same rows and scores")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())

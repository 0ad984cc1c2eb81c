#!/usr/bin/env python
"""Weigh PostgreSQL options of issue #17 on a loaded store: where a unit's text check goes,
and the RUM access method (Debian's postgresql-15-rum) for date order and for phrases.

    .venv/bin/python bench/pg_options.py --db-url postgresql://… [--parts text,order,phrase]

The database is a store loaded by ``bench/scale.py --backend postgresql --db-url …``. The
script adds its own tables and indexes (``bench_*``) and drops them at the end; the store's
own rows are only read.

1. ``text`` — a unit of several bigrams is checked in each candidate's ``plain`` text
   (``strpos``, ``store.postgres_search._IN_TEXT``). For the candidates of ``--unit``, the
   time of reading every text (detoasting it: ``max`` under the C collation compares a
   few bytes) against ``strpos``; then the same texts copied into tables kept inline,
   compressed (``STORAGE MAIN``, lz4 / pglz, ``toast_tuple_target`` 8160).
2. ``order`` — the newest ``RANK_LIMIT`` matches of a word, as ``PgBackend._newest`` finds
   them (a window of the newest sids, widened by 4 until it holds them), against a RUM index
   ordering by the sid it carries (``rum_tsvector_addon_ops``, ``ORDER BY sid <=| max``) and
   a full pass (``ORDER BY sid + 0``); every word of the mix with more than RANK_LIMIT
   matches; the three must give the same rows. Prints the build time and size of the RUM
   index against the store's GIN index built again.
3. ``phrase`` — a bigram ``tsvector`` with positions (the bigram tokens of ``plain``, as
   FTS5 sees them on SQLite) under a RUM index (``rum_tsvector_ops``, which keeps positions
   in the index), so that ``<->`` is answered by the index: each longer word of the mix
   counted that way, against the GIN index plus ``strpos``. tsvector keeps positions up to
   16,383 and 256 per lexeme; the share of documents within both limits is printed (outside
   them ``<->`` would not be exact).

Each timing is the best of 3, on a warm cache. Parts 2 and 3 need ``CREATE EXTENSION rum``
(skipped with a note when the server lacks it).
"""
from __future__ import annotations

import argparse
import collections
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402

from gongbao.search.backend import RANK_LIMIT  # noqa: E402
from gongbao.search.tokenize import bigrams, clean  # noqa: E402
from gongbao.store.postgres_search import MAX_POSITION, lexeme  # noqa: E402

from search import LONGER, WORDS, best_of  # noqa: E402

POSITIONS_PER_LEXEME = 256  # what tsvector keeps of one lexeme (the store keeps 255 of a word)


def all_of(unit: str) -> str:
    """The GIN query of a unit: every one of its bigrams."""
    return " & ".join(map(lexeme, bigrams(unit)))


def text_part(conn: psycopg.Connection, unit: str) -> None:
    sids = conn.execute("SELECT array_agg(sid) FROM search_docs WHERE grams @@ %s::tsquery", (all_of(unit),)).fetchone()[0]
    size = conn.execute("SELECT sum(octet_length(plain)) FROM search_text WHERE sid = ANY(%s)", (sids,)).fetchone()[0]
    print(f"\n1. Checking {unit} in its {len(sids):,} candidates' texts ({size / 1e6:.0f} MB)")
    copies = [("search_text", None, None)]
    for compression in ("lz4", "pglz"):
        table = f"bench_text_{compression}"
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (sid bigint PRIMARY KEY, plain text) WITH (toast_tuple_target = 8160)")
        conn.execute(f"ALTER TABLE {table} ALTER COLUMN plain SET STORAGE MAIN, ALTER COLUMN plain SET COMPRESSION {compression}")
        conn.execute(f"INSERT INTO {table} SELECT sid, plain FROM search_text WHERE sid = ANY(%s)", (sids,))
        conn.execute(f"VACUUM ANALYZE {table}")
        copies.append((table, compression, conn.execute(f"SELECT pg_total_relation_size('{table}')").fetchone()[0]))
    for table, compression, stored in copies:
        where = f"FROM {table} AS t WHERE t.sid = ANY(%s)"
        _, read_ms = best_of(lambda: conn.execute(f'SELECT length(max(t.plain COLLATE "C")) {where}', (sids,)).fetchone())
        found, check_ms = best_of(lambda: conn.execute(
            f"SELECT count(*) {where} AND strpos(t.plain, %s) > 0", (sids, clean(unit))).fetchone()[0])
        label = "the store's (EXTERNAL, uncompressed)" if compression is None else f"inline, {compression} ({stored / 1e6:.0f} MB)"
        print(f"   {label:38s} read {read_ms:6.1f} ms, strpos {check_ms:6.1f} ms ({found:,} found;"
              f" {check_ms * 1000 / len(sids):.0f} µs a candidate)")
        if compression is not None:
            conn.execute(f"DROP TABLE {table}")


def order_part(conn: psycopg.Connection) -> None:
    conn.execute("SET maintenance_work_mem = '1GB'")
    print(f"\n2. The newest {RANK_LIMIT:,} matches of a word: a window of the newest sids, RUM ordering, a full pass")
    start = time.perf_counter()
    conn.execute("CREATE INDEX bench_grams_gin ON search_docs USING gin (grams)")
    gin_s = time.perf_counter() - start
    gin_size = conn.execute("SELECT pg_relation_size('bench_grams_gin')").fetchone()[0]
    conn.execute("DROP INDEX bench_grams_gin")
    start = time.perf_counter()
    conn.execute("CREATE INDEX bench_grams_rum ON search_docs USING rum (grams rum_tsvector_addon_ops, sid)"
                 " WITH (attach = 'sid', to = 'grams')")
    rum_s = time.perf_counter() - start
    rum_size = conn.execute("SELECT pg_relation_size('bench_grams_rum')").fetchone()[0]
    print(f"   build: GIN {gin_s:.0f} s, {gin_size / 1e6:.0f} MB; RUM with the sid {rum_s:.0f} s, {rum_size / 1e6:.0f} MB"
          f" ({rum_size / gin_size:.1f}× the size)")
    low, high = conn.execute("SELECT min(sid), max(sid) FROM search_docs").fetchone()
    count = high - low + 1
    newest = "SELECT d.sid FROM search_docs AS d WHERE d.grams @@ %s::tsquery {extra} ORDER BY d.sid + 0 DESC LIMIT %s"
    figures = []
    for word in WORDS:
        query = all_of(word)
        total = conn.execute("SELECT count(*) FROM search_docs WHERE grams @@ %s::tsquery", (query,)).fetchone()[0]
        if total <= RANK_LIMIT:
            continue
        full, full_ms = best_of(lambda: [r[0] for r in conn.execute(newest.format(extra=""), (query, RANK_LIMIT))])
        window, window_ms = math.ceil(1.5 * RANK_LIMIT * count / total), 0.0
        while True:  # as PgBackend._newest
            rows, ms = best_of(lambda: [r[0] for r in conn.execute(
                newest.format(extra="AND d.sid >= %s"), (query, low + count - window, RANK_LIMIT))])
            window_ms += ms
            if len(rows) == RANK_LIMIT or window >= count:
                break
            window *= 4
        conn.execute("SET enable_bitmapscan = off")  # the ordered index scan, as a RUM path would ask for it
        ordered, rum_ms = best_of(lambda: [r[0] for r in conn.execute(
            "SELECT d.sid FROM search_docs AS d WHERE d.grams @@ %s::tsquery ORDER BY d.sid <=| %s::bigint LIMIT %s",
            (query, high, RANK_LIMIT))])
        conn.execute("RESET enable_bitmapscan")
        if not full == rows == ordered:
            print(f"   ! {word}: the three ways give different rows")
        figures.append((window_ms, rum_ms, full_ms))
        print(f"   {word} {total:7,} matches: window {window_ms:6.1f} ms, RUM {rum_ms:6.1f} ms, full pass {full_ms:6.1f} ms")
    conn.execute("DROP INDEX bench_grams_rum")
    medians = [statistics.median(f[i] for f in figures) for i in range(3)]
    print(f"   median over {len(figures)} words: window {medians[0]:.1f} ms, RUM {medians[1]:.1f} ms, full pass {medians[2]:.1f} ms")


def positioned(plain: str) -> tuple[str, bool]:
    """The bigram tsvector of ``plain`` with positions, and whether tsvector keeps them all."""
    places: dict[str, list[int]] = collections.defaultdict(list)
    tokens = bigrams(plain)
    for place, token in enumerate(tokens, start=1):
        places[token].append(place)
    kept = len(tokens) <= MAX_POSITION and all(len(p) <= POSITIONS_PER_LEXEME for p in places.values())
    literal = " ".join(
        lexeme(token) + ":" + ",".join(str(min(p, MAX_POSITION)) for p in found[:POSITIONS_PER_LEXEME])
        for token, found in places.items()
    )
    return literal, kept


def phrase_part(conn: psycopg.Connection, url: str) -> None:
    print("\n3. A longer word as a phrase of positioned bigrams under RUM, against GIN + strpos")
    conn.execute("DROP TABLE IF EXISTS bench_positions")
    conn.execute("CREATE TABLE bench_positions (sid bigint PRIMARY KEY, grams tsvector NOT NULL, kept boolean NOT NULL)")
    start, documents, kept = time.perf_counter(), 0, 0
    with psycopg.connect(url) as reader, conn.cursor().copy("COPY bench_positions (sid, grams, kept) FROM STDIN") as copy:
        for sid, plain in reader.cursor(name="texts").execute("SELECT sid, plain FROM search_text ORDER BY sid"):
            literal, within = positioned(plain)
            copy.write_row((sid, literal, within))
            documents, kept = documents + 1, kept + within
    load_s = time.perf_counter() - start
    conn.execute("SET maintenance_work_mem = '2GB'")
    start = time.perf_counter()
    conn.execute("CREATE INDEX bench_positions_rum ON bench_positions USING rum (grams rum_tsvector_ops)")
    build_s = time.perf_counter() - start
    conn.execute("VACUUM ANALYZE bench_positions")
    size = conn.execute("SELECT pg_relation_size('bench_positions_rum')").fetchone()[0]
    print(f"   {documents:,} documents, {100 * kept / documents:.2f} % within tsvector's limits; vectors written in"
          f" {load_s:.0f} s, RUM index built in {build_s:.0f} s, {size / 1e6:.0f} MB")
    conn.execute("SET enable_seqscan = off")
    figures = []
    for word in LONGER:
        phrase = " <-> ".join(map(lexeme, bigrams(word)))
        found, rum_ms = best_of(lambda: conn.execute(
            "SELECT count(*) FROM bench_positions WHERE grams @@ %s::tsquery", (phrase,)).fetchone()[0])
        checked, strpos_ms = best_of(lambda: conn.execute(
            "SELECT count(*) FROM search_docs AS d WHERE d.grams @@ %s::tsquery AND strpos((SELECT t.plain FROM"
            " search_text AS t WHERE t.sid = d.sid), %s) > 0", (all_of(word), clean(word))).fetchone()[0])
        if found != checked:
            print(f"   ! {word}: RUM finds {found:,}, strpos {checked:,}")
        figures.append((rum_ms, strpos_ms))
        print(f"   {word:10s} {found:7,} documents: RUM {rum_ms:6.1f} ms, GIN + strpos {strpos_ms:6.1f} ms")
    conn.execute("RESET enable_seqscan")
    conn.execute("DROP TABLE bench_positions")
    rum, strpos = (statistics.median(f[i] for f in figures) for i in range(2))
    print(f"   median over {len(figures)} words: RUM {rum:.1f} ms, GIN + strpos {strpos:.1f} ms ({strpos / rum:.1f}×)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", required=True, help="A PostgreSQL store loaded by bench/scale.py.")
    parser.add_argument("--parts", default="text,order,phrase", help="Which parts to run (default all three).")
    parser.add_argument("--unit", default="有限空间", help="The unit whose candidates part 1 checks.")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    with psycopg.connect(args.db_url, autocommit=True) as conn:
        conn.execute("SET jit = off")
        version = conn.execute("SHOW server_version").fetchone()[0]
        (documents,) = conn.execute("SELECT count(*) FROM search_docs").fetchone()
        print(f"PostgreSQL {version}; {documents:,} documents; load average {os.getloadavg()[0]:.1f}")
        if "text" in parts:
            text_part(conn, args.unit)
        if parts & {"order", "phrase"}:
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS rum")
            except psycopg.Error as error:
                print(f"\nRUM is not available here ({error.diag.message_primary}): parts 2 and 3 skipped")
                return 0
            if "order" in parts:
                order_part(conn)
            if "phrase" in parts:
                phrase_part(conn, args.db_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Weigh FTS5 ``detail=column`` against the ``detail=full`` index gongbao keeps (issue #17).

    .venv/bin/python bench/fts_detail.py --store STORE.db [--rows 10000] [--rounds 3]

STORE.db is a SQLite store kept by ``bench/search.py --keep`` (read only).

1. **Writing.** The first ``--rows`` documents' index rows are rebuilt from the store's
   ``search_text`` exactly as ``sqlite_search`` writes them (words as stored, bigrams
   recomputed), then written into a fresh file with each ``detail`` in turn, alternating
   the order by round: 250 rows a transaction, then ``optimize``. Prints CPU seconds of the
   inserts and commits, of the merge, and the file size, each ``detail`` against ``full``.
2. **Reading.** ``detail=column`` keeps no positions, so FTS5 refuses phrase queries, and a
   unit of several bigrams (人工影响天气) could only be found as the rows holding all its
   bigrams, each then checked in its stored text. For the mix's longer words and phrases
   (``bench/search.py``), on the kept store: the bigram phrase counted by FTS5 today,
   against the AND of its bigrams plus that check (texts read from ``search_text``,
   decompressed, ``clean``ed, searched; best of 3).
"""
from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from gongbao.search.tokenize import bigram_text, bigrams, clean  # noqa: E402

from search import LONGER, PHRASES, best_of  # noqa: E402

BATCH = 250  # rows a transaction, about what 25 issues hold (bench/search.py writes 25 issues at once)
COLUMNS = "title_w, body_w, info_w, title_b, body_b, info_b, filters"
BIGRAM_COLUMNS = "{title_b body_b info_b}"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def index_rows(store: sqlite3.Connection, count: int) -> tuple[list[tuple[Any, ...]], float]:
    """The first ``count`` documents' FTS rows, as ``sqlite_search`` writes them, and the MB
    of their bodies (UTF-8)."""
    rows, body_bytes = [], 0
    for sid, title, body, info, words, filters in store.execute(
        "SELECT sid, title, body, info, words, filters FROM search_text ORDER BY sid LIMIT ?", (count,)
    ):
        body_text = zlib.decompress(body).decode("utf-8")
        body_bytes += len(body_text.encode("utf-8"))
        title_w, body_w, info_w = zlib.decompress(words).decode("utf-8").split("\x00")
        rows.append((sid, title_w, body_w, info_w, bigram_text(title), bigram_text(body_text), bigram_text(info), filters))
    return rows, body_bytes / 1e6


def write(rows: list[tuple[Any, ...]], detail: str, folder: str) -> tuple[float, float, int]:
    """CPU seconds of writing ``rows`` and of merging the index, and the file's size."""
    path = os.path.join(folder, f"fts-{detail}.db")
    for stale in (path, path + "-wal", path + "-shm"):
        if os.path.exists(stale):
            os.remove(stale)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5 ({COLUMNS},"
               f" content = '', tokenize = 'ascii', prefix = '9 10', detail = {detail})")
    start = _cpu()
    for i in range(0, len(rows), BATCH):
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO search_fts (rowid, {COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows[i:i + BATCH])
        db.execute("COMMIT")
    written = _cpu()
    db.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    merged = _cpu()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = os.path.getsize(path)
    os.remove(path)
    return written - start, merged - written, size


def unit_costs(store: sqlite3.Connection, unit: str) -> dict[str, Any]:
    """The bigram phrase of ``unit`` counted by FTS5, against its bigrams ANDed and each such
    row checked in its text."""
    grams = bigrams(unit)
    phrase = f'{BIGRAM_COLUMNS}: "{" ".join(grams)}"'
    anded = " AND ".join(f'{BIGRAM_COLUMNS}: "{gram}"' for gram in grams)
    found, phrase_ms = best_of(lambda: store.execute(
        "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", (phrase,)).fetchone()[0])
    candidates, and_ms = best_of(lambda: [sid for (sid,) in store.execute(
        "SELECT rowid FROM search_fts WHERE search_fts MATCH ?", (anded,))])
    wanted = clean(unit)

    def check() -> int:
        kept = 0
        for i in range(0, len(candidates), 500):
            chunk = candidates[i:i + 500]
            for title, body, info in store.execute(
                f"SELECT title, body, info FROM search_text WHERE sid IN ({', '.join('?' * len(chunk))})", chunk
            ):
                texts = (title, zlib.decompress(body).decode("utf-8"), info)
                kept += any(wanted in clean(text) for text in texts)
        return kept

    kept, check_ms = best_of(check)
    return {"unit": unit, "bigrams": len(grams), "found": found, "candidates": len(candidates), "kept": kept,
            "phrase_ms": phrase_ms, "and_ms": and_ms, "check_ms": check_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path, help="A SQLite store kept by bench/search.py --keep.")
    parser.add_argument("--rows", type=int, default=10_000, help="Documents written with each detail (default 10,000).")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of writing, alternating the order (default 3).")
    args = parser.parse_args()
    store = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    (documents,) = store.execute("SELECT count(*) FROM search_docs").fetchone()
    print(f"store {args.store}: {documents:,} documents; load average {os.getloadavg()[0]:.1f}", flush=True)

    rows, body_mb = index_rows(store, args.rows)
    print(f"\n1. Writing {len(rows):,} documents' index rows ({body_mb:.1f} MB of bodies), {BATCH} a transaction")
    figures: dict[str, list[tuple[float, float, int]]] = {"full": [], "column": []}
    with tempfile.TemporaryDirectory(prefix="fts-detail-") as folder:
        for round_number in range(args.rounds):
            order = ("full", "column") if round_number % 2 == 0 else ("column", "full")
            for detail in order:
                figures[detail].append(write(rows, detail, folder))
                written, merged, size = figures[detail][-1]
                print(f"   round {round_number + 1} detail={detail:6s} write {written:6.2f} CPU-s"
                      f"  merge {merged:5.2f} CPU-s  {size / 1e6:6.1f} MB", flush=True)
    medians = {d: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), v[-1][2])
               for d, v in figures.items()}
    for detail, (written, merged, size) in medians.items():
        print(f"   detail={detail:6s} median: write {written:.2f} CPU-s ({body_mb / written:.1f} MB of bodies a CPU-second),"
              f" merge {merged:.2f}, {size / 1e6:.0f} MB")
    full, column = medians["full"], medians["column"]
    print(f"   column against full: write {full[0] / column[0]:.2f}× less CPU, merge {full[1] / column[1]:.2f}×,"
          f" file {full[2] / column[2]:.2f}× smaller")

    print("\n2. A unit of several bigrams: phrase (detail=full) against AND of bigrams + text check (detail=column)")
    print(f"   {'unit':12s} {'bigrams':>7s} {'phrase':>7s} {'ms':>6s} | {'AND':>7s} {'ms':>6s} {'check ms':>9s} {'µs/row':>7s}")
    costs = []
    for unit in LONGER + [p.strip('"') for p in PHRASES]:
        if len(bigrams(unit)) < 2:
            continue
        cost = unit_costs(store, unit)
        if cost["kept"] != cost["found"]:
            print(f"   ! {unit}: the check kept {cost['kept']} rows, the phrase finds {cost['found']}")
        costs.append(cost)
        per_row = cost["check_ms"] * 1000 / max(1, cost["candidates"])
        print(f"   {unit:12s} {cost['bigrams']:7d} {cost['found']:7d} {cost['phrase_ms']:6.1f} |"
              f" {cost['candidates']:7d} {cost['and_ms']:6.1f} {cost['check_ms']:9.1f} {per_row:7.0f}", flush=True)
    phrase_ms = statistics.median(c["phrase_ms"] for c in costs)
    column_ms = statistics.median(c["and_ms"] + c["check_ms"] for c in costs)
    print(f"   median over {len(costs)} units: phrase {phrase_ms:.1f} ms; AND + check {column_ms:.1f} ms"
          f" ({column_ms / phrase_ms:.0f}× slower)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

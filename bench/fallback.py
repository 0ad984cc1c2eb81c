#!/usr/bin/env python
"""Substring fallback: character bigrams in FTS5 vs FTS5 trigrams + LIKE, measured on the corpus.

    .venv/bin/python bench/fallback.py [--scales 1,50]

Both index the titles and bodies of the corpus documents (scale 1: the 113 documents of
the three issues; scale n: n copies, to make times measurable):

- **bigram**: ``gongbao.search.tokenize.bigram_text`` into a contentless FTS5 table
  (``tokenize='ascii'``); any string of n ≥ 2 characters is the phrase of its bigrams;
- **trigram**: FTS5's ``trigram`` tokenizer over the raw text; strings of ≥ 3 characters
  are MATCHed, 2-character ones (most Chinese words) need ``LIKE '%安全%'``, which the
  trigram index cannot serve: a scan of every text.

Printed: index size (the FTS5 shadow tables; the texts themselves are stored in both
designs, in ``search_text``), build time, and the median time of counting the documents
containing 2-character words and 3–6-character strings. Results are checked against
Python's ``in``.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from gongbao.search.index import body_text  # noqa: E402
from gongbao.search.tokenize import bigrams, bigram_text, normalize  # noqa: E402

import synthetic  # noqa: E402

TWO = ["安全", "煤矿", "任免", "燃气", "消防", "电梯", "甲醇", "秸秆", "事故", "旅游", "火灾", "污染"]
LONGER = ["非法集资", "全域旅游", "司法协理员", "加装电梯", "地质灾害", "有限空间", "重大火灾隐患", "消防工作站",
          "安全生产", "应急预案", "挂牌督办", "高质量发展"]


def texts() -> list[tuple[str, str]]:
    templates = synthetic.Templates()
    return [(r["title"], body_text(r)) for _, records in templates.issues for r in records]


def build(path: Path, kind: str, docs: list[tuple[str, str]], scale: int) -> tuple[float, int]:
    db = sqlite3.connect(path)
    if kind == "bigram":
        db.execute("CREATE VIRTUAL TABLE f USING fts5(title, body, content='', tokenize='ascii')")
    else:
        db.execute("CREATE VIRTUAL TABLE f USING fts5(title, body, tokenize='trigram')")
    started = time.perf_counter()
    rowid = 0
    for _ in range(scale):
        rows = []
        for title, body in docs:
            rowid += 1
            if kind == "bigram":
                rows.append((rowid, bigram_text(title), bigram_text(body)))
            else:
                rows.append((rowid, normalize(title), normalize(body)))
        db.executemany("INSERT INTO f (rowid, title, body) VALUES (?, ?, ?)", rows)
    db.execute("INSERT INTO f (f) VALUES ('optimize')")
    db.commit()
    seconds = time.perf_counter() - started
    # Index size: the shadow tables without the text (trigram keeps it in f_content).
    size = 0
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'f_%'"):
        if table != "f_content":
            size += _table_bytes(db, table)
    db.close()
    return seconds, size


def _table_bytes(db: sqlite3.Connection, table: str) -> int:
    # Without the dbstat extension: the bytes of the rows (payload), a lower bound of pages.
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    expression = " + ".join(f"coalesce(length(CAST({c} AS BLOB)), 8)" for c in columns)
    return db.execute(f"SELECT coalesce(sum({expression}), 0) FROM {table}").fetchone()[0]


def count(db: sqlite3.Connection, kind: str, term: str) -> int:
    if kind == "bigram":
        match = '"' + " ".join(bigrams(term)) + '"'
        return db.execute("SELECT count(*) FROM f WHERE f MATCH ?", (match,)).fetchone()[0]
    if len(term) >= 3:
        return db.execute("SELECT count(*) FROM f WHERE f MATCH ?", (f'"{term}"',)).fetchone()[0]
    like = f"%{term}%"
    return db.execute("SELECT count(*) FROM f WHERE title LIKE ? OR body LIKE ?", (like, like)).fetchone()[0]


def timed(db: sqlite3.Connection, kind: str, terms: list[str], expected: dict[str, int]) -> float:
    times = []
    for term in terms:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            found = count(db, kind, term)
            best = min(best, time.perf_counter() - started)
        assert found == expected[term], (kind, term, found, expected[term])
        times.append(best * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,50")
    args = parser.parse_args()
    docs = texts()
    chars = sum(len(t) + len(b) for t, b in docs)
    print(f"corpus: {len(docs)} documents, {chars:,} characters of title and body")
    for scale in (int(s) for s in args.scales.split(",")):
        expected = {
            term: scale * sum(1 for t, b in docs if term in normalize(t) or term in normalize(b))
            for term in TWO + LONGER
        }
        print(f"\n× {scale}: {len(docs) * scale:,} documents, {chars * scale / 1e6:.1f} M characters")
        print(f"{'':8s} {'index MB':>9s} {'build s':>8s} {'2-char ms':>10s} {'3–6-char ms':>12s}")
        with tempfile.TemporaryDirectory() as tmp:
            for kind in ("bigram", "trigram"):
                path = Path(tmp) / f"{kind}.db"
                seconds, size = build(path, kind, docs, scale)
                db = sqlite3.connect(path)
                two, longer = timed(db, kind, TWO, expected), timed(db, kind, LONGER, expected)
                db.close()
                print(f"{kind:8s} {size / 1e6:9.2f} {seconds:8.2f} {two:10.2f} {longer:12.2f}"
                      f"   (file {os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

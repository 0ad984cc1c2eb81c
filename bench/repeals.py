#!/usr/bin/env python
"""Cost of recording one issue's repeals (``gongbao.store.repeals.record_repeals``) against the
size of the store, before and after the index of migration 0006 (issue #17).

    nice -n 10 .venv/bin/python bench/repeals.py [--sizes 10000,100000] [--before 251e96e]

For each size, a SQLite store is filled with synthetic issues (``bench/synthetic.py``: the
shared corpus moved over the regions and years of ``bench/scale.py``, layer records included) —
rows written as ``save_parse`` writes them, without the search index, which plays no part
here — and the repeal index is built the way a rebuild builds it (``record_repeals`` with
no issue; timed: it must stay linear). Then two issues are stored and timed, each inside a
savepoint rolled back after it, with the current ``record_repeals`` and with the one of
``--before`` (loaded from git): one that repeals stored documents (by 文号 and by title), and
one holding a document a stored repeal cites — both directions of the matching. Wall and
CPU seconds are the median of ``--repeats`` runs; the ratio of the largest to the smallest
size is what the index removes.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from gongbao.pipeline import parse_text  # noqa: E402
from gongbao.export import document_records  # noqa: E402
from gongbao.model import gazette_id  # noqa: E402
from gongbao.store import open_store  # noqa: E402
from gongbao.store import sqlite as sqlite_store  # noqa: E402
from gongbao.store.layers import LayerRows  # noqa: E402
from gongbao.store.repeals import record_repeals  # noqa: E402
from gongbao.store.rows import IssueRows  # noqa: E402

import scale  # noqa: E402  slot: synthetic issues spread over regions and years
import synthetic  # noqa: E402


def repeals_of(revision: str) -> Callable[..., None]:
    """``record_repeals`` as it was at ``revision`` (a module of gongbao.store, from git)."""
    text = subprocess.run(["git", "-C", str(HERE.parent), "show", f"{revision}:src/gongbao/store/repeals.py"],
                          check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "repeals_before.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("gongbao.store.repeals_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.record_repeals


def issue_text(year: int, number: int, title: str, clause: str) -> str:
    """A 盂县 issue of one notice carrying one 办法 whose last article says ``clause``."""
    return f"""盂县人民政府公报
{year}年第{number}期

盂县人民政府文件

盂政发〔{year}〕{number}号

盂县人民政府
关于印发{title}的通知

各乡（镇）人民政府，县直各有关单位：

　　《{title}》已经县人民政府同意，现印发给你们，请认真贯彻执行。

盂县人民政府

{year}年3月1日

（此件公开发布）

{title}

　　第一条　为加强管理，制定本办法。

　　第二条　本办法自{year}年12月1日起施行。{clause}
"""


def fill(db: Any, templates: synthetic.Templates, documents: int) -> tuple[int, dict[str, Any]]:
    """Synthetic issues until ``documents`` are stored; returns the count and a stored document with a 文号."""
    stored, number, numbered = 0, 0, None
    while stored < documents:
        # Every template in turn (scale.slot runs through its regions and years first).
        result, records = synthetic.issue(templates, number, layers=True,
                                          slot=(number % len(templates.issues), *scale.slot(templates, number)[1:]))
        gid = gazette_id(result)
        issue = IssueRows.build(result, records, gid)
        with sqlite_store._transaction(db):
            sqlite_store._insert_issue(db, issue, ingested_at="2026-12-06T00:00:00Z")
            sqlite_store._insert_layers(db, LayerRows.build(result, gid))
        stored += len(records)
        number += 1
        if numbered is None:
            numbered = next((r for r in records if r.get("doc_number")), None)
    return stored, numbered


def timed(db: Any, text: str, name: str, record: Callable[..., None], repeats: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of storing ``text``'s rows and recording its repeals, rolled back."""
    result = parse_text(text, name)
    gid = gazette_id(result)
    issue, layers = IssueRows.build(result, document_records(result), gid), LayerRows.build(result, gid)
    walls, cpus = [], []
    for _ in range(repeats):
        db.execute("BEGIN")
        try:
            sqlite_store._insert_issue(db, issue, ingested_at="2026-12-06T00:00:00Z")
            sqlite_store._insert_layers(db, layers)
            wall, cpu = time.perf_counter(), time.process_time()
            record(lambda sql, params: db.execute(sql, params).fetchall(), db.executemany, gid)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            found = db.execute("SELECT count(*) FROM validity_repeals").fetchone()[0]
        finally:
            db.execute("ROLLBACK")
    return statistics.median(walls), statistics.median(cpus), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="stored documents, comma separated")
    parser.add_argument("--before", default="251e96e", help="git revision of the old record_repeals")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=synthetic.CORPUS)
    args = parser.parse_args()
    before = repeals_of(args.before)
    templates = synthetic.Templates(args.corpus)
    rows: list[tuple[Any, ...]] = []
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "bench.db") as store:
            db = store._db
            stored, cited = fill(db, templates, size)
            wall, cpu = time.perf_counter(), time.process_time()
            with sqlite_store._transaction(db):
                record_repeals(lambda sql, params: db.execute(sql, params).fetchall(), db.executemany)
            rebuild = (time.perf_counter() - wall, time.process_time() - cpu)
            # Repeals a stored document by 文号 (its notice) and by title; cites a title nobody stored.
            repealing = issue_text(2025, 90, "盂县城区集中供热管理办法", f"《{cited['title']}》（{cited['doc_number']}）"
                                   "同时废止。《盂县农村饮水安全工程运行管理办法（试行）》同时废止。")
            # Holds a document whose 文号 and title stored repeals may cite.
            repealed = issue_text(2025, 91, "盂县城乡环境卫生管理办法", "")
            line = [stored, *rebuild]
            for text, name in ((repealing, "repealing.txt"), (repealed, "repealed.txt")):
                for record in (before, record_repeals):
                    line += timed(db, text, name, record, args.repeats)
            rows.append(tuple(line))
            print(f"{stored} documents stored; rebuilding the repeal index {rebuild[0]:.1f} s", flush=True)
    print("\nseconds (median of %d), wall / CPU; 'found': validity_repeals rows after it" % args.repeats)
    print(f"{'documents':>10} {'rebuild s':>10} | {'repealing: before':>22} {'after':>17} | "
          f"{'repealed: before':>22} {'after':>17}")
    for stored, rb_wall, _, *cells in rows:
        parts = [f"{cells[i]:7.4f} / {cells[i + 1]:7.4f} ({cells[i + 2]})" for i in range(0, 12, 3)]
        print(f"{stored:>10} {rb_wall:>10.1f} | {parts[0]:>22} {parts[1]:>17} | {parts[2]:>22} {parts[3]:>17}")
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        print(f"\n{large[0] / small[0]:.1f}× the documents: time × (wall, CPU)")
        for label, i in (("repealing, before", 3), ("repealing, after", 6), ("repealed, before", 9),
                         ("repealed, after", 12)):
            print(f"  {label:18} {large[i] / small[i]:6.2f} {large[i + 1] / small[i + 1]:6.2f}")
        print(f"  rebuild            {large[1] / small[1]:6.2f} {large[2] / small[2]:6.2f}")


if __name__ == "__main__":
    main()

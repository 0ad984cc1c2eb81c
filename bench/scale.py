#!/usr/bin/env python
"""Scale benchmark: ingest, store size, search, facets and export at 10k / 100k / 1M documents.

    .venv/bin/python bench/scale.py [--backend sqlite|postgresql|both] [--sizes 10000,100000,1000000]
                                    [--workers 2] [--db-url postgresql://…] [--dir /tmp] [--json out.json]
    .venv/bin/python bench/scale.py --render sqlite.json postgresql.json [-o bench/RESULTS.md]

1. **Corpus, generated at run time.** The three shared issues are parsed once
   (``bench/synthetic.py``); issue *n* is then recombined from one of them: moved to one of
   407 real counties (region name and agency short form replaced), a year 2010–2024 and an
   issue number (the pair (county, year) runs through all combinations before an issue
   number repeats, so no gazette id repeats up to 73,260 issues ≈ 2.7M documents), new
   文号 and 成文日期, a third of the paragraphs swapped for random paragraphs of other
   documents, the template's extracted layer records kept. Each issue gets a source text
   (its documents' titles, 文号, 主送, paragraphs, 署名 and dates, ~6 KB per document as in
   the real issues), stored as an ingested source is. Nothing is written to disk but the store.
2. **Load, cumulative.** ``--workers`` processes generate issues and run the backend's
   ``prepare_issue`` (serialize + tokenize, no store needed); the main process writes
   batches of 25 issues per transaction (``add_prepared``), or ``save_parse`` one issue at
   a time for a backend without a bulk path. The store grows to each size in turn and the
   search index is merged (``optimize_search_index``) before measuring.
   *Ingest time* = wall time of that step: generation + tokenizing in the workers
   (overlapped with) writing, commit and index merge. Parsing is not included (the
   documents are recombined records, not parsed text): ``bench/ingest.py`` measures it.
3. **Measure at each size:** store size (SQLite file + WAL; PostgreSQL
   ``pg_database_size``), the 240-query mix of ``bench/search.py`` (p50/p95 through
   ``gongbao.search.search``, one warm-up pass), browse with facets (the mix's 8 filtered
   browses plus browsing all documents newest and oldest first, three passes), export (``gongbao.export.write_jsonl`` over
   ``Store.list_documents()`` of every document, to /dev/null).
4. **Ratios** between consecutive sizes: ingest seconds per document of the step, search
   p95, browse p95, export documents/s.

The code under measure is frozen: ``src/gongbao`` and ``bench/*.py`` are copied to a
temporary folder at the start and the script re-executes from there, so a run of an hour
measures one version of the library while others edit ``src/``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
FROZEN = os.environ.get("GONGBAO_SCALE_FROZEN")
LIVE_ROOT = Path(os.environ.get("GONGBAO_SCALE_ROOT", HERE.parent))
if FROZEN:
    sys.path.insert(0, str(HERE))  # the frozen copy: gongbao/ and the bench scripts side by side
else:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "src"))

import gongbao  # noqa: E402  (first, so every submodule comes from the same copy)
from gongbao.export import write_jsonl  # noqa: E402
from gongbao.model import SourceText  # noqa: E402
from gongbao.search import SearchQuery, search  # noqa: E402
from gongbao.store import open_store  # noqa: E402

import search as search_bench  # noqa: E402  bench/search.py: query_mix, run_mix, percentiles
import synthetic  # noqa: E402

CORPUS = LIVE_ROOT.parent / "shared" / "corpus"
YEARS = 15  # 2010–2024
ISSUES = 12
BATCH_ISSUES = search_bench.BATCH_ISSUES  # issues per write transaction
DOCS_PER_ISSUE = 38  # average of the three templates (47, 23, 43): how far ahead to generate


# -- the corpus ---------------------------------------------------------------------------------


def slot(templates: synthetic.Templates, number: int) -> tuple[int, int, int, int]:
    """(template, region, year, issue number) of issue ``number``: (region, year) runs through
    all pairs (Chinese remainder: 407 regions and 15 years are coprime) before the issue
    number moves on, so every issue has a gazette id of its own."""
    regions = len(templates.regions)
    assert math.gcd(regions, YEARS) == 1, "region count must be coprime with the year count"
    cycle = regions * YEARS
    if number >= cycle * ISSUES:
        raise ValueError(f"issue {number}: only {cycle * ISSUES} distinct gazette ids")
    return (number // regions) % len(templates.issues), number % regions, 2010 + number % YEARS, 1 + number // cycle


def make_issue(templates: synthetic.Templates, number: int):
    """One synthetic issue with a source text of its documents (so the store holds as
    much text as for a real issue)."""
    result, records = synthetic.issue(templates, number, slot=slot(templates, number), layers=True)
    g = result.gazette
    lines = [g.title or "", f"{g.year}年第{g.issue}期", ""]
    for r in records:
        recipients = r.get("recipients")
        lines += [r.get("title") or "", r.get("doc_number") or "",
                  "、".join(recipients) if isinstance(recipients, list) else (recipients or "")]
        lines += [p.get("text") or "" for p in r.get("paragraphs") or []]
        signed = r.get("signed_by")
        lines += ["　".join(signed) if isinstance(signed, list) else (signed or ""), r.get("date") or "", ""]
    text = "\n".join(line for line in lines if line)
    raw = text.encode("utf-8")
    result.source = SourceText(
        name=f"scale_{number:07d}.txt", text=text, sha256=hashlib.sha256(raw).hexdigest(),
        encoding="utf-8", size_bytes=len(raw),
    )
    return result, records


# -- workers --------------------------------------------------------------------------------------

_W: dict[str, Any] = {}


def _init_worker(corpus: str, prepare: Optional[str]) -> None:
    _W["templates"] = synthetic.Templates(Path(corpus))
    _W["prepare"] = None
    if prepare:
        module, name = prepare.split(":")
        _W["prepare"] = getattr(__import__(module, fromlist=[name]), name)
        from gongbao.search.tokenize import Tokenizer

        _W["tokenizer"] = Tokenizer()


def _make(number: int):
    cpu = time.process_time()
    result, records = make_issue(_W["templates"], number)
    payload = _W["prepare"](result, records, _W["tokenizer"]) if _W["prepare"] else (result, records)
    return payload, len(records), result.source.size_bytes, time.process_time() - cpu


# -- backends -----------------------------------------------------------------------------------------


class Backend:
    """A store being loaded, with how to bulk-write it and measure its size."""

    name = ""
    prepare: Optional[str] = None  # "module:function" run in the workers, or None (save_parse)
    note = ""

    def __init__(self) -> None:
        self.store: Any = None

    def write(self, batch: list) -> None:
        if self.prepare:
            self.store.add_prepared(batch)
        else:
            for result, records in batch:
                self.store.save_parse(result, records)

    def optimize(self) -> None:
        self.store.optimize_search_index()

    def size_bytes(self) -> int:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


class SQLiteBackend(Backend):
    name = "sqlite"
    prepare = "gongbao.store.sqlite:prepare_issue"

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.path = folder / "scale.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.store = open_store(self.path)
        self.note = f"SQLite file {self.path}"

    def size_bytes(self) -> int:
        return sum(os.path.getsize(f"{self.path}{s}") for s in ("", "-wal") if os.path.exists(f"{self.path}{s}"))

    def version(self) -> str:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"

    def close(self) -> None:
        super().close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, url: Optional[str]) -> None:
        super().__init__()
        self.cluster = None
        if url is None:
            from gongbao.store.pg_cluster import TemporaryCluster

            self.cluster = TemporaryCluster().start()
            url = self.cluster.url
            self.note = f"TemporaryCluster (settings {self.cluster.settings})"
        else:
            self.note = "--db-url"
        self.url = url
        self.store = open_store(url)
        self.prepare = f"{type(self.store).__module__}:prepare_issue"
        self.note += f"; bulk path {self.prepare} + add_prepared"

    def _scalar(self, sql: str) -> Any:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchone()[0] if cursor.description else None

    def size_bytes(self) -> int:
        return int(self._scalar("SELECT pg_database_size(current_database())"))

    def version(self) -> str:
        return "PostgreSQL " + str(self._scalar("SHOW server_version"))

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.cluster is not None:
                self.cluster.stop()


# -- loading and measuring -----------------------------------------------------------------------------


def grow(backend: Backend, pool, first: int, have: int, target: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Add issues from number ``first`` on until the store holds ``target`` documents."""
    number, pending, batch = first, [], []
    window = 4 * max(1, pool._processes)  # noqa: SLF001 — results in flight, bounding memory
    docs = nbytes = issues = 0
    worker_cpu, loads = 0.0, []
    wall, cpu = time.perf_counter(), time.process_time()
    last_log = wall
    while have + docs < target or pending:
        while have + docs + DOCS_PER_ISSUE * len(pending) < target and len(pending) < window:
            pending.append(pool.apply_async(_make, (number,)))
            number += 1
        if not pending:
            break
        payload, n, size, wcpu = pending.pop(0).get()
        batch.append(payload)
        docs, nbytes, issues, worker_cpu = docs + n, nbytes + size, issues + 1, worker_cpu + wcpu
        if len(batch) >= BATCH_ISSUES or (not pending and have + docs >= target):
            backend.write(batch)
            batch = []
            now = time.perf_counter()
            if now - last_log >= 60:
                loads.append(os.getloadavg()[0])
                log(f"  {have + docs:,} documents, {docs / (now - wall):.0f} docs/s, load {loads[-1]:.1f}")
                last_log = now
    if batch:
        backend.write(batch)
    write_s = time.perf_counter() - wall
    backend.optimize()
    loads.append(os.getloadavg()[0])
    return {
        "next": number, "issues": issues, "docs": docs, "bytes": nbytes, "seconds": time.perf_counter() - wall,
        "write_seconds": write_s, "optimize_seconds": time.perf_counter() - wall - write_s,
        "main_cpu": time.process_time() - cpu, "worker_cpu": worker_cpu, "load": loads,
    }


def build_queries(templates: synthetic.Templates) -> list[dict[str, Any]]:
    """The fixed mix of bench/search.py, on the first issues (stored at every size)."""
    return search_bench.standard_mix([make_issue(templates, n) for n in range(6)])


def measure(backend: Backend, queries: list[dict[str, Any]], repeat: int) -> dict[str, Any]:
    store = backend.store
    out: dict[str, Any] = {"documents": store.stats()["documents"], "store_bytes": backend.size_bytes()}
    def timed(cpu: list[float]) -> Callable[[dict[str, Any]], Any]:
        def call(params: dict[str, Any]) -> Any:  # also this process's CPU time (SQLite runs in it)
            t = time.process_time()
            found = search(store, SearchQuery(**params))
            cpu.append((time.process_time() - t) * 1000)
            return found
        return call

    started, cpu = time.perf_counter(), []
    timings = search_bench.run_mix(timed(cpu), queries, repeat)
    cpu = cpu[-len(timings):]  # without the warm-up pass
    out["search"] = {"p50": search_bench.percentiles(timings)[0], "p95": search_bench.percentiles(timings)[1],
                     "max": max(timings), "queries": len(timings), "seconds": time.perf_counter() - started,
                     "cpu_p50": search_bench.percentiles(cpu)[0], "cpu_p95": search_bench.percentiles(cpu)[1]}
    # The mix's browses with filters, plus browsing everything (cut from the 200 of the mix).
    browse = [q for q in queries if not q.get("q")] + [{}, {"sort": "oldest"}]
    cpu = []
    timings = search_bench.run_mix(timed(cpu), browse, 3)
    cpu = cpu[-len(timings):]
    everything = [t for i, t in enumerate(timings) if browse[i % len(browse)] == {}]
    p50, p95 = search_bench.percentiles(timings)
    out["browse"] = {"p50": p50, "p95": p95, "max": max(timings), "queries": len(browse),
                     "all_documents_ms": statistics.median(everything),
                     "cpu_p50": search_bench.percentiles(cpu)[0], "cpu_p95": search_bench.percentiles(cpu)[1]}
    if hasattr(store, "explain_search"):
        out["browse"]["facet_phase_all_ms"] = min(
            sum(store.explain_search(SearchQuery())["timings"][phase] for phase in ("count", "facets"))
            for _ in range(3))
    started = time.perf_counter()

    class Count:
        n = 0

        def write(self, s: str) -> None:
            self.n += len(s.encode("utf-8"))

    sink, cpu0 = Count(), time.process_time()
    n = write_jsonl(store.list_documents(), sink)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    out["export"] = {"documents": n, "seconds": seconds, "docs_per_s": n / seconds, "mb_per_s": sink.n / 1e6 / seconds,
                     "cpu_seconds": time.process_time() - cpu0}
    out["load_after"] = os.getloadavg()[0]
    return out


def calibrate(templates: synthetic.Templates, prepare: Optional[str]) -> dict[str, float]:
    """CPU cost per document of generation alone and of generation + prepare, in this process."""
    t = time.process_time()
    items = [make_issue(templates, 70_000 + n) for n in range(60)]
    docs = sum(len(r) for _, r in items)
    out = {"generate_ms_per_doc": (time.process_time() - t) * 1000 / docs}
    if prepare:
        from gongbao.search.tokenize import Tokenizer

        module, name = prepare.split(":")
        fn = getattr(__import__(module, fromlist=[name]), name)
        tok = Tokenizer()
        fn(*items[0], tok)
        t = time.process_time()
        for result, records in items:
            fn(result, records, tok)
        out["prepare_ms_per_doc"] = (time.process_time() - t) * 1000 / docs
    return out


def run_backend(kind: str, args, templates, queries, log, result: dict[str, Any], save: Callable[[], None]) -> None:
    started = time.perf_counter()
    backend: Backend = SQLiteBackend(args.dir) if kind == "sqlite" else PostgresBackend(args.db_url)
    result.update(note=backend.note, version=backend.version())
    log(f"== {kind}: {backend.note}; {backend.version()}")
    try:
        result["calibration"] = calibrate(templates, backend.prepare)
        log(f"   CPU per document in one process: {result['calibration']}")
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.workers, _init_worker, (str(args.corpus), backend.prepare)) as pool:
            number, have = 0, 0
            for size in args.sizes:
                step = grow(backend, pool, number, have, size, log)
                number, have = step["next"], have + step["docs"]
                log(f"   loaded to {have:,} documents: {step['docs']:,} in {step['seconds']:.0f} s"
                    f" ({step['docs'] / step['seconds']:.0f} docs/s; optimize {step['optimize_seconds']:.0f} s)")
                step.update(measure(backend, queries, args.repeat))
                step["target"] = size
                result["steps"].append(step)
                log(format_step(step))
                result["seconds"] = time.perf_counter() - started
                save()
    finally:
        backend.close()
    result["seconds"] = time.perf_counter() - started


# -- reporting -----------------------------------------------------------------------------------------------

HEADER = (f"{'backend':10s} {'documents':>10s} {'ingest s':>9s} {'docs/s':>7s} {'MB/s':>6s} {'KB/doc':>7s}"
          f" {'search p50':>10s} {'p95 ms':>7s} {'browse p50':>10s} {'p95 ms':>7s} {'export docs/s':>13s} {'load ingest/measure':>19s}")


def format_step(s: dict[str, Any], backend: str = "") -> str:
    load = f"{statistics.mean(s['load']):.1f}/{s['load_after']:.1f}"  # mean while loading / after measuring
    return (f"{backend:10s} {s['documents']:>10,} {s['seconds']:9.0f} {s['docs'] / s['seconds']:7.0f}"
            f" {s['bytes'] / 1e6 / s['seconds']:6.2f} {s['store_bytes'] / 1e3 / s['documents']:7.1f}"
            f" {s['search']['p50']:10.1f} {s['search']['p95']:7.1f} {s['browse']['p50']:10.1f} {s['browse']['p95']:7.1f}"
            f" {s['export']['docs_per_s']:13.0f} {load:>19s}")


def ratios(steps: list[dict[str, Any]]) -> list[str]:
    lines = []
    for a, b in zip(steps, steps[1:]):
        per_doc = (b["seconds"] / b["docs"]) / (a["seconds"] / a["docs"])
        lines.append(
            f"{b['documents']:,} vs {a['documents']:,} documents ({b['documents'] / a['documents']:.1f}×):"
            f" ingest s/doc {per_doc:.2f}× (1 = linear),"
            f" writer CPU s/doc {(b['main_cpu'] / b['docs']) / (a['main_cpu'] / a['docs']):.2f}×, search p95 {b['search']['p95'] / a['search']['p95']:.2f}×,"
            f" search p50 {b['search']['p50'] / a['search']['p50']:.2f}×,"
            f" browse p95 {b['browse']['p95'] / a['browse']['p95']:.2f}×,"
            f" export docs/s {b['export']['docs_per_s'] / a['export']['docs_per_s']:.2f}×,"
            f" store KB/doc {(b['store_bytes'] / b['documents']) / (a['store_bytes'] / a['documents']):.2f}×")
    return lines


def machine() -> dict[str, Any]:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception:  # noqa: BLE001
            return ""

    model = sh("lscpu | sed -n 's/^Model name: *//p'")
    hypervisor = sh("lscpu | sed -n 's/^Hypervisor vendor: *//p'")
    mem_kb = sh("sed -n 's/^MemTotal: *\\([0-9]*\\).*/\\1/p' /proc/meminfo")
    disk = sh(f"df -h --output=source,size,avail {tempfile.gettempdir()} | tail -1").split()
    return {
        "cpus": os.cpu_count(), "cpu_model": model + (f" ({hypervisor} VM)" if hypervisor else ""),
        "memory": f"{int(mem_kb) / 1024 ** 2:.1f} GiB" if mem_kb.isdigit() else "?",
        "disk": f"{disk[0]}, {disk[1]}, {disk[2]} free at the start" if len(disk) == 3 else "?",
        "disk_rotational": sh("lsblk -dno NAME,ROTA,TYPE | awk '{printf \"%s rota=%s; \", $1, $2}'"),
        "kernel": platform.release(), "python": platform.python_version(),
        "commit": sh(f"git -C {LIVE_ROOT} rev-parse --short HEAD"),
        "dirty": sh(f"git -C {LIVE_ROOT} status --porcelain -- src"),
        "rjieba": _version("rjieba"), "psycopg": _version("psycopg"),
    }


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "-"


PREAMBLE = """How to run and what each step does: `bench/README.md`. In short:

* **Documents** are recombined from the three shared issues at run time (`bench/synthetic.py`,
  `scale.make_issue`): 407 counties × 15 years × issue numbers, new 文号 and dates, a third of
  the paragraphs swapped, the templates' layer records kept, a source text of ~5 KB per document
  stored with each issue. Nothing is parsed per issue.
* **Ingest** (documents/s, MB/s of generated source text) is the wall time of one loading step:
  generating + `prepare_issue` (row serialization, layer rows, rjieba tokenizing) in 2 worker
  processes, overlapped with the single writer (`add_prepared`, 25 issues per transaction), then
  the index merge (`optimize_search_index`; PostgreSQL: the store's, else `ANALYZE`).
  **Excluded:** parsing (decode → normalize → segment → elements → extract: `bench/ingest.py`
  measures it, ~0.45 MB per CPU-second, i.e. it would dominate), the one-off template parse and
  worker start-up. Loading is cumulative: the 100k row's ingest figures are those of the
  90k documents added after 10k, and so on.
* **Store size** per document: SQLite main file + WAL after the merge; PostgreSQL
  `pg_database_size` (tables, TOAST, indexes; not the WAL directory).
* **Search**: the 240-query mix of `bench/search.py` through `gongbao.search.search`
  (hits, excerpts and facets), one warm-up pass, then one timed pass. **Browse**: the mix's 8
  filtered browses plus browsing all documents newest/oldest first (facets over the whole set),
  three timed passes. **Export**: `gongbao.export.write_jsonl(store.list_documents())`, every
  document serialized, output counted but not written.
* **Load average**: other sessions' tests and benchmarks shared the 2 CPUs during these runs;
  wall-clock figures are inflated by roughly load/2 where the load is above 2 (CPU seconds of
  the writer and the workers are in the per-step table)."""


def render(runs: list[dict[str, Any]]) -> str:
    """RESULTS.md from the JSON of one or more runs."""
    out = ["# Scale benchmark results (`bench/scale.py`)", "", PREAMBLE, ""]
    for run in runs:
        m = run["machine"]
        out += [f"## {', '.join(r['backend'] for r in run['results'])} — {run['started']}", "",
                "```sh", run["command"], "```", "",
                f"* machine: {m['cpus']} × {m['cpu_model']}, {m['memory']} RAM, disk {m['disk']}"
                f" (block devices: {m['disk_rotational']}), Linux {m['kernel']}",
                f"* Python {m['python']}, rjieba {m['rjieba']}, psycopg {m['psycopg']}; code at commit {m['commit']}"
                + (" + uncommitted changes in src/" if m["dirty"] else ""),
                f"* run: {run['seconds'] / 60:.0f} min; load average before {run['load_before']:.1f}", ""]
        for r in run["results"]:
            loads = [x for s in r["steps"] for x in s["load"] + [s["load_after"]]]
            out += [f"### {r['backend']} ({r['version']})", "", f"{r['note']}.", ""]
            if "error" in r:
                out += [f"**Not measured (or not completed):** {r['error']}", ""]
            if loads:
                out.append(f"Load average during the run: {min(loads):.1f}–{max(loads):.1f}"
                           f" (mean {statistics.mean(loads):.1f}) on {m['cpus']} CPUs.")
            c = r.get("calibration", {})
            out += [f"CPU per document in one process: generation {c.get('generate_ms_per_doc', 0):.3f} ms"
                    + (f", generation + prepare_issue {c['prepare_ms_per_doc']:.3f} ms" if "prepare_ms_per_doc" in c else ""),
                    "", "```", HEADER]
            out += [format_step(s, r["backend"]) for s in r["steps"]]
            out += ["```", "", "Per step (cumulative loading: each step adds the documents beyond the previous size):", "",
                    "| documents | added | issues | MB text | wall s | write s | optimize s | writer CPU s | worker CPU s | store MB | export s |",
                    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            for s in r["steps"]:
                out.append(f"| {s['documents']:,} | {s['docs']:,} | {s['issues']:,} | {s['bytes'] / 1e6:.0f} | {s['seconds']:.0f}"
                           f" | {s['write_seconds']:.0f} | {s['optimize_seconds']:.0f} | {s['main_cpu']:.0f} | {s['worker_cpu']:.0f}"
                           f" | {s['store_bytes'] / 1e6:.0f} | {s['export']['seconds']:.0f} |")
            out += ["", "Browse with facets, all documents (median ms): "
                    + ", ".join(f"{s['documents']:,}: {s['browse']['all_documents_ms']:.0f}"
                                + (f" (facet phase {s['browse']['facet_phase_all_ms']:.0f})" if "facet_phase_all_ms" in s["browse"] else "")
                                for s in r["steps"]), ""]
            if any("cpu_p50" in s["search"] for s in r["steps"]):
                out += ["CPU ms of this process per query (search p50/p95; browse p50/p95; export CPU s): "
                        + ", ".join(f"{s['documents']:,}: {s['search']['cpu_p50']:.1f}/{s['search']['cpu_p95']:.1f};"
                                    f" {s['browse']['cpu_p50']:.1f}/{s['browse']['cpu_p95']:.1f}; {s['export']['cpu_seconds']:.0f}"
                                    for s in r["steps"] if "cpu_p50" in s["search"]), ""]
            out += ["Ratios:", ""]
            out += [f"* {line}" for line in ratios(r["steps"])] + [""]
    return "\n".join(out) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Document counts, ascending, loaded cumulatively.")
    parser.add_argument("--workers", type=int, default=2, help="Generating + tokenizing processes (default 2).")
    parser.add_argument("--repeat", type=int, default=1, help="Timed passes over the query mix.")
    parser.add_argument("--db-url", help="PostgreSQL URL to use instead of a TemporaryCluster (tables are created in it).")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="Folder of the SQLite file.")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, help="Write the figures as JSON (updated after every size).")
    parser.add_argument("--render", type=Path, nargs="+", metavar="JSON", help="Only write RESULTS.md from these JSON files.")
    parser.add_argument("-o", "--output", type=Path, help="RESULTS.md to write (with --render; default bench/RESULTS.md).")
    parser.add_argument("--measure-store", metavar="PATH_OR_URL", help="Only measure an existing store (a SQLite file, e.g."
                        " of a run stopped while loading, or a postgresql:// URL given to an earlier --db-url run) with"
                        " the live code: merge its index, then search, browse, export; JSON to --json.")
    args = parser.parse_args(argv)

    if args.measure_store:
        templates = synthetic.Templates(args.corpus)
        if args.measure_store.startswith("postgresql://"):
            backend = PostgresBackend(args.measure_store)
        else:
            backend = SQLiteBackend.__new__(SQLiteBackend)
            Backend.__init__(backend)
            backend.path, backend.store = Path(args.measure_store), open_store(args.measure_store)
        started = time.perf_counter()
        backend.optimize()
        merged = time.perf_counter() - started
        out = measure(backend, build_queries(templates), args.repeat)
        out["optimize_seconds"] = merged
        backend.store.close()
        print(json.dumps(out, indent=1))
        if args.json:
            args.json.write_text(json.dumps(out, indent=1))
        return 0

    if args.render:
        runs = [json.loads(p.read_text()) for p in args.render]
        target = args.output or LIVE_ROOT / "bench" / "RESULTS.md"
        target.write_text(render(runs))
        print(f"wrote {target}")
        return 0

    if not FROZEN:  # freeze the code under measure, then run from the copy
        code = Path(tempfile.mkdtemp(prefix="bench-scale-code-"))
        shutil.copytree(HERE.parent / "src" / "gongbao", code / "gongbao", ignore=shutil.ignore_patterns("__pycache__"))
        for script in HERE.glob("*.py"):
            shutil.copy(script, code / script.name)
        env = dict(os.environ, GONGBAO_SCALE_FROZEN=str(code), GONGBAO_SCALE_ROOT=str(HERE.parent),
                   GONGBAO_SCALE_COMMAND=" ".join([sys.executable, *sys.argv]))
        os.execve(sys.executable, [sys.executable, str(code / "scale.py"), *(argv or sys.argv[1:])], env)

    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    args.dir.mkdir(parents=True, exist_ok=True)

    def log(line: str) -> None:
        print(line, flush=True)

    started = time.perf_counter()
    run: dict[str, Any] = {
        "command": os.environ.get("GONGBAO_SCALE_COMMAND", ""),
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": os.getloadavg()[0], "machine": machine(), "results": [],
    }
    templates = synthetic.Templates(args.corpus)
    queries = build_queries(templates)
    log(f"code frozen in {FROZEN}; commit {run['machine']['commit']}"
        + (" + uncommitted src/ changes" if run["machine"]["dirty"] else ""))
    log(f"{len(queries)} queries; {args.workers} workers; sizes {args.sizes}; load average {run['load_before']:.1f}"
        f" on {os.cpu_count()} CPUs; free disk {shutil.disk_usage(args.dir).free / 1e9:.0f} GB at {args.dir}")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]

    def save() -> None:
        run["seconds"] = time.perf_counter() - started
        if args.json:
            args.json.write_text(json.dumps(run, indent=1))

    for kind in backends:
        result: dict[str, Any] = {"backend": kind, "note": "", "version": "", "steps": []}
        run["results"].append(result)
        try:
            run_backend(kind, args, templates, queries, log, result, save)
        except Exception as error:  # noqa: BLE001 — report the other backend anyway
            log(f"!! {kind} not measured: {type(error).__name__}: {error}")
            result["error"] = f"{type(error).__name__}: {error}"
        save()
    log("")
    log(HEADER)
    for r in run["results"]:
        for s in r["steps"]:
            log(format_step(s, r["backend"]))
    for r in run["results"]:
        for line in ratios(r["steps"]):
            log(f"{r['backend']}: {line}")
    log(f"total {time.perf_counter() - started:.0f} s")
    shutil.rmtree(FROZEN, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

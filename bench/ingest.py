#!/usr/bin/env python
"""Ingest benchmark: a synthetic corpus of 10 / 100 / 1,000 gazette issues through the library.

    .venv/bin/python bench/ingest.py [--sizes 10,100,1000] [--corpus ../shared/corpus]

1. The three real issues of the shared corpus are parsed once and cut, with the parser's own
   spans, into a cover/TOC part and *units* (a top-level document with the documents it
   carries, up to the next top-level document), each with the source lines of its TOC entry.
2. Synthetic issues recombine 5–20 random units under a new cover and a rebuilt 目录: the
   region name and the agency short form are replaced consistently by another real county of
   ``gongbao.gazetteer.regions`` (one county per issue, so every issue gets its own gazette id),
   years are shifted to the issue's year, each top-level 文号 gets a new serial (in the TOC and
   in the body alike), and 期/总期/出版日期 are renumbered. Files are written one at a time to a
   temporary folder (streamed: the corpus is never held in memory); the issues of the smaller
   sizes are the first issues of the largest.
3. Each size is ingested into a fresh SQLite store with ``gongbao.ingest.ingest_file``, in a
   child process of its own (so peak RSS — ``ru_maxrss`` of that child — is not contaminated by
   the other sizes). The same child then times the baseline: read + decode + ``rjieba.cut`` of
   the same files.
4. A second child profiles the 100-issue run stage by stage, calling the functions of
   ``gongbao.pipeline.STAGES`` itself (decode, normalize, segment, elements, store).

Timings exclude one warm-up parse per child (imports, gazetteer and automaton loading; its
time is printed). MB = 10^6 bytes of input files.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
MB = 1_000_000

# Targets of the issue.
TARGET_MBPS = 5.0
TARGET_TOKENIZE_RATIO = 2.0
SEED = 20240611
UNITS_PER_ISSUE = (5, 20)  # top-level documents per synthetic issue (real issues: 15, 26, 28)


# --------------------------------------------------------------------------- the source units


@dataclass
class Unit:
    source: int  # index into SOURCES
    start: int
    end: int
    section: Optional[str]
    documents: int  # documents in the unit (top-level + carried)
    number: Optional[tuple[str, int, int]]  # (agency code as printed, year, serial) of the top document
    toc_text: Optional[str]  # the source lines of its TOC entry


@dataclass
class Source:
    name: str
    text: str
    year: int
    full_forms: list[str]  # region names as printed (盂县, 孟县; 阳泉市)
    stem_forms: list[str]  # stems (阳泉) replaced by the new stem
    short_forms: list[str]  # agency-code short forms (盂, 孟; 阳)
    units: list[Unit] = field(default_factory=list)


def load_sources(corpus: Path) -> list[Source]:
    """Parse the real issues and cut them into units with the parser's own spans."""
    from gongbao.gazetteer import by_code
    from gongbao.pipeline import parse_file

    sources: list[Source] = []
    for path in sorted(corpus.glob("*.txt")):
        result = parse_file(path)
        text, region = result.source.text, result.region
        if region is None or result.gazette.year is None or not result.documents:
            print(f"skipping {path.name}: no region/year/documents", file=sys.stderr)
            continue
        full = {region.name} | {w for w in region.misprints if len(w) > 1}
        shorts = {region.short} | {w for w in region.misprints if len(w) == 1}
        reg = by_code(region.code)
        stems = {reg.stem} if reg is not None and reg.stem != reg.name else set()
        src = Source(path.name, text, result.gazette.year, sorted(full, key=len, reverse=True),
                     sorted(stems, key=len, reverse=True), sorted(shorts))
        toc_by_seq = {}
        for e in result.toc:
            if e.matched_seq is not None:
                a = text.rfind("\n", 0, e.span.start) + 1
                b = text.find("\n", e.span.end)
                toc_by_seq[e.matched_seq] = text[a: b if b >= 0 else len(text)]
        tops = [d for d in result.documents if d.parent_seq is None]
        for k, d in enumerate(tops):
            end = tops[k + 1].span.start if k + 1 < len(tops) else len(text)
            n_docs = sum(1 for x in result.documents if d.span.start <= x.span.start < end)
            number = None
            if d.doc_number is not None and "doc_number" in d.spans:
                number = (d.doc_number.agency_code, d.doc_number.year, d.doc_number.serial)
            src.units.append(Unit(len(sources), d.span.start, end, d.section, n_docs, number, toc_by_seq.get(d.seq)))
        sources.append(src)
    if not sources:
        raise SystemExit(f"no usable gazette issue in {corpus}")
    return sources


# --------------------------------------------------------------------------- synthetic issues


def counties() -> list:
    """Real counties (…县, not 自治县) whose name is unambiguous in the gazetteer."""
    from gongbao.gazetteer import all_regions, by_name

    out = []
    for r in all_regions():
        if r.level != 3 or not r.name.endswith("县") or r.name.endswith("自治县") or len(r.name) > 4:
            continue
        if len(by_name(r.name)) != 1 or len(by_name(r.stem)) > 1 or not r.pinyin.isascii():
            continue
        out.append(r)
    return out


class Rewriter:
    """Rewrites the text of one source for one synthetic issue: region, years, the 文号 serials."""

    def __init__(self, src: Source, region, year: int):
        self.region, self.delta = region, year - src.year
        alts = [(re.escape(f), region.name) for f in src.full_forms]
        alts += [(re.escape(f), region.stem) for f in src.stem_forms]
        alts += [(re.escape(s) + r"(?=政[办府]?[发函字办通令任])", region.short) for s in src.short_forms]
        self.names = re.compile("|".join(f"({a})" for a, _ in alts))
        self.replacements = [b for _, b in alts]

    def __call__(self, text: str) -> str:
        text = self.names.sub(lambda m: self.replacements[m.lastindex - 1], text)
        if self.delta:
            text = re.sub(r"(?<!\d)(20[0-3]\d)(?!\d)", lambda m: str(int(m.group(1)) + self.delta), text)
        return text

    def agency(self, agency: str) -> str:
        return self.names.sub(lambda m: self.replacements[m.lastindex - 1], agency)


def renumber(text: str, agency: str, year: int, old: int, new: int) -> str:
    """Give the 文号 ``agency〔year〕old号`` (as printed, spaces and bracket shapes kept) serial ``new``."""
    pattern = re.compile(
        rf"({re.escape(agency)}\s*[〔\[［(（]\s*{year}\s*[〕\]］)）]\s*(?:第\s*)?){old}(\s*号)"
    )
    return pattern.sub(lambda m: f"{m.group(1)}{new}{m.group(2)}", text)


_TOC_PAGE = re.compile(r"[（(]\s*\d{1,4}\s*[)）]\s*$")


def write_issue(path: Path, sources: list[Source], region, year: int, issue: int,
                rng: random.Random) -> int:
    """Write one synthetic issue; return how many documents it holds."""
    total = 4 * (year - 2010) + issue
    pool = [u for s in sources for u in s.units]
    units = rng.sample(pool, rng.randint(*UNITS_PER_ISSUE))
    rewriters = {s_i: Rewriter(s, region, year) for s_i, s in enumerate(sources)}
    # sections in order of first appearance; units grouped under them
    order: dict[str, list[Unit]] = {}
    for u in units:
        sec = (u.section or "县政府文件").replace("市政府", "县政府")
        order.setdefault(sec, []).append(u)
    serials: dict[str, int] = {}
    pinyin = region.pinyin.upper()
    month = issue * 3
    head = (
        f"\n\n\n\n{region.name}人民政府公报\n\n{pinyin} RENMIN ZHENGFU GONGBAO\n\n{year} 第{issue}期\n\n"
        f"(总第{total:03d}期)\n\n{region.name}人民政府公报\n\n{pinyin} RENMIN ZHENGFU GONGBAO\n\n"
        f"{year}年第{issue}期\n\n{region.name}人民政府办公室 主管主办\n\n"
        f"{year}年{month}月{rng.randint(1, 28)}日出版(季刊)\n\n目 录\n\n"
    )
    # rewrite each unit once (TOC entry and body together) so both carry the same new 文号
    plan: list[tuple[str, list[tuple[Optional[str], str]]]] = []
    page = 1
    for sec, members in order.items():
        items = []
        for u in members:
            src = sources[u.source]
            rw = rewriters[u.source]
            body = rw(src.text[u.start: u.end])
            toc = rw(u.toc_text) if u.toc_text else None
            if u.number is not None:
                agency, old_year, old_serial = u.number
                new_agency, new_year = rw.agency(agency), old_year + rw.delta
                kind = new_agency[1:] or new_agency
                serials[kind] = serials.get(kind, rng.randint(1, 30)) + rng.randint(1, 3)
                body = renumber(body, new_agency, new_year, old_serial, serials[kind])
                if toc:
                    toc = renumber(toc, new_agency, new_year, old_serial, serials[kind])
            if toc:
                toc = _TOC_PAGE.sub(lambda m, p=page: f"({p})", toc.rstrip())
            page += max(1, len(body) // 1500)
            items.append((toc, body))
        plan.append((sec, items))
    documents = sum(u.documents for u in units)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(head)
        for sec, items in plan:
            out.write(f"【{sec}】\n\n")
            for toc, _ in items:
                if toc:
                    out.write(toc + "\n\n")
        for _sec, items in plan:
            for _, body in items:
                out.write(body.rstrip("\n") + "\n\n")
    return documents


def generate(folder: Path, count: int, sources: list[Source]) -> tuple[list[int], float]:
    """Write ``count`` issues into ``folder``; return their document counts and the seconds taken."""
    rng = random.Random(SEED)
    pool = counties()
    rng.shuffle(pool)
    docs = []
    used: set[tuple[str, int, int]] = set()
    t0 = time.perf_counter()
    for i in range(count):
        region = pool[i % len(pool)]
        year, issue = 2012 + i % 12, 1 + i % 4  # 季刊: 4 issues a year
        while (region.code, year, issue) in used:  # one gazette id per issue, even past len(pool)
            year, issue = (year + 1, 1) if issue == 4 else (year, issue + 1)
        used.add((region.code, year, issue))
        docs.append(write_issue(folder / f"issue_{i:05d}.txt", sources, region, year, issue, rng))
    return docs, time.perf_counter() - t0


# --------------------------------------------------------------------------- child processes


def _rss_mb() -> float:
    # ru_maxrss: KiB on Linux, bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / (1024 * 1024)


def _current_rss_mb() -> Optional[float]:
    """Resident set size now (not the peak), from /proc; None where there is no /proc."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return None


def _files(folder: Path, count: int) -> list[Path]:
    return [folder / f"issue_{i:05d}.txt" for i in range(count)]


def _warm_up(corpus: Path) -> float:
    """One ingest into a throwaway in-memory store: imports, gazetteer, Aho-Corasick automaton,
    extractor data, regex caches, SQLite — everything loaded once on first use."""
    from gongbao.ingest import ingest_file
    from gongbao.store import open_store

    t0 = time.perf_counter()
    smallest = min(corpus.glob("*.txt"), key=lambda p: p.stat().st_size)
    with open_store(":memory:") as store:
        ingest_file(store, smallest)
    return time.perf_counter() - t0


def _descendants() -> list[int]:
    """Processes below this one (the parsing workers and the server that forks them), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [os.getpid()]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _workers() -> dict[int, tuple[float, float]]:
    """Peak RSS (MB, VmHWM) and CPU seconds so far of each process below this one."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in _descendants():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        hwm = re.search(r"VmHWM:\s+(\d+) kB", status)
        out[pid] = (int(hwm.group(1)) / 1024 if hwm else 0.0, (int(fields[11]) + int(fields[12])) / tick)
    return out


def child_ingest(folder: Path, count: int, db: Path, corpus: Path, jobs: int) -> dict:
    from gongbao.ingest import ingest_files
    from gongbao.store import open_store

    warm = _warm_up(corpus)
    rss_warm = _rss_mb()
    files = _files(folder, count)
    size = sum(p.stat().st_size for p in files)
    statuses: dict[str, int] = {}
    errors: list[str] = []
    marks = {max(1, round(count * f)) for f in (0.1, 0.25, 0.5, 0.75, 1.0)}
    curve: list[tuple[int, Optional[float]]] = []
    workers: dict[int, tuple[float, float]] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    with open_store(db) as store:
        # the workers (jobs > 1) start inside the timing: their start-up is part of end to end
        for done, outcome in enumerate(ingest_files(store, files, jobs=jobs), 1):
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
            if outcome.status == "error" and len(errors) < 5:
                errors.append(outcome.error or "")
            if done in marks:
                curve.append((done, _current_rss_mb()))
                workers = _workers() if jobs > 1 else {}  # at the last file the workers still run
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        stats = store.stats()
    rss_peak = _rss_mb()  # before the baseline below: peak of the ingest alone
    tokenize = tokens = None
    if jobs == 1:
        # baseline: merely tokenize the same text (read + decode + rjieba.cut), streamed the same way
        import rjieba

        rjieba.cut("盂县人民政府关于任免的通知")  # load the dictionary outside the timing
        t0 = time.perf_counter()
        tokens = 0
        for path in files:
            tokens += len(rjieba.cut(path.read_bytes().decode("utf-8")))
        tokenize = time.perf_counter() - t0
    return {
        "issues": count, "jobs": jobs, "bytes": size, "seconds": seconds, "cpu_seconds": cpu,
        "worker_cpu_seconds": sum(c for _, c in workers.values()),
        "worker_rss_peak_mb": max((r for r, _ in workers.values()), default=0.0),
        "warm_up": warm, "documents": stats["documents"], "gazettes": stats["gazettes"], "statuses": statuses,
        "errors": errors, "rss_warm_mb": rss_warm, "rss_peak_mb": rss_peak, "rss_curve": curve,
        "tokenize_seconds": tokenize, "tokens": tokens, "db_bytes": db.stat().st_size,
        "load": os.getloadavg()[0],
    }


def child_profile(folder: Path, count: int, db: Path, corpus: Path) -> dict:
    from gongbao.decode import read_source
    from gongbao.errors import GongbaoError
    from gongbao.export import document_records
    from gongbao.ingest import validate
    from gongbao.pipeline import STAGES
    from gongbao.store import open_store

    _warm_up(corpus)
    times = {"decode": 0.0, **{name: 0.0 for name, _ in STAGES}, "validate": 0.0, "store": 0.0}
    clock = time.perf_counter
    failed = 0
    with open_store(db) as store:
        for path in _files(folder, count):
            t = clock()
            value = read_source(path)
            times["decode"] += clock() - t
            for name, stage in STAGES:
                t = clock()
                value = stage(value)
                times[name] += clock() - t
            t = clock()
            try:
                validate(value, str(path))
            except GongbaoError:
                failed += 1
                times["validate"] += clock() - t
                continue
            times["validate"] += clock() - t
            t = clock()
            store.save_parse(value, document_records(value))  # records + one transaction
            times["store"] += clock() - t
    return {"issues": count, "times": times, "failed": failed}


def snapshot_code(into: Path) -> str:
    """Copy the gongbao package as it is now into ``into`` and put it first on sys.path.

    Children import the copy (PYTHONPATH), so every size measures the same code even while
    src/ is being edited during the run. Returns a description of the code measured."""
    live = ROOT / "src" / "gongbao"
    shutil.copytree(live, into / "gongbao", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(Path(__file__), into / "bench_ingest.py")  # the children's code, frozen too
    sys.path.insert(0, str(into))
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return f"commit {commit}" + (" + uncommitted changes in src/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "no git information"


def run_child(mode: str, folder: Path, count: int, corpus: Path, jobs: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="gongbao-bench-db-") as tmp:
        script = Path(sys.path[0]) / "bench_ingest.py"
        cmd = [sys.executable, str(script), "--child", mode, "--dir", str(folder), "--jobs", str(jobs),
               "--count", str(count), "--db", str(Path(tmp) / "bench.db"), "--corpus", str(corpus)]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (sys.path[0], os.environ.get("PYTHONPATH")) if p))
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"child {mode} {count} failed with exit code {proc.returncode}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report


def _yes(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,1000", help="comma-separated issue counts (default 10,100,1000)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of real issues (default ../shared/corpus)")
    ap.add_argument("--profile-size", type=int, default=100, help="issues in the per-stage profile (0: none)")
    ap.add_argument("--keep", type=Path, default=None, help="write the synthetic corpus here and keep it")
    ap.add_argument("--child", choices=("ingest", "profile"), help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--count", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes of the parallel run (default 2); "
                    "every size is also ingested with --jobs 1, the baseline")
    args = ap.parse_args(argv)
    corpus = args.corpus.resolve()

    if args.child:
        if args.child == "ingest":
            print(json.dumps(child_ingest(args.dir, args.count, args.db, corpus, args.jobs)))
        else:
            print(json.dumps(child_profile(args.dir, args.count, args.db, corpus)))
        return 0

    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1:
        ap.error("--sizes needs positive integers")
    largest = max(sizes)
    profile_size = min(args.profile_size, largest)
    code_tmp = tempfile.TemporaryDirectory(prefix="gongbao-bench-code-")
    code = snapshot_code(Path(code_tmp.name))
    import gongbao

    assert Path(gongbao.__file__).is_relative_to(code_tmp.name), gongbao.__file__
    print(f"gongbao ingest benchmark — {platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}; code: {code}; corpus {corpus}")

    sources = load_sources(corpus)
    units = sum(len(s.units) for s in sources)
    print(f"sources: {', '.join(s.name for s in sources)} → {units} units; "
          f"{UNITS_PER_ISSUE[0]}–{UNITS_PER_ISSUE[1]} units per synthetic issue")

    tmp = None
    if args.keep:
        folder = args.keep
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="gongbao-bench-corpus-")
        folder = Path(tmp.name)
    try:
        expected, gen_seconds = generate(folder, largest, sources)
        total = sum(p.stat().st_size for p in _files(folder, largest))
        print(f"generated {largest} issues, {total / MB:.1f} MB, in {gen_seconds:.1f} s → {folder}"
              + ("" if args.keep else " (temporary)"))
        print()
        header = (f"{'issues':>6} {'jobs':>4} {'docs':>6} {'MB in':>6} {'seconds':>7} {'cpu s':>6} {'wk cpu s':>8} {'MB/s':>6} "
                  f"{'MB/cpu-s':>8} {'RSS MB':>6} {'wk RSS':>6} {'tokenize s':>10} {'ingest/tok':>10} {'load':>5}  notes")
        print(header)
        print("-" * len(header))
        rows: dict[tuple[int, int], dict] = {}
        load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        for n in sizes:
            for jobs in (1, args.jobs):
                r = rows[n, jobs] = run_child("ingest", folder, n, corpus, jobs)
                tokenize = rows[n, 1]["tokenize_seconds"]
                notes = []
                want = sum(expected[:n])
                if r["documents"] != want:
                    notes.append(f"stored {r['documents']} of {want} documents of the source units")
                if r["statuses"].get("error"):
                    notes.append(f"{r['statuses']['error']} refused: {r['errors'][0][:100]}")
                if r["gazettes"] != n - r["statuses"].get("error", 0):
                    notes.append(f"{r['gazettes']} gazettes stored")
                if jobs != 1 and (r["documents"], r["statuses"]) != (rows[n, 1]["documents"], rows[n, 1]["statuses"]):
                    notes.append("NOT what --jobs 1 stored")
                cpu = r["cpu_seconds"] + r["worker_cpu_seconds"]
                print(f"{n:>6} {jobs:>4} {r['documents']:>6} {r['bytes'] / MB:>6.1f} {r['seconds']:>7.1f} {r['cpu_seconds']:>6.1f} "
                      f"{r['worker_cpu_seconds']:>8.1f} {r['bytes'] / MB / r['seconds']:>6.2f} {r['bytes'] / MB / cpu:>8.2f} "
                      f"{r['rss_peak_mb']:>6.0f} {r['worker_rss_peak_mb']:>6.0f} {tokenize:>10.2f} "
                      f"{r['seconds'] / tokenize:>9.1f}× {r['load']:>5.1f}  {'; '.join(notes) or 'ok'}", flush=True)
        first, last = rows[sizes[0], 1], rows[largest, 1]
        print(f"(cpu s: the storing process; wk: the {args.jobs} parsing workers, CPU and largest peak RSS; "
              f"warm-up parse excluded from the timings: {first['warm_up']:.2f} s; "
              f"RSS after warm-up {first['rss_warm_mb']:.0f} MB; store size at {largest}: {last['db_bytes'] / MB:.0f} MB)")
        for jobs in (1, args.jobs):
            curve = [(k, v) for k, v in rows[largest, jobs]["rss_curve"] if v is not None]
            if curve:
                print(f"RSS of the storing process during the {largest}-issue run, --jobs {jobs}: "
                      + ", ".join(f"{k} issues {v:.0f} MB" for k, v in curve))
        if load_start is not None:
            print(f"load average (1 min) at the start {load_start:.1f}, at the end {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} CPUs: wall seconds above cpu seconds mean other processes competed")

        if profile_size:
            p = run_child("profile", folder, profile_size, corpus)
            busy = sum(p["times"].values())
            print()
            print(f"time per stage, {profile_size}-issue run ({busy:.1f} s in stages):")
            for name, sec in p["times"].items():
                print(f"  {name:10s} {sec:7.2f} s  {100 * sec / busy:5.1f} %")

        print()
        mbps = {n: rows[n, args.jobs]["bytes"] / MB / rows[n, args.jobs]["seconds"] for n in sizes}
        ratio = {n: rows[n, args.jobs]["seconds"] / rows[n, 1]["tokenize_seconds"] for n in sizes}
        for n in sizes:
            print(f"{n} issues: --jobs {args.jobs} takes {rows[n, args.jobs]['seconds'] / rows[n, 1]['seconds']:.2f}× the time "
                  f"of --jobs 1 ({rows[n, 1]['seconds'] / rows[n, args.jobs]['seconds']:.2f}× the MB/s); "
                  f"{ratio[n]:.1f}× the tokenize-only time (--jobs 1: {rows[n, 1]['seconds'] / rows[n, 1]['tokenize_seconds']:.1f}×)")
        # Wall time is what counts, but on a shared machine the kernel gives one session (with
        # autogroup scheduling: all these processes) one share whatever its process count. What
        # the same work takes on free cores, from CPU seconds: the busiest process bounds it, and
        # all of them share the cores.
        cores = os.cpu_count() or 1
        for n in sizes:
            one, par = rows[n, 1], rows[n, args.jobs]
            bound = max(par["cpu_seconds"], par["worker_cpu_seconds"] / args.jobs,
                        (par["cpu_seconds"] + par["worker_cpu_seconds"]) / cores)
            print(f"{n} issues on {cores} free cores (from CPU seconds): --jobs 1 {one['bytes'] / MB / one['cpu_seconds']:.2f} MB/s, "
                  f"--jobs {args.jobs} {par['bytes'] / MB / bound:.2f} MB/s ({one['cpu_seconds'] / bound:.2f}×); "
                  f"tokenize-only {one['bytes'] / MB / one['tokenize_seconds']:.1f} MB/s")
        linear = {}
        if largest > sizes[0]:
            for jobs in (1, args.jobs):
                small, big = rows[sizes[0], jobs], rows[largest, jobs]
                grown = big["bytes"] / small["bytes"]
                linear[jobs] = (big["seconds"] / small["seconds"] / grown,
                                max(big["rss_peak_mb"] / small["rss_peak_mb"],
                                    big["worker_rss_peak_mb"] / small["worker_rss_peak_mb"] if jobs > 1 else 0))
                print(f"linearity, --jobs {jobs}: {grown:.1f}× the corpus takes {big['seconds'] / small['seconds']:.1f}× the time "
                      f"({linear[jobs][0]:.2f} per unit); peak RSS at {largest} / at {sizes[0]}: storing process "
                      f"{big['rss_peak_mb'] / small['rss_peak_mb']:.2f}"
                      + (f", workers {big['worker_rss_peak_mb'] / small['worker_rss_peak_mb']:.2f}" if jobs > 1 else ""))
        print(f"targets (--jobs {args.jobs}):")
        print(f"  ≥ {TARGET_MBPS:g} MB/s end to end:      {min(mbps.values()):.2f}–{max(mbps.values()):.2f} MB/s  "
              f"{_yes(min(mbps.values()) >= TARGET_MBPS)}")
        print(f"  ≤ {TARGET_TOKENIZE_RATIO:g}× tokenize-only time:  {min(ratio.values()):.1f}–{max(ratio.values()):.1f}×  "
              f"{_yes(max(ratio.values()) <= TARGET_TOKENIZE_RATIO)}")
        if linear:
            time_ratio, rss_ratio = linear[args.jobs]
            print(f"  linear (time per unit of corpus ≤ 1.1 at {largest} vs {sizes[0]}): {time_ratio:.2f}  {_yes(time_ratio <= 1.1)}")
            print(f"  memory independent of size (peak RSS ratio ≤ 1.25): {rss_ratio:.2f}  {_yes(rss_ratio <= 1.25)}")
    finally:
        if tmp is not None:
            tmp.cleanup()
        code_tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

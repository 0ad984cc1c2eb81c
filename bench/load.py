"""Load: concurrent ingest processes while many API clients search, on one store.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 50] [--ingesters 4] [--issues-per-ingester 3]
                                   [--db postgresql://…]   # default: a SQLite file

A real ``gongbao serve`` runs on a free 127.0.0.1 port over a store holding the corpus issues;
``--ingesters`` ``gongbao ingest`` processes each ingest issues of their own (variants of the
corpus files whose cover names another issue number, so every one is a different issue) while
``--clients`` asyncio clients (httpx.AsyncClient) call the API for ``--seconds``: searches,
issue lists, issue and document records. Every response must be 200 and valid JSON, every
ingest must exit 0, and afterwards every issue must be stored completely (as many documents as
its parse has, each one readable through the API). Prints p50/p95 latency and requests/s;
exits 1 on any error. ``tests/test_concurrency.py`` runs the same for ~15 s.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import httpx

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CLI = [sys.executable, "-c", "from gongbao.cli import app; app()"]

# What the clients ask for; {gazette} and {document} are filled with stored ids.
QUERIES: list[dict[str, Any]] = [
    {"q": "安全"}, {"q": "安全 生产"}, {"q": '"重大火灾隐患"'}, {"q": "挂牌督办", "sort": "newest"},
    {"q": "煤矿 OR 燃气"}, {"q": "实施方案 -消防"}, {"q": "盂政发〔2023〕48号"}, {"q": "营商环境", "region": "140322"},
    {"region": "140300", "sort": "newest"}, {"doc_type": "通知", "page": 2}, {"q": "任免", "level": "top"}, {},
]
_ISSUE = re.compile(r"((?:19|20)\d\d\s*年?\s*第\s*)\d{1,3}(\s*期)")
_TOTAL = re.compile(r"(总第\s*)\d{1,4}(\s*期)")


def make_variants(corpus: Path, out: Path, count: int, *, first_issue: int = 5) -> list[Path]:
    """``count`` text files, each a corpus issue whose cover names another issue number (and from the
    25th on another year too): different bytes and a different gazette id, the same documents."""
    sources = sorted(corpus.glob("00*.txt"))
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        source = sources[k % len(sources)]
        round_ = k // len(sources)
        issue, year_shift = first_issue + round_ % 8, round_ // 8
        text = source.read_text(encoding="utf-8")
        text = _ISSUE.sub(lambda m: _shift_year(m.group(1), year_shift) + str(issue) + m.group(2), text)
        text = _TOTAL.sub(lambda m: f"{m.group(1)}{900 + k}{m.group(2)}", text)
        path = out / f"variant_{k:03d}_{source.stem}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _shift_year(prefix: str, years: int) -> str:
    return re.sub(r"\d{4}", lambda m: str(int(m.group()) - years), prefix, count=1)


def expected_issues(paths: list[Path]) -> dict[str, int]:
    """gazette id → number of documents, as the library parses each file."""
    from gongbao.export import document_records
    from gongbao.pipeline import parse_file
    from gongbao.model import gazette_id

    expected = {}
    for path in paths:
        result = parse_file(path)
        expected[gazette_id(result)] = len(document_records(result))
    if len(expected) != len(paths):
        raise ValueError("variants share a gazette id")
    return expected


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: str, port: int, log: Path, timeout: float = 60) -> subprocess.Popen:
    """``gongbao serve`` on 127.0.0.1:port, once it answers."""
    with open(log, "wb") as out:
        process = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port)], stdout=out,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/gazettes", timeout=2).raise_for_status()
            return process
        except httpx.HTTPError:
            if process.poll() is not None:
                raise RuntimeError(f"gongbao serve exited at start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"gongbao serve did not answer within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    seconds: float = 0.0
    ingest: list[tuple[int, str]] = field(default_factory=list)  # (exit code, output) per process
    ingest_seconds: list[float] = field(default_factory=list)  # each process, from the start of the load

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.error_count

    def percentiles(self) -> tuple[float, float]:
        if len(self.latencies_ms) < 2:
            return (self.latencies_ms or [0.0])[0], (self.latencies_ms or [0.0])[0]
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[49], cuts[94]

    def line(self) -> str:
        p50, p95 = self.percentiles()
        return (f"{self.requests} requests in {self.seconds:.1f} s = {self.requests / max(self.seconds, 1e-9):.0f} req/s, "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {self.error_count} errors; "
                f"ingest processes done after {', '.join(f'{s:.1f}' for s in self.ingest_seconds)} s, "
                f"exit codes {[code for code, _ in self.ingest]}")


async def _client(client: httpx.AsyncClient, urls: list[tuple[str, dict]], seconds: float, deadline: float,
                  seed: int, result: LoadResult) -> None:
    rnd = random.Random(seed)
    while time.monotonic() < deadline:
        path, params = rnd.choice(urls)
        start = time.perf_counter()
        try:
            response = await client.get(path, params=params)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}: {response.text[:300]}")
            json.loads(response.content)
        except (httpx.HTTPError, ValueError) as error:
            result.error_count += 1
            if len(result.errors) < 20:
                when = time.monotonic() - deadline + seconds
                result.errors.append(f"at {when:.1f} s: GET {path} {params}: {type(error).__name__}: {error!r}")
            continue
        result.latencies_ms.append(elapsed)


async def _clients(base_url: str, clients: int, seconds: float, urls: list[tuple[str, dict]],
                   result: LoadResult, ingesters: list[subprocess.Popen]) -> None:
    # keepalive_expiry well under uvicorn's 5 s keep-alive timeout: a connection left idle in the
    # pool is dropped by the client before the server closes it, never reused just as it is closed
    # (that race is a ReadError on an idempotent GET that a browser would silently retry).
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        start = time.monotonic()
        watch = asyncio.create_task(_watch(ingesters, start, result))
        await asyncio.gather(*(_client(client, urls, seconds, start + seconds, i, result) for i in range(clients)))
        result.seconds = time.monotonic() - start
        await watch


async def _watch(processes: list[subprocess.Popen], start: float, result: LoadResult) -> None:
    """When each ingest process ends (seconds from ``start``)."""
    done = [0.0] * len(processes)
    while not all(done) and time.monotonic() - start < 600:
        for i, process in enumerate(processes):
            if not done[i] and process.poll() is not None:
                done[i] = time.monotonic() - start
        await asyncio.sleep(0.05)
    result.ingest_seconds = done


def client_urls(base_url: str) -> list[tuple[str, dict]]:
    """The request mix: searches (most of it), issue lists, issue and document records."""
    gazettes = httpx.get(base_url + "/api/gazettes", timeout=30).json()
    documents = httpx.get(base_url + "/api/documents", params={"per_page": 50}, timeout=30).json()["hits"]
    urls: list[tuple[str, dict]] = [("/api/documents", q) for q in QUERIES] * 3
    urls += [("/api/gazettes", {}), ("/api/regions", {}), ("/api/issuers", {})]
    urls += [(f"/api/gazettes/{g['id']}", {}) for g in gazettes]
    urls += [(f"/api/documents/{d['id']}", {}) for d in documents[::5]]
    return urls


def run_load(db: str, variant_groups: list[list[Path]], *, clients: int = 50, seconds: float = 60,
             workdir: Optional[Path] = None) -> LoadResult:
    """Serve ``db``, start one ``gongbao ingest`` per group of files, and run ``clients`` API clients
    for ``seconds``; then wait for the ingests (at most 10 minutes)."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="gongbao-load-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(db, port, workdir / "serve.log")
    result = LoadResult()
    try:
        urls = client_urls(base_url)
        logs = [open(workdir / f"ingest_{i}.log", "w+b") for i in range(len(variant_groups))]
        ingesters = [
            subprocess.Popen([*CLI, "ingest", *map(str, group), "--db", str(db)], stdout=log, stderr=subprocess.STDOUT,
                             env={**os.environ, "COLUMNS": "200"})
            for group, log in zip(variant_groups, logs)
        ]
        try:
            asyncio.run(_clients(base_url, clients, seconds, urls, result, ingesters))
            for process in ingesters:
                process.wait(timeout=600)
        finally:
            for process in ingesters:
                stop(process)
        for process, log in zip(ingesters, logs):
            log.seek(0)
            result.ingest.append((process.returncode, log.read().decode("utf-8", "replace")))
            log.close()
        if server.poll() is not None:
            result.errors.append("gongbao serve died: " + (workdir / "serve.log").read_text(errors="replace")[-2000:])
            result.error_count += 1
    finally:
        stop(server)
    return result


def check_stored(db: str, expected: dict[str, int]) -> list[str]:
    """What is missing or incomplete in the store: every issue of ``expected`` with all its documents."""
    from gongbao.store import open_store

    problems = []
    with open_store(db) as store:
        for gid, count in expected.items():
            gazette = store.get_gazette(gid)
            if gazette is None:
                problems.append(f"{gid}: not stored")
                continue
            documents = list(store.list_documents(gid))
            if len(documents) != count or gazette.get("document_count") != count:
                problems.append(f"{gid}: {len(documents)} documents stored ({gazette.get('document_count')} "
                                f"counted), the parse has {count}")
            missing = [d["id"] for d in documents if store.get_document(d["id"]) is None]
            if missing:
                problems.append(f"{gid}: documents listed but not readable: {missing[:5]}")
    return problems


def prepare(workdir: Path, corpus: Path, ingesters: int, per_ingester: int, db: Optional[str] = None
            ) -> tuple[str, list[list[Path]], dict[str, int]]:
    """A store holding the corpus (``db``: an empty store's path or postgresql:// URL, else a
    SQLite file in ``workdir``), and ``ingesters`` groups of new issues with what each parses to."""
    from gongbao.ingest import ingest_file
    from gongbao.store import open_store

    db = db or str(workdir / "load.db")
    with open_store(db) as store:
        for source in sorted(corpus.glob("00*.txt")):
            outcome = ingest_file(store, source)
            if outcome.status == "error":
                raise RuntimeError(outcome.error)
    variants = make_variants(corpus, workdir / "variants", ingesters * per_ingester)
    groups = [variants[i::ingesters] for i in range(ingesters)]
    return db, groups, expected_issues(variants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="How long the clients run (default 60).")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent API clients (default 50).")
    parser.add_argument("--ingesters", type=int, default=4, help="Concurrent ingest processes (default 4).")
    parser.add_argument("--issues-per-ingester", type=int, default=3, help="New issues each ingests (default 3).")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--db", help="An empty store to load and serve (SQLite path or postgresql:// URL); default a"
                                     " SQLite file in the work folder.")
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it (store, variants, logs).")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    with tempfile.TemporaryDirectory(prefix="gongbao-load-") as tmp:
        workdir = Path(tmp)
        if args.keep:
            workdir = args.keep
            workdir.mkdir(parents=True, exist_ok=True)
        db, groups, expected = prepare(workdir, args.corpus, args.ingesters, args.issues_per_ingester, args.db)
        result = run_load(db, groups, clients=args.clients, seconds=args.seconds, workdir=workdir)
        problems = check_stored(db, expected)
    print(f"{args.clients} clients, {args.ingesters} ingest processes × {args.issues_per_ingester} issues, {args.seconds:g} s")
    print(result.line())
    for code, output in result.ingest:
        if code:
            print(f"ingest exit {code}:\n{output}")
    for line in result.errors + problems:
        print("ERROR", line)
    if result.errors or result.error_count or problems or any(code for code, _ in result.ingest):
        raise SystemExit(1)
    print(f"all {len(expected)} new issues stored completely")


if __name__ == "__main__":
    main()

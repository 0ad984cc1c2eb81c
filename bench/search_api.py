"""Search latency through the HTTP API vs the library call, on the same query mix.

    .venv/bin/python bench/search_api.py [--db gongbao.db] [--corpus ../shared/corpus] [--repeat 20]
    .venv/bin/python bench/search_api.py --db /tmp/s100k.db --synthetic --repeat 2   # issue #17's target

Without --db the corpus is ingested into a temporary store. ``--synthetic``: the store was
built by ``bench/search.py --keep``; the benchmark's 240-query mix runs (``search.standard_mix``)
instead of the 12 queries below, and the p95 is held against the 20 ms target. The API runs as a
real ``gongbao serve`` process on a free 127.0.0.1 port and is called with one
httpx client (keep-alive), one request at a time; every loop is bounded by
--repeat, so the run stops by itself. Prints p50/p95 per side and their ratio.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from gongbao.ingest import ingest_file  # noqa: E402
from gongbao.search import SearchQuery, search  # noqa: E402
from gongbao.store import open_store  # noqa: E402
from search import TARGET_P95_MS, percentiles, run_mix, standard_mix  # noqa: E402  (bench/search.py)

# What people search for: words, phrases, OR, exclusion, a 文号, filters alone and with words.
QUERIES: list[dict[str, Any]] = [
    {"q": "安全"},
    {"q": "安全 生产"},
    {"q": '"重大火灾隐患"'},
    {"q": "挂牌督办", "sort": "newest"},
    {"q": "煤矿 OR 燃气"},
    {"q": "实施方案 -消防"},
    {"q": "盂政发〔2023〕48号"},
    {"q": "营商环境", "region": "140322"},
    {"region": "140300", "sort": "newest"},
    {"doc_type": "通知", "page": 2},
    {"issuer": "盂县人民政府办公室", "year": 2023},
    {"q": "任免", "level": "top"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(db: str, port: int) -> subprocess.Popen:
    command = [sys.executable, "-c", "from gongbao.cli import app; app()", "serve", "--db", db, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/gazettes", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            if process.poll() is not None:
                raise SystemExit("gongbao serve exited at start")
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("gongbao serve did not answer within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="An existing store (default: ingest the corpus into a temporary one).")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=20, help="Passes over the query mix per side.")
    parser.add_argument("--synthetic", action="store_true",
                        help="--db was built by bench/search.py --keep: run its 240-query mix.")
    args = parser.parse_args()
    queries = standard_mix() if args.synthetic else QUERIES

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "bench.db")
        with open_store(db) as store:
            if not args.db:
                for source in sorted(args.corpus.glob("*.txt")):
                    ingest_file(store, source)
            documents = store.stats()["documents"]
            library = run_mix(lambda params: search(store, SearchQuery(**params)), queries, args.repeat)

        port = _free_port()
        server = _serve(db, port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                def call(params: dict[str, Any]) -> None:
                    client.get("/api/documents", params=params).raise_for_status()

                api = run_mix(call, queries, args.repeat)
        finally:
            server.terminate()
            server.wait(timeout=10)

    lib50, lib95 = percentiles(library)
    api50, api95 = percentiles(api)
    print(f"{documents} documents, {len(queries)} queries × {args.repeat} passes = {len(library)} calls per side")
    print(f"{'':10s} {'p50 ms':>9s} {'p95 ms':>9s}")
    print(f"{'library':10s} {lib50:9.2f} {lib95:9.2f}")
    print(f"{'HTTP API':10s} {api50:9.2f} {api95:9.2f}")
    print(f"{'ratio':10s} {api50 / lib50:8.1f}× {api95 / lib95:8.1f}×")
    if args.synthetic:
        print(f"target: HTTP p95 ≤ {TARGET_P95_MS:.0f} ms: {'met' if api95 <= TARGET_P95_MS else 'NOT met'}")


if __name__ == "__main__":
    main()

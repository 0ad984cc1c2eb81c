#!/usr/bin/env python
"""Time the expensive anonymous requests of issue #15 against a running ``gongbao serve``.

    .venv/bin/python bench/expensive.py --build /tmp/expensive --documents 11000   # a store of scale.py's documents (~1 min)
    .venv/bin/gongbao serve --db /tmp/expensive/scale.db --port 8765 &
    .venv/bin/python bench/expensive.py --url http://127.0.0.1:8765 [--repeat 3]

Each request is sent ``--repeat`` times, one after another; printed: status, body size,
median and fastest wall time. The store is built with ``bench/scale.py``'s generator
(recombined real issues, their layer records kept) and left on disk.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent

REQUESTS = [
    ("/api/documents?q=" + urllib.parse.quote(" ".join(["的 是 在 了 和 有"] * 33)), "search 的 是 在 了 和 有 × 33"),
    ("/api/tasks?limit=1", "/api/tasks?limit=1"),
    ("/api/tasks?limit=1&offset=5000", "/api/tasks?limit=1&offset=5000"),
    ("/api/tasks?format=csv", "/api/tasks?format=csv (every task)"),
    ("/api/hazards", "/api/hazards"),
    ("/hazards", "/hazards (page)"),
    ("/tasks", "/tasks (page)"),
    ("/api/layers/tasks?limit=1", "/api/layers/tasks?limit=1"),
]


def build(folder: Path, documents: int, corpus: Path | None) -> None:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "src"))
    import scale

    scale.CORPUS = corpus or scale.CORPUS
    folder.mkdir(parents=True, exist_ok=True)
    backend = scale.SQLiteBackend(folder)
    with multiprocessing.get_context("fork").Pool(1, scale._init_worker, (str(scale.CORPUS), backend.prepare)) as pool:
        scale.grow(backend, pool, 0, 0, documents, print)
    print(backend.store.stats())
    backend.store.close()  # not backend.close(): that deletes the file


def measure(base: str, repeat: int) -> None:
    for path, label in REQUESTS:
        times, status, size = [], 0, 0
        for _ in range(repeat):
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(base + path, timeout=900) as response:
                    body, status = response.read(), response.status
            except urllib.error.HTTPError as error:
                body, status = error.read(), error.code
            times.append(time.perf_counter() - started)
            size = len(body)
        print(f"{label:38s} {status}  {size / 1e3:9.1f} kB  median {statistics.median(times):7.2f} s"
              f"  fastest {min(times):7.2f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, help="Folder to build the store in (scale.db).")
    parser.add_argument("--documents", type=int, default=11_000)
    parser.add_argument("--corpus", type=Path, help="The shared corpus (default: scale.py's, ../shared/corpus).")
    parser.add_argument("--url", help="Base URL of a running gongbao serve.")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.documents, args.corpus)
    if args.url:
        measure(args.url.rstrip("/"), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

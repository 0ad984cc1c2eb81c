"""Crash safety (issue 7): ``gongbao ingest`` killed with SIGKILL at random moments never
leaves a half-stored issue, and running it again completes the store.

Each run ingests the three corpus issues into a new store (a SQLite file; a database of
the test PostgreSQL server) and is killed at a seeded random
moment of the ingest (after a random number of issues were stored, plus a random part of
the time the next issue takes: while parsing, tokenizing or writing one). Then
``check_integrity()`` is empty, every stored issue equals the same issue of a reference
ingest (its export records) and the others are absent; a second ingest, not
killed, completes, and the store's export equals the reference's. Runs go two at a time.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gongbao.store import open_store

from .conftest import BACKENDS
from .reliability import GONGBAO, cli_env, export_jsonl, make_variants, records_by_gazette

RUNS = {"sqlite": 20, "postgresql": 20}  # really killed ingests per backend
SEED = 20241205
pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")


def ingest(folder: Path, db: str) -> subprocess.Popen:
    # the per-issue lines go to stderr (the progress console), one per stored issue; one
    # process, as the kill moments are placed by the time one issue takes (workers parse ahead;
    # a killed ingest with workers: tests/test_ingest_jobs.py)
    return subprocess.Popen([*GONGBAO, "ingest", str(folder), "--db", str(db), "--jobs", "1"], env=cli_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module", params=BACKENDS)
def reference(request, tmp_path_factory, new_store_url) -> dict:
    """The inputs, and what a whole ingest of them stores (and how long it takes), on one
    backend; ``new_url()`` makes the store of each run."""
    root = tmp_path_factory.mktemp("crash")
    make_variants(root / "in", 1)  # the corpus, as it is
    reference_url = new_store_url(request.param)
    started = time.monotonic()
    process = ingest(root / "in", reference_url)
    assert process.stderr is not None
    lines, stamps = [], []
    for line in process.stderr:  # when each issue is reported stored
        lines.append(line)
        stamps.append(time.monotonic())
    process.wait(timeout=300)
    errors = "".join(lines)
    assert process.returncode == 0, errors
    with open_store(reference_url) as store:
        assert store.check_integrity() == []
        export = export_jsonl(store)
        counts = {g["id"]: g["document_count"] for g in store.list_gazettes()}
    assert len(counts) == 3 and len(stamps) >= 3, errors
    # how long each issue takes to be reported stored after the one before (the first: from
    # the start, start-up included); issues differ in size, so each kill is placed by its own
    durations = [b - a for a, b in zip([started, *stamps[:2]], stamps[:3])]
    return {"backend": request.param, "new_url": lambda: new_store_url(request.param), "inputs": root / "in",
            "durations": durations, "export": export, "issues": records_by_gazette(export), "counts": counts}


def crash_run(reference: dict, run: int, after: int, extra: float) -> dict:
    """Ingest into a new store; once ``after`` issues are reported stored, wait ``extra``
    (a fraction of the time the next issue took in the reference ingest) and SIGKILL. Progress, not wall time, places
    the kill: the runs stay spread over the whole ingest on a loaded machine too."""
    db = reference["new_url"]()
    process = ingest(reference["inputs"], db)
    assert process.stderr is not None
    for _ in range(after):  # one line per issue, printed once it is stored
        if not process.stderr.readline():
            break
    time.sleep(extra * reference["durations"][after])
    finished_first = process.poll() is not None
    if not finished_first:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    with open_store(db) as store:  # SQLite: recovers the WAL the killed process left
        problems = store.check_integrity()
        stored = records_by_gazette(export_jsonl(store))
        counts = {g["id"]: g["document_count"] for g in store.list_gazettes()}
    assert problems == [], (run, problems)
    for gid, records in stored.items():  # complete, record for record, or absent
        assert counts[gid] == reference["counts"][gid], (run, gid)
        assert records == reference["issues"][gid], (run, gid)
    assert set(counts) <= set(reference["counts"]) and set(counts) == set(stored), run

    again = ingest(reference["inputs"], db)
    _, errors = again.communicate(timeout=300)
    assert again.returncode == 0, (run, errors)
    with open_store(db) as store:
        assert store.check_integrity() == [], run
        assert export_jsonl(store) == reference["export"], run
    if reference["backend"] == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    return {"run": run, "after": after, "extra": extra, "stored_at_kill": len(counts), "finished_first": finished_first}


def test_sigkill_during_ingest_never_leaves_a_partial_issue(reference: dict) -> None:
    rng = random.Random(SEED)
    issues = len(reference["counts"])
    wanted = RUNS[reference["backend"]]
    runs: list[dict] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        # two at a time until RUNS ingests were really killed (one that finished before its
        # moment came is checked the same, but does not count)
        while sum(not r["finished_first"] for r in runs) < wanted and len(runs) < wanted + 10:
            batch = [(len(runs) + i, rng.randrange(issues), rng.uniform(0.0, 1.2)) for i in range(2)]
            runs += pool.map(lambda args: crash_run(reference, *args), batch)
    killed = [r for r in runs if not r["finished_first"]]
    print(f"{len(runs)} runs, {len(killed)} killed; issues stored at the kill:",
          sorted(r["stored_at_kill"] for r in killed))  # shown with -s or on failure
    assert len(killed) >= wanted, runs
    # the kills fell before, between and after issues, not all in one place
    assert len({r["stored_at_kill"] for r in killed}) >= 3, runs

"""Concurrent writers and readers on one store of each backend, through real processes.

``gongbao serve`` runs as a subprocess on a free 127.0.0.1 port; 4 ``gongbao ingest``
processes each ingest 2 issues of their own (corpus files with another issue number on the
cover) while 50 asyncio clients call the API for ~15 s. Every response must be 200 and valid
JSON, every ingest must exit 0, and afterwards every new issue must be stored with all its
documents. The harness is ``bench/load.py`` (the same run for longer: ``--seconds 60``).
"""
from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import BACKENDS, CORPUS, ROOT

SECONDS = 15
CLIENTS = 50
INGESTERS = 4
ISSUES_PER_INGESTER = 2


def _bench_load():
    spec = importlib.util.spec_from_file_location("gongbao_bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


load = _bench_load()


def test_variants_are_distinct_issues(tmp_path):
    paths = load.make_variants(CORPUS, tmp_path, 30)
    expected = load.expected_issues(paths[:: 7])  # raises when two variants share a gazette id
    assert len(expected) == len(paths[:: 7]) and all(count >= 20 for count in expected.values())
    assert len({path.read_bytes() for path in paths}) == 30


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")
@pytest.mark.parametrize("backend", BACKENDS)
def test_ingest_while_50_clients_search(tmp_path, capsys, new_store_url, backend):
    db, groups, expected = load.prepare(tmp_path, CORPUS, INGESTERS, ISSUES_PER_INGESTER, new_store_url(backend))
    result = load.run_load(db, groups, clients=CLIENTS, seconds=SECONDS, workdir=tmp_path)
    with capsys.disabled():
        print(f"\n[concurrency, {backend}] {CLIENTS} clients, {INGESTERS} ingest processes × {ISSUES_PER_INGESTER}"
              f" issues: " + result.line())
    assert result.error_count == 0 and not result.errors, result.errors
    assert [code for code, _ in result.ingest] == [0] * INGESTERS, [output for _, output in result.ingest]
    assert all(0 < seconds for seconds in result.ingest_seconds)
    assert result.requests > CLIENTS * 5, result.line()  # the clients really ran
    assert load.check_stored(db, expected) == []
    outputs = "".join(output for _, output in result.ingest)
    assert outputs.count("added") == len(expected) and "locked" not in outputs

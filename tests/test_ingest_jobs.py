"""``gongbao ingest --jobs N``: worker processes parse, one process stores in input order, and
the store ends exactly as ``--jobs 1`` leaves it (documents, layers, search answers), bad files
included: the same error lines and exit code, the other files stored."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongbao.cli import app
from gongbao.extract import layer_names
from gongbao.search import SearchQuery, search
from gongbao.store import open_store
from tests.conftest import BACKENDS
from tests.reliability import GONGBAO, cli_env
from tests.test_search_quality import CASES, PHRASE_CASES

SYNTHETIC = Path(__file__).parent / "fixtures" / "synthetic"
NOT_A_GAZETTE = "会议纪要\n\n今天天气很好，大家讨论了春游的安排。\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, corpus) -> Path:
    """The three real issues and three synthetic gazettes, with a file that is not a gazette
    in the middle (files are ingested in name order)."""
    folder = tmp_path_factory.mktemp("inputs")
    for k, path in enumerate(sorted(corpus.glob("00*.txt"))
                             + [SYNTHETIC / n for n in ("01_taiyuan_zhengfuling.txt", "02_jinzhong_jueding_yijian.txt",
                                                        "04_xiyang_joint_side_by_side.txt")]):
        shutil.copy(path, folder / f"{2 * k:02d}_{path.name}")
    (folder / "05_minutes.txt").write_text(NOT_A_GAZETTE, encoding="utf-8")
    return folder


def ingest(folder: Path, url: str, jobs: int):
    return CliRunner().invoke(app, ["ingest", str(folder), "--db", url, "--jobs", str(jobs)],
                              env={"GONGBAO_DB": None, "COLUMNS": "200"})


def contents(url: str) -> dict:
    """Everything a reader of the store sees, ingestion times masked."""
    with open_store(url) as store:
        answers = {}
        for params, *_ in CASES + PHRASE_CASES:
            result = dataclasses.asdict(search(store, SearchQuery(**params, per_page=50)))
            answers[json.dumps(params, ensure_ascii=False)] = result
        return {
            "gazettes": [_masked(g) for g in store.list_gazettes()],
            "documents": [_masked(d) for d in store.list_documents(None)],
            "layers": {layer: list(store.list_layer(layer)) for layer in layer_names()},
            "search": answers,
        }


def _masked(row: dict) -> dict:
    return {key: value for key, value in row.items() if key not in ("ingested_at", "updated_at")}


def _lines(output: str) -> list[str]:
    """The output lines, spaces squeezed."""
    return [re.sub(r"\s+", " ", line).strip() for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_jobs_2_stores_what_jobs_1_stores(backend, inputs, new_store_url):
    one, two = new_store_url(backend), new_store_url(backend)
    serial, parallel = ingest(inputs, one, 1), ingest(inputs, two, 2)

    # the bad file is named with its reason, the batch goes on, the exit code says it failed
    assert serial.exit_code == parallel.exit_code == 1, parallel.output
    errors = [line for line in _lines(parallel.output) if line.startswith("error")]
    assert errors == [f"error {inputs / '05_minutes.txt'}: not a gazette issue: no official document "
                      "(title + 文号/主送) found"]
    assert _lines(parallel.output) == _lines(serial.output)
    assert sum(line.startswith("added") for line in _lines(parallel.output)) == 6

    stored = contents(two)
    assert stored == contents(one)
    assert len(stored["gazettes"]) == 6 and stored["documents"]
    assert any(answer["total"] for answer in stored["search"].values())

    # again: every file unchanged (the bad one refused again), nothing stored differs
    again = ingest(inputs, two, 2)
    assert again.exit_code == 1
    assert sum(line.startswith("unchanged") for line in _lines(again.output)) == 6
    assert contents(two) == stored


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_ingest_leaves_no_worker_behind(inputs, tmp_path):
    """SIGKILL the storing process: its workers end too (they would otherwise wait for their
    next file for ever, keeping the caller's pipes open), and the store holds whole issues."""
    db = tmp_path / "killed.db"
    process = subprocess.Popen([*GONGBAO, "ingest", str(inputs), "--db", str(db), "--jobs", "2"], env=cli_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    assert process.stderr.readline()  # one issue stored: the workers are parsing the next ones
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)  # the end of stderr: no process holds it any more
    with open_store(str(db)) as store:
        assert store.check_integrity() == []
        assert 1 <= len(store.list_gazettes()) < 6

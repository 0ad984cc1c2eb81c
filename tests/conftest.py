"""Shared fixtures: the shared corpus beside the project root."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
GOLD = CORPUS / "gold"


def gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.json"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"shared corpus not found at {CORPUS}")
    return CORPUS


def load_gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# -- a store of the corpus, for the API, web and browser tests ----------------------

# A document meant to break pages: markup, quotes and full-text operators in
# its title and body. It must come out inert everywhere it is shown.
HOSTILE_GAZETTE = """平定县人民政府公报
2024年第{issue}期

平定县人民政府文件

平政发〔2024〕9号

平定县人民政府
关于<script>alert(1)</script>“引号”"双引号"'单引号' AND OR NEAR * 安全检查的通知

各乡（镇）人民政府，县直各有关单位：

　　为做好<script>alert(1)</script>安全检查工作，"NEAR(安全 检查)" OR 安全* -生产 title:^ <img src=x onerror=alert(2)> 现通知如下。

　　一、加强&amp;领导

　　各单位要高度重视。

平定县人民政府

2024年1月5日

（此件公开发布）
"""


def save_text(store, text: str, name: str):
    """Parse a gazette text and store it (no validation: hostile input is the point)."""
    from gongbao.export import document_records
    from gongbao.pipeline import parse_text

    result = parse_text(text, name)
    return store.save_parse(result, document_records(result))


# Store backends every backend-neutral store test runs on. PostgreSQL is a real server
# (Debian's postgresql package, which .ci/run installs) started in a temporary directory.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster of the session (initdb + pg_ctl on a free port), removed after."""
    from gongbao.store.pg_cluster import TemporaryCluster, server_bin

    if server_bin() is None:
        pytest.fail("PostgreSQL server binaries not found: apt-get install postgresql (.ci/run does)")
    with TemporaryCluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def new_store_url(tmp_path_factory, request):
    """Make the URL of a new, empty store of a backend: ``new_store_url("postgresql")``."""
    import itertools

    numbers = itertools.count(1)
    clusters: list = []  # the session's cluster, looked up once (later calls may come from threads)

    def make(backend: str) -> str:
        if backend == "sqlite":
            return str(tmp_path_factory.mktemp("store") / "store.db")
        if backend == "postgresql":
            if not clusters:
                clusters.append(request.getfixturevalue("pg_cluster"))
            return clusters[0].create_database(f"test_{next(numbers)}")
        raise ValueError(backend)

    return make


@pytest.fixture(scope="session")
def pg_corpus_url(new_store_url, corpus) -> str:
    """A PostgreSQL store holding the three corpus issues, ingested once per session."""
    from gongbao.ingest import ingest_file
    from gongbao.store import open_store

    url = new_store_url("postgresql")
    with open_store(url) as store:
        for source in sorted(corpus.glob("00*.txt")):
            outcome = ingest_file(store, source)
            assert outcome.status == "added", outcome.error
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def corpus_store_url(request) -> str:
    """The corpus store of each backend (read only)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("corpus_db"))
    return request.getfixturevalue("pg_corpus_url")


@pytest.fixture(scope="session")
def corpus_db(tmp_path_factory, corpus) -> Path:
    """A SQLite store file holding the three corpus issues, ingested once per session."""
    from gongbao.ingest import ingest_file
    from gongbao.store import open_store

    path = tmp_path_factory.mktemp("store") / "corpus.db"
    with open_store(path) as store:
        for source in sorted(corpus.glob("00*.txt")):
            outcome = ingest_file(store, source)
            assert outcome.status == "added", outcome.error
    return path


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory, corpus_db) -> Path:
    """The corpus store plus two issues carrying the hostile document (same 文号 in both)."""
    import sqlite3
    from contextlib import closing

    from gongbao.store import open_store

    path = tmp_path_factory.mktemp("store") / "hostile.db"
    with closing(sqlite3.connect(corpus_db)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    with open_store(path) as store:
        for issue in (1, 2):
            save_text(store, HOSTILE_GAZETTE.format(issue=issue), f"hostile_{issue}.txt")
    return path

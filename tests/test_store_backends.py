"""The Store contract on every backend (SQLite file, PostgreSQL server), and moving a
whole store between them (``gongbao migrate``).

PostgreSQL is a real server started by the ``pg_cluster`` fixture (conftest)."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongbao.cli import app
from gongbao.errors import StoreError
from gongbao.export import document_records
from gongbao.ingest import ingest_file
from gongbao.pipeline import parse_text
from gongbao.search import SearchQuery, search
from gongbao.store import open_store
from gongbao.store.transfer import TABLES, table_rows

from .conftest import BACKENDS
from .reliability import make_variants, mount_tmpfs

CLI = [str(Path(sys.executable).parent / "gongbao")]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture()
def url(backend, new_store_url) -> str:
    return new_store_url(backend)


def corpus_files(corpus) -> list[Path]:
    return sorted(corpus.glob("00*.txt"))


def tables(store) -> dict[str, list[tuple]]:
    return {table: list(table_rows(store, table)) for table in TABLES}


def hits(store, **query) -> list[tuple[str, list[str]]]:
    result = search(store, SearchQuery(per_page=100, **query))
    return [(hit.id, hit.excerpts) for hit in result.hits]


# -- the contract --------------------------------------------------------------------------


def test_save_is_added_then_unchanged_then_replaced_with_history(url, corpus) -> None:
    source = corpus_files(corpus)[1]
    text = source.read_text(encoding="utf-8")
    with open_store(url) as store:
        assert ingest_file(store, source).status == "added"
        assert ingest_file(store, source).status == "unchanged"  # re-ingest: a no-op
        before = tables(store)
        assert ingest_file(store, source).status == "unchanged" and tables(store) == before
        fixed = parse_text(text.replace("全域旅游", "全域旅游业"), source.name)
        outcome = store.save_parse(fixed, document_records(fixed))
        assert outcome.status == "replaced" and outcome.gazette_id == "140322/2024/2"
        gazette = store.get_gazette("140322/2024/2")
        assert [h["replaced_by_sha256"] for h in gazette["history"]] == [fixed.source.sha256]
        assert len(gazette["documents"]) == gazette["document_count"] == 23
        assert store.stats()["gazette_history"] == 1
        assert store.check_integrity() == []


def test_reading_back_what_was_stored(url, corpus) -> None:
    with open_store(url) as store:
        for source in corpus_files(corpus):
            ingest_file(store, source)
        assert [g["id"] for g in store.list_gazettes()] == ["140300/2020/3", "140322/2023/3", "140322/2024/2"]
        records = list(store.list_documents("140322/2023/3"))
        assert [r["seq"] for r in records] == list(range(1, 48))
        assert store.get_document("140322/2023/3/1") == records[0]
        assert store.get_document("../../etc/passwd") is None
        [found] = store.find_by_doc_number("盂政发 [2023] 48号")
        assert found["id"] == "140322/2023/3/1"
        assert ("140322/2023/3/1", "盂政发") in store.doc_number_candidates(2023, 48)
        assert store.region_misprints().get("孟") == "盂"
        gid, name, text, sha256 = next(iter(store.sources()))
        assert gid == "140300/2020/3" and name.startswith("004_") and len(text) > 10_000 and len(sha256) == 64
        stats = store.stats()
        assert (stats["gazettes"], stats["documents"]) == (3, 113) and stats["backend"] in BACKENDS
        gazette = store.get_gazette("140322/2023/3")
        assert len(gazette["toc"]) == 28 and gazette["repairs"] and gazette["meta"]["region_code"] == "140322"
        assert store.check_integrity() == []


def test_optimizing_the_search_index_keeps_every_answer(url, backend, corpus) -> None:
    queries = [{"q": "安全生产"}, {"q": "煤矿", "level": "carried"}, {"q": "挂牌督办"}, {}]
    with open_store(url) as store:
        for source in corpus_files(corpus):
            ingest_file(store, source)
        before = [hits(store, **query) for query in queries]
        if backend == "postgresql":
            assert _gin_pending_pages(url) > 0  # fastupdate: the new entries wait in the pending list
        store.optimize_search_index()
        assert [hits(store, **query) for query in queries] == before
        assert all(before)
        if backend == "postgresql":
            assert _gin_pending_pages(url) == 0  # merged into the index proper
        assert store.check_integrity() == []


def _gin_pending_pages(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        return conn.execute("SELECT pending_pages FROM pgstatginindex('search_docs_grams')").fetchone()[0]


def test_a_failed_save_leaves_nothing(url, corpus, monkeypatch) -> None:
    """The issue's rows are written, then the layer insert fails: nothing of it remains."""
    from gongbao.store import postgres, sqlite

    module = sqlite if url.endswith(".db") else postgres

    def broken(db, layers):
        raise StoreError("simulated failure while writing layers")

    monkeypatch.setattr(module, "_insert_layers", broken)
    with open_store(url) as store:
        with pytest.raises(StoreError, match="simulated failure"):
            result = parse_text(corpus_files(corpus)[1].read_text(encoding="utf-8"), "001.txt")
            store.save_parse(result, document_records(result))
        assert store.stats()["gazettes"] == 0 and store.stats()["documents"] == 0
        assert list(store.list_layer("personnel")) == [] and search(store, SearchQuery(q="全域旅游")).total == 0


def test_a_closed_store_says_so(url) -> None:
    store = open_store(url)
    store.close()
    store.close()  # twice is harmless
    with pytest.raises(StoreError, match="closed"):
        store.list_gazettes()


def test_postgresql_errors_name_the_server_not_the_password(pg_cluster) -> None:
    with pytest.raises(StoreError) as raised:
        open_store(f"postgresql://gongbao:secret@127.0.0.1:{pg_cluster.port}/no_such_database")
    assert "no_such_database" in str(raised.value) and "secret" not in str(raised.value)


# -- migrate between backends ----------------------------------------------------------------


def test_migrate_sqlite_to_postgresql_and_back_is_lossless(new_store_url, corpus) -> None:
    first, server, back = new_store_url("sqlite"), new_store_url("postgresql"), new_store_url("sqlite")
    with open_store(first) as store:
        for source in corpus_files(corpus):
            ingest_file(store, source)
        fixed = parse_text(corpus_files(corpus)[0].read_text(encoding="utf-8") + "\n附：更正\n", "000_fixed.txt")
        store.save_parse(fixed, document_records(fixed))  # a replaced parse in history too
        original = tables(store)
    runner = CliRunner()
    for source, target in ((first, server), (server, back)):
        done = runner.invoke(app, ["migrate", source, target])
        assert done.exit_code == 0, done.output
        assert "3 issue(s), 113 document(s)" in done.output
    with open_store(first) as a, open_store(server) as p, open_store(back) as b:
        assert tables(p) == original and tables(b) == original
        assert sum(len(rows) for rows in original.values()) > 5000 and original["gazette_history"]
        for store in (p, b):
            assert store.check_integrity() == []
            for query in ({"q": "安全生产"}, {"q": "任免", "region": "盂县"}, {"q": "盂政发〔2023〕48号"}):
                found = {h for h, _ in hits(store, **query)}
                assert found and found == {h for h, _ in hits(a, **query)}, query  # ranking is the backend's
            assert list(store.list_layer("hazards")) == list(a.list_layer("hazards"))
        assert hits(b, q="安全生产") == hits(a, q="安全生产")  # same backend: same order, same excerpts
    refused = runner.invoke(app, ["migrate", first, server])  # the target holds issues now
    assert refused.exit_code == 1 and "empty store" in refused.output


# -- PostgreSQL under concurrent writers and readers ------------------------------------------


def test_concurrent_ingest_processes_and_readers_on_postgresql(new_store_url, corpus, tmp_path) -> None:
    """Four `gongbao ingest` processes write different issues at once while threads search:
    every issue is stored whole, no reader fails or waits for a writer."""
    url = new_store_url("postgresql")
    folders = [tmp_path / f"v{k}" for k in range(4)]
    for path in make_variants(tmp_path / "all", copies=4):  # v0_… v3_…: 12 different issues
        folder = tmp_path / path.name.split("_", 1)[0]
        folder.mkdir(exist_ok=True)
        path.rename(folder / path.name)
    with open_store(url) as store:  # migrate once, before the workers race to
        pass
    errors: list[BaseException] = []
    latencies: list[float] = []
    stop = threading.Event()

    def reader() -> None:
        with open_store(url) as store:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    search(store, SearchQuery(q="安全"))
                    store.list_gazettes()
                except BaseException as error:  # noqa: BLE001 - any failure is the finding
                    errors.append(error)
                latencies.append(time.perf_counter() - started)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    workers = [subprocess.Popen([*CLI, "ingest", str(folder), "--db", url], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for folder in folders]
    outputs = [worker.communicate(timeout=600)[0] for worker in workers]
    stop.set()
    for thread in readers:
        thread.join()
    assert [w.returncode for w in workers] == [0] * 4, outputs
    assert errors == []
    with open_store(url) as store:
        gazettes = store.list_gazettes()
        assert len(gazettes) == 12 and len({g["id"] for g in gazettes}) == 12
        assert sorted(g["document_count"] for g in gazettes) == sorted([23, 43, 47] * 4)
        assert store.stats()["documents"] == 4 * 113 and store.check_integrity() == []
    assert latencies and max(latencies) < 30


def test_a_reader_is_not_blocked_by_an_open_write_transaction(pg_corpus_url) -> None:
    import psycopg

    with psycopg.connect(pg_corpus_url) as writer:
        writer.execute("UPDATE documents SET title = title || '（草稿）' WHERE gazette_id = '140322/2023/3'")
        writer.execute("LOCK TABLE search_terms IN SHARE ROW EXCLUSIVE MODE")  # as a writer holds it
        with open_store(pg_corpus_url) as store:
            started = time.perf_counter()
            result = search(store, SearchQuery(q="安全"))
            document = store.get_document("140322/2023/3/1")
            assert time.perf_counter() - started < 5
        assert result.total > 0 and "草稿" not in document["title"]  # the committed state
        writer.rollback()


def test_cli_runs_every_store_command_on_postgresql(pg_corpus_url, tmp_path) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["list", "--db", pg_corpus_url], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "140322/2023/3" in shown.output
    found = runner.invoke(app, ["search", "消防", "--db", pg_corpus_url, "--json"])
    assert found.exit_code == 0 and json.loads(found.output)["total"] >= 5
    exported = runner.invoke(app, ["export", "--db", pg_corpus_url, "--format", "jsonl"])
    assert exported.exit_code == 0 and len(exported.output.splitlines()) == 113
    checked = runner.invoke(app, ["fsck", "--db", pg_corpus_url])
    assert checked.exit_code == 0 and "OK" in checked.output


def test_the_web_api_and_pages_serve_a_postgresql_store(pg_corpus_url) -> None:
    from fastapi.testclient import TestClient

    from gongbao.http import create_app

    with TestClient(create_app(pg_corpus_url)) as client:
        found = client.get("/api/documents", params={"q": "消防", "region": "盂县"})
        assert found.status_code == 200 and found.json()["total"] >= 5
        assert client.get("/api/documents/140322/2023/3/1").json()["doc_number"] == "盂政发〔2023〕48号"
        page = client.get("/140322/2023/3/1")
        assert page.status_code == 200 and "任丽鹏" in page.text
        assert client.get("/api/layers/personnel", params={"person": "任丽鹏"}).json()["records"]
        assert client.get("/api/documents/140322/2023/3/999").status_code == 404


def test_an_estimated_total_is_said_in_the_api_the_page_and_the_cli(pg_corpus_url, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from gongbao.http import create_app
    from gongbao.store import postgres_search

    with TestClient(create_app(pg_corpus_url)) as client:
        exact = client.get("/api/documents", params={"q": '"实施方案"', "per_page": 2}).json()
        assert exact["total_estimated"] is False
        assert "共 <strong>" in client.get("/search", params={"q": '"实施方案"', "per_page": 2}).text
        monkeypatch.setattr(postgres_search, "VERIFY_MAX", 10)  # "实施方案" has more candidates than that
        estimated = client.get("/api/documents", params={"q": '"实施方案"', "per_page": 2}).json()
        assert estimated["total_estimated"] is True and estimated["total"] >= exact["total"]
        assert [h["id"] for h in estimated["hits"]] == [h["id"] for h in exact["hits"]]
        assert f"约 <strong>{estimated['total']}</strong>" in client.get(
            "/search", params={"q": '"实施方案"', "per_page": 2}).text
    printed = CliRunner().invoke(app, ["search", '"实施方案"', "--db", pg_corpus_url, "--limit", "2"])
    assert printed.exit_code == 0 and "共约 " in printed.output


def test_a_streaming_replica_serves_searches_while_the_primary_ingests(corpus) -> None:
    """The deployment the README describes: writers on the primary, `gongbao serve` on a
    hot standby (pg_basebackup -R), which never writes — not even a migration."""
    from fastapi.testclient import TestClient

    from gongbao.http import create_app
    from gongbao.store.pg_cluster import TemporaryCluster

    files = corpus_files(corpus)
    with TemporaryCluster() as primary:
        with open_store(primary.url) as store:
            ingest_file(store, files[0])  # schema created on the primary
        with TemporaryCluster(replica_of=primary) as replica:
            with TestClient(create_app(replica.url)) as client:
                assert client.get("/api/documents", params={"q": "消防"}).json()["total"] >= 5
                with open_store(primary.url) as store:
                    ingest_file(store, files[1])
                deadline = time.monotonic() + 30
                while client.get("/api/gazettes").json().__len__() < 2 and time.monotonic() < deadline:
                    time.sleep(0.2)  # replication lag
                assert [g["id"] for g in client.get("/api/gazettes").json()] == ["140322/2023/3", "140322/2024/2"]
                assert client.get("/api/documents", params={"q": "全域旅游"}).json()["total"] >= 2
            with open_store(replica.url) as standby, pytest.raises(StoreError, match="read-only|recovery"):
                result = parse_text(files[2].read_text(encoding="utf-8"), files[2].name)
                standby.save_parse(result, document_records(result))


def test_backup_and_restore_a_postgresql_store(pg_corpus_url, new_store_url, tmp_path) -> None:
    runner = CliRunner()
    dump = tmp_path / "archive.pgdump"
    made = runner.invoke(app, ["backup", str(dump), "--db", pg_corpus_url])
    assert made.exit_code == 0, made.output
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert runner.invoke(app, ["backup", str(dump), "--db", pg_corpus_url]).exit_code == 1  # never overwritten
    target = new_store_url("postgresql")
    with open_store(target) as store:  # something to replace
        ingest_file(store, sorted(Path(__file__).parent.glob("fixtures/synthetic/*.txt"))[0])
    refused = runner.invoke(app, ["restore", str(dump), "--db", target])
    assert refused.exit_code == 1 and "--force" in refused.output
    done = runner.invoke(app, ["restore", str(dump), "--db", target, "--force"])
    assert done.exit_code == 0, done.output
    with open_store(pg_corpus_url) as original, open_store(target) as restored:
        assert tables(restored) == tables(original)
        assert hits(restored, q="消防") == hits(original, q="消防")
        assert restored.check_integrity() == []
    not_a_dump = tmp_path / "notes.txt"
    not_a_dump.write_text("hello", encoding="utf-8")
    wrong = runner.invoke(app, ["restore", str(not_a_dump), "--db", target, "--force"])
    assert wrong.exit_code == 1 and "not a PostgreSQL backup" in wrong.output
    with open_store(target) as still:
        assert still.stats()["documents"] == 113


def test_messages_never_print_a_password(pg_cluster) -> None:
    from gongbao.store import redact

    secret_url = f"postgresql://gongbao:s3cret@127.0.0.1:{pg_cluster.port}/gongbao"
    assert redact(secret_url) == f"postgresql://gongbao:***@127.0.0.1:{pg_cluster.port}/gongbao"
    assert redact("host=db password=s3cret dbname=x") == "host=db password=*** dbname=x"
    checked = CliRunner().invoke(app, ["fsck", "--db", secret_url])  # trust auth: the password is ignored
    assert checked.exit_code == 0 and "s3cret" not in checked.output and "***" in checked.output


def test_a_locked_postgresql_store_fails_the_save_after_the_busy_timeout(pg_corpus_url, corpus, monkeypatch) -> None:
    import psycopg

    monkeypatch.setenv("GONGBAO_BUSY_TIMEOUT_MS", "300")
    fixed = parse_text(corpus_files(corpus)[1].read_text(encoding="utf-8") + "\n附：更正\n", "001_fixed.txt")
    with open_store(pg_corpus_url) as store:
        before = tables(store)
        with psycopg.connect(pg_corpus_url) as holder:
            holder.execute("LOCK TABLE gazettes IN ACCESS EXCLUSIVE MODE")  # e.g. a restore running
            started = time.monotonic()
            with pytest.raises(StoreError, match="lock timeout"):
                store.save_parse(fixed, document_records(fixed))
            assert time.monotonic() - started < 10
            holder.rollback()
        assert tables(store) == before and store.check_integrity() == []


def test_fsck_finds_what_was_damaged_in_a_postgresql_store(new_store_url, corpus) -> None:
    import psycopg

    url = new_store_url("postgresql")
    with open_store(url) as store:
        ingest_file(store, corpus_files(corpus)[1])
    runner = CliRunner()
    assert runner.invoke(app, ["fsck", "--db", url]).exit_code == 0
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DELETE FROM search_docs WHERE doc_id = '140322/2024/2/3'")
        db.execute("UPDATE gazettes SET document_count = 24")
    checked = runner.invoke(app, ["fsck", "--db", url], env={"COLUMNS": "200"})
    assert checked.exit_code == 1
    assert "documents missing from the search index: 1 (e.g. 140322/2024/2/3)" in checked.output
    assert "document count differs" in checked.output
    with open_store(url) as store:
        assert len(store.check_integrity()) == 2


def _stored_issues(url: str) -> tuple[int, list[str]]:
    with open_store(url) as store:
        return store.stats()["gazettes"], store.check_integrity()


def test_a_read_only_postgresql_store_fails_the_ingest_and_keeps_everything(pg_cluster, new_store_url, corpus) -> None:
    """A database switched to read-only (a replica promoted wrong, a maintenance window): the
    ingest fails with the store and the reason, exit 1, and nothing of the issue is written."""
    import psycopg

    url = new_store_url("postgresql")
    with open_store(url) as store:
        assert ingest_file(store, corpus_files(corpus)[0]).status == "added"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(pg_cluster.url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        try:
            result = CliRunner().invoke(app, ["ingest", str(corpus_files(corpus)[1]), "--db", url])
            assert result.exit_code == 1, result.output
            assert "read-only" in result.output and f"/{name}" in result.output, result.output
            assert _stored_issues(url) == (1, [])
        finally:
            admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    assert CliRunner().invoke(app, ["ingest", str(corpus_files(corpus)[1]), "--db", url]).exit_code == 0
    assert _stored_issues(url) == (2, [])


def test_a_full_disk_under_postgresql_fails_the_save_and_keeps_everything(pg_cluster, corpus) -> None:
    """The store's tables on a tablespace of a small tmpfs, filled up: the save fails with the
    server's reason (no space left), nothing of the issue stays; with space again it goes in."""
    import os
    import shutil
    import tempfile

    import psycopg

    base = Path(tempfile.mkdtemp(prefix="gongbao-tablespace-"))  # outside pytest's 0700 folders:
    base.chmod(0o755)  # the server's account must reach it
    disk = base / "disk"
    if not mount_tmpfs(disk, "64m"):
        shutil.rmtree(base)
        pytest.skip("cannot mount a tmpfs here (needs root)")
    if pg_cluster.account is not None:
        os.chown(disk, pg_cluster.account.pw_uid, pg_cluster.account.pw_gid)
    admin = psycopg.connect(pg_cluster.url, autocommit=True)
    try:
        admin.execute(f"CREATE TABLESPACE small_disk LOCATION '{disk}'")
        admin.execute('CREATE DATABASE "full_disk" TABLESPACE small_disk')
        url = pg_cluster.url.rsplit("/", 1)[0] + "/full_disk"
        with open_store(url) as store:
            assert ingest_file(store, corpus_files(corpus)[0]).status == "added"
            filler = disk / "filler"
            with open(filler, "wb") as out:  # leave about 256 KiB
                out.write(b"\0" * max(0, shutil.disk_usage(disk).free - 256 * 1024))
            outcome = ingest_file(store, corpus_files(corpus)[1])
            assert outcome.status == "error" and "No space left on device" in outcome.error, outcome.error
            assert "full_disk" in outcome.error
            filler.unlink()
        assert _stored_issues(url) == (1, [])
        with open_store(url) as store:
            assert ingest_file(store, corpus_files(corpus)[1]).status == "added"
        assert _stored_issues(url) == (2, [])
    finally:
        admin.execute('DROP DATABASE IF EXISTS "full_disk" WITH (FORCE)')
        admin.execute("DROP TABLESPACE IF EXISTS small_disk")
        admin.close()
        subprocess.run(["umount", "-l", str(disk)], check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_the_sampled_documents_have_a_bigram_index_of_their_own(pg_corpus_url) -> None:
    """Migration 0003: the documents of sample level 3 and above (an eighth) have a GIN index of
    their own, for counting a search on a sample. Which index the planner takes depends on the
    store's size (at 1M documents: bench/RESULTS.md); here, that it is there, valid, and
    answers as the whole index does."""
    import psycopg

    from gongbao.search.index import SAMPLE_SPACE

    with psycopg.connect(pg_corpus_url) as conn:
        definition, valid = conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index AS i"
            " JOIN pg_class AS c ON c.oid = i.indexrelid WHERE c.relname = 'search_docs_grams_sampled'").fetchone()
        assert valid and "USING gin (grams)" in definition and f"sample < {SAMPLE_SPACE >> 3}" in definition
        query = "SELECT array_agg(d.sid ORDER BY d.sid) FROM search_docs AS d WHERE {} AND d.sample < %s"
        by_index = conn.execute(query.format("d.grams @@ %s::tsquery"), ("'安全'", SAMPLE_SPACE >> 3)).fetchone()[0]
        by_row = conn.execute(query.format("ts_match_vq(d.grams, %s::tsquery)"), ("'安全'", SAMPLE_SPACE >> 3)).fetchone()[0]
        assert by_index and by_index == by_row


def test_a_postgresql_search_runs_in_one_snapshot_with_its_own_settings(pg_corpus_url, monkeypatch) -> None:
    """The settings the search strategies rest on (store/postgres.py), sent in one round trip,
    all hold inside the search transaction — and only there."""
    from gongbao.store import postgres_search

    names = ("transaction_isolation", "transaction_read_only", "enable_seqscan", "work_mem", "jit", "plan_cache_mode")
    seen: dict = {}
    search_in = postgres_search.PgSearchIndex.search

    def spy(self, store, conn, query):
        seen.update({name: conn.execute("SELECT current_setting(%s) AS v", (name,)).fetchone()["v"] for name in names})
        return search_in(self, store, conn, query)

    monkeypatch.setattr(postgres_search.PgSearchIndex, "search", spy)
    with open_store(pg_corpus_url) as store:
        assert search(store, SearchQuery(q="安全")).total > 0
        assert seen == {"transaction_isolation": "repeatable read", "transaction_read_only": "on",
                        "enable_seqscan": "off", "work_mem": "64MB", "jit": "off",
                        "plan_cache_mode": "force_custom_plan"}
        with store._connection() as conn:  # a pooled connection afterwards: the defaults again
            assert conn.execute("SELECT current_setting('work_mem') AS v").fetchone()["v"] == "4MB"

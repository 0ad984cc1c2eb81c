"""Expensive anonymous requests, upload token guessing, backup counts and the API schema
(issue #15, items 5–8). Each test makes its own reproducer; no timing thresholds: what is
asserted is behaviour — terms searched once, pages cut by the store, exports read a page at
a time, 503 once a budget is spent, 429 after too many wrong tokens, counts read from the
backup file, the schema declaring what the server accepts."""
from __future__ import annotations

import csv
import logging
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import schemathesis
from schemathesis.generation.modes import GenerationMode
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from gongbao import budget, views
from gongbao.http import create_app
from gongbao.api.upload import MAX_TOKEN_FAILURES
from gongbao.cli import app as cli
from gongbao.errors import StoreError, TimeBudgetExceeded
from gongbao.ingest import ingest_file
from gongbao.search import SearchQuery, parse_query, search
from gongbao.search.query import MAX_TERMS
from gongbao.store import open_store
from gongbao.store.backup import backup_counts

from .conftest import BACKENDS, CORPUS

TOKEN = "limits-upload-token-0123456789"


def _traced(store) -> list[str]:
    """The SQL statements a SQLite store runs from now on."""
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    return statements


# -- query terms ---------------------------------------------------------------------------------


def test_repeated_words_are_searched_once() -> None:
    parsed = parse_query(" ".join(["的 是 在 了 和 有"] * 33))
    assert [[t.text for t in group] for group in parsed.groups] == [["的"], ["是"], ["在"], ["了"], ["和"], ["有"]]
    assert parsed.dropped == ()
    again = parse_query("消防 -燃气 消防 OR 安全 消防 OR 安全 -燃气")
    assert [[t.text for t in g] for g in again.groups] == [["消防"], ["消防", "安全"]]
    assert [t.text for t in again.excluded] == ["燃气"]


def test_terms_beyond_the_cap_are_left_out_in_order() -> None:
    words = [f"w{n}" for n in range(MAX_TERMS + 4)]
    parsed = parse_query(" ".join(words) + " -x1 " + " ".join(words))  # repeated: counted once
    assert [g[0].text for g in parsed.groups] == words[:MAX_TERMS]
    assert [t.text for t in parsed.dropped] == [*words[MAX_TERMS:], "x1"]  # no room left for the exclusion


@pytest.mark.parametrize("backend", BACKENDS)
def test_repeated_and_surplus_terms_through_api_and_page(backend, request) -> None:
    url = request.getfixturevalue("corpus_db" if backend == "sqlite" else "pg_corpus_url")
    with TestClient(create_app(str(url))) as client:
        once = client.get("/api/documents", params={"q": "消防"}).json()
        repeated = client.get("/api/documents", params={"q": " ".join(["消防"] * 80)}).json()
        assert once["total"] > 0 and repeated["total"] == once["total"] and repeated["ignored_terms"] == []
        assert [h["id"] for h in repeated["hits"]] == [h["id"] for h in once["hits"]]
        many = ["消防"] + [f"词{n}" for n in range(MAX_TERMS + 2)]
        answer = client.get("/api/documents", params={"q": " ".join(many)}).json()
        assert answer["ignored_terms"] == many[MAX_TERMS:]
        page = client.get("/search", params={"q": " ".join(many)})
        assert page.status_code == 200 and "未检索" in page.text and many[-1] in page.text
    with open_store(str(url)) as store:
        assert search(store, SearchQuery(q="消防 " * 10)).ignored_terms == []


# -- lists paged at the store --------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_layer_pages_are_cut_by_the_store(backend, request) -> None:
    url = request.getfixturevalue("corpus_db" if backend == "sqlite" else "pg_corpus_url")
    with open_store(str(url)) as store:
        every = list(store.list_layer("tasks"))
        assert len(every) > 10
        assert store.count_layer("tasks") == len(every)
        assert list(store.list_layer("tasks", limit=4, offset=3)) == every[3:7]
        assert list(store.list_layer("tasks", limit=4, offset=len(every))) == []
        by_deadline = sorted(every, key=lambda r: (r.get("deadline") is None, r.get("deadline") or ""))
        assert list(store.list_layer("tasks", order="deadline")) == by_deadline
        assert list(store.list_layer("tasks", order="deadline", limit=5, offset=2)) == by_deadline[2:7]
        region = every[0]["doc_id"].split("/")[0]
        assert store.count_layer("tasks", region=region) == sum(r["doc_id"].startswith(region + "/") for r in every)
        ledger = views.task_ledger(store, limit=3, offset=5, sort="deadline")
        assert ledger["total"] == len(every) and [t["doc_id"] for t in ledger["tasks"]] == [
            r["doc_id"] for r in by_deadline[5:8]]


def test_a_ledger_page_reads_its_page_only(corpus_db) -> None:
    with open_store(corpus_db) as store:
        statements = _traced(store)
        ledger = views.task_ledger(store, limit=1)
        page = views.hazard_registry(store, limit=1)
    listing = [s for s in statements if "FROM layer_records" in s and "SELECT r.data" in s]
    assert "LIMIT 1 OFFSET 0" in listing[0]  # the ledger's page (the registry groups every hazard record)
    # Documents: only the page's (no reading of every issue's records).
    assert not [s for s in statements if "FROM documents WHERE gazette_id" in s]
    reads = [s for s in statements if s.startswith("SELECT record_json FROM documents WHERE id")]
    assert len(ledger["tasks"]) == 1 and page["total"] > 1 and len(page["cases"]) == 1
    assert len(reads) <= 1 + 2  # one task's document, one case's opening and closing documents


@pytest.mark.parametrize("backend", BACKENDS)
def test_csv_and_jsonl_exports_are_read_a_page_at_a_time(backend, request, monkeypatch) -> None:
    url = request.getfixturevalue("corpus_db" if backend == "sqlite" else "pg_corpus_url")
    monkeypatch.setattr(views.records, "EXPORT_PAGE", 7)
    with TestClient(create_app(str(url))) as client:
        ledger = client.get("/api/tasks", params={"limit": 1000, "sort": "deadline"}).json()
        csv_text = client.get("/api/tasks", params={"format": "csv", "sort": "deadline", "bom": "false"}).text
        jsonl = client.get("/api/layers/tasks", params={"format": "jsonl"}).text.splitlines()
    rows = list(csv.reader(csv_text.splitlines()))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["doc_id", "doc_number", "doc_seq", "span"] and {"region_code", "confidence"} <= set(header)
    assert [row[0] for row in body] == [t["doc_id"] for t in ledger["tasks"]] and len(body) == ledger["total"]
    assert len(jsonl) == ledger["total"]
    with open_store(str(url)) as store:
        statements = _traced(store) if backend == "sqlite" else None
        list(views.layer_records(lambda: store, "tasks"))
    if statements is not None:  # one LIMIT query per 7 records
        limited = [s for s in statements if "LIMIT" in s and "FROM layer_records" in s]
        assert len(limited) == ledger["total"] // 7 + 1


# -- the time budget -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_spent_budget_is_a_503_with_retry_after(backend, request) -> None:
    url = request.getfixturevalue("corpus_db" if backend == "sqlite" else "pg_corpus_url")
    with TestClient(create_app(str(url), time_budget=1e-9)) as client:
        for path in ("/api/documents?q=消防", "/api/tasks?limit=1", "/api/hazards", "/api/layers/citations"):
            answer = client.get(path)
            assert answer.status_code == 503, path
            assert answer.json()["error"] == "time_budget_exceeded" and int(answer.headers["retry-after"]) > 0
        page = client.get("/search", params={"q": "消防"})
        assert page.status_code == 503 and int(page.headers["retry-after"]) > 0
        assert "try again later" in page.text
    with TestClient(create_app(str(url))) as client:  # the default budget: the same requests work
        assert client.get("/api/documents", params={"q": "消防"}).status_code == 200
        assert client.get("/api/hazards").status_code == 200


def test_sqlite_interrupts_a_statement_outliving_the_budget(corpus_db) -> None:
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    with open_store(corpus_db) as store:
        with budget.time_budget(0.05) as limit:
            with pytest.raises(StoreError, match="interrupted") as failed:
                store._rows(endless)  # never ends on its own: only the progress handler stops it
            assert limit.spent and isinstance(budget.exceeded(failed.value), TimeBudgetExceeded)
        assert store.count_layer("tasks") > 0  # outside a budget: nothing is interrupted


def test_postgresql_cancels_a_statement_outliving_the_budget(pg_corpus_url) -> None:
    with open_store(pg_corpus_url) as store:
        with budget.time_budget(0.2), pytest.raises(StoreError, match="statement timeout") as failed:
            store._query("SELECT pg_sleep(60)")
        with budget.time_budget(0.2) as limit:
            limit.ends = 0  # spent: no transaction starts at all
            with pytest.raises(TimeBudgetExceeded):
                store.count_layer("tasks")
        assert "statement timeout" in str(failed.value) and store.count_layer("tasks") > 0


def test_a_released_budget_stops_nothing(corpus_db) -> None:
    """A streamed response releases its budget when it starts: the rest may take its time."""
    with open_store(corpus_db) as store, budget.time_budget(1e-9) as limit:
        limit.release()
        assert store.count_layer("tasks") > 0 and not limit.expired()


# -- upload token guessing -----------------------------------------------------------------------


def test_wrong_tokens_are_limited_per_client_and_logged(corpus_db, tmp_path, caplog) -> None:
    db = tmp_path / "upload.db"
    with closing(sqlite3.connect(corpus_db)) as source, closing(sqlite3.connect(db)) as copy:
        source.backup(copy)
    app = create_app(str(db), upload_token=TOKEN)
    wrong = {"Authorization": "Bearer " + "x" * len(TOKEN), "Content-Type": "text/plain"}
    right = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "image/png"}  # passes auth, then 415
    with caplog.at_level(logging.WARNING, logger="gongbao.api.upload"), TestClient(app) as guesser:
        statuses = [guesser.post("/api/gazettes", content=b"x", headers=wrong).status_code
                    for _ in range(MAX_TOKEN_FAILURES)]
        assert statuses == [403] * MAX_TOKEN_FAILURES
        blocked = guesser.post("/api/gazettes", content=b"x", headers=wrong)
        assert blocked.status_code == 429 and blocked.json()["error"] == "too_many_requests"
        assert 0 < int(blocked.headers["retry-after"]) <= 600
        assert guesser.post("/api/gazettes", content=b"x", headers=right).status_code == 429  # even the right one
    logged = [r.getMessage() for r in caplog.records if "wrong upload token" in r.getMessage()]
    assert len(logged) == MAX_TOKEN_FAILURES and TOKEN not in " ".join(logged) and "testclient" in logged[-1]
    with TestClient(app, client=("192.0.2.7", 40000)) as other:  # another client is not blocked
        assert other.post("/api/gazettes", content=b"x", headers=wrong).status_code == 403
        assert other.post("/api/gazettes", content=b"x", headers=right).status_code == 415


# -- backup counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_backup_prints_what_the_backup_file_holds(backend, new_store_url, tmp_path) -> None:
    url = new_store_url(backend)
    files = sorted(CORPUS.glob("00*.txt"))
    with open_store(url) as store:
        assert ingest_file(store, files[0]).status == "added"
        first = store.stats()
    target = tmp_path / ("backup.db" if backend == "sqlite" else "backup.pgdump")
    made = CliRunner().invoke(cli, ["backup", str(target), "--db", url], env={"COLUMNS": "200"})
    assert made.exit_code == 0, made.output
    assert f"holds {first['gazettes']} issue(s), {first['documents']} document(s)" in made.output
    with open_store(url) as store:  # the live store moves on; the backup does not
        assert ingest_file(store, files[1]).status == "added"
        live = store.stats()
    held = backup_counts(target)
    assert held["gazettes"] == 1 and live["gazettes"] == 2
    assert {k: held[k] for k in held} == {k: first[k] for k in held}
    if backend == "sqlite":  # read from the file: a change to the file shows
        with closing(sqlite3.connect(target)) as db:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("DELETE FROM gazettes")
            db.commit()
        assert backup_counts(target)["gazettes"] == 0 and backup_counts(target)["documents"] == 0
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello", encoding="utf-8")
    with pytest.raises(StoreError, match="not a gongbao backup"):
        backup_counts(not_a_backup)


# -- the API schema ------------------------------------------------------------------------------

DATE_PARAMETERS = {"date_from", "date_to", "published_from", "published_to", "in_force_on", "due_from", "due_to",
                   "overdue_as_of", "as_of", "on"}


def test_date_parameters_declare_their_format(corpus_db) -> None:
    with TestClient(create_app(str(corpus_db))) as client:
        schema = client.get("/openapi.json").json()
    declared = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] not in DATE_PARAMETERS:
                    continue
                strings = [s for s in parameter["schema"]["anyOf"] if s.get("type") == "string"]
                assert strings and all("pattern" in s or s.get("format") == "date" for s in strings), (path, parameter)
                declared += 1
    assert declared >= 30
    for path in ("/feeds/search.atom", "/feeds/region/{code}.atom", "/feeds/issuer/{name}.atom"):
        assert "application/atom+xml" in schema["paths"][path]["get"]["responses"]["200"]["content"]


def test_every_405_says_which_methods_are_allowed(corpus_db) -> None:
    with TestClient(create_app(str(corpus_db))) as client:
        for method, path in (("POST", "/api/documents"), ("DELETE", "/search"), ("PUT", "/api/gazettes"),
                             ("POST", "/feeds/search.atom"), ("PATCH", "/140322/2023/3"), ("POST", "/tasks")):
            answer = client.request(method, path)
            assert answer.status_code == 405, (method, path)
            assert set(re.split(r",\s*", answer.headers["allow"])) == {"GET", "HEAD"}, (method, path)


@pytest.fixture(scope="module")
def date_schema(corpus_db):
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(str(corpus_db)))


dated = schemathesis.pytest.from_fixture("date_schema")
DATED_OPERATIONS = r"^/(api/documents|api/export|feeds/search\.atom|search|api/layers/\{layer\})$"


@dated.include(path_regex=DATED_OPERATIONS, method="GET").parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_schema_valid_requests_are_not_refused(case):
    """Whatever the schema allows for these operations (dates included) is answered, not refused
    (the coverage phase also sends schema-invalid values: those may well be refused)."""
    response = case.call()
    if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
        assert response.status_code != 400, (case.query, response.text[:300])

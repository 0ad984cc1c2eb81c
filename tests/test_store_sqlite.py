"""gongbao.store on SQLite: what is saved, identity by sha256, all-or-nothing saves."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any, Optional

import pytest

from gongbao.errors import StoreError
from gongbao.model import (
    Document, DocNumber, GazetteMeta, ParseResult, RegionGuess, Repair, SourceText, Span,
    TocEntry, Unplaced, Warning,
)
from gongbao.store import SQLiteStore, backend_for, open_store, restore
from gongbao.store import sqlite as sqlite_store
from gongbao.store.base import BUSY_TIMEOUT_MS

TEXT = (
    "盂县人民政府公报\n2023年第3期\n目录\n"
    "盂县人民政府关于任丽鹏等同志职务任免的通知\n盂政发〔2023〕48号\n"
    "经县政府常务会议研究，决定任命任丽鹏同志为县商务局副局长。\n"
    "盂县人民政府办公室关于印发盂县爱国卫生运动实施方案的通知\n盂政办发〔2023〕43号\n"
    "现将方案印发给你们，请认真贯彻执行。\n盂县爱国卫生运动实施方案\n一、总体要求\n"
)


# -- building parse results by hand ------------------------------------------------


def make_document(seq: int, title: str, number: Optional[DocNumber], parent_seq: Optional[int] = None) -> Document:
    start = TEXT.index(title)
    return Document(
        seq=seq, parent_seq=parent_seq, section="县政府文件", issuer=None if parent_seq else "盂县人民政府",
        doc_number=number, title=title, doc_type=title[-2:], recipients=None, signed_by=None,
        date="2023-07-25", disclosure="此件公开发布" if seq == 2 else None, attachments=[],
        paragraphs=[], span=Span(start, start + len(title)), body_span=None, body_start="", body_end="",
    )


def make_result(
    text: str = TEXT, *, issue: Optional[int] = 3, name: str = "000_issue.txt", parser_version: str = "0.1.0"
) -> ParseResult:
    source = SourceText(
        name=name, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
        encoding="utf-8", size_bytes=len(text.encode()),
    )
    documents = [
        make_document(1, "盂县人民政府关于任丽鹏等同志职务任免的通知", DocNumber("盂政发", 2023, 48)),
        make_document(2, "盂县人民政府办公室关于印发盂县爱国卫生运动实施方案的通知", DocNumber("盂政办发", 2023, 43)),
        make_document(3, "盂县爱国卫生运动实施方案", None, parent_seq=2),
    ]
    return ParseResult(
        source=source,
        gazette=GazetteMeta(
            title="盂县人民政府公报", region="盂县", region_code="140322", year=2023, issue=issue,
            published="2023-10-09", spans={"title": Span(0, 8)}, confidence={"title": 0.9},
        ),
        toc=[TocEntry("人事任免", documents[0].title, documents[0].doc_number, 1, Span(20, 41), matched_seq=1, match_score=1.0)],
        documents=documents,
        repairs=[Repair(0, 1, "孟", "盂", "ocr.region")],
        unplaced=[Unplaced(Span(17, 19), "目录", "toc heading")],
        warnings=[Warning("body.missing_in_toc", "document 2 is not in the TOC", Span(60, 80), seq=2)],
        region=RegionGuess("盂县", "140322", "山西省", "阳泉市", "盂", evidence=["title"], confidence=0.95),
        parser_version=parser_version,
    )


def make_records(result: ParseResult) -> list[dict[str, Any]]:
    """Export records the way gongbao.export.document_records writes them (SCHEMA.md + id, spans, body)."""
    g = result.gazette
    gazette_id = f"{g.region_code}/{g.year}/{g.issue}" if g.issue is not None else result.source.sha256[:12]
    return [
        {
            "id": f"{gazette_id}/{d.seq}", "seq": d.seq, "parent_seq": d.parent_seq, "section": d.section,
            "issuer": d.issuer, "doc_number": d.doc_number.text if d.doc_number else None,
            "agency_code": d.doc_number.agency_code if d.doc_number else None,
            "year": d.doc_number.year if d.doc_number else None,
            "serial": d.doc_number.serial if d.doc_number else None,
            "title": d.title, "doc_type": d.doc_type, "recipients": d.recipients, "signed_by": d.signed_by,
            "date": d.date, "disclosure": d.disclosure, "attachments": [], "body_start": "", "body_end": "",
            "spans": {"title": d.span.to_list()}, "body": f"正文{d.seq}",
        }
        for d in result.documents
    ]


# -- fixtures and helpers -----------------------------------------------------------


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "gongbao.db"


@pytest.fixture
def store(db_path: Path):
    with open_store(db_path) as opened:
        yield opened


def dump(db_path: Path) -> list[str]:
    """Everything in the database, through a separate connection."""
    with sqlite3.connect(db_path) as db:
        return list(db.iterdump())


# -- opening and migrating --------------------------------------------------------


def test_open_store_applies_migrations_and_records_schema_version(store: SQLiteStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT version, name FROM schema_version").fetchall() == [
            (1, "initial"), (2, "search"), (3, "layers"), (4, "inherited"), (5, "repeals"), (6, "repeal_index"),
            (7, "combo_indexes"), (8, "gazette_region_index")]
    assert store.schema_version == 8 == store.stats()["schema_version"]


def test_open_store_twice_does_not_migrate_again(store: SQLiteStore, db_path: Path) -> None:
    store.save_parse(make_result(), make_records(make_result()))
    store.close()
    with open_store(db_path) as again:
        assert again.schema_version == 8
        assert again.stats()["gazettes"] == 1


def test_open_store_sets_foreign_keys_wal_and_busy_timeout(store: SQLiteStore) -> None:
    db = store._db
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


@pytest.mark.parametrize(
    "url,expected_path",
    [(":memory:", ":memory:"), ("sqlite://", ":memory:"), ("sqlite:///rel.db", "rel.db"), ("SQLITE:///{tmp}/x.db", "{tmp}/x.db"),
     ("sqlite+pysqlite:///rel.db", "rel.db")],
)
def test_open_store_understands_sqlite_urls(tmp_path: Path, monkeypatch, url: str, expected_path: str) -> None:
    monkeypatch.chdir(tmp_path)  # rel.db lands here
    with open_store(url.format(tmp=tmp_path)) as store:
        assert isinstance(store, SQLiteStore) and store.path == expected_path.format(tmp=tmp_path)
        assert store.in_memory == (expected_path == ":memory:")
        assert store.database_file == (None if store.in_memory else Path(store.path))
        if store.database_file is not None:
            assert store.database_file.is_file()


@pytest.mark.parametrize(
    "url,backend",
    [("gongbao.db", "SQLiteStore"), ("sqlite:///x.db", "SQLiteStore"), ("postgresql://h/db", "PostgresStore"),
     ("postgres://h/db", "PostgresStore"), ("POSTGRESQL+psycopg://h/db", "PostgresStore")],
)
def test_one_factory_chooses_the_backend_by_url(url: str, backend: str) -> None:
    """``open_store``, ``restore`` and the web server all ask ``backend_for``; nothing is opened."""
    assert backend_for(url).__name__ == backend


def test_restore_refuses_an_in_memory_target(tmp_path: Path) -> None:
    with open_store(tmp_path / "backup.db") as source:
        source.save_parse(make_result(), make_records(make_result()))
    for target in (":memory:", "sqlite://"):
        with pytest.raises(StoreError, match="cannot restore into an in-memory store"):
            restore(tmp_path / "backup.db", target)


@pytest.mark.parametrize(
    "url,message",
    [
        ("postgresql://gongbao:secret@db.invalid/gongbao", "postgresql://gongbao:***@db.invalid/gongbao: cannot connect to PostgreSQL"),
        ("mysql://db/gongbao", "mysql://db/gongbao: unknown store URL scheme 'mysql'"),
    ],
)
def test_open_store_refuses_other_backends_and_unreachable_servers(url: str, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert str(caught.value).startswith(message)
    assert "secret" not in str(caught.value)


def test_open_store_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("这不是数据库" * 200)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        open_store(path)


def test_open_store_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "gongbao.db")


def test_open_store_refuses_a_newer_schema(db_path: Path) -> None:
    open_store(db_path).close()
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO schema_version VALUES (99, 'future', '2099-01-01')")
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        open_store(db_path)


# -- saving and reading back ------------------------------------------------------


def test_save_parse_adds_an_issue_readable_through_every_method(store: SQLiteStore) -> None:
    result = make_result()
    records = make_records(result)

    outcome = store.save_parse(result, records)

    assert (outcome.status, outcome.gazette_id, outcome.documents) == ("added", "140322/2023/3", 3)
    [summary] = store.list_gazettes()
    assert summary["id"] == "140322/2023/3" and summary["sha256"] == result.source.sha256
    assert summary["document_count"] == 3 and summary["parser_version"] == "0.1.0" and summary["ingested_at"]

    gazette = store.get_gazette("140322/2023/3")
    assert gazette["meta"]["spans"] == {"title": [0, 8]}
    assert gazette["region_guess"]["code"] == "140322"
    assert [d["id"] for d in gazette["documents"]] == ["140322/2023/3/1", "140322/2023/3/2", "140322/2023/3/3"]
    assert gazette["toc"] == [{
        "section": "人事任免", "title": result.toc[0].title, "doc_number": "盂政发〔2023〕48号", "page": 1,
        "start_offset": 20, "end_offset": 41, "matched_seq": 1, "match_score": 1.0,
    }]
    assert gazette["repairs"] == [{"start_offset": 0, "end_offset": 1, "before": "孟", "after": "盂", "rule": "ocr.region"}]
    assert gazette["unplaced"][0]["reason"] == "toc heading"
    assert gazette["warnings"][0] == {
        "code": "body.missing_in_toc", "message": "document 2 is not in the TOC", "start_offset": 60, "end_offset": 80, "seq": 2,
    }
    assert gazette["history"] == []

    assert list(store.list_documents()) == records == list(store.list_documents("140322/2023/3"))
    assert store.get_document("140322/2023/3/3") == records[2]
    assert store.find_by_doc_number("盂政办发〔2023〕43号") == [records[1]]
    assert store.find_by_doc_number(" 盂政办发[2023]43号") == [records[1]]  # typed by a person
    assert list(store.sources()) == [("140322/2023/3", "000_issue.txt", TEXT, result.source.sha256)]
    assert store.stats() | {"path": None} == {
        "backend": "sqlite", "path": None, "schema_version": 8, "gazettes": 1, "documents": 3,
        "toc_entries": 1, "repairs": 1, "unplaced": 1, "warnings": 1, "gazette_history": 0,
        "source_bytes": len(TEXT.encode()),
    }


def test_save_parse_indexes_record_columns(store: SQLiteStore) -> None:
    store.save_parse(make_result(), make_records(make_result()))
    row = store._db.execute(
        "SELECT gazette_id, seq, parent_seq, issuer, agency_code, year, serial, doc_type, disclosure, body"
        " FROM documents WHERE id = '140322/2023/3/2'"
    ).fetchone()
    assert tuple(row) == ("140322/2023/3", 2, None, "盂县人民政府", "盂政办发", 2023, 43, "通知", "此件公开发布", "正文2")


def test_missing_things_are_none_or_empty(store: SQLiteStore) -> None:
    assert store.get_gazette("140322/2023/9") is None
    assert store.get_document("140322/2023/9/1") is None
    assert store.find_by_doc_number("盂政发〔2023〕1号") == []
    assert list(store.list_documents("140322/2023/9")) == []


def test_save_parse_without_issue_number_uses_sha256_prefix(store: SQLiteStore) -> None:
    result = make_result(issue=None)
    outcome = store.save_parse(result, make_records(result))
    assert outcome.gazette_id == result.source.sha256[:12]
    assert store.get_document(f"{result.source.sha256[:12]}/1")["seq"] == 1


def test_save_parse_fills_in_missing_ids_without_touching_the_callers_records(store: SQLiteStore) -> None:
    result = make_result()
    records = [{k: v for k, v in r.items() if k != "id"} for r in make_records(result)]
    store.save_parse(result, records)
    assert "id" not in records[0]
    assert store.get_document("140322/2023/3/1")["id"] == "140322/2023/3/1"


def test_save_parse_accepts_a_parent_listed_after_its_child(store: SQLiteStore) -> None:
    result = make_result()
    records = make_records(result)
    records[0]["parent_seq"] = 3  # foreign key checked at commit, not row by row
    assert store.save_parse(result, records).status == "added"


def test_list_documents_follows_region_year_issue_order(store: SQLiteStore) -> None:
    for issue in (10, 2):  # "10" < "2" as text: the order must be numeric
        result = make_result(TEXT + f"第{issue}期\n", issue=issue)
        store.save_parse(result, make_records(result))
    assert [g["id"] for g in store.list_gazettes()] == ["140322/2023/2", "140322/2023/10"]
    assert [d["id"] for d in store.list_documents()][::3] == ["140322/2023/2/1", "140322/2023/10/1"]


# -- identity: unchanged, replaced, forced ----------------------------------------------


def test_save_parse_same_sha256_is_unchanged_and_writes_nothing(store: SQLiteStore, db_path: Path) -> None:
    result = make_result()
    store.save_parse(result, make_records(result))
    before = dump(db_path)

    outcome = store.save_parse(make_result(name="renamed.txt"), make_records(result))

    assert (outcome.status, outcome.gazette_id, outcome.documents) == ("unchanged", "140322/2023/3", 3)
    assert dump(db_path) == before


def test_save_parse_new_sha256_for_same_issue_replaces_and_keeps_history(store: SQLiteStore) -> None:
    first = make_result()
    store.save_parse(first, make_records(first))
    second = make_result(TEXT + "更正后的版本\n", name="000_issue_v2.txt")

    outcome = store.save_parse(second, make_records(second))

    assert outcome.status == "replaced" and outcome.replaced_sha256 == (first.source.sha256,)
    assert [g["sha256"] for g in store.list_gazettes()] == [second.source.sha256]
    assert store.stats()["documents"] == 3 and store.stats()["gazette_history"] == 1
    [history] = store.get_gazette("140322/2023/3")["history"]
    assert (history["sha256"], history["source_name"], history["replaced_by_sha256"]) == (
        first.source.sha256, "000_issue.txt", second.source.sha256,
    )
    text, snapshot = store._db.execute("SELECT source_text, snapshot_json FROM gazette_history").fetchone()
    assert text == TEXT and '"盂县人民政府关于任丽鹏等同志职务任免的通知"' in snapshot


def test_save_parse_force_replaces_only_when_the_parse_changed(store: SQLiteStore) -> None:
    result = make_result()
    store.save_parse(result, make_records(result))

    assert store.save_parse(result, make_records(result), force=True).status == "unchanged"

    newer = make_result(parser_version="0.2.0")
    outcome = store.save_parse(newer, make_records(newer), force=True)
    assert outcome.status == "replaced" and outcome.replaced_sha256 == (result.source.sha256,)
    assert store.list_gazettes()[0]["parser_version"] == "0.2.0"
    assert store.stats()["gazette_history"] == 1


def test_sources_can_be_reparsed_while_iterating(store: SQLiteStore) -> None:
    for issue in (1, 2):
        result = make_result(TEXT + f"第{issue}期\n", issue=issue)
        store.save_parse(result, make_records(result))
    seen = []
    for gazette_id, name, text, sha256 in store.sources():
        seen.append(gazette_id)
        issue = int(gazette_id.rsplit("/", 1)[1])
        newer = make_result(text, issue=issue, name=name, parser_version="0.2.0")
        assert store.save_parse(newer, make_records(newer), force=True).status == "replaced"
    assert seen == ["140322/2023/1", "140322/2023/2"]


# -- all or nothing -----------------------------------------------------------------


def _duplicate_seq(records: list[dict]) -> None:
    records[1]["seq"] = 1
    records[1]["id"] = records[0]["id"]


def _dangling_parent(records: list[dict]) -> None:
    records[2]["parent_seq"] = 9


def _foreign_id(records: list[dict]) -> None:
    records[0]["id"] = "elsewhere/1"


def _title_missing(records: list[dict]) -> None:
    records[2]["title"] = None  # NOT NULL: fails inside the transaction, after rows were written


def _not_json(records: list[dict]) -> None:
    records[1]["spans"] = {"title": Span(1, 2)}


@pytest.mark.parametrize(
    "corrupt,message",
    [
        (_duplicate_seq, "duplicate seq in records: [1]"),
        (_dangling_parent, "record seq 3: parent_seq 9 is not a document of this issue"),
        (_foreign_id, "id 'elsewhere/1' differs from the store's id '140322/2023/3/1'"),
        (_title_missing, "NOT NULL constraint failed: documents.title"),
        (_not_json, "Object of type Span is not JSON serializable"),
    ],
)
@pytest.mark.parametrize("existing", ["empty store", "same issue stored"])
def test_save_parse_failure_leaves_store_as_before(store, db_path, corrupt, message: str, existing: str) -> None:
    if existing == "same issue stored":
        stored = make_result(TEXT + "旧版本\n")
        store.save_parse(stored, make_records(stored))
    before = dump(db_path)
    result = make_result()
    records = make_records(result)
    corrupt(records)

    with pytest.raises(StoreError, match=f"cannot save 000_issue.txt as 140322/2023/3: .*{message}".replace("[", r"\[").replace("(", r"\(")):
        store.save_parse(result, records)

    assert dump(db_path) == before


@pytest.mark.parametrize("existing", ["empty store", "same issue stored"])
def test_save_parse_crash_after_writing_rolls_back(store, db_path, monkeypatch, existing: str) -> None:
    if existing == "same issue stored":
        stored = make_result(TEXT + "旧版本\n")
        store.save_parse(stored, make_records(stored))
    before = dump(db_path)
    insert = sqlite_store._insert_issue

    def insert_then_crash(db, issue, **kwargs):
        insert(db, issue, **kwargs)  # every row of the issue written, history too
        raise RuntimeError("power cut")

    monkeypatch.setattr(sqlite_store, "_insert_issue", insert_then_crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save_parse(make_result(), make_records(make_result()))

    assert dump(db_path) == before
    monkeypatch.undo()
    assert store.save_parse(make_result(), make_records(make_result())).status in ("added", "replaced")


def test_foreign_keys_are_enforced_by_the_database(store: SQLiteStore) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        store._db.execute("INSERT INTO sources (gazette_id, text) VALUES ('nowhere', '正文')")


def test_closed_store_raises_store_error(db_path: Path) -> None:
    with open_store(db_path) as store:
        pass
    store.close()  # twice is harmless
    with pytest.raises(StoreError, match="store is closed"):
        store.list_gazettes()

"""Layer records in the store: ingest → ``Store.list_layer`` filters → ``gongbao export --layer``.

The corpus store (conftest ``corpus_db``) is only read; tests that write use stores of their own.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import pytest
from typer.testing import CliRunner

from gongbao.cli import app
from gongbao.errors import StoreError
from gongbao.extract import layer_names, layer_spec
from gongbao.extract.registry import REGISTERED
from gongbao.export import LAYER_BASE_KEYS, document_records, layer_records
from gongbao.store import open_store
from gongbao.store.layers import LayerRows

from .conftest import BACKENDS
from .layer_scoring import synthetic

CORPUS_COUNTS = {"personnel": 29, "duties": 11, "hazards": 49}  # hand-checked (test_extract_*)

LISTING = """根据《工贸企业重大事故隐患判定标准》之规定，现对平定县甲乙化工有限公司、平定县丙丁建材厂共2家企业存在的重大生产安全事故隐患进行挂牌督办，由县应急管理局负责督办，请于2024年6月30日前完成整改。

特此通知。"""
CLOSING = """县政府曾对平定县甲乙化工有限责任公司存在的重大生产安全事故隐患进行了挂牌督办。经复查，隐患已整改完毕，现决定予以销案。

特此通知。"""


def _listing(issue: int = 1, body: str = LISTING):
    return synthetic("对平定县甲乙化工有限公司等2家企业存在重大生产安全事故隐患进行挂牌督办", body,
                     number="平政办发〔2024〕20号", office="办公室", date="2024年4月1日", issue=issue)


def _closing():
    return synthetic("对平定县甲乙化工有限责任公司重大生产安全事故隐患销案", CLOSING,
                     number="平政办发〔2024〕40号", office="办公室", date="2024年7月10日", issue=3)


def _save(store, result, **kw):
    return store.save_parse(result, document_records(result), **kw)


@pytest.fixture(params=BACKENDS)
def store(request, new_store_url):
    """An empty store of each backend."""
    with open_store(new_store_url(request.param)) as s:
        yield s


@pytest.fixture()
def sqlite_memory():
    """An empty SQLite store in memory, for tests of SQLite's own tables."""
    with open_store(":memory:") as s:
        yield s


# -- the corpus store ---------------------------------------------------------------------


def test_every_layer_is_stored_with_the_contract_keys(corpus_store_url) -> None:
    with open_store(corpus_store_url) as s:
        for layer, count in CORPUS_COUNTS.items():
            found = list(s.list_layer(layer))
            assert len(found) == count, layer
            for rec in found:
                assert set(LAYER_BASE_KEYS + layer_spec(layer).keys) <= set(rec), (layer, rec)
                doc = s.get_document(rec["doc_id"])
                assert doc is not None and doc["seq"] == rec["doc_seq"] and doc["doc_number"] == rec["doc_number"]
                start, end = rec["span"]
                assert doc["span"][0] <= start < end <= doc["span"][1]
        # the other engineer's layers go through the same table, whatever their keys
        for layer in ("tasks", "citations", "validity"):
            assert all(r["layer"] == layer for r in s.list_layer(layer))


def test_filters(corpus_store_url) -> None:
    with open_store(corpus_store_url) as s:
        def people(layer="personnel", **f):
            return sorted((r.get("person") or r.get("leader"), r.get("action")) for r in s.list_layer(layer, **f))

        assert people(person="郑晓宁") == [("郑晓宁", "任"), ("郑晓宁", "免")]
        assert people(action="提名免去") == [("赵建涛", "提名免去")]
        assert people(gazette_id="140322/2024/2", action="免") == [("胡波", "免"), ("赵崇璧", "免"), ("高永红", "免")]
        assert people(doc_id="140300/2020/3/43") == [("张俊堂", "任")] * 2 + [("郑清明", "免")] * 2
        assert people(date_from="2020-06-30", date_to="2020-06-30", action="正式任用") == [
            ("张皓", "正式任用"), ("郭勤琳", "正式任用"), ("魏京军", "正式任用")]
        # unit: printed, canonical or another standard name of the same agency
        assert people(unit="县发改局") == [("任丽鹏", "任")]
        assert people(unit="发展和改革局") == [("任丽鹏", "任")]
        assert people(unit="县应急局") == [("梁俊宏", "任")]
        assert people("duties", unit="县应急局") == [("郭华", None)]
        assert people("duties", unit="县发改局") == [("郭华", None)]  # printed 县发展和改革委员会（…）
        assert people("duties", unit="县粮食局") == [("郭华", None)]  # inside the brackets
        assert people("duties", person="王珂") == [("王珂", None)]
        # enterprise: part of the name, region prefix and company form ignored
        assert [r["enterprise"] for r in s.list_layer("hazards", enterprise="永泰加油站")] == ["盂县永泰加油站"]
        assert [r["action"] for r in s.list_layer("hazards", enterprise="盂县人民医院")] == ["摘牌"]
        assert len(list(s.list_layer("hazards", action="挂牌", gazette_id="140322/2023/3"))) == 48
        assert list(s.list_layer("hazards", overdue_as_of="2030-01-01")) == []  # no 整改期限 printed
        with pytest.raises(ValueError, match="unknown layer filter"):
            list(s.list_layer("personnel", name="x"))


# -- stores of their own ---------------------------------------------------------------------


def test_deadlines_and_overdue(store) -> None:
    _save(store, _listing())
    assert [(r["enterprise"], r["deadline"]) for r in store.list_layer("hazards")] == [
        ("平定县甲乙化工有限公司", "2024-06-30"), ("平定县丙丁建材厂", "2024-06-30")]
    assert len(list(store.list_layer("hazards", due_from="2024-06-01", due_to="2024-06-30"))) == 2
    assert list(store.list_layer("hazards", due_to="2024-06-29")) == []
    assert [r["supervising_unit"] for r in store.list_layer("hazards", unit="县应急局")] == ["县应急管理局"] * 2
    _save(store, _closing())

    def overdue(day):
        return [r["enterprise"] for r in store.list_layer("hazards", overdue_as_of=day)]

    assert overdue("2024-06-30") == []  # not yet due
    assert overdue("2024-07-05") == ["平定县甲乙化工有限公司", "平定县丙丁建材厂"]  # closed only on 07-10
    assert overdue("2024-07-15") == ["平定县丙丁建材厂"]


def test_layers_are_replaced_with_their_issue(store) -> None:
    _save(store, _listing())
    assert len(list(store.list_layer("hazards"))) == 2
    one = LISTING.replace("平定县甲乙化工有限公司、", "").replace("共2家", "共1家")
    outcome = _save(store, _listing(body=one))  # same gazette id, new text
    assert outcome.status == "replaced"
    assert [r["enterprise"] for r in store.list_layer("hazards")] == ["平定县丙丁建材厂"]
    assert len(list(store.dump_table("layer_units", ("unit",), "unit"))) == 1  # units went too


def test_layers_are_written_in_the_issue_transaction(sqlite_memory, monkeypatch) -> None:
    from gongbao.store import sqlite as sqlite_store

    store = sqlite_memory

    def broken(db, layers):
        db.execute("INSERT INTO layer_records (gazette_id) VALUES (NULL)")  # violates NOT NULL

    monkeypatch.setattr(sqlite_store, "_insert_layers", broken)
    with pytest.raises(StoreError):
        _save(store, _listing())
    assert store.list_gazettes() == [] and list(store.list_layer("hazards")) == []


def test_a_record_of_no_document_is_refused(store) -> None:
    from gongbao.model import LayerRecord, Span

    result = _listing()
    result.layers.append(LayerRecord("tasks", 99, Span(0, 1), {"task_no": "一"}))
    with pytest.raises(StoreError, match="not a document"):
        _save(store, result)
    assert store.list_gazettes() == []


def test_reparse_with_new_layers_is_not_unchanged(store, monkeypatch) -> None:
    result = _listing()
    _save(store, result)
    monkeypatch.setitem(REGISTERED, "hazards", (layer_spec("hazards"), lambda r: []))  # an extractor changed
    from gongbao.extract import run_extractors

    assert _save(store, run_extractors(result), force=True).status == "replaced"
    assert list(store.list_layer("hazards")) == []


def test_layer_rows_match_the_export_records() -> None:
    result = _listing()
    rows = LayerRows.build(result, "140321/2024/1")
    exported = layer_records(result, "hazards")
    stored = [json.loads(row[6]) for row in rows.rows if row[2] == "hazards"]
    assert stored == [{k: v for k, v in r.items() if k not in ("layer", "confidence")} for r in exported]


# -- gongbao export --layer -------------------------------------------------------------------


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"GONGBAO_DB": None, "COLUMNS": "80"})


@pytest.mark.parametrize("layer", ["personnel", "duties", "hazards"])
def test_export_layer_jsonl(corpus_db, layer: str) -> None:
    result = _invoke("export", "--layer", layer, "--db", str(corpus_db))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == CORPUS_COUNTS[layer]
    assert all(list(rec)[:4] == list(LAYER_BASE_KEYS) and set(layer_spec(layer).keys) <= set(rec) for rec in lines)


def test_export_layer_csv_and_gazette(corpus_db) -> None:
    result = _invoke("export", "--layer", "personnel", "--format", "csv", "--no-bom", "--gazette", "140322/2023/3", "--db", str(corpus_db))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:11] == list(LAYER_BASE_KEYS + layer_spec("personnel").keys)
    assert [(r["person"], r["action"], r["conditions"]) for r in rows] == [
        ("任丽鹏", "任", ""), ("郑晓宁", "任", ""), ("翟玉涵", "任", ""), ("郑晓宁", "免", ""),
        ("聂计花", "任", "试用期一年"), ("王斌杰", "免", "")]


@pytest.mark.parametrize("layer", layer_names())
def test_export_layer_csv_with_chinese_headers(corpus_db, layer) -> None:
    """--headers zh names every column a layer's records carry in Chinese (Excel users read them)."""
    result = _invoke("export", "--layer", layer, "--format", "csv", "--headers", "zh", "--db", str(corpus_db))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(result.stdout.removeprefix("\ufeff"))))
    assert header[:4] == ["文件编号", "发文字号", "文件序号", "原文位置"]
    assert not [name for name in header if re.search(r"[A-Za-z]", name)], header


def test_export_unknown_layer(corpus_db) -> None:
    result = _invoke("export", "--layer", "people", "--db", str(corpus_db))
    assert result.exit_code == 2 and "unknown layer" in result.output


def test_old_store_gets_the_layer_tables(tmp_path) -> None:
    """A store at schema 2 (before layers) migrates; its issues get layers on the next reparse."""
    from gongbao.store.sqlite import _statements, load_migrations

    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in load_migrations()[:2]:
        for statement in _statements(migration.sql):
            db.execute(statement)
        db.execute("INSERT INTO schema_version VALUES (?, ?, '2024-01-01')", (migration.version, migration.name))
    db.close()
    with open_store(path) as s:
        assert s.schema_version == len(load_migrations()) >= 3
        assert list(s.list_layer("personnel")) == []
        _save(s, _listing())
        assert len(list(s.list_layer("hazards"))) == 2

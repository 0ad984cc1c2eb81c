"""The ``gongbao`` command line, end to end over the three real issues (CliRunner, stores in tmp).

One store is ingested per module and only read by the tests that share it; tests that write
(re-ingest, reparse, env/--db choice) use stores of their own.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongbao.cli import app
from gongbao.export import CSV_COLUMNS, DOCUMENT_KEYS
from gongbao.store import open_store

from .conftest import CORPUS, GOLD, load_gold

FILES = sorted(CORPUS.glob("*.txt"))
GOLD_COUNTS = {load_gold(p)["source"]: len(load_gold(p)["documents"]) for p in sorted(GOLD.glob("*.json"))}
# gazette ids of the three issues: {region_code}/{year}/{issue}
GIDS = {"000": "140322/2023/3", "001": "140322/2024/2", "004": "140300/2020/3"}
# SCHEMA.md: the document keys, plus the gazette object on every line; README/export: id and provenance
DOCUMENTED_EXTRAS = {"id", "gazette", "span", "spans", "confidence", "paragraphs",
                     # README: a 令's regulation and a policy-library page (issue #13)
                     "promulgated", "effective", "index_no", "subject", "published", "page", "metadata_disagrees"}


def invoke(*args: str, env: dict | None = None):
    runner = CliRunner()
    # GONGBAO_DB of the calling shell must not leak into the tests
    return runner.invoke(app, list(args), env={"GONGBAO_DB": None, "COLUMNS": "80", **(env or {})})


def store_counts(db: Path) -> dict:
    with open_store(db) as store:
        stats = store.stats()
    return {k: v for k, v in stats.items() if k not in ("path", "backend")}


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """(db path, output of the first ingest): the shared, read-only store."""
    path = tmp_path_factory.mktemp("cli-shared") / "gongbao.db"
    result = invoke("ingest", *map(str, FILES), "--db", str(path))
    assert result.exit_code == 0, result.output
    return path, result.output


def _summary_lines(output: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if name in line]


# --- ingest ------------------------------------------------------------------------------


def test_gold_counts_are_the_expected_ones():
    assert sorted(GOLD_COUNTS.values()) == [23, 43, 47]


def test_ingest_prints_one_summary_line_per_file(ingested):
    path, output = ingested
    for f in FILES:
        lines = _summary_lines(output, f.name)
        assert len(lines) == 1, f"{f.name}: expected one line, got {lines!r}\n{output}"
        line = lines[0]
        assert line.lstrip().startswith("added"), line
        assert f"{GOLD_COUNTS[f.name]} documents" in line, line
        assert GIDS[f.name[:3]] in line, line


def test_reingest_is_unchanged_and_changes_no_row(ingested, tmp_path):
    path, _ = ingested
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)
    before = store_counts(copy)
    assert before["gazettes"] == 3 and before["documents"] == sum(GOLD_COUNTS.values())
    result = invoke("ingest", str(CORPUS), "--db", str(copy))
    assert result.exit_code == 0, result.output
    for f in FILES:
        lines = _summary_lines(result.output, f.name)
        assert len(lines) == 1 and lines[0].lstrip().startswith("unchanged"), lines
    assert store_counts(copy) == before


def test_gongbao_db_env_var_is_honoured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env_db = tmp_path / "from_env.db"
    result = invoke("ingest", str(FILES[1]), env={"GONGBAO_DB": str(env_db)})
    assert result.exit_code == 0, result.output
    assert env_db.exists() and not (tmp_path / "gongbao.db").exists()
    assert store_counts(env_db)["gazettes"] == 1
    listed = invoke("list", env={"GONGBAO_DB": str(env_db)})
    assert listed.exit_code == 0 and GIDS["001"] in listed.output


def test_db_option_wins_over_env_var(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env_db, opt_db = tmp_path / "env.db", tmp_path / "opt.db"
    result = invoke("ingest", str(FILES[1]), "--db", str(opt_db), env={"GONGBAO_DB": str(env_db)})
    assert result.exit_code == 0, result.output
    assert opt_db.exists() and not env_db.exists()
    assert store_counts(opt_db)["gazettes"] == 1


def test_default_store_is_gongbao_db_in_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("ingest", str(FILES[1]))
    assert result.exit_code == 0, result.output
    assert store_counts(tmp_path / "gongbao.db")["documents"] == GOLD_COUNTS[FILES[1].name]


# --- list / show ---------------------------------------------------------------------------


def test_list_shows_every_issue(ingested):
    path, _ = ingested
    result = invoke("list", "--db", str(path))
    assert result.exit_code == 0, result.output
    for gid in GIDS.values():
        assert gid in result.output
    for count in GOLD_COUNTS.values():
        assert re.search(rf"\b{count}\b", result.output)


def test_list_one_gazette_lists_its_documents(ingested):
    path, _ = ingested
    gid = GIDS["001"]
    result = invoke("list", gid, "--db", str(path))
    assert result.exit_code == 0, result.output
    ids = set(re.findall(rf"{re.escape(gid)}/(\d+)\b", result.output))
    assert ids == {str(n) for n in range(1, GOLD_COUNTS[FILES[1].name] + 1)}
    assert "盂政发〔2024〕36号" in result.output


def _gold_doc(prefix: str, seq: int) -> dict:
    gold = load_gold(GOLD / f"{prefix}.json")
    return next(d for d in gold["documents"] if d["seq"] == seq)


def _chinese_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def test_show_by_id_prints_gongwen_layout(ingested):
    path, _ = ingested
    gold = _gold_doc("000", 1)
    result = invoke("show", f"{GIDS['000']}/1", "--db", str(path))
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = [ln.strip() for ln in out.splitlines()]
    assert gold["title"] in lines  # the title on a line of its own
    assert gold["doc_number"] in lines
    assert _chinese_date(gold["date"]) in lines  # 2023年7月25日, not 2023-07-25
    assert lines.index(gold["title"]) < lines.index(gold["doc_number"]) < lines.index(_chinese_date(gold["date"]))
    assert gold["recipients"] + "：" in lines


def test_show_long_title_is_not_hard_wrapped(ingested):
    """A piped `show` must keep each paragraph and the title on one line (no wrap at 80 columns)."""
    path, _ = ingested
    gold = max(load_gold(GOLD / "000.json")["documents"], key=lambda d: len(d["title"]))
    assert len(gold["title"]) * 2 > 80  # wider than an 80-column terminal
    result = CliRunner().invoke(app, ["show", f"{GIDS['000']}/{gold['seq']}", "--db", str(path)], env={"GONGBAO_DB": None, "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert gold["title"] in [ln.strip() for ln in result.stdout.splitlines()]


@pytest.mark.parametrize("spelling", ["盂政发[2023]48号", "盂政发 2023 48", "盂政发（2023）48号", "盂政发〔2023〕48号"])
def test_show_by_doc_number_in_other_spellings(ingested, spelling):
    path, _ = ingested
    gold = _gold_doc("000", 1)
    assert gold["doc_number"] == "盂政发〔2023〕48号"
    result = invoke("show", spelling, "--db", str(path))
    assert result.exit_code == 0, result.output
    assert gold["title"] in result.stdout and "盂政发〔2023〕48号" in result.stdout


def test_show_finds_a_misprinted_doc_number_as_the_web_does(ingested):
    """孟政发 (an OCR misprint of 盂政发) finds the document by the same lookup as /doc/ and search."""
    from gongbao.search import lookup_doc_number

    path, _ = ingested
    with open_store(path) as store:
        [expected] = lookup_doc_number(store, "孟政发(2023)48号")
        title = store.get_document(expected)["title"]
    result = invoke("show", "孟政发(2023)48号", "--db", str(path))
    assert result.exit_code == 0, result.output
    assert title in result.stdout and "已按 盂政发〔2023〕48号 查找" in result.stderr


def _table_rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in ``output``, each cell's wrapped lines joined."""
    rows: list[list[str]] = []
    for line in output.splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if cells[0] == "（词语不相连）":  # a search hit's mark, under its id
            cells[0] = ""
        if cells[0] or not rows:  # a new row starts with its first cell; wrapped lines leave it blank
            rows.append(cells)
        else:
            rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
    return rows


def _check_width(output: str, width: int = 80) -> None:
    from rich.cells import cell_len

    wide = [line for line in output.splitlines() if cell_len(line) > width]
    assert not wide, wide[:3]


def test_list_search_and_check_fit_80_columns_with_titles_and_numbers_whole(ingested):
    path, _ = ingested
    with open_store(path) as store:
        documents = {d["id"]: d for d in store.list_documents(GIDS["000"])}
    listed = invoke("list", GIDS["000"], "--db", str(path))
    assert listed.exit_code == 0, listed.output
    _check_width(listed.stdout)
    rows = _table_rows(listed.stdout)
    assert len(rows) == len(documents)
    for doc_id, number, title, *_ in rows:
        doc = documents[doc_id]
        assert number == (doc["doc_number"] or "")
        assert re.sub(r"^└\s*", "", title) == doc["title"]  # whole, only wrapped
    for number in filter(None, (d["doc_number"] for d in documents.values())):
        assert any(number in line for line in listed.stdout.splitlines())  # a 文号 is never wrapped

    found = invoke("search", "安全生产", "--db", str(path))
    assert found.exit_code == 0, found.output
    _check_width(found.stdout)
    hits = _table_rows(found.stdout)
    assert len(hits) == 20
    with open_store(path) as store:
        for doc_id, number, title, *_ in hits:
            record = store.get_document(doc_id)
            assert (number, title) == (record["doc_number"] or "", record["title"])

    checked = invoke("check", str(FILES[0]))
    assert checked.exit_code == 0, checked.output
    _check_width(checked.stdout)
    assert len(checked.stdout.splitlines()) < 400


def test_read_commands_on_a_missing_store_say_so_and_create_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (("list",), ("list", "--db", "missing.db"), ("search", "安全"), ("show", "1"), ("export",), ("fsck",),
                 ("migrate", "missing.db", "copy.db")):
        result = invoke(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "no store here" in result.stderr and "gongbao ingest" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_show_json_is_the_stored_record(ingested):
    path, _ = ingested
    result = invoke("show", f"{GIDS['004']}/1", "--json", "--db", str(path))
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)
    assert rec["id"] == f"{GIDS['004']}/1" and rec["doc_number"] == _gold_doc("004", 1)["doc_number"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("show", "140322/2023/3/999"), "no document 140322/2023/3/999"),
        (("show", "盂政发〔1999〕1号"), "no document 盂政发〔1999〕1号"),
        (("show", "nothing-like-an-id"), "no document nothing-like-an-id"),
        (("list", "999999/2000/1"), "no gazette 999999/2000/1"),
        (("export", "--gazette", "999999/2000/1"), "no gazette 999999/2000/1"),
    ],
)
def test_unknown_id_exits_1_with_a_clear_message(ingested, args, message):
    path, _ = ingested
    result = invoke(*args, "--db", str(path))
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert str(path) in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_one_handler_prints_every_error_on_one_line_and_its_type_picks_the_exit_code(ingested, tmp_path):
    """A store that cannot answer (its search table is gone) exits 1, a query that cannot be run
    exits 2; either way one ``error:`` line on stderr, not wrapped at 80 columns, no traceback."""
    path, _ = ingested
    broken = tmp_path / ("a-store-whose-name-makes-the-message-longer-than-the-terminal" + ".db")
    shutil.copy(path, broken)
    with closing(sqlite3.connect(broken)) as db:
        db.execute("DROP TABLE search_text")
        db.commit()
    fault = invoke("search", "通知", "--db", str(broken))
    assert fault.exit_code == 1, fault.output
    assert fault.stderr == f"error: {broken}: search failed: no such table: search_text\n"
    bad = invoke("search", "通知", "--level", "middle", "--db", str(path))
    assert bad.exit_code == 2, bad.output
    assert bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1 and "level must be one of" in bad.stderr
    assert fault.stdout == bad.stdout == ""


# --- export --------------------------------------------------------------------------------


def _schema_tables() -> dict[str, dict[str, str]]:
    """{"gazette": {key: type}, "documents": {key: type}} from SCHEMA.md's first two tables."""
    tables: dict[str, dict[str, str]] = {}
    current = None
    for line in (CORPUS / "SCHEMA.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].split()[0]
            tables.setdefault(current, {})
        elif line.startswith("# ") and tables:
            break  # the layer records: not part of the document record
        elif current and line.startswith("| ") and not line.startswith("| key") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            tables[current][cells[0]] = cells[1]
    return tables


def _type_ok(value, type_name: str) -> bool:
    alternatives = type_name.split("/")
    for t in alternatives:
        if t == "null" and value is None:
            return True
        if t == "int" and type(value) is int:
            return True
        if t == "str" and isinstance(value, str):
            return True
        if t == "list[str]" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return True
    return False


def test_schema_tables_are_read():
    tables = _schema_tables()
    assert set(tables["documents"]) == set(DOCUMENT_KEYS)
    assert tables["documents"]["parent_seq"] == "int/null"
    assert "region_code" in tables["gazette"]


def test_export_jsonl_has_the_schema_keys_and_types(ingested):
    path, _ = ingested
    tables = _schema_tables()
    result = invoke("export", "--format", "jsonl", "--db", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == sum(GOLD_COUNTS.values())
    for line in lines:
        rec = json.loads(line)
        # SCHEMA.md "Content that must never be lost": paragraphs, attachment_bodies, tables, articles
        expected = set(tables["documents"]) | set(tables["Content"]) | DOCUMENTED_EXTRAS
        assert set(rec) == expected, set(rec) ^ expected
        assert all({"number", "title", "omitted", "text", "tables", "span"} <= set(a) for a in rec["attachment_bodies"])
        assert all({"caption", "unit", "header", "rows", "span"} <= set(t) for t in rec["tables"])
        for key, type_name in tables["documents"].items():
            if key == "issuer" and rec["parent_seq"] is not None:
                type_name = "str/null"  # SCHEMA: embedded docs inherit nothing: null unless printed
            assert _type_ok(rec[key], type_name), (rec["id"], key, rec[key], type_name)
        assert set(rec["gazette"]) == set(tables["gazette"])
        for key, type_name in tables["gazette"].items():
            assert _type_ok(rec["gazette"][key], type_name), (key, rec["gazette"][key], type_name)
        assert re.fullmatch(r"\d{6}", rec["gazette"]["region_code"])
        for key in ("date",):
            assert rec[key] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", rec[key])
        assert rec["id"] == f"{rec['gazette']['region_code']}/{rec['gazette']['year']}/{rec['gazette']['issue']}/{rec['seq']}"
        start, end = rec["span"]
        assert type(start) is int and type(end) is int and 0 <= start < end
        assert all(isinstance(v, list) and len(v) == 2 for v in rec["spans"].values())
        assert "\n" not in rec["title"] and "\n" not in (rec["recipients"] or "")


def test_export_jsonl_matches_gold_numbers(ingested):
    path, _ = ingested
    result = invoke("export", "--db", str(path))  # jsonl is the default
    assert result.exit_code == 0
    by_source: dict[str, list[dict]] = {}
    for line in result.stdout.splitlines():
        rec = json.loads(line)
        by_source.setdefault(rec["gazette"]["source"], []).append(rec)
    for source, count in GOLD_COUNTS.items():
        recs = by_source[source]
        assert [r["seq"] for r in recs] == list(range(1, count + 1))
        gold = next(load_gold(p) for p in GOLD.glob("*.json") if load_gold(p)["source"] == source)
        assert [r["doc_number"] for r in recs] == [d["doc_number"] for d in gold["documents"]]


def test_export_csv_has_a_header_and_one_row_per_document(ingested):
    path, _ = ingested
    result = invoke("export", "--format", "csv", "--no-bom", "--db", str(path))  # for a pipeline: no BOM
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == list(CSV_COLUMNS)
    body = rows[1:]
    assert len(body) == sum(GOLD_COUNTS.values())
    assert all(len(r) == len(CSV_COLUMNS) for r in body)
    ids = [r[0] for r in body]
    assert len(set(ids)) == len(ids)


def test_export_csv_for_excel_has_a_bom_and_chinese_headers(ingested, tmp_path):
    """The default CSV starts with a UTF-8 BOM (Excel and WPS read it as UTF-8); --headers zh names
    the columns in Chinese; the rows are those of the plain CSV."""
    path, _ = ingested
    out = tmp_path / "文件.csv"
    result = invoke("export", "--format", "csv", "--headers", "zh", "--gazette", GIDS["001"], "-o", str(out), "--db", str(path))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["编号", "序号", "印发通知序号"] and "发文字号" in rows[0] and "成文日期" in rows[0]
    plain = invoke("export", "--format", "csv", "--no-bom", "--gazette", GIDS["001"], "--db", str(path))
    assert list(csv.reader(io.StringIO(plain.stdout)))[1:] == rows[1:]
    bad = invoke("export", "--format", "csv", "--headers", "fr", "--db", str(path))
    assert bad.exit_code == 2 and "unknown headers" in bad.stderr


def test_export_one_gazette_to_a_file(ingested, tmp_path):
    path, _ = ingested
    out = tmp_path / "one.jsonl"
    result = invoke("export", "--gazette", GIDS["000"], "-o", str(out), "--db", str(path))
    assert result.exit_code == 0, result.output
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == GOLD_COUNTS[FILES[0].name]
    assert all(r["id"].startswith(GIDS["000"] + "/") for r in recs)
    assert f"{len(recs)} records" in result.stderr


def test_export_unknown_format_exits_2(ingested):
    path, _ = ingested
    result = invoke("export", "--format", "xml", "--db", str(path))
    assert result.exit_code == 2 and "unknown format" in result.stderr


# --- check ---------------------------------------------------------------------------------


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def test_check_prints_toc_warnings_and_repairs_and_writes_nothing(ingested, tmp_path, monkeypatch):
    path, _ = ingested
    monkeypatch.chdir(tmp_path)
    before_counts = store_counts(path)
    before_tree = _tree(tmp_path)
    result = invoke("check", str(FILES[0]), env={"GONGBAO_DB": str(path)})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "目录 ↔ 正文" in out
    assert "盂政发〔2023〕48号" in out and "盂政办发〔2023〕78号" in out  # TOC rows, first and last
    assert "不一致与提示" in out and "toc.title_mismatch" in out and "目录标题与正文不一致" in out
    assert "修复（按规则）" in out and "ocr.region" in out and "'孟县' → '盂县'" in out
    assert "文件 47" in out
    # dry run: no store created in cwd, the named store untouched
    assert _tree(tmp_path) == before_tree
    assert store_counts(path) == before_counts


def test_check_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("check", "--json", str(FILES[2]))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {
        "source", "sha256", "encoding", "summary", "gazette", "region_evidence", "toc", "documents",
        "warnings", "repair_counts", "repairs", "unplaced",
    }
    assert report["source"] == FILES[2].name and report["encoding"] == "utf-8"
    assert report["summary"]["documents"] == GOLD_COUNTS[FILES[2].name]
    assert report["gazette"]["region_code"] == "140300"
    assert all({"section", "title", "doc_number", "page", "matched_seq"} <= set(e) for e in report["toc"])
    assert len(report["documents"]) == GOLD_COUNTS[FILES[2].name]
    assert all({"code", "message"} <= set(w) for w in report["warnings"])
    assert all({"rule", "before", "after"} <= set(r) for r in report["repairs"])
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_check_refuses_a_bad_file(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = invoke("check", str(bad))
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr and "empty file" in result.stderr


# --- eval / reparse ------------------------------------------------------------------------


def test_eval_prints_per_field_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("eval", str(GOLD / "000.json"))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "documents 47/47 found" in out
    for field in ("doc_number", "title", "date", "parent_seq", "issuer", "recipients", "attachments"):
        row = next((ln for ln in out.splitlines() if re.search(rf"\b{field}\b", ln) and re.search(r"\d\.\d{3}", ln)), None)
        assert row is not None, f"no figures for {field}\n{out}"
        assert len(re.findall(r"[01]\.\d{3}", row)) == 3, row  # precision, recall, exact
    assert list(tmp_path.iterdir()) == []


def test_eval_min_f1_fails_when_unreachable():
    result = invoke("eval", str(GOLD / "001.json"), "--min-f1", "1.01")
    assert result.exit_code == 1


def test_reparse_reports_unchanged(ingested, tmp_path):
    path, _ = ingested
    copy = tmp_path / "reparse.db"
    shutil.copy(path, copy)
    before = store_counts(copy)
    result = invoke("reparse", "--db", str(copy))
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert len(lines) == 3, result.output
    assert all(ln.startswith("unchanged") for ln in lines), result.output
    assert {gid for gid in GIDS.values() if any(gid in ln for ln in lines)} == set(GIDS.values())
    assert store_counts(copy) == before


def test_ingest_keeps_the_original_bytes_content_addressed(tmp_path):
    """Every ingested file is kept as it was, under originals/<sha[:2]>/<sha>, and reparse reads it."""
    import hashlib

    from gongbao.ingest import ingest_file, reparse_all
    from gongbao.store import open_store

    source = CORPUS / "001_c4221d5962f1b0b2.txt"
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with open_store(tmp_path / "g.db") as store:
        assert ingest_file(store, source).status == "added"
        kept = tmp_path / "originals" / digest[:2] / digest
        assert kept.read_bytes() == data
        assert [o.status for o in reparse_all(store)] == ["unchanged"]

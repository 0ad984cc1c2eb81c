"""Bad input: every refusal names the file and the reason, a batch goes on, and a failure
never leaves part of an issue in the store.
"""
from __future__ import annotations

import random
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongbao import decode
from gongbao.cli import app
from gongbao.ingest import MAX_ISSUE_BYTES, ingest_file
from gongbao.store import open_store
from gongbao.store import sqlite as sqlite_store

from .conftest import CORPUS

ISSUE_000 = CORPUS / "000_4079e62c8a753c5e.txt"
ISSUE_001 = CORPUS / "001_c4221d5962f1b0b2.txt"
ISSUE_004 = CORPUS / "004_b3b576dd858a0076.txt"
COUNTS = {ISSUE_000.name: 47, ISSUE_001.name: 23, ISSUE_004.name: 43}

NEWS = """本报讯（记者 王芳 通讯员 李明）10月8日，一场秋雨过后，城区气温明显下降，不少市民早早换上了厚外套。
记者在城东菜市场看到，蔬菜摊位前人来人往，白菜、萝卜等时令蔬菜价格平稳，每斤在一元到两元之间。
摊主张大姐告诉记者，今年雨水充足，本地蔬菜长势好，供应量比去年同期多了两成，价格也比较便宜。
气象部门预计，未来三天我市以多云天气为主，早晚温差较大，最低气温将降至五摄氏度左右，提醒市民注意添衣保暖。
另据了解，市区多所学校近日组织学生开展秋季运动会，孩子们在赛场上奋力拼搏，展现了良好的精神风貌。
"""


def counts(db: Path) -> dict:
    with open_store(db) as store:
        stats = store.stats()
    return {k: v for k, v in stats.items() if k not in ("path", "backend", "schema_version")}


def ingest_one(tmp_path: Path, path: Path, db_name: str = "t.db"):
    with open_store(tmp_path / db_name) as store:
        outcome = ingest_file(store, path)
    return outcome, counts(tmp_path / db_name)


def assert_refused(outcome, path: Path, *reasons: str) -> None:
    assert outcome.status == "error", outcome
    assert outcome.gazette_id is None and outcome.summary is None
    assert str(path) in outcome.error, outcome.error  # names the file
    assert any(r in outcome.error for r in reasons), outcome.error


EMPTY_STORE = {"gazettes": 0, "documents": 0, "toc_entries": 0, "repairs": 0, "unplaced": 0, "warnings": 0,
               "gazette_history": 0, "source_bytes": 0}


# --- files that are not a gazette's text ----------------------------------------------------


@pytest.mark.parametrize(
    "name, data, reasons",
    [
        ("random.txt", random.Random(1).randbytes(8192), ("binary file", "cannot decode", "damaged")),
        ("nul.txt", b"\x00\x01\x02\x03" * 1000, ("binary file",)),
        ("elf.txt", b"\x7fELF\x02\x01\x01" + bytes(200), ("ELF executable",)),
        ("empty.txt", b"", ("empty file",)),
        ("blank.txt", b"  \n\t\r\n" + "\u3000\n".encode() * 50, ("only whitespace",)),
        ("paper.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", ("PDF", "pdftotext")),
        ("latin.txt", b"Annual report of the county government.\n" * 50, ("not a Chinese gazette",)),
    ],
)
def test_not_text_is_refused_and_nothing_stored(tmp_path, name, data, reasons):
    path = tmp_path / name
    path.write_bytes(data)
    outcome, after = ingest_one(tmp_path, path)
    assert_refused(outcome, path, *reasons)
    assert after == EMPTY_STORE


def test_truncated_multibyte_utf8_is_refused(tmp_path):
    data = ISSUE_001.read_bytes()
    # cut inside the last character: a truncated multi-byte sequence at the end of the file
    cut = len(data) - 1
    while data[cut] & 0xC0 == 0x80:  # back to the lead byte of the last character
        cut -= 1
    path = tmp_path / "cut.txt"
    path.write_bytes(data[: cut + 1])
    outcome, after = ingest_one(tmp_path, path)
    assert_refused(outcome, path, "damaged or truncated UTF-8")
    assert after == EMPTY_STORE


def test_invalid_utf8_in_the_middle_is_refused(tmp_path):
    data = bytearray(ISSUE_001.read_bytes())
    middle = len(data) // 2
    while data[middle] < 0xE0:  # a lead byte of a 3-byte character (a hanzi)
        middle += 1
    del data[middle + 1]  # drop one continuation byte
    path = tmp_path / "hole.txt"
    path.write_bytes(bytes(data))
    outcome, after = ingest_one(tmp_path, path)
    assert_refused(outcome, path, "damaged or truncated UTF-8")
    assert f"at byte {middle}" in outcome.error
    assert after == EMPTY_STORE


def test_news_article_is_not_a_gazette(tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS * 3, encoding="utf-8")
    outcome, after = ingest_one(tmp_path, path)
    assert_refused(outcome, path, "not a gazette")
    assert after == EMPTY_STORE


def test_truncated_issue_is_refused_with_a_clear_message(tmp_path):
    text = ISSUE_000.read_text(encoding="utf-8")
    path = tmp_path / "first40.txt"
    path.write_text(text[: int(len(text) * 0.4)], encoding="utf-8")
    outcome, after = ingest_one(tmp_path, path)
    assert_refused(outcome, path, "truncated issue")
    assert "TOC lists" in outcome.error  # says what is missing
    assert after == EMPTY_STORE
    # stored on request
    with open_store(tmp_path / "partial.db") as store:
        partial = ingest_file(store, path, force=True)
    assert partial.status == "added" and 0 < partial.summary.documents < COUNTS[ISSUE_000.name]


# --- other encodings of a real issue ----------------------------------------------------------


@pytest.mark.parametrize("encoding, expected", [("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig")])
def test_other_encodings_ingest_like_utf8(tmp_path, encoding, expected):
    text = ISSUE_000.read_text(encoding="utf-8")
    path = tmp_path / f"000_{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    outcome, after = ingest_one(tmp_path, path)
    assert outcome.status == "added", outcome.error
    assert outcome.summary.documents == COUNTS[ISSUE_000.name]
    assert outcome.gazette_id == "140322/2023/3"
    with open_store(tmp_path / "t.db") as store:
        gazette = store.get_gazette("140322/2023/3")
        (gid, _name, stored_text, _sha), = list(store.sources())
        records = list(store.list_documents("140322/2023/3"))
    assert gazette["encoding"] == expected
    assert stored_text == text  # decoded text without BOM: offsets equal those of the UTF-8 file
    utf8 = {}
    with open_store(tmp_path / "utf8.db") as store:
        ingest_file(store, ISSUE_000)
        utf8 = {r["seq"]: r for r in store.list_documents("140322/2023/3")}
    for rec in records:
        assert rec["title"] == utf8[rec["seq"]]["title"] and rec["spans"] == utf8[rec["seq"]]["spans"]


# --- size limit -----------------------------------------------------------------------------


def test_decode_limit_is_200_mb():
    assert decode.MAX_BYTES == 200 * 1024 * 1024


def test_100_mb_input_is_refused_by_policy_quickly(tmp_path):
    """A real issue is 0.1–0.5 MB. 100 MB (over 300 issues' worth of text) is under decode's
    200 MB limit but would take minutes and gigabytes to parse as one issue, so ingest refuses
    anything over ``MAX_ISSUE_BYTES`` before reading it."""
    assert MAX_ISSUE_BYTES < 100 * 1024 * 1024 < decode.MAX_BYTES
    chunk = ISSUE_000.read_bytes()
    path = tmp_path / "huge.txt"
    with path.open("wb") as out:
        while out.tell() <= 100 * 1024 * 1024:
            out.write(chunk)
    size = path.stat().st_size
    t0 = time.perf_counter()
    try:
        outcome, after = ingest_one(tmp_path, path)
    finally:
        path.unlink()  # pytest keeps the last runs' tmp dirs: do not leave 100 MB behind
    elapsed = time.perf_counter() - t0
    assert_refused(outcome, path, "too large")
    assert f"{size / 1024 / 1024:.1f} MiB" in outcome.error
    assert elapsed < 5, elapsed
    assert after == EMPTY_STORE


def test_real_issue_is_far_under_the_limit(tmp_path):
    """The policy limit leaves room: real issues are a small fraction of it."""
    path = tmp_path / "ok.txt"
    shutil.copy(ISSUE_001, path)
    outcome, _ = ingest_one(tmp_path, path)
    assert outcome.status == "added"
    assert max(p.stat().st_size for p in CORPUS.glob("*.txt")) * 20 < MAX_ISSUE_BYTES


# --- a batch with a bad file ---------------------------------------------------------------------


def test_folder_with_one_bad_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ISSUE_001, folder / ISSUE_001.name)
    shutil.copy(ISSUE_004, folder / ISSUE_004.name)
    bad = folder / "002_scan.txt"  # sorts between the good ones
    bad.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 10)
    (folder / "notes.md").write_text("not an input", encoding="utf-8")  # not a gazette suffix: skipped
    db = tmp_path / "batch.db"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(db)], env={"GONGBAO_DB": None})
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    bad_lines = [ln for ln in lines if "002_scan.txt" in ln]
    assert len(bad_lines) == 1, lines
    assert bad_lines[0].startswith("error") and "looks like a PDF" in bad_lines[0]
    assert "notes.md" not in result.output
    for good in (ISSUE_001, ISSUE_004):
        good_lines = [ln for ln in lines if good.name in ln]
        assert len(good_lines) == 1 and good_lines[0].startswith("added"), lines
    assert "1 of 3 file(s) failed" in result.stderr
    with open_store(db) as store:
        stored = sorted(g["source_name"] for g in store.list_gazettes())
        docs = store.stats()["documents"]
    assert stored == sorted([ISSUE_001.name, ISSUE_004.name])
    assert docs == COUNTS[ISSUE_001.name] + COUNTS[ISSUE_004.name]


def test_missing_file_gets_an_error_line(tmp_path):
    db = tmp_path / "m.db"
    missing = tmp_path / "nope.txt"
    result = CliRunner().invoke(app, ["ingest", str(missing), str(ISSUE_001), "--db", str(db)], env={"GONGBAO_DB": None})
    assert result.exit_code == 1
    assert any("nope.txt" in ln and "no such file" in ln for ln in result.output.splitlines())
    assert counts(db)["gazettes"] == 1


# --- a failure never leaves a partial issue --------------------------------------------------------


def _fail_after(monkeypatch, table: str, exc: BaseException) -> None:
    """Make the store fail while inserting the rows of ``table`` (earlier tables already written)."""
    original = sqlite_store._insert_issue

    class FailingConnection:
        def __init__(self, db):
            self._db = db

        def __getattr__(self, name):
            return getattr(self._db, name)

        def executemany(self, sql, rows):
            if f"INTO {table} " in sql:
                raise exc
            return self._db.executemany(sql, rows)

    def insert(db, issue, *, ingested_at):
        return original(FailingConnection(db), issue, ingested_at=ingested_at)

    monkeypatch.setattr(sqlite_store, "_insert_issue", insert)


@pytest.mark.parametrize("table", ["documents", "repairs", "warnings"])
def test_store_failure_leaves_no_partial_issue(tmp_path, monkeypatch, table):
    db = tmp_path / "t.db"
    with open_store(db) as store:
        assert ingest_file(store, ISSUE_001).status == "added"
    before = counts(db)
    _fail_after(monkeypatch, table, sqlite3.OperationalError("disk I/O error (simulated)"))
    with open_store(db) as store:
        outcome = ingest_file(store, ISSUE_004)
    assert outcome.status == "error" and "disk I/O error (simulated)" in outcome.error
    assert ISSUE_004.name in outcome.error  # names the file
    assert counts(db) == before
    monkeypatch.undo()
    with open_store(db) as store:  # and the same file goes in whole afterwards
        assert ingest_file(store, ISSUE_004).status == "added"
    assert counts(db)["documents"] == before["documents"] + COUNTS[ISSUE_004.name]


def test_unexpected_exception_inside_save_rolls_back(tmp_path, monkeypatch):
    db = tmp_path / "t.db"
    with open_store(db) as store:
        ingest_file(store, ISSUE_001)
    before = counts(db)
    _fail_after(monkeypatch, "toc_entries", RuntimeError("bug (simulated)"))
    with open_store(db) as store:
        with pytest.raises(RuntimeError):
            ingest_file(store, ISSUE_004)
        # the connection is usable afterwards: the transaction was rolled back, not left open
        assert not store._db.in_transaction
    assert counts(db) == before


def test_failed_replacement_keeps_the_old_issue(tmp_path, monkeypatch):
    """A new version of a stored issue (same gazette id, other bytes) that fails to save must
    leave the old parse in place, not delete it."""
    db = tmp_path / "t.db"
    with open_store(db) as store:
        ingest_file(store, ISSUE_001)
    before = counts(db)
    with open_store(db) as store:
        old = [r["id"] for r in store.list_documents()]
    bom = tmp_path / ISSUE_001.name
    bom.write_bytes(b"\xef\xbb\xbf" + ISSUE_001.read_bytes())  # same text, new sha256
    _fail_after(monkeypatch, "documents", sqlite3.OperationalError("database or disk is full (simulated)"))
    with open_store(db) as store:
        outcome = ingest_file(store, bom)
    assert outcome.status == "error" and "disk is full" in outcome.error
    assert counts(db) == before
    with open_store(db) as store:
        assert [r["id"] for r in store.list_documents()] == old
    monkeypatch.undo()
    with open_store(db) as store:
        assert ingest_file(store, bom).status == "replaced"
    after = counts(db)
    assert after["gazettes"] == 1 and after["gazette_history"] == 1

"""Truncated issues (issue #15, item 3): a file cut short is never stored as the issue, never
replaces the complete version without ``--force``, and never lands under another county.

The truncated variants are cut from the shared issues here, at points any download or copy
can stop: at the end of a date line two thirds in, right after the date that ends the second
document, inside the last multibyte character's bytes, inside the last sentence, right after
the title of the last carried document, in the middle of the TOC and right after it. Each is ingested over the complete issue, on SQLite and
PostgreSQL, through the library, the CLI and the upload route.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, NamedTuple

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gongbao.http import create_app
from gongbao.cli import app
from gongbao.completeness import problems
from gongbao.decode import decode_bytes
from gongbao.errors import InputError, StoreError
from gongbao.export import document_records
from gongbao.ingest import ingest_bytes, ingest_file, originals_dir
from gongbao.pipeline import parse, parse_text
from gongbao.store import open_store

from .conftest import BACKENDS, CORPUS

ISSUE_000 = CORPUS / "000_4079e62c8a753c5e.txt"  # 盂县 2023/3, cover misprinted 孟县: 47 documents
ISSUE_001 = CORPUS / "001_c4221d5962f1b0b2.txt"  # 盂县 2024/2: 23 documents
ISSUE_004 = CORPUS / "004_b3b576dd858a0076.txt"  # 阳泉市 2020/3: 43 documents
TOKEN = "truncation-test-token-0123456789"

# A line that is only a date: how a document ends (落款日期), "2023 年 9 月 18 日" too.
DATE_LINE = re.compile(r"^[ \t\u3000]*(?:19|20)\d\d[ \t]*年[ \t]*\d{1,2}[ \t]*月[ \t]*\d{1,2}[ \t]*日[ \t\u3000]*$", re.M)


def at_date_line(path: Path) -> bytes:
    """Up to and with the last date line in the first two thirds."""
    text = path.read_text(encoding="utf-8")
    end = max(m.end() for m in DATE_LINE.finditer(text) if m.end() <= len(text) * 2 // 3)
    return (text[:end] + "\n").encode()


def right_after_date(path: Path) -> bytes:
    """Right after the date that ends the second document (its last character is 日)."""
    text = path.read_text(encoding="utf-8")
    return text[: list(DATE_LINE.finditer(text))[1].end()].rstrip().encode()


def mid_character(path: Path) -> bytes:
    """The bytes stop after the first byte of a hanzi ~200 bytes before the end."""
    data = path.read_bytes()
    cut = len(data) - 200
    while data[cut] < 0xE0:  # the lead byte of a 3-byte character
        cut -= 1
    return data[: cut + 1]


def mid_sentence(path: Path) -> bytes:
    """Inside the last sentence of the body, after its last comma (署名 and date are lost)."""
    text = path.read_text(encoding="utf-8")
    return text[: text.rindex("，") + 1].encode()


def after_last_title(path: Path) -> bytes:
    """Right after the title of the last document carried by a notice (its text is lost)."""
    text = path.read_text(encoding="utf-8")
    carried = [d for d in parse_text(text, path.name).documents if d.parent_seq is not None]
    return text[: carried[-1].spans["title"].end].encode()


def _toc(path: Path):
    return parse_text(path.read_text(encoding="utf-8"), path.name).toc


def mid_toc(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8")
    toc = _toc(path)
    return text[: toc[len(toc) // 2].span.start + 8].encode()


def after_toc(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8")
    return text[: _toc(path)[-1].span.end].encode()


class Cut(NamedTuple):
    issue: Path
    make: Callable[[Path], bytes]
    reasons: tuple[str, ...]  # each must be in the refusal
    forced: str  # what --force does: replaced | added (under no region) | error (refused even then)


CUTS = {
    "at_date_line": Cut(ISSUE_000, at_date_line, ("truncated issue", "it would replace 140322/2023/3", "the TOC lists 28 documents",
                                                  "documents where the stored version has 47"), "replaced"),
    "right_after_date": Cut(ISSUE_001, right_after_date, ("the TOC lists 15 documents, the body holds 2", "region uncertain",
                                                          "盂县 140322", "蔚县 130726"), "added"),
    "mid_character": Cut(ISSUE_000, mid_character, ("ends inside a character",), "error"),
    "mid_sentence": Cut(ISSUE_000, mid_sentence, ("ends without 署名 or date", "the first 99% of the stored version's"), "replaced"),
    "after_last_title": Cut(ISSUE_001, after_last_title, ("the last document «盂县推进服务业提质增效2024年行动计划» has no text",
                                                          "of the stored version's"), "replaced"),
    "mid_toc": Cut(ISSUE_004, mid_toc, ("no official document", "the TOC lists 13 documents"), "error"),
    "after_toc": Cut(ISSUE_004, after_toc, ("no official document", "the TOC lists 26 documents"), "error"),
}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def snapshot(url: str) -> dict:
    """What a refusal must leave as it was: the counts, each issue's version, and the original
    files kept beside a SQLite store."""
    with open_store(url) as store:
        stats = store.stats()
        issues = [(g["id"], g["sha256"], g["document_count"], g["region_code"]) for g in store.list_gazettes()]
        root = originals_dir(store)
    originals = sorted(p.name for p in root.rglob("*") if p.is_file()) if root and root.exists() else []
    return {"stats": {k: v for k, v in stats.items() if k != "path"}, "issues": issues, "originals": originals}


def store_with(url: str, *issues: Path) -> str:
    with open_store(url) as store:
        for path in issues:
            assert ingest_file(store, path).status == "added"
    return url


def write_cut(tmp_path: Path, name: str) -> Path:
    cut = CUTS[name]
    path = tmp_path / f"{name}_{cut.issue.name}"
    path.write_bytes(cut.make(cut.issue))
    return path


@pytest.mark.parametrize("name", CUTS)
def test_a_cut_issue_is_refused_over_the_complete_one_and_forced_in_only_on_request(tmp_path, new_store_url, backend, name):
    cut = CUTS[name]
    url = store_with(new_store_url(backend), cut.issue)
    before = snapshot(url)
    path = write_cut(tmp_path, name)

    with open_store(url) as store:
        refused = ingest_file(store, path)
    assert refused.status == "error" and refused.error.startswith(f"{path}: "), refused
    assert all(reason in refused.error for reason in cut.reasons), refused.error
    assert "\n" not in refused.error
    assert snapshot(url) == before

    with open_store(url) as store:
        forced = ingest_file(store, path, force=True)
    assert forced.status == cut.forced, forced
    after = snapshot(url)
    if cut.forced == "error":
        assert after == before
    elif cut.forced == "replaced":  # the complete version moves to history
        (gid, sha, documents, region), = after["issues"]
        old_gid, old_sha, old_documents, old_region = before["issues"][0]
        assert (gid, region) == (old_gid, old_region) and sha != old_sha
        assert documents == forced.summary.documents <= old_documents
        assert after["stats"]["gazette_history"] == before["stats"]["gazette_history"] + 1
    else:  # no region could be told: stored beside the complete issue, under its sha256, no county
        assert len(after["issues"]) == 2 and before["issues"][0] in after["issues"]
        added = next(i for i in after["issues"] if i not in before["issues"])
        assert added[0] == forced.gazette_id and re.fullmatch(r"[0-9a-f]{12}", added[0]) and added[3] is None


@pytest.mark.parametrize("name", ["at_date_line", "right_after_date", "mid_sentence"])
def test_a_first_ingest_of_a_cut_issue_is_refused_too(tmp_path, name):
    path = write_cut(tmp_path, name)
    url = str(tmp_path / "empty.db")
    before = snapshot(url)
    with open_store(url) as store:
        refused = ingest_file(store, path)
    assert refused.status == "error" and refused.incomplete and "it would replace" not in refused.error
    assert snapshot(url) == before and before["issues"] == []


def test_the_same_forced_file_again_is_unchanged_not_refused(tmp_path):
    path = write_cut(tmp_path, "mid_sentence")
    with open_store(tmp_path / "s.db") as store:
        assert ingest_file(store, path, force=True).status == "added"
        assert ingest_file(store, path).status == "unchanged"


def test_fewer_documents_than_stored_is_refused_even_when_the_parse_looks_whole(tmp_path):
    """An issue printed without TOC, its last documents cut away whole (the cut ends with a
    document's 落款 and 公开 note) and a blank line put first (so it is no prefix of the stored
    text either): on its own it looks whole; only the stored version tells."""
    text = ISSUE_004.read_text(encoding="utf-8")
    full = parse_text(text, ISSUE_004.name)
    without_toc = text[: full.toc[0].span.start] + text[full.documents[0].span.start:]
    note = "(此件公开发布)"
    shorter = "\n" + without_toc[: without_toc.rindex(note, 0, len(without_toc) * 2 // 3) + len(note)]
    assert problems(parse_text(shorter, "short.txt")) == []
    with open_store(tmp_path / "s.db") as store:
        assert ingest_bytes(store, without_toc.encode(), "no_toc.txt").status == "added"
        before = store.list_gazettes()
        with pytest.raises(InputError, match=r"^short\.txt: truncated issue, not stored: it would replace "
                                             r"140300/2020/3: \d+ documents where the stored version has 43$"):
            ingest_bytes(store, shorter.encode(), "short.txt")
        assert store.list_gazettes() == before


def test_a_save_judged_against_another_version_than_the_stored_one_changes_nothing(new_store_url, backend):
    """Ingest weighs a new file against the stored version, then saves: if another writer
    stored a different version in between, the save is refused inside its transaction."""
    url = store_with(new_store_url(backend), ISSUE_000)
    before = snapshot(url)
    # the same text with a BOM: another file of the issue that looks whole
    result = parse(decode_bytes(b"\xef\xbb\xbf" + ISSUE_000.read_bytes(), "bom.txt"))
    with open_store(url) as store:
        for stale in (None, "0" * 64):  # judged when nothing was stored / against another version
            with pytest.raises(StoreError, match="another version was stored while it was checked"):
                store.save_parse(result, document_records(result), judged_against=stale)
        assert snapshot(url) == before
        current = store.stored_version("140322/2023/3")["sha256"]
        assert store.save_parse(result, document_records(result), judged_against=current).status == "replaced"


def test_cli_refuses_with_one_line_and_exit_1_then_force_replaces(tmp_path, new_store_url, backend):
    url = store_with(new_store_url(backend), ISSUE_000)
    before = snapshot(url)
    path = write_cut(tmp_path, "at_date_line")
    runner = CliRunner()
    refused = runner.invoke(app, ["ingest", "--db", url, str(path)], env={"GONGBAO_DB": None, "COLUMNS": "80"})
    assert refused.exit_code == 1, refused.output
    errors = [line for line in refused.output.splitlines() if line.startswith("error ")]
    assert len(errors) == 1 and str(path) in errors[0] and "the TOC lists 28 documents" in errors[0]
    assert "1 incomplete: --force stores them" in refused.output
    assert snapshot(url) == before

    forced = runner.invoke(app, ["ingest", "--db", url, "--force", str(path)], env={"GONGBAO_DB": None, "COLUMNS": "80"})
    assert forced.exit_code == 0, forced.output
    assert "replaced" in forced.output and "140322/2023/3" in forced.output
    assert snapshot(url)["issues"][0][2] < before["issues"][0][2]


@pytest.mark.parametrize("name", ["at_date_line", "right_after_date", "mid_sentence", "mid_character"])
def test_upload_of_a_cut_issue_is_422_with_the_reason(tmp_path, new_store_url, backend, name):
    cut = CUTS[name]
    url = store_with(new_store_url(backend), cut.issue)
    before = snapshot(url)
    with TestClient(create_app(url, upload_token=TOKEN)) as client:
        response = client.post(f"/api/gazettes?name={name}.txt", content=cut.make(cut.issue),
                               headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "input_error"
    assert all(reason in body["message"] for reason in cut.reasons), body["message"]
    assert snapshot(url) == before


def test_check_prints_the_judgement(tmp_path):
    path = write_cut(tmp_path, "right_after_date")
    runner = CliRunner()
    cut = runner.invoke(app, ["check", str(path)], env={"COLUMNS": "400"})
    assert cut.exit_code == 0, cut.output
    assert "不完整（ingest 不加 --force 时拒收）" in cut.output and "region uncertain" in cut.output
    whole = runner.invoke(app, ["check", str(ISSUE_001)], env={"COLUMNS": "400"})
    assert "完整：未见截断迹象" in whole.output and "地区依据（置信度 0.85）" in whole.output


# -- any cut ---------------------------------------------------------------------------------

REGION = {ISSUE_000: "140322", ISSUE_001: "140322", ISSUE_004: "140300"}


@pytest.fixture(scope="module")
def complete_store(tmp_path_factory) -> str:
    return store_with(str(tmp_path_factory.mktemp("complete") / "complete.db"), ISSUE_000, ISSUE_001, ISSUE_004)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(issue=st.sampled_from(sorted(REGION)), where=st.floats(0.02, 0.995), inside_character=st.booleans())
def test_no_cut_replaces_a_complete_issue_or_lands_under_another_region(complete_store, issue, where, inside_character):
    data = issue.read_bytes()
    end = int(len(data) * where)
    if not inside_character:  # back to a character boundary
        while data[end] & 0xC0 == 0x80:
            end -= 1
    cut = data[:end]
    before = snapshot(complete_store)
    with open_store(complete_store) as store:
        with pytest.raises(InputError):  # a strict prefix of a stored issue never goes in
            ingest_bytes(store, cut, "cut.txt")
    assert snapshot(complete_store) == before
    with open_store(":memory:") as empty:  # alone, it is refused or filed under its own region
        try:
            outcome = ingest_bytes(empty, cut, "cut.txt")
        except InputError:
            assert empty.stats()["gazettes"] == 0
        else:
            assert outcome.gazette_id.startswith(REGION[issue] + "/"), outcome

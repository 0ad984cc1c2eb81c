"""Issue #15, the input formats attacked: deeply nested HTML, ZIP members named to escape the
archive, and decompression bombs. Each hostile file is made here (small, from the corpus);
each refusal names the file and the reason, changes nothing stored, and the batch goes on.
The bombs go through a real ``gongbao ingest`` process whose peak memory is measured.
"""
from __future__ import annotations

import html
import inspect
import io
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gongbao import formats
from gongbao.http import create_app
from gongbao.cli import app
from gongbao.errors import InputError
from gongbao.formats import archive
from gongbao.formats import html as html_format
from gongbao.ingest import ingest_bytes, ingest_file, iter_inputs
from gongbao.store import open_store

from . import hostile_inputs as hostile
from .conftest import CORPUS, HOSTILE_GAZETTE, ROOT
from .reliability import GONGBAO

ISSUE_000 = CORPUS / "000_4079e62c8a753c5e.txt"
ISSUE_001 = hostile.ISSUE_001
ISSUE_004 = hostile.ISSUE_004
GIB = 1024 * 1024 * 1024
TOKEN = "test-upload-token-0123456789abcdef"


def gazette_ids(db: Path) -> list[str]:
    with open_store(db) as store:
        return sorted(g["id"] for g in store.list_gazettes())


def document_count(db: Path) -> int:
    with open_store(db) as store:
        return store.stats()["documents"]


_reference: dict[Path, tuple[str, int]] = {}


def reference(text_file: Path) -> tuple[str, int]:
    """(gazette id, documents) of a corpus issue read as text: what its HTML must give."""
    if text_file not in _reference:
        with open_store(":memory:") as store:
            outcome = ingest_file(store, text_file, force=True)
            _reference[text_file] = (outcome.gazette_id, store.stats()["documents"])
    return _reference[text_file]


# -- deeply nested HTML ---------------------------------------------------------------------------


@pytest.mark.parametrize("page, text_file", [
    (lambda: hostile.nested_spans_html(2000), ISSUE_001),
    (lambda: hostile.unclosed_font_html(ISSUE_004), ISSUE_004),
    (lambda: hostile.many_spans_html(60_000), ISSUE_001),
], ids=["2000-spans-around", "unclosed-font-per-line", "60000-nested-spans"])
def test_deeply_nested_html_is_read_like_its_text(tmp_path, page, text_file):
    path = tmp_path / "page.html"
    path.write_bytes(page())
    with open_store(tmp_path / "t.db") as store:
        outcome = ingest_file(store, path)
    assert outcome.status == "added", outcome.error
    assert (outcome.gazette_id, document_count(tmp_path / "t.db")) == reference(text_file)


def test_html_reader_does_not_recurse():
    """The reader's depth of Python calls does not grow with the page's nesting: it reads
    50,000 nested elements with only 60 frames to spare."""
    page = hostile.many_spans_html(50_000).replace(b"<span>", b"<div><table><tr><td><span>", 2000)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)
    try:
        text, _, _ = html_format.extract_html(page, "deep.html")
    finally:
        sys.setrecursionlimit(limit)
    assert text.count("。") >= 50_000  # every nested span's character is kept


def test_nesting_past_the_limit_keeps_every_line():
    depth = html_format.MAX_DEPTH * 3
    lines = [f"第{i}条　本办法自公布之日起施行。" for i in range(depth)]
    page = "<html><body>" + "".join(f"<div>{line}" for line in lines) + "</div>" * depth + "</body></html>"
    text, _, _ = html_format.extract_html(page.encode("utf-8"), "deep.html")
    assert text.splitlines() == lines


def test_html_with_too_many_tags_is_refused_before_parsing():
    page = b"<html><body>" + "<b>公</b>".encode("utf-8") * (html_format.MAX_HTML_TAGS // 2 + 1)
    with pytest.raises(InputError, match=r"^many\.html: an HTML page with \d+ tags, the limit is 1000000"):
        html_format.extract_html(page, "many.html")


def failing_feed(self, data):
    """A reader bug that a file can hit (what the RecursionError was), put into the HTML reader."""
    raise RecursionError("maximum recursion depth exceeded (simulated)")


def test_unexpected_reader_exception_is_one_error_line_and_the_batch_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(html_format._PageReader, "feed", failing_feed)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.html").write_bytes(hostile.nested_spans_html(10))
    shutil.copy(ISSUE_001, folder / "b.txt")
    # --jobs 1: the reader is broken in this process only (worker processes import their own)
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(tmp_path / "t.db"), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert errors == [f"error {folder / 'a.html'}: cannot be read: unexpected RecursionError: maximum recursion "
                      "depth exceeded (simulated)"], result.output
    assert "Traceback" not in result.output
    assert gazette_ids(tmp_path / "t.db") == [reference(ISSUE_001)[0]]  # the next file went in


def test_upload_of_nested_html_and_of_a_file_that_breaks_a_reader(tmp_path, monkeypatch):
    db = tmp_path / "upload.db"
    open_store(db).close()
    with TestClient(create_app(str(db), upload_token=TOKEN), raise_server_exceptions=False) as client:
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/html"}
        response = client.post("/api/gazettes", content=hostile.unclosed_font_html(ISSUE_001), headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["gazette_id"] == reference(ISSUE_001)[0]
        monkeypatch.setattr(html_format._PageReader, "feed", failing_feed)
        response = client.post("/api/gazettes?name=deep.html", content=hostile.nested_spans_html(3000, ISSUE_004),
                               headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "input_error",
                               "message": "cannot be read: unexpected RecursionError: maximum recursion depth "
                                          "exceeded (simulated)"}
    assert gazette_ids(db) == [reference(ISSUE_001)[0]]


# -- ZIP member names ------------------------------------------------------------------------------


def test_members_named_outside_the_archive_are_refused_and_never_opened(tmp_path):
    outside = tmp_path / "elsewhere" / "000.txt"  # another gazette: read through the name, it would be stored
    outside.parent.mkdir()
    shutil.copy(ISSUE_000, outside)
    bad = ["/etc/shadow", "/dev/stdin", str(outside), "../000.txt", "ok/../../000.txt", "C:/000.txt", "\\000.txt"]
    members = {name: b"\x00not read\x00" for name in bad}
    members["ok/001.txt"] = ISSUE_001.read_bytes()
    bundle = hostile.zip_with_members(tmp_path / "bundle.zip", members)
    db = tmp_path / "t.db"
    # a real process whose standard input stays open: reading /dev/stdin would hang it (till the watchdog)
    process = subprocess.Popen([*GONGBAO, "ingest", str(bundle), "--db", str(db)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env(), cwd=tmp_path)
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        lines = process.stdout.read().decode("utf-8").splitlines()
        process.wait()
    finally:
        watchdog.cancel()
        process.stdin.close()
    assert process.returncode == 1, lines  # not killed: it did not wait on /dev/stdin
    for name in bad:
        expected = f"error {bundle}: member {name!r} has "
        assert any(line.startswith(expected) and line.endswith("refused (members are read only from the archive, "
                                                               "never from the file system)") for line in lines), (name, lines)
    assert gazette_ids(db) == [reference(ISSUE_001)[0]]  # the good member only: not the file outside


def test_a_member_path_typed_with_dots_is_read_from_the_archive_or_refused(tmp_path):
    shutil.copy(ISSUE_000, tmp_path / "000.txt")
    bundle = hostile.zip_with_members(tmp_path / "a.zip", {"x.txt": ISSUE_001.read_bytes()})
    with pytest.raises(InputError, match=r"a\.zip: member '\.\./000\.txt' has a name with '\.\.': refused"):
        formats.read_any(bundle / ".." / "000.txt")
    assert formats.read_any(bundle / "x.txt").source.name == "a.zip/x.txt"
    with pytest.raises(InputError, match=r"a\.zip: member '/etc/passwd' has an absolute name"):
        formats.read_any(formats.ArchiveMember(bundle, "/etc/passwd"))


def test_bzip2_members_are_refused(tmp_path):
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as zf:
        zf.writestr("001.txt", ISSUE_001.read_bytes())
    with open_store(tmp_path / "t.db") as store:
        (outcome,) = [ingest_file(store, item) for item in iter_inputs([path])]
    assert outcome.error == f"{path}/001.txt: compressed with bzip2: only stored or deflated members are read"


# -- decompression bombs, through a real `gongbao ingest` -----------------------------------------


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


# `gongbao` that writes its peak RSS (VmHWM) to $PEAK_FILE as it exits. Not ru_maxrss: Linux
# carries the forking parent's peak into the child's (pytest's, with the bombs it built).
PEAK_PROBE = """
import atexit, os

def report_peak():
    with open("/proc/self/status") as status, open(os.environ["PEAK_FILE"], "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])

atexit.register(report_peak)
from gongbao.cli import app
app(prog_name="gongbao")
"""


def ingest_process(paths: list[Path], db: Path, timeout: int = 300) -> tuple[int, list[str], int]:
    """(exit code, output lines, peak RSS in bytes) of a real ``gongbao ingest PATHS``."""
    peak_file = db.with_suffix(".peak")
    done = subprocess.run([sys.executable, "-c", PEAK_PROBE, "ingest", *map(str, paths), "--db", str(db)],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env={**_env(), "PEAK_FILE": str(peak_file)}, timeout=timeout)
    return done.returncode, done.stdout.decode("utf-8").splitlines(), int(peak_file.read_text()) * 1024  # kB


def pdf_sharing_one_content_stream(path: Path, pages: int, inflated: int) -> Path:
    """``pages`` pages all drawing the same content stream of ``inflated`` bytes."""
    import pymupdf

    with pymupdf.open() as doc:
        page = doc.new_page()
        page.insert_text((72, 72), "公报", fontname="china-s")
        xref = page.get_contents()[0]
        unit = b"0 0 m 1 1 l S\n"
        doc.update_stream(xref, unit * (inflated // len(unit)))
        for _ in range(pages - 1):
            doc.new_page()
            doc.xref_set_key(doc[-1].xref, "Contents", f"{xref} 0 R")
        doc.save(path, deflate=True)
    return path


def test_bombs_stop_at_their_limits_under_1_gib(tmp_path):
    bombs = {
        "docx": (hostile.docx_bomb(tmp_path / "bomb.docx", 1 * GIB),
                 "bomb.docx/word/document.xml: too large: more than 33554432 bytes unpacked"),
        "pdf stream": (hostile.pdf_bomb(tmp_path / "bomb.pdf", 100 * 1024 * 1024),
                       "bomb.pdf: a content stream (object "),
        "zip member": (hostile.zip_member_bomb(tmp_path / "bomb.zip", 1 * GIB),
                       "bomb.zip/big.txt: too large: more than 33554432 bytes unpacked"),
        "pdf pages": (pdf_sharing_one_content_stream(tmp_path / "pages.pdf", 40, 8 * 1024 * 1024),
                      "pages.pdf: pages up to 33 draw more than 256 MiB of content: refused"),
        "zip directory": (hostile.zip_directory_bomb(tmp_path / "many.zip", 400_000),
                          "many.zip: a ZIP archive whose central directory is 20400000 bytes, the limit is 16777216"),
    }
    assert all(path.stat().st_size < 24 * 1024 * 1024 for path, _ in bombs.values())
    good = tmp_path / "001.txt"
    shutil.copy(ISSUE_001, good)
    db = tmp_path / "t.db"
    code, lines, peak = ingest_process([path for path, _ in bombs.values()] + [good], db)
    errors = [line for line in lines if line.startswith("error")]
    for family, (path, reason) in bombs.items():
        assert [e for e in errors if str(path.parent) in e and reason in e], (family, lines)
    assert len(errors) == len(bombs) and code == 1, lines
    assert gazette_ids(db) == [reference(ISSUE_001)[0]]  # the batch went on to the good file
    print(f"\npeak RSS of `gongbao ingest` over the bombs: {peak / 1024 / 1024:.0f} MiB")
    assert peak < 1 * GIB


def test_docx_part_limit_holds_for_a_document_just_under_it(tmp_path):
    """A DOCX whose document.xml is just under the part limit is read whole (its text is then
    too much for one issue) well under 1 GiB: the limit is low enough."""
    path = hostile.docx_bomb(tmp_path / "big.docx", 30 * 1024 * 1024)
    code, lines, peak = ingest_process([path], tmp_path / "t.db")
    assert code == 1 and lines[0].startswith(f"error {path}: too large: "), lines
    assert "MiB of text extracted from the DOCX document" in lines[0], lines
    print(f"\npeak RSS reading a DOCX with a 30 MiB document.xml: {peak / 1024 / 1024:.0f} MiB")
    assert peak < 1 * GIB


# -- fuzz: nesting depth and member names through the whole ingest ---------------------------------

FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
GAZETTE = HOSTILE_GAZETTE.format(issue=7)
NESTING = st.sampled_from(["span", "font", "div", "b", "a", "p", "td", "li", "table", "center", "section"])


@pytest.fixture(scope="module")
def memory_store():
    with open_store(":memory:") as store:
        yield store


@pytest.fixture(scope="module")
def gazette_documents() -> int:
    with open_store(":memory:") as store:
        ingest_bytes(store, GAZETTE.encode("utf-8"), "plain.txt")
        return store.stats()["documents"]


@FUZZ
@given(tags=st.lists(NESTING, min_size=1, max_size=3), depth=st.integers(0, 4000), closed=st.booleans(),
       per_line=st.booleans())
def test_fuzz_html_nesting_through_ingest(memory_store, gazette_documents, tags, depth, closed, per_line):
    lines = [html.escape(line) for line in GAZETTE.splitlines() if line.strip()]
    opening = "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
    closing = "".join(f"</{tags[i % len(tags)]}>" for i in reversed(range(depth))) if closed else ""
    if per_line:  # a few tags opened again on each line, never closed, as <font> tags were
        again = "".join(f"<{tags[i % len(tags)]}>" for i in range(min(depth, 60)))
        body = opening + "".join(f"{again}{line}<br>\n" for line in lines)
    else:
        body = opening + "".join(f"<p>{line}</p>\n" for line in lines) + closing
    page = f"<!DOCTYPE html><html><body>{body}</body></html>".encode("utf-8")
    try:
        outcome = ingest_bytes(memory_store, page, "nested.html")
    except InputError as error:
        # the one refusal: text inside a <table> but outside its cells is not read (as before)
        assert "table" in tags and str(error) == ("nested.html: an HTML page with no text content once "
                                                  "navigation and boilerplate are removed"), error
        return
    assert outcome.status in ("added", "unchanged", "replaced")
    assert len(list(memory_store.list_documents(outcome.gazette_id))) == gazette_documents


MEMBER_PART = st.sampled_from(["..", ".", "", "etc", "shadow", "中文", "a b", "C:", "\\", "x.txt", "__MACOSX", ".hidden"])


@FUZZ
@given(names=st.lists(st.lists(MEMBER_PART, min_size=1, max_size=5).map("/".join), min_size=1, max_size=5, unique=True),
       absolute=st.booleans())
def test_fuzz_archive_member_names_through_ingest(tmp_path_factory, names, absolute):
    folder = tmp_path_factory.mktemp("names")
    outside = folder / "outside.txt"
    outside.write_bytes(ISSUE_000.read_bytes())  # what a member name must never make gongbao read
    if absolute:
        names = [str(outside)] + names
    names = [n for n in names if n and not n.endswith("/")]
    members = {name: GAZETTE.encode("utf-8") for name in names}
    bundle = folder / "bundle.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), members[name])
    bundle.write_bytes(buffer.getvalue())
    listed = {info.filename for info in zipfile.ZipFile(bundle).infolist()}
    with open_store(folder / "t.db") as store:
        outcomes = [ingest_file(store, item, force=True) for item in iter_inputs([bundle])]
    for outcome in outcomes:
        member = outcome.path.member if isinstance(outcome.path, formats.ArchiveMember) else None
        assert member is None or member in listed
        if member is not None and archive.unsafe_name(member):
            assert outcome.error == (f"{bundle}: member {member!r} has {archive.unsafe_name(member)}: refused "
                                     "(members are read only from the archive, never from the file system)")
        elif outcome.status == "error":
            assert outcome.error.startswith(f"{bundle}"), outcome.error
    stored = gazette_ids(folder / "t.db")
    assert reference(ISSUE_000)[0] not in stored  # the file outside was never read
    assert len(stored) <= 1  # the members' one issue, if any member was read
    unsafe = [n for n in listed if archive.unsafe_name(n)]
    assert sum(1 for o in outcomes if o.status == "error" and "refused (members" in (o.error or "")) == len(unsafe)

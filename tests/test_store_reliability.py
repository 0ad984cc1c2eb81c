"""Never lose a record (issue 7), SQLite store: ``check_integrity`` / ``gongbao fsck``,
``backup`` / ``restore``, and faults — disk full, read-only store, a locked database — that
must fail with a clear error and leave the store as it was. Crashes: test_crash.py."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gongbao.cli import app
from gongbao.errors import StoreError
from gongbao.ingest import ingest_file
from gongbao.search import SearchQuery, search
from gongbao.store import open_store, restore
from gongbao.store import sqlite as sqlite_store

from .reliability import GONGBAO, cli_env, copy_store, make_variants, mount_tmpfs, snapshot


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env={"GONGBAO_DB": None, "COLUMNS": "200", **(env or {})})


@pytest.fixture
def store_copy(corpus_db: Path, tmp_path: Path) -> Path:
    """A writable copy of the session's corpus store."""
    return copy_store(corpus_db, tmp_path / "store.db")


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> list[Path]:
    """The corpus once more as other issues (issue numbers + 10): something new to ingest."""
    return make_variants(tmp_path_factory.mktemp("variants"), 2)[3:]


def corrupt(path: Path, *statements: str, foreign_keys: bool = True) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        for statement in statements:
            db.execute(statement)


# -- check_integrity and fsck ------------------------------------------------------------


def test_a_fresh_store_of_the_corpus_is_consistent(corpus_db: Path) -> None:
    with open_store(corpus_db) as store:
        assert store.check_integrity() == []
    with open_store(":memory:") as empty:
        assert empty.check_integrity() == []


def test_fsck_prints_ok_and_counts(corpus_db: Path) -> None:
    result = invoke("fsck", "--db", str(corpus_db))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK ") and "3 issue(s), 113 document(s)" in result.stdout


@pytest.mark.parametrize(
    "statements, foreign_keys, expected",
    [
        pytest.param(  # the document stays, its index row goes (search_text cascades, FTS keeps its row)
            ["DELETE FROM search_docs WHERE doc_id = '140322/2023/3/1'"], True,
            ["document not in the search index (no search_docs row): 140322/2023/3/1",
             "full-text (search_fts) row without its search_docs row", "search_combos count differs"],
            id="search_docs-row-deleted",
        ),
        pytest.param(
            ["DELETE FROM documents WHERE id = '140322/2024/2/3'"], False,
            ["foreign key violation search_docs → documents",
             "gazette whose document_count differs from its stored documents (id: expected/stored): 140322/2024/2: 23/22",
             "search_docs row of a missing document: 140322/2024/2/3"],
            id="document-deleted-fk-off",
        ),
        pytest.param(
            ["UPDATE search_combos SET documents = documents + 2 WHERE combo = (SELECT min(combo) FROM search_combos)"],
            True, ["search_combos count differs from its search_docs rows"], id="combo-count-altered",
        ),
        pytest.param(
            ["DELETE FROM sources WHERE gazette_id = '140300/2020/3'"], True,
            ["gazette without its source text: 140300/2020/3"], id="source-deleted",
        ),
        pytest.param(
            ["UPDATE gazettes SET document_count = 99 WHERE id = '140322/2023/3'"], True,
            ["140322/2023/3: 99/47"], id="document-count-altered",
        ),
        pytest.param(
            ["UPDATE layer_records SET doc_id = '140322/2023/3/999' WHERE id = (SELECT min(id) FROM layer_records)"],
            False, ["layer record of a missing document", "→ 140322/2023/3/999"], id="layer-record-dangling",
        ),
        pytest.param(
            ["DELETE FROM search_text WHERE sid = (SELECT max(sid) FROM search_text)"], True,
            ["search_docs row without its search_text"], id="search_text-deleted",
        ),
        pytest.param(  # the FTS row goes (exactly, with the tokens it was given), search_docs stays
            ["INSERT INTO search_fts (search_fts, rowid, title_w, body_w, info_w, title_b, body_b, info_b, filters)"
             " SELECT 'delete', 5, null, null, null, null, null, null, null"], True,
            ["search_docs row missing from the full-text index search_fts (sid): 5"], id="fts-row-deleted",
        ),
    ],
)
def test_check_integrity_reports_a_corrupted_store(store_copy: Path, statements, foreign_keys, expected) -> None:
    corrupt(store_copy, *statements, foreign_keys=foreign_keys)
    with open_store(store_copy) as store:
        problems = store.check_integrity()
    text = "\n".join(problems)
    for fragment in expected:
        assert fragment in text, text
    result = invoke("fsck", "--db", str(store_copy))
    assert result.exit_code == 1
    assert expected[0] in result.stdout and "problem(s) in" in result.stderr


def test_check_integrity_reports_a_damaged_file(store_copy: Path) -> None:
    # overwrite a page in the middle of the file: SQLite's own integrity_check notices
    with open(store_copy, "r+b") as file:
        file.seek(4096 * 40)
        file.write(b"\xff" * 4096)
    try:
        with open_store(store_copy) as store:
            problems = store.check_integrity()
    except StoreError as error:  # damage where opening reads: also a clear error
        problems = [str(error)]
    assert problems and any("integrity" in p or "malformed" in p or "damaged" in p for p in problems), problems
    assert invoke("fsck", "--db", str(store_copy)).exit_code == 1


# -- backup and restore --------------------------------------------------------------


def _searches(path: Path) -> list:
    with open_store(path) as store:
        return [
            (r.total, [h.id for h in r.hits], r.facets)
            for q in (SearchQuery(q="安全生产"), SearchQuery(q="盂政发〔2023〕48号"), SearchQuery(sort="newest", per_page=50))
            for r in [search(store, q)]
        ]


def test_backup_and_restore_keep_every_record(corpus_db: Path, tmp_path: Path) -> None:
    with open_store(corpus_db) as store:
        store.backup(str(tmp_path / "backup.db"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db"]  # no partial, no -wal beside it
    stats = restore(tmp_path / "backup.db", tmp_path / "restored.db")
    assert stats["gazettes"] == 3 and stats["documents"] == 113
    original, restored = snapshot(corpus_db), snapshot(tmp_path / "restored.db")
    assert restored["problems"] == [] and original["problems"] == []
    assert restored == original
    assert _searches(tmp_path / "restored.db") == _searches(corpus_db)


def test_cli_backup_and_restore(corpus_db: Path, tmp_path: Path) -> None:
    backup = tmp_path / "b.db"
    result = invoke("backup", str(backup), "--db", str(corpus_db))
    assert result.exit_code == 0 and "3 issue(s), 113 document(s)" in result.stdout, result.output
    again = invoke("backup", str(backup), "--db", str(corpus_db))
    assert again.exit_code == 1 and str(backup) in again.stderr and "exists" in again.stderr

    target = tmp_path / "target.db"
    result = invoke("restore", str(backup), "--db", str(target))
    assert result.exit_code == 0 and "3 issue(s), 113 document(s)" in result.stdout, result.output
    assert snapshot(target) == snapshot(corpus_db)

    refused = invoke("restore", str(backup), "--db", str(target))  # non-empty target
    assert refused.exit_code == 1 and "--force" in refused.stderr and str(target) in refused.stderr
    with open_store(target) as store:  # a change restore --force must undo
        store._db.execute("DELETE FROM gazettes WHERE id = '140322/2024/2'")
    forced = invoke("restore", str(backup), "--db", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert snapshot(target) == snapshot(corpus_db)


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path, store_copy: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = invoke("restore", str(junk), "--db", str(tmp_path / "t.db"))
    assert result.exit_code == 1 and "not a gongbao backup" in result.stderr
    assert invoke("restore", str(tmp_path / "missing.db"), "--db", str(tmp_path / "t.db")).exit_code == 1
    # an inconsistent backup is refused before the target is touched
    corrupt(store_copy, "UPDATE gazettes SET document_count = 1")
    target = copy_store(store_copy, tmp_path / "target.db")
    corrupt(target, "UPDATE gazettes SET document_count = (SELECT count(*) FROM documents d WHERE d.gazette_id = gazettes.id)")
    before = snapshot(target)
    with pytest.raises(StoreError, match="not consistent, nothing restored"):
        restore(store_copy, target, force=True)
    assert snapshot(target) == before and before["problems"] == []


def test_backup_while_another_process_ingests_is_consistent(tmp_path: Path) -> None:
    sources = make_variants(tmp_path / "in", 1)  # the three corpus issues
    db = tmp_path / "live.db"
    with open_store(db):
        pass  # created and migrated before the writer starts
    writer = subprocess.Popen([*GONGBAO, "ingest", str(tmp_path / "in"), "--db", str(db)], env=cli_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    backups: list[Path] = []
    try:
        with open_store(db) as store:
            while writer.poll() is None:
                backups.append(tmp_path / f"backup{len(backups)}.db")
                store.backup(str(backups[-1]))
                time.sleep(0.1)
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    final = snapshot(db)
    complete = {g["id"]: g["document_count"] for g in final["gazettes"]}
    assert len(complete) == len(sources) and final["problems"] == []
    held = []
    for backup in backups:
        with open_store(backup) as store:
            assert store.check_integrity() == [], backup
            gazettes = store.list_gazettes()
        held.append(len(gazettes))
        for gazette in gazettes:  # every issue in a backup is whole
            assert gazette["document_count"] == complete[gazette["id"]]
    assert len(backups) >= 3 and any(0 < n < len(sources) for n in held), held  # taken mid-ingest
    restore(backups[-1], tmp_path / "restored.db")
    assert snapshot(tmp_path / "restored.db")["problems"] == []


# -- faults: disk full, read-only, locked -------------------------------------------------


def _assert_unchanged(path: Path, before: dict) -> None:
    after = snapshot(path)
    assert after["problems"] == []
    assert after == before


def test_disk_full_fails_cleanly(store_copy: Path, variants: list[Path]) -> None:
    before = snapshot(store_copy)
    with open_store(store_copy) as store:
        (pages,) = store._db.execute("PRAGMA page_count").fetchone()
        store._db.execute(f"PRAGMA max_page_count = {pages + 3}")  # the disk has 3 pages left
        outcome = ingest_file(store, variants[0])
    assert outcome.status == "error"
    assert str(store_copy) in outcome.error and "disk full" in outcome.error
    _assert_unchanged(store_copy, before)


def test_cli_ingest_on_a_full_disk_exits_1(store_copy: Path, variants: list[Path], monkeypatch) -> None:
    connect = sqlite_store._connect

    def full_disk(path: str) -> sqlite3.Connection:
        db = connect(path)
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count = {pages + 3}")
        return db

    before = snapshot(store_copy)
    monkeypatch.setattr(sqlite_store, "_connect", full_disk)
    result = invoke("ingest", *map(str, variants), "--db", str(store_copy))
    monkeypatch.undo()
    assert result.exit_code == 1
    assert result.output.count("disk full") == len(variants) and str(store_copy) in result.output, result.output
    _assert_unchanged(store_copy, before)


def test_a_really_full_file_system_fails_cleanly(corpus_db: Path, variants: list[Path], tmp_path: Path) -> None:
    """The same on a tmpfs that is really full (root only: mounting needs it)."""
    disk = tmp_path / "disk"
    size = corpus_db.stat().st_size + 3 * 1024 * 1024
    if not mount_tmpfs(disk, str(size)):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        db = copy_store(corpus_db, disk / "store.db")
        before = snapshot(db)
        with open(disk / "filler", "wb") as filler:  # leave about 256 KiB free (the WAL needs more)
            free = shutil.disk_usage(disk).free - 256 * 1024
            filler.write(b"\0" * max(free, 0))
        result = invoke("ingest", *map(str, variants), "--db", str(db))
        assert result.exit_code == 1, result.output
        assert str(db) in result.output and ("disk full" in result.output or "I/O error" in result.output), result.output
        (disk / "filler").unlink()
        _assert_unchanged(db, before)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _read_only(folder: Path) -> tuple[Path, "callable"]:
    """``folder`` read-only: a read-only bind mount as root (permissions do not stop root),
    else permissions. Returns the read-only path of the folder and how to undo."""
    if os.geteuid() == 0:
        view = folder.parent / f"{folder.name}-ro"
        view.mkdir()
        steps = (["mount", "--bind", str(folder), str(view)], ["mount", "-o", "remount,bind,ro", str(view)])
        for step in steps:
            if subprocess.run(step, capture_output=True).returncode != 0:
                subprocess.run(["umount", str(view)], capture_output=True)
                pytest.skip("cannot make a read-only bind mount here")
        return view, lambda: subprocess.run(["umount", "-l", str(view)], check=False)
    modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
    for p in modes:
        p.chmod(0o555 if p.is_dir() else 0o444)
    return folder, lambda: [p.chmod(mode) for p, mode in modes.items()]


def test_ingest_into_a_read_only_store_exits_1(store_copy: Path, variants: list[Path]) -> None:
    before = snapshot(store_copy)
    view, undo = _read_only(store_copy.parent)
    try:
        db = view / store_copy.name
        result = invoke("ingest", str(variants[0]), "--db", str(db))
        assert result.exit_code == 1, result.output
        assert str(db) in result.stderr and "read-only" in result.stderr, result.output
    finally:
        undo()
    _assert_unchanged(store_copy, before)


def test_a_locked_database_fails_after_the_busy_timeout(store_copy: Path, variants: list[Path]) -> None:
    before = snapshot(store_copy)
    with closing(sqlite3.connect(store_copy, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another connection holds the write lock …
        other.execute("UPDATE search_meta SET value = value WHERE key = 'tokenizer'")
        started = time.monotonic()
        result = invoke("ingest", str(variants[0]), "--db", str(store_copy), env={"GONGBAO_BUSY_TIMEOUT_MS": "300"})
        elapsed = time.monotonic() - started
        other.execute("ROLLBACK")  # … and lets go
    assert result.exit_code == 1, result.output
    assert str(store_copy) in result.output and "locked by another connection" in result.output
    assert "after waiting 300 ms" in result.output and elapsed < 30
    _assert_unchanged(store_copy, before)
    # once the lock is gone, the same ingest goes through
    assert invoke("ingest", str(variants[0]), "--db", str(store_copy)).exit_code == 0
    assert snapshot(store_copy)["problems"] == []


def test_busy_timeout_comes_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GONGBAO_BUSY_TIMEOUT_MS", "1234")
    with open_store(tmp_path / "s.db") as store:
        assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    monkeypatch.setenv("GONGBAO_BUSY_TIMEOUT_MS", "soon")
    with pytest.raises(StoreError, match="GONGBAO_BUSY_TIMEOUT_MS"):
        open_store(tmp_path / "s.db")


def test_a_backup_to_a_full_disk_leaves_no_file(corpus_db: Path, tmp_path: Path) -> None:
    disk = tmp_path / "small"
    if not mount_tmpfs(disk, "1m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        destination = disk / "backup.db"
        with open_store(corpus_db) as store:
            with pytest.raises(StoreError, match="disk full") as caught:
                store.backup(str(destination))
        assert str(destination) in str(caught.value)
        assert list(disk.iterdir()) == []  # no partial copy left behind
        result = invoke("backup", str(destination), "--db", str(corpus_db))
        assert result.exit_code == 1 and "disk full" in result.stderr and str(destination) in result.stderr
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_store_that_turns_read_only_after_opening_fails_cleanly(store_copy: Path, variants: list[Path]) -> None:
    """Writing, not opening, fails (SQLITE_READONLY: e.g. a file made read-only meanwhile)."""
    before = snapshot(store_copy)
    with open_store(store_copy) as store:
        store._db.execute("PRAGMA query_only = ON")
        outcome = ingest_file(store, variants[0])
    assert outcome.status == "error"
    assert str(store_copy) in outcome.error and "read-only" in outcome.error, outcome.error
    _assert_unchanged(store_copy, before)

"""Helpers of the reliability tests (test_store_reliability.py, test_crash.py): distinct
issue variants of the corpus, store snapshots to compare, the CLI as a subprocess."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from gongbao.export import write_jsonl
from gongbao.extract import layer_names
from gongbao.store import open_store

from .conftest import CORPUS

GONGBAO = [sys.executable, "-c", "from gongbao.cli import app; app(prog_name='gongbao')"]
_ISSUE = re.compile(r"((?:19|20)\d\d\s*年?\s*第\s*)(\d{1,2})(\s*期)")


def make_variants(folder: Path, copies: int) -> list[Path]:
    """The corpus issues ``copies`` times: copy k has every issue number raised by 10·k,
    so it is another issue (gazette id, sha256) with the same documents."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for k in range(copies):
        for source in sorted(CORPUS.glob("00*.txt")):
            text = source.read_text(encoding="utf-8")
            if k:
                text = _ISSUE.sub(lambda m: f"{m[1]}{int(m[2]) + 10 * k}{m[3]}", text)
            target = folder / f"v{k}_{source.name}"
            target.write_text(text, encoding="utf-8")
            made.append(target)
    return made


def export_jsonl(store, gazette: str | None = None) -> str:
    out = io.StringIO()
    write_jsonl(store.list_documents(gazette), out)
    return out.getvalue()


def snapshot(path: Path) -> dict:
    """What a store holds, as compared across backup/restore and crashes: the export,
    every layer, the issues (without ingest times) and integrity problems."""
    with open_store(path) as store:
        return {
            "export": export_jsonl(store),
            "layers": {layer: list(store.list_layer(layer)) for layer in layer_names()},
            "gazettes": [{k: v for k, v in g.items() if k != "ingested_at"} for g in store.list_gazettes()],
            "problems": store.check_integrity(),
        }


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a store file (SQLite backup API: safe whatever its WAL state)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GONGBAO_DB"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    return {**env, **extra}


def records_by_gazette(export: str) -> dict[str, list[str]]:
    """Export lines grouped by gazette id (the id without its last /seq)."""
    found: dict[str, list[str]] = {}
    for line in export.splitlines():
        doc_id = json.loads(line)["id"]
        found.setdefault(doc_id.rsplit("/", 1)[0], []).append(line)
    return found


def mount_tmpfs(mountpoint: Path, size: str) -> bool:
    """A small file system at ``mountpoint`` (a new folder), to fill up; False when this
    process may not mount one (mounting needs root)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    mountpoint.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)], capture_output=True)
    return done.returncode == 0

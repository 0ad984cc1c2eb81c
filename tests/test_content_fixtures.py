"""The content keys of the synthetic fixtures (attachment_bodies, tables, articles) against the
parser, compared the way tests/fixtures/synthetic/README.md ("Content keys") defines them.

Truth files were written blind, from the .txt only; documents are paired by title as in
tests/test_synthetic.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongbao.export import document_records
from gongbao.pipeline import parse_text

from .test_synthetic import norm

FIXTURES = Path(__file__).parent / "fixtures" / "synthetic"
KEYS = ("attachment_bodies", "tables", "articles")
WITH_CONTENT = sorted(
    p for p in FIXTURES.glob("*.json")
    if any(k in d for d in json.loads(p.read_text(encoding="utf-8"))["documents"] for k in KEYS)
)


def _cells(values) -> list:
    return [norm(v) or "" for v in values]


def _compare_table(where: str, want: dict, got: dict) -> list[str]:
    problems = []
    for key in ("caption", "unit"):
        if (norm(want.get(key)) or None) != (norm(got.get(key)) or None):
            problems.append(f"{where} {key}: expected {want.get(key)!r}, got {got.get(key)!r}")
    if _cells(want["header"]) != _cells(got.get("header") or []):
        problems.append(f"{where} header: expected {want['header']}, got {got.get('header')}")
    want_rows = [_cells(r) for r in want["rows"]]
    got_rows = [_cells(r) for r in got.get("rows") or []]
    if want_rows != got_rows:
        first = next((i for i, (a, b) in enumerate(zip(want_rows, got_rows)) if a != b), min(len(want_rows), len(got_rows)))
        problems.append(f"{where} rows: {len(want_rows)} expected, {len(got_rows)} got; first difference at row {first + 1}: "
                        f"expected {want['rows'][first] if first < len(want_rows) else None}, got {(got.get('rows') or [None] * (first + 1))[first] if first < len(got_rows) else None}")
    return problems


def _compare_tables(where: str, want: list, got: list) -> list[str]:
    if len(want) != len(got):
        return [f"{where}: {len(want)} tables expected, {len(got)} found ({[t.get('header') for t in got]})"]
    return [p for i, (w, g) in enumerate(zip(want, got), 1) for p in _compare_table(f"{where} table {i}", w, g)]


def _compare(expected: dict, got: dict) -> list[str]:
    tag = f"doc {expected['seq']} ({expected['title'][:20]})"
    problems: list[str] = []
    if "attachment_bodies" in expected:
        want, have = expected["attachment_bodies"], got.get("attachment_bodies") or []
        if [(a["number"], norm(a["title"])) for a in want] != [(a["number"], norm(a["title"])) for a in have]:
            problems.append(f"{tag} attachments: expected {[(a['number'], a['title']) for a in want]}, got {[(a['number'], a['title']) for a in have]}")
        for w, g in zip(want, have):
            where = f"{tag} 附件{w['number'] or ''}"
            if w["omitted"] != g["omitted"]:
                problems.append(f"{where} omitted: expected {w['omitted']}, got {g['omitted']}")
            text = norm(g.get("text") or "").replace("|", "")
            for snippet in w.get("text_contains") or []:
                if norm(snippet).replace("|", "") not in text:
                    problems.append(f"{where} text lacks {snippet!r}")
            problems += _compare_tables(where, w.get("tables") or [], g.get("tables") or [])
    if "tables" in expected:
        problems += _compare_tables(f"{tag} body", expected["tables"], got.get("tables") or [])
    if "articles" in expected:
        want, have = expected["articles"], got.get("articles") or []
        if [(a["article"], a["number"]) for a in want] != [(a["article"], a["number"]) for a in have]:
            problems.append(f"{tag} articles: expected {len(want)} ({want[0]['article'] if want else ''}…{want[-1]['article'] if want else ''}), got {len(have)} {[a['article'] for a in have][:5]}…")
        else:
            for w, g in zip(want, have):
                for key in ("chapter", "section"):
                    if (norm(w.get(key)) or None) != (norm(g.get(key)) or None):
                        problems.append(f"{tag} {w['article']} {key}: expected {w.get(key)!r}, got {g.get(key)!r}")
                if norm(w["text_start"])[:10] != norm(g["text"])[:10]:
                    problems.append(f"{tag} {w['article']} text: expected {w['text_start']!r}…, got {g['text'][:15]!r}…")
    return problems


@pytest.mark.parametrize("path", WITH_CONTENT, ids=[p.stem for p in WITH_CONTENT])
def test_content_keys(path: Path):
    truth = json.loads(path.read_text(encoding="utf-8"))
    txt = path.with_suffix(".txt")
    records = document_records(parse_text(txt.read_text(encoding="utf-8"), txt.name))
    by_title = {norm(r["title"]): r for r in records}
    problems = []
    for doc in truth["documents"]:
        if not any(k in doc for k in KEYS):
            continue
        got = by_title.get(norm(doc["title"]))
        if got is None:
            problems.append(f"doc {doc['seq']} not found: {doc['title']}")
            continue
        problems += _compare(doc, got)
    if problems:
        pytest.fail(f"{path.stem}:\n  " + "\n  ".join(problems), pytrace=False)


def test_fixture_set_covers_the_content_shapes():
    """Issue #12: at least 30 blind fixtures of content (these, and the groups ones)."""
    with_groups = [p for p in FIXTURES.glob("*.json") if json.loads(p.read_text(encoding="utf-8")).get("groups")]
    assert len(set(WITH_CONTENT) | set(with_groups)) >= 30

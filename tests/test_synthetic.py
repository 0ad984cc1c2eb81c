"""Synthetic gazette fragments with hand-written expected records.

Each ``tests/fixtures/synthetic/NN_slug.txt`` is a small gazette issue (or a
non-gazette text) in a layout that the three real issues in ``shared/corpus``
do not show; ``NN_slug.json`` lists the documents a correct parser must find,
in reading order, in the record form of ``shared/corpus/SCHEMA.md``.

* ``test_synthetic_*_wellformed`` checks the expected files themselves (they
  must pass at all times).
* ``test_synthetic_documents`` runs the public API
  (``gongbao.pipeline.parse_text`` + ``gongbao.export.document_records``) and
  compares every key present in an expected document.
* ``test_synthetic_gazette`` compares the issue metadata keys present in the
  expected ``gazette`` object with ``ParseResult.gazette``.

String comparisons use the same folding as ``shared/tools/score_gold.py``
(NFKC, whitespace removed, bracket/quote/dash shapes folded).

Annotation conventions used where SCHEMA.md leaves room:

* 政府令 (issue #13): title ``XX人民政府令``, doc_type 令, doc_number the order's
  number as cited (``太原市人民政府令第12号``, ``国令第707号``), signed_by as printed
  (``市长王建平``), no recipients; the 规章 it promulgates is an embedded document
  (parent_seq = the 令).
* A date printed in parentheses under a title (``（2022年3月1日）`` under a
  决定, ``（2022年5月31日……令第12号公布……）`` under a 规章) is that document's date.
* Joint issuers and joint signatures are joined with ``、``.
* section = the heading text without 【】 or ·…· decoration, also when the
  heading is a plain line (``县政府文件``); a 版头 line ``XX人民政府文件`` and
  running page headers are not sections.
* body_start stores 15 characters; only the first 10 (folded) are compared.
* 附件 pages are never documents, even when they look like a 制度 or 名单.
* ``articles`` (per document) and ``groups`` (per issue) follow the "Content keys"
  section of the fixtures' README; the well-formedness test checks them against the text.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "synthetic"
EXPECTED = sorted(FIXTURES.glob("*.json"))
IDS = [p.stem for p in EXPECTED]
MIN_FIXTURES = 24

# --- folding, as in shared/tools/score_gold.py -------------------------------------------
_OPEN, _CLOSE = "([〔［【〈", ")]〕］】〉"


def norm(s):
    if s is None:
        return None
    s = unicodedata.normalize("NFKC", str(s))
    s = "".join(ch for ch in s if not ch.isspace())
    for o in _OPEN:
        s = s.replace(o, "(")
    for c in _CLOSE:
        s = s.replace(c, ")")
    for q in "“”„‟\"'‘’":
        s = s.replace(q, '"')
    for d in "—–-―":
        s = s.replace(d, "-")
    return s.replace("·", ".").replace("•", ".")


# --- schema of the expected files --------------------------------------------------------
REQUIRED_DOC_KEYS = (
    "seq", "parent_seq", "title", "doc_number", "issuer", "doc_type", "date",
    "recipients", "signed_by", "disclosure", "attachments", "body_start",
)
# content keys (README "Content keys"): what an attachment and a table must keep of the printed text
CONTENT_DOC_KEYS = ("attachment_bodies", "tables")
OPTIONAL_DOC_KEYS = ("section", "agency_code", "year", "serial", "body_end", "articles") + CONTENT_DOC_KEYS
ATTACHMENT_BODY_KEYS = {"number", "title", "omitted", "text_contains", "tables"}
TABLE_KEYS = {"caption", "unit", "header", "rows"}
# content keys are compared by tests/test_content_fixtures.py, the top-level ``groups`` list
# by tests/test_extract_groups.py
CONTENT_KEYS = ("attachment_bodies", "tables", "articles")
ARTICLE_KEYS = {"chapter", "section", "article", "number", "text_start"}
GROUP_KEYS = {"doc_seq", "group", "role", "person", "position", "office"}
ARTICLE_RE = re.compile(r"^第([零一二三四五六七八九十百]+)条$")
CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
GAZETTE_KEYS = (
    "source", "title", "region", "region_code", "year", "issue", "total_issue",
    "published", "frequency",
)
DOC_NUMBER_RE = re.compile(r"^\S+(?:〔\d{4}〕\d+号|令第\d+号)$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HALF_WIDTH_PUNCT = set(",:;()[]")
# keys whose values are printed CJK text: full-width punctuation, no whitespace
CJK_TEXT_KEYS = ("title", "issuer", "recipients", "signed_by", "section", "disclosure")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source_text(path: Path) -> str:
    return path.with_suffix(".txt").read_text(encoding="utf-8")


def _is_iso_date(value) -> bool:
    if not isinstance(value, str) or not ISO_DATE_RE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _cn_number(numeral: str) -> int:
    """一百零三 → 103, 二十一 → 21, 十二 → 12."""
    total, digit = 0, 0
    for ch in numeral:
        if ch == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif ch == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = CN_DIGITS[ch]
    return total + digit


def _article_problems(where: str, articles, folded_text: str) -> list[str]:
    """The ``articles`` of a document: complete keys, numbers that match the headings, in order."""
    if not isinstance(articles, list) or not articles:
        return [f"{where}: articles must be a non-empty list"]
    problems, previous = [], 0
    for article in articles:
        tag = f"{where} {article.get('article') if isinstance(article, dict) else article!r}"
        if not isinstance(article, dict) or set(article) != ARTICLE_KEYS:
            problems.append(f"{tag}: keys must be {sorted(ARTICLE_KEYS)}")
            continue
        match = ARTICLE_RE.match(article["article"] or "")
        if not match or _cn_number(match.group(1)) != article["number"]:
            problems.append(f"{tag}: number {article['number']!r} does not match the heading")
        elif article["number"] <= previous:
            problems.append(f"{tag}: articles are not in ascending order")
        else:
            previous = article["number"]
        for key in ("chapter", "section"):
            value = article[key]
            if value is not None and (not isinstance(value, str) or norm(value) not in folded_text):
                problems.append(f"{tag}: {key} {value!r} does not occur in the text")
        start = article["text_start"]
        if not isinstance(start, str) or len(norm(start)) < 10 or norm(start) not in folded_text:
            problems.append(f"{tag}: text_start {start!r} needs 10 characters of the text")
    return problems


def _group_problems(groups, seqs: set, folded_text: str) -> list[str]:
    """The ``groups`` records: known document, printed names and posts, the office on its own record."""
    if not isinstance(groups, list):
        return ["groups must be a list"]
    problems = []
    for i, record in enumerate(groups, 1):
        where = f"group record {i}"
        if not isinstance(record, dict) or set(record) != GROUP_KEYS:
            problems.append(f"{where}: keys must be {sorted(GROUP_KEYS)}")
            continue
        if record["doc_seq"] not in seqs:
            problems.append(f"{where}: doc_seq {record['doc_seq']!r} is no document")
        if not record["role"]:
            problems.append(f"{where}: empty role")
        for key in ("group", "person", "position", "office"):
            value = record[key]
            if value is None and key != "group":
                continue
            if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
                problems.append(f"{where}: {key} {value!r} must be a string without spaces")
            elif norm(value) not in folded_text:
                problems.append(f"{where}: {key} {value!r} does not occur in the text")
        if (record["office"] is not None) != (record["role"] == "办公室") or (
            record["office"] is not None and record["person"] is not None
        ):
            problems.append(f"{where}: only the role 办公室 names an office, and it names no person")
    return problems


def _title_ends_with_type(title: str, doc_type: str) -> bool:
    """…的通知 → 通知; …办法（试行） / …方案（2023—2025年） → 办法 / 方案; …政府令 → 令."""
    core = re.sub(r"（[^（）]*）$", "", title)
    if doc_type == "命令":
        return core.endswith("令")
    return core.endswith(doc_type)


def _table_problems(table, folded_text: str, where: str) -> list[str]:
    """A table object: every printed string in it occurs in the text; rows are padded to the header."""
    if not isinstance(table, dict) or set(table) != TABLE_KEYS:
        return [f"{where}: table keys {sorted(table) if isinstance(table, dict) else table!r}"]
    problems = []
    for key in ("caption", "unit"):
        value = table[key]
        if value is not None and (not isinstance(value, str) or norm(value) not in folded_text):
            problems.append(f"{where}: {key} {value!r} does not occur in the text")
    header, rows = table["header"], table["rows"]
    if not isinstance(header, list) or not header or not all(isinstance(c, str) for c in header):
        return problems + [f"{where}: header must be a non-empty list of cells"]
    if not isinstance(rows, list) or not rows:
        return problems + [f"{where}: rows must be a non-empty list"]
    # a two-level header cell is written 上级/下级: each level is printed on its own
    printed = [part for cell in header for part in cell.split("/") if part]
    for i, row in enumerate(rows, 1):
        if not isinstance(row, list) or len(row) != len(header) or not all(isinstance(c, str) for c in row):
            problems.append(f"{where}: row {i} is not a list of {len(header)} cells")
            continue
        printed.extend(cell for cell in row if cell)
    problems += [f"{where}: cell {c!r} does not occur in the text" for c in printed if norm(c) not in folded_text]
    return problems


def _content_problems(doc: dict, folded_text: str, where: str) -> list[str]:
    problems = []
    for n, table in enumerate(doc.get("tables", []), 1):
        problems += _table_problems(table, folded_text, f"{where} table {n}")
    bodies = doc.get("attachment_bodies", [])
    if not isinstance(bodies, list):
        return problems + [f"{where}: attachment_bodies is not a list"]
    for n, body in enumerate(bodies, 1):
        tag = f"{where} attachment {n}"
        if not isinstance(body, dict) or set(body) != ATTACHMENT_BODY_KEYS:
            problems.append(f"{tag}: keys must be {sorted(ATTACHMENT_BODY_KEYS)}")
            continue
        if body["number"] is not None and not isinstance(body["number"], int):
            problems.append(f"{tag}: number {body['number']!r} is not an int or null")
        title = body["title"]
        if not isinstance(title, str) or not title or "《" in title or "（略）" in title or norm(title) not in folded_text:
            problems.append(f"{tag}: title {title!r} is empty, keeps 《》/（略） or does not occur in the text")
        snippets = body["text_contains"]
        if not isinstance(body["omitted"], bool):
            problems.append(f"{tag}: omitted must be a bool")
        elif body["omitted"] and (snippets or body["tables"]):
            problems.append(f"{tag}: an omitted attachment has no text or tables")
        elif not body["omitted"] and not 3 <= len(snippets) <= 6:
            problems.append(f"{tag}: text_contains needs 3–6 snippets")
        for snippet in snippets:
            if not isinstance(snippet, str) or not 6 <= len(snippet) <= 30 or norm(snippet) not in folded_text:
                problems.append(f"{tag}: snippet {snippet!r} is not 6–30 characters of the text")
        for k, table in enumerate(body["tables"], 1):
            problems += _table_problems(table, folded_text, f"{tag} table {k}")
    return problems


# --- the expected files must be well-formed ----------------------------------------------
def test_synthetic_fixture_set_wellformed():
    txts = {p.stem for p in FIXTURES.glob("*.txt")}
    jsons = {p.stem for p in EXPECTED}
    assert txts == jsons, f"unpaired fixtures: txt only {sorted(txts - jsons)}, json only {sorted(jsons - txts)}"
    assert len(jsons) >= MIN_FIXTURES, f"only {len(jsons)} synthetic fixtures"
    for stem in jsons:
        assert re.match(r"^\d{2}_[a-z0-9_]+$", stem), f"fixture name {stem!r} is not NN_slug"


@pytest.mark.parametrize("path", EXPECTED, ids=IDS)
def test_synthetic_expected_wellformed(path: Path):
    data = _load(path)
    problems: list[str] = []

    def bad(msg: str) -> None:
        problems.append(msg)

    if not {"source", "gazette", "documents"} <= set(data) <= {"source", "gazette", "documents", "groups"}:
        bad(f"top-level keys {sorted(data)}")
    if data.get("source") != path.with_suffix(".txt").name:
        bad(f"source {data.get('source')!r} is not {path.with_suffix('.txt').name!r}")
    text = _source_text(path)
    # markdown emphasis and escapes are not part of the printed text
    folded_text = norm(text.replace("**", "").replace("\\", ""))

    gazette = data.get("gazette")
    if not isinstance(gazette, dict):
        bad("gazette is not an object")
        gazette = {}
    for key, value in gazette.items():
        if key not in GAZETTE_KEYS:
            bad(f"gazette: unknown key {key!r}")
    if "published" in gazette and not _is_iso_date(gazette["published"]):
        bad(f"gazette.published {gazette['published']!r} is not an ISO date")
    for key in ("year", "issue", "total_issue"):
        if key in gazette and not (isinstance(gazette[key], int) and gazette[key] > 0):
            bad(f"gazette.{key} {gazette[key]!r} is not a positive int")
    if "region_code" in gazette and not re.fullmatch(r"\d{6}", str(gazette["region_code"])):
        bad(f"gazette.region_code {gazette['region_code']!r} is not six digits")

    docs = data.get("documents")
    if not isinstance(docs, list):
        pytest.fail(f"{path.name}: documents is not a list", pytrace=False)
    by_seq: dict[int, dict] = {}
    for i, doc in enumerate(docs, 1):
        where = f"document {i}"
        missing = [k for k in REQUIRED_DOC_KEYS if k not in doc]
        unknown = [k for k in doc if k not in REQUIRED_DOC_KEYS + OPTIONAL_DOC_KEYS + CONTENT_KEYS]
        if missing:
            bad(f"{where}: missing keys {missing}")
        if unknown:
            bad(f"{where}: unknown keys {unknown}")
        if doc.get("seq") != i:
            bad(f"{where}: seq {doc.get('seq')!r}, expected {i} (seqs must be 1..n in order)")
        parent = doc.get("parent_seq")
        if parent is not None:
            if not isinstance(parent, int) or parent >= i or parent < 1:
                bad(f"{where}: parent_seq {parent!r} does not point to an earlier document")
            elif by_seq.get(parent, {}).get("parent_seq") is not None:
                bad(f"{where}: parent_seq {parent} points to an embedded document")
        by_seq[i] = doc

        number = doc.get("doc_number")
        if number is not None and not DOC_NUMBER_RE.match(number):
            bad(f"{where}: doc_number {number!r} is not 机关代字〔年〕序号号")
        # a 令's number is printed as 浙江省人民政府令 / （第389号）: brackets are not part of it
        if number is not None and norm(number) not in folded_text and norm(number) not in folded_text.replace("(", "").replace(")", ""):
            bad(f"{where}: doc_number {number!r} does not occur in the text")
        date = doc.get("date")
        if date is not None and not _is_iso_date(date):
            bad(f"{where}: date {date!r} is not an ISO date")

        title = doc.get("title")
        if not isinstance(title, str) or not title:
            bad(f"{where}: empty title")
        elif not _title_ends_with_type(title, doc.get("doc_type") or ""):
            bad(f"{where}: title {title!r} does not end with doc_type {doc.get('doc_type')!r}")
        for key in CJK_TEXT_KEYS:
            value = doc.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or not value:
                bad(f"{where}: {key} must be a non-empty string or null")
            elif any(ch.isspace() for ch in value) or HALF_WIDTH_PUNCT & set(value):
                bad(f"{where}: {key} {value!r} has spaces or half-width punctuation")
        if isinstance(doc.get("recipients"), str) and doc["recipients"].endswith("："):
            bad(f"{where}: recipients must not keep the colon")
        if doc.get("disclosure") is not None and doc["disclosure"].startswith("（"):
            bad(f"{where}: disclosure must not keep its brackets")

        attachments = doc.get("attachments")
        if not isinstance(attachments, list) or not all(isinstance(a, str) and a for a in attachments):
            bad(f"{where}: attachments must be a list of titles")
        else:
            for a in attachments:
                if re.match(r"^\d+[.．、]", a) or "《" in a or "（略）" in a or a.startswith("附件"):
                    bad(f"{where}: attachment {a!r} keeps numbering, 《》 or （略）")

        problems.extend(_content_problems(doc, folded_text, where))

        body_start = doc.get("body_start")
        if not isinstance(body_start, str) or len(norm(body_start)) < 10:
            bad(f"{where}: body_start needs at least 10 characters")
        elif norm(body_start) not in folded_text:
            bad(f"{where}: body_start {body_start!r} does not occur in the text")

        if "articles" in doc:
            problems.extend(_article_problems(where, doc["articles"], folded_text))

    if "groups" in data:
        problems.extend(_group_problems(data["groups"], set(by_seq), folded_text))
    if problems:
        pytest.fail(f"{path.name}:\n  " + "\n  ".join(problems), pytrace=False)


# --- the parser against the expected records ---------------------------------------------
def _parse(path: Path):
    from gongbao.export import document_records
    from gongbao.pipeline import parse_text

    txt = path.with_suffix(".txt")
    result = parse_text(txt.read_text(encoding="utf-8"), txt.name)
    return result, document_records(result)


def _attachment_titles(value) -> list:
    out = []
    for a in value or []:
        if isinstance(a, dict):  # tolerate attachment objects; compare their titles
            a = a.get("title")
        out.append(norm(a))
    return out


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a or "", b or "", autojunk=False).ratio()


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 90 else text[:87] + "..."


def _compare_documents(expected: list[dict], predicted: list[dict]) -> list[str]:
    exp_titles = [norm(d["title"]) for d in expected]
    pred_titles = [norm(d.get("title")) or "" for d in predicted]
    lines: list[str] = []

    # align by normalized title, keeping reading order
    pairs: list[tuple[int, int]] = []
    alignment: list[str] = []
    matcher = difflib.SequenceMatcher(None, exp_titles, pred_titles, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                pairs.append((i1 + k, j1 + k))
                alignment.append(f"    =  exp {expected[i1 + k]['seq']:>2} | pred #{j1 + k + 1:<2} {expected[i1 + k]['title']}")
            continue
        for i in range(i1, i2):
            alignment.append(f"    -  exp {expected[i]['seq']:>2} | missing   {expected[i]['title']}")
            # show the closest unmatched prediction, if any, to make title errors obvious
            near = max(range(j1, j2), key=lambda j: _similarity(exp_titles[i], pred_titles[j]), default=None)
            if near is not None and _similarity(exp_titles[i], pred_titles[near]) >= 0.6:
                alignment.append(f"       closest: pred #{near + 1} {predicted[near].get('title')!r}")
        for j in range(j1, j2):
            alignment.append(f"    +  extra  | pred #{j + 1:<2} {predicted[j].get('title')!r} ({predicted[j].get('doc_number')})")
    in_order = len(pairs) == len(expected) == len(predicted)
    if not in_order:
        lines.append(f"documents do not match one-to-one: {len(expected)} expected, {len(predicted)} predicted")
        lines.extend(alignment)

    pred_seq_to_exp_seq = {predicted[j].get("seq"): expected[i]["seq"] for i, j in pairs}
    for i, j in pairs:
        exp, pred = expected[i], predicted[j]
        tag = f"exp {exp['seq']} ({exp['title'][:28]}…)" if len(exp["title"]) > 28 else f"exp {exp['seq']} ({exp['title']})"
        for key, want in exp.items():
            if key == "title" or key in CONTENT_KEYS:
                continue
            got = pred.get(key)
            if key == "seq":
                ok = not in_order or got == want
            elif key == "parent_seq":
                got_mapped = None if got is None else pred_seq_to_exp_seq.get(got)
                ok = got_mapped == want and (got is None) == (want is None)
                if got is not None:
                    got = f"pred seq {got} (= exp seq {got_mapped})" if got_mapped else f"pred seq {got} (unmatched)"
            elif key == "attachments":
                ok = _attachment_titles(got) == [norm(a) for a in want]
            elif key == "body_start":
                got = got or pred.get("body")  # as score_gold.py: fall back to the body text
                ok = (norm(got) or "")[:10] == norm(want)[:10]
            else:
                ok = norm(got) == norm(want)
            if not ok:
                lines.append(f"  {tag} {key}: expected {_short(want)}, got {_short(got)}")
    return lines


@pytest.mark.parametrize("path", EXPECTED, ids=IDS)
def test_synthetic_documents(path: Path):
    expected = _load(path)["documents"]
    _, predicted = _parse(path)
    predicted = list(predicted)
    problems = _compare_documents(expected, predicted)
    if problems:
        report = f"{path.stem}:\n" + "\n".join(problems)
        pytest.fail(report, pytrace=False)


@pytest.mark.parametrize(
    "path", [p for p in EXPECTED if _load(p)["gazette"]], ids=[p.stem for p in EXPECTED if _load(p)["gazette"]]
)
def test_synthetic_gazette(path: Path):
    want = _load(path)["gazette"]
    result, _ = _parse(path)
    problems = []
    for key, value in want.items():
        if key == "source":
            continue
        got = getattr(result.gazette, key, None)
        if norm(got) != norm(value):
            problems.append(f"  gazette.{key}: expected {value!r}, got {got!r}")
    if problems:
        report = f"{path.stem}:\n" + "\n".join(problems)
        pytest.fail(report, pytrace=False)

"""Provenance: every field, repair and cleaned character points back at what was printed.

Checked on every document of the three real issues; the invariants that do not depend on
the documents (repairs, line offsets, unplaced spans) also on the synthetic fixtures.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest

from gongbao.decode import read_source
from gongbao.model import ParseResult
from gongbao.pipeline import STAGES, parse
from gongbao.text import fold

from .conftest import CORPUS

ISSUES = sorted(CORPUS.glob("*.txt"))
FIXTURES = sorted((Path(__file__).parent / "fixtures" / "synthetic").glob("*.txt"))
ALL = ISSUES + FIXTURES

# Rules whose repair replaces text inside a line (the others are whole-line cleaning or joins).
LINE_RULES = ("clean:",)
JOIN_RULES = ("join.line", "join.blank_line")
FURNITURE_RULES = ("page_header", "page_number")
MARKUP = set("*#_->`~|")
HALF_TO_FULL = {"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
CN_DIGITS = "〇一二三四五六七八九"


@lru_cache(maxsize=None)
def parsed(path: Path) -> ParseResult:
    return parse(read_source(path))


def docs_of_issues():
    return [pytest.param(p, id=p.name[:3]) for p in ISSUES]


def _char_repairs(result: ParseResult, start: int, end: int) -> list:
    """Repairs that replace characters inside [start, end): OCR fixes, splits, removals."""
    return [
        r for r in result.repairs
        if start <= r.start and r.end <= end and r.end > r.start
        and not r.rule.startswith(LINE_RULES) and r.rule not in JOIN_RULES
    ]


def repaired(result: ParseResult, start: int, end: int) -> str:
    """Source text of [start, end) with the recorded in-line repairs applied."""
    text = result.source.text[start:end]
    for r in sorted(_char_repairs(result, start, end), key=lambda r: r.start, reverse=True):
        text = text[: r.start - start] + r.after + text[r.end - start:]
    return text


def _leftover(small: str, big: str) -> str | None:
    """Characters of ``big`` left over when ``small`` is matched as a subsequence; None if it is not one."""
    out, k = [], 0
    for ch in big:
        if k < len(small) and ch == small[k]:
            k += 1
        else:
            out.append(ch)
    return "".join(out) if k == len(small) else None


# --- fields of every document ------------------------------------------------------------


@pytest.mark.parametrize("path", docs_of_issues())
def test_title_span_holds_the_title(path):
    result = parsed(path)
    for doc in result.documents:
        span = doc.spans.get("title")
        assert span is not None, (doc.seq, "no title span")
        source = fold(repaired(result, span.start, span.end))
        title = fold(doc.title)
        if source == title:
            continue
        rest = _leftover(title, source)
        assert rest is not None, f"seq {doc.seq}: title «{doc.title}» not in its span «{source}»"
        # what the title leaves over is markup residue or the 文号 printed in brackets after it
        rest = "".join(ch for ch in rest if ch not in MARKUP)
        number = fold(f"({doc.doc_number.text})") if doc.doc_number else ""
        assert rest in ("", number), f"seq {doc.seq}: span holds more than the title: {rest!r}"


@pytest.mark.parametrize("path", docs_of_issues())
def test_doc_number_span_holds_year_and_serial(path):
    result = parsed(path)
    text = result.source.text
    numbered = [d for d in result.documents if d.doc_number is not None]
    assert numbered
    for doc in numbered:
        span = doc.spans.get("doc_number")
        assert span is not None, f"seq {doc.seq}: 文号 {doc.doc_number.text} without a span"
        printed = text[span.start: span.end]
        assert str(doc.doc_number.year) in printed, (doc.seq, printed)
        assert re.search(rf"(?<!\d){doc.doc_number.serial}(?!\d)", printed), (doc.seq, printed)
        # the agency code too, once the recorded OCR fixes are applied
        assert doc.doc_number.agency_code in "".join(repaired(result, span.start, span.end).split()), (doc.seq, printed)


def _year_forms(year: int) -> tuple[str, str]:
    return str(year), "".join(CN_DIGITS[int(c)] for c in str(year))


@pytest.mark.parametrize("path", docs_of_issues())
def test_date_span_holds_the_year(path):
    result = parsed(path)
    text = result.source.text
    dated = [d for d in result.documents if d.date is not None]
    assert dated
    for doc in dated:
        span = doc.spans.get("date")
        assert span is not None, f"seq {doc.seq}: date {doc.date} without a span"
        printed = "".join(text[span.start: span.end].split()).replace("○", "〇").replace("零", "〇")
        assert any(form in printed for form in _year_forms(int(doc.date[:4]))), (doc.seq, doc.date, printed)


@pytest.mark.parametrize("path", docs_of_issues())
def test_every_span_lies_inside_its_document(path):
    result = parsed(path)
    n = len(result.source.text)
    for doc in result.documents:
        assert 0 <= doc.span.start < doc.span.end <= n
        for name, span in doc.spans.items():
            assert doc.span.start <= span.start < span.end <= doc.span.end, (doc.seq, name, span, doc.span)
        for para in doc.paragraphs:
            assert doc.span.start <= para.span.start < para.span.end <= doc.span.end, (doc.seq, para.text[:20])


# --- repairs -------------------------------------------------------------------------------


def _is_whole_line(text: str, start: int, end: int) -> bool:
    return (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")


@pytest.mark.parametrize("path", ALL, ids=[p.stem[:40] for p in ALL])
def test_repairs_quote_the_source(path):
    """``before`` is what the source holds at [start, end); joins cover nothing but line breaks
    (and page furniture removed by a repair of its own); removed page furniture covers one whole
    source line (its ``before`` is that line as printed)."""
    result = parsed(path)
    text = result.source.text
    furniture = [(r.start, r.end) for r in result.repairs if r.rule in FURNITURE_RULES]
    for r in result.repairs:
        assert 0 <= r.start <= r.end <= len(text), r
        printed = text[r.start: r.end]
        if r.rule in FURNITURE_RULES:
            assert _is_whole_line(text, r.start, r.end) and r.after == "", r
            assert _leftover(fold(r.before), fold(printed)) is not None, (r, printed)
        elif r.rule in JOIN_RULES:
            assert set(r.before) <= {"\n"} and r.before and r.after == "", r
            # between the two joined lines: blanks and newlines only, or removed furniture
            rest = "".join(
                ch for k, ch in enumerate(printed, r.start)
                if not any(a <= k < b for a, b in furniture)
            )
            assert rest.strip() == "" and "\n" in printed, (r, printed)
        else:
            assert r.before == printed, (r.rule, r.start, r.end, r.before, printed)


def test_page_furniture_repairs_quote_the_printed_line():
    wrong = [
        (path.name, r.before, parsed(path).source.text[r.start: r.end])
        for path in ALL
        for r in parsed(path).repairs
        if r.rule in FURNITURE_RULES and r.before != parsed(path).source.text[r.start: r.end]
    ]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("path", docs_of_issues())
def test_every_repair_rule_is_known(path):
    known = re.compile(r"^(clean:[a-z_.,]+|ocr\.\w+|join\.\w+|split\.\w+|page_header|page_number)$")
    result = parsed(path)
    unknown = sorted({r.rule for r in result.repairs if not known.match(r.rule)})
    assert not unknown, unknown


# --- cleaned lines ---------------------------------------------------------------------------


def _same_char(printed: str, cleaned: str) -> bool:
    if printed == cleaned:
        return True
    if unicodedata.normalize("NFKC", printed) == unicodedata.normalize("NFKC", cleaned):
        return True  # width: full-width digits/letters/space
    if HALF_TO_FULL.get(printed) == cleaned:
        return True  # half-width punctuation inside Chinese text
    if cleaned == " " and printed.isspace():
        return True
    if cleaned == "\t" and (printed.isspace() or printed == "|"):
        return True  # table cell / layout column separator
    return False


@pytest.mark.parametrize("path", ALL, ids=[p.stem[:40] for p in ALL])
def test_line_offsets_map_back_to_the_source(path):
    source = read_source(path)
    normalized = STAGES[0][1](source)
    text = source.text
    ocr = [r for r in normalized.repairs if r.rule.startswith("ocr.")]
    for line in normalized.lines:
        assert len(line.offsets) == len(line.text), line.index
        previous = -1
        for ch, offset in zip(line.text, line.offsets):
            assert line.start <= offset < line.end, (line.index, ch, offset)
            assert offset >= previous, (line.index, "offsets go backwards")
            previous = offset
            if _same_char(text[offset], ch):
                continue
            fixed = any(r.start <= offset < r.end and ch in r.after for r in ocr)
            assert fixed, f"line {line.index}: {ch!r} maps to {text[offset]!r} at {offset}"


# --- what no document holds -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL, ids=[p.stem[:40] for p in ALL])
def test_unplaced_spans_lie_outside_every_document(path):
    """Unplaced text is outside every document, or inside one and said to be in no element."""
    result = parsed(path)
    text = result.source.text
    for u in result.unplaced:
        assert 0 <= u.span.start < u.span.end <= len(text)
        assert u.text == text[u.span.start: u.span.end]
        if u.reason == "inside a document, in no element":
            assert any(d.span.start <= u.span.start and u.span.end <= d.span.end for d in result.documents)
            continue
        for doc in result.documents:
            assert u.span.end <= doc.span.start or doc.span.end <= u.span.start, (u.span, doc.seq, doc.span)


@pytest.mark.parametrize("path", docs_of_issues())
def test_documents_are_ordered_and_disjoint(path):
    result = parsed(path)
    spans = [d.span for d in result.documents]
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start, (a, b)

"""Stage 1 — normalize: clean each line of the extracted text, keep every change visible.

What the extraction tools leave behind (markdown, HTML sub/sup, LaTeX, docx bookmarks,
letter-spacing, full-width digits, running page headers) is removed line by line. Every
cleaned character keeps the offset of the source character it came from, and every line
that changed yields a :class:`Repair`, so nothing is invisible. OCR misprints of the
gazette's own region name are corrected with the gazetteer (``gazetteer.regions``).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Optional

from ..model import Line, NormalizedText, Repair, RegionGuess, SourceText
from ..text import is_cjk, is_cjk_context, halfwidth_alnum

# --- markup residue -------------------------------------------------------------------------
_MD_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|[-*+•]\s+(?=\S)|>\s*)")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]|\{#[^}]*\}|\[\^\d{1,3}\]")
_HTML_TAG = re.compile(r"</?(?:sub|sup|br|b|i|u|strong|em|span|p|div)(?:\s[^>]*)?/?>", re.I)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_LATEX = re.compile(r"\$([^$\n]{1,200})\$")
_LATEX_CMD = re.compile(r"\\(?:text|mathrm|mathbf|rm|bf|left|right|quad|,)\s*")
_DIGITS = re.compile(r"\d+")

# Half-width punctuation that becomes full-width inside Chinese text (schema: full-width CJK
# punctuation); colons and commas between digits (10:30, 1,000) stay as they are.
_TO_FULLWIDTH = {"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}

_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|[·•]\s*\d{1,4}\s*[·•]|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)
_BARE_NUMBER = re.compile(r"^\d{1,3}$")


class _Builder:
    """Accumulates cleaned characters together with their source offsets."""

    __slots__ = ("chars", "offsets")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offsets: list[int] = []

    def add(self, ch: str, offset: int) -> None:
        self.chars.append(ch)
        self.offsets.append(offset)


def _strip_markup(raw: str) -> tuple[list[tuple[str, int]], set[str]]:
    """Return (char, index-in-raw) pairs with markup residue removed, and the rules that fired."""
    rules: set[str] = set()
    keep = [True] * len(raw)
    replace: dict[int, str] = {}

    def drop(a: int, b: int, rule: str) -> None:
        for k in range(a, b):
            keep[k] = False
        rules.add(rule)

    m = _MD_PREFIX.match(raw)
    if m and m.end() < len(raw):
        drop(m.start(), m.end(), "markup.prefix")
    for m in _BOOKMARK.finditer(raw):
        drop(m.start(), m.end(), "markup.bookmark")
    for m in _HTML_TAG.finditer(raw):
        drop(m.start(), m.end(), "markup.html")
    for m in _BOLD.finditer(raw):
        drop(m.start(), m.start() + 2, "markup.bold")
        drop(m.end() - 2, m.end(), "markup.bold")
    for m in _LATEX.finditer(raw):
        drop(m.start(), m.start() + 1, "markup.latex")
        drop(m.end() - 1, m.end(), "markup.latex")
        inner_start = m.start(1)
        for c in _LATEX_CMD.finditer(m.group(1)):
            drop(inner_start + c.start(), inner_start + c.end(), "markup.latex")
        for k in range(m.start(1), m.end(1)):
            if raw[k] in "{}^_\\":
                keep[k] = False
    if raw.endswith("\\") and len(raw) > 1:  # markdown hard line break
        drop(len(raw) - 1, len(raw), "markup.linebreak")
    out = [(replace.get(k, ch), k) for k, ch in enumerate(raw) if keep[k]]
    return out, rules


def _clean_chars(pairs: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], set[str]]:
    """Width and spacing: full-width alnum → ASCII; drop spaces that sit next to Chinese text."""
    rules: set[str] = set()
    chars: list[tuple[str, int]] = []
    for ch, k in pairs:
        if ch in "\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff":
            ch = " " if ch != "\u200b" and ch != "\ufeff" else ""
            if not ch:
                rules.add("width.invisible")
                continue
            rules.add("width.space")
        h = halfwidth_alnum(ch)
        if h != ch:
            rules.add("width.alnum")
        chars.append((h, k))
    # collapse spaces: a run of spaces is dropped when either neighbour is Chinese context
    out: list[tuple[str, int]] = []
    n = len(chars)
    i = 0
    while i < n:
        ch, k = chars[i]
        if ch == " ":
            j = i
            while j < n and chars[j][0] == " ":
                j += 1
            left = out[-1][0] if out else ""
            right = chars[j][0] if j < n else ""
            if not left or not right:
                rules.add("spacing.trim")
            elif is_cjk_context(left) or is_cjk_context(right) or left in "〔[(" or right in "〕])":
                rules.add("spacing.cjk")
            else:
                out.append((" ", k))  # keep one space between Latin words / numbers
                if j - i > 1:
                    rules.add("spacing.collapse")
            i = j
            continue
        out.append((ch, k))
        i += 1
    # half-width punctuation inside Chinese text → full-width
    if any(is_cjk(c) for c, _ in out):
        for idx, (ch, k) in enumerate(out):
            full = _TO_FULLWIDTH.get(ch)
            if not full:
                continue
            prev = out[idx - 1][0] if idx else ""
            nxt = out[idx + 1][0] if idx + 1 < len(out) else ""
            if ch in ",:" and prev.isdigit() and nxt.isdigit():
                continue
            if ch == ":" and nxt == "/":  # URL scheme
                continue
            out[idx] = (full, k)
            rules.add("width.punct")
    return out, rules


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*(?::?-{2,}:?\s*)?$")


def clean_line(raw: str, base: int) -> tuple[str, list[int], set[str]]:
    """Clean one raw line; ``base`` is the line's offset in the source."""
    if _PIPE_ROW.match(raw):
        # markdown pipe table: the rule row goes, cells become tab-separated like docx tables
        if _PIPE_RULE.match(raw):
            return "", [], {"markup.table"}
        text, offsets, rules = clean_line(raw.replace("|", "\t"), base)
        return text, offsets, rules | {"markup.table"}
    tabs = raw.split("\t")
    if len(tabs) > 1:
        # Tab-flattened table or TOC row: clean each cell and keep the tabs as cell separators.
        text_parts: list[str] = []
        offsets: list[int] = []
        rules: set[str] = set()
        pos = 0
        for c, cell in enumerate(tabs):
            t, o, r = clean_line(cell, base + pos)
            rules |= r
            if c and (text_parts or t):
                text_parts.append("\t")
                offsets.append(base + pos - 1)
            text_parts.append(t)
            offsets.extend(o)
            pos += len(cell) + 1
        text = "".join(text_parts).strip("\t")
        if text != "".join(text_parts):
            lead = len("".join(text_parts)) - len("".join(text_parts).lstrip("\t"))
            offsets = offsets[lead: lead + len(text)]
        return text, offsets, rules
    pairs, rules = _strip_markup(raw)
    pairs, more = _clean_chars(pairs)
    rules |= more
    return "".join(c for c, _ in pairs), [base + k for _, k in pairs], rules


def _is_page_furniture(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def _shape(text: str) -> str:
    return _DIGITS.sub("#", text)


_PAGE_TOKEN = re.compile(r"[-—–－]\s*\d{1,4}\s*[-—–－]|[·•]\s*\d{1,4}\s*[·•]|(?<!\d)\d{1,2}\s*/\s*(?:19|20)\d\d|第\s*\d{1,4}\s*页")
_ISSUE_TOKEN = re.compile(r"(?:19|20)\d\d\s*年?\s*第\s*\d{1,3}\s*期")
_TOC_HEAD = re.compile(r"^目\s*录[：:]?$")


def mark_page_furniture(lines: list[Line], repairs: list[Repair], cover_lines: int = 12) -> None:
    """Running headers/footers and page numbers: found by form and by repetition across pages.

    Furniture is a page number alone (``— 12 —``, ``·12·``, ``第3页``, a bare number between
    blank lines), or a short line naming the gazette (``公报``) together with a page or issue
    number, or repeated. The cover — up to the 目录 heading, or its first ``cover_lines``
    lines — keeps its title and issue lines; only lines with a page number go there.
    """
    nonblank = [ln for ln in lines if ln.text]
    toc_at = next((k for k, ln in enumerate(nonblank[:120]) if _TOC_HEAD.match(ln.text)), None)
    cover_ids = {ln.index for ln in nonblank[: toc_at if toc_at is not None else cover_lines]}
    shapes = Counter(_shape(ln.text) for ln in nonblank)
    for pos, ln in enumerate(lines):
        if not ln.text:
            continue
        text = ln.text
        in_cover = ln.index in cover_ids
        short = len(text) <= 50 and "。" not in text
        kind = None
        if _is_page_furniture(text):
            kind = "page_number"
        elif "公报" in text and short and _PAGE_TOKEN.search(text):
            kind = "page_header"
        elif in_cover:
            continue
        elif _BARE_NUMBER.match(text):
            # a bare number alone between blank lines is a page number, not content
            prev_blank = pos == 0 or not lines[pos - 1].text
            next_blank = pos + 1 >= len(lines) or not lines[pos + 1].text
            if prev_blank and next_blank:
                kind = "page_number"
        elif "公报" in text and short and (_ISSUE_TOKEN.search(text) or shapes[_shape(text)] >= 2):
            kind = "page_header"
        elif shapes[_shape(text)] >= 3 and re.fullmatch(r"[·•][\u4e00-\u9fff]{2,12}[·•]", text):
            kind = "page_header"  # a decorated section label printed on every page
        if kind:
            repairs.append(Repair(ln.start, ln.end, text, "", kind))
            ln.kind = kind
            ln.text = ""
            ln.offsets = []


# --- OCR misprints of the region's own name --------------------------------------------------

def fix_region_misprints(lines: list[Line], region: RegionGuess, repairs: list[Repair]) -> None:
    """Replace misprinted forms of the gazette's region (孟县 → 盂县; 孟政发 → 盂政发).

    Full names are replaced everywhere; the one-character short form only where it begins an
    agency code, i.e. directly before a bracketed year (…〔2023〕) or before 政/府 + 发/办/函.
    """
    full = {w: r for w, r in region.misprints.items() if len(w) > 1}
    short = {w: r for w, r in region.misprints.items() if len(w) == 1}
    patterns: list[tuple[re.Pattern[str], str, str]] = []
    for wrong, right in sorted(full.items(), key=lambda kv: -len(kv[0])):
        patterns.append((re.compile(re.escape(wrong)), right, "ocr.region"))
    for wrong, right in short.items():
        patterns.append(
            (
                re.compile(
                    re.escape(wrong)
                    + r"(?=(?:[\u4e00-\u9fff]{0,6}[〔\[（(]\s*(?:19|20)\d\d)|政(?:办|府)?(?:发|函|字|办|通|令|任))"
                    + r"|(?<=驻)" + re.escape(wrong)
                ),
                right,
                "ocr.agency_code",
            )
        )
    for ln in lines:
        if not ln.text:
            continue
        for pat, right, rule in patterns:
            if not pat.search(ln.text):
                continue
            new_chars: list[str] = []
            new_offsets: list[int] = []
            last = 0
            for m in pat.finditer(ln.text):
                new_chars.append(ln.text[last: m.start()])
                new_offsets.extend(ln.offsets[last: m.start()])
                a = ln.offsets[m.start()]
                b = ln.offsets[m.end() - 1] + 1
                repairs.append(Repair(a, b, m.group(0), right, rule))
                new_chars.append(right)
                # the replacement characters all point into the misprinted span
                new_offsets.extend(min(a + t, b - 1) for t in range(len(right)))
                last = m.end()
            new_chars.append(ln.text[last:])
            new_offsets.extend(ln.offsets[last:])
            ln.text = "".join(new_chars)
            ln.offsets = new_offsets


def split_lines(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, raw) for every line of ``text``."""
    pos = 0
    for raw in text.split("\n"):
        yield pos, pos + len(raw), raw
        pos += len(raw) + 1


def normalize(source: SourceText, region: Optional[RegionGuess] = None) -> NormalizedText:
    """Clean every line, mark page furniture, correct region misprints.

    ``region`` may be given; otherwise it is guessed from the cover with the gazetteer.
    """
    lines: list[Line] = []
    repairs: list[Repair] = []
    for index, (start, end, raw) in enumerate(split_lines(source.text)):
        text, offsets, rules = clean_line(raw, start)
        if rules - {"spacing.trim"} and text != raw.strip():
            repairs.append(Repair(start, end, raw, text, "clean:" + ",".join(sorted(rules))))
        kind = "table" if "\t" in text else ("text" if text else "blank")
        lines.append(Line(index, start, end, text, offsets, kind))
    mark_page_furniture(lines, repairs)
    if region is None:
        from ..gazetteer.regions import guess_region

        head = "\n".join(ln.text for ln in lines[:80] if ln.text)
        region = guess_region(head[:2000], source.text)
    if region is not None and region.misprints:
        fix_region_misprints(lines, region, repairs)
    repairs.sort(key=lambda r: (r.start, r.end))
    return NormalizedText(source=source, lines=lines, repairs=repairs, region=region)


# --- paragraphs --------------------------------------------------------------------------------

def join_paragraphs(lines: list[Line], repairs: list[Repair]) -> list["Paragraph"]:
    """Rejoin sentences that the extraction broke over lines or blank lines.

    A line continues the paragraph before it unless that paragraph ended a sentence (。！？；：),
    was a standalone heading (一、… without punctuation), or the line starts an outline marker
    (一、 （一） 1. （1） 第X条) or is a table row. Every join is recorded as a repair.
    """
    from .grammar import heading_level
    from ..model import Paragraph, Span

    out: list[Paragraph] = []
    cur_text: list[str] = []
    cur_start = cur_end = 0
    cur_level, cur_marker = 0, None
    last_line: Optional[Line] = None
    gap_blank = False

    def flush() -> None:
        nonlocal cur_text
        if cur_text:
            out.append(Paragraph("".join(cur_text), Span(cur_start, cur_end), cur_level, cur_marker))
        cur_text = []

    for ln in lines:
        if not ln.text:
            gap_blank = gap_blank or ln.kind == "blank"
            continue
        text = ln.text
        span = ln.span()
        if "\t" in text:
            flush()
            out.append(Paragraph(text, span, 0, None, table=True))
            last_line, gap_blank = ln, False
            continue
        level, marker = heading_level(text)
        prev = "".join(cur_text)
        continues = bool(cur_text) and not level and prev[-1] not in "。！？；：:" and not (
            cur_level and len(prev) <= 40 and not any(p in prev for p in "。；，")
        )
        if continues:
            assert last_line is not None
            repairs.append(Repair(last_line.end, ln.start, "\n" * (2 if gap_blank else 1), "", "join.blank_line" if gap_blank else "join.line"))
            cur_text.append(text)
            cur_end = span.end
        else:
            flush()
            cur_text = [text]
            cur_start, cur_end = span.start, span.end
            cur_level, cur_marker = level, marker
        last_line, gap_blank = ln, False
    flush()
    return out


def printed_text(text: str, start: int, end: int) -> str:
    """The source text of [start, end) as printed: extraction residue removed, no OCR fixes.

    Used for the ``body_start``/``body_end`` boundary markers, which quote the page. Whole
    lines are cleaned (markup pairs may open before ``start``), then cut by source offset.
    """
    line_start = text.rfind("\n", 0, start) + 1
    chars: list[str] = []
    for base, _end, raw in split_lines(text[line_start:end]):
        cleaned, offsets, _ = clean_line(raw, line_start + base)
        chars.extend(c for c, o in zip(cleaned, offsets) if start <= o < end)
    return "".join("".join(chars).split())

"""Stage 1 — normalize: clean each line of the extracted text, keep every change visible.

What the extraction tools leave behind (markdown, HTML sub/sup, LaTeX, docx bookmarks,
letter-spacing, full-width digits, running page headers) is removed line by line. Every
cleaned character keeps the offset of the source character it came from, and every line
that changed yields a :class:`Repair`, so nothing is invisible. OCR misprints of the
gazette's own region name, and of the regions under it, are corrected with the gazetteer
(``gazetteer.regions``).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator, Optional

from ..grammar import heading_level
from ..model import Line, NormalizedText, Paragraph, Repair, RegionGuess, SourceText, Span
from ..text import is_cjk_context

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


# Same-length character maps (offsets do not move): full-width ASCII letters/digits and odd
# spaces become plain ones. Zero-width characters are deleted separately.
_WIDTH_TABLE = {c: c - 0xFEE0 for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))}
_WIDTH_TABLE.update({ord(c): " " for c in "\u3000\u00a0\u2002\u2003\u2009"})
_FULLWIDTH_ALNUM_RE = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_ODD_SPACE_RE = re.compile(r"[\u3000\u00a0\u2002\u2003\u2009]")
_INVISIBLE_RE = re.compile(r"[\u200b\ufeff\u200c\u200d\u2060\u00ad]")
_SPACES_RE = re.compile(r" +")
_HALF_PUNCT_RE = re.compile(r"[(),;:?!]")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _keep(text: str, offsets: list[int], cut: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """``text``/``offsets`` without the (sorted, non-overlapping) index intervals in ``cut``."""
    if not cut:
        return text, offsets
    parts: list[str] = []
    offs: list[int] = []
    pos = 0
    for a, b in cut:
        if a > pos:
            parts.append(text[pos:a])
            offs.extend(offsets[pos:a])
        pos = max(pos, b)
    parts.append(text[pos:])
    offs.extend(offsets[pos:])
    return "".join(parts), offs


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# pandoc residue: [text](#_Toc123) links and [text]{.underline} spans keep their text;
# backslash escapes (1\. \- \*) lose the backslash.
_MD_LINK = re.compile(r"\[(?P<text>[^\[\]]{1,300})\](?:\((?P<target>[^()\s]{0,200})\)|\{(?P<attr>[^{}]{0,80})\})")
_MD_ESCAPE = re.compile(r"\\(?=[.\-*_#()\[\]`!+>|~])")


def _markup_cuts(raw: str, rules: set[str]) -> list[tuple[int, int]]:
    """Index intervals of extraction residue in ``raw`` (markdown, HTML tags, LaTeX, bookmarks)."""
    cut: list[tuple[int, int]] = []
    if "](" in raw or "]{" in raw:
        for m in _MD_LINK.finditer(raw):
            cut += [(m.start(), m.start("text")), (m.end("text"), m.end())]
            rules.add("markup.link")
    if "\\" in raw:
        for m in _MD_ESCAPE.finditer(raw):
            cut.append((m.start(), m.start() + 1))
            rules.add("markup.escape")
    m = _MD_PREFIX.match(raw)
    if m and m.end() < len(raw):
        cut.append((m.start(), m.end()))
        rules.add("markup.prefix")
    if "[" in raw or "{" in raw:
        for m in _BOOKMARK.finditer(raw):
            cut.append((m.start(), m.end()))
            rules.add("markup.bookmark")
    if "<" in raw:
        for m in _HTML_TAG.finditer(raw):
            cut.append((m.start(), m.end()))
            rules.add("markup.html")
    if "**" in raw or "__" in raw:
        for m in _BOLD.finditer(raw):
            cut += [(m.start(), m.start() + 2), (m.end() - 2, m.end())]
            rules.add("markup.bold")
    if "$" in raw:
        for m in _LATEX.finditer(raw):
            cut += [(m.start(), m.start() + 1), (m.end() - 1, m.end())]
            inner = m.start(1)
            for c in _LATEX_CMD.finditer(m.group(1)):
                cut.append((inner + c.start(), inner + c.end()))
            cut += [(k, k + 1) for k in range(m.start(1), m.end(1)) if raw[k] in "{}^_\\"]
            rules.add("markup.latex")
    if raw.endswith("\\") and len(raw) > 1 and not _MD_ESCAPE.search(raw[-2:]):  # markdown hard line break
        cut.append((len(raw) - 1, len(raw)))
        rules.add("markup.linebreak")
    return _merge(cut)


def _space_cuts(text: str, rules: set[str], widths: str) -> tuple[list[tuple[int, int]], str]:
    """Spaces to drop (next to Chinese text, or at the ends), runs to collapse to one, and
    wide gaps inside a line (a layout column: right-aligned page numbers, signatures side by
    side) that become a tab. ``widths`` is the line before odd spaces were made plain, so an
    ideographic space counts as two."""
    cut: list[tuple[int, int]] = []
    n = len(text)
    gaps: list[int] = []
    for m in _SPACES_RE.finditer(text):
        a, b = m.start(), m.end()
        left = text[a - 1] if a else ""
        right = text[b] if b < n else ""
        width = b - a + widths.count("\u3000", a, b)  # an ideographic space is two wide
        if left and right and width >= 4 and _letter_spaced(text, a, b):
            cut.append((a, b))  # ``总　　则``, ``组　　长：``: one word spread over the line
            rules.add("spacing.letter")
        elif left and right and width >= 4:
            gaps.append(a)
            cut.append((a + 1, b))
            rules.add("spacing.column")
        elif not left or not right:
            cut.append((a, b))
            rules.add("spacing.trim")
        elif is_cjk_context(left) or is_cjk_context(right) or left in "〔[(" or right in "〕])":
            cut.append((a, b))
            rules.add("spacing.cjk")
        elif b - a > 1:
            cut.append((a + 1, b))  # keep one space between Latin words / numbers
            rules.add("spacing.collapse")
    if gaps:
        chars = list(text)
        for a in gaps:
            chars[a] = "\t"
        text = "".join(chars)
    return cut, text


def _letter_spaced(text: str, a: int, b: int) -> bool:
    """The wide gap ``text[a:b]`` spreads one word (layout letter-spacing), not two columns:
    a single CJK character stands on each side of it (``总　　则``, ``组　　长：王某``)."""
    left_alone = _CJK_RE.match(text[a - 1]) is not None and (a == 1 or text[a - 2] == " ")
    right_alone = _CJK_RE.match(text[b]) is not None and (b + 1 == len(text) or text[b + 1] in " ：:")
    return left_alone and right_alone


def _fullwidth_punct(text: str, rules: set[str]) -> str:
    """Half-width punctuation inside Chinese text → full-width (same length)."""
    if not _HALF_PUNCT_RE.search(text) or not _CJK_RE.search(text):
        return text

    def swap(m: re.Match) -> str:
        ch, i = m.group(0), m.start()
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if ch in ",:" and prev.isdigit() and nxt.isdigit():
            return ch
        if ch == ":" and nxt == "/":  # URL scheme
            return ch
        rules.add("width.punct")
        return _TO_FULLWIDTH[ch]

    return _HALF_PUNCT_RE.sub(swap, text)


def _clean_cell(raw: str, base: int) -> tuple[str, list[int], set[str]]:
    rules: set[str] = set()
    text, offsets = _keep(raw, list(range(base, base + len(raw))), _markup_cuts(raw, rules))
    if _INVISIBLE_RE.search(text):
        text, offsets = _keep(text, offsets, [(m.start(), m.end()) for m in _INVISIBLE_RE.finditer(text)])
        rules.add("width.invisible")
    wide_alnum, odd_space = _FULLWIDTH_ALNUM_RE.search(text), _ODD_SPACE_RE.search(text)
    if wide_alnum:
        rules.add("width.alnum")
    if odd_space:
        rules.add("width.space")
    widths = text
    if wide_alnum or odd_space:  # the characters _WIDTH_TABLE maps
        text = text.translate(_WIDTH_TABLE)
    if " " in text:
        cut, text = _space_cuts(text, rules, widths)
        text, offsets = _keep(text, offsets, cut)
    text = _fullwidth_punct(text, rules)
    return text, offsets, rules


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE_CELL = re.compile(r"\s*:?-{2,}:?\s*")


def _is_pipe_rule(raw: str) -> bool:
    """``|---|:--:|`` separator row of a markdown table (checked cell by cell: no backtracking)."""
    cells = raw.strip().strip("|").split("|")
    return bool(cells) and all(_PIPE_RULE_CELL.fullmatch(c) for c in cells)


# Characters any cleaning rule acts on; a line without them is already clean (the common case).
_NEEDS_CLEANING = re.compile(
    r"[ \t\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\u200c\u200d\u2060\u00ad"
    r"\uff10-\uff19\uff21-\uff3a\uff41-\uff5a(),;:?!#*_>\[\]{}<$|\\+•\-]"
)


def clean_line(raw: str, base: int) -> tuple[str, list[int], set[str]]:
    """Clean one raw line; ``base`` is the line's offset in the source."""
    if not _NEEDS_CLEANING.search(raw):
        return raw, list(range(base, base + len(raw))), set()
    if _PIPE_ROW.match(raw):
        # markdown pipe table: the rule row goes, cells become tab-separated like docx tables;
        # the outer pipes are no cells (an empty inner cell stays a cell)
        if _is_pipe_rule(raw):
            return "", [], {"markup.table"}
        first, last = raw.index("|"), raw.rindex("|")
        inner = " " * (first + 1) + raw[first + 1: last].replace("|", "\t") + " " * (len(raw) - last)
        text, offsets, rules = clean_line(inner, base)
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
        # empty cells stay cells (a merged cell, an empty first column): never shift a row;
        # only a row of nothing but tabs is nothing
        text = "".join(text_parts)
        if not text.strip("\t"):
            return "", [], rules
        return text, offsets, rules
    return _clean_cell(raw, base)


_PLAIN_NUMBER = re.compile(r"^\d{1,4}$")
_PAGE_GAP = 5  # a page holds more lines of text than this between two page numbers


def _page_value(text: str) -> Optional[int]:
    """The page number printed by a furniture-shaped line (``12``, ``— 12 —``, ``第3页``)."""
    if not _PAGE_NUMBER.match(text):
        return None
    digits = _DIGITS.findall(text)
    return int(digits[0]) if digits else None


def _names_the_gazette(text: str) -> bool:
    """A short line naming the gazette (…公报), no sentence: what a running header looks like."""
    return "公报" in text and len(text) <= 50 and "。" not in text


def _proven_page_numbers(lines: list[Line], cover_ids: set[int]) -> set[int]:
    """Positions of plain-number lines that are page numbers.

    A plain number is a candidate where a page number stands: alone between blank lines, or
    next to a running header (a line naming the gazette with a page or issue number). It is
    proven when the nearest other candidate before or after it — a page of text away — carries
    the page before or after it (one or two apart: a blank page, a cover). Table cells printed
    one per line sit close together, next to other cells, so they stay content."""
    def header_like(ln: Line) -> bool:
        return _names_the_gazette(ln.text) and bool(_PAGE_TOKEN.search(ln.text) or _ISSUE_TOKEN.search(ln.text))

    def neighbour(pos: int, step: int) -> Optional[Line]:
        k = pos + step
        while 0 <= k < len(lines) and not lines[k].text and lines[k].kind != "blank":
            k += step  # furniture already removed
        return lines[k] if 0 <= k < len(lines) else None

    found: list[tuple[int, int, int]] = []  # (position, value, text lines before it)
    count = 0
    for pos, ln in enumerate(lines):
        if not ln.text:
            continue
        value = _page_value(ln.text)
        if value is not None and ln.index not in cover_ids:
            if not _PLAIN_NUMBER.match(ln.text):
                found.append((pos, value, count))
            else:
                before, after = neighbour(pos, -1), neighbour(pos, 1)
                alone = (before is None or not before.text) and (after is None or not after.text)
                by_header = any(n is not None and n.text and header_like(n) for n in (before, after))
                if alone or by_header:
                    found.append((pos, value, count))
        count += 1
    proven: set[int] = set()
    for i, (pos, value, seen) in enumerate(found):
        if not _PLAIN_NUMBER.match(lines[pos].text):
            continue
        before = found[i - 1] if i else None
        after = found[i + 1] if i + 1 < len(found) else None
        if before and 1 <= value - before[1] <= 2 and seen - before[2] > _PAGE_GAP:
            proven.add(pos)
        elif after and 1 <= after[1] - value <= 2 and after[2] - seen > _PAGE_GAP:
            proven.add(pos)
    return proven


def _is_page_furniture(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def _shape(text: str) -> str:
    return _DIGITS.sub("#", text)


_PAGE_TOKEN = re.compile(r"[-—–－]\s*\d{1,4}\s*[-—–－]|[·•]\s*\d{1,4}\s*[·•]|(?<!\d)\d{1,2}\s*/\s*(?:19|20)\d\d|第\s*\d{1,4}\s*页")
_ISSUE_TOKEN = re.compile(r"(?:19|20)\d\d\s*年?\s*第\s*\d{1,3}\s*[期号]")  # 国务院公报 numbers its issues 第15号
_TOC_HEAD = re.compile(r"^目\s*录[：:]?$")
_GAZETTE_NAME = re.compile(r"政府公报|政报")
_SECTION_LABEL = re.compile(r"[·•][\u4e00-\u9fff]{2,12}[·•]")  # ·政策解读·


def mark_page_furniture(lines: list[Line], repairs: list[Repair], source: str, cover_lines: int = 12) -> None:
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
    proven = _proven_page_numbers(lines, cover_ids)
    for pos, ln in enumerate(lines):
        if not ln.text:
            continue
        text = ln.text
        in_cover = ln.index in cover_ids
        gazette_line = _names_the_gazette(text)
        kind = None
        if _PLAIN_NUMBER.match(text):
            # a number alone on a line is content (a table cell, an amount) unless it is
            # proven a page number by its place in the sequence of page numbers
            if pos in proven:
                kind = "page_number"
        elif _is_page_furniture(text):
            kind = "page_number"
        elif gazette_line and _PAGE_TOKEN.search(text):
            kind = "page_header"
        elif gazette_line and "\t" in text and _ISSUE_TOKEN.search(text):
            kind = "page_header"  # gazette name and issue in two columns: a running header, also on page 1
        elif in_cover:
            continue
        elif gazette_line and not text.startswith("【") and (
            _ISSUE_TOKEN.search(text) or (shapes[_shape(text)] >= 2 and _GAZETTE_NAME.search(text))
        ):
            kind = "page_header"  # the gazette's name repeated on every page (not 【统计公报】)
        elif _SECTION_LABEL.fullmatch(text) and shapes[_shape(text)] >= 3:
            kind = "page_header"  # a decorated section label printed on every page
        if kind:
            repairs.append(Repair(ln.start, ln.end, source[ln.start: ln.end], "", kind))
            ln.kind = kind
            ln.text = ""
            ln.offsets = []


# --- OCR misprints of the region's own name --------------------------------------------------

def fix_region_misprints(lines: list[Line], region: RegionGuess, repairs: list[Repair]) -> None:
    """Replace misprinted forms of the gazette's region (孟县 → 盂县; 孟政发 → 盂政发) and of
    the regions under it (孟县 → 盂县 in a 阳泉市 issue): ``region.misprints``.

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


# Letters read for digits by OCR inside dates and 文号: 2O23年, 2023年l月, 〔2O23〕.
_DIGITISH = "[0-9OoIl]"
_DIGIT_MISPRINT = re.compile(
    rf"{_DIGITISH}{{4}}\s*年\s*{_DIGITISH}{{1,2}}\s*月\s*{_DIGITISH}{{1,2}}\s*日"
    rf"|(?<=[〔\[（(]){_DIGITISH}{{4}}(?=[〕\]）)])"
)
_DIGIT_FIX = str.maketrans("OoIl", "0011")
_DIGIT_LOOKALIKE = re.compile(r"[OoIl]")


def fix_digit_misprints(lines: list[Line], repairs: list[Repair]) -> None:
    """``2O23年l月5日`` → ``2023年1月5日``: only inside a whole date or a bracketed year that
    already holds at least three real digits, so words are never touched."""
    for ln in lines:
        t = ln.text
        if not t or not _DIGIT_LOOKALIKE.search(t):
            continue
        chars = list(t)
        changed = False
        for m in _DIGIT_MISPRINT.finditer(t):
            token = m.group(0)
            if sum(c.isdigit() for c in token) < 3 or not _DIGIT_LOOKALIKE.search(token):
                continue
            fixed = token.translate(_DIGIT_FIX)
            chars[m.start(): m.end()] = fixed
            repairs.append(Repair(ln.offsets[m.start()], ln.offsets[m.end() - 1] + 1, token, fixed, "ocr.digit"))
            changed = True
        if changed:
            ln.text = "".join(chars)


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
        if rules and rules != {"spacing.trim"} and text != raw.strip():
            repairs.append(Repair(start, end, raw, text, "clean:" + ",".join(sorted(rules))))
        # a row of cells the source separates with tabs or pipes (a table), or a line whose wide
        # space gaps became tabs (layout columns: a name and a post, signatures side by side)
        kind = ("table" if "\t" in raw or "markup.table" in rules else "columns") if "\t" in text else ("text" if text else "blank")
        lines.append(Line(index, start, end, text, offsets, kind))
    mark_page_furniture(lines, repairs, source.text)
    fix_digit_misprints(lines, repairs)
    doubt = None
    if region is None:
        from ..gazetteer.regions import weigh_region

        head = "\n".join(ln.text for ln in lines[:80] if ln.text)
        region, doubt = weigh_region(head[:2000], source.text)
    if region is not None and region.misprints:
        fix_region_misprints(lines, region, repairs)
    repairs.sort(key=lambda r: (r.start, r.end))
    return NormalizedText(source=source, lines=lines, repairs=repairs, region=region, region_doubt=doubt)


# --- paragraphs --------------------------------------------------------------------------------

def join_paragraphs(lines: list[Line], repairs: list[Repair]) -> list[Paragraph]:
    """Rejoin sentences that the extraction broke over lines or blank lines.

    A line continues the paragraph before it unless that paragraph ended a sentence (。！？；：),
    was a standalone heading (一、… without punctuation), or the line starts an outline marker
    (一、 （一） 1. （1） 第X条) or is a table row. Every join is recorded as a repair.
    """
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
        continues = bool(cur_text) and not level and cur_text[-1][-1] not in "。！？；：:" and not (
            cur_level and _short_heading("".join(cur_text))
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


def _lines_between(text: str, start: int, end: int, from_end: bool) -> Iterator[tuple[int, str]]:
    """(offset, raw) of each line of ``text[start:end]``, first to last or last to first, read
    only as far as asked (a document's body is long, its printed start and end are short)."""
    if from_end:
        while (newline := text.rfind("\n", start, end)) >= 0:
            yield newline + 1, text[newline + 1: end]
            end = newline
    else:
        while (newline := text.find("\n", start, end)) >= 0:
            yield start, text[start: newline]
            start = newline + 1
    yield start, text[start: end]


def _short_heading(text: str) -> bool:
    """A heading's paragraph short and without a pause: a standalone heading, not a sentence."""
    return len(text) <= 40 and not any(p in text for p in "。；，")


def printed_text(text: str, start: int, end: int, limit: int | None = None, from_end: bool = False) -> str:
    """The source text of [start, end) as printed: extraction residue removed, no OCR fixes.

    Used for the ``body_start``/``body_end`` boundary markers, which quote the page. Whole
    lines are cleaned (markup pairs may open before ``start``), then cut by source offset.
    With ``limit``, only that many characters are produced, from the start or from the end.
    """
    line_start = text.rfind("\n", 0, start) + 1
    pieces: list[str] = []
    got = 0
    for base, raw in _lines_between(text, line_start, end, from_end):
        cleaned, offsets, _ = clean_line(raw, base)
        if offsets and min(offsets) >= start:  # the whole line is inside (the last one is cut at ``end``)
            piece = "".join(cleaned.split())
        else:
            piece = "".join(c for c, o in zip(cleaned, offsets) if start <= o < end and not c.isspace())
        pieces.append(piece)
        got += len(piece)
        if limit is not None and got >= limit:
            break
    if from_end:
        joined = "".join(reversed(pieces))
        return joined[-limit:] if limit else joined
    joined = "".join(pieces)
    return joined[:limit] if limit else joined

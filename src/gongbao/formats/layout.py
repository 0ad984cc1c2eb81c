"""From positioned text lines (a PDF text layer or OCR boxes) to the text the pipeline reads.

Three steps, each small and geometric:

1. per page, :func:`order_page` puts lines in reading order: it finds a two-column page by its
   gutter, then groups the lines of each column into rows (one visual line each);
2. over the whole document, :func:`strip_running` drops running headers, footers and page
   numbers: rows in the top or bottom band whose text (digits aside) recurs at the same height
   on at least half of the pages;
3. :func:`assemble` joins rows into paragraphs: a row that runs to the right margin continues
   into the next row when that row starts at the left margin (a new paragraph is indented,
   centred or right-aligned in 公文 layout). A larger vertical gap becomes a blank line.

Coordinates are PDF points, y growing downwards (PyMuPDF's convention).
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Optional

# Segments of one row further apart than this many font sizes were separate cells or a
# TOC entry and its page number: they are joined with a tab, as the text pipeline expects.
TAB_GAP_EM = 1.5
# A row "runs to the right margin" when the first word of the next row would not have fitted
# in the space left (wrapped CJK text ends at most one character short; before a Latin word,
# up to that word's width); this slack, in font sizes, absorbs rounding and kerning.
FULL_ROW_SLACK_EM = 0.25
# A row "starts at the left margin" when it starts this close to it (a first-line indent is 2 em;
# OCR boxes start at the ink, up to half a character in).
FLUSH_EM = 0.8
# Running headers and footers live in this share of the page height at the top and bottom.
MARGIN_BAND = 0.1
# ... and recur on at least this share of the pages.
RUNNING_SHARE = 0.5
# Printed page numbers: "— 12 —", "- 12 -", "12", "第12页", "·12·".
PAGE_NUMBER = re.compile(r"^[\s\-—–－·•]*(?:第\s*)?(\d{1,4})(?:\s*页)?[\s\-—–－·•]*$")

_ASCII_WORD_END = re.compile(r"[A-Za-z0-9]$")
_ASCII_WORD_START = re.compile(r"^[A-Za-z0-9]")
_FIRST_WORD = re.compile(r"[!-~]+|.")  # a run of printable ASCII, or one other character
# A TOC entry's page number set alone at the right when it did not fit after the title.
_LONE_PAGE_NUMBER = re.compile(r"^[（(]?\s*\d{1,4}\s*[)）]?$")


@dataclass(slots=True)
class TextLine:
    """One run of text on one baseline, as the extractor or the OCR engine saw it."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float  # font size (or glyph height for OCR), in points


@dataclass(slots=True)
class Row:
    """One visual line of a column (or a whole table, ``table=True``, rows split by newlines)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    column: int = 0  # 0: the page's single column (or a line spanning both); 1 left, 2 right
    table: bool = False
    gapped: bool = False  # holds a tab: cells, or a TOC entry and its page number

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(slots=True)
class PageRows:
    number: int  # 1-based page index in the file
    width: float
    height: float
    rows: list[Row]  # in reading order
    columns: dict[int, tuple[float, float]] = field(default_factory=dict)  # column -> (left, right)
    label: Optional[str] = None  # printed page number, when one was found in the margin


@dataclass(frozen=True, slots=True)
class PageSpan:
    """Where one page's text lies in the produced text: ``text[start:end]`` (half-open)."""

    page: int  # 1-based page index in the file
    start: int
    end: int
    label: Optional[str] = None  # printed page number (the TOC refers to these)


# -- 1. reading order on one page ------------------------------------------------------------------


def order_page(lines: list[TextLine], tables: list[Row], width: float) -> tuple[list[Row], dict[int, tuple[float, float]]]:
    """Rows of one page in reading order, and the (left, right) edges of each column found."""
    lines = _dedupe(lines)
    gutter = find_gutter(lines, width)
    if gutter is None:
        return _merge_tables(group_rows(lines), tables), {}
    left = [ln for ln in lines if ln.x1 <= gutter]
    right = [ln for ln in lines if ln.x0 >= gutter]
    spanning = sorted((ln for ln in lines if ln.x0 < gutter < ln.x1), key=lambda ln: ln.y0)
    columns = {1: (min(ln.x0 for ln in left), max(ln.x1 for ln in left)),
               2: (min(ln.x0 for ln in right), max(ln.x1 for ln in right))}
    # A line (or table) across the gutter closes the columns above it: read left column,
    # then right column, then the spanning line, and start again below it.
    cuts = [ln.y0 for ln in spanning] + [float("inf")]
    rows: list[Row] = []
    top = float("-inf")
    for i, cut in enumerate(cuts):
        for column, members in ((1, left), (2, right)):
            band = [ln for ln in members if top <= (ln.y0 + ln.y1) / 2 < cut]
            for row in group_rows(band):
                row.column = column
                rows.append(row)
        if i < len(spanning):
            rows.extend(group_rows([spanning[i]]))
        top = cut
    return _merge_tables(rows, tables), columns


def find_gutter(lines: list[TextLine], width: float) -> Optional[float]:
    """The x of the gap between two columns of text, or None for a single-column page.

    Two columns means: a vertical strip near the middle that few lines cross, with wide lines
    on both sides of it at the same heights. A TOC (titles left, page numbers right) or a
    right-aligned signature has no wide lines on the right at the heights of the left ones.
    """
    if len(lines) < 8:
        return None
    best_x, best_cross = None, len(lines) + 1
    for step in range(0, 31):
        x = width * (0.35 + 0.01 * step)
        cross = sum(1 for ln in lines if ln.x0 < x - 2 and ln.x1 > x + 2)
        if cross < best_cross or (cross == best_cross and abs(x - width / 2) < abs(best_x - width / 2)):
            best_x, best_cross = x, cross
    if best_x is None or best_cross > 0.25 * len(lines):
        return None
    wide = 0.1 * width
    left = [ln for ln in lines if ln.x1 <= best_x and ln.x1 - ln.x0 >= wide]
    right = [ln for ln in lines if ln.x0 >= best_x and ln.x1 - ln.x0 >= wide]
    if len(left) < 3 or len(right) < 3:
        return None
    paired = sum(1 for r in right if any(_overlap(r, ln) > 0.5 for ln in left))
    if paired < 3 or paired < 0.3 * min(len(left), len(right)):
        return None
    return best_x


def group_rows(lines: list[TextLine]) -> list[Row]:
    """Lines at the same height form one row; rows top to bottom, segments left to right."""
    rows: list[list[TextLine]] = []
    for ln in sorted(lines, key=lambda ln: ((ln.y0 + ln.y1) / 2, ln.x0)):
        if rows:
            last = rows[-1]
            band = TextLine(min(m.x0 for m in last), min(m.y0 for m in last), max(m.x1 for m in last),
                            max(m.y1 for m in last), "", 0.0)
            if _overlap(ln, band) > 0.5:
                last.append(ln)
                continue
        rows.append([ln])
    return [_join_row(members) for members in rows]


def _join_row(members: list[TextLine]) -> Row:
    members = sorted(members, key=lambda ln: ln.x0)
    size = max(m.size for m in members)
    text, gapped = members[0].text, False
    for prev, nxt in zip(members, members[1:]):
        gap = nxt.x0 - prev.x1
        if gap > TAB_GAP_EM * size:
            text += "\t"
            gapped = True
        elif gap > 0.25 * size and not text.endswith(" "):
            text += " "
        text += nxt.text
    return Row(members[0].x0, min(m.y0 for m in members), max(m.x1 for m in members),
               max(m.y1 for m in members), text, size, gapped=gapped)


def _merge_tables(rows: list[Row], tables: list[Row]) -> list[Row]:
    """Put each table where it stands: before the first row below its top edge."""
    for table in sorted(tables, key=lambda t: t.y0, reverse=True):
        at = next((i for i, r in enumerate(rows) if r.column == 0 and r.yc > table.y0), len(rows))
        rows.insert(at, table)
    return rows


def _dedupe(lines: list[TextLine]) -> list[TextLine]:
    """Drop text printed twice at (almost) the same place: fake bold, shadowed titles."""
    out: list[TextLine] = []
    seen: dict[str, list[TextLine]] = {}
    for ln in lines:
        twins = seen.setdefault(ln.text, [])
        if any(abs(t.x0 - ln.x0) < 0.3 * ln.size and _overlap(t, ln) > 0.7 for t in twins):
            continue
        twins.append(ln)
        out.append(ln)
    return out


def _overlap(a, b) -> float:
    """Vertical overlap of two boxes as a share of the lower one's height."""
    inter = min(a.y1, b.y1) - max(a.y0, b.y0)
    height = min(a.y1 - a.y0, b.y1 - b.y0)
    return inter / height if height > 0 else 0.0


# -- 2. running headers, footers and page numbers ----------------------------------------------------


def strip_running(pages: list[PageRows]) -> int:
    """Remove running headers/footers and page numbers in place; return how many rows went.

    A row in the top or bottom band is running when its text with digits masked recurs at
    about the same height on ≥ 50% of the pages (odd/even pages may alternate headers, so
    each alternate one is still on half of them). A bare page number in the band goes too.
    """
    if len(pages) < 2:
        return 0
    seen: dict[tuple[str, str], list[float]] = {}
    for page in pages:
        keys = {}
        for row in page.rows:
            zone = _zone(row, page)
            if zone and not row.table:
                keys[(zone, _mask(row.text))] = row.yc / page.height
        for key, y in keys.items():
            seen.setdefault(key, []).append(y)
    need = max(2, RUNNING_SHARE * len(pages))
    running = set()
    for key, ys in seen.items():
        if len(ys) >= need:
            mid = statistics.median(ys)
            if sum(1 for y in ys if abs(y - mid) <= 0.02) >= need:
                running.add(key)
    removed = 0
    for page in pages:
        kept = []
        for row in page.rows:
            zone = _zone(row, page) if not row.table else None
            number = PAGE_NUMBER.match(row.text) if zone else None
            if zone and ((zone, _mask(row.text)) in running or number):
                if number and page.label is None:
                    page.label = number.group(1)
                removed += 1
                continue
            kept.append(row)
        page.rows = kept
    return removed


def _zone(row: Row, page: PageRows) -> Optional[str]:
    if row.y1 <= page.height * MARGIN_BAND:
        return "top"
    if row.y0 >= page.height * (1 - MARGIN_BAND):
        return "bottom"
    return None


def _mask(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


# -- 3. paragraphs ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Margins:
    left: float
    right: float


def assemble(pages: list[PageRows]) -> tuple[str, list[PageSpan]]:
    """The text of all pages (lines; blank line at a paragraph gap) and each page's span in it."""
    margins = _single_column_margins(pages)
    pitch = _typical_pitch(pages)
    parts: list[str] = []
    length = 0
    spans: list[PageSpan] = []
    prev: Optional[Row] = None
    prev_margins: Optional[_Margins] = None
    prev_page: Optional[PageRows] = None
    for page in pages:
        start = None
        for row in page.rows:
            m = _margins_of(row, page, margins)
            if prev is None:
                sep = ""
            elif _continues(prev, prev_margins, row, m, same_flow=prev_page is page and prev.column == row.column, pitch=pitch):
                sep = " " if _ASCII_WORD_END.search(prev.text) and _ASCII_WORD_START.search(row.text) else ""
            elif _page_number_of(prev, prev_margins, row, m):
                sep = "\t"
                row.gapped = True
            elif prev_page is page and prev.column == row.column and _gap(prev, row) > 1.35 * pitch * prev.size:
                sep = "\n\n"
            else:
                sep = "\n"
            parts.append(sep)
            length += len(sep)
            if start is None:
                start = length
            parts.append(row.text)
            length += len(row.text)
            prev, prev_margins, prev_page = row, m, page
        if start is None:
            start = length
        spans.append(PageSpan(page.number, start, length, page.label))
    parts.append("\n")
    return "".join(parts), spans


def _continues(a: Row, am: _Margins, b: Row, bm: _Margins, *, same_flow: bool, pitch: float) -> bool:
    """Does row ``b`` carry on the paragraph of row ``a`` (a wrapped line)?"""
    if a.table or b.table or a.gapped:
        return False
    if abs(a.size - b.size) > 0.15 * a.size:
        return False
    if a.x0 > am.left + (am.right - am.left) / 3:
        return False  # a right-aligned or short centred row ends a line even at the margin
    if am.right - a.x1 > _room_needed(b.text, b.size) + FULL_ROW_SLACK_EM * a.size:
        return False  # b's first word would have fitted on a: a's paragraph (or line) ended there
    if same_flow and _gap(a, b) > 1.35 * pitch * a.size:
        return False
    if b.x0 <= bm.left + FLUSH_EM * b.size:
        return True  # b starts at the margin: a wrapped line
    # A wrapped centred title: a spans the measure, b is centred under it.
    centre = (bm.left + bm.right) / 2
    return a.x0 <= am.left + FLUSH_EM * a.size and abs((b.x0 + b.x1) / 2 - centre) < b.size


def _room_needed(text: str, size: float) -> float:
    """Room the first word of ``text`` needs at the end of the row above: 1 em for a hanzi; for a
    Latin word about 0.6 em a character plus the space that was dropped at the break."""
    match = _FIRST_WORD.match(text)
    word = match.group() if match else "中"
    if not word.isascii():
        return size
    return size * (0.6 * len(word) + 0.3)


def _page_number_of(a: Row, am: _Margins, b: Row, bm: _Margins) -> bool:
    """Is ``b`` a TOC page number set alone at the right margin, below its title?"""
    return (not a.table and not a.gapped and _LONE_PAGE_NUMBER.match(b.text) is not None
            and b.x1 >= bm.right - b.size and b.x0 > bm.left + 10 * b.size)


def _gap(a: Row, b: Row) -> float:
    return b.y0 - a.y0


def _margins_of(row: Row, page: PageRows, single: dict[int, _Margins]) -> _Margins:
    if row.column and row.column in page.columns:
        left, right = page.columns[row.column]
        return _Margins(left, right)
    return single.get(-page.number) or single.get(page.number % 2) or single.get(1 - page.number % 2) \
        or _Margins(row.x0, row.x1)


def _single_column_margins(pages: list[PageRows]) -> dict[int, _Margins]:
    """Text-block edges of single-column pages: per page parity (books mirror their margins),
    and per page (key ``-number``) where the page's own edges are near its parity's (a scanned
    sheet sits a little differently on the glass each time; a page of short lines has no
    right edge of its own and keeps its parity's).

    Left: the 5th percentile of row starts (wrapped lines start there; indented first lines,
    centred titles and signatures start further right). Right: where the longest rows end.
    """
    edges: dict[int, tuple[list[float], list[float]]] = {}
    for page in pages:
        for key in (page.number % 2, -page.number):
            starts, ends = edges.setdefault(key, ([], []))
            for row in page.rows:
                if row.column == 0 and not row.table:
                    starts.append(row.x0)
                    ends.append(row.x1)
    sizes = [row.size for page in pages for row in page.rows if not row.table]
    em = statistics.median(sizes) if sizes else 10.0
    out: dict[int, _Margins] = {}
    for key in sorted(edges, reverse=True):  # parities (0, 1) before pages (negative)
        starts, ends = edges[key]
        if len(starts) < (8 if key < 0 else 1):  # a blank page, or all the pages of a parity blank
            continue
        margins = _Margins(_percentile(starts, 0.05), _right_edge(ends, em))
        parity = out.get(-key % 2) if key < 0 else None
        if parity and (abs(margins.right - parity.right) > 3 * em or abs(margins.left - parity.left) > 3 * em):
            continue
        out[key] = margins
    return out


def _right_edge(ends: list[float], em: float) -> float:
    """Where full rows end: the upper quartile of the cluster of rightmost row ends (unjustified
    rows end up to a character short, OCR boxes end at the ink, hanging punctuation sticks out)."""
    if not ends:
        return 0.0
    top = _percentile(ends, 0.95)
    return _percentile([x for x in ends if top - 2 * em <= x <= top], 0.75)


def _typical_pitch(pages: list[PageRows]) -> float:
    """Median distance between consecutive rows of one column, in font sizes (the leading)."""
    ratios = []
    for page in pages:
        for a, b in zip(page.rows, page.rows[1:]):
            if a.column == b.column and not a.table and not b.table and abs(a.size - b.size) <= 0.15 * a.size:
                gap = _gap(a, b)
                if gap > 0:
                    ratios.append(gap / a.size)
    return statistics.median(ratios) if ratios else 1.5


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(q * len(values))))]

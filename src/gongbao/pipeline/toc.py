"""The table of contents (目录): entries broken over lines, section headings, and the entry
that lists a document (by 文号, else by title)."""
from __future__ import annotations

import re
from typing import Optional

from .. import grammar as g
from .lines import LineInfo, Lines, block_text, doc_number_of
from ..model import DocNumber, DocumentSpan, Span, TocEntry
from ..text import compact, similarity


_TOC_NUMBER_TAIL = re.compile(rf"[（(]\s*(?P<num>{g.DOC_NUMBER.pattern})\s*[)）]\s*$")


def _toc_entry(text: str, section: Optional[str], span: Span) -> Optional[TocEntry]:
    page = None
    m = g.TOC_LEADER.search(text)
    if m:
        page = int(m.group("page"))
        text = text[: m.start()]
    text = re.sub(r"[.…·．•_\s\t]+$", "", text)
    if page is None:
        # ``…（杭政〔2023〕12号）　　1``: the page number after the 文号, its spaces cleaned away
        m = re.search(r"(?<=号[)）])\s*(?P<page>\d{1,4})$", text)
        if m:
            page = int(m.group("page"))
            text = text[: m.start()]
    number = None
    m = _TOC_NUMBER_TAIL.search(text)
    if m:
        number = DocNumber.parse(m.group("num"))
        text = text[: m.start()]
    else:
        split = g.split_title_number(text)
        if split:
            text, number = split
    title = compact(text)
    if len(title) < 4:
        return None
    return TocEntry(section=section, title=title, doc_number=number, page=page, span=span)


def parse_toc(lines: Lines, start: int, end: int) -> tuple[list[TocEntry], list[tuple[int, str]], list[int], set[int]]:
    """TOC entries in lines [start, end). Returns (entries, section headings, unplaced line ids,
    line ids holding entries).

    Entries may be broken over several lines; an entry ends at a page number after a dot
    leader or a tab, or at a title ending in a 文种 / a bracketed 文号 when the TOC has no
    page numbers.
    """
    entries: list[TocEntry] = []
    sections: list[tuple[int, str]] = []
    unplaced: list[int] = []
    entry_lines: set[int] = set()
    section: Optional[str] = None
    buf: list[int] = []

    def flush() -> None:
        nonlocal buf
        if not buf:
            return
        text = "".join(lines.text(k) for k in buf)
        span = Span(lines.lines[buf[0]].span().start, lines.lines[buf[-1]].span().end)
        e = _toc_entry(text, section, span)
        if e is not None and (e.page is not None or e.doc_number is not None or g.OFFICIAL_END.search(e.title)):
            entries.append(e)
            entry_lines.update(buf)
        else:
            unplaced.extend(buf)
        buf = []

    for i in range(start, end):
        info = lines.info[i]
        t = info.text
        if not t:
            continue
        if g.TOC_HEAD.match(t):
            continue
        if info.section:
            flush()
            section = info.section
            sections.append((i, section))
            continue
        if not buf and plain_section(t):
            section = t
            sections.append((i, t))
            continue
        if not buf and entries and _continues_entry(entries[-1], info):
            _extend_entry(entries[-1], lines, i)
            entry_lines.add(i)
            continue
        buf.append(i)
        if _entry_ends(lines, buf, end):
            flush()
    flush()
    return entries, sections, unplaced, entry_lines


def _extend_entry(entry: TocEntry, lines: Lines, i: int) -> None:
    """Line ``i`` is the tail of the entry above, printed after its page number: ``通知`` / its 文号."""
    piece = compact(lines.text(i).split("\t")[0])
    if g.DOC_NUMBER.fullmatch(piece):
        entry.doc_number = DocNumber.parse(piece)
    else:
        entry.title += piece
    entry.span = Span(entry.span.start, lines.lines[i].span().end)


def _entry_ends(lines: Lines, buf: list[int], end: int) -> bool:
    """The entry on lines ``buf`` ends with its last line: a page number after a leader or a
    tab, or a bracketed 文号 (unless a leader line follows); else after four lines."""
    i = buf[-1]
    joined = re.sub(r"(?<=号[)）])\d{1,4}$", "", "".join(lines.text(k) for k in buf))
    if lines.info[i].toc_leader or _TOC_NUMBER_TAIL.search(joined):
        # a 文号 tail may still be followed by a leader line on the next line
        nxt = lines.next_nonblank(i + 1, end)
        return lines.info[i].toc_leader or nxt is None or not re.match(r"^[.…·．•_\s\t]{3,}", lines.text(nxt))
    return len(buf) >= 4


def _continues_entry(entry: TocEntry, info: LineInfo) -> bool:
    t = compact(info.text.split("\t")[0])
    if entry.doc_number is None and g.DOC_NUMBER.fullmatch(t):
        return True
    return len(t) <= 12 and not g.official_type(entry.title) and bool(g.official_type(t)) and "关于" not in t


_ORDERS_HEADING = re.compile(r"[\u4e00-\u9fff]{1,3}(?:政府|院|部)令")
_NOT_IN_SECTION_NAME = re.compile(r"\d|关于|[，。：:、（）()《》“”【】]")
_SECTION_NAME_END = re.compile(r"(文件|任免|公告|通告|规范性|人事|决定|目录|动态|信息|选登|专栏|命令|批复|法规|政策|解读)$")


def plain_section(t: str) -> bool:
    """A TOC/body section heading printed without 【】, e.g. ``县政府文件`` or ``人事任免``."""
    c = compact(t)
    if not 2 <= len(c) <= 12:
        return False
    if _ORDERS_HEADING.fullmatch(c):
        return True  # 国务院令, 省政府令: the heading over the orders of an issue, not an order's title
    return (
        not g.OFFICIAL_END.search(c)
        and not _NOT_IN_SECTION_NAME.search(c)
        and not g.HEADING.match(c)
        and bool(_SECTION_NAME_END.search(c))
    )


def toc_entry_for(toc: list[TocEntry], by_number: dict[str, TocEntry], title: str, number, cutoff: float) -> Optional[TocEntry]:
    """The TOC entry of a document: same 文号 first, else the most similar title ≥ cutoff."""
    if number is not None and number.text in by_number:
        return by_number[number.text]
    best, best_score = None, cutoff
    for e in toc:
        score = similarity(e.title, title, best_score)
        if score >= best_score:
            best, best_score = e, score
    return best


def toc_by_number(toc: list[TocEntry]) -> dict[str, TocEntry]:
    return {e.doc_number.text: e for e in toc if e.doc_number}


def sections_from_toc(lines: Lines, docs: list[DocumentSpan], toc: list[TocEntry]) -> None:
    by_number = toc_by_number(toc)
    for d in docs:
        if d.embedded:
            continue
        entry = toc_entry_for(toc, by_number, block_text(lines, d.header_lines), doc_number_of(lines, d), 0.8)
        if entry is not None:
            d.section = entry.section
    for d in docs:
        if d.embedded and d.parent is not None:
            d.section = docs[d.parent].section

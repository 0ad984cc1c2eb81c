"""Stage 2 — segment: cover → gazette metadata, 目录 → TOC entries, body → documents.

Documents are found by the GB/T 9704 header grammar, not by the TOC: a title block
(issuer + 关于…的 + 文种, possibly broken over lines) anchored by a 发文字号 line, a 主送 line,
a dated-title line or a 令 number. The TOC is then reconciled with what the body holds.
Documents carried by a 印发/转发 notice start after the notice's 署名/成文日期 and are
split off as embedded documents.

This module composes the steps; the rules live by role in ``lines`` (what a line is),
``cover``, ``toc``, ``headers``, ``closing`` (署名/成文日期, 附件说明) and ``carried``.
"""
from __future__ import annotations

from typing import Optional

from .. import grammar as g
from .carried import attach_forwarded, carried_by
from .cover import cover_end_before, is_cover_line, parse_cover
from .headers import Header, find_headers, find_loose_headers, page_table_header
from .lines import Lines, block_text, doc_number_of
from .toc import parse_toc, plain_section, sections_from_toc, toc_by_number, toc_entry_for
from ..model import Block, DocumentSpan, NormalizedText, Segmentation, TocEntry, Warning
from ..text import compact, similarity


def segment(norm: NormalizedText) -> Segmentation:
    """Cover, TOC, documents (with the documents they carry), sections and unplaced lines of one text."""
    lines = Lines(norm.lines, norm.source.text)
    headers = find_headers(lines, 0, lines.n) or page_table_header(lines)
    cover_end, toc_end = _front_matter(lines, headers[0].first if headers else lines.n)
    gazette = parse_cover(lines, cover_end, norm.region)
    toc, unplaced_ids, entry_lines = _read_toc(lines, cover_end, toc_end)
    loose = _loose_headers(lines, headers, toc, entry_lines, cover_end)
    if loose:
        headers = sorted(headers + loose, key=lambda h: h.first)
        if loose[0].first < toc_end:
            toc_end = loose[0].first
            toc, unplaced_ids, _entry_lines = _read_toc(lines, cover_end, toc_end)
    body_sections = _body_sections(lines, headers, toc_end)
    section_lines = {i for i, _ in body_sections}
    docs = _document_spans(lines, headers, body_sections)
    # forwarded documents that have their own header: attach to the 转发 notice before them
    attach_forwarded(lines, docs)
    # sections from the TOC when the body prints none
    if not body_sections and toc:
        sections_from_toc(lines, docs, toc)
    placed = _placed_lines(lines, docs, cover_end, section_lines)
    unplaced = _unplaced_blocks(lines, placed, toc_range=(cover_end, toc_end), toc_unplaced=set(unplaced_ids))
    warnings: list[Warning] = []
    if not headers:
        warnings.append(Warning("body.no_documents", "正文中未找到公文版头（发文机关、文号、标题）"))
    if norm.region_doubt:
        warnings.append(Warning("region.uncertain", norm.region_doubt))
    return Segmentation(
        normalized=norm,
        gazette=gazette,
        toc=toc,
        toc_lines=(cover_end, toc_end),
        documents=docs,
        unplaced_lines=unplaced,
        warnings=warnings,
        section_lines=sorted(section_lines),
    )


def _front_matter(lines: Lines, body_start: int) -> tuple[int, int]:
    """(end of the cover, end of the TOC): the TOC cannot contain a real header, so anything
    before the first header (``body_start``) is cover + TOC, but the section headings right
    above the first document."""
    toc_start = next((i for i in range(lines.n) if g.TOC_HEAD.match(lines.text(i))), None)
    cover_end = toc_start if toc_start is not None else body_start
    first_toc_like = next((i for i in range(min(body_start, lines.n)) if lines.info[i].toc_leader), None)
    if toc_start is None and first_toc_like is not None:
        cover_end = cover_end_before(lines, first_toc_like)
    toc_end = body_start
    # section headings directly above the first document are body sections (also when no
    # cover or TOC precedes them: an excerpt starting with its section heading)
    no_toc = toc_start is None and first_toc_like is None
    k = lines.prev_nonblank(body_start - 1, 0)
    if k is not None and lines.info[k].note:
        k = lines.prev_nonblank(k - 1, 0)  # （本文有删减） above the first title
    while k is not None and (k >= cover_end or no_toc) and (lines.info[k].section or plain_section(lines.text(k))):
        toc_end = k
        k = lines.prev_nonblank(k - 1, 0)
    return min(cover_end, toc_end), toc_end


def _read_toc(lines: Lines, start: int, end: int) -> tuple[list[TocEntry], list[int], set[int]]:
    """(entries, unplaced line ids, line ids holding entries) of the TOC in lines [start, end)."""
    if start >= end:
        return [], [], set()
    toc, _sections, unplaced_ids, entry_lines = parse_toc(lines, start, end)
    return toc, unplaced_ids, entry_lines


def _loose_headers(lines: Lines, headers: list[Header], toc: list[TocEntry], entry_lines: set[int], cover_end: int) -> list[Header]:
    """Second pass: documents printed without 文号 and 主送, found through the TOC or by position."""
    taken = set(entry_lines) | set(range(0, cover_end))
    for h in headers:
        taken.update(range(h.first, h.after))
    # a TOC title already found by a strict header is not looked for again
    matched = {id(toc_entry_for(toc, toc_by_number(toc), block_text(lines, h.title_lines), doc_number_of(lines, h), 0.9)) for h in headers}
    unfound = [e.title for e in toc if id(e) not in matched]
    return find_loose_headers(lines, cover_end, lines.n, unfound, taken)


def _body_sections(lines: Lines, headers: list[Header], toc_end: int) -> list[tuple[int, str]]:
    """Section headings of the body: (line id, name), in order."""
    body_sections: list[tuple[int, str]] = []
    header_starts = {h.first for h in headers}
    for i in range(toc_end, lines.n):
        info = lines.info[i]
        if info.section:
            body_sections.append((i, info.section))
        elif not info.text or i in header_starts:
            continue  # a masthead (…人民政府文件) opening a header is not a section
        elif plain_section(info.text) and (_isolated(lines, i) or lines.next_nonblank(i + 1) in header_starts):
            body_sections.append((i, compact(info.text)))
    return body_sections


_ANCHOR_CONFIDENCE = {"number": 0.98, "recipient": 0.9, "dated": 0.85, "order": 0.85, "toc": 0.85}


def _document_spans(lines: Lines, headers: list[Header], body_sections: list[tuple[int, str]]) -> list[DocumentSpan]:
    """One span per header, each followed by the spans of the documents it carries."""
    docs: list[DocumentSpan] = []
    for h_index, h in enumerate(headers):
        region_end = headers[h_index + 1].first if h_index + 1 < len(headers) else lines.n
        # a section heading between two documents ends the first one
        for i, _name in body_sections:
            if h.first < i < region_end:
                region_end = i
                break
        section = _section_at(body_sections, h.first)
        doc = DocumentSpan(
            header_lines=h.title_lines,
            number_line=h.number_line,
            first_line=h.first,
            last_line=_last_nonblank(lines, h.first, region_end),
            section=section,
            confidence=_ANCHOR_CONFIDENCE.get(h.anchor, 0.7),
            evidence=[f"anchor:{h.anchor}"],
        )
        docs.append(doc)
        carried = carried_by(lines, block_text(lines, h.title_lines), h.after, region_end)
        if carried:
            doc.last_line = _last_nonblank(lines, h.first, carried[0][0][0])
            docs.extend(_carried_spans(lines, carried, region_end, section, parent=len(docs) - 1))
    return docs


def _carried_spans(lines: Lines, carried: list[tuple[list[int], Optional[str]]], end: int, section: Optional[str], parent: int) -> list[DocumentSpan]:
    """Spans of the documents carried by the notice ``parent``: each runs to the next one's title."""
    spans: list[DocumentSpan] = []
    for c_index, (ids, expected) in enumerate(carried):
        c_end = carried[c_index + 1][0][0] if c_index + 1 < len(carried) else end
        spans.append(
            DocumentSpan(
                header_lines=ids,
                number_line=None,
                first_line=ids[0],
                last_line=_last_nonblank(lines, ids[0], c_end),
                section=section,
                parent=parent,
                expected_title=expected,
                embedded=True,
                confidence=0.9 if expected and similarity(block_text(lines, ids), expected) > 0.9 else 0.75,
                evidence=["carried"],
            )
        )
    return spans


def _placed_lines(lines: Lines, docs: list[DocumentSpan], cover_end: int, section_lines: set[int]) -> set[int]:
    """Lines the segmentation accounts for: the cover keeps what it is known to hold (anything
    else before the TOC is reported), section headings, and every document's lines."""
    placed: set[int] = {i for i in range(0, cover_end) if is_cover_line(lines.text(i)) or g.TOC_HEAD.match(lines.text(i))}
    placed |= section_lines
    for d in docs:
        placed.update(range(d.first_line, d.last_line + 1))
    return placed


def _isolated(lines: Lines, i: int) -> bool:
    before = i == 0 or not lines.text(i - 1)
    after = i + 1 >= lines.n or not lines.text(i + 1)
    return before and after


def _section_at(sections: list[tuple[int, str]], line: int) -> Optional[str]:
    name = None
    for i, s in sections:
        if i < line:
            name = s
    return name


def _last_nonblank(lines: Lines, start: int, end: int) -> int:
    k = lines.prev_nonblank(end - 1, start)
    return k if k is not None else start


def _unplaced_blocks(lines: Lines, placed: set[int], toc_range: tuple[int, int], toc_unplaced: set[int]) -> list[Block]:
    blocks: list[Block] = []
    cur: Optional[list[int]] = None
    for i in range(lines.n):
        in_toc = toc_range[0] <= i < toc_range[1]
        is_unplaced = bool(lines.text(i)) and ((in_toc and i in toc_unplaced) or (not in_toc and i not in placed))
        if is_unplaced:
            if cur is None:
                cur = [i, i]
            else:
                cur[1] = i
        elif lines.text(i) and cur is not None:
            blocks.append(Block(cur[0], cur[1]))
            cur = None
    if cur is not None:
        blocks.append(Block(cur[0], cur[1]))
    return blocks

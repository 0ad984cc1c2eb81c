"""Stage 2 — segment: cover → gazette metadata, 目录 → TOC entries, body → documents.

Documents are found by the GB/T 9704 header grammar, not by the TOC: a title block
(issuer + 关于…的 + 文种, possibly broken over lines) anchored by a 发文字号 line, a 主送 line,
a dated-title line or a 令 number. The TOC is then reconciled with what the body holds.
Documents carried by a 印发/转发 notice start after the notice's 署名/成文日期 and are
split off as embedded documents.
"""
from __future__ import annotations

import re
from typing import Optional

from . import grammar as g
from .carried import CARRY, announced_titles, attach_forwarded, carried_title_at, carried_title_line, carried_titles, find_carried
from .closing import attachment_rest, find_closing, skip_attachment_list, table_of
from .cover import cover_end_before, is_cover_line, parse_cover
from .headers import find_headers, find_loose_headers, page_table_header
from .lines import Lines, block_text, doc_number_of
from .toc import parse_toc, plain_section, sections_from_toc, toc_by_number, toc_entry_for
from ..model import Block, DocumentSpan, NormalizedText, Segmentation, TocEntry, Warning
from ..text import compact, similarity


def segment(norm: NormalizedText) -> Segmentation:
    lines = Lines(norm.lines, norm.source.text)
    warnings: list[Warning] = []
    headers = find_headers(lines, 0, lines.n) or page_table_header(lines)
    # the TOC cannot contain a real header; anything before the first header is cover + TOC
    toc_start = next((i for i in range(lines.n) if g.TOC_HEAD.match(lines.text(i))), None)
    body_start = headers[0].first if headers else lines.n
    # a 【section】 line right before the first header belongs to the body
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
    cover_end = min(cover_end, toc_end)
    gazette = parse_cover(lines, min(cover_end, body_start), norm.region)
    toc: list[TocEntry] = []
    unplaced_ids: list[int] = []
    entry_lines: set[int] = set()
    if cover_end < toc_end:
        toc, _sections, unplaced_ids, entry_lines = parse_toc(lines, cover_end, toc_end)
    # second pass: documents printed without 文号 and 主送, found through the TOC or by position
    taken = set(entry_lines) | set(range(0, cover_end))
    for h in headers:
        taken.update(range(h.first, h.after))
    # a TOC title already found by a strict header is not looked for again
    matched = {id(toc_entry_for(toc, toc_by_number(toc), block_text(lines, h.title_lines), doc_number_of(lines, h), 0.9)) for h in headers}
    unfound = [e.title for e in toc if id(e) not in matched]
    loose = find_loose_headers(lines, cover_end, lines.n, unfound, taken)
    if loose:
        headers = sorted(headers + loose, key=lambda h: h.first)
        if loose[0].first < toc_end:
            toc_end = loose[0].first
            toc, _sections, unplaced_ids, entry_lines = parse_toc(lines, cover_end, toc_end) if cover_end < toc_end else ([], [], [], set())
    # body sections
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
    section_lines = {i for i, _ in body_sections}

    docs: list[DocumentSpan] = []
    for h_index, h in enumerate(headers):
        region_end = headers[h_index + 1].first if h_index + 1 < len(headers) else lines.n
        # a section heading between two documents ends the first one
        for i, _name in body_sections:
            if h.first < i < region_end:
                region_end = i
                break
        section = _section_at(body_sections, h.first)
        title = block_text(lines, h.title_lines)
        doc = DocumentSpan(
            header_lines=h.title_lines,
            number_line=h.number_line,
            first_line=h.first,
            last_line=_last_nonblank(lines, h.first, region_end),
            section=section,
            confidence={"number": 0.98, "recipient": 0.9, "dated": 0.85, "order": 0.85, "toc": 0.85}.get(h.anchor, 0.7),
            evidence=[f"anchor:{h.anchor}"],
        )
        docs.append(doc)
        parent_index = len(docs) - 1
        closing = find_closing(lines, h.after, region_end)
        if closing is None:
            # printed without 署名 and date (a web page): the carried title on a line of its own
            closing = carried_title_line(lines, title, h.after, region_end)
            if closing is None:
                continue
            closing -= 1
        if not CARRY.search(title):
            announced = announced_titles(lines, h.after, closing)
            if not announced:
                continue
            title = "印发" + "".join(f"《{t}》" for t in announced)
        after_close = closing + 1
        # skip the 公开属性 and an 附件说明 printed after the date
        k = lines.next_nonblank(after_close, region_end)
        pages = False
        while k is not None and (lines.info[k].disclosure or lines.info[k].note or lines.info[k].attachment):
            if lines.info[k].attachment:
                if not attachment_rest(lines.text(k)):
                    # ``附件`` + title: attachment pages, unless the page is the very 方案 the
                    # notice issues (印发…的通知 that prints it as its 附件): then it is carried
                    nxt = lines.next_nonblank(k + 1, region_end)
                    expected = carried_titles(title) if re.search(r"印发|转发|颁发|批转", title) else []
                    issues_rules = bool(expected) and bool(g.GENRE_END.search(expected[0]))  # not a 名单/名录
                    title_ids = carried_title_at(lines, nxt, region_end, expected[0]) if nxt is not None and issues_rules else None
                    if title_ids is not None and not table_of(lines, h.after, closing, block_text(lines, title_ids), expected[0]):
                        after_close = k + 1
                        break
                    pages = True
                    break
                k = skip_attachment_list(lines, k, region_end)
            after_close = k + 1
            k = lines.next_nonblank(after_close, region_end)
        carried = [] if pages else find_carried(lines, title, after_close, region_end)
        if not carried:
            continue
        doc.last_line = _last_nonblank(lines, h.first, carried[0][0][0])
        for c_index, (ids, expected) in enumerate(carried):
            c_end = carried[c_index + 1][0][0] if c_index + 1 < len(carried) else region_end
            docs.append(
                DocumentSpan(
                    header_lines=ids,
                    number_line=None,
                    first_line=ids[0],
                    last_line=_last_nonblank(lines, ids[0], c_end),
                    section=section,
                    parent=parent_index,
                    expected_title=expected,
                    embedded=True,
                    confidence=0.9 if expected and similarity(block_text(lines, ids), expected) > 0.9 else 0.75,
                    evidence=["carried"],
                )
            )
    # forwarded documents that have their own header: attach to the 转发 notice before them
    attach_forwarded(lines, docs)
    # sections from the TOC when the body prints none
    if not body_sections and toc:
        sections_from_toc(lines, docs, toc)
    # the cover keeps what it is known to hold; anything else before the TOC is reported
    placed: set[int] = {i for i in range(0, cover_end) if is_cover_line(lines.text(i)) or g.TOC_HEAD.match(lines.text(i))}
    placed |= section_lines
    for d in docs:
        placed.update(range(d.first_line, d.last_line + 1))
    unplaced = _unplaced_blocks(lines, placed, toc_range=(cover_end, toc_end), toc_unplaced=set(unplaced_ids))
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

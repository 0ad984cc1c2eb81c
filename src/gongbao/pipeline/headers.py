"""Document headers (版头): a title block (issuer + 关于…的 + 文种, possibly broken over lines)
anchored by a 发文字号 line, a 主送 line, a dated-title line or a 令 number; and, in a second
pass, the headers of documents printed with neither 文号 nor 主送."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .. import grammar as g
from .lines import Lines, block_text
from .toc import plain_section
from ..text import compact, similarity


MAX_TITLE_LINES = 6


@dataclass(slots=True)
class Header:
    first: int  # first line of the header (title or masthead)
    title_lines: list[int]
    number_line: Optional[int]
    after: int  # first line after the header (主送 or body)
    anchor: str  # what anchored it: number | recipient | dated | order | toc
    score: float


def _title_block_above(lines: Lines, i: int, floor: int) -> list[int]:
    """Title lines ending just above line ``i`` (skipping blanks), topmost first."""
    picked: list[int] = []
    k = lines.prev_nonblank(i - 1, floor, max_blank=3)
    if k is not None and lines.info[k].note:
        k = lines.prev_nonblank(k - 1, floor, max_blank=3)  # （本文有删减） between title and 文号
    while k is not None and len(picked) < MAX_TITLE_LINES:
        info = lines.info[k]
        if not info.title_like or info.section or info.masthead or (picked and plain_section(info.text)):
            break
        picked.insert(0, k)
        if _starts_title(lines, picked):
            # stop once the block starts with the issuer; keep lone issuer lines above ``关于…``
            # (one per line when several agencies issue jointly)
            if compact(lines.text(k)).startswith(("关于", "转发", "印发", "批转")) or _issuer_only(lines.text(k)):
                above = lines.prev_nonblank(k - 1, floor, max_blank=2)
                while (
                    above is not None
                    and len(picked) < MAX_TITLE_LINES
                    and lines.info[above].title_like
                    and _issuer_only(lines.text(above))
                    and not lines.info[above].masthead
                ):
                    picked.insert(0, above)
                    above = lines.prev_nonblank(above - 1, floor, max_blank=2)
            break
        k = lines.prev_nonblank(k - 1, floor, max_blank=2)
    # the block must end with a document kind
    while picked and not _block_ends_type(lines, picked):
        picked.pop()
    return picked


def _title_block_below(lines: Lines, i: int, limit: int) -> list[int]:
    picked: list[int] = []
    k = lines.next_nonblank(i + 1, limit, max_blank=3)
    while k is not None and len(picked) < MAX_TITLE_LINES:
        info = lines.info[k]
        if not info.title_like or info.section or plain_section(info.text):
            break
        picked.append(k)
        if _block_ends_type(lines, picked):
            return picked
        k = lines.next_nonblank(k + 1, limit, max_blank=2)
    return []


def _block_ends_type(lines: Lines, ids: list[int]) -> bool:
    t = block_text(lines, ids)
    t = re.sub(rf"[（(]\s*{g.DOC_NUMBER.pattern}\s*[)）]$", "", t)
    return bool(g.official_type(t))


def _issuer_only(t: str) -> bool:
    c = compact(t)
    return bool(g.ORG_PREFIX.match(c)) and g.ORG_PREFIX.match(c).group("org") == c or (
        g.is_org_like(c) and "关于" not in c and not g.official_type(c)
    )


def _starts_title(lines: Lines, ids: list[int]) -> bool:
    t = block_text(lines, ids)
    return t.startswith("关于") or bool(g.ORG_PREFIX.match(t)) or bool(re.match(r"^[\u4e00-\u9fff、]{2,40}?(?:关于|转发|印发)", t))


def _valid_title(t: str) -> bool:
    if not (6 <= len(t) <= 200):
        return False
    if not g.official_type(re.sub(rf"[（(]\s*{g.DOC_NUMBER.pattern}\s*[)）]$", "", t)):
        return False
    return "关于" in t or bool(g.ORG_PREFIX.match(t)) or bool(re.search(r"(?:令|公告|通告|决定|命令|纪要|公报|(?:建议|提案|议案)的答复)$", t)) or bool(re.search(rf"{g.APPOINTMENT_END}$", t))


def find_headers(lines: Lines, start: int, end: int) -> list[Header]:
    """Every document header in lines [start, end), in order."""
    headers: dict[int, Header] = {}
    for i in range(start, end):
        if not lines.info[i].text:
            continue
        h = _header_at(lines, i, start, end)
        if h is not None and (h.first not in headers or h.score > headers[h.first].score):
            headers[h.first] = h
    return _outermost(headers)


def _header_at(lines: Lines, i: int, start: int, end: int) -> Optional[Header]:
    """The header line ``i`` anchors, if any: as a 文号 line, a 令's name and number, a title
    ending in its 文号, or a title ending in a 文种."""
    info = lines.info[i]
    if info.docnum is not None:
        settled, header = _number_anchored(lines, i, start, end)
        if settled:
            return header
    if info.order_head and not _inside_running_text(lines, i):
        return _order_anchored(lines, i, end)
    if info.title_number is not None:
        return _title_number_anchored(lines, i, start)
    if info.title_like and info.official_end:
        return _type_anchored(lines, i, start, end)
    return None


def _number_anchored(lines: Lines, i: int, start: int, end: int) -> tuple[bool, Optional[Header]]:
    """The header of the 文号 line ``i``: the title above it, or below it under a masthead.
    Returns (settled, header); a line left unsettled may still anchor a header otherwise."""
    nxt = lines.next_nonblank(i + 1, end)
    if nxt is not None and (lines.info[nxt].toc_leader or lines.info[nxt].section or plain_section(lines.text(nxt))):
        return True, None  # a TOC entry whose 文号 stands on its own line
    above = _title_block_above(lines, i, start)
    if above and _valid_title(block_text(lines, above)):
        if _inside_running_text(lines, above[0]) and not (nxt is not None and lines.info[nxt].recipient):
            return True, None  # a cited title + 文号 on lines of their own inside a body
        # (a …文件 line above a title is a section heading; a masthead sits above the 文号)
        return True, Header(above[0], above, i, i + 1, "number", 3.0)
    below = _title_block_below(lines, i, end)
    after = lines.next_nonblank(below[-1] + 1, end) if below else None
    if after is not None and (lines.info[after].toc_leader or lines.info[after].docnum is not None):
        below = []  # title, 文号, title, 文号…: a TOC, not a 版头
    if below and _valid_title(block_text(lines, below)):
        first = i
        m = lines.prev_nonblank(i - 1, start, max_blank=2)
        if m is not None and lines.info[m].masthead:
            first = m
        return True, Header(first, below, i, below[-1] + 1, "number", 2.5)
    return False, None


def _order_anchored(lines: Lines, i: int, end: int) -> Optional[Header]:
    """中华人民共和国国务院令　第707号 on line ``i``, followed by its promulgating sentence (not a TOC line)."""
    nxt = lines.next_nonblank(i + 1, end)
    if nxt is not None and (g.ends_sentence(lines.text(nxt)) or len(lines.text(nxt)) >= 30) and not lines.info[nxt].toc_leader:
        return Header(i, [i], i, i + 1, "order", 2.2)
    return None


def _title_number_anchored(lines: Lines, i: int, start: int) -> Optional[Header]:
    """A title whose last line ``i`` ends with its 文号: ``…的通知　珲政发（2009）5号``."""
    block = _title_block_above(lines, i, start) + [i]
    while block and not _starts_title(lines, block) and len(block) > 1:
        block.pop(0)
    title, _num = g.split_title_number(block_text(lines, block)) or ("", None)
    if _valid_title(title) and not _inside_running_text(lines, block[0]):
        return Header(block[0], block, i, i + 1, "number", 2.8)
    return None


def _type_anchored(lines: Lines, i: int, start: int, end: int) -> Optional[Header]:
    """A title ending in a 文种 on line ``i`` without a 文号 line: needs a 主送 line, a dated
    line or a 令 number under it."""
    block = _title_block_above(lines, i + 1, start)
    if not block or block[-1] != i:
        return None
    title = block_text(lines, block)
    if not _valid_title(title):
        return None
    nxt = lines.next_nonblank(i + 1, end, max_blank=3)
    if nxt is None:
        return None
    ninfo = lines.info[nxt]
    if ninfo.docnum is not None:
        return None  # anchored by its 文号 line
    if ninfo.recipient:
        return Header(block[0], block, None, nxt, "recipient", 2.0)
    if ninfo.date and lines.text(nxt).startswith(("（", "(")):
        return Header(block[0], block, None, nxt + 1, "dated", 2.0)
    if ninfo.order_number and title.endswith(("令", "纪要")):
        # 中华人民共和国国务院令 is one line: a 【国务院令】-like heading above is no part of it
        order = [i] if g.ORDER_TITLE.match(compact(lines.text(i))) else block
        return Header(order[0], order, nxt, nxt + 1, "order", 2.0)
    if g.is_org_like(compact(ninfo.text)) and not _inside_running_text(lines, block[0]):
        # title, the issuing organ on its own line, then （2025年3月20日）: 统计公报, 报告
        after = lines.next_nonblank(nxt + 1, end, max_blank=3)
        if after is not None and lines.info[after].date and lines.text(after).startswith(("（", "(")):
            return Header(block[0], block, None, nxt, "dated", 1.8)
    return None


def _outermost(headers: dict[int, Header]) -> list[Header]:
    """Headers by first line, dropping those that sit inside another header's title block."""
    out: list[Header] = []
    covered: set[int] = set()
    for first in sorted(headers):
        h = headers[first]
        if first in covered:
            continue
        out.append(h)
        covered.update(range(h.first, h.after))
    return out


def _inside_running_text(lines: Lines, first: int) -> bool:
    """The line right above ``first`` (no blank between) is body text: a title there is cited,
    not a header. Closings, sections, tables, furniture and blank lines are not body text."""
    k = first - 1
    while k >= 0 and lines.lines[k].kind in ("page_header", "page_number"):
        k -= 1
    if k < 0 or not lines.text(k):
        return False
    info = lines.info[k]
    t = info.text
    if g.ends_sentence(t) or t.endswith(("：", ":")):
        return False  # a finished sentence may be followed by the next document's title
    if info.date or info.disclosure or info.note or info.section or info.masthead or info.toc_leader or plain_section(t) or "\t" in t:
        return False
    if g.is_page_meta_line(t):
        return False  # the page's metadata table above the document
    if g.is_org_like(compact(t)) or info.attachment or re.match(r"^[（(]?略[)）]?$", t):
        return False
    return True


def find_loose_headers(lines: Lines, start: int, end: int, toc_titles: list[str], taken: set[int]) -> list[Header]:
    """Headers with neither 文号 nor 主送 (通告, 公告 and counties that print no 文号):
    a title block ending in a 文种 that the TOC lists, or that follows the close of the
    previous document (成文日期, 公开属性, section heading) and is followed by body text."""
    found: list[Header] = []
    for i in range(start, end):
        info = lines.info[i]
        if i in taken or not (info.title_like and info.official_end):
            continue
        block = _title_block_above(lines, i + 1, start)
        if not block or block[-1] != i or any(k in taken for k in block):
            continue
        title = block_text(lines, block)
        if not _valid_title(title):
            continue
        nxt = lines.next_nonblank(i + 1, end, max_blank=3)
        if nxt is None or lines.info[nxt].docnum is not None:
            continue
        if _inside_running_text(lines, block[0]):
            continue
        listed = any(similarity(title, t, 0.9) >= 0.9 for t in toc_titles)
        prev = lines.prev_nonblank(block[0] - 1, 0)
        after_close = prev is None or bool(lines.info[prev].date or lines.info[prev].disclosure or lines.info[prev].note or lines.info[prev].section)
        body_follows = g.ends_sentence(lines.text(nxt)) or len(lines.text(nxt)) >= 30
        if listed or (after_close and body_follows):
            found.append(Header(block[0], block, None, nxt, "toc" if listed else "after_close", 1.5))
    return found


def page_table_header(lines: Lines) -> list[Header]:
    """A web page whose text prints no title (only 主送 and body): the title and 文号 pairs of its
    metadata table stand for the header (the table is at the top; three pairs at least)."""
    meta = []
    for i in range(min(lines.n, 40)):
        if lines.text(i) and g.is_page_meta_line(lines.text(i)):
            meta.append(i)
        elif lines.text(i) and meta:
            break
    if len(meta) < 3:
        return []
    title = next((i for i in meta if re.match(r"^(?:标\s*题|名\s*称|文件名称)[：:]", lines.text(i))
                  and _valid_title(g.strip_page_label(lines.text(i)))), None)
    if title is None:
        return []
    number = next((i for i in meta if lines.info[i].docnum is not None), None)
    after = lines.next_nonblank(meta[-1] + 1)
    return [Header(title, [title], number, after if after is not None else meta[-1] + 1, "page", 1.0)]

"""Carried documents: the titles a 印发/转发 notice, a 令 or a 决定 names, where each carried
document begins after the notice's close, and forwarded documents printed with their own header."""
from __future__ import annotations

import re
from typing import Optional

from .. import grammar as g
from .closing import attachment_rest, find_closing, skip_attachment_list, table_of
from .lines import Lines, block_text
from ..model import DocumentSpan
from ..text import fold, similarity


_CARRY = re.compile(r"(?:印发|转发|颁发|发布|公布|下发|批转)")


def carried_titles(title: str) -> list[str]:
    """Titles a 印发/转发 notice says it carries: the 《…》 parts, or the text after 印发."""
    m = _CARRY.search(title)
    if not m:
        return []
    rest = title[m.end():]
    rest = re.sub(rf"的(?:{'|'.join(g.OFFICIAL_TYPES)})$", "", rest)
    quoted = _top_level_quotes(rest)
    if quoted:
        return quoted
    return [t for t in _split_conjoined(rest) if len(t) >= 4]


def _split_conjoined(s: str) -> list[str]:
    """``A办法（试行）和B细则`` → [A办法（试行）, B细则]: split at 和/及/与/、 after a genre word."""
    parts: list[str] = []
    start = 0
    for m in re.finditer(r"和|及|与|、", s):
        left = s[start: m.start()]
        if g.GENRE_END.search(left) and len(left) >= 4 and g.GENRE_END.search(s[m.end():] or ""):
            parts.append(left)
            start = m.end()
    parts.append(s[start:])
    return parts


def _top_level_quotes(s: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in s:
        if ch == "《":
            if depth:
                cur.append(ch)
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth:
                cur.append(ch)
            else:
                out.append("".join(cur))
                cur = []
        elif depth:
            cur.append(ch)
    return out


# （试行） （2023—2025年）, but not a dated note such as （2009年2月26日…审议通过）
_TITLE_PARENTHETICAL = re.compile(r"^[（(](?![^（()）]*\d{4}\s*年\s*\d{1,2}\s*月)[^（()）]{1,20}[)）]$")


def _carried_title_at(lines: Lines, k: int, limit: int, expected: Optional[str]) -> Optional[list[int]]:
    """Title lines of a carried document starting at line ``k`` (1–4 short lines)."""
    best: Optional[list[int]] = None
    best_score = 0.0
    ids: list[int] = []
    i = k
    while i is not None and i < limit and len(ids) < 4:
        info = lines.info[i]
        if not info.title_like or info.section or info.attachment:
            break
        ids.append(i)
        t = block_text(lines, ids)
        score = 0.0
        if expected:
            score = similarity(t, expected)
            if fold(expected) in fold(t) or fold(t) in fold(expected):
                score = max(score, 0.85)
        if g.GENRE_END.search(t):
            score += 0.3
        if score > best_score:
            best, best_score = list(ids), score
        i = lines.next_nonblank(i + 1, limit, max_blank=1)
    if best is None:
        return None
    # a parenthetical on its own line completes the title: （试行） （2023—2025年）
    k = lines.next_nonblank(best[-1] + 1, limit, max_blank=1)
    while k is not None and _TITLE_PARENTHETICAL.match(lines.text(k)) and len(best) < 5:
        best.append(k)
        k = lines.next_nonblank(k + 1, limit, max_blank=1)
    t = block_text(lines, best)
    if expected and best_score >= 0.75:
        return best
    if not expected and g.GENRE_END.search(t) and len(t) <= 80:
        return best
    return None


def find_carried(lines: Lines, notice_title: str, start: int, end: int) -> list[tuple[list[int], Optional[str]]]:
    """Carried documents of a notice in lines [start, end) (after its closing).

    Returns (title line ids, expected title) per carried document, in order.
    """
    expected = carried_titles(notice_title)
    found: list[tuple[list[int], Optional[str]]] = []
    k = lines.next_nonblank(start, end)
    if k is None:
        return found
    # the first carried document begins right after the closing
    first_expected = expected[0] if expected else None
    ids = _carried_title_at(lines, k, end, first_expected)
    if ids is None and expected:
        ids = _carried_title_at(lines, k, end, None)
    if ids is None:
        return found
    found.append((ids, first_expected))
    # further carried documents: standalone title blocks matching the other expected titles
    pos = ids[-1] + 1
    for exp in expected[1:]:
        for i in range(pos, end):
            info = lines.info[i]
            if not info.title_like or i == 0:
                continue
            prev = lines.lines[i - 1].text
            if prev and not lines.info[i - 1].attachment and not g.ends_sentence(prev) and lines.info[i - 1].title_like:
                continue  # not the first line of a block
            cand = _carried_title_at(lines, i, end, exp)
            if cand is not None and similarity(block_text(lines, cand), exp, 0.75) >= 0.75:
                found.append((cand, exp))
                pos = cand[-1] + 1
                break
    return found


def carried_by(lines: Lines, title: str, body_start: int, end: int) -> list[tuple[list[int], Optional[str]]]:
    """Documents carried by the notice titled ``title`` whose body starts at ``body_start`` (its
    region ends at ``end``): (title line ids, expected title) of each, in order."""
    closing = find_closing(lines, body_start, end)
    if closing is None:
        # printed without 署名 and date (a web page): the carried title on a line of its own
        closing = _carried_title_line(lines, title, body_start, end)
        if closing is None:
            return []
        closing -= 1
    if not _CARRY.search(title):
        announced = _announced_titles(lines, body_start, closing)
        if not announced:
            return []
        title = "印发" + "".join(f"《{t}》" for t in announced)
    after_close = _after_close(lines, title, body_start, closing, end)
    return [] if after_close is None else find_carried(lines, title, after_close, end)


def _after_close(lines: Lines, title: str, body_start: int, closing: int, end: int) -> Optional[int]:
    """First line after the close, past the 公开属性, an editor's note and an 附件说明 printed
    after the date; None when attachment pages follow instead of carried documents."""
    after_close = closing + 1
    k = lines.next_nonblank(after_close, end)
    while k is not None and (lines.info[k].disclosure or lines.info[k].note or lines.info[k].attachment):
        if lines.info[k].attachment:
            if not attachment_rest(lines.text(k)):
                return k + 1 if _issued_as_attachment(lines, title, body_start, closing, k, end) else None
            k = skip_attachment_list(lines, k, end)
        after_close = k + 1
        k = lines.next_nonblank(after_close, end)
    return after_close


def _issued_as_attachment(lines: Lines, title: str, body_start: int, closing: int, k: int, end: int) -> bool:
    """``附件`` + title at line ``k`` starts attachment pages, unless the page is the very 方案
    the notice issues (印发…的通知 that prints it as its 附件): then it is carried."""
    nxt = lines.next_nonblank(k + 1, end)
    expected = carried_titles(title) if re.search(r"印发|转发|颁发|批转", title) else []
    issues_rules = bool(expected) and bool(g.GENRE_END.search(expected[0]))  # not a 名单/名录
    title_ids = _carried_title_at(lines, nxt, end, expected[0]) if nxt is not None and issues_rules else None
    return title_ids is not None and not table_of(lines, body_start, closing, block_text(lines, title_ids), expected[0])


def _carried_title_line(lines: Lines, title: str, start: int, end: int) -> Optional[int]:
    """The line holding exactly the title a 印发 notice names, when the notice has no closing."""
    expected = {fold(t) for t in carried_titles(title)} if re.search(r"印发|转发|批转", title) else set()
    return next((i for i in range(start, end) if expected and lines.info[i].title_like and fold(lines.text(i)) in expected), None)


_ANNOUNCE = re.compile(r"现予(?:公布|发布|印发)|现(?:印发|发布|公布)|予以(?:公布|发布)|(?:公布|发布)(?:施行|实施)|现将.{0,20}印发")


def _announced_titles(lines: Lines, start: int, end: int) -> list[str]:
    """Titles a 令/决定/公告 announces in its body: ``《X办法》已经…通过，现予公布``."""
    for i in range(start, end):
        t = lines.text(i)
        if _ANNOUNCE.search(t):
            return _top_level_quotes(t)
    return []


def attach_forwarded(lines: Lines, docs: list[DocumentSpan]) -> None:
    for idx in range(1, len(docs)):
        d, prev = docs[idx], docs[idx - 1]
        if d.embedded or prev.embedded:
            continue
        notice = block_text(lines, prev.header_lines)
        # a 转发/印发 notice names what it carries in its title, a 令 or 决定 in its body
        expected = carried_titles(notice) or _announced_titles(lines, prev.first_line, prev.last_line + 1)
        if not expected:
            continue
        own = block_text(lines, d.header_lines)
        if any(similarity(own, e, 0.75) >= 0.75 or fold(e) in fold(own) for e in expected):
            d.parent = idx - 1
            d.embedded = True
            d.expected_title = expected[0]
            d.section = prev.section
            d.evidence.append("forwarded")

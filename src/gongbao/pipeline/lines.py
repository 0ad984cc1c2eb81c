"""Lines as the grammar sees them: what one cleaned line is (``classify``, cached) and
index helpers over an issue's lines (``Lines``), shared by segment and elements."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .. import grammar as g
from ..model import Line
from ..text import compact


@dataclass(slots=True)
class LineInfo:
    """What the grammar recognises in one cleaned line (computed once per line)."""

    text: str
    docnum: object = None  # DocNumber when the line is only a 文号
    date: Optional[str] = None  # ISO when the line is only a date
    disclosure: Optional[str] = None
    note: bool = False  # an editor's note: （本文有删减）
    recipient: bool = False
    title_like: bool = False
    official_end: bool = False  # ends with an official 文种
    genre_end: bool = False  # ends with a genre word (方案/办法/…)
    section: Optional[str] = None
    attachment: bool = False
    toc_leader: bool = False
    masthead: Optional[str] = None
    order_number: bool = False
    order_head: bool = False  # a 令's name and number on one line
    title_number: object = None  # DocNumber printed at the end of a title line
    signed_inline: Optional[list[str]] = None  # ``长汀县人民政府<tab>2024年2月20日``: signers on the date line


DATE_AT_END = re.compile(r"(?:(?:19|20)\d\d|[〇○零一二三四五六七八九Oo0]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日$")


@lru_cache(maxsize=32768)
def classify(text: str) -> LineInfo:
    """What the grammar sees in one line (cached: segment and elements both ask; treat as read-only)."""
    info = LineInfo(text)
    if not text:
        return info
    info.docnum = g.doc_number_line(text)
    if info.docnum is None and text.endswith("号") and "\t" not in text:
        split = g.split_title_number(compact(text))
        if split and g.is_title_like(split[0]):
            info.title_number = split[1]  # ``…的通知　珲政发（2009）5号`` on one line
    info.date = g.date_line(text)
    if info.date is None and len(text) <= 80 and text.endswith("日"):
        # 署名 and 成文日期 on one line, side by side (a tab) or run together
        cells = [c for c in text.split("\t") if c]
        if len(cells) == 1:
            m = DATE_AT_END.search(text)
            cells = [text[: m.start()], text[m.start():]] if m and m.start() else cells
        if len(cells) >= 2 and g.date_line(cells[-1]) and all(g.is_org_like(c) or g.PERSON_SIGNATURE.match(c) for c in cells[:-1]):
            info.date = g.date_line(cells[-1])
            info.signed_inline = cells[:-1]
    m = g.DISCLOSURE_LINE.match(text)
    info.disclosure = m.group("text") if m else None
    info.note = bool(g.EDITORIAL_NOTE.match(text))
    info.recipient = g.is_recipient_line(text)
    info.title_like = g.is_title_like(text)
    if info.title_like:
        info.official_end = bool(g.OFFICIAL_END.search(text))
        info.genre_end = bool(g.GENRE_END.search(text))
    m = g.SECTION_LINE.match(text)
    info.section = (m.group("name") or m.group("dotted")) if m else None
    info.attachment = bool(g.ATTACHMENT_HEAD.match(text))
    info.toc_leader = _ends_in_number(text) and bool(g.TOC_LEADER.search(text))
    spaceless = compact(text)
    m = g.MASTHEAD.match(spaceless)
    info.masthead = m.group("org") if m else None
    info.order_number = bool(g.ORDER_NUMBER.match(text))
    info.order_head = bool(g.ORDER_HEAD.match(spaceless))
    return info


def _ends_in_number(text: str) -> bool:
    """The line ends in a number, but for closing brackets and spaces: what a TOC leader's page
    number needs (checked first: the leader pattern is tried at every position of a line)."""
    return text.rstrip("\t )）")[-1:].isdecimal()


class Lines:
    """Index helpers over the cleaned lines."""

    def __init__(self, lines: list[Line], source: str = ""):
        self.lines = lines
        self.source = source
        self.info = [classify(ln.text) for ln in lines]
        self.n = len(lines)

    def text(self, i: int) -> str:
        return self.lines[i].text

    def source_text(self, i: int) -> str:
        """The raw source line (spacing intact: joint signatures are told apart by it)."""
        ln = self.lines[i]
        return self.source[ln.start: ln.end]

    def pieces(self, i: int, min_gap: int = 2) -> list[str]:
        """Cleaned text of line ``i`` split where the source has ``min_gap``+ spaces or a tab
        (two agencies printed side by side), repairs such as OCR fixes kept."""
        ln = self.lines[i]
        raw = self.source_text(i)
        out: list[str] = []
        pos = 0
        for m in re.finditer(r"[ \u3000\t]{%d,}|\t" % min_gap, raw):
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, len(raw)))
        texts = []
        for a, b in out:
            a, b = ln.start + a, ln.start + b
            piece = "".join(c for c, o in zip(ln.text, ln.offsets) if a <= o < b and not c.isspace())
            if piece:
                texts.append(piece)
        return texts

    def next_nonblank(self, i: int, limit: Optional[int] = None, max_blank: int = 99) -> Optional[int]:
        """First non-blank line index >= i (and < limit)."""
        limit = self.n if limit is None else limit
        blanks = 0
        while i < limit:
            if self.lines[i].text:
                return i
            blanks += self.lines[i].kind == "blank"  # removed page furniture is transparent
            if blanks > max_blank:
                return None
            i += 1
        return None

    def prev_nonblank(self, i: int, floor: int = 0, max_blank: int = 99) -> Optional[int]:
        blanks = 0
        while i >= floor:
            if self.lines[i].text:
                return i
            blanks += self.lines[i].kind == "blank"
            if blanks > max_blank:
                return None
            i -= 1
        return None


def block_text(lines: Lines, ids: list[int]) -> str:
    return compact("".join(lines.text(k) for k in ids))


def doc_number_of(lines: Lines, d) -> object:
    if d.number_line is None:
        return None
    info = lines.info[d.number_line]
    return info.docnum or info.title_number

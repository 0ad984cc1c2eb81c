"""Stage 2 — segment: cover → gazette metadata, 目录 → TOC entries, body → documents.

Documents are found by the GB/T 9704 header grammar, not by the TOC: a title block
(issuer + 关于…的 + 文种, possibly broken over lines) anchored by a 发文字号 line, a 主送 line,
a dated-title line or a 令 number. The TOC is then reconciled with what the body holds.
Documents carried by a 印发/转发 notice start after the notice's 署名/成文日期 and are
split off as embedded documents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .. import grammar as g
from ..model import (
    Block,
    DocNumber,
    DocumentSpan,
    GazetteMeta,
    Line,
    NormalizedText,
    Segmentation,
    Span,
    TocEntry,
    Warning,
)
from ..text import compact, fold, similarity

MAX_TITLE_LINES = 6


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


_DATE_AT_END = re.compile(r"(?:(?:19|20)\d\d|[〇○零一二三四五六七八九Oo0]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月\s*[\d一二三四五六七八九十]{1,3}\s*日$")


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
            m = _DATE_AT_END.search(text)
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
    info.toc_leader = bool(g.TOC_LEADER.search(text))
    m = g.MASTHEAD.match(compact(text))
    info.masthead = m.group("org") if m else None
    info.order_number = bool(g.ORDER_NUMBER.match(text))
    info.order_head = bool(g.ORDER_HEAD.match(compact(text)))
    return info


class _Lines:
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


# --- cover -----------------------------------------------------------------------------------

_GAZETTE_TITLE = re.compile(r"^(?P<title>[\u4e00-\u9fff]{2,20}?(?:人民政府公报|政府公报|政报|公报))$")
_ISSUE = re.compile(r"(?<![公告令])(?P<year>(?:19|20)\d\d)\s*年?\s*第\s*(?P<issue>\d{1,3})\s*[期号]")  # 国务院公报: 2020年第20号
_TOTAL = re.compile(r"总\s*(?:第|号\s*[：:]?)\s*(?P<total>\d{1,4})\s*期?")
_PUBLISHED = re.compile(r"(?P<date>(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:出版|印发|编印|发行)")
_FREQUENCY = re.compile(r"(季度刊|季刊|双月刊|月刊|半月刊|旬刊|周刊|年刊|半年刊)")
_SPONSOR = re.compile(r"^(?P<org>.{2,40}?)\s*(?:主管主办|主办|编印|编辑出版|编辑|主管|编|出版|承办)$")


_CN = "〇○零一二三四五六七八九十百"


def _arabic(s: str) -> str:
    """Chinese numerals of years, issue numbers and dates as Arabic
    (二〇一一年第十二期 → 2011年第12期); other characters (四川) stay."""
    if not re.search(f"[{_CN}]", s):
        return s

    def number(m: re.Match) -> str:
        n = g.chinese_number(m.group(0))
        return str(n) if n is not None else m.group(0)

    s = re.sub(f"[{_CN}]{{4}}(?=年)", number, s)
    s = re.sub(f"(?<=第)[{_CN}]{{1,5}}(?=期)", number, s)
    s = re.sub(f"(?<=年)[{_CN}]{{1,3}}(?=月)", number, s)
    s = re.sub(f"(?<=月)[{_CN}]{{1,3}}(?=日)", number, s)
    return s


def parse_cover(lines: _Lines, end: int, region) -> GazetteMeta:
    """Gazette metadata from the cover lines [0, end)."""
    meta = GazetteMeta()
    for i in range(end):
        t = lines.text(i)
        if not t or g.is_page_meta_line(t):
            continue  # a web page's metadata table is no cover (read by pipeline.identity)
        ln = lines.lines[i]
        c = _arabic(compact(t))
        if meta.title is None:
            m = _GAZETTE_TITLE.match(c)
            if m:
                meta.title = m.group("title")
                meta.spans["title"] = ln.span()
        m = _ISSUE.search(c)
        if m and meta.issue is None:
            meta.year, meta.issue = int(m.group("year")), int(m.group("issue"))
            meta.spans["issue"] = ln.span()
        m = _TOTAL.search(c)
        if m and meta.total_issue is None:
            meta.total_issue = int(m.group("total"))
            meta.spans["total_issue"] = ln.span()
        m = _PUBLISHED.search(c)
        if m and meta.published is None:
            meta.published = g.parse_date(m.group("date"))
            meta.spans["published"] = ln.span()
        m = _FREQUENCY.search(c)
        if m and meta.frequency is None and len(c) < 40:
            meta.frequency = m.group(1)
        m = _SPONSOR.match(c)
        if m and meta.sponsor is None:
            meta.sponsor = m.group("org")
        elif meta.sponsor is None and g.is_org_like(c) and not _GAZETTE_TITLE.match(c):
            meta.sponsor = c  # the editing office printed alone
        if meta.published is None and g.date_line(c):
            meta.published = g.date_line(c)  # a bare date on the cover is the publication date
            meta.spans["published"] = ln.span()
        elif meta.published is None and (m := _DATE_AT_END.search(c)) and g.is_org_like(c[: m.start()]):
            meta.published = g.parse_date(m.group(0))  # ``编印机关　　日期`` on one line
            meta.spans["published"] = ln.span()
            if meta.sponsor is None or meta.sponsor == c:
                meta.sponsor = c[: m.start()]
    if meta.published and meta.year is None:
        meta.year = int(meta.published[:4])
    if region is not None:
        meta.region, meta.region_code = region.name, region.code
        meta.confidence["region"] = region.confidence
    for key in ("title", "issue", "published"):
        meta.confidence[key] = 0.95 if key in meta.spans else 0.0
    return meta


# --- table of contents -------------------------------------------------------------------------

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


def parse_toc(lines: _Lines, start: int, end: int) -> tuple[list[TocEntry], list[tuple[int, str]], list[int], set[int]]:
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

    def flush(force: bool = False) -> None:
        nonlocal buf
        if not buf:
            return
        text = "".join(lines.text(k) for k in buf)
        span = Span(lines.lines[buf[0]].span().start, lines.lines[buf[-1]].span().end)
        e = _toc_entry(text, section, span)
        if e is not None and (force or e.page is not None or e.doc_number is not None or g.OFFICIAL_END.search(e.title)):
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
        if not buf and _plain_section(t):
            section = t
            sections.append((i, t))
            continue
        if not buf and entries and _continues_entry(entries[-1], info):
            # the tail of the entry above, printed after its page number: ``通知`` / its 文号
            last = entries[-1]
            piece = compact(t.split("\t")[0])
            if g.DOC_NUMBER.fullmatch(piece):
                last.doc_number = DocNumber.parse(piece)
            else:
                last.title += piece
            last.span = Span(last.span.start, lines.lines[i].span().end)
            entry_lines.add(i)
            continue
        buf.append(i)
        joined = re.sub(r"(?<=号[)）])\d{1,4}$", "", "".join(lines.text(k) for k in buf))
        if info.toc_leader or _TOC_NUMBER_TAIL.search(joined):
            # a 文号 tail may still be followed by a leader line on the next line
            nxt = lines.next_nonblank(i + 1, end)
            if info.toc_leader or nxt is None or not re.match(r"^[.…·．•_\s\t]{3,}", lines.text(nxt)):
                flush()
        elif len(buf) >= 4:
            flush(force=False)
    flush()
    return entries, sections, unplaced, entry_lines


def _continues_entry(entry: TocEntry, info: LineInfo) -> bool:
    t = compact(info.text.split("\t")[0])
    if entry.doc_number is None and g.DOC_NUMBER.fullmatch(t):
        return True
    return len(t) <= 12 and not g.official_type(entry.title) and bool(g.official_type(t)) and "关于" not in t


def _plain_section(t: str) -> bool:
    """A TOC/body section heading printed without 【】, e.g. ``县政府文件`` or ``人事任免``."""
    c = compact(t)
    if re.fullmatch(r"[\u4e00-\u9fff]{1,3}(?:政府|院|部)令", c):
        return True  # 国务院令, 省政府令: the heading over the orders of an issue, not an order's title
    return (
        2 <= len(c) <= 12
        and not g.OFFICIAL_END.search(c)
        and not re.search(r"\d|关于|[，。：:、（）()《》“”【】]", c)
        and not g.HEADING.match(c)
        and bool(re.search(r"(文件|任免|公告|通告|规范性|人事|决定|目录|动态|信息|选登|专栏|命令|批复|法规|政策|解读)$", c))
    )


# --- document headers --------------------------------------------------------------------------

@dataclass(slots=True)
class Header:
    first: int  # first line of the header (title or masthead)
    title_lines: list[int]
    number_line: Optional[int]
    after: int  # first line after the header (主送 or body)
    anchor: str  # what anchored it: number | recipient | dated | order | toc
    score: float


def _title_block_above(lines: _Lines, i: int, floor: int) -> list[int]:
    """Title lines ending just above line ``i`` (skipping blanks), topmost first."""
    picked: list[int] = []
    k = lines.prev_nonblank(i - 1, floor, max_blank=3)
    if k is not None and lines.info[k].note:
        k = lines.prev_nonblank(k - 1, floor, max_blank=3)  # （本文有删减） between title and 文号
    while k is not None and len(picked) < MAX_TITLE_LINES:
        info = lines.info[k]
        if not info.title_like or info.section or info.masthead or (picked and _plain_section(info.text)):
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


def _title_block_below(lines: _Lines, i: int, limit: int) -> list[int]:
    picked: list[int] = []
    k = lines.next_nonblank(i + 1, limit, max_blank=3)
    while k is not None and len(picked) < MAX_TITLE_LINES:
        info = lines.info[k]
        if not info.title_like or info.section or _plain_section(info.text):
            break
        picked.append(k)
        if _block_ends_type(lines, picked):
            return picked
        k = lines.next_nonblank(k + 1, limit, max_blank=2)
    return []


def _block_text(lines: _Lines, ids: list[int]) -> str:
    return compact("".join(lines.text(k) for k in ids))


def _block_ends_type(lines: _Lines, ids: list[int]) -> bool:
    t = _block_text(lines, ids)
    t = re.sub(rf"[（(]\s*{g.DOC_NUMBER.pattern}\s*[)）]$", "", t)
    return bool(g.official_type(t))


def _issuer_only(t: str) -> bool:
    c = compact(t)
    return bool(g.ORG_PREFIX.match(c)) and g.ORG_PREFIX.match(c).group("org") == c or (
        g.is_org_like(c) and "关于" not in c and not g.official_type(c)
    )


def _starts_title(lines: _Lines, ids: list[int]) -> bool:
    t = _block_text(lines, ids)
    return t.startswith("关于") or bool(g.ORG_PREFIX.match(t)) or bool(re.match(r"^[\u4e00-\u9fff、]{2,40}?(?:关于|转发|印发)", t))


def _valid_title(t: str) -> bool:
    if not (6 <= len(t) <= 200):
        return False
    if not g.official_type(re.sub(rf"[（(]\s*{g.DOC_NUMBER.pattern}\s*[)）]$", "", t)):
        return False
    return "关于" in t or bool(g.ORG_PREFIX.match(t)) or bool(re.search(r"(?:令|公告|通告|决定|命令|纪要|公报|(?:建议|提案|议案)的答复)$", t)) or bool(re.search(rf"{g.APPOINTMENT_END}$", t))


def find_headers(lines: _Lines, start: int, end: int) -> list[Header]:
    """Every document header in lines [start, end), in order."""
    headers: dict[int, Header] = {}

    def add(h: Header) -> None:
        old = headers.get(h.first)
        if old is None or h.score > old.score:
            headers[h.first] = h

    for i in range(start, end):
        info = lines.info[i]
        if not info.text:
            continue
        if info.docnum is not None:
            nxt = lines.next_nonblank(i + 1, end)
            if nxt is not None and (lines.info[nxt].toc_leader or lines.info[nxt].section or _plain_section(lines.text(nxt))):
                continue  # a TOC entry whose 文号 stands on its own line
            above = _title_block_above(lines, i, start)
            if above and _valid_title(_block_text(lines, above)):
                if _inside_running_text(lines, above[0]) and not (nxt is not None and lines.info[nxt].recipient):
                    continue  # a cited title + 文号 on lines of their own inside a body
                # (a …文件 line above a title is a section heading; a masthead sits above the 文号)
                add(Header(above[0], above, i, i + 1, "number", 3.0))
                continue
            below = _title_block_below(lines, i, end)
            after = lines.next_nonblank(below[-1] + 1, end) if below else None
            if after is not None and (lines.info[after].toc_leader or lines.info[after].docnum is not None):
                below = []  # title, 文号, title, 文号…: a TOC, not a 版头
            if below and _valid_title(_block_text(lines, below)):
                first = i
                m = lines.prev_nonblank(i - 1, start, max_blank=2)
                if m is not None and lines.info[m].masthead:
                    first = m
                add(Header(first, below, i, below[-1] + 1, "number", 2.5))
                continue
        if info.order_head and not _inside_running_text(lines, i):
            # 中华人民共和国国务院令　第707号, followed by its promulgating sentence (not a TOC line)
            nxt = lines.next_nonblank(i + 1, end)
            if nxt is not None and (g.ends_sentence(lines.text(nxt)) or len(lines.text(nxt)) >= 30) and not lines.info[nxt].toc_leader:
                add(Header(i, [i], i, i + 1, "order", 2.2))
            continue
        if info.title_number is not None:
            block = _title_block_above(lines, i, start) + [i]
            while block and not _starts_title(lines, block) and len(block) > 1:
                block.pop(0)
            title, _num = g.split_title_number(_block_text(lines, block)) or ("", None)
            if _valid_title(title) and not _inside_running_text(lines, block[0]):
                add(Header(block[0], block, i, i + 1, "number", 2.8))
            continue
        if info.title_like and info.official_end:
            # a title ending in a 文种 without a 文号 line: needs a 主送 line, a dated line or a 令 number
            block = _title_block_above(lines, i + 1, start)
            if not block or block[-1] != i:
                continue
            title = _block_text(lines, block)
            if not _valid_title(title):
                continue
            nxt = lines.next_nonblank(i + 1, end, max_blank=3)
            if nxt is None:
                continue
            ninfo = lines.info[nxt]
            if ninfo.docnum is not None:
                continue  # handled above
            if ninfo.recipient:
                add(Header(block[0], block, None, nxt, "recipient", 2.0))
            elif ninfo.date and lines.text(nxt).startswith(("（", "(")):
                add(Header(block[0], block, None, nxt + 1, "dated", 2.0))
            elif ninfo.order_number and title.endswith(("令", "纪要")):
                # 中华人民共和国国务院令 is one line: a 【国务院令】-like heading above is no part of it
                order = [i] if g.ORDER_TITLE.match(compact(lines.text(i))) else block
                add(Header(order[0], order, nxt, nxt + 1, "order", 2.0))
            elif g.is_org_like(compact(ninfo.text)) and not _inside_running_text(lines, block[0]):
                # title, the issuing organ on its own line, then （2025年3月20日）: 统计公报, 报告
                after = lines.next_nonblank(nxt + 1, end, max_blank=3)
                if after is not None and lines.info[after].date and lines.text(after).startswith(("（", "(")):
                    add(Header(block[0], block, None, nxt, "dated", 1.8))
    # drop headers that sit inside another header's title block
    out: list[Header] = []
    covered: set[int] = set()
    for first in sorted(headers):
        h = headers[first]
        if first in covered:
            continue
        out.append(h)
        covered.update(range(h.first, h.after))
    return out


def _inside_running_text(lines: _Lines, first: int) -> bool:
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
    if info.date or info.disclosure or info.note or info.section or info.masthead or info.toc_leader or _plain_section(t) or "\t" in t:
        return False
    if g.is_page_meta_line(t):
        return False  # the page's metadata table above the document
    if g.is_org_like(compact(t)) or info.attachment or re.match(r"^[（(]?略[)）]?$", t):
        return False
    return True


def find_loose_headers(lines: _Lines, start: int, end: int, toc_titles: list[str], taken: set[int]) -> list[Header]:
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
        title = _block_text(lines, block)
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


# --- closing (署名 / 成文日期 / 公开属性) and carried documents ------------------------------

def find_closing(lines: _Lines, start: int, end: int) -> Optional[int]:
    """Index of the 成文日期 line that closes the document body in [start, end)."""
    fallback = None
    for i in range(start, end):
        info = lines.info[i]
        if not info.date or info.text.startswith(("（", "(")):
            continue
        if info.signed_inline:
            return i
        p = lines.prev_nonblank(i - 1, start, max_blank=3)
        if p is not None and (g.is_org_like(compact(lines.text(p))) or _is_person_signature(lines.text(p))):
            return i
        if fallback is None:
            fallback = i
    return fallback


def _is_person_signature(t: str) -> bool:
    """``县长  张三`` style signature of a 令."""
    return bool(g.PERSON_SIGNATURE.match(compact(t)))


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


def _carried_title_at(lines: _Lines, k: int, limit: int, expected: Optional[str]) -> Optional[list[int]]:
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
        t = _block_text(lines, ids)
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
    t = _block_text(lines, best)
    if expected and best_score >= 0.75:
        return best
    if not expected and g.GENRE_END.search(t) and len(t) <= 80:
        return best
    return None


def find_carried(lines: _Lines, notice_title: str, start: int, end: int) -> list[tuple[list[int], Optional[str]]]:
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
            if cand is not None and similarity(_block_text(lines, cand), exp, 0.75) >= 0.75:
                found.append((cand, exp))
                pos = cand[-1] + 1
                break
    return found


# --- the whole issue ---------------------------------------------------------------------------

def segment(norm: NormalizedText) -> Segmentation:
    lines = _Lines(norm.lines, norm.source.text)
    warnings: list[Warning] = []
    headers = find_headers(lines, 0, lines.n) or _page_table_header(lines)
    # the TOC cannot contain a real header; anything before the first header is cover + TOC
    toc_start = next((i for i in range(lines.n) if g.TOC_HEAD.match(lines.text(i))), None)
    body_start = headers[0].first if headers else lines.n
    # a 【section】 line right before the first header belongs to the body
    cover_end = toc_start if toc_start is not None else body_start
    first_toc_like = next((i for i in range(min(body_start, lines.n)) if lines.info[i].toc_leader), None)
    if toc_start is None and first_toc_like is not None:
        cover_end = _cover_end_before(lines, first_toc_like)
    toc_end = body_start
    # section headings directly above the first document are body sections (also when no
    # cover or TOC precedes them: an excerpt starting with its section heading)
    no_toc = toc_start is None and first_toc_like is None
    k = lines.prev_nonblank(body_start - 1, 0)
    if k is not None and lines.info[k].note:
        k = lines.prev_nonblank(k - 1, 0)  # （本文有删减） above the first title
    while k is not None and (k >= cover_end or no_toc) and (lines.info[k].section or _plain_section(lines.text(k))):
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
    matched = {id(_toc_entry_for(toc, _toc_by_number(toc), _block_text(lines, h.title_lines), _doc_number_of(lines, h), 0.9)) for h in headers}
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
        elif _plain_section(info.text) and (_isolated(lines, i) or lines.next_nonblank(i + 1) in header_starts):
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
        title = _block_text(lines, h.title_lines)
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
            closing = _carried_title_line(lines, title, h.after, region_end)
            if closing is None:
                continue
            closing -= 1
        if not _CARRY.search(title):
            announced = _announced_titles(lines, h.after, closing)
            if not announced:
                continue
            title = "印发" + "".join(f"《{t}》" for t in announced)
        after_close = closing + 1
        # skip the 公开属性 and an 附件说明 printed after the date
        k = lines.next_nonblank(after_close, region_end)
        pages = False
        while k is not None and (lines.info[k].disclosure or lines.info[k].note or lines.info[k].attachment):
            if lines.info[k].attachment:
                if not _attachment_rest(lines.text(k)):
                    # ``附件`` + title: attachment pages, unless the page is the very 方案 the
                    # notice issues (印发…的通知 that prints it as its 附件): then it is carried
                    nxt = lines.next_nonblank(k + 1, region_end)
                    expected = carried_titles(title) if re.search(r"印发|转发|颁发|批转", title) else []
                    issues_rules = bool(expected) and bool(g.GENRE_END.search(expected[0]))  # not a 名单/名录
                    title_ids = _carried_title_at(lines, nxt, region_end, expected[0]) if nxt is not None and issues_rules else None
                    if title_ids is not None and not _table_of(lines, h.after, closing, _block_text(lines, title_ids), expected[0]):
                        after_close = k + 1
                        break
                    pages = True
                    break
                k = _skip_attachment_list(lines, k, region_end)
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
                    confidence=0.9 if expected and similarity(_block_text(lines, ids), expected) > 0.9 else 0.75,
                    evidence=["carried"],
                )
            )
    # forwarded documents that have their own header: attach to the 转发 notice before them
    _attach_forwarded(lines, docs)
    # sections from the TOC when the body prints none
    if not body_sections and toc:
        _sections_from_toc(lines, docs, toc)
    # the cover keeps what it is known to hold; anything else before the TOC is reported
    placed: set[int] = {i for i in range(0, cover_end) if _is_cover_line(lines.text(i)) or g.TOC_HEAD.match(lines.text(i))}
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


def _carried_title_line(lines: _Lines, title: str, start: int, end: int) -> Optional[int]:
    """The line holding exactly the title a 印发 notice names, when the notice has no closing."""
    expected = {fold(t) for t in carried_titles(title)} if re.search(r"印发|转发|批转", title) else set()
    return next((i for i in range(start, end) if expected and lines.info[i].title_like and fold(lines.text(i)) in expected), None)


def _page_table_header(lines: _Lines) -> list[Header]:
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


_ANNOUNCE = re.compile(r"现予(?:公布|发布|印发)|现(?:印发|发布|公布)|予以(?:公布|发布)|(?:公布|发布)(?:施行|实施)|现将.{0,20}印发")


def _announced_titles(lines: _Lines, start: int, end: int) -> list[str]:
    """Titles a 令/决定/公告 announces in its body: ``《X办法》已经…通过，现予公布``."""
    for i in range(start, end):
        t = lines.text(i)
        if _ANNOUNCE.search(t):
            return _top_level_quotes(t)
    return []


def _cover_end_before(lines: _Lines, first_toc: int) -> int:
    """Start of the TOC when it has no 目录 heading: the section/entry lines above the first leader."""
    k = first_toc
    while True:
        p = lines.prev_nonblank(k - 1, 0)
        if p is None:
            return k
        info = lines.info[p]
        if info.section or (info.title_like and not info.toc_leader and not _is_cover_line(info.text)):
            k = p
            continue
        return k


def _is_cover_line(t: str) -> bool:
    c = _arabic(compact(t))
    return bool(
        _GAZETTE_TITLE.match(c) or _ISSUE.search(c) or _TOTAL.search(c) or _PUBLISHED.search(c) or _SPONSOR.match(c)
        or g.date_line(c) or g.is_org_like(c) or re.fullmatch(r"[A-Za-zÜü'’\s]+", t)
    )


def _isolated(lines: _Lines, i: int) -> bool:
    before = i == 0 or not lines.text(i - 1)
    after = i + 1 >= lines.n or not lines.text(i + 1)
    return before and after


def _section_at(sections: list[tuple[int, str]], line: int) -> Optional[str]:
    name = None
    for i, s in sections:
        if i < line:
            name = s
    return name


def _last_nonblank(lines: _Lines, start: int, end: int) -> int:
    k = lines.prev_nonblank(end - 1, start)
    return k if k is not None else start


def _skip_attachment_list(lines: _Lines, k: int, end: int) -> int:
    """Last line of an 附件说明 list starting at ``k``."""
    last = k
    i = lines.next_nonblank(k + 1, end)
    while i is not None:
        t = lines.text(i)
        prev = lines.text(last)
        item_done = bool(_OMITTED_TAIL.search(prev)) or g.ends_sentence(prev)
        info = lines.info[i]
        if info.attachment and _attachment_rest(t) and _repeats_listed_title(lines, k, last, _attachment_rest(t)):
            break  # ``附件1：<title>`` repeating a listed title starts the attachment pages
        is_item = bool(g.ENUM_ITEM.match(t)) or (info.attachment and bool(_attachment_rest(t)))
        continuation = (
            not item_done
            and len(t) <= 30
            and not g.ends_sentence(t)
            and not (info.date or info.disclosure or info.attachment or "\t" in t)
            and not re.search(r"[：:]", t)
            and not g.is_org_like(compact(t))
        )
        if is_item or re.match(r"^[（(]?略[)）]?$", t) or continuation:
            last = i
            i = lines.next_nonblank(i + 1, end)
            continue
        break
    return last


_LIST_TITLE = re.compile(r"(?:表|清单|名单|名录|目录|图)(?:[（(][^（()）]{1,12}[)）])?$")


def _table_of(lines: _Lines, start: int, end: int, title: str, issued: str) -> bool:
    """A page titled ``…计划表`` under a notice issuing ``…计划`` and listing the page in its
    附件说明 (in [start, end)) is the notice's attachment (the plan's table), not the plan."""
    return bool(_LIST_TITLE.search(title)) and not _LIST_TITLE.search(issued) and _listed_as_attachment(lines, start, end, title)


def _listed_as_attachment(lines: _Lines, start: int, end: int, title: str) -> bool:
    """``title`` is an item of the 附件说明 printed in [start, end)."""
    for k in range(start, end):
        if lines.info[k].attachment and _attachment_rest(lines.text(k)):
            return _repeats_listed_title(lines, k, _skip_attachment_list(lines, k, end), title)
    return False


def _repeats_listed_title(lines: _Lines, first: int, last: int, title: str) -> bool:
    listed = fold("".join(lines.text(k) for k in range(first, last + 1)))
    key = fold(re.sub(r"^[\d.．、\s]+", "", title))[:12]
    return len(key) >= 4 and key in listed


_OMITTED_TAIL = re.compile(r"[（(]\s*略\s*[)）]$")


def _attachment_rest(t: str) -> str:
    m = g.ATTACHMENT_HEAD.match(t)
    return ((m.group("rest") or m.group("rest2") or "").strip()) if m else ""


def _attach_forwarded(lines: _Lines, docs: list[DocumentSpan]) -> None:
    for idx in range(1, len(docs)):
        d, prev = docs[idx], docs[idx - 1]
        if d.embedded or prev.embedded:
            continue
        notice = _block_text(lines, prev.header_lines)
        # a 转发/印发 notice names what it carries in its title, a 令 or 决定 in its body
        expected = carried_titles(notice) or _announced_titles(lines, prev.first_line, prev.last_line + 1)
        if not expected:
            continue
        own = _block_text(lines, d.header_lines)
        if any(similarity(own, e, 0.75) >= 0.75 or fold(e) in fold(own) for e in expected):
            d.parent = idx - 1
            d.embedded = True
            d.expected_title = expected[0]
            d.section = prev.section
            d.evidence.append("forwarded")


def _toc_entry_for(toc: list[TocEntry], by_number: dict[str, TocEntry], title: str, number, cutoff: float) -> Optional[TocEntry]:
    """The TOC entry of a document: same 文号 first, else the most similar title ≥ cutoff."""
    if number is not None and number.text in by_number:
        return by_number[number.text]
    best, best_score = None, cutoff
    for e in toc:
        score = similarity(e.title, title, best_score)
        if score >= best_score:
            best, best_score = e, score
    return best


def _toc_by_number(toc: list[TocEntry]) -> dict[str, TocEntry]:
    return {e.doc_number.text: e for e in toc if e.doc_number}


def _doc_number_of(lines: _Lines, d) -> object:
    if d.number_line is None:
        return None
    info = lines.info[d.number_line]
    return info.docnum or info.title_number


def _sections_from_toc(lines: _Lines, docs: list[DocumentSpan], toc: list[TocEntry]) -> None:
    by_number = _toc_by_number(toc)
    for d in docs:
        if d.embedded:
            continue
        entry = _toc_entry_for(toc, by_number, _block_text(lines, d.header_lines), _doc_number_of(lines, d), 0.8)
        if entry is not None:
            d.section = entry.section
    for d in docs:
        if d.embedded and d.parent is not None:
            d.section = docs[d.parent].section


def _unplaced_blocks(lines: _Lines, placed: set[int], toc_range: tuple[int, int], toc_unplaced: set[int]) -> list[Block]:
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

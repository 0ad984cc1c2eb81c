"""The cover: gazette metadata (title, year and issue, total issue, publication date, sponsor),
and where the cover ends when the TOC has no 目录 heading."""
from __future__ import annotations

import re

from .. import grammar as g
from .lines import DATE_AT_END, Lines
from ..model import GazetteMeta
from ..text import compact


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


def parse_cover(lines: Lines, end: int, region) -> GazetteMeta:
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
        elif meta.published is None and (m := DATE_AT_END.search(c)) and g.is_org_like(c[: m.start()]):
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


def cover_end_before(lines: Lines, first_toc: int) -> int:
    """Start of the TOC when it has no 目录 heading: the section/entry lines above the first leader."""
    k = first_toc
    while True:
        p = lines.prev_nonblank(k - 1, 0)
        if p is None:
            return k
        info = lines.info[p]
        if info.section or (info.title_like and not info.toc_leader and not is_cover_line(info.text)):
            k = p
            continue
        return k


def is_cover_line(t: str) -> bool:
    c = _arabic(compact(t))
    return bool(
        _GAZETTE_TITLE.match(c) or _ISSUE.search(c) or _TOTAL.search(c) or _PUBLISHED.search(c) or _SPONSOR.match(c)
        or g.date_line(c) or g.is_org_like(c) or re.fullmatch(r"[A-Za-zÜü'’\s]+", t)
    )

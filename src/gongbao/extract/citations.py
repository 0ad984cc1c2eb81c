"""Layer ``citations``: the other documents a document refers to (SCHEMA.md, layer records).

A citation is read from

* a title in 《》 — ``《中华人民共和国安全生产法》``; when a parenthetical with a 文号, an order
  number (令) or a standard number follows it directly, the two are ONE citation:
  ``《…实施意见》（晋政办发〔2021〕57号）``, ``《重大火灾隐患判定方法》（GB35181-2017）``;
* a bare 文号 in any spelling (〔〕 [] () （）, spaces, 第N号): ``落实国办发〔2019〕35号文件``;
* a bare standard number: ``达到GB3838要求``.

Fields: ``cited_title`` (without 《》, as printed), ``cited_number`` (normalized: 文号 as
``机关代字〔年份〕序号号``, standards as ``GB/T 51313-2018``), ``kind`` (law / regulation /
standard / document / other), ``resolved_doc_id`` and ``score`` (both null here: resolution
against stored documents is :func:`resolve_citations`, a separate step).

The module also holds the small text helpers the other extractors of this family share:
:func:`passages` (a document's paragraphs rejoined where the parser broke a sentence) and
:class:`SpanMap` (offsets in a paragraph's cleaned text back to the original source).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ..model import DocNumber, Document, LayerRecord, Paragraph, ParseResult, Span
from ..text import fold, similarity
from .registry import RECORD_FILTERS, LayerSpec
from .textspan import stretches

SPEC = LayerSpec(
    name="citations",
    keys=("cited_title", "cited_number", "kind", "resolved_doc_id", "score"),
    filters=RECORD_FILTERS,
    requires=("document.title", "document.paragraphs", "document.tables", "document.attachment_bodies"),
)
LAYER = SPEC.name

# --- shared text helpers ------------------------------------------------------------------

SENTENCE_END = "。！？；"


@dataclass(slots=True)
class Passage:
    """Consecutive paragraphs read as one text: a paragraph that does not end a sentence is
    continued by the body paragraph after it (the parser sometimes breaks ``国`` / ``办发〔…〕``)."""

    text: str
    pieces: list[tuple[int, Paragraph]] = field(default_factory=list)  # (offset in text, paragraph)

    def locate(self, i: int) -> tuple[Paragraph, int]:
        """Paragraph holding ``text[i]`` and the index inside that paragraph's text."""
        for start, para in reversed(self.pieces):
            if i >= start:
                return para, min(i - start, max(len(para.text) - 1, 0))
        start, para = self.pieces[0]
        return para, 0


# A paragraph that starts inside a 文号 (``办发〔2019〕35号…`` after ``…落实国``) continues the one before.
_NUMBER_CONTINUES = re.compile(r"^[\u4e00-\u9fff]{0,6}[〔\[［(（]\s{0,3}(?:19|20)\d\d\s{0,3}[〕\]］)）]")


def _is_bare_heading(p: Paragraph) -> bool:
    return bool(p.level) and len(p.text) <= 40 and not any(c in p.text for c in "。；，：")


def passages(doc: Document) -> list[Passage]:
    """The body of ``doc`` as passages (tables rows stay one passage each)."""
    out: list[Passage] = []
    for p in doc.content_paragraphs():
        prev = out[-1] if out else None
        joins = (
            prev is not None
            and not p.table
            and not p.level
            and not prev.pieces[-1][1].table
            and prev.text
            and prev.text[-1] not in SENTENCE_END + "：:"
            and (not _is_bare_heading(prev.pieces[-1][1]) or bool(_NUMBER_CONTINUES.match(p.text)))
        )
        if joins:
            prev.pieces.append((len(prev.text), p))
            prev.text += p.text
        else:
            out.append(Passage(p.text, [(0, p)]))
    return out


class SpanMap:
    """Maps indices of a paragraph's cleaned text to offsets in the original source.

    The cleaned text differs from the source by dropped whitespace and line breaks, removed
    residue (page numbers, running heads) and single-character fixes (OCR 孟 → 盂, ASCII →
    full-width punctuation); a greedy alignment absorbs all three."""

    _WS = re.compile(r"\s+")

    def __init__(self, source: str):
        self.source = source
        self._cache: dict[int, object] = {}

    def _mapper(self, p: Paragraph):
        key = id(p)
        if key in self._cache:
            return self._cache[key]
        base, src, text = p.span.start, self.source[p.span.start: p.span.end], p.text
        runs = [(m.start(), m.end()) for m in self._WS.finditer(src)]
        if len(src) - sum(b - a for a, b in runs) == len(text):
            # only whitespace dropped and characters replaced one for one: the common case
            mapper = ("runs", base, runs)
        else:
            mapper = ("list", self._align(base, src, text))
        self._cache[key] = mapper
        return mapper

    @staticmethod
    def _align(base: int, src: str, text: str) -> list[int]:
        def place(i: int, k: int) -> int:
            ch = text[i]
            while k < len(src) and src[k] != ch and src[k].isspace():
                k += 1
            if k < len(src) and src[k] != ch:
                # a substituted character (the text after it agrees) or a removed stretch
                # (page residue: the text resumes a little further on)
                after = text[i + 1: i + 3]
                if not after or src[k + 1: k + 1 + len(after)] != after:
                    found = src.find(text[i: i + 6], k, k + 400)
                    if found != -1:
                        k = found
            return k

        out: list[int] = []
        last = max(len(src) - 1, 0)
        for _, k, size in stretches(text, 0, len(text), src, 0, len(src), place):
            if size == 1:
                out.append(base + min(k, last))  # a placed character may fall past the end
            else:
                out.extend(range(base + k, base + k + size))
        return out

    def _offset(self, p: Paragraph, i: int) -> int:
        kind, *rest = self._mapper(p)
        if kind == "list":
            offsets = rest[0]
            return offsets[max(0, min(i, len(offsets) - 1))]
        base, runs = rest
        pos = i
        for a, b in runs:
            if a <= pos:
                pos += b - a
            else:
                break
        return base + pos

    def span(self, p: Paragraph, i: int, j: int) -> Span:
        """Original span of ``p.text[i:j]``."""
        if not p.text:
            return p.span
        i = max(0, min(i, len(p.text) - 1))
        j = max(i + 1, min(j, len(p.text)))
        return Span(self._offset(p, i), self._offset(p, j - 1) + 1)

    def passage_span(self, passage: Passage, i: int, j: int) -> Span:
        """Original span of ``passage.text[i:j]`` (may cover several paragraphs)."""
        p1, a = passage.locate(i)
        p2, b = passage.locate(max(i, j - 1))
        s1, s2 = self.span(p1, a, a + 1), self.span(p2, b, b + 1)
        return Span(min(s1.start, s2.start), max(s1.end, s2.end))


# --- numbers --------------------------------------------------------------------------------

_YEAR_NUMBER = re.compile(
    r"(?P<open>[〔\[［(（【])\s{0,3}(?P<year>(?:19|20)\d\d)\s{0,3}[〕\]］)）】]\s{0,3}(?:第\s{0,3})?(?P<serial>\d{1,5})\s{0,3}号"
)
# Words that end the running text before an agency code: 落实国办发〔…〕 → 国办发.
_LEAD_WORDS = re.compile(
    r"^.*(?:落实|贯彻|根据|按照|依据|执行|参照|印发|转发|下发|出台|关于|通过|结合|对照|依照|遵照|"
    r"废止|修改|修订|撤销|决定|同意|批准|详见|参见|以及|同时|"
    r"文件|精神|要求|规定|和|及|与|或|的|以|即|见|是|为|在|对|于|将|由)"
)
# Order numbers have no year bracket: 山西省人民政府令第294号, 交通运输部令2021年第16号, 应急部10号令.
_ORDER_TAIL = re.compile(r"令\s{0,3}(?:(?:19|20)\d\d\s{0,3}年\s{0,3})?第\s{0,3}\d{1,5}\s{0,3}号|\d{1,5}\s{0,3}号令")
_STANDARD = re.compile(
    r"(?<![A-Za-z])(?P<code>GBZ|GB|DBJ|DB|HJ|NB|JGJ|CJJ|AQ|DL|JT|SL|YY|WS|QX|MZ|GA|TSG|CJ|JB|JC|LY|NY|SH|SY|YB|YS)"
    r"\s{0,3}(?P<prov>(?<=DB|BJ)\d{2})?\s{0,3}(?P<t>/\s{0,3}[TZ])?\s{0,3}(?P<num>\d{1,6}(?:\.\d{1,3})*)"
    r"(?:\s{0,3}[-—–－]\s{0,3}(?P<year>(?:19|20)\d\d))?(?![\d.])"
)


def normalize_number(text: str) -> Optional[str]:
    """The normalized form of a cited number, or None when ``text`` holds none.

    ``晋文明委（2019）10号`` → ``晋文明委〔2019〕10号``; ``国办发[2017] 第47号`` →
    ``国办发〔2017〕47号``; ``GB/T51313—2018`` → ``GB/T 51313-2018``; order numbers
    (``山西省人民政府令第294号``, ``应急部10号令``) keep their printed form without spaces."""
    s = "".join(text.split())
    m = _STANDARD.fullmatch(s)
    if m:
        return _standard_text(m)
    m = _YEAR_NUMBER.search(s)
    if m:
        agency = _agency_before(s, m.start())
        if agency and m.end() >= len(s) - 2:
            return DocNumber(agency, int(m.group("year")), int(m.group("serial"))).text
    m = _ORDER_TAIL.search(s)
    if m and m.end() == len(s) and _agency_before(s, m.start()) == s[: m.start()]:
        return s
    return None


def _standard_text(m: re.Match) -> str:
    code = m.group("code") + (m.group("prov") or "") + ("/" + m.group("t")[-1] if m.group("t") else "")
    return f"{code} {m.group('num')}" + (f"-{m.group('year')}" if m.group("year") else "")


def _agency_before(text: str, end: int) -> Optional[str]:
    """机关代字 ending at ``text[end]``: the CJK run before it, without the running text."""
    start = end
    while start > 0 and end - start < 12 and "\u4e00" <= text[start - 1] <= "\u9fff":
        start -= 1
    run = text[start:end]
    m = _LEAD_WORDS.match(run)
    if m and len(run) - m.end() >= 2:
        run = run[m.end():]
    return run if len(run) >= 2 else None


# --- kinds ----------------------------------------------------------------------------------

_TRAILER = re.compile(r"(?:[（(][^（()）]{1,20}[)）])+$")
_LAW_END = re.compile(r"(?<![办方做])法$")
_REG_END = re.compile(r"(?:规定|办法|细则|规则)$")
_OTHER_END = re.compile(r"(?:证|表|决定书|承诺书|合同|协议书|通知书|审批单|登记簿)$")
_NATIONAL = re.compile(
    r"^(?:中华人民共和国|国务院|中共中央|全国人民代表大会|全国人大|国家[\u4e00-\u9fff]{1,8}?(?:局|委员会|总局|署)|"
    r"[\u4e00-\u9fff]{1,8}部(?:令|办公厅)?(?:关于|$))"
)
_PROVINCIAL = re.compile(r"^(?:省|自治区)(?:人民政府|政府|人大|委|[\u4e00-\u9fff]{0,6}厅)")


def _issuer_level(title: str) -> Optional[str]:
    """national / province / local for a title that starts with its issuer's place, else None."""
    if _NATIONAL.match(title):
        return "national"
    if _PROVINCIAL.match(title):
        return "province"
    from ..gazetteer import by_name

    for n in range(min(8, len(title)), 1, -1):
        for region in by_name(title[:n]):
            if region.name == title[:n] or region.stem == title[:n]:
                return "province" if region.level == 1 else "local"
    return None


def is_order_number(number: Optional[str]) -> bool:
    return bool(number) and "令" in number


def is_standard_number(number: Optional[str]) -> bool:
    return bool(number) and bool(_STANDARD.fullmatch(number.replace(" ", "")))


def citation_kind(title: Optional[str], number: Optional[str]) -> str:
    """law / regulation / standard / document / other.

    A standard number makes a standard; a title ending in 法 (not 办法/方法) is a law; 条例 and
    order-numbered (令) texts are regulations, and so are 规定/办法/细则/规则 of the State
    Council, a ministry or a province that carry no ordinary 文号; certificates, forms and
    contracts in 《》 are other; everything else is a document."""
    if is_standard_number(number):
        return "standard"
    bare = _TRAILER.sub("", title or "")
    if bare and _LAW_END.search(bare):
        return "law"
    if is_order_number(number):
        return "regulation"
    if bare.endswith("条例"):
        return "regulation"
    if bare and _REG_END.search(bare) and not number and _issuer_level(bare) in ("national", "province"):
        return "regulation"
    if bare and _OTHER_END.search(bare):
        return "other"
    return "document"


# --- extraction -----------------------------------------------------------------------------

@dataclass(slots=True)
class Citation:
    title: Optional[str]
    number: Optional[str]
    start: int  # in the passage text
    end: int


def _closing(text: str, i: int, pairs: dict[str, str]) -> int:
    """Index just past the bracket that closes the one opening at ``text[i]`` (-1 if none)."""
    depth = 0
    for k in range(i, len(text)):
        ch = text[k]
        if ch in pairs:
            depth += 1
        elif ch in pairs.values():
            depth -= 1
            if depth == 0:
                return k + 1
    return -1


_BOOK = {"《": "》"}
_PAREN = {"（": "）", "(": ")"}
_LINK = re.compile(r"(?:的(?:通知|决定|意见|批复))?(?:文件)?(?:精神|要求)?(?=[（(])")
_TRIAL = re.compile(r"^(?:试行|暂行|修订|修正|草案)$")
_ALIAS_BEFORE = re.compile(r"简称\s{0,3}$")


def find_citations(text: str) -> list[Citation]:
    """Every citation in one passage of text, in order."""
    found: list[Citation] = []
    taken: list[tuple[int, int]] = []
    i = 0
    while True:
        i = text.find("《", i)
        if i == -1:
            break
        j = _closing(text, i, _BOOK)
        if j == -1:
            break
        title = text[i + 1: j - 1].strip()
        end, number = j, None
        # (试行) printed after 》 belongs to the title; a number in parentheses is paired
        for _ in range(2):
            k = end
            while k < len(text) and text[k] in " \u3000":
                k += 1
            # 印发《…》的通知（晋政发〔2019〕26号）: the number of the carrying notice
            link = _LINK.match(text, k)
            if link and number is None:
                k = link.end()
            if k >= len(text) or text[k] not in _PAREN:
                break
            close = _closing(text, k, {"（": "）", "(": ")"})
            if close == -1:
                break
            inner = text[k + 1: close - 1].strip()
            if _TRIAL.match(inner):
                title += f"（{inner}）"
                end = close
                continue
            num = normalize_number(inner)
            if num and number is None:
                number, end = num, close
            break
        if _ALIAS_BEFORE.search(text[max(0, i - 4): i]):
            i = j  # an alias (以下简称《任务分解表》) names nothing new
            continue
        if title:
            found.append(Citation(title, number, i, end))
        taken.append((i, end))
        i = j
    covered = bytearray(len(text) + 1)  # characters inside a title or a number already read
    for a, b in taken:
        covered[a:b] = b"\x01" * (b - a)
    for c in sorted(_bare_numbers(text), key=lambda c: c.start):
        if not covered[c.start]:
            found.append(c)
            covered[c.start: c.end] = b"\x01" * (c.end - c.start)
    found.sort(key=lambda c: c.start)
    return found


_CAPITAL = re.compile("[A-Z]")


def _bare_numbers(text: str) -> Iterable[Citation]:
    # the words every match holds spare the patterns most text
    if "号" in text:
        for m in _YEAR_NUMBER.finditer(text):
            agency = _agency_before(text, m.start())
            if not agency:
                continue
            start = m.start() - len(agency)
            yield Citation(None, f"{agency}〔{m.group('year')}〕{int(m.group('serial'))}号", start, m.end())
        if "令" in text:
            for m in _ORDER_TAIL.finditer(text):
                agency = _agency_before(text, m.start())
                if agency:
                    start = m.start() - len(agency)
                    yield Citation(None, "".join(text[start: m.end()].split()), start, m.end())
    if _CAPITAL.search(text):  # a standard's code
        for m in _STANDARD.finditer(text):
            yield Citation(None, _standard_text(m), m.start(), m.end())


_ARTICLE_AFTER = re.compile(r"\s{0,2}(第[一二三四五六七八九十百零〇\d]{1,6}条)")


def _title_key(title: str) -> str:
    """Same cited text, same key: 《安全生产法》 and 《中华人民共和国安全生产法》 are one law."""
    return fold(title.removeprefix("中华人民共和国"))


def extract(result: ParseResult) -> list[LayerRecord]:
    """One record per distinct cited document per document, at its first mention."""
    spans = SpanMap(result.source.text)
    records: list[LayerRecord] = []
    for doc in result.documents:
        seen: dict[str, LayerRecord] = {}
        for passage in passages(doc):
            for c in find_citations(passage.text):
                key_title = _title_key(c.title) if c.title else None
                key_number = fold(c.number) if c.number else None
                known = (key_number and seen.get("n:" + key_number)) or (key_title and seen.get("t:" + key_title))
                article = _ARTICLE_AFTER.match(passage.text, c.end)
                if known:
                    if article and c.title and article.group(1) not in known.fields.setdefault("articles", []):
                        known.fields["articles"].append(article.group(1))
                    # a later mention may add the number the first one lacked
                    if c.number and not known.fields["cited_number"]:
                        known.fields["cited_number"] = c.number
                        known.fields["kind"] = citation_kind(known.fields["cited_title"], c.number)
                        seen["n:" + key_number] = known
                    continue
                rec = LayerRecord(
                    layer=LAYER,
                    doc_seq=doc.seq,
                    span=spans.passage_span(passage, c.start, c.end),
                    fields={
                        "cited_title": c.title,
                        "cited_number": c.number,
                        "kind": citation_kind(c.title, c.number),
                        "resolved_doc_id": None,
                        "score": None,
                    },
                    confidence=0.95 if c.title else 0.85,
                )
                if article and c.title:
                    rec.fields["articles"] = [article.group(1)]  # 《…办法》第十二条: the articles cited
                records.append(rec)
                if key_title:
                    seen["t:" + key_title] = rec
                if key_number:
                    seen["n:" + key_number] = rec
    return records


# --- resolution -----------------------------------------------------------------------------

TITLE_THRESHOLD = 0.85
_ABOUT = re.compile(r"关于")


def _title_forms(title: str) -> list[str]:
    """A stored title and its form without the issuer (citations often drop it)."""
    forms = [title]
    m = _ABOUT.search(title)
    if m and m.start() > 0:
        forms.append(title[m.start():])
    return forms


def resolve_citations(records: list, candidates: list[dict]) -> list:
    """Resolve citation records against stored documents; returns the records, updated.

    ``records`` are :class:`LayerRecord` objects or their exported dicts (fields at the top
    level or under ``fields``); ``candidates`` are stored documents as dicts with ``id``,
    ``title`` and ``doc_number``. An exact 文号 match scores 1.0; otherwise the most similar
    title counts when its similarity is at least 0.85 (score = that similarity); otherwise
    the citation stays unresolved (``resolved_doc_id`` null, score 0.0) with its normalized
    number and title."""
    by_number: dict[str, dict] = {}
    by_title: dict[str, dict] = {}  # exact titles first: most citations of stored documents are
    for cand in candidates:
        num = cand.get("doc_number")
        norm = normalize_number(num) if num else None
        if norm:
            by_number.setdefault(fold(norm), cand)
        for form in _title_forms(cand.get("title") or ""):
            by_title.setdefault(fold(form), cand)
    for rec in records:
        f = _fields(rec)
        if f.get("kind") is None and "cited_title" not in f:
            continue
        number, title = f.get("cited_number"), f.get("cited_title")
        hit, score = None, 0.0
        if number and fold(number) in by_number:
            hit, score = by_number[fold(number)], 1.0
        elif title and fold(title) in by_title:
            hit, score = by_title[fold(title)], 1.0
        elif title:
            for cand in candidates:
                for form in _title_forms(cand.get("title") or ""):
                    s = similarity(title, form, cutoff=TITLE_THRESHOLD)
                    if s > score:
                        hit, score = cand, s
            if score < TITLE_THRESHOLD:
                hit, score = None, 0.0
        f["resolved_doc_id"] = hit["id"] if hit else None
        f["score"] = round(score, 3)
    return records


def _fields(rec) -> dict:
    if isinstance(rec, LayerRecord):
        return rec.fields
    return rec["fields"] if isinstance(rec, dict) and isinstance(rec.get("fields"), dict) else rec


def cited_by(records: Iterable, doc_id: str) -> list:
    """The citation records that resolve to ``doc_id`` (who cites this document)."""
    return [r for r in records if _fields(r).get("resolved_doc_id") == doc_id]

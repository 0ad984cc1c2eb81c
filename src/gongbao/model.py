"""The dataclasses every pipeline stage reads and writes, and the vocabulary every layer shares:
a 文号 read in any spelling (``DocNumber.parse``, ``DocNumber.fold``) and the ids of a stored
source and document (``gazette_id``, ``document_id``).

Stages are pure functions: ``normalize(SourceText) -> NormalizedText``,
``segment(NormalizedText) -> Segmentation``, ``elements(Segmentation) -> ParseResult``.
All offsets are character offsets into ``SourceText.text`` (the decoded original),
half-open ``[start, end)``, so any field can be traced back to what was printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .text import halfwidth_alnum

PARSER_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def to_list(self) -> list[int]:
        return [self.start, self.end]


@dataclass(slots=True)
class SourceText:
    """A decoded input file."""

    name: str  # file name as ingested
    text: str  # decoded original text, never modified
    sha256: str  # of the raw bytes: the identity of an issue
    encoding: str
    size_bytes: int


@dataclass(slots=True)
class Repair:
    """One visible change made to the source text (never silent)."""

    start: int  # offsets in the original text
    end: int
    before: str
    after: str
    rule: str  # e.g. "markup.heading", "ocr.region", "page_header", "join.line"


@dataclass(slots=True)
class Line:
    """One source line after cleaning. ``text`` is what later stages read;
    ``offsets[i]`` is the original offset of ``text[i]`` (``len(offsets) == len(text)``)."""

    index: int  # 0-based line number in the source
    start: int  # original offset of the raw line
    end: int  # original offset just past the raw line (excluding the newline)
    text: str
    offsets: list[int]
    kind: str = "text"  # text | blank | page_header | page_number | table | columns (space gaps)

    @property
    def blank(self) -> bool:
        return not self.text

    def span(self, i: int = 0, j: Optional[int] = None) -> Span:
        """Original span of ``text[i:j]``."""
        if not self.text:
            return Span(self.start, self.end)
        j = len(self.text) if j is None else j
        i = max(0, min(i, len(self.text) - 1))
        j = max(i + 1, min(j, len(self.text)))
        return Span(self.offsets[i], self.offsets[j - 1] + 1)


@dataclass(slots=True)
class RegionGuess:
    name: str  # e.g. 盂县
    code: str  # GB/T 2260, e.g. 140322
    province: str
    city: Optional[str]
    short: str  # one-character abbreviation used in agency codes, e.g. 盂
    evidence: list[str] = field(default_factory=list)
    confidence: float = 0.0
    misprints: dict[str, str] = field(default_factory=dict)  # OCR form -> correct form


@dataclass(slots=True)
class NormalizedText:
    source: SourceText
    lines: list[Line]
    repairs: list[Repair]
    region: Optional[RegionGuess]
    region_doubt: Optional[str] = None  # why no region was guessed although the cover names one


# The brackets around a 文号's year: 〔〕 as GB/T 9704 prints it, and what typists and OCR put instead.
NUMBER_OPEN = r"[〔\[［(（【｛{]"
NUMBER_CLOSE = r"[〕\]］)）】｝}]"
# 机关代字〔年份〕序号号, as printed (教提案〔2020〕第215号 keeps its 第)
DOC_NUMBER = re.compile(
    rf"(?P<agency>[\u4e00-\u9fff]{{1,14}}?)\s*{NUMBER_OPEN}\s*(?P<year>(?:19|20)\d\d)\s*{NUMBER_CLOSE}\s*(?:(?P<di>第)\s*)?(?P<serial>\d{{1,5}})\s*号"
)
# 国家税务总局公告2021年第8号, 交通运输部令2021年第5号: numbered by year without brackets
YEAR_SERIAL_NUMBER = re.compile(r"(?P<agency>[\u4e00-\u9fff]{2,30}?(?:公告|令))\s*(?P<year>(?:19|20)\d\d)\s*年\s*第\s*(?P<serial>\d{1,5})\s*号")
# A 令's number in any spelling: 国令第707号, 国务院令 第707号, 浙江省人民政府令（第388号）, 省政府令第389号
ORDER_NUMBER_TEXT = re.compile(r"(?P<order>[\u4e00-\u9fff]{1,30}?令)\s*[（(]?\s*第\s*(?P<serial>\d{1,5})\s*号\s*[)）]?")
# As people type it: brackets, 第 and 号 may be missing (盂政发 2023 48)
_TYPED_NUMBER = re.compile(
    rf"(?P<agency>[\u4e00-\u9fff]{{1,14}}?)\s*{NUMBER_OPEN}?\s*(?P<year>(?:19|20)\d\d)\s*{NUMBER_CLOSE}?"
    r"\s*(?:第\s*)?(?P<serial>\d{1,5})\s*号?"
)
_YEAR_IN_BRACKETS = re.compile(r"[\[［(（【〔﹝]\s*(\d{4})\s*[\]］)）】〕﹞]")


@dataclass(slots=True)
class DocNumber:
    """发文字号: 机关代字〔年份〕序号号, or the number of a 令 (``国令第707号``,
    ``浙江省人民政府令第388号``): the order's name as agency code, no year."""

    agency_code: str
    year: Optional[int]
    serial: int
    # the form as printed: "" 〔Y〕N号; "第" 〔Y〕第N号 (教提案〔2020〕第215号); "年第" Y年第N号
    # (国家税务总局公告2021年第8号, 交通运输部令2021年第5号)
    extra: str = ""

    @property
    def text(self) -> str:
        if self.year is None:
            return f"{self.agency_code}第{self.serial}号"
        if self.extra == "年第":
            return f"{self.agency_code}{self.year}年第{self.serial}号"
        return f"{self.agency_code}〔{self.year}〕{self.extra}{self.serial}号"

    @classmethod
    def parse(cls, text: str, *, loose: bool = False) -> Optional["DocNumber"]:
        """The 文号 in ``text``, or None.

        As printed (the default): the first 文号 anywhere in ``text`` — 盂政发〔2023〕48号 with
        any of the brackets of ``NUMBER_OPEN``, spaces inside, 第 kept as printed — else a number
        by year (国家税务总局公告2021年第8号).

        ``loose``, as people type it: ``text`` is a 文号 and nothing else, its digits may be full
        width, its brackets, 第 and 号 missing (``盂政发 2023 48``), 第 is not kept; a 令's number
        too, under the name it is cited by (``国务院令第707号`` → 国令第707号)."""
        if loose:
            return cls._typed("".join(map(halfwidth_alnum, text)).strip())
        return cls.from_match(DOC_NUMBER.search(text) or YEAR_SERIAL_NUMBER.search(text))

    @classmethod
    def from_match(cls, match: Optional[re.Match]) -> Optional["DocNumber"]:
        """The number a match of ``DOC_NUMBER`` (or a pattern built on it) or of
        ``YEAR_SERIAL_NUMBER`` found; None for no match."""
        if match is None:
            return None
        extra = (match["di"] or "") if "di" in match.re.groupindex else "年第"
        return cls(match["agency"], int(match["year"]), int(match["serial"]), extra)

    @classmethod
    def of_order(cls, order_name: str, serial: int, year: Optional[int] = None, year_form: str = "第") -> Optional["DocNumber"]:
        """A 令's number under the name it is cited by (``_order_agency``); a year as printed:
        ``〔2005〕第5号`` → form 第, ``2021年第5号`` → form 年第. None for serial 0."""
        if not serial:
            return None
        return cls(_order_agency(order_name), year, serial, year_form if year else "")

    @classmethod
    def _typed(cls, typed: str) -> Optional["DocNumber"]:
        match = _TYPED_NUMBER.fullmatch(typed)
        if match:
            return cls(match["agency"], int(match["year"]), int(match["serial"]))
        by_year = cls.from_match(YEAR_SERIAL_NUMBER.fullmatch(re.sub(r"\s", "", typed)))
        if by_year:
            return by_year
        match = ORDER_NUMBER_TEXT.fullmatch(typed.replace("(", "（").replace(")", "）"))
        return cls.of_order(match["order"], int(match["serial"])) if match else None

    @staticmethod
    def fold(text: str) -> str:
        """A 文号 as stored and compared: no spaces, its year in 〔〕 whatever the brackets
        typed (``盂政发 [2023] 48号`` → 盂政发〔2023〕48号)."""
        return _YEAR_IN_BRACKETS.sub(r"〔\1〕", re.sub(r"\s+", "", text))


def _order_agency(order_name: str) -> str:
    """The agency code of a 令's number, as it is cited: 中华人民共和国国务院令 → 国令,
    浙江省政府令 → 浙江省人民政府令, 中华人民共和国财政部令 → 财政部令."""
    name = order_name.removeprefix("中华人民共和国")
    if name == "国务院令":
        return "国令"
    return re.sub(r"(?<!人民)政府令$", "人民政府令", name)


@dataclass(slots=True)
class GazetteMeta:
    title: Optional[str] = None
    region: Optional[str] = None
    region_code: Optional[str] = None
    year: Optional[int] = None
    issue: Optional[int] = None
    total_issue: Optional[int] = None
    published: Optional[str] = None  # ISO date
    frequency: Optional[str] = None
    sponsor: Optional[str] = None  # 主管主办
    spans: dict[str, Span] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    # ``issue`` (a gazette issue, or an excerpt of one) or ``document`` (one official document
    # published on its own: a policy-library page, a 令, a reply to a proposal)
    kind: str = "issue"
    document_number: Optional[str] = None  # the 文号 of a single document: part of its id
    evidence: list[str] = field(default_factory=list)  # how region/year/期 were read when no cover says


@dataclass(slots=True)
class TocEntry:
    section: Optional[str]
    title: str
    doc_number: Optional[DocNumber]
    page: Optional[int]
    span: Span
    matched_seq: Optional[int] = None
    match_score: float = 0.0


@dataclass(slots=True)
class Block:
    """A run of lines that segmentation assigned to one role."""

    first_line: int
    last_line: int  # inclusive


@dataclass(slots=True)
class DocumentSpan:
    """Where one document lies in the issue, as found by segmentation."""

    header_lines: list[int]  # lines of issuer + title
    number_line: Optional[int]  # line of 文号
    first_line: int  # first line of the document (title)
    last_line: int  # last line (inclusive)
    section: Optional[str]
    parent: Optional[int] = None  # index of carrying document in the list
    expected_title: Optional[str] = None  # from the carrying notice or the TOC
    embedded: bool = False
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Segmentation:
    normalized: NormalizedText
    gazette: GazetteMeta
    toc: list[TocEntry]
    toc_lines: tuple[int, int]  # [first, last) line range of the cover + TOC
    documents: list[DocumentSpan]
    unplaced_lines: list[Block]
    warnings: list["Warning"]
    section_lines: list[int] = field(default_factory=list)  # body section headings, outside documents


@dataclass(slots=True)
class Attachment:
    number: Optional[int]
    title: str
    omitted: bool  # printed with （略）
    span: Span


@dataclass(slots=True)
class Paragraph:
    text: str
    span: Span
    level: int = 0  # 0 body text; 1 一、 2 （一） 3 1. 4 （1）
    marker: Optional[str] = None
    table: bool = False  # a row of a table (its cells tab-separated in ``text``)


@dataclass(slots=True)
class Table:
    """A table rebuilt from flattened text: header + rows of cells, as printed."""

    caption: Optional[str]  # ``表1 …`` line above it
    unit: Optional[str]  # ``单位：公顷`` → 公顷
    header: list[str]  # cells of the header (two levels folded as ``上级/下级``)
    rows: list[list[str]]  # short rows padded with "" at the end, never realigned
    span: Span
    confidence: float = 0.9


@dataclass(slots=True)
class AttachmentBody:
    """One 附件 printed with its document: its heading, whole text and tables."""

    number: Optional[int]
    title: str
    omitted: bool  # printed only as a title with （略）, or a heading with no text
    paragraphs: list[Paragraph]
    tables: list[Table]
    span: Span

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


@dataclass(slots=True)
class Article:
    """第X条 of a 规章/条例/办法/规定/细则, with the 章/节 it sits in."""

    chapter: Optional[str]  # 第一章总则
    section: Optional[str]  # 第一节…
    article: str  # 第十二条
    number: int
    text: str
    span: Span


@dataclass(slots=True)
class Document:
    seq: int
    parent_seq: Optional[int]
    section: Optional[str]
    issuer: Optional[str]
    doc_number: Optional[DocNumber]
    title: str
    doc_type: Optional[str]
    recipients: Optional[str]
    signed_by: Optional[str]
    date: Optional[str]
    disclosure: Optional[str]
    attachments: list[Attachment]
    paragraphs: list[Paragraph]
    span: Span  # the whole document
    body_span: Optional[Span]
    body_start: str  # first 15 chars of the body as printed (boundary check)
    body_end: str
    spans: dict[str, Span] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    attachment_bodies: list[AttachmentBody] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)  # tables of the body
    articles: list[Article] = field(default_factory=list)
    # from a policy-library page's metadata table (pagemeta): 索引号, 主题分类, 发布日期, and
    # every pair as the page printed it (also where the page disagrees with the text)
    # a regulation promulgated by a 令: its 公布 and 施行 dates (ISO)
    promulgated: Optional[str] = None
    effective: Optional[str] = None
    index_no: Optional[str] = None
    subject: Optional[str] = None
    published: Optional[str] = None  # ISO
    page: dict[str, str] = field(default_factory=dict)
    metadata_disagrees: Optional[list[str]] = None  # keys where the page's table and the text differ

    @property
    def body(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    def content_paragraphs(self) -> list[Paragraph]:
        """The body's paragraphs, then those of each attachment printed with the document:
        what extractors read (a 名单 or a 任务分解表 is often an attachment)."""
        return self.paragraphs + [p for att in self.attachment_bodies for p in att.paragraphs]

    @property
    def overall_confidence(self) -> float:
        return min(self.confidence.values()) if self.confidence else 0.0


@dataclass(slots=True)
class Unplaced:
    span: Span
    text: str
    reason: str


@dataclass(slots=True)
class Warning:
    code: str  # e.g. toc.missing_in_body, body.missing_in_toc, toc.title_mismatch
    message: str
    span: Optional[Span] = None
    seq: Optional[int] = None


@dataclass(slots=True)
class LayerRecord:
    """One fact read out of a document by an ``extract/*`` stage (shared/corpus/SCHEMA.md, layers).

    ``fields`` holds the layer's keys exactly as SCHEMA.md names them (personnel: person, action,
    position, organisation, post, conditions, date; tasks: task_no, text, lead_units, …).
    ``span`` is the source text the fact was read from (its provenance)."""

    layer: str  # personnel | duties | tasks | hazards | citations | validity | groups
    doc_seq: int
    span: Span
    fields: dict
    confidence: float = 0.9


@dataclass(slots=True)
class ParseResult:
    source: SourceText
    gazette: GazetteMeta
    toc: list[TocEntry]
    documents: list[Document]
    repairs: list[Repair]
    unplaced: list[Unplaced]
    warnings: list[Warning]
    region: Optional[RegionGuess]
    parser_version: str = PARSER_VERSION
    layers: list[LayerRecord] = field(default_factory=list)  # filled by the extract/* stages
    front: Optional[Span] = None  # the cover and the TOC, before the first document
    headings: list[Span] = field(default_factory=list)  # section headings between documents (【人事任免】)


# -- ids: one scheme for every layer that names a stored source or document -------------------

def gazette_id(result: ParseResult) -> str:
    """Stable, readable id of a parsed source: ``{region_code}/{year}/{issue}`` for an issue,
    ``{region_code}/{year}/{文号}`` for a single document (``100000/2018/国令第707号``) —
    a 文号 is never a plain number, so the two never collide — else ``sha256[:12]``."""
    meta = result.gazette
    if meta.kind == "document" and meta.region_code and meta.year and meta.document_number:
        return f"{meta.region_code}/{meta.year}/{meta.document_number}"
    if meta.kind == "issue" and meta.region_code and meta.year and meta.issue:
        return f"{meta.region_code}/{meta.year}/{meta.issue}"
    return result.source.sha256[:12]


def document_id(gazette: str, seq: int) -> str:
    """Stable id of a document: ``"{gazette_id}/{seq}"``."""
    return f"{gazette}/{seq}"


def split_document_id(document: str) -> tuple[str, int]:
    """``"140322/2023/3/12"`` → ``("140322/2023/3", 12)``: the inverse of ``document_id``."""
    gazette, _, seq = document.rpartition("/")
    return gazette, int(seq) if seq.isdigit() else 0

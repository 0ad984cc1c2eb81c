"""The dataclasses every pipeline stage reads and writes.

Stages are pure functions: ``normalize(SourceText) -> NormalizedText``,
``segment(NormalizedText) -> Segmentation``, ``elements(Segmentation) -> ParseResult``.
All offsets are character offsets into ``SourceText.text`` (the decoded original),
half-open ``[start, end)``, so any field can be traced back to what was printed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

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


def source_id(meta: GazetteMeta, sha256: str) -> str:
    """Stable, readable id of a stored source: ``{region_code}/{year}/{issue}`` for an issue,
    ``{region_code}/{year}/{文号}`` for a single document (``100000/2018/国令第707号``) —
    a 文号 is never a plain number, so the two never collide — else ``sha256[:12]``."""
    if meta.kind == "document" and meta.region_code and meta.year and meta.document_number:
        return f"{meta.region_code}/{meta.year}/{meta.document_number}"
    if meta.kind == "issue" and meta.region_code and meta.year and meta.issue:
        return f"{meta.region_code}/{meta.year}/{meta.issue}"
    return sha256[:12]


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

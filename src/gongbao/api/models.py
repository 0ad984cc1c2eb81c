"""Response models of the JSON API: they document /openapi.json and check what goes out.

Records carry more keys than listed here as the parser learns more (``extra``
is allowed), so adding a field to the export never breaks the API.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(BaseModel):
    error: str = Field(description="Greppable error code, e.g. not_found, bad_parameter, query_error.")
    message: str = Field(description="What went wrong, for people.")


class GazetteRef(Open):
    """The issue a document was printed in (SCHEMA.md `gazette`)."""

    source: Optional[str] = None
    title: Optional[str] = None
    region: Optional[str] = None
    region_code: Optional[str] = None
    year: Optional[int] = None
    issue: Optional[int] = None
    total_issue: Optional[int] = None
    published: Optional[str] = None
    frequency: Optional[str] = None


class Paragraph(Open):
    text: str
    span: list[int] = Field(description="[start, end) character offsets in the source text.")
    level: int = Field(0, description="0 body text; outline heading levels 1 一、 2 （一） 3 1. 4 （1）.")
    table: Optional[bool] = None


class TableRecord(Open):
    """A table rebuilt from the printed text (SCHEMA.md ``tables``)."""

    caption: Optional[str] = Field(None, description="Caption line above the table (表1 …).")
    unit: Optional[str] = Field(None, description="Unit printed with the table (单位：公顷 → 公顷).")
    header: list[str] = Field(description="Header cells; a two-level header as 上级/下级.")
    rows: list[list[str]] = Field(description="Rows of cells as printed; short rows padded with empty cells at the end.")
    span: list[int]


class AttachmentRecord(Open):
    """One 附件 printed with the document (SCHEMA.md ``attachment_bodies``)."""

    number: Optional[int] = None
    title: str
    omitted: bool = Field(description="Printed only as a title with （略）, or a heading with no text.")
    text: str = Field(description="Its whole text in reading order (table rows tab-separated).")
    tables: list[TableRecord] = []
    span: list[int]
    paragraphs: list[Paragraph] = []


class ArticleRecord(Open):
    """第X条 of a 规章/条例/办法 (SCHEMA.md ``articles``)."""

    chapter: Optional[str] = None
    section: Optional[str] = None
    article: str = Field(examples=["第十二条"])
    number: int
    text: str
    span: list[int]


class DocumentRecord(Open):
    """A document in SCHEMA.md form, plus id, provenance spans, confidence and paragraphs."""

    id: str = Field(description="Stable id: {gazette id}/{seq}.", examples=["140322/2023/3/1"])
    seq: int
    parent_seq: Optional[int] = Field(None, description="seq of the notice carrying this document.")
    section: Optional[str] = None
    issuer: Optional[str] = Field(None, description="发文机关")
    doc_number: Optional[str] = Field(None, description="发文字号, normalized", examples=["盂政发〔2023〕48号"])
    agency_code: Optional[str] = None
    year: Optional[int] = None
    serial: Optional[int] = None
    title: str
    doc_type: Optional[str] = Field(None, description="文种")
    recipients: Optional[str] = Field(None, description="主送机关")
    signed_by: Optional[str] = Field(None, description="署名")
    date: Optional[str] = Field(None, description="成文日期, ISO")
    disclosure: Optional[str] = Field(None, description="公开属性")
    attachments: list[str] = []
    body_start: Optional[str] = None
    body_end: Optional[str] = None
    gazette: Optional[GazetteRef] = None
    span: Optional[list[int]] = None
    spans: dict[str, list[int]] = {}
    confidence: dict[str, float] = {}
    paragraphs: list[Paragraph] = []
    attachment_bodies: list[AttachmentRecord] = Field([], description="Whole text and tables of each 附件.")
    tables: list[TableRecord] = Field([], description="Tables of the body; /api/documents/{id}/tables/{n}.csv has each as CSV.")
    articles: list[ArticleRecord] = []
    promulgated: Optional[str] = Field(None, description="公布 date of a regulation carried by a 令, ISO")
    effective: Optional[str] = Field(None, description="施行 date of a regulation carried by a 令, ISO")
    index_no: Optional[str] = Field(None, description="索引号 of a policy-library page")
    subject: Optional[str] = Field(None, description="主题分类 of a policy-library page")
    published: Optional[str] = Field(None, description="发布日期 of a policy-library page, ISO")
    page: dict[str, str] = Field({}, description="The page's metadata table as printed (label → value), kept beside what the text says")
    metadata_disagrees: Optional[list[str]] = Field(None, description="Keys where the page's table and the text disagree (the text's value is kept)")


class DocumentSummary(Open):
    id: str
    seq: int
    parent_seq: Optional[int] = None
    section: Optional[str] = None
    issuer: Optional[str] = None
    doc_number: Optional[str] = None
    title: str
    doc_type: Optional[str] = None
    date: Optional[str] = None


class GazetteSummary(Open):
    id: str = Field(description="Stable id: {region_code}/{year}/{issue}, else a content hash.",
                    examples=["140322/2023/3"])
    title: Optional[str] = None
    region: Optional[str] = None
    region_code: Optional[str] = None
    year: Optional[int] = None
    issue: Optional[int] = None
    total_issue: Optional[int] = None
    published: Optional[str] = None
    frequency: Optional[str] = None
    sponsor: Optional[str] = None
    document_count: Optional[int] = None
    source_name: Optional[str] = None
    sha256: Optional[str] = None
    parser_version: Optional[str] = None
    ingested_at: Optional[str] = None


class Warning(Open):
    code: str
    label: str = Field(description="The code in words (Chinese).")
    message: str
    start_offset: Optional[int] = None
    end_offset: Optional[int] = None
    seq: Optional[int] = None
    diff: Optional[dict[str, list[tuple[str, bool]]]] = Field(
        None, description="A TOC title or 文号 that differs from the body's: {toc, body}, each the text as "
                          "[piece, differs] pairs marking the characters the other lacks.")


class TocEntry(Open):
    section: Optional[str] = None
    title: str
    doc_number: Optional[str] = None
    page: Optional[int] = None
    start_offset: int
    end_offset: int
    matched_seq: Optional[int] = None
    match_score: float
    document_id: Optional[str] = Field(None, description="The document this entry found in the body, if any.")
    problems: list[Warning] = Field([], description="TOC↔body disagreements for this entry.")


class GazetteDocument(DocumentSummary):
    in_toc: bool
    warnings: list[Warning] = []


class GazetteDetail(GazetteSummary):
    meta: dict[str, Any] = {}
    region_guess: Optional[dict[str, Any]] = None
    toc: list[TocEntry]
    documents: list[GazetteDocument]
    not_in_toc: list[GazetteDocument] = Field(description="Top-level documents the TOC does not list.")
    warnings: list[Warning]
    unplaced: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    repair_count: int


class RegionCount(BaseModel):
    region_code: Optional[str]
    region: Optional[str]
    gazettes: int
    documents: int
    latest: GazetteSummary


class IssuerCount(BaseModel):
    issuer: str
    documents: int


class FacetValue(BaseModel):
    value: Union[str, int, None]
    count: int


class Hit(Open):
    id: str
    title: str
    title_html: str = Field(description="Title, HTML-escaped, query terms in <mark>.")
    doc_number: Optional[str] = None
    issuer: Optional[str] = None
    date: Optional[str] = None
    doc_type: Optional[str] = None
    section: Optional[str] = None
    gazette_id: str
    gazette_title: Optional[str] = None
    published: Optional[str] = None
    parent_id: Optional[str] = Field(None, description="Id of the 印发 notice carrying this document, if any.")
    issuer_inherited: bool = Field(False, description="issuer is the carrying notice's (the record's own is null).")
    date_inherited: bool = Field(False, description="date is the carrying notice's (the record's own is null).")
    exact_phrase: bool = Field(True, description="False when the document holds every word of `phrases` but not "
                                                 "the phrases themselves; such hits come after all the others.")
    score: Optional[float] = None
    excerpts: list[str] = Field([], description="HTML-escaped excerpts, query terms in <mark>.")
    url: str = Field(description="Path of the document's page.")


class SearchResponse(BaseModel):
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = Field(
        description="Value counts of every filter over the whole result: region, issuer, agency_code, "
                    "doc_type, year, gazette, section, level.")
    facets_estimated: bool = Field(False, description="True when facet counts were estimated from a sample.")
    total_estimated: bool = Field(
        False, description="True when total is an estimate (PostgreSQL stores): over 20,000 matches counted on a "
                           "pseudo-random sample (three significant digits), or a phrase of 3+ characters found in over "
                           "1,000 documents counted by candidates not each checked. Every hit is checked.")
    doc_number_match: Optional[str] = Field(
        None, description="When q is a 文号 (in any spelling): id of the document it names.")
    doc_number_read_as: Optional[str] = Field(
        None, description="The stored 文号 a 文号 query was read as, when not what was typed "
                          "(孟政发(2023)48号 → 盂政发〔2023〕48号).")
    phrases: list[str] = Field(
        [], description="Terms typed in one piece that the tokenizer cut into words (安全生产 → 安全, 生产): "
                        "matched as phrases first.")
    phrase_total: Optional[int] = Field(
        None, description="How many of total hold `phrases` as typed (listed first); the others hold all the "
                          "words only. None when `phrases` is empty.")
    ignored_terms: list[str] = Field(
        default_factory=list, description="Terms of q that were not searched: a word typed twice counts once, and "
                                          "only the first 16 distinct terms are searched.")
    query: dict[str, Any] = Field(description="The query as understood, every field.")

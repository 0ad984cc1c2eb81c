"""What a search takes and returns: the shapes the CLI, the HTTP API and the web share."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

SORTS = ("relevance", "newest", "oldest")
LEVELS = ("top", "carried")
MAX_PER_PAGE = 100


@dataclass
class SearchQuery:
    q: str = ""  # words (AND), "exact phrase", -exclude, A OR B
    region: Optional[str] = None  # region name (盂县) or GB/T 2260 code (140322)
    issuer: Optional[str] = None  # 发文机关: exact, else contained
    agency_code: Optional[str] = None  # 机关代字, e.g. 盂政办发
    doc_type: Optional[str] = None  # 文种: 通知/批复/方案…
    year: Optional[int] = None  # year of 成文日期 (fallback: 文号 year)
    date_from: Optional[str] = None  # 成文日期 range, ISO (YYYY, YYYY-MM or YYYY-MM-DD)
    date_to: Optional[str] = None
    published_from: Optional[str] = None  # gazette publication date range
    published_to: Optional[str] = None
    gazette: Optional[str] = None  # gazette id "140322/2023/3"
    section: Optional[str] = None
    level: Optional[str] = None  # "top" | "carried"
    in_force_on: Optional[str] = None  # ISO date: only documents whose validity says 现行有效 that day
    sort: str = "relevance"  # relevance | newest | oldest
    page: int = 1
    per_page: int = 20  # max 100
    excerpt_size: int = 120  # characters per excerpt
    number_of_excerpts: int = 3


@dataclass
class SearchHit:
    id: str
    title: str
    doc_number: Optional[str]
    issuer: Optional[str]
    date: Optional[str]
    doc_type: Optional[str]
    section: Optional[str]
    gazette_id: str
    gazette_title: Optional[str]
    published: Optional[str]
    parent_id: Optional[str]
    score: float
    excerpts: list[str]  # HTML-safe: text escaped, matches wrapped in <mark>…</mark>
    title_html: str  # escaped title with <mark>
    # issuer / date are the carrying notice's: a carried document (parent_id set) has none
    # of its own, and its record keeps them null (SCHEMA.md)
    issuer_inherited: bool = False
    date_inherited: bool = False
    # False when the hit holds every word of a term typed in one piece, but not the term
    # itself (安全 … 生产 for 安全生产): such hits come after all those that hold it
    exact_phrase: bool = True


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    query: SearchQuery
    # keys: region, issuer, agency_code, doc_type, year, gazette, section, level
    facets: dict[str, list[tuple[str, int]]]
    doc_number_match: Optional[str]  # document id when q is a 文号 in any spelling
    # True when some facet counts were estimated from a sample (very large result sets)
    facets_estimated: bool = field(default=False)
    # True when ``total`` is an estimate (PostgreSQL): counted on a sample (over 20,000
    # matches) or by candidates not each checked (phrases); every hit is checked
    total_estimated: bool = field(default=False)
    # Terms typed in one piece that the tokenizer cut into several words (安全生产 → 安全,
    # 生产): they are matched as phrases first. ``phrase_total`` of the ``total`` documents
    # hold them as typed and are listed first; the others hold all the words only.
    phrases: list[str] = field(default_factory=list)
    phrase_total: Optional[int] = None  # None when ``phrases`` is empty; estimated only if total is
    # The stored 文号 a 文号 query was read as, when it differs from what was typed
    # (孟政发(2023)48号 → 盂政发〔2023〕48号)
    doc_number_read_as: Optional[str] = None
    # Terms of ``q`` not searched: beyond gongbao.search.query.MAX_TERMS (the user is told)
    ignored_terms: list[str] = field(default_factory=list)

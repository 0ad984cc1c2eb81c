"""Stage 4 — identity: whose source this is, when no cover says so.

Two cases the cover cannot settle:

* an **issue excerpt without a cover** (a docx export that starts at the first document):
  region, year and 期 are read from the running headers every page carries
  (``2/2025 某某县人民政府公报``, ``某某县人民政府公报 2025年第2期``), then from the issuers
  and the 文号 agency codes of its documents with the region gazetteer;
* a **single official document** (a policy-library page, a 令, a reply to a proposal):
  one top-level document and no cover, TOC or running header. Its region comes from the
  issuer (gazetteer; the State Council and its ministries are national, ``100000``), its
  year from its date or 文号, and its 文号 completes its id (``model.gazette_id``).

Every value read here names its evidence in ``GazetteMeta.evidence`` (shown by
``gongbao check``) and gets a confidence below what a printed cover earns.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Optional

from ..gazetteer.regions import PROVINCE_BY_ABBREVIATION, by_code, find_in_text, guess_region
from ..model import DocNumber, Document, ParseResult, RegionGuess, Span, Warning
from ..pagemeta import read_page_meta
from ..text import fold
from .. import grammar as g

NATIONAL_CODE = "100000"  # the country as a whole (GB/T 2260 numbers provinces from 11)
NATIONAL_NAME = "中华人民共和国"
# Organs of the central government: they print no region in their name.
_CENTRAL = re.compile(r"^(?:中华人民共和国|中共中央|国务院|全国人民代表大会|全国人大|全国政协|中国人民政治协商会议全国委员会|"
                      r"(?![省市县区乡镇州])(?!.*[省市县区州](?:委|人民|政府))[\u4e00-\u9fff]{2,14}(?:部|总局|总署|委员会|银行|署)$)")
# Agency codes of central organs: 国发, 国办发, 国函, 国令, 教提案…
_CENTRAL_AGENCY = re.compile(r"^国(?:发|办|函|令|阅)")

_HEADER_ISSUE = (
    re.compile(r"(?<!\d)(?P<issue>\d{1,2})\s*/\s*(?P<year>(?:19|20)\d\d)(?!\d)"),  # 2/2025
    re.compile(r"(?P<year>(?:19|20)\d\d)\s*年?\s*第\s*(?P<issue>\d{1,3})\s*[期号]"),  # 2025年第2期, 2021年第15号
)
_HEADER_TITLE = re.compile(r"(?P<title>[\u4e00-\u9fff]{2,20}?(?:人民政府公报|政府公报|国务院公报|政报))")
_HEADER_SECTION = re.compile(r"[·•]\s*(?P<name>[\u4e00-\u9fff]{2,16})\s*[·•]")


def identify(result: ParseResult) -> ParseResult:
    """Fill ``result.gazette`` (and ``result.region``) where the cover left them empty."""
    meta = result.gazette
    if meta.issue is None:
        _from_running_headers(result)
        _sections_from_headers(result)
    top = [d for d in result.documents if d.parent_seq is None]
    single = meta.title is None and meta.issue is None and not result.toc and len(top) == 1
    if single:
        apply_page_meta(result, top[0])  # first: the page may give the issuer or date the text lacks
    if result.region is None or single:
        region = _region_of_issuers(result, top)
        if region is not None and (result.region is None or single and region.code != result.region.code):
            result.region = region
            meta.region, meta.region_code = region.name, region.code
            meta.confidence["region"] = region.confidence
            meta.evidence.extend(region.evidence)
    if single:
        doc = top[0]
        meta.kind = "document"
        meta.title = doc.title  # the source is this document: lists and pages show its title
        meta.document_number = doc.doc_number.text if doc.doc_number else f"doc-{result.source.sha256[:12]}"
        year = int(doc.date[:4]) if doc.date else (doc.doc_number.year if doc.doc_number else None)
        if year:
            meta.year = year
            meta.confidence["year"] = 0.9
            meta.evidence.append(f"year {year} from the document's {'date' if doc.date else '文号'}")
    return result


def _from_running_headers(result: ParseResult) -> None:
    """Issue, year and gazette title from the running headers removed as page furniture."""
    source = result.source.text
    issues: Counter = Counter()
    titles: Counter = Counter()
    for r in result.repairs:
        if r.rule != "page_header":
            continue
        text = source[r.start: r.end]
        for pattern in _HEADER_ISSUE:
            m = pattern.search(text)
            if m:
                issues[(int(m.group("year")), int(m.group("issue")))] += 1
                break
        m = _HEADER_TITLE.search(re.sub(r"\s+", "", text))
        if m:
            titles[m.group("title")] += 1
    meta = result.gazette
    if issues:
        (year, issue), count = issues.most_common(1)[0]
        meta.year, meta.issue = year, issue
        meta.confidence["issue"] = 0.8 if count >= 2 else 0.6
        meta.evidence.append(f"issue {issue}/{year} from {count} running header(s)")
    if titles and meta.title is None:
        title, count = titles.most_common(1)[0]
        meta.title = title
        meta.confidence["title"] = 0.8 if count >= 2 else 0.6
        meta.evidence.append(f"title «{title}» from {count} running header(s)")
        if result.region is None:
            region = guess_region(title, source) or (_national(["gazette title " + title]) if "国务院" in title else None)
            if region is not None:
                region.evidence.insert(0, "running header")
                result.region = region
                meta.region, meta.region_code = region.name, region.code
                meta.confidence["region"] = region.confidence
                meta.evidence.extend(region.evidence)


def _national(evidence: list[str]) -> RegionGuess:
    return RegionGuess(NATIONAL_NAME, NATIONAL_CODE, NATIONAL_NAME, None, "国", evidence, 0.8)


def _sections_from_headers(result: ParseResult) -> None:
    """``4/2023 义乌市人民政府公报 ·市政府文件·``: a section named in the running header is the
    section of the documents that start on or after that page (when the body prints none)."""
    marks = []
    for r in result.repairs:
        m = _HEADER_SECTION.search(result.source.text[r.start: r.end]) if r.rule == "page_header" else None
        if m:
            marks.append((r.start, m.group("name")))
    if not marks or any(d.section for d in result.documents):
        return
    for doc in result.documents:
        if doc.parent_seq is None:
            doc.section = next((name for at, name in reversed(marks) if at < doc.span.start), None)
        else:
            doc.section = result.documents[doc.parent_seq - 1].section


def _region_of_issuers(result: ParseResult, top: list[Document]) -> Optional[RegionGuess]:
    """The region the documents' issuers and 文号 agency codes agree on (the most specific
    one named most often), or the country for central organs."""
    votes: Counter = Counter()
    evidence: list[str] = []
    central = 0
    for doc in top:
        name = doc.issuer or doc.signed_by or ""
        found = [r for _a, _b, r in find_in_text(name)]
        if found:
            deepest = max(found, key=lambda r: r.level)
            votes[deepest.code] += 1
            evidence.append(f"issuer {name} → {deepest.name}")
        elif (name and _CENTRAL.match(name)) or (doc.doc_number and _CENTRAL_AGENCY.match(doc.doc_number.agency_code)):
            central += 1
            evidence.append(f"central organ {name or doc.doc_number.text}")
        elif doc.doc_number and doc.doc_number.agency_code[:1] in PROVINCE_BY_ABBREVIATION and re.match(
                r"^.(?:政|办)", doc.doc_number.agency_code):
            code = PROVINCE_BY_ABBREVIATION[doc.doc_number.agency_code[0]]
            votes[code] += 1
            evidence.append(f"agency code {doc.doc_number.agency_code} → {by_code(code).name}")
    if not votes and not central:
        return None
    if central > sum(votes.values()):
        return _national(evidence)
    code, count = votes.most_common(1)[0]
    region = by_code(code)
    agreeing = [d.doc_number.agency_code for d in top if d.doc_number and d.doc_number.agency_code.startswith(region.short)]
    if agreeing:
        evidence.append(f"agency code {agreeing[0]} agrees")
    confidence = round(min(0.9, 0.5 + 0.1 * count + (0.1 if agreeing else 0.0)), 2)
    return RegionGuess(region.name, region.code, region.province, region.city, region.short, evidence, confidence)


def _page_date(value: str) -> Optional[str]:
    return g.parse_date(value, numeric=True)


def _page_number(value: str):
    return DocNumber.parse(value) or g.parse_order_number(value)


def apply_page_meta(result: ParseResult, doc: Document) -> None:
    """Read the metadata table printed above a single document (a policy-library page):
    索引号, 主题分类 and 发布日期 become the document's ``index_no``, ``subject`` and
    ``published``; 标题, 发文字号, 发文机关 and 成文日期 are checked against the text. The text
    wins where it prints the value (a disagreement is a warning, the page's value stays in
    ``doc.page``); the page fills what the text does not print."""
    # the table sits above the document, or stands for its header (a page printing no title)
    limit = (doc.spans.get("recipients") or doc.body_span or doc.span).start
    page = read_page_meta(result.source.text, 0, max(limit, doc.span.start))
    if not page.values:
        return
    doc.page = dict(page.values)
    doc.metadata_disagrees = []
    first = min(sp.start for sp in page.spans.values())
    last = max(sp.end for sp in page.spans.values())
    doc.spans["page"] = Span(first, last)
    result.unplaced = [u for u in result.unplaced if not (first <= u.span.start and u.span.end <= last + 1)]
    for key in ("index_no", "subject"):
        found = page.by_key(key)
        if found:
            setattr(doc, key, found[1])
    found = page.by_key("published")
    if found:
        doc.published = _page_date(found[1])

    def disagree(key: str, label: str, value: str, ours: str) -> None:
        doc.metadata_disagrees.append(key)
        result.warnings.append(Warning(
            "page.disagrees", f"the page's {label} «{value}» differs from the text's «{ours}»; the text's is kept",
            page.spans[label], doc.seq))

    checks = (
        ("title", lambda v: v, lambda: doc.title),
        ("issuer", lambda v: v, lambda: doc.issuer),
        ("doc_number", lambda v: (n.text if (n := _page_number(v)) else v), lambda: doc.doc_number.text if doc.doc_number else None),
        ("date", _page_date, lambda: doc.date),
    )
    for key, read, ours in checks:
        found = page.by_key(key)
        if not found:
            continue
        label, value, span = found
        theirs, mine = read(value), ours()
        if mine is None and theirs:
            # the text does not print it: the page's value stands, with the page as its source
            if key == "doc_number":
                number = _page_number(value)
                if number is None:
                    continue
                doc.doc_number = number
            else:
                setattr(doc, key, theirs)
            doc.spans[key] = span
            doc.confidence[key] = 0.7
        elif theirs and fold(theirs) != fold(mine):
            disagree(key, label, value, mine)

"""One document's GB/T 9704 elements, read in the order they are printed: title, 发文字号
(split into 机关代字/年/序号), issuer (joint issuers joined with 、), 文种, a byline, subtitle
or dated note under the title, 主送, 署名 and 成文日期, 公开属性, 附件说明, body paragraphs
with heading levels, the editor's note and the 附件 printed with it — each with the source
span it came from and a confidence. One small reader per element fills a ``_Draft``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from .. import grammar as g
from ..model import (
    Attachment,
    AttachmentBody,
    DocNumber,
    Document,
    DocumentSpan,
    Paragraph,
    Repair,
    Segmentation,
    Span,
    Warning,
)
from .articles import articles
from .attachments import attachment_bodies
from .normalize import join_paragraphs, printed_text
from .tables import tables_in
from .closing import attachment_rest, find_closing, skip_attachment_list
from .lines import Lines
from ..text import compact


@dataclass
class _Draft:
    """One document being read: where it lies, what the readers found so far (in the order the
    elements are printed) and the evidence for each element (source span and confidence)."""

    lines: Lines
    ds: DocumentSpan
    seq: int
    source: str
    repairs: list[Repair]
    notes: list
    end: int = field(init=False)  # one past the document's last line
    spans: dict[str, Span] = field(default_factory=dict)
    conf: dict[str, float] = field(default_factory=dict)
    title: str = ""
    title_span: Optional[Span] = None
    number_in_title: Optional[str] = None
    doc_number: object = None  # DocNumber
    issuer: Optional[str] = None
    doc_type: Optional[str] = None
    date: Optional[str] = None
    recipients: Optional[str] = None
    recipients_span: Optional[Span] = None
    signed_by: Optional[str] = None
    disclosure: Optional[str] = None
    attachments: list[Attachment] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    bodies: list[AttachmentBody] = field(default_factory=list)
    header_end: int = 0  # first line after the heading (title, 文号, byline, subtitle, dated note)
    displaced: list[int] = field(default_factory=list)  # fragments displaced above the 主送
    body_from: int = 0
    body_limit: int = 0  # one past the body's last line
    closing: Optional[int] = None  # the 成文日期 line
    signature_lines: list[int] = field(default_factory=list)
    disclosure_line: Optional[int] = None
    disclosure_glued: bool = False
    attachments_first: Optional[int] = None  # the 附件说明 lines
    attachments_last: Optional[int] = None
    note_lines: list[int] = field(default_factory=list)  # editor's notes outside the body

    def __post_init__(self) -> None:
        self.end = self.ds.last_line + 1


def build_document(
    seg: Segmentation, lines: Lines, ds: DocumentSpan, seq: int, parent_seq: Optional[int], repairs: list[Repair], notes: list
) -> Document:
    """The elements of one segmented document, read in the order they are printed."""
    d = _Draft(lines, ds, seq, seg.normalized.source.text, repairs, notes)
    _read_title(d)
    _read_doc_number(d)
    _read_issuer(d)
    _read_doc_type(d)
    _read_byline(d)
    _read_subtitle(d)
    _read_dated_note(d)
    _read_recipients(d)
    _read_closing(d)
    _read_issuer_from_signature(d)
    _read_disclosure(d)
    _read_body_limit(d)
    _read_attachments(d)
    _read_body(d)
    _read_editorial_note(d)
    _read_attachment_bodies(d)
    return _document(d, parent_seq)


def _span_of(lines: Lines, ids: list[int]) -> Span:
    spans = [lines.lines[k].span() for k in ids if lines.text(k)]
    if not spans:
        return Span(lines.lines[ids[0]].start, lines.lines[ids[0]].start) if ids else Span(0, 0)
    return Span(spans[0].start, spans[-1].end)


def _read_title(d: _Draft) -> None:
    """The title, and a 文号 printed in brackets at its end."""
    d.title, d.number_in_title, d.title_span = _title_from_lines(d.lines, d.ds.header_lines)
    d.spans["title"] = d.title_span


def _title_from_lines(lines: Lines, ids: list[int]) -> tuple[str, Optional[str], Optional[Span]]:
    """Full title text and a 文号 printed in brackets at its end, if any."""
    raw_parts = [g.strip_page_label(lines.text(k)) for k in ids]  # a page's 标题：… pair stands for a title
    # joint issuers on one line separated by spaces stay separable: remember the issuer line
    text = g.GLUED_NOTE.sub("", compact("".join(raw_parts)))
    number = None
    order = g.ORDER_HEAD.match(text)
    if order:  # the 令's number printed on its title line: read by build_document from the line
        text = order.group("title")
    m = re.search(rf"[（(]\s*(?P<num>{g.DOC_NUMBER.pattern})\s*[)）]$", text)
    if m:
        number = m.group("num")
        text = text[: m.start()]
    elif text.endswith("号") and g.split_title_number(text):
        text, parsed = g.split_title_number(text)
        number = parsed.text
    return text, number, _span_of(lines, ids)


def _read_doc_number(d: _Draft) -> None:
    """发文字号: the 文号 line, a 令's number (cited with the 令's name), or the 文号 in the title."""
    lines, ds = d.lines, d.ds
    number_info = lines.info[ds.number_line] if ds.number_line is not None else None
    if number_info is not None and (number_info.docnum or number_info.title_number) is not None:
        d.doc_number = number_info.docnum or number_info.title_number
        d.spans["doc_number"] = lines.lines[ds.number_line].span()
        d.conf["doc_number"] = 0.98
    elif number_info is not None and (number_info.order_number or number_info.order_head) and g.ORDER_TITLE.match(d.title):
        # 浙江省人民政府令 / （第388号）: the order's number, cited as 浙江省人民政府令第388号
        printed = g.ORDER_HEAD.match(compact(number_info.text)).group("num") if number_info.order_head else number_info.text
        d.doc_number = g.order_line_number(d.title, printed)
        d.spans["doc_number"] = lines.lines[ds.number_line].span()
        d.conf["doc_number"] = 0.95
    elif d.number_in_title:
        d.doc_number = DocNumber.parse(d.number_in_title)
        d.conf["doc_number"] = 0.85
    elif ds.number_line is not None and lines.text(ds.number_line):
        d.spans["order_number"] = lines.lines[ds.number_line].span()  # 第12号 of a 令: no 〔年〕 part


def _read_issuer(d: _Draft) -> None:
    """The issuer the title names (joint issuers joined with 、), else the masthead above it; a
    carried document printed without a 文号 line names no issuer in its title."""
    lines, ds = d.lines, d.ds
    if ds.embedded and ds.number_line is None:
        return
    issuer, _full_title = split_issuer(d.title)
    if issuer:
        issuer = _issuer_parts(lines, ds.header_lines, issuer, d.source)
    if ds.first_line not in ds.header_lines and lines.info[ds.first_line].masthead and not issuer:
        issuer = lines.info[ds.first_line].masthead
    d.issuer = issuer
    if issuer:
        d.spans["issuer"] = d.title_span
        d.conf["issuer"] = 0.95


def split_issuer(title: str) -> tuple[Optional[str], str]:
    """(issuer, full title). The issuer is what precedes 关于 (or 转发/印发 when there is no 关于)."""
    m = re.match(r"^(?P<org>.+?)(?=关于)", title)
    if m and len(m.group("org")) >= 2 and g.ORG_SUFFIX.search(m.group("org")):
        org = m.group("org")
        # ``A转发B关于…``: the issuer is A, B is the author of the forwarded document
        fwd = re.match(r"^(?P<org>.+?(?:人民政府办公室|人民政府办公厅|人民政府|国务院|办公室|办公厅|委员会|局|厅))(?:转发|批转|印发)", org)
        return (fwd.group("org") if fwd else org), title
    m = re.match(r"^(?P<org>.+?(?:人民政府办公室|人民政府办公厅|人民政府|国务院|办公室|办公厅|委员会|局|厅))(?=转发|印发|批转|颁发|公布)", title)
    if m:
        return m.group("org"), title
    m = g.ORDER_TITLE.match(title)
    if m:  # 中华人民共和国国务院令: the State Council issues it
        return m.group("org").removeprefix("中华人民共和国"), title
    m = re.match(rf"^(?P<org>.*?(?:人民政府|政府|国务院|委员会|办公室|局))(?:公告|通告|决定|命令|[\u4e00-\u9fff]{{0,8}}纪要|{g.APPOINTMENT_END})$", title)
    if m:
        return m.group("org"), title
    return None, title


def _issuer_parts(lines: Lines, header: list[int], issuer: str, source: str) -> str:
    """Joint issuers as ``A、B``: one per header line, or separated by wide spaces on one line,
    or run together (split where an organisation name ends and a region name begins)."""
    parts: list[str] = []
    remaining = issuer
    for k in header:
        for piece in (p for chunk in lines.pieces(k, min_gap=1) for p in chunk.split("、")):
            if len(piece) >= 2 and remaining.startswith(piece) and g.ORG_SUFFIX.search(piece):
                parts.append(piece)
                remaining = remaining[len(piece):]
            elif parts and remaining and piece.startswith(remaining) and g.ORG_SUFFIX.search(remaining):
                parts.append(remaining)  # the last issuer printed on the line of 关于…
                remaining = ""
        if not remaining:
            break
    if parts and not remaining:
        return "、".join(parts)
    return "、".join(_split_run_together(issuer))


def _split_run_together(org: str) -> list[str]:
    """``中共X县委办公室X县人民政府办公室`` → two names: split after an organisation suffix that
    is followed by a region name or 中共."""
    from ..gazetteer.regions import find_in_text

    cuts = [0]
    starts = {a for a, _b, _r in find_in_text(org) if a > 0} | {m.start() for m in re.finditer("中共", org) if m.start() > 0}
    for a in sorted(starts):
        if g.ORG_SUFFIX.search(org[cuts[-1]:a]) and a - cuts[-1] >= 4:
            cuts.append(a)
    return [org[a:b] for a, b in zip(cuts, cuts[1:] + [len(org)])]


def _read_doc_type(d: _Draft) -> None:
    """文种 (a carried document without a 文号 line: its genre word, 方案/办法/…, first)."""
    ds = d.ds
    d.doc_type = g.official_type(d.title) if not ds.embedded else (g.genre_word(d.title) or g.official_type(d.title))
    if ds.embedded and ds.number_line is not None:
        d.doc_type = g.official_type(d.title) or d.doc_type
    d.conf["title"] = ds.confidence
    d.conf["doc_type"] = 0.95 if d.doc_type else 0.3


def _read_byline(d: _Draft) -> None:
    """The heading ends after the title and 文号 lines; when the title names no issuer, the
    organ printed under it is the issuer: above a （date） line, or above the body of a
    forwarded document (``国家发展改革委`` under the 意见 a 转发 notice carries)."""
    lines, ds, end = d.lines, d.ds, d.end
    d.header_end = max([ds.number_line or 0] + ds.header_lines) + 1
    while d.header_end < end and (not lines.text(d.header_end) or g.is_page_meta_line(lines.text(d.header_end))):
        d.header_end += 1  # the rest of a page's metadata table, when its pairs stand for the header
    byline = lines.next_nonblank(d.header_end, end, max_blank=2)
    if d.issuer is None and byline is not None and g.is_org_like(compact(lines.text(byline))) and not lines.info[byline].recipient:
        nxt = lines.next_nonblank(byline + 1, end, max_blank=2)
        dated = nxt is not None and lines.info[nxt].date and lines.text(nxt).startswith(("（", "("))
        if dated or (ds.embedded and nxt is not None and not lines.info[nxt].date):
            d.issuer = compact(lines.text(byline))
            d.spans["issuer"] = lines.lines[byline].span()
            d.conf["issuer"] = 0.85
            d.header_end = byline + 1


_SUBTITLE = re.compile(r"^(?:——|—|--)\s*\S.{0,40}$")


def _read_subtitle(d: _Draft) -> None:
    """（本文有删减） and a subtitle (——2023年度) under the title: part of the heading, not the body."""
    lines = d.lines
    sub = lines.next_nonblank(d.header_end, d.end, max_blank=2)
    if sub is not None and lines.info[sub].note:
        d.header_end = sub + 1  # the editor's note, not the body's
        sub = lines.next_nonblank(d.header_end, d.end, max_blank=2)
    if sub is not None and _SUBTITLE.match(lines.text(sub)):
        d.spans["subtitle"] = lines.lines[sub].span()
        d.header_end = sub + 1


def _read_dated_note(d: _Draft) -> None:
    """A date under the title: （2022年3月1日） of a 决定, the note under a published 规章
    （2022年5月31日…令第12号公布　自…起施行）, or ``印发机关<tab>日期`` under a 纪要."""
    lines = d.lines
    cand = lines.next_nonblank(d.header_end, d.end, max_blank=2)
    if cand is None:
        return
    t = lines.text(cand)
    dated_note = t.startswith(("（", "(")) and t.endswith(("）", ")")) and len(t) <= 80
    if (dated_note or lines.info[cand].signed_inline) and g.parse_date(t):
        d.date = g.parse_date(t)
        d.spans["date"] = lines.lines[cand].span()
        d.conf["date"] = 0.9
        d.header_end = cand + 1


def _read_recipients(d: _Draft) -> None:
    """主送, after which the body begins. A carried document has one when it is a forwarded
    报告/请示 (``国务院：``)."""
    lines, ds = d.lines, d.ds
    d.body_from = d.header_end
    first_body = lines.next_nonblank(d.header_end, d.end, max_blank=3)
    addressed = first_body is not None and lines.info[first_body].recipient
    if not ds.embedded or ds.number_line is not None or addressed:
        d.recipients, d.recipients_span, d.body_from = _recipients(lines, d.header_end, d.end, d.displaced)
        if d.recipients_span:
            d.spans["recipients"] = d.recipients_span
            d.conf["recipients"] = 0.95
        else:
            d.body_from = d.header_end


def _recipients(lines: Lines, start: int, end: int, displaced: Optional[list[int]] = None) -> tuple[Optional[str], Optional[Span], int]:
    """主送 line(s) starting at the first non-blank line >= start. Returns (text, span, body start).
    A short fragment displaced above the 主送 line is appended to ``displaced``."""
    displaced = [] if displaced is None else displaced
    k = lines.next_nonblank(start, end, max_blank=3)
    if k is None:
        return None, None, start
    nxt = lines.next_nonblank(k + 1, end, max_blank=3)
    if _REGISTRATION_CODE.match(lines.text(k)) and nxt is not None:
        k, nxt = nxt, lines.next_nonblank(nxt + 1, end, max_blank=3)  # 规范性文件统一编号 above 主送
    if len(lines.text(k)) <= 12 and not lines.info[k].recipient and nxt is not None and lines.info[nxt].recipient:
        # a fragment the extractor displaced above the 主送 line (put back by the caller)
        displaced.append(k)
        k = nxt
    inline = _INLINE_RECIPIENTS.match(lines.text(k))
    if inline and g.is_recipient_line(inline.group("to")):
        # 主送 and the first sentence on one line: ``各乡镇人民政府，市政府各部门：现将…``
        ln = lines.lines[k]
        return compact(inline.group("to"))[:-1], ln.span(0, inline.end("to")), k
    ids = []
    i = k
    # a recipient list can be broken over up to three lines; it ends with a colon
    while i is not None and i < end and len(ids) < 3:
        t = lines.text(i)
        ids.append(i)
        if g.is_recipient_line(compact("".join(lines.text(x) for x in ids))):
            text = compact("".join(lines.text(x) for x in ids))[:-1]
            return text, _span_of(lines, ids), i + 1
        if g.ends_sentence(t) or len(t) > 80:
            break
        i = lines.next_nonblank(i + 1, end, max_blank=1)
    return None, None, k


_INLINE_RECIPIENTS = re.compile(r"^(?P<to>[^：:。；]{2,120}[：:])(?=\S{6,})")

# 规范性文件统一登记号 printed under the 文号 in some provinces: HNPR—2022—61006, 湘府规〔…〕
_REGISTRATION_CODE = re.compile(r"^[A-Z]{2,6}\s*[-—–－]\s*(?:19|20)\d\d\s*[-—–－]\s*\d{3,}$")


def _read_closing(d: _Draft) -> None:
    """成文日期 and 署名 (also a 署名 the extractor glued to the last body line). A carried
    document's own close sits at its very end."""
    lines, ds = d.lines, d.ds
    closing = find_closing(lines, d.body_from, d.end)
    if closing is None or (ds.embedded and closing < d.end - 6 and not _near_end(lines, closing, d.end)):
        return
    d.closing = closing
    if d.date is None:
        d.date = lines.info[closing].date
        d.spans["date"] = lines.lines[closing].span()
        d.conf["date"] = 0.97
    d.signed_by, d.signature_lines = _signature(lines, closing, d.body_from)
    if d.signature_lines:
        d.spans["signed_by"] = _span_of(lines, d.signature_lines)
        d.conf["signed_by"] = 0.9
    elif d.issuer:
        glued = _glued_signature(lines, closing, d.body_from, d.issuer)
        if glued is not None:
            d.signed_by = d.issuer
            d.spans["signed_by"] = glued
            d.conf["signed_by"] = 0.75
            d.repairs.append(Repair(glued.start, glued.end, d.issuer, "\n" + d.issuer, "split.signature"))


def _near_end(lines: Lines, closing: int, end: int) -> bool:
    """A carried document's own 署名/日期 sits at its very end (attachments may follow)."""
    k = lines.next_nonblank(closing + 1, end)
    while k is not None:
        info = lines.info[k]
        if not (info.disclosure or info.attachment or not info.text):
            return _attachment_pages(lines, k, k + 1) is not None
        k = lines.next_nonblank(k + 1, end)
    return True


def _signature(lines: Lines, date_line: int, floor: int) -> tuple[Optional[str], list[int]]:
    """署名 lines above the date (one or two stacked organisations, or side by side)."""
    if lines.info[date_line].signed_inline:
        names = lines.info[date_line].signed_inline
        return "、".join(compact(n) for n in names), [date_line]
    ids: list[int] = []
    k = lines.prev_nonblank(date_line - 1, floor, max_blank=3)
    while k is not None and len(ids) < 3:
        t = lines.text(k)
        if g.is_org_like(compact(t)) or g.PERSON_SIGNATURE.match(compact(t)):
            ids.insert(0, k)
            k = lines.prev_nonblank(k - 1, floor, max_blank=1)
            if k is not None and not g.is_org_like(compact(lines.text(k))):
                break
            continue
        break
    if not ids:
        return None, []
    names: list[str] = []
    for k in ids:
        if g.PERSON_SIGNATURE.match(compact(lines.text(k))):
            names.append(re.sub("[：:]", "", compact(lines.text(k))))  # 市长　王建平: one signature, spaced out
            continue
        names.extend(lines.pieces(k))
    names = [n for n in names if n]
    return "、".join(names) if len(names) > 1 else names[0], ids


def _glued_signature(lines: Lines, date_line: int, floor: int, issuer: str) -> Optional[Span]:
    """署名 glued by the extractor to the end of the last body line (``…遵照执行阳泉市人民政府办公室``)."""
    k = lines.prev_nonblank(date_line - 1, floor, max_blank=3)
    if k is None:
        return None
    t = lines.text(k)
    if len(t) > len(issuer) and t.endswith(issuer):
        return lines.lines[k].span(len(t) - len(issuer))
    return None


def _read_issuer_from_signature(d: _Draft) -> None:
    """A title printed without its organ (关于…建议的答复, a forwarded 报告): the signature names it."""
    ds = d.ds
    if d.issuer is None and d.signed_by and not g.PERSON_SIGNATURE.match(d.signed_by) and (not ds.embedded or ds.number_line is not None or d.recipients):
        d.issuer = d.signed_by
        d.spans["issuer"] = d.spans["signed_by"]
        d.conf["issuer"] = 0.8


def _read_disclosure(d: _Draft) -> None:
    """公开属性, on its own line or glued by the extractor to the end of a text line."""
    d.disclosure, d.disclosure_line, d.disclosure_glued = _disclosure(d.lines, d.body_from, d.end)
    if d.disclosure:
        d.spans["disclosure"] = d.lines.lines[d.disclosure_line].span()
        d.conf["disclosure"] = 0.95


_GLUED_DISCLOSURE = re.compile(r"[（(](此件(?:公开发布|主动公开|不公开|依申请公开|删减后公开))[)）]$")


def _disclosure(lines: Lines, start: int, end: int) -> tuple[Optional[str], Optional[int], bool]:
    """(公开属性, its line, glued): glued when the extractor put it at the end of a text line."""
    for k in range(start, end):
        d = lines.info[k].disclosure
        if d:
            return d, k, False
        text = lines.text(k)
        m = _GLUED_DISCLOSURE.search(text) if text.endswith((")", "）")) else None  # the pattern's last character
        if m:
            return m.group(1), k, True
    return None, None, False


def _read_body_limit(d: _Draft) -> None:
    """The body ends at the 署名/日期 or at the attachment pages (or the 附件说明: ``_read_attachments``)."""
    d.body_limit = d.end
    if d.closing is not None:
        d.body_limit = min(d.signature_lines[0] if d.signature_lines else d.closing, d.body_limit)
    pages = _attachment_pages(d.lines, d.body_from, d.body_limit)
    if pages is not None:
        d.body_limit = pages


def _attachment_pages(lines: Lines, start: int, end: int) -> Optional[int]:
    """First line of attachment pages (``附件1`` + title + content) in [start, end)."""
    for k in range(start, end):
        info = lines.info[k]
        if info.attachment:
            m = g.ATTACHMENT_HEAD.match(info.text)
            if m and not (m.group("rest") or m.group("rest2") or "").strip():
                return k
    return None


def _read_attachments(d: _Draft) -> None:
    """附件说明, which ends the body when printed above the close."""
    lines = d.lines
    d.attachments, d.attachments_first, d.attachments_last = _attachments(lines, d.body_from, d.end)
    if d.attachments_first is not None and d.attachments_first < d.body_limit:
        d.body_limit = d.attachments_first
    if d.attachments and not d.attachments[-1].omitted:
        orphan = _orphan_omitted_fragment(lines, d.body_from, d.body_limit)
        if orphan is not None:
            # the extractor moved the end of the last attachment title (``…汇`` + ``总表（略）``)
            frag = re.sub(r"[（(]\s*略\s*[)）]$", "", lines.text(orphan))
            last = d.attachments[-1]
            d.attachments[-1] = Attachment(last.number, last.title + frag, True, last.span)
            d.repairs.append(Repair(lines.lines[orphan].start, lines.lines[orphan].end, lines.source_text(orphan), "", "join.displaced_fragment"))
            d.body_limit = orphan
    if d.attachments:
        d.spans["attachments"] = Span(d.attachments[0].span.start, d.attachments[-1].span.end)


def _attachments(lines: Lines, start: int, end: int) -> tuple[list[Attachment], Optional[int], Optional[int]]:
    """附件说明 in [start, end): (attachments, first line, last line)."""
    for k in range(start, end):
        info = lines.info[k]
        if not info.attachment:
            continue
        m = g.ATTACHMENT_HEAD.match(info.text)
        rest = (m.group("rest") or m.group("rest2") or "").strip() if m else ""
        if not rest:
            # ``附件`` / ``附件1`` alone starts an attachment page, not an 附件说明 list
            return [], None, None
        last = skip_attachment_list(lines, k, end)
        items: list[tuple[str, list[int]]] = []
        first_num = m.group("num")
        first = re.sub(r"^[.．、\s]+", "", rest)
        items.append((first, [k]))
        for i in range(k + 1, last + 1):
            t = lines.text(i)
            if not t:
                continue
            if lines.info[i].attachment and attachment_rest(t):
                am = g.ATTACHMENT_HEAD.match(t)
                items.append((f"{am.group('num') or ''}.{attachment_rest(t)}" if am.group("num") else attachment_rest(t), [i]))
            elif g.ENUM_ITEM.match(t):
                items.append((t, [i]))
            else:
                prev_text, prev_ids = items[-1]
                items[-1] = (prev_text + t, prev_ids + [i])
        items = [piece for item in items for piece in _split_inline_items(*item)]
        out = []
        for n, (t, ids) in enumerate(items, 1):
            em = g.ENUM_ITEM.match(t)
            num = _item_number(em.group("num")) if em else (int(first_num) if first_num and first_num.isdigit() and n == 1 else None)
            title = em.group("rest") if em else t
            omitted = bool(re.search(r"[（(]\s*略\s*[)）]", title))
            title = re.sub(r"[（(]\s*略\s*[)）]", "", title)
            title = compact(title).strip("《》").strip()
            if title:
                out.append(Attachment(number=num, title=title, omitted=omitted, span=_span_of(lines, ids)))
        return out, k, last
    return [], None, None


def _item_number(num: str) -> Optional[int]:
    return int(num) if num.isdigit() else g.chinese_number(num)


def _split_inline_items(text: str, ids: list[int]) -> list[tuple[str, list[int]]]:
    """``1.甲名单（略）2.乙名单（略）`` printed on one line → two items (numbers must run on)."""
    em = g.ENUM_ITEM.match(text)
    if not em or not em.group("num").isdigit():
        return [(text, ids)]
    expected = int(em.group("num")) + 1
    for m in re.finditer(r"(?<=[\u4e00-\u9fff）)》])(\d{1,2})[.．、](?=\S)", text):
        if int(m.group(1)) == expected:
            return [(text[: m.start()], ids)] + _split_inline_items(text[m.start():], ids)
    return [(text, ids)]


def _orphan_omitted_fragment(lines: Lines, start: int, end: int) -> Optional[int]:
    """A lone short ``…（略）`` line ending the body: the displaced tail of an attachment title."""
    k = lines.prev_nonblank(end - 1, start)
    if k is not None and re.fullmatch(r"[^，。；：]{1,10}[（(]\s*略\s*[)）]", lines.text(k)):
        return k
    return None


def _read_body(d: _Draft) -> None:
    """Body paragraphs, without the 公开属性, a glued 署名 or an inline 主送; displaced
    fragments put back."""
    lines, disc_line = d.lines, d.disclosure_line
    body_lines = [k for k in range(d.body_from, d.body_limit) if lines.text(k) and (k != disc_line or d.disclosure_glued)]
    paragraphs = _paragraphs(lines, d.body_from, d.body_limit, d.repairs) if body_lines else []
    if disc_line is not None and not d.disclosure_glued:
        disclosure_span = lines.lines[disc_line].span()
        paragraphs = [p for p in paragraphs if p.span != disclosure_span]
    elif d.disclosure_glued:
        # keep the text line, cut the 公开属性 the extractor glued to its end
        paragraphs = [_cut_glued_disclosure(p, lines.lines[disc_line]) for p in paragraphs]
    for k in d.displaced:
        paragraphs = _put_back(paragraphs, lines, k, d.repairs, d.notes, d.seq)
    signed_by = d.signed_by
    if "signed_by" in d.spans and not d.signature_lines and paragraphs and paragraphs[-1].text.endswith(signed_by or "\0"):
        last = paragraphs[-1]
        cut = d.spans["signed_by"].start
        paragraphs[-1] = Paragraph(last.text[: -len(signed_by)], Span(last.span.start, cut), last.level, last.marker, last.table)
    r_span = d.recipients_span
    if r_span and paragraphs and paragraphs[0].span.start <= r_span.start < paragraphs[0].span.end:
        # 主送 printed at the start of the first body line: the body begins after its colon
        first = paragraphs[0]
        ln = lines.lines[d.body_from]
        cut = next((i for i, o in enumerate(ln.offsets) if o >= r_span.end), len(ln.text))
        paragraphs[0] = Paragraph(first.text[cut:], Span(r_span.end, first.span.end), first.level, first.marker, first.table)
    d.paragraphs = paragraphs


def _paragraphs(lines: Lines, start: int, end: int, repairs: list[Repair]) -> list[Paragraph]:
    ids = [k for k in range(start, end)]
    return join_paragraphs([lines.lines[k] for k in ids], repairs)


def _cut_glued_disclosure(p: Paragraph, ln) -> Paragraph:
    m = _GLUED_DISCLOSURE.search(p.text)
    if not m or not (p.span.start <= ln.start <= p.span.end):
        return p
    text = p.text[: m.start()].rstrip()
    end = ln.offsets[len(ln.text) - len(p.text) + m.start() - 1] + 1 if len(ln.text) >= len(p.text) - m.start() else p.span.end
    return Paragraph(text, Span(p.span.start, max(p.span.start + 1, min(end, p.span.end))), p.level, p.marker, p.table)


def _put_back(paragraphs: list[Paragraph], lines: Lines, k: int, repairs: list[Repair], notes: list, seq: int) -> list[Paragraph]:
    """A fragment displaced above the 主送 (``期一年）。``) goes back to the paragraph it
    completes: the one with an unclosed bracket. Otherwise it is reported, never dropped."""
    frag = lines.text(k)
    for i, p in enumerate(paragraphs):
        if p.text.count("（") + p.text.count("(") > p.text.count("）") + p.text.count(")") and frag[:8].count("）") + frag[:8].count(")"):
            ln = lines.lines[k]
            repairs.append(Repair(ln.start, ln.end, lines.source_text(k), "", "join.displaced_fragment"))
            out = list(paragraphs)
            out[i] = Paragraph(p.text + frag, p.span, p.level, p.marker, p.table)
            return out
    notes.append(Warning("body.displaced_fragment", f"错位的文字「{frag}」未放回原处", lines.lines[k].span(), seq))
    return paragraphs


def _read_editorial_note(d: _Draft) -> None:
    """（本文有删减） outside the body: the editor's, its own element."""
    d.note_lines = [k for k in range(d.ds.first_line, d.end) if d.lines.info[k].note and not d.body_from <= k < d.body_limit]
    if d.note_lines:
        d.spans["editorial_note"] = _span_of(d.lines, d.note_lines)


def _read_attachment_bodies(d: _Draft) -> None:
    """The 附件 printed with the document: read from the lines no other element claimed."""
    lines = d.lines
    claimed = set(range(d.ds.first_line, d.body_limit)) | set(d.signature_lines) | set(d.displaced)
    if d.attachments_first is not None:
        claimed |= set(range(d.attachments_first, d.attachments_last + 1))
    claimed |= {k for k in (d.closing, d.disclosure_line) if k is not None}
    claimed |= set(d.note_lines)
    omitted_tail = d.body_limit < d.end and lines.text(d.body_limit) and re.search(r"[（(]\s*略\s*[)）]$", lines.text(d.body_limit))
    if d.attachments and d.attachments[-1].omitted and omitted_tail:
        claimed.add(d.body_limit)
    rest = [k for k in range(d.ds.first_line, d.end) if lines.text(k) and k not in claimed]
    d.bodies = attachment_bodies(lines.lines, rest, d.attachments, d.repairs, d.notes, d.seq)


def _document(d: _Draft, parent_seq: Optional[int]) -> Document:
    """The document read, with the tables of its body and its articles."""
    lines, ds, source = d.lines, d.ds, d.source
    tables = tables_in(lines.lines[d.body_from: d.body_limit], d.notes, d.seq)
    # a 规章 printed in the body, or else as an attachment of the notice that issues it
    arts = articles(d.paragraphs) or next((found for b in d.bodies if (found := articles(b.paragraphs))), [])
    body_span = Span(d.paragraphs[0].span.start, d.paragraphs[-1].span.end) if d.paragraphs else None
    body_start = printed_text(source, body_span.start, body_span.end, 15) if body_span else ""
    body_end = printed_text(source, body_span.start, body_span.end, 15, from_end=True) if body_span else ""
    return Document(
        seq=d.seq,
        parent_seq=parent_seq,
        section=ds.section,
        issuer=d.issuer,
        doc_number=d.doc_number,
        title=d.title,
        doc_type=d.doc_type,
        recipients=d.recipients,
        signed_by=d.signed_by,
        date=d.date,
        disclosure=d.disclosure,
        attachments=d.attachments,
        paragraphs=d.paragraphs,
        span=Span(lines.lines[ds.first_line].start, lines.lines[ds.last_line].end),
        body_span=body_span,
        body_start=body_start,
        body_end=body_end,
        spans=d.spans,
        confidence=d.conf,
        attachment_bodies=d.bodies,
        tables=tables,
        articles=arts,
    )

"""Stage 3 — elements: the GB/T 9704 elements of every segmented document.

issuer (joint issuers joined with 、), 发文字号 split into 机关代字/年/序号, title, 文种, 主送,
body paragraphs with heading levels, 附件说明, 署名, 成文日期, 公开属性 — each with the source
span it came from and a confidence. Also reconciles the TOC with the documents found.
"""
from __future__ import annotations

import re
from typing import Optional

from .. import grammar as g
from ..model import (
    Attachment,
    DocNumber,
    Document,
    DocumentSpan,
    Paragraph,
    ParseResult,
    Repair,
    Segmentation,
    Span,
    Unplaced,
    Warning,
)
from .account import unclaimed_in_documents
from .articles import articles
from .attachments import attachment_bodies
from .normalize import join_paragraphs, printed_text
from .tables import tables_in
from .segment import _Lines, _attachment_rest, _skip_attachment_list, carried_titles, find_closing
from ..text import compact, fold, similarity


def _span_of(lines: _Lines, ids: list[int]) -> Span:
    spans = [lines.lines[k].span() for k in ids if lines.text(k)]
    if not spans:
        return Span(lines.lines[ids[0]].start, lines.lines[ids[0]].start) if ids else Span(0, 0)
    return Span(spans[0].start, spans[-1].end)


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


def _issuer_parts(lines: _Lines, header: list[int], issuer: str, source: str) -> str:
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


def _title_from_lines(lines: _Lines, ids: list[int]) -> tuple[str, Optional[str], Optional[Span]]:
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


def _recipients(lines: _Lines, start: int, end: int, displaced: Optional[list[int]] = None) -> tuple[Optional[str], Optional[Span], int]:
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


_SUBTITLE = re.compile(r"^(?:——|—|--)\s*\S.{0,40}$")
_INLINE_RECIPIENTS = re.compile(r"^(?P<to>[^：:。；]{2,120}[：:])(?=\S{6,})")

# 规范性文件统一登记号 printed under the 文号 in some provinces: HNPR—2022—61006, 湘府规〔…〕
_REGISTRATION_CODE = re.compile(r"^[A-Z]{2,6}\s*[-—–－]\s*(?:19|20)\d\d\s*[-—–－]\s*\d{3,}$")


def _attachments(lines: _Lines, start: int, end: int) -> tuple[list[Attachment], Optional[int], Optional[int]]:
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
        last = _skip_attachment_list(lines, k, end)
        items: list[tuple[str, list[int]]] = []
        first_num = m.group("num")
        first = re.sub(r"^[.．、\s]+", "", rest)
        items.append((first, [k]))
        for i in range(k + 1, last + 1):
            t = lines.text(i)
            if not t:
                continue
            if lines.info[i].attachment and _attachment_rest(t):
                am = g.ATTACHMENT_HEAD.match(t)
                items.append((f"{am.group('num') or ''}.{_attachment_rest(t)}" if am.group("num") else _attachment_rest(t), [i]))
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


def _orphan_omitted_fragment(lines: _Lines, start: int, end: int) -> Optional[int]:
    """A lone short ``…（略）`` line ending the body: the displaced tail of an attachment title."""
    k = lines.prev_nonblank(end - 1, start)
    if k is not None and re.fullmatch(r"[^，。；：]{1,10}[（(]\s*略\s*[)）]", lines.text(k)):
        return k
    return None


def _attachment_pages(lines: _Lines, start: int, end: int) -> Optional[int]:
    """First line of attachment pages (``附件1`` + title + content) in [start, end)."""
    for k in range(start, end):
        info = lines.info[k]
        if info.attachment:
            m = g.ATTACHMENT_HEAD.match(info.text)
            if m and not (m.group("rest") or m.group("rest2") or "").strip():
                return k
    return None


def _paragraphs(lines: _Lines, start: int, end: int, repairs: list[Repair]) -> list[Paragraph]:
    ids = [k for k in range(start, end)]
    return join_paragraphs([lines.lines[k] for k in ids], repairs)


def _signature(lines: _Lines, date_line: int, floor: int) -> tuple[Optional[str], list[int]]:
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



def _cut_glued_disclosure(p: Paragraph, ln) -> Paragraph:
    m = _GLUED_DISCLOSURE.search(p.text)
    if not m or not (p.span.start <= ln.start <= p.span.end):
        return p
    text = p.text[: m.start()].rstrip()
    end = ln.offsets[len(ln.text) - len(p.text) + m.start() - 1] + 1 if len(ln.text) >= len(p.text) - m.start() else p.span.end
    return Paragraph(text, Span(p.span.start, max(p.span.start + 1, min(end, p.span.end))), p.level, p.marker, p.table)


def _put_back(paragraphs: list[Paragraph], lines: _Lines, k: int, repairs: list[Repair], notes: list, seq: int) -> list[Paragraph]:
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


def _glued_signature(lines: _Lines, date_line: int, floor: int, issuer: str) -> Optional[Span]:
    """署名 glued by the extractor to the end of the last body line (``…遵照执行阳泉市人民政府办公室``)."""
    k = lines.prev_nonblank(date_line - 1, floor, max_blank=3)
    if k is None:
        return None
    t = lines.text(k)
    if len(t) > len(issuer) and t.endswith(issuer):
        return lines.lines[k].span(len(t) - len(issuer))
    return None


_GLUED_DISCLOSURE = re.compile(r"[（(](此件(?:公开发布|主动公开|不公开|依申请公开|删减后公开))[)）]$")


def _disclosure(lines: _Lines, start: int, end: int) -> tuple[Optional[str], Optional[int], bool]:
    """(公开属性, its line, glued): glued when the extractor put it at the end of a text line."""
    for k in range(start, end):
        d = lines.info[k].disclosure
        if d:
            return d, k, False
        m = _GLUED_DISCLOSURE.search(lines.text(k))
        if m:
            return m.group(1), k, True
    return None, None, False


def build_document(
    seg: Segmentation, lines: _Lines, ds: DocumentSpan, seq: int, parent_seq: Optional[int], repairs: list[Repair], notes: list
) -> Document:
    source = seg.normalized.source.text
    end = ds.last_line + 1
    spans: dict[str, Span] = {}
    conf: dict[str, float] = {}
    title, number_in_title, title_span = _title_from_lines(lines, ds.header_lines)
    spans["title"] = title_span
    issuer = None
    doc_number = None
    if not ds.embedded or ds.number_line is not None:
        issuer, title = split_issuer(title)
        if issuer:
            issuer = _issuer_parts(lines, ds.header_lines, issuer, source)
        if ds.first_line not in ds.header_lines and lines.info[ds.first_line].masthead and not issuer:
            issuer = lines.info[ds.first_line].masthead
    number_info = lines.info[ds.number_line] if ds.number_line is not None else None
    if number_info is not None and (number_info.docnum or number_info.title_number) is not None:
        doc_number = number_info.docnum or number_info.title_number
        spans["doc_number"] = lines.lines[ds.number_line].span()
        conf["doc_number"] = 0.98
    elif number_info is not None and (number_info.order_number or number_info.order_head) and g.ORDER_TITLE.match(title):
        # 浙江省人民政府令 / （第388号）: the order's number, cited as 浙江省人民政府令第388号
        printed = g.ORDER_HEAD.match(compact(number_info.text)).group("num") if number_info.order_head else number_info.text
        doc_number = g.order_line_number(title, printed)
        spans["doc_number"] = lines.lines[ds.number_line].span()
        conf["doc_number"] = 0.95
    elif number_in_title:
        doc_number = DocNumber.parse(number_in_title)
        conf["doc_number"] = 0.85
    elif ds.number_line is not None and lines.text(ds.number_line):
        spans["order_number"] = lines.lines[ds.number_line].span()  # 第12号 of a 令: no 〔年〕 part
    if issuer:
        spans["issuer"] = title_span
        conf["issuer"] = 0.95
    doc_type = g.official_type(title) if not ds.embedded else (g.genre_word(title) or g.official_type(title))
    if ds.embedded and ds.number_line is not None:
        doc_type = g.official_type(title) or doc_type
    conf["title"] = ds.confidence
    conf["doc_type"] = 0.95 if doc_type else 0.3
    header_end = max([ds.number_line or 0] + ds.header_lines) + 1
    while header_end < end and (not lines.text(header_end) or g.is_page_meta_line(lines.text(header_end))):
        header_end += 1  # the rest of a page's metadata table, when its pairs stand for the header
    displaced: list[int] = []
    byline = lines.next_nonblank(header_end, end, max_blank=2)
    if issuer is None and byline is not None and g.is_org_like(compact(lines.text(byline))) and not lines.info[byline].recipient:
        nxt = lines.next_nonblank(byline + 1, end, max_blank=2)
        dated = nxt is not None and lines.info[nxt].date and lines.text(nxt).startswith(("（", "("))
        # the organ printed under the title: above a （date） line, or above the body of a
        # forwarded document (``国家发展改革委`` under the 意见 a 转发 notice carries)
        if dated or (ds.embedded and nxt is not None and not lines.info[nxt].date):
            issuer = compact(lines.text(byline))
            spans["issuer"] = lines.lines[byline].span()
            conf["issuer"] = 0.85
            header_end = byline + 1
    note_lines = [k for k in range(ds.first_line, end) if lines.info[k].note]
    sub = lines.next_nonblank(header_end, end, max_blank=2)
    if sub is not None and lines.info[sub].note:
        header_end = sub + 1  # （本文有删减） under the title: the editor's, not the body's
        sub = lines.next_nonblank(header_end, end, max_blank=2)
    if sub is not None and _SUBTITLE.match(lines.text(sub)):
        spans["subtitle"] = lines.lines[sub].span()  # ——2023年度: part of the heading, not the body
        header_end = sub + 1
    signed_by, sig_ids, date = None, [], None
    # a date under the title: （2022年3月1日） of a 决定, the note under a published 规章
    # （2022年5月31日…令第12号公布　自…起施行）, or ``印发机关<tab>日期`` under a 纪要
    cand = lines.next_nonblank(header_end, end, max_blank=2)
    if cand is not None:
        t = lines.text(cand)
        dated_note = t.startswith(("（", "(")) and t.endswith(("）", ")")) and len(t) <= 80
        if (dated_note or lines.info[cand].signed_inline) and g.parse_date(t):
            date = g.parse_date(t)
            spans["date"] = lines.lines[cand].span()
            conf["date"] = 0.9
            header_end = cand + 1
    recipients, r_span, body_from = (None, None, header_end)
    first_body = lines.next_nonblank(header_end, end, max_blank=3)
    # a carried document has a 主送 when it is a forwarded 报告/请示 (``国务院：``)
    addressed = first_body is not None and lines.info[first_body].recipient
    if not ds.embedded or ds.number_line is not None or addressed:
        recipients, r_span, body_from = _recipients(lines, header_end, end, displaced)
        if r_span:
            spans["recipients"] = r_span
            conf["recipients"] = 0.95
        else:
            body_from = header_end
    # closing: 成文日期 and 署名
    closing = find_closing(lines, body_from, end)
    if closing is not None and not (ds.embedded and closing < end - 6 and not _near_end(lines, closing, end)):
        if date is None:
            date = lines.info[closing].date
            spans["date"] = lines.lines[closing].span()
            conf["date"] = 0.97
        signed_by, sig_ids = _signature(lines, closing, body_from)
        if sig_ids:
            spans["signed_by"] = _span_of(lines, sig_ids)
            conf["signed_by"] = 0.9
        elif issuer:
            glued = _glued_signature(lines, closing, body_from, issuer)
            if glued is not None:
                signed_by = issuer
                spans["signed_by"] = glued
                conf["signed_by"] = 0.75
                repairs.append(Repair(glued.start, glued.end, issuer, "\n" + issuer, "split.signature"))
    else:
        closing = None
    if issuer is None and signed_by and not g.PERSON_SIGNATURE.match(signed_by) and (not ds.embedded or ds.number_line is not None or recipients):
        # a title printed without its organ (关于…建议的答复, a forwarded 报告): the signature names it
        issuer = signed_by
        spans["issuer"] = spans["signed_by"]
        conf["issuer"] = 0.8
    disclosure, disc_line, disc_glued = _disclosure(lines, body_from, end)
    if disclosure:
        spans["disclosure"] = lines.lines[disc_line].span()
        conf["disclosure"] = 0.95
    # body ends at the 附件说明, the 署名/日期, or the attachment pages
    body_limit = end
    if closing is not None:
        body_limit = min(sig_ids[0] if sig_ids else closing, body_limit)
    pages = _attachment_pages(lines, body_from, body_limit)
    if pages is not None:
        body_limit = pages
    attachments, att_first, att_last = _attachments(lines, body_from, end)
    if att_first is not None and att_first < body_limit:
        body_limit = att_first
    if attachments and not attachments[-1].omitted:
        orphan = _orphan_omitted_fragment(lines, body_from, body_limit)
        if orphan is not None:
            # the extractor moved the end of the last attachment title (``…汇`` + ``总表（略）``)
            frag = re.sub(r"[（(]\s*略\s*[)）]$", "", lines.text(orphan))
            last = attachments[-1]
            attachments[-1] = Attachment(last.number, last.title + frag, True, last.span)
            repairs.append(Repair(lines.lines[orphan].start, lines.lines[orphan].end, lines.source_text(orphan), "", "join.displaced_fragment"))
            body_limit = orphan
    if attachments:
        spans["attachments"] = Span(attachments[0].span.start, attachments[-1].span.end)
    body_lines = [k for k in range(body_from, body_limit) if lines.text(k) and (k != disc_line or disc_glued)]
    paragraphs = _paragraphs(lines, body_from, body_limit, repairs) if body_lines else []
    if disc_line is not None and not disc_glued:
        paragraphs = [p for p in paragraphs if p.span != lines.lines[disc_line].span()]
    elif disc_glued:
        # keep the text line, cut the 公开属性 the extractor glued to its end
        paragraphs = [_cut_glued_disclosure(p, lines.lines[disc_line]) for p in paragraphs]
    for k in displaced:
        paragraphs = _put_back(paragraphs, lines, k, repairs, notes, seq)
    if "signed_by" in spans and not sig_ids and paragraphs and paragraphs[-1].text.endswith(signed_by or "\0"):
        last = paragraphs[-1]
        cut = spans["signed_by"].start
        paragraphs[-1] = Paragraph(last.text[: -len(signed_by)], Span(last.span.start, cut), last.level, last.marker, last.table)
    if r_span and paragraphs and paragraphs[0].span.start <= r_span.start < paragraphs[0].span.end:
        # 主送 printed at the start of the first body line: the body begins after its colon
        first = paragraphs[0]
        ln = lines.lines[body_from]
        cut = next((i for i, o in enumerate(ln.offsets) if o >= r_span.end), len(ln.text))
        paragraphs[0] = Paragraph(first.text[cut:], Span(r_span.end, first.span.end), first.level, first.marker, first.table)
    claimed = set(range(ds.first_line, body_limit)) | set(sig_ids) | set(displaced)
    if att_first is not None:
        claimed |= set(range(att_first, att_last + 1))
    claimed |= {k for k in (closing, disc_line) if k is not None}
    notes_outside = [k for k in note_lines if not body_from <= k < body_limit]
    if notes_outside:
        spans["editorial_note"] = _span_of(lines, notes_outside)
        claimed |= set(notes_outside)
    if attachments and attachments[-1].omitted and body_limit < end and lines.text(body_limit) and re.search(r"[（(]\s*略\s*[)）]$", lines.text(body_limit)):
        claimed.add(body_limit)
    rest = [k for k in range(ds.first_line, end) if lines.text(k) and k not in claimed]
    bodies = attachment_bodies(lines.lines, rest, attachments, repairs, notes, seq)
    tables = tables_in(lines.lines[body_from:body_limit], notes, seq)
    # a 规章 printed in the body, or else as an attachment of the notice that issues it
    arts = articles(paragraphs) or next((found for b in bodies if (found := articles(b.paragraphs))), [])
    body_span = Span(paragraphs[0].span.start, paragraphs[-1].span.end) if paragraphs else None
    body_start = printed_text(source, body_span.start, body_span.end, 15) if body_span else ""
    body_end = printed_text(source, body_span.start, body_span.end, 15, from_end=True) if body_span else ""
    doc_span = Span(lines.lines[ds.first_line].start, lines.lines[ds.last_line].end)
    return Document(
        seq=seq,
        parent_seq=parent_seq,
        section=ds.section,
        issuer=issuer,
        doc_number=doc_number,
        title=title,
        doc_type=doc_type,
        recipients=recipients,
        signed_by=signed_by,
        date=date,
        disclosure=disclosure,
        attachments=attachments,
        paragraphs=paragraphs,
        span=doc_span,
        body_span=body_span,
        body_start=body_start,
        body_end=body_end,
        spans=spans,
        confidence=conf,
        attachment_bodies=bodies,
        tables=tables,
        articles=arts,
    )


def _near_end(lines: _Lines, closing: int, end: int) -> bool:
    """A carried document's own 署名/日期 sits at its very end (attachments may follow)."""
    k = lines.next_nonblank(closing + 1, end)
    while k is not None:
        info = lines.info[k]
        if not (info.disclosure or info.attachment or not info.text):
            return _attachment_pages(lines, k, k + 1) is not None
        k = lines.next_nonblank(k + 1, end)
    return True


_TAKES_EFFECT = re.compile(r"自\s*(?P<when>[^，,。；;自]{2,24}?)\s*起\s*(?:施行|实施|生效)")


def promulgation(order: Document, regulation: Document, source: str) -> None:
    """公布 and 施行 dates of a regulation a 令 promulgates: the note under its title
    (``（2023年4月10日…令第168号公布　自2023年6月1日起施行）``), else the order's date and
    the 施行 clause of the order or of the regulation itself (自公布之日起施行 = 公布 date)."""
    note_span = regulation.spans.get("date")
    note = source[note_span.start: note_span.end] if note_span else ""
    regulation.promulgated = order.date or g.parse_date(note)
    for text in (note, order.body, regulation.body):
        m = _TAKES_EFFECT.search(text)
        when = m.group("when") if m else ""
        effective = regulation.promulgated if re.search(r"(?:公布|发布|颁布)之日", when) else g.parse_date(when)
        if effective:
            regulation.effective = effective
            break
    if regulation.promulgated:
        regulation.date = regulation.promulgated  # a revised regulation's note lists older dates first
        regulation.confidence["date"] = 0.85


def reconcile_toc(seg: Segmentation, docs: list[Document], warnings: list[Warning]) -> None:
    """Match each TOC entry to a document; report entries and documents that disagree."""
    top = [d for d in docs if d.parent_seq is None]
    used: set[int] = set()
    by_number: dict[str, list[Document]] = {}
    for d in top:
        if d.doc_number:
            by_number.setdefault(d.doc_number.text, []).append(d)
    for e in seg.toc:
        best, best_score = None, 0.0
        # the same 文号 and a similar title settle it without comparing every title
        for d in by_number.get(e.doc_number.text, []) if e.doc_number else []:
            if d.seq not in used and similarity(e.title, d.title) >= 0.6:
                best, best_score = d, 1.0
                break
        # top-level documents first; a TOC may also list a carried document (a 令's 规章)
        for d in [] if best is not None else top + [d for d in docs if d.parent_seq is not None]:
            if d.seq in used:
                continue
            same_number = bool(e.doc_number and d.doc_number and e.doc_number.text == d.doc_number.text)
            s = similarity(e.title, d.title, 0.0 if same_number else max(0.7, best_score))
            if same_number:
                s = max(s, 0.6) + 0.4
            if d.parent_seq is not None:
                s -= 0.05
            if s > best_score:
                best, best_score = d, s
        if best is not None and best_score >= 0.7:
            e.matched_seq, e.match_score = best.seq, round(min(best_score, 1.0), 3)
            used.add(best.seq)
            if fold(e.title) != fold(best.title):
                warnings.append(Warning("toc.title_mismatch", f"目录标题与正文不一致：目录「{e.title}」，正文「{best.title}」", e.span, best.seq))
            if e.doc_number and best.doc_number and e.doc_number.text != best.doc_number.text:
                warnings.append(Warning("toc.number_mismatch", f"目录文号与正文不一致：目录 {e.doc_number.text}，正文 {best.doc_number.text}", e.span, best.seq))
                best.confidence["doc_number"] = min(best.confidence.get("doc_number", 1), 0.8)
            else:
                for k in ("title", "doc_number"):
                    if k in best.confidence:
                        best.confidence[k] = min(1.0, best.confidence[k] + 0.02)
        else:
            warnings.append(Warning("toc.missing_in_body", f"目录所列文件在正文中未找到：「{e.title}」", e.span))
    if seg.toc:
        for d in top:
            if d.seq not in used:
                warnings.append(Warning("body.missing_in_toc", f"正文中的文件未列入目录：「{d.title}」", d.spans.get("title"), d.seq))
                d.confidence["title"] = min(d.confidence.get("title", 1), 0.85)


def elements(seg: Segmentation) -> ParseResult:
    lines = _Lines(seg.normalized.lines, seg.normalized.source.text)
    repairs = list(seg.normalized.repairs)
    warnings = list(seg.warnings)
    docs: list[Document] = []
    seq_of: dict[int, int] = {}
    for index, ds in enumerate(seg.documents):
        seq = len(docs) + 1
        seq_of[index] = seq
        parent_seq = seq_of.get(ds.parent) if ds.parent is not None else None
        doc = build_document(seg, lines, ds, seq, parent_seq, repairs, warnings)
        if ds.embedded and ds.expected_title and similarity(doc.title, ds.expected_title) < 0.9:
            warnings.append(Warning("carried.title_mismatch", f"所印发文件的标题「{doc.title}」与通知所列「{ds.expected_title}」不一致", doc.spans.get("title"), seq))
        docs.append(doc)
    for d in docs:
        if d.parent_seq is not None and docs[d.parent_seq - 1].doc_type == "令":
            promulgation(docs[d.parent_seq - 1], d, seg.normalized.source.text)
    for d in docs:
        if d.parent_seq is None and d.title and carried_titles(d.title) and not any(c.parent_seq == d.seq for c in docs) and re.search(r"印发|转发", d.title):
            warnings.append(Warning("carried.not_found", f"「{d.title}」所印发的文件未在其后找到", d.spans.get("title"), d.seq))
    reconcile_toc(seg, docs, warnings)
    source = seg.normalized.source.text
    unplaced = []
    for b in seg.unplaced_lines:
        span = Span(lines.lines[b.first_line].start, lines.lines[b.last_line].end)
        unplaced.append(Unplaced(span=span, text=source[span.start: span.end], reason="outside any document" if b.first_line >= seg.toc_lines[1] else "in cover/TOC, not an entry"))
    repairs.sort(key=lambda r: (r.start, r.end))
    toc_end = seg.toc_lines[1]
    front = Span(0, lines.lines[toc_end].start if toc_end < lines.n else len(source)) if toc_end > 0 else None
    result = ParseResult(
        source=seg.normalized.source,
        gazette=seg.gazette,
        toc=seg.toc,
        documents=docs,
        repairs=repairs,
        unplaced=unplaced,
        warnings=warnings,
        region=seg.normalized.region,
        front=front,
        headings=[lines.lines[k].span() for k in seg.section_lines if lines.text(k)],
    )
    # nothing inside a document is dropped silently: what no element holds is reported
    for span in unclaimed_in_documents(result):
        result.unplaced.append(Unplaced(span=span, text=source[span.start: span.end], reason="inside a document, in no element"))
    result.unplaced.sort(key=lambda u: u.span.start)
    return result

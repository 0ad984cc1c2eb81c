"""The 附件 printed with a document: heading, title, whole text and tables.

``elements`` hands over the lines of a document that no header, body, 附件说明, 署名, date or
公开属性 claimed; they are the attachment pages (``附件1`` / ``附件 2:`` / ``附表1`` headings,
an unnumbered ``附件：``), wherever they are printed: before the 署名, after the date, after
the 公开属性 line, over page breaks. Each becomes an :class:`AttachmentBody`; lines under no
heading become one unnumbered attachment, reported — never dropped.
"""
from __future__ import annotations

import re
from typing import Optional

from .. import grammar as g
from .normalize import join_paragraphs
from .tables import tables_in
from ..model import Attachment, AttachmentBody, Line, Paragraph, Repair, Span, Warning
from ..text import compact, similarity

_OMITTED = re.compile(r"[（(]\s*略\s*[)）]")
_TITLE_END = re.compile(r"(?:表|单|名录|方案|办法|细则|制度|规则|规定|书|计划|目录|图|说明|意见|标准|要求|流程|分工|指南|协议|模板|样式|格式|函|通知|公告|须知|范本|合同|汇总|统计|情况|安排|预案|措施|清册|台账|示意|[)）])$")


def _number(text: Optional[str]) -> Optional[int]:
    if not text:
        return None
    return int(text) if text.isdigit() else g.chinese_number(text)


def _title_like(t: str) -> bool:
    return 0 < len(t) <= 60 and "\t" not in t and not g.ends_sentence(t) and "。" not in t and not g.ATTACHMENT_HEAD.match(t) and not g.heading_level(t)[0]


def _listed_title(listed: list[Attachment], number: Optional[int], text: str) -> Optional[str]:
    for a in listed:
        if number is not None and a.number == number:
            return a.title
    best = max(listed, key=lambda a: similarity(a.title, text), default=None)
    return best.title if best is not None and similarity(best.title, text) >= 0.6 else None


def _title_lines(lines: list[Line], k: int, listed: list[Attachment], number: Optional[int]) -> int:
    """How many lines from ``k`` make the attachment's title (0 when none is printed)."""
    if k >= len(lines) or not _title_like(lines[k].text):
        return 0
    first = lines[k].text
    expected = _listed_title(listed, number, first)
    best_n, best_score = 1, similarity(compact(first), expected) if expected else 0.0
    for n in (2, 3):
        if k + n > len(lines) or not _title_like(lines[k + n - 1].text):
            break
        joined = compact("".join(ln.text for ln in lines[k: k + n]))
        if expected:
            score = similarity(joined, expected)
            if score > best_score + 0.02:
                best_n, best_score = n, score
        elif not _TITLE_END.search(compact("".join(ln.text for ln in lines[k: k + n - 1]))) and len(lines[k + n - 1].text) <= 24 and _TITLE_END.search(lines[k + n - 1].text):
            best_n = n  # a title broken over lines ends with its genre word
    return best_n


def _span(lines: list[Line]) -> Span:
    spans = [ln.span() for ln in lines if ln.text]
    return Span(spans[0].start, spans[-1].end) if spans else Span(0, 0)


def attachment_bodies(
    all_lines: list[Line], ids: list[int], listed: list[Attachment], repairs: list[Repair], notes: list[Warning], seq: int
) -> list[AttachmentBody]:
    """Attachments from the unclaimed line indices ``ids`` (in order) of one document;
    ``notes`` gets a warning for an attachment with no text and for
    lines printed under no 附件 heading."""
    if not ids:
        return []
    groups: list[list[int]] = []
    for k in ids:
        if g.ATTACHMENT_HEAD.match(all_lines[k].text) or not groups:
            groups.append([k])
        else:
            groups[-1].append(k)
    bodies: list[AttachmentBody] = []
    for group in groups:
        bodies.append(_one(all_lines, group, listed, repairs, notes, seq))
    return bodies


def _one(all_lines: list[Line], group: list[int], listed: list[Attachment], repairs: list[Repair], notes: list[Warning], seq: int) -> AttachmentBody:
    head = all_lines[group[0]]
    m = g.ATTACHMENT_HEAD.match(head.text)
    nonblank = [all_lines[k] for k in group]
    if m:
        number = _number(m.group("num"))
        rest = (m.group("rest") or m.group("rest2") or "").strip()
        rest = re.sub(r"^[.．、\s]+", "", rest)
        title_from = 1
        if rest:
            title = rest
            # ``附件2：…收储点`` + ``布局表``: a short line ending in a genre word finishes the title
            extra = int(len(nonblank) > 1 and not _TITLE_END.search(compact(_OMITTED.sub("", rest)))
                        and _title_like(nonblank[1].text) and len(nonblank[1].text) <= 24
                        and bool(_TITLE_END.search(nonblank[1].text)))
            title = rest + "".join(ln.text for ln in nonblank[1: 1 + extra])
            title_from += extra
        else:
            n = _title_lines(nonblank, 1, listed, number)
            title = "".join(ln.text for ln in nonblank[1: 1 + n])
            title_from += n
    else:
        # text under no 附件 heading: kept as an unnumbered attachment, and said
        number = None
        n = _title_lines(nonblank, 0, listed, None)
        title = "".join(ln.text for ln in nonblank[:n])
        title_from = n
        notes.append(Warning("attachment.no_heading", f"text after the document under no 附件 heading kept as an attachment: «{nonblank[0].text[:30]}»", _span(nonblank), seq))
    if number is None and len(listed) == 1 and m:
        number = listed[0].number
    omitted = bool(_OMITTED.search(title))
    title = compact(_OMITTED.sub("", title)).strip("《》").strip()
    # the content: every line between the title and the next heading (blank and furniture
    # lines too, so sentence joins across page breaks are recorded like the body's)
    content_ids = group[title_from:]
    content: list[Line] = []
    if content_ids:
        wanted = set(content_ids)
        content = [ln for ln in all_lines[content_ids[0]: content_ids[-1] + 1] if ln.index in wanted or not ln.text]
    heading_lines = nonblank[:title_from]
    paragraphs: list[Paragraph] = []
    for ln in heading_lines:
        paragraphs.append(Paragraph(ln.text, ln.span(), 0, "附件" if ln is head and m else None))
    paragraphs += join_paragraphs(content, repairs)
    tables = tables_in(content, notes, seq)
    if not content and not omitted:
        omitted = True
        notes.append(Warning("attachment.empty", f"附件{number or ''} «{title}» has a heading and no text: kept as omitted", _span(nonblank), seq))
    return AttachmentBody(number=number, title=title, omitted=omitted, paragraphs=paragraphs, tables=tables, span=_span(nonblank))

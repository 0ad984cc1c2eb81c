"""Stage 3 — elements: the GB/T 9704 elements of every segmented document (read by
``pipeline.document``); a 令's regulation's 公布/施行 dates; the TOC reconciled with the
documents found; what no element holds reported.
"""
from __future__ import annotations

import re

from .. import grammar as g
from ..model import Document, ParseResult, Segmentation, Span, Unplaced, Warning
from .account import unclaimed_in_documents
from .carried import carried_titles
from .document import build_document
from .lines import Lines
from ..text import fold, similarity


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
    lines = Lines(seg.normalized.lines, seg.normalized.source.text)
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

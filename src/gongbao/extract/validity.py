"""Layer ``validity``: when a document takes effect, when it lapses, what it repeals.

One record per document that says anything about its own validity — mostly the 办法 / 规定 /
细则 / 意见 / 方案 / 预案 carried by a 印发 notice:

* ``effective_from`` — from ``自2023年9月1日起施行``, ``自印发之日起施行``, ``自发布之日起实施``,
  ``自发布之日起30日后施行`` (印发/发布/公布之日 = the date of the carrying notice, else the
  document's own date);
* ``expires_on`` — the last day of validity: ``有效期至2025年12月31日``, or ``有效期两年`` /
  ``试行期两年`` counted from ``effective_from`` (2023-09-01 + 2 years → 2025-08-31);
* ``trial`` — ``（试行）`` / ``暂行`` in the title, or a clause that says 试行 (``自印发之日起试行``);
* ``repeals`` — ``[{title, number}]`` read from ``…同时废止`` / ``原《…》停止执行``; when the
  repealed document is in the same issue, its own record gets ``repealed_by`` (this document's
  id ``{gazette}/{seq}``) and ``repealed_on``;
* ``evidence`` — the sentence(s) read.

:func:`status_on` tells 现行有效 / 尚未生效 / 已失效 / 已废止 / 未知 for a record on a date.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Optional

from ..model import Document, LayerRecord, ParseResult, Span, document_id, gazette_id
from ..grammar import parse_date
from ..text import fold, similarity
from .citations import SpanMap, find_citations, normalize_number
from .registry import RECORD_FILTERS, LayerSpec

SPEC = LayerSpec(
    name="validity",
    keys=("effective_from", "expires_on", "trial", "repealed_by", "evidence"),
    filters=RECORD_FILTERS,
    requires=("document.title", "document.date", "document.doc_number", "document.doc_type", "document.attachments",
              "document.paragraphs"),
)
LAYER = SPEC.name

STATUSES = ("现行有效", "尚未生效", "已失效", "已废止", "未知")

_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUM = r"\d{1,3}|[一二两三四五六七八九十]{1,3}"

_EFFECTIVE = re.compile(
    r"(?:自|从|于)\s{0,3}(?P<when>[^，,。；;]{2,30}?)\s{0,3}(?:起|开始)\s{0,3}"
    rf"(?:(?P<after>{_NUM})\s{{0,3}}(?:日|天)后\s{{0,3}})?(?:正式)?(?P<verb>施行|实施|执行|生效|试行)"
)
_PERIOD = re.compile(rf"(?P<kind>有效期|试[行工]期|执行期|实施期)\s{{0,3}}(?:为|暂定为?)?\s{{0,3}}(?P<n>{_NUM})\s{{0,3}}(?P<unit>年|个月)")
_UNTIL = re.compile(r"(?:有效期|执行期|试行期)?\s{0,3}(?:截)?(?:至|到)\s{0,3}(?P<date>(?:19|20)\d\d\s{0,3}年\s{0,3}\d{1,2}\s{0,3}月\s{0,3}\d{1,2}\s{0,3}日)\s{0,3}(?:止|为止)?")
# A sentence that repeals something (同时废止, 即行废止, 停止执行 …): only whether it says so counts.
_REPEAL = re.compile(r"废止|停止执行|不再执行|同时失效|自行失效")
_NOT_REPEALING = re.compile(r"予以废止的|提请废止|建议废止")
_DATED = re.compile(r"\d|[〇○一二三四五六七八九十]{2,}年")
_ISSUE_DAY = re.compile(r"(?:印发|发布|公布|颁布|下发|发文|签发)之日")
_REPEAL_BARE = re.compile(r"(?:原|此前印发的|之前印发的)(?P<title>[^，,。；;《》]{4,60}?)(?:同时|即行|自行|一并)?(?:废止|停止执行|不再执行)")
_SUBJECT = re.compile(
    r"(?:本|以上|上述)[\u4e00-\u9fff]{0,8}?(?:办法|规定|细则|意见|方案|预案|通知|政策|决定|制度|规则|指南|标准|计划|要点|措施|条例|实施方案)"
)
_TRIAL_TITLE = re.compile(r"[（(]\s{0,3}(?:试行|暂行)\s{0,3}[)）]|暂行|试行(?:办法|规定|细则|方案)")
_CARRIER = re.compile(r"印发|转发|批转|颁发|发布")
# Decisions on one matter, made once: appointments (任免) and replies (批复) have no period of
# validity, so a status of 未知 would say nothing about them.
_ONE_MATTER_TITLE = re.compile(r"任免|任职|免职|免去|聘任|解聘")
ONE_MATTER_TYPES = ("批复",)


def has_validity(doc_type: Optional[str], title: Optional[str], section: Optional[str] = None) -> bool:
    """Whether a document of this type can be in force or not: False for 任免 notices and
    批复 (a decision on one matter), True for anything else."""
    if doc_type in ONE_MATTER_TYPES:
        return False
    return not _ONE_MATTER_TITLE.search(title or "") and not _ONE_MATTER_TITLE.search(section or "")


def _n(s: str) -> int:
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _CN[s]
    if s.startswith("十"):
        return 10 + (_CN[s[1]] if len(s) > 1 else 0)
    return _CN[s[0]] * 10 + (_CN[s[2]] if len(s) > 2 else 0)


def _add(d: date, years: int = 0, months: int = 0) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + years + y, m + 1
    day = d.day
    while True:
        try:
            return date(y, m, day)
        except ValueError:
            day -= 1


_SENTENCE = re.compile(r"[^。；！？]*(?:[。；！？]|$)")


def _sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence (ending 。；！？, or the end of the text)."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.end() > m.start()]


def _issue_date(result: ParseResult, doc: Document) -> Optional[str]:
    """印发之日: the carrying notice's date, else the document's own."""
    if doc.parent_seq is not None:
        parent = next((d for d in result.documents if d.seq == doc.parent_seq), None)
        if parent and parent.date:
            return parent.date
    return doc.date


def _is_carrier(doc: Document, result: ParseResult) -> bool:
    return any(d.parent_seq == doc.seq for d in result.documents) or bool(
        doc.doc_type == "通知" and _CARRIER.search(doc.title or "")
    )


def _read(doc: Document, issued: Optional[str], spans: SpanMap) -> Optional[dict]:
    """The validity facts stated in ``doc``'s own body (None when it states none)."""
    effective = expires = None
    period: Optional[tuple[int, str]] = None
    trial_clause = False
    repeals: list[dict] = []
    evidence: list[str] = []
    span: Optional[Span] = None

    def note(p, a: int, b: int) -> None:
        nonlocal span
        text = p.text[a:b].strip()
        if text not in evidence:
            evidence.append(text)
        s = spans.span(p, a, b)
        span = s if span is None else Span(min(span.start, s.start), max(span.end, s.end))

    last, body = len(doc.paragraphs) - 3, len(doc.paragraphs)
    # the body, then the attachments (a 规定 printed as the notice's 附件 says when it applies)
    for k, p in enumerate(doc.content_paragraphs()):
        if p.table:
            continue
        for a, b in _sentences(p.text):
            sent = p.text[a:b]
            hit = False
            # a clause about the document itself names it (本办法…) or stands in its closing
            # paragraphs (附则); elsewhere 自…起实施 / 有效期3年 are about what it regulates
            own = last <= k < body or bool(_SUBJECT.search(sent))
            m = _EFFECTIVE.search(sent) if own else None
            if m:
                when = m.group("when")
                iso = parse_date(when) if _DATED.search(when) else None
                if iso is None and _ISSUE_DAY.search(when):
                    iso = issued
                if iso and m.group("after"):
                    iso = (date.fromisoformat(iso) + timedelta(days=_n(m.group("after")))).isoformat()
                if iso or "之日" in when:
                    effective = effective or iso
                    trial_clause = trial_clause or m.group("verb") == "试行"
                    hit = True
            pm = _PERIOD.search(sent) if own else None
            if pm:
                period = (_n(pm.group("n")), pm.group("unit"))
                trial_clause = trial_clause or pm.group("kind").startswith("试")
                hit = True
            um = _UNTIL.search(sent) if own and (pm or m or "有效期" in sent or "执行期" in sent) else None
            if um:
                expires = parse_date(um.group("date"))
                hit = True
            if _REPEAL.search(sent) and not _NOT_REPEALING.search(sent):
                found = [c for c in find_citations(sent) if c.title or c.number]
                for c in found:
                    repeals.append({"title": c.title, "number": c.number})
                if not found:
                    bm = _REPEAL_BARE.search(sent)
                    if bm:
                        num = normalize_number(bm.group("title"))
                        repeals.append({"title": None if num else bm.group("title"), "number": num})
                hit = hit or bool(found) or bool(_REPEAL_BARE.search(sent))
            if hit:
                subj = [s for s in _SUBJECT.finditer(sent[: (m.start() if m else len(sent))])]
                start = a + subj[-1].start() if subj and m else a
                note(p, start, b)
    if expires is None and period:
        start = effective or issued
        if start:
            n, unit = period
            end = _add(date.fromisoformat(start), years=n if unit == "年" else 0, months=n if unit != "年" else 0)
            expires = (end - timedelta(days=1)).isoformat()
    if not evidence:
        return None
    return {
        "effective_from": effective,
        "expires_on": expires,
        "trial": trial_clause,
        "repeals": repeals,
        "evidence": "".join(evidence),
        "_span": span,
    }


def extract(result: ParseResult) -> list[LayerRecord]:
    spans = SpanMap(result.source.text)
    gid = gazette_id(result)
    by_seq: dict[int, LayerRecord] = {}
    for doc in result.documents:
        issued = _issue_date(result, doc)
        facts = _read(doc, issued, spans)
        if doc.effective and (facts is None or facts["effective_from"] is None):
            # the 施行 date a 令 gives the regulation it promulgates (elements.promulgation)
            facts = facts or {"expires_on": None, "trial": False, "repeals": [], "evidence": doc.title,
                              "_span": doc.spans.get("date", doc.spans.get("title", doc.span))}
            facts["effective_from"] = doc.effective
        carrier = _is_carrier(doc, result)
        trial_title = bool(_TRIAL_TITLE.search(doc.title or "")) and not carrier
        if facts is None and not trial_title:
            continue
        facts = facts or {"effective_from": None, "expires_on": None, "trial": False, "repeals": [],
                          "evidence": doc.title, "_span": doc.spans.get("title", doc.span)}
        span = facts.pop("_span") or doc.span
        facts["trial"] = facts["trial"] or trial_title
        facts["repealed_by"] = None
        facts["repealed_on"] = None
        by_seq[doc.seq] = LayerRecord(LAYER, doc.seq, span, facts, 0.9 if facts["effective_from"] or facts["expires_on"] else 0.7)
    # a notice's clause (现将《…》印发给你们，自…起施行) covers the document it carries
    for doc in result.documents:
        if doc.parent_seq is not None and doc.seq not in by_seq and doc.parent_seq in by_seq:
            parent = by_seq[doc.parent_seq]
            by_seq[doc.seq] = LayerRecord(LAYER, doc.seq, parent.span, dict(parent.fields), parent.confidence)
    _link_repeals(result, by_seq, gid)
    return [by_seq[s] for s in sorted(by_seq)]


def _same_document(ref: dict, doc: Document) -> bool:
    num = doc.doc_number.text if doc.doc_number else None
    if ref.get("number") and num and fold(ref["number"]) == fold(num):
        return True
    title = ref.get("title")
    return bool(title) and similarity(title, doc.title, cutoff=0.9) >= 0.9


def _link_repeals(result: ParseResult, by_seq: dict[int, LayerRecord], gid: str) -> None:
    """Mark documents of this issue that a later document repeals."""
    for seq, rec in list(by_seq.items()):
        for ref in rec.fields["repeals"]:
            for doc in result.documents:
                if doc.seq == seq or not _same_document(ref, doc):
                    continue
                target = by_seq.get(doc.seq)
                if target is None:
                    target = LayerRecord(LAYER, doc.seq, doc.span, {
                        "effective_from": None, "expires_on": None, "trial": bool(_TRIAL_TITLE.search(doc.title or "")),
                        "repeals": [], "evidence": rec.fields["evidence"], "repealed_by": None, "repealed_on": None,
                    }, 0.7)
                    by_seq[doc.seq] = target
                target.fields["repealed_by"] = document_id(gid, seq)
                target.fields["repealed_on"] = rec.fields["effective_from"]


def _fields(rec) -> dict:
    if isinstance(rec, LayerRecord):
        return rec.fields
    return rec["fields"] if isinstance(rec, dict) and isinstance(rec.get("fields"), dict) else rec


def status_on(record, on) -> str:
    """现行有效 / 尚未生效 / 已失效 / 已废止 / 未知 of a validity record on date ``on``."""
    f = _fields(record)
    d = on.isoformat() if isinstance(on, date) else str(on)
    if f.get("repealed_by") and (not f.get("repealed_on") or d >= f["repealed_on"]):
        return "已废止"
    start, end = f.get("effective_from"), f.get("expires_on")
    if start and d < start:
        return "尚未生效"
    if end and d > end:
        return "已失效"
    if start:
        return "现行有效"
    return "未知"

"""Layer ``hazards``: 挂牌督办 of major hazards, and their 摘牌 / 销案.

A 挂牌督办 notice names the enterprises (one, or ``A、B、C共8家…企业`` in the body behind a
title ``A等8家…``), the hazard (重大生产安全事故隐患, 重大火灾隐患), the 判定标准 it is judged
by (``根据《工贸企业重大事故隐患判定标准》第三条第二项之规定``; per enterprise when each has its
own), and sometimes a 督办单位 and an 整改期限. A 销案摘牌 notice names the enterprise whose
case is closed. One record per enterprise: ``enterprise``, ``hazard``, ``basis`` (the cited
title without 《》), ``articles`` (the articles cited, as printed), ``supervising_unit`` (as
printed; the issuing office when the notice names none — it is the one that 挂牌督办s),
``deadline`` (ISO) and ``deadline_text``, ``action`` (挂牌 / 摘牌 / 销案), ``operator`` (the
enterprise managing the listed site, ``X管理的Y小区``), ``date``.

:func:`hazard_cases` pairs each 摘牌 / 销案 with the open 挂牌 case of the same enterprise
(names compared loosely: region prefixes, company-form suffixes and one-character OCR slips
do not matter), giving open and closed cases.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator, Optional

from ..model import Document, LayerRecord, ParseResult
from ..grammar import parse_date
from ..text import fold
from .registry import RECORD_FILTERS, Closings, LayerSpec
from .textspan import Piece, piece

CLOSING = ("摘牌", "销案")
SPEC = LayerSpec(
    name="hazards",
    keys=("enterprise", "hazard", "basis", "supervising_unit", "deadline", "action", "date"),
    unit_keys=("supervising_unit",),
    filters=(*RECORD_FILTERS, "unit", "date_from", "date_to", "due_from", "due_to", "overdue_as_of", "enterprise",
             "action"),
    requires=("document.title", "document.date", "document.issuer", "document.signed_by",
              "document.paragraphs"),
    # enterprise_key and closed_by are defined below; a listing without an enterprise stays open
    spellings={"enterprise": lambda name: enterprise_key(name)},
    closings=Closings(CLOSING,
                      lambda listing, closings: bool(listing.get("enterprise")) and closed_by(listing, closings)),
)
LAYER = SPEC.name

_TITLE = re.compile(r"挂牌督办|摘牌|销案")
_CLAUSE_END = "，。；\n"
_HAZARD = re.compile(r"^的?(?P<hazard>[^，。；]{0,30}?隐患)")
_COUNT_TAIL = re.compile(r"共\s*\d+\s*家[^、]*$")
_TITLE_LISTING = re.compile(r"关于对(?P<list>.+?)(?:等\s*(?P<n>\d+)\s*家[^存重]*?)?(?:存在)?(?P<hazard>重大[^，。进]*?隐患)")
# ``《A》（应急部10号令）第4条第1项、第19条，第32条之规定``: articles may go on after a comma.
_CITATION = re.compile(
    r"《(?P<title>[^《》]+)》(?:[（(](?P<note>[^）)]*)[）)])?"
    r"(?P<articles>(?:[^，。；《》]|，(?=第))*?)(?:的有关条款|有关条款|之|的)?规定"
)
_SUPERVISOR = re.compile(r"(?:挂牌)?督办(?:单位|部门)[：:为是]\s*(?P<unit>[^，。；\s]+)|由(?P<by>[^，。；]{2,30}?)(?:负责)?(?:挂牌)?督办")
_DEADLINE = re.compile(
    r"(?:整改(?:期限|时限)|限期|完成时限)[：:为至到]*\s*(?P<a>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"|(?:于|在)\s*(?P<b>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:前|之前)[^，。；]{0,6}整改"
)
_COMPANY_FORM = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|分公司|公司|单位)$")


def extract(result: ParseResult) -> list[LayerRecord]:
    records: list[LayerRecord] = []
    for doc in result.documents:
        if doc.parent_seq is None and _TITLE.search(doc.title) and "隐患" in doc.title:
            records.extend(_document_records(result, doc))
    return records


def _action(title: str) -> str:
    if "摘牌" in title:
        return "摘牌"
    if "销案" in title:
        return "销案"
    return "挂牌"


def _document_records(result: ParseResult, doc: Document) -> Iterator[LayerRecord]:
    pieces = [piece(result, p) for p in doc.content_paragraphs()]
    body = "\n".join(p.text for p in pieces)
    listing = _listing(body)
    title_listing = _TITLE_LISTING.search(doc.title[:200])
    if listing is not None:
        names = _split_list(listing.names)
        hazard = listing.hazard
        confidence = 0.9
    elif title_listing is not None:
        names = [title_listing["list"]]
        hazard = title_listing["hazard"]
        confidence = 0.6  # from the title only: a 等N家 list loses all but the first
    else:
        return
    expected = title_listing["n"] if title_listing is not None else None
    if expected is not None and int(expected) != len(names):
        confidence = min(confidence, 0.6)
    supervisor = _SUPERVISOR.search(body)
    deadline = _DEADLINE.search(body)
    deadline_text = (deadline["a"] or deadline["b"]) if deadline else None
    for name in names:
        operator, enterprise = _operator(name)
        basis, articles = _basis(body, enterprise, listing.start if listing else len(body))
        yield LayerRecord(
            layer=LAYER,
            doc_seq=doc.seq,
            span=_span_of(pieces, enterprise, doc),
            fields={
                "enterprise": enterprise,
                "hazard": hazard,
                "basis": basis,
                "articles": articles,
                "supervising_unit": (supervisor["unit"] or supervisor["by"]) if supervisor else (doc.issuer or doc.signed_by),
                "deadline": parse_date(deadline_text) if deadline_text else None,
                "deadline_text": deadline_text,
                "action": _action(doc.title),
                "operator": operator,
                "date": doc.date,
            },
            confidence=confidence,
        )


@dataclass(frozen=True)
class _Listing:
    start: int  # of the clause in the body
    names: str  # ``A、B、C`` as printed
    hazard: str


def _listing(body: str) -> Optional[_Listing]:
    """The clause ``现对A、B共2家企业存在的重大…隐患进行挂牌督办`` (or ``…进行了挂牌督办`` in a
    销案 notice), read by position rather than one regex: a long unpunctuated body must not
    make a backtracking regex try every 对 against every 存在."""
    for m in re.finditer("挂牌督办", body):
        start = max(body.rfind(c, 0, m.start()) for c in _CLAUSE_END) + 1
        clause = body[start:m.start()]
        at = clause.rfind("存在")
        obj = clause.find("对", 0, max(at, 0))
        if at < 0 or obj < 0:
            continue
        hazard = _HAZARD.match(clause[at + 2:])
        names = _COUNT_TAIL.sub("", clause[obj + 1:at]).strip()
        if hazard is not None and names:
            return _Listing(start, names, hazard["hazard"])
    return None


def _split_list(text: str) -> list[str]:
    """``A、B（山西）C、D`` → names, split at 、 outside brackets."""
    names, depth, current = [], 0, ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth > 0:
            depth -= 1
        if ch == "、" and depth == 0:
            names.append(current)
            current = ""
        else:
            current += ch
    names.append(current)
    return [n.strip() for n in names if n.strip()]


def _operator(name: str) -> tuple[Optional[str], str]:
    """``X管理的Y`` → (X, Y): the listed site is Y, X runs it."""
    m = re.match(r"^(?P<op>.+?)(?:管理|经营|运营)的(?P<site>.+)$", name)
    return (m["op"], m["site"]) if m else (None, name)


def _basis(body: str, enterprise: str, listing_at: int) -> tuple[Optional[str], Optional[str]]:
    """The 判定标准 cited for ``enterprise``: the citation of the clause that names it
    (``根据《A》…之规定，X存在4条重大隐患``), else the last citation before the listing."""
    for clause in re.split(r"[；;]", body[:listing_at]):
        if enterprise in clause:
            found = list(_CITATION.finditer(clause))
            if found:
                return _cited(found[-1])
    found = list(_CITATION.finditer(body[:listing_at]))
    return _cited(found[-1]) if found else (None, None)


def _cited(m: re.Match[str]) -> tuple[str, Optional[str]]:
    articles = m["articles"].strip("，、 ")
    return m["title"], (articles if "第" in articles else None)


def _span_of(pieces: list[Piece], name: str, doc: Document):
    for p in pieces:
        at = p.text.find(name)
        if at >= 0:
            return p.span(at, at + len(name))
    return doc.span


# -- lifecycle ---------------------------------------------------------------------------


@dataclass
class HazardCase:
    """One enterprise's case: listed (挂牌) and, once a 摘牌 / 销案 names it, closed.

    ``listings`` holds every 挂牌 record of the case (listed again while still open);
    ``opened`` is None when the closing notice is all the records hold."""

    enterprise: str
    opened: Optional[dict[str, Any]]
    closed: Optional[dict[str, Any]] = None
    listings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "closed" if self.closed is not None else "open"

    @property
    def deadline(self) -> Optional[str]:
        dates = [r.get("deadline") for r in self.listings if r.get("deadline")]
        return max(dates) if dates else None

    def overdue(self, as_of: str) -> bool:
        """Open, with a 整改期限 before ``as_of`` (ISO date)."""
        return self.status == "open" and self.deadline is not None and self.deadline < as_of

    def to_dict(self) -> dict[str, Any]:
        return {
            "enterprise": self.enterprise,
            "status": self.status,
            "opened_on": self.opened.get("date") if self.opened else None,
            "closed_on": self.closed.get("date") if self.closed else None,
            "deadline": self.deadline,
            "opened": self.opened,
            "closed": self.closed,
            "listings": self.listings,
        }


def _view(record: Any) -> dict[str, Any]:
    if isinstance(record, LayerRecord):
        return {**record.fields, "doc_seq": record.doc_seq, "span": record.span.to_list()}
    return dict(record)


@lru_cache(maxsize=65536)
def enterprise_key(name: str) -> str:
    """Comparison key of an enterprise name: no leading region names (山西盂县…, 阳泉市…),
    no company form, folded."""
    from ..gazetteer.regions import by_name

    key = fold(name)
    stripped = True
    while stripped:
        stripped = False
        for n in range(min(len(key) - 2, 9), 1, -1):  # longest region name first
            # full names (盂县, 阳泉市), and stems of provinces and prefectures only (山西, 阳泉):
            # a county stem is too often a firm's own name (永泰 in 永泰加油站)
            if any(r.name == key[:n] or r.level < 3 for r in by_name(key[:n])):
                key, stripped = key[n:], True
                break
    return _COMPANY_FORM.sub("", key) or fold(name)


def same_enterprise(a: str, b: str) -> bool:
    """Loose name match: equal keys, or keys one edit apart (an OCR slip: 铁业 / 铁矿业) when
    they are long enough for one edit not to make another enterprise (a 福跃 more is two)."""
    ka, kb = enterprise_key(a), enterprise_key(b)
    if ka == kb:
        return True
    if min(len(ka), len(kb)) < 4:
        return False
    return _within_one_edit(ka, kb)


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


def _order(view: dict[str, Any]) -> tuple:
    return (view.get("date") or "", str(view.get("doc_id", view.get("doc_seq", ""))), view.get("action") in CLOSING)


def hazard_cases(records: Iterable[Any]) -> list[HazardCase]:
    """Cases in date order: each 挂牌 opens a case (or joins the open case of the same
    enterprise); each 摘牌 / 销案 closes the earliest open case of its enterprise, or stands
    as a closed case of its own when its 挂牌 is not among the records."""
    cases: list[HazardCase] = []
    # Open cases by region: a record is compared with its own region's only (linear, not
    # quadratic, in the records of many regions).
    open_cases: dict[Optional[str], list[HazardCase]] = {}
    for view in sorted((_view(r) for r in records), key=_order):
        name = view.get("enterprise") or ""
        open_case = _open_case(_candidates(open_cases, view, cases), view, name)
        if view.get("action") in CLOSING:
            if open_case is not None:
                open_case.closed = view
                open_cases[_region(open_case.opened)].remove(open_case)
            else:
                cases.append(HazardCase(name, None, view))
        elif open_case is not None:
            open_case.listings.append(view)
        else:
            case = HazardCase(name, view, None, [view])
            cases.append(case)
            open_cases.setdefault(_region(view), []).append(case)
    return cases


def _candidates(open_cases: dict[Optional[str], list[HazardCase]], view: dict[str, Any],
                cases: list[HazardCase]) -> list[HazardCase]:
    """Open cases of the record's region and of no known region, in the order they were
    opened (all open cases for a record of no known region)."""
    region = _region(view)
    if region is not None and not open_cases.get(None):
        return open_cases.get(region, [])
    wanted = {id(c) for key, group in open_cases.items() if region is None or key in (region, None) for c in group}
    return [c for c in cases if id(c) in wanted]


def _document(view: dict[str, Any]) -> Any:
    return view.get("doc_id", view.get("doc_seq"))


def _region(view: dict[str, Any]) -> Optional[str]:
    """Region code of a stored record (its doc id starts with it), None when unknown."""
    head = str(view.get("doc_id", "")).split("/", 1)[0]
    return head if len(head) == 6 and head.isdigit() else None


def _same_region(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """盂县人民医院 and 平定县人民医院 share a key (人民医院): the region tells them apart."""
    ra, rb = _region(a), _region(b)
    return ra is None or rb is None or ra == rb


def _open_case(cases: list[HazardCase], view: dict[str, Any], name: str) -> Optional[HazardCase]:
    """The open case ``view`` belongs to: same name key first, else a loose match. The names
    one notice lists are different enterprises, so a case never takes a second name from the
    document that opened it."""
    candidates = [
        c for c in cases
        if c.status == "open" and c.opened is not None and _same_region(c.opened, view)
        and not any(_document(listing) == _document(view) for listing in c.listings)
    ]
    key = enterprise_key(name)
    exact = next((c for c in candidates if enterprise_key(c.enterprise) == key), None)
    return exact or next((c for c in candidates if same_enterprise(c.enterprise, name)), None)


def closed_by(listing: dict[str, Any], closings: Iterable[dict[str, Any]]) -> bool:
    """Whether a 摘牌 / 销案 on or after the 挂牌 ``listing`` names its enterprise."""
    return any(
        (c.get("date") or "") >= (listing.get("date") or "")
        and _same_region(c, listing)
        and same_enterprise(c.get("enterprise") or "", listing.get("enterprise") or "")
        for c in closings
    )

"""Layer ``duties``: who of the government's leaders is responsible for what (领导分工).

A 分工 notice (``…工作分工的通知``, ``…调整…分工…``) prints one block per leader::

    县委常委、县政府党组成员、副县长王珂：负责民生、市场监管、退役军人事务、金融等方面的工作。
    分管：县民政局、县市场监督管理局、县退役军人事务局、县金融事务服务中心。
    联系：县残联、县烟草专卖局（县烟草公司）、…
    完成县长交办的其他工作。

One record per leader: ``leader``, ``role`` (the government post among the printed titles —
县长/副县长/常务副县长… — else the last title), ``titles`` (all, as printed), ``areas``
(the 负责/主持/协助 fields, split into single fields), ``units`` (分管, 主管 and 联系 units as
printed, in order; ``manages`` and ``liaises`` keep the two kinds apart), ``date``, the
region, and ``adjustment`` (the notice changes an earlier 分工 rather than setting one).

A later notice of the same region supersedes the earlier one: a full notice entirely, an
adjustment for the leaders and fields it names. :func:`responsible_on` answers "who was
responsible for X on that day" from records of any number of issues.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Optional

from ..model import Document, LayerRecord, ParseResult, Span
from ..text import fold
from .orgs import compounds_with_he, normalize_unit, region_of
from .registry import RECORD_FILTERS, LayerSpec
from .textspan import Piece, piece
from ..text import split_outside_brackets

SPEC = LayerSpec(
    name="duties",
    keys=("leader", "role", "areas", "units", "date"),
    unit_keys=("units", "manages", "liaises"),
    filters=(*RECORD_FILTERS, "unit", "person", "date_from", "date_to"),
    requires=("document.title", "document.date", "document.paragraphs"),
)
LAYER = SPEC.name

# 分工 of the leaders themselves, not a 方案's 任务分工 (those are carried by a 印发 notice).
_TITLE = re.compile(r"(?:(?:省|市|县|区|州|旗|盟)长|领导|党组成员|班子成员)[^，。]{0,30}分工")
_TITLE_WORD = r"(?:长|书记|常委|成员|主任|委员|助理|巡视员|调研员)"
_LEADER = re.compile(
    rf"^(?P<titles>[^：:，。；]{{2,60}}?{_TITLE_WORD})(?P<name>[\u4e00-\u9fff·]{{2,4}})[：:](?P<rest>.*)$"
)
# Run together, the name first: ``任某某县委常委、政府党组副书记、副县长:负责…`` (the titles
# begin with an organ or a post; a bracket such as （挂职） may close them)
_ORGAN_START = r"(?:[省市县区州旗盟]委|[省市县区州旗盟]政府|[省市县区州旗盟]人民政府|政府|党组|常务|副?[省市县区州旗盟]长)"
_NAME_FIRST = re.compile(
    rf"^(?P<name>[\u4e00-\u9fff·]{{2,3}}?)(?P<titles>(?={_ORGAN_START})[^：:，,。；]{{1,60}}?{_TITLE_WORD}(?:[（(][^（()）]{{1,6}}[)）])?)[：:](?P<rest>.*)$"
)
# What a leader's block goes on with: fields, units, the boilerplate closing line
_CONTINUES = re.compile(r"^(?:负责|主持|协助|分管|主管|联系|协管|完成|牵头)")
_GOV_POST = re.compile(r"(?:常务)?副?(?:省|市|县|区|州|旗|盟)长$")
_PRINCIPAL = re.compile(r"^(?:省|市|县|区|州|旗|盟)长$")
_UNIT_LINE = re.compile(r"^(?P<kind>分管|主管|联系|协管)[：:](?P<list>.*)$")
_ASSIST_UNITS = re.compile(r"^协助[^，。]{0,8}?(?P<kind>分管|主管|联系)(?P<list>.+)$")
_BOILERPLATE = re.compile(r"^完成.{0,10}交办的其他(?:工作|任务)")
_AREA_VERB = re.compile(r"^(?:负责|主持)+")
_KEEP_WHOLE = re.compile(r"(?:全面|常务|日常)工作$")
_AREA_TAIL = re.compile(r"(?:等)?(?:方面)?的?工作$")
_COLLECTIVE = re.compile(r"等[\u4e00-\u9fff]{0,4}(?:机构|单位|企业|部门|组织)$")


def extract(result: ParseResult) -> list[LayerRecord]:
    records: list[LayerRecord] = []
    for doc in result.documents:
        if doc.parent_seq is None and _TITLE.search(doc.title) and "印发" not in doc.title:
            records.extend(_document_records(result, doc))
    return records


def _document_records(result: ParseResult, doc: Document) -> Iterator[LayerRecord]:
    region = region_of(result.region) or region_of(result.gazette.region_code)
    adjustment = "调整" in doc.title
    current: Optional[dict[str, Any]] = None
    first: Optional[Piece] = None  # the leader's line, where the block's span starts
    last_piece: Optional[Piece] = None
    for paragraph in doc.content_paragraphs():
        text = piece(result, paragraph)
        head = _LEADER.match(text.text) or _NAME_FIRST.match(text.text)
        if head is not None and _is_titles(head["titles"]):
            if current is not None and first is not None:
                yield _record(doc, current, first, last_piece)
            titles = [re.sub(r"[（(][^（()）]*[)）]$", "", t) for t in head["titles"].split("、") if t]
            current = {
                "leader": head["name"],
                "role": _role(titles),
                "titles": titles,
                "areas": [],
                "units": [],
                "manages": [],
                "liaises": [],
                "date": doc.date,
                "region": region.name if region else result.gazette.region,
                "region_code": region.code if region else result.gazette.region_code,
                "adjustment": adjustment,
            }
            first = text
            _read(head["rest"], current)
        elif current is not None and _CONTINUES.match(text.text):
            _read(text.text, current)
        elif current is not None:
            # a paragraph about something else (相互补位…, a heading) ends the leader's block
            yield _record(doc, current, first, last_piece)
            current = first = None
            continue
        else:
            continue
        last_piece = text
    if current is not None and first is not None:
        yield _record(doc, current, first, last_piece)


def _is_titles(titles: str) -> bool:
    """A leader's titles name a post, not a sentence (现将…分工通知如下)."""
    return not re.search(r"现将|如下|通知|根据", titles)


def _record(doc: Document, fields: dict[str, Any], first: Piece, last: Optional[Piece]) -> LayerRecord:
    """The leader's block: from the leader's line to the last line read for them."""
    span = Span(first.span().start, (last or first).span().end)
    return LayerRecord(layer=LAYER, doc_seq=doc.seq, span=span, fields=fields)


def _role(titles: list[str]) -> str:
    for title in titles:
        if _GOV_POST.search(title):
            return title
    return titles[-1]


def _read(text: str, entry: dict[str, Any]) -> None:
    """Add the areas and units one paragraph (or the rest of a leader's line) states."""
    for sentence in _split_top(text, "。；"):
        if _BOILERPLATE.match(sentence):
            continue
        m = _UNIT_LINE.match(sentence) or _ASSIST_UNITS.match(sentence)
        if m is not None:
            units = _units(m["list"])
            entry["units"].extend(units)
            entry["liaises" if m["kind"] == "联系" else "manages"].extend(units)
            continue
        entry["areas"].extend(_areas(sentence))


def _areas(sentence: str) -> list[str]:
    """``负责A、B和C，D等方面的工作`` → [A, B, C, D]; ``协助县长工作`` stays whole."""
    areas: list[str] = []
    groups: list[str] = []
    for clause in _split_top(sentence, "，,"):
        if _AREA_VERB.match(clause) or not groups:
            groups.append(clause)
        else:
            groups[-1] += "，" + clause
    compounds = compounds_with_he()
    for group in groups:
        group = _AREA_VERB.sub("", group)
        if group.startswith("协助") and "负责" in group:
            group = group[group.index("负责") + 2:]
        elif group.startswith("协助"):
            areas.append(group)
            continue
        if not _KEEP_WHOLE.search(group):
            group = _AREA_TAIL.sub("", group)
        for item in _split_top(group, "、，,"):
            if "和" in item and not any(c in item for c in compounds):
                areas.extend(part for part in item.split("和") if part)
            else:
                areas.append(item)
    return areas


def _units(text: str) -> list[str]:
    """Units as printed, split at 、 outside brackets; ``A、B等机构`` after a comma stays one."""
    units: list[str] = []
    for group in _split_top(text, "，,"):
        if _COLLECTIVE.search(group):
            units.append(group)
        else:
            units.extend(_split_top(group, "、"))
    return units


def _split_top(text: str, separators: str) -> list[str]:
    """Parts of ``text`` between separators outside brackets, stripped, empty ones dropped."""
    return split_outside_brackets(text, separators)


# -- queries over records of many issues ----------------------------------------------


def _view(record: Any) -> dict[str, Any]:
    """A duties record as a dict: an export / store record, or a LayerRecord."""
    if isinstance(record, LayerRecord):
        return {**record.fields, "doc_id": record.fields.get("doc_id", record.doc_seq)}
    return dict(record)


def _notices(records: Iterable[Any]) -> dict[str, list[tuple[tuple, list[dict[str, Any]]]]]:
    """region code -> its notices in date order, each as (sort key, entries)."""
    by_doc: dict[tuple, list[dict[str, Any]]] = {}
    for record in records:
        view = _view(record)
        key = (view.get("region_code") or "", view.get("date") or "", str(view.get("doc_id")))
        by_doc.setdefault(key, []).append(view)
    regions: dict[str, list[tuple[tuple, list[dict[str, Any]]]]] = {}
    for key in sorted(by_doc):
        regions.setdefault(key[0], []).append((key, by_doc[key]))
    return regions


def _is_full(entries: list[dict[str, Any]]) -> bool:
    """A full notice: not an adjustment, or an adjustment that re-sets the principal's duties too."""
    return not entries[0].get("adjustment") or any(_PRINCIPAL.match(e.get("role") or "") for e in entries)


def in_force(records: Iterable[Any], date: str, region_code: Optional[str] = None) -> list[dict[str, Any]]:
    """The duties entries in force on ``date`` (ISO), per region: the latest full notice on or
    before it, changed by the adjustments after it (an adjusted leader's entry is replaced; the
    fields and units it is given are taken from the others)."""
    result: list[dict[str, Any]] = []
    for code, notices in _notices(records).items():
        if region_code is not None and code != region_code:
            continue
        state: dict[str, dict[str, Any]] = {}
        for (_code, day, _doc), entries in notices:
            if day > date:
                break
            if _is_full(entries):
                state = {}
            else:
                given = {fold(x) for e in entries for x in (*e.get("areas", []), *e.get("units", []))}
                for leader, old in list(state.items()):
                    state[leader] = {
                        **old,
                        "areas": [a for a in old.get("areas", []) if fold(a) not in given],
                        "units": [u for u in old.get("units", []) if fold(u) not in given],
                    }
            for entry in entries:
                state[entry["leader"]] = entry
        result.extend(state.values())
    return result


def responsible_on(records: Iterable[Any], area: str, date: str, region_code: Optional[str] = None) -> list[dict[str, Any]]:
    """Entries of the leaders responsible for ``area`` (a field like 安全生产, or a unit like
    县应急局) on ``date``. A field matches when ``area`` is part of it; a unit also when both
    normalize to the same canonical unit of the entry's region."""
    wanted = fold(area)
    found = []
    for entry in in_force(records, date, region_code):
        region = entry.get("region_code")
        canonical = normalize_unit(area, region)
        hit = any(wanted in fold(a) for a in entry.get("areas", [])) or any(
            wanted in fold(u) or normalize_unit(u, region) == canonical for u in entry.get("units", [])
        )
        if hit:
            found.append(entry)
    return found


def supersedes(records: Iterable[Any]) -> dict[str, list[str]]:
    """doc id (or seq) of each notice -> the earlier notices of its region it supersedes:
    a full notice every notice before it back to the previous full one, an adjustment the
    notice in force before it (partly)."""
    result: dict[str, list[str]] = {}
    for notices in _notices(records).values():
        since_full: list[str] = []
        for (_code, _day, doc), entries in notices:
            if _is_full(entries):
                result[doc] = list(since_full)
                since_full = [doc]
            else:
                result[doc] = since_full[-1:]
                since_full.append(doc)
    return result

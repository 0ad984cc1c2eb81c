"""Layer ``personnel``: one record per person, action and position in a 任免 notice.

A 任免 notice (title with 任免/任职/免职/聘任/提名…, or a body with 任命：/免去：/聘任：/提名：
blocks) lists its items in a few printed shapes, all handled clause by clause:

- block items under a header:  ``任命：`` ``XX同志任…；`` / ``XX为…；`` — ``免去：`` ``XX同志的…职务。``
- inline verbs:  ``任命XX同志为…``, ``免去XX同志的…职务``, ``聘任XX为…，聘期三年``, ``提名XX为…人选``
- several persons:  ``张三、李四同志为…``;  a follow-up on the same person:  ``…，免去其…职务``
- conditions in brackets or trailing clauses:  （试用期一年） （兼） （挂职） ，聘期三年

The action is the verb in force: 任 / 免 / 聘任 / 解聘 / 挂职, 提名 and 提名免去 under a 提名
header, 正式任用 when the notice confirms appointments after the 试用期. The position is kept as
printed (minus its conditions); ``organisation`` is its organisation part normalized with
:mod:`gongbao.extract.orgs`, ``post`` the post word; a position printed as ``A局长、B主任``
gives one record per post.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Optional

from ..model import Document, LayerRecord, ParseResult
from .orgs import normalize_unit, region_of
from .registry import RECORD_FILTERS, LayerSpec
from .textspan import Piece, piece

SPEC = LayerSpec(
    name="personnel",
    keys=("person", "action", "position", "organisation", "post", "conditions", "date"),
    unit_keys=("organisation", "position"),
    filters=(*RECORD_FILTERS, "unit", "person", "date_from", "date_to", "action"),
    requires=("document.title", "document.date", "document.paragraphs"),
)
LAYER = SPEC.name

_TITLE = re.compile(r"任免|任职|免职|免去|聘任|聘用|解聘|提名|挂职")
_HEADER = re.compile(r"(?P<verb>任命|免去|聘任|聘用|解聘|提名|挂职)\s*[：:]")
# Post words a position ends with (longest first inside the group is not needed: the regex
# takes the leftmost start, so 副局长 wins over 局长).
_POST_WORDS = (
    "局长助理|主任助理|总经理|总会计师|总经济师|总工程师|总编辑|秘书长|董事长|理事长|监事长|"
    "局长|主任|院长|队长|行长|主席|书记|站长|所长|校长|馆长|社长|经理|会长|部长|科长|处长|厅长|"
    "县长|市长|区长|乡长|镇长|州长|园长|台长|团长|委员|成员|调研员|审判员|检察员|董事|监事|专员|"
    "组长|支队长|大队长|主任科员|馆员"
)
_POST = re.compile(rf"(?:(?:党组|党委|党总支|党工委|纪检组|纪工委)?(?:常务)?副?(?:{_POST_WORDS}))$")
_NAME = r"(?:[\u4e00-\u9fff]{1,8}·[\u4e00-\u9fff·]{1,10}?|[\u4e00-\u9fff]{2,4}?)"
_NAMES = rf"(?P<persons>{_NAME}(?:、{_NAME})*)"
_CONDITION = re.compile(
    r"^(?:试用期.*|兼|兼任|挂职.*|聘期.*|任期.*|聘用期.*|(?:正|副)?(?:处|科|股|县|乡)级.*|保留.*待遇|主持.*工作)$"
)
_TRAILING_CONDITION = re.compile(r"^(?:聘期|试用期|挂职期|挂职时间|任期|聘用期)")
# Half-width forms OCR leaves in (one character each: source offsets stay aligned).
_WIDE = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？"})

# Clause shapes, tried in order; ``verb`` None means "the block header's action".
_Z = r"(?:同志)?"
_SHAPES: list[tuple[str, re.Pattern[str]]] = [
    ("免", re.compile(rf"^免去{_NAMES}同志的?(?P<pos>.+)$")),
    ("免", re.compile(rf"^免去{_NAMES}的(?P<pos>.+)$")),
    ("免其", re.compile(r"^(?:同时)?免去其(?P<pos>.+)$")),
    ("解聘", re.compile(rf"^解聘{_NAMES}{_Z}的?(?P<pos>.+)$")),
    ("verb", re.compile(rf"^(?P<verb>任命|聘任|聘用|提名|推荐){_NAMES}{_Z}(?:为|任|担任)(?P<pos>.+)$")),
    ("其", re.compile(r"^(?:同时)?(?P<verb>任命|聘任|提名)?其(?:为|任|兼任|担任)(?P<pos>.+)$")),
    ("name", re.compile(rf"^{_NAMES}同志(?P<verb>挂职任|挂职|兼任|担任|任|为)(?P<pos>.+)$")),
    ("name", re.compile(rf"^{_NAMES}(?P<verb>挂职任|挂职|兼任|担任|任|为)(?P<pos>.+)$")),
    ("block", re.compile(rf"^{_NAMES}同志的?(?P<pos>.+?职务)$")),
    ("block", re.compile(rf"^{_NAMES}的(?P<pos>.+?职务)$")),
]


@dataclass
class _Context:
    """What the notice has said so far: the block header in force and the confirmation flags."""

    mode: Optional[str] = None  # 任命 / 免去 / 聘任 / 解聘 / 提名 / 挂职
    nominating: bool = False  # a 提名 notice: its removals are proposed, not done
    confirming: bool = False  # 试用期满 … 正式任用
    last: list["_Item"] = field(default_factory=list)


@dataclass
class _Item:
    persons: list[str]
    action: str
    position: str
    conditions: list[str]
    start: int  # in the piece
    end: int


def extract(result: ParseResult) -> list[LayerRecord]:
    records: list[LayerRecord] = []
    for doc in result.documents:
        if _is_personnel(doc):
            records.extend(_document_records(result, doc))
    return records


def _is_personnel(doc: Document) -> bool:
    if doc.parent_seq is not None:
        return False
    return bool(_TITLE.search(doc.title)) or any(_HEADER.search(p.text) for p in doc.paragraphs)


def _document_records(result: ParseResult, doc: Document) -> Iterator[LayerRecord]:
    region = result.region if result.region is not None else result.gazette.region_code
    ctx = _Context()
    preamble = doc.title + "".join(p.text for p in doc.paragraphs[:1])
    ctx.confirming = "试用期满" in preamble and bool(re.search("正式任用|正式任职", preamble))
    pieces = [(piece(result, p), 0.9) for p in doc.content_paragraphs()]
    for text, confidence in pieces:
        for item in _items(text, ctx):
            for person in item.persons:
                for position in _positions(item.position):
                    post, organisation = split_post(position)
                    org_name = normalize_unit(organisation, region, doc.date) if organisation else government_of(region)
                    yield LayerRecord(
                        layer=LAYER,
                        doc_seq=doc.seq,
                        span=text.span(item.start, item.end),
                        fields={
                            "person": person,
                            "action": item.action,
                            "position": position,
                            "organisation": org_name,
                            "post": post,
                            "conditions": list(item.conditions),
                            "date": doc.date,
                        },
                        confidence=confidence,
                    )


def _items(para: Piece, ctx: _Context) -> Iterator[_Item]:
    """The person-actions of one paragraph, headers updating ``ctx`` on the way."""
    text = para.text.translate(_WIDE)
    cursor = 0
    for header in _HEADER.finditer(text):
        yield from _clauses(text, cursor, header.start(), ctx)
        ctx.mode = header["verb"]
        ctx.nominating = ctx.nominating or ctx.mode == "提名"
        cursor = header.end()
    yield from _clauses(text, cursor, len(text), ctx)


def _clauses(text: str, start: int, end: int, ctx: _Context) -> Iterator[_Item]:
    for a, b in _split_top(text, start, end, "；。;\n"):
        previous: Optional[_Item] = None
        for c, d in _split_top(text, a, b, "，,"):
            clause = text[c:d]
            if previous is not None and _TRAILING_CONDITION.match(clause):
                previous.conditions.append(clause)
                previous.end = d
                continue
            item = _parse_clause(clause, ctx)
            if item is not None:
                item.start, item.end = c, d
                if previous is not None:
                    yield previous
                previous = item
                ctx.last = [item]
        if previous is not None:
            yield previous


def _split_top(text: str, start: int, end: int, separators: str) -> Iterator[tuple[int, int]]:
    """[a, b) ranges of ``text[start:end]`` between separators outside brackets, stripped."""
    depth, a = 0, start
    for i in range(start, end + 1):
        ch = text[i] if i < end else None
        if ch in ("（", "《", "〔"):
            depth += 1
        elif ch in ("）", "》", "〕"):
            depth = max(0, depth - 1)
        if ch is None or (ch in separators and depth == 0):
            while a < i and text[a] in " \u3000":
                a += 1
            if a < i:
                yield a, i
            a = i + 1


def _parse_clause(clause: str, ctx: _Context) -> Optional[_Item]:
    clause = re.sub(r"^(?:经研究|研究决定|决定|现|同意)[，：]?", "", clause)
    for kind, shape in _SHAPES:
        m = shape.match(clause)
        if m is None:
            continue
        if kind in ("免其", "其"):
            if not ctx.last:
                continue
            persons = list(ctx.last[0].persons)
        else:
            persons = m["persons"].split("、")
            if any(len(p) < 2 or "等" in p for p in persons):
                continue
        verb = m.groupdict().get("verb")
        action = _action(kind, verb, ctx)
        if action is None:
            continue
        position, conditions = _conditions(m["pos"])
        if verb == "兼任":
            conditions.insert(0, "兼任")
        if not position or not all(_POST.search(p) for p in _positions(position)):
            continue
        return _Item(persons, action, position, conditions, 0, 0)
    return None


def _action(kind: str, verb: Optional[str], ctx: _Context) -> Optional[str]:
    if kind in ("免", "免其"):
        return "提名免去" if ctx.nominating else "免"
    if kind == "解聘":
        return "解聘"
    if kind == "block":  # ``XX同志的…职务`` only means something under 免去：/解聘：
        return {"免去": "提名免去" if ctx.nominating else "免", "解聘": "解聘"}.get(ctx.mode or "")
    if verb in ("挂职", "挂职任"):
        return "挂职"
    if verb in ("聘任", "聘用"):
        return "聘任"
    if verb in ("提名", "推荐"):
        return "提名"
    mode = ctx.mode
    if mode in ("免去", "解聘"):
        return None  # ``XX任…`` under a removal header is not a shape notices use
    if mode in ("聘任", "聘用"):
        return "聘任"
    if mode == "提名":
        return "提名"
    if mode == "挂职":
        return "挂职"
    return "正式任用" if ctx.confirming else "任"


def _conditions(position: str) -> tuple[str, list[str]]:
    """Position without the bracketed conditions and trailing 职务/人选, and the conditions."""
    conditions: list[str] = []
    position = re.sub(r"(?:职务|人选)$", "", position.strip())

    def take(m: re.Match[str]) -> str:
        inner = m.group(1)
        if _CONDITION.match(inner):
            conditions.append("兼任" if inner == "兼" else inner)
            return ""
        return m.group(0)

    position = re.sub(r"（([^（）]*)）", take, position)
    position = re.sub(r"(?:职务|人选)$", "", position.strip())
    return position, conditions


def _positions(position: str) -> list[str]:
    """``A秘书长、B主任`` → two positions; ``县医疗集团、人民医院副院长`` stays one."""
    parts = position.split("、")
    if len(parts) > 1 and all(_POST.search(p) for p in parts):
        return parts
    return [position]


def split_post(position: str) -> tuple[str, str]:
    """(post, organisation as printed): the post word at the end and what precedes it."""
    m = _POST.search(position)
    if m is None:
        return position, ""
    return m.group(0), position[: m.start()]


def government_of(region: object) -> Optional[str]:
    """Organisation of a bare post (副县长): the region's 人民政府."""
    home = region_of(region)
    return f"{home.name}人民政府" if home is not None else None

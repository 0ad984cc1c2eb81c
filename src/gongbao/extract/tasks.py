"""Layer ``tasks``: the task ledger of 方案 / 实施方案 / 行动计划 / 工作要点 / 责任分工 documents.

A task is a numbered item of the document's outline, or — when one item carries several unit
annotations — each sentence run that ends in one (``part`` 1, 2, …). Its fields (SCHEMA.md):

* ``task_no`` — the outline path built from the markers of the enclosing headings
  (``二.（一）.3``);
* ``text`` — the task as printed, without its marker and its unit annotation;
* ``lead_units`` / ``responsible_units`` / ``cooperating_units`` — names as printed, read from
  annotations such as ``（牵头单位：县发改局；责任单位：各乡镇）``, ``（县工信局、县交通局牵头，
  县经开区管委会、各乡镇人民政府配合）``, trailing ``责任单位：…`` lines, or the unit columns of
  a tab-flattened table (序号 / 任务 / 牵头单位 / 责任单位 / 完成时限);
* ``deadline`` (ISO date or null), ``deadline_text`` (as printed), ``recurrence`` (每季度, 长期…)
  — relative forms are resolved against the DOCUMENT date (an embedded document takes the
  date of the notice that carries it);
* ``inherited`` — true when the units come from an enclosing heading rather than the item;
* ``heading`` — the title of the nearest enclosing heading, for context.

The query helpers :func:`tasks_of_unit`, :func:`due_between` and :func:`overdue` are pure
functions over records (``LayerRecord`` objects or exported dicts).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Callable, Iterable, Optional

from ..model import Document, LayerRecord, Paragraph, ParseResult, Span
from ..text import fold
from .citations import _NUMBER_CONTINUES, SpanMap
from ..text import split_outside_brackets
from .registry import RECORD_FILTERS, LayerSpec

SPEC = LayerSpec(
    name="tasks",
    keys=("task_no", "text", "lead_units", "responsible_units", "cooperating_units", "deadline", "deadline_text",
          "recurrence"),
    unit_keys=("lead_units", "responsible_units", "cooperating_units"),
    filters=(*RECORD_FILTERS, "unit", "due_from", "due_to", "overdue_as_of"),
    requires=("document.title", "document.date", "document.doc_type", "document.paragraphs",
              "document.tables", "document.attachment_bodies"),
)
LAYER = SPEC.name

# 文种 / genre words of documents that carry a task ledger
TASK_GENRES = ("方案", "计划", "要点", "分工", "清单")
_TASK_TITLE = re.compile(r"(?:方案|计划|要点|责任分工|任务分工|分工|任务清单|责任清单)(?:[（(][^（()）]{1,20}[)）])*$")
# an attachment that is a task table: 重点任务分解表, 责任分工表, 任务清单, 工作台账
_TASK_TABLE = re.compile(r"(?:任务|分工|责任|措施|工作)[\u4e00-\u9fff]{0,6}(?:表|清单|台账)(?:[（(][^（()）]{1,20}[)）])*$")
# a document of another genre qualifies when it carries this many unit annotations
_MIN_ANNOTATIONS = 3

# --- units ----------------------------------------------------------------------------------

_LABELS = {
    "牵头单位": "lead", "牵头部门": "lead", "主责单位": "lead", "主责部门": "lead",
    "责任单位": "responsible", "责任部门": "responsible", "主办单位": "responsible", "承办单位": "responsible",
    "实施单位": "responsible", "落实单位": "responsible",
    "配合单位": "cooperating", "配合部门": "cooperating", "协办单位": "cooperating", "参与单位": "cooperating",
    "协助单位": "cooperating",
    "完成时限": "deadline", "完成时间": "deadline", "时间节点": "deadline", "时限要求": "deadline",
    "完成期限": "deadline", "时间安排": "deadline", "进度安排": "deadline",
}
_LABEL_RE = re.compile("(" + "|".join(sorted(_LABELS, key=len, reverse=True)) + r")\s{0,3}[：:]")
_LABEL_LINE = re.compile(r"^[（(]?\s{0,3}(?:" + "|".join(sorted(_LABELS, key=len, reverse=True)) + r")\s{0,3}[：:]")
# the role word a clause of units ends with: 牵头 / 负责 / 配合 …
_VERB = re.compile(
    r"(?P<verb>(?:(?:按照?职责|按职能|依职责|根据职责)?(?:分工|分别|共同|具体|各自)?"
    r"(?:牵头|负责|配合|协助|协同|参与|落实|实施|抓总))+)$"
)
_ORG_END = re.compile(
    r"(?:局|委|办|部|院|厅|署|处|科|所|站|队|中心|政府|党委|单位|部门|乡镇|街道|社区|村|镇|乡|区|县|市|企业|公司|集团|"
    r"银行|支行|分行|海关|管委会|委员会|会|联|组|段|室|团|校|馆|台|社|园|场)$"
)
# 县教科局等县直部门 / 国运公司等县…领导小组成员单位 / 县自然资源局等: the "and others" tail
_ETC = re.compile(r"等(?:[^等、，]{0,30}(?:部门|单位|机构))?$")
_ETC_AND = re.compile(r"等(?:有关|相关)?(?:部门|单位|成员单位)?(?:和|及|以及)(?=各|市|县|区|乡|镇)")


def _split_top(text: str, seps: str) -> list[str]:
    """Split at ``seps`` outside brackets (各县（区）、各部门 keeps 各县（区）)."""
    return split_outside_brackets(text, seps)


def _verb(clause: str) -> Optional[re.Match]:
    """The role words ending ``clause`` (…按职责分工负责), looked for in its last characters
    only: a search over the whole of a long clause would be quadratic."""
    return _VERB.search(clause[-24:])


_COOPERATES = re.compile(r"配合|协助|协同|参与")


def _role_of(verb: str) -> str:
    if "牵头" in verb:
        return "lead"
    if _COOPERATES.search(verb):
        return "cooperating"
    return "responsible"


_UNIT_LEAD = re.compile(r"^(?:由|请|各有关单位中的)")


def _clean_unit(name: str) -> str:
    name = _UNIT_LEAD.sub("", name.strip(" 　。；;，,"))
    name = _ETC.sub("", name)
    return name.strip()


# sentences, dates and quantities are not organisation names (县12345热线中心 is one)
_SHORT_BRACKET_END = re.compile(r"[（(][^（()）]{1,6}[)）]$")  # 各县（区）
_NOT_A_NAME = re.compile(r"[。；！？]|\d\s{0,3}(?:年|月|日|个|万|亿|％|%|家|户|人|元|次|公里)")


def is_unit_name(name: str) -> bool:
    """Looks like an organisation name (县发改局, 各乡镇人民政府, 人行阳泉中心支行, 各县（区）)."""
    name = _SHORT_BRACKET_END.sub("", name) or name
    return (2 <= len(name) <= 40 and (name.startswith("各") or bool(_ORG_END.search(name)))
            and not _NOT_A_NAME.search(name))


@dataclass(slots=True)
class Units:
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    cooperating: list[str] = field(default_factory=list)
    deadline_texts: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lead or self.responsible or self.cooperating)

    def add(self, role: str, names: Iterable[str]) -> None:
        target = getattr(self, role)
        for n in names:
            if n and n not in target:
                target.append(n)

    def merge(self, other: "Units") -> None:
        for role in ("lead", "responsible", "cooperating"):
            self.add(role, getattr(other, role))
        self.deadline_texts += other.deadline_texts


_ONGOING = re.compile(r"(?:长期坚持|长期|持续推进|常态化推进|持续|常态化)(?:推进|开展|落实)?")


def _is_deadline_clause(clause: str) -> bool:
    # any base date will do: the question is only whether the clause states a time
    return bool(_deadline_candidates(clause, date(2000, 1, 1), strict=False)) or bool(_RECURRENCE.search(clause)) or bool(
        _ONGOING.fullmatch(clause)
    )


def parse_units(annotation: str) -> Units:
    """Units by role (and any deadline words) of one annotation, brackets optional."""
    text = annotation.strip()
    if text[:1] in "（(" and text[-1:] in "）)":
        text = text[1:-1]
    text = _ETC_AND.sub("、", text)
    units = Units()
    # labelled chunks: 牵头单位：… 责任单位：… ; text before the first label is unlabelled
    chunks: list[tuple[Optional[str], str]] = []
    pos, label = 0, None
    for m in _LABEL_RE.finditer(text):
        chunks.append((label, text[pos: m.start()]))
        label, pos = _LABELS[m.group(1)], m.end()
    chunks.append((label, text[pos:]))
    for label, chunk in chunks:
        chunk = chunk.strip(" 　；;，,。")
        if not chunk:
            continue
        if label == "deadline":
            units.deadline_texts.append(chunk)
            continue
        clauses = _split_top(chunk, "，,；;")
        parsed: list[tuple[Optional[str], list[str]]] = []
        for clause in clauses:
            if _is_deadline_clause(clause) and not is_unit_name(clause):
                units.deadline_texts.append(clause)
                continue
            m = _verb(clause)
            role = _role_of(m.group("verb")) if m else None
            body = clause[: len(clause) - len(m.group())] if m else clause
            names = [_clean_unit(n) for n in _split_top(body, "、")]
            parsed.append((role, [n for n in names if n]))
        for k, (role, names) in enumerate(parsed):
            if role is None:
                # 市行政审批局牵头，人行阳泉中心支行等部门，各县（区）政府按职责分别负责:
                # a clause without its own role word shares the next one's (else the previous one's)
                later = next((r for r, _ in parsed[k + 1:] if r), None)
                earlier = next((r for r, _ in reversed(parsed[:k]) if r), None)
                role = later or (label if label else None) or earlier or "responsible"
                if label and not later:
                    role = label
            units.add(role, names)
    return units


@lru_cache(maxsize=4096)
def is_annotation(content: str, after_sentence: bool) -> bool:
    """Whether a parenthetical's ``content`` names the units of a task.

    True when it is labelled (牵头单位：…), when a clause of unit names ends in a role word
    (…牵头, …负责), or — right after a sentence — when it is nothing but unit names
    (（各相关单位，各乡镇人民政府）) or a deadline (（2023年底前完成）). Cached: a document's
    parentheticals are weighed when it is classed and again when its tasks are read."""
    c = content.strip()
    if not c or len(c) > 400:
        return False
    if _LABEL_RE.search(c):
        return True
    clauses = _split_top(_ETC_AND.sub("、", c), "，,；;")
    unitlike = 0
    for clause in clauses:
        m = _verb(clause)
        body = clause[: len(clause) - len(m.group())] if m else clause
        names = [_clean_unit(n) for n in _split_top(body, "、")]
        if names and all(is_unit_name(n) for n in names):
            if m:
                return True
            unitlike += 1
        elif after_sentence and _is_deadline_clause(clause):
            unitlike += 1
        else:
            return False
    return after_sentence and unitlike == len(clauses)


# --- deadlines ------------------------------------------------------------------------------

_CN_NUM = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "半": 0}
_QUARTER_END = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}
_RECURRENCE = re.compile(r"每(?P<n>[两三四五])?(?P<unit>年度|年|半年|季度|季|月|周|旬)|按(?P<by>月|季度|季|年|周)")
_LONG_TERM = re.compile(r"长期坚持|长期推进|长期执行|长期开展|常态化推进|^长期$|^持续推进$|^常态化$")


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _num(s: str) -> Optional[int]:
    if s.isdigit():
        return int(s)
    if s in _CN_NUM:
        return _CN_NUM[s]
    if s.startswith("十") and len(s) == 2 and s[1] in _CN_NUM:
        return 10 + _CN_NUM[s[1]]
    return None


_Y = r"(?P<y>(?:19|20)\d\d)\s{0,3}年"
# (priority, a word every match holds, pattern): lower priority wins; explicit "…前/底" dates first.
# The word spares running a pattern over text that cannot match it (most text).
_PATTERNS: list[tuple[int, str, re.Pattern]] = [
    (0, "日", re.compile(rf"(?:{_Y})?\s{{0,3}}(?P<m>\d{{1,2}})\s{{0,3}}月\s{{0,3}}(?P<d>\d{{1,2}})\s{{0,3}}日\s{{0,3}}(?:前|之前|以前|止)")),
    (0, "月", re.compile(rf"(?:{_Y})?\s{{0,3}}(?P<m>\d{{1,2}})\s{{0,3}}月\s{{0,3}}(?:份)?(?:底|末)\s{{0,3}}(?:前|之前|以前)?")),
    (0, "年", re.compile(rf"(?:{_Y}|(?<![\d年])(?P<this>今|本)年)\s{{0,3}}(?:底|末)\s{{0,3}}(?:前|之前|以前)?")),
    (0, "底", re.compile(r"(?<![\d年])年\s{0,3}底\s{0,3}(?:前|之前|以前)")),
    (0, "年", re.compile(rf"{_Y}\s{{0,3}}(?:(?:第)?(?P<q>[一二三四1-4])\s{{0,3}}季度|(?P<h>上|下)半年)\s{{0,3}}(?:末|底)?\s{{0,3}}(?:前|之前|以前)?")),
    (0, "月", re.compile(rf"{_Y}\s{{0,3}}(?P<m2>\d{{1,2}})\s{{0,3}}月\s{{0,3}}(?:前|之前|以前)")),
    (0, "前", re.compile(rf"{_Y}\s{{0,3}}(?:前|之前|以前)")),
    (1, "内", re.compile(r"(?<![后起])(?P<n>[一二两三四五六七八九十\d]{1,2})\s{0,3}(?P<u>年|个月)\s{0,3}(?:内|之内)(?!容)"
                    r"(?![^，,。；;]{0,10}(?:不得|不予|不能|禁止|不再|仍|不超过|不少于|不低于|不高于))")),
    (1, "年", re.compile(r"(?<![\d一二三四五六七八九十两个月周日天])(?:年内|年底)")),
    (2, "年", re.compile(r"(?P<y1>(?:19|20)\d\d)\s{0,3}(?:年)?\s{0,3}[—–\-－~～至到]\s{0,3}(?P<y2>(?:19|20)\d\d)\s{0,3}年(?![\d月度])")),
    (2, "年", re.compile(rf"{_Y}(?![\d月度初])")),
]
# in running text a bare year is a deadline only as a target: 2023年，力争… / 到2025年，实现…
_TARGET_AFTER = re.compile(r"\s{0,3}[，,]?\s{0,3}(?:力争|争取|确保|实现|完成|全面|基本|新增|要|计划|全县|全市|全区|建成|达到)")
# what may stand before a period that counts from the document: 三年内实现… / ，力争两年内…
_CLAUSE_START = re.compile(r"(?:^|[，,。；;：:]|力争|争取|确保|要|在|用|计划|预计)\s{0,3}$")
_TARGET_BEFORE = re.compile(r"(?:到|至|在|于|力争|争取|确保)\s{0,3}$")


@dataclass(slots=True)
class Deadline:
    when: Optional[date]
    text: str
    priority: int
    start: int


_TIME_WORD = re.compile(r"[年月日季期前底内时限每周旬]")


def _deadline_candidates(text: str, base: Optional[date], strict: bool = True) -> list[Deadline]:
    """Deadline expressions in ``text`` with their dates (``base`` = the document date)."""
    if not _TIME_WORD.search(text):
        return []  # no time word, no deadline: skip the pattern loop
    out: list[Deadline] = []
    taken = bytearray(len(text))  # characters already read as part of a deadline
    year0 = base.year if base else None
    for priority, word, pat in _PATTERNS:
        if word not in text:
            continue
        for m in pat.finditer(text):
            if any(taken[m.start(): m.end()]):
                continue
            gd = m.groupdict()
            when: Optional[date] = None
            y = int(gd["y"]) if gd.get("y") else year0
            try:
                if gd.get("d"):
                    when = date(y, int(gd["m"]), int(gd["d"])) if y else None
                elif gd.get("m"):
                    when = _month_end(y, int(gd["m"])) if y else None
                elif gd.get("m2"):
                    when = (date(y, int(gd["m2"]), 1) - timedelta(days=1)) if y else None
                elif gd.get("q"):
                    when = _month_end(y, _QUARTER_END[gd["q"]])
                elif gd.get("h"):
                    when = _month_end(y, 6 if gd["h"] == "上" else 12)
                elif gd.get("y2"):
                    if strict and not _is_target(text, m):
                        continue
                    when = date(int(gd["y2"]), 12, 31)
                elif gd.get("n"):
                    n = _num(gd["n"])
                    if not n or base is None or (strict and not _CLAUSE_START.search(text[max(0, m.start() - 4): m.start()])):
                        continue  # 纳入名录一年内: a period after some other event
                    when = _add_years(base, n) if gd["u"] == "年" else _add_months(base, n)
                elif priority == 2:
                    if strict and not _is_target(text, m):
                        continue
                    when = date(int(gd["y"]), 12, 31)
                else:  # 年底前 / 年内 / 今年底
                    when = date(y, 12, 31) if y else None
            except ValueError:
                continue
            if strict and when and base and when.year < base.year:
                continue  # 2005年前建成的小区: a year in the past describes, it does not set a deadline
            taken[m.start(): m.end()] = b"\x01" * (m.end() - m.start())
            out.append(Deadline(when, m.group().strip(), priority, m.start()))
    return out


def _is_target(text: str, m: re.Match) -> bool:
    return bool(_TARGET_AFTER.match(text, m.end()) or _TARGET_BEFORE.search(text[max(0, m.start() - 4): m.start()])
                or m.start() == 0)


def parse_deadline(text: str, base: Optional[date], strict: bool = True) -> tuple[Optional[str], Optional[str], Optional[str]]:
    """(deadline ISO, deadline_text, recurrence) of a task's text or 完成时限 cell.

    ``strict`` (running text) takes a bare year only as a target (``2023年，力争…``); a
    完成时限 cell is read whole. Of several deadlines the most explicit kind wins, then the
    latest date (the item is done when its last part is)."""
    recurrence = None
    lt = _LONG_TERM.search(text.strip())
    if lt:
        recurrence = "长期"
    else:
        r = _RECURRENCE.search(text)
        if r:
            recurrence = "每" + (r.group("n") or "") + (r.group("unit") or r.group("by")).replace("年度", "年")
            if recurrence in ("每季",):
                recurrence = "每季度"
    found = [d for d in _deadline_candidates(text, base, strict) if d.when or not strict]
    if recurrence == "长期" and not found:
        return None, lt.group(), recurrence
    if not found:
        return None, None, recurrence
    best = min(found, key=lambda d: (d.priority, -(d.when.toordinal() if d.when else 0)))
    return (best.when.isoformat() if best.when else None), best.text, recurrence


# --- outline --------------------------------------------------------------------------------

def _marker_key(marker: str) -> str:
    """``一、`` → 一, ``(一)`` → （一）, ``1.`` → 1, ``（1）`` → （1）."""
    m = marker.strip()
    m = m.replace("(", "（").replace(")", "）")
    return m.rstrip("、.．，, ") or m


@dataclass
class Node:
    level: int
    path: tuple[str, ...]
    head: Optional[Paragraph]
    title: str  # head text without marker
    bare: bool  # the head is only a title (no sentence of its own)
    paras: list[Paragraph] = field(default_factory=list)  # head + continuation paragraphs
    children: list["Node"] = field(default_factory=list)
    parent: Optional["Node"] = None


def _strip_marker(p: Paragraph) -> str:
    return p.text[len(p.marker):].lstrip() if p.marker and p.text.startswith(p.marker) else p.text


_SENTENCE_OR_LABEL_MARK = re.compile(r"[。；！？：:]")
_BRACKETS_END = re.compile(r"[（(][^（()）]*(?:[（(][^（()）]*[)）][^（()）]*)*[)）]\s{0,3}$")  # one level nested


def _is_bare_title(s: str) -> bool:
    """A heading that is only a title (加强组织领导, perhaps with its units in brackets)."""
    if len(s) > 300:
        return False
    core = _strip_annotations(s)
    return len(core) <= 40 and not _SENTENCE_OR_LABEL_MARK.search(core)


def _strip_annotations(s: str) -> str:
    return _BRACKETS_END.sub("", s).strip()


def build_outline(doc: Document) -> Node:
    """The heading tree of ``doc``: body paragraphs hang under the last heading above them."""
    root = Node(0, (), None, "", True)
    stack = [root]
    for p in doc.content_paragraphs():
        if p.table:
            stack[-1].paras.append(p)
            continue
        if p.level and p.marker:
            while stack[-1].level >= p.level and len(stack) > 1:
                stack.pop()
            parent = stack[-1]
            title = _strip_marker(p)
            node = Node(p.level, parent.path + (_marker_key(p.marker),), p, title, _is_bare_title(title), [p], [], parent)
            parent.children.append(node)
            stack.append(node)
        else:
            top = stack[-1]
            if top.bare and top.head is not None and len(top.paras) == 1 and _NUMBER_CONTINUES.match(p.text):
                top.bare = False  # the parser broke the item inside a 文号: 落实国 / 办发〔2019〕35号
            top.paras.append(p)
    return root


# Sections that frame a plan rather than assign work; in a plan without unit annotations their
# items are not tasks.
_FRAME = re.compile(
    r"^(?:指导思想|总体要求|总体目标|工作目标|主要目标|目标任务|基本原则|工作原则|组织机构|组织领导|领导小组|工作职责|"
    r"保障措施|组织保障|工作要求|有关要求|相关要求|其他|附则|总则|适用范围|编制依据|背景|现状|基本情况|实施范围)"
)


def _in_frame(node: Node) -> bool:
    n: Optional[Node] = node
    while n is not None and n.head is not None:
        if _FRAME.match(n.title):
            return True
        n = n.parent
    return False


# --- items ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Atom:
    text: str
    para: Paragraph
    start: int  # index of text in para.text
    annotation: bool


def _atoms(paras: list[Paragraph], head: Optional[Paragraph] = None) -> list[Atom]:
    """Text / annotation atoms of ``paras`` in order (tables excluded; ``head`` loses its marker)."""
    atoms: list[Atom] = []
    for p in paras:
        if p.table:
            continue
        text, offset = p.text, 0
        if p is head:
            text = _strip_marker(p)
            offset = len(p.text) - len(text)
        if _LABEL_LINE.match(text):
            atoms.append(Atom(text, p, offset, True))
            continue
        pos = 0
        for a, b in _parentheticals(text):
            prev = _char_before(text, a) or (_char_before(atoms[-1].text, len(atoms[-1].text)) if atoms else "")
            after_sentence = not prev or prev in "。；！？）)"
            if is_annotation(text[a + 1: b - 1], after_sentence):
                if text[pos:a].strip():
                    atoms.append(Atom(text[pos:a], p, offset + pos, False))
                atoms.append(Atom(text[a:b], p, offset + a, True))
                pos = b
        if text[pos:].strip(" 。；"):
            atoms.append(Atom(text[pos:], p, offset + pos, False))
    return atoms


def _char_before(text: str, i: int) -> str:
    """The last non-blank character before ``text[i]`` ('' at the start)."""
    k = i - 1
    while k >= 0 and text[k] in " \u3000\t":
        k -= 1
    return text[k] if k >= 0 else ""


_PAREN = re.compile(r"[（()）]")


def _parentheticals(text: str) -> list[tuple[int, int]]:
    """[start, end) of the top-level （…） / (…) groups of ``text``."""
    out, depth, start = [], 0, 0
    for m in _PAREN.finditer(text):  # visit the brackets only, not every character
        i, ch = m.start(), m.group(0)
        if ch in "（(":
            if depth == 0:
                start = i
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1))
    return out


@dataclass(slots=True)
class Segment:
    atoms: list[Atom]
    units: Units

    @property
    def text(self) -> str:
        return "".join(a.text for a in self.atoms if not a.annotation).strip(" 　；;")


def _segments(atoms: list[Atom]) -> tuple[Units, list[Segment], list[Atom]]:
    """Annotations before any text (责任单位 lines under a heading), the runs of text each
    closed by its annotation(s), and the unannotated tail."""
    leading = Units()
    segments: list[Segment] = []
    cur: list[Atom] = []
    for atom in atoms:
        if atom.annotation:
            units = parse_units(atom.text)
            if not segments and not any(not a.annotation for a in cur):
                leading.merge(units)
                continue
            if not any(not a.annotation for a in cur) and segments:
                # a second annotation right after the first (责任单位 line, then 完成时限 line)
                segments[-1].atoms.append(atom)
                segments[-1].units.merge(units)
                continue
            segments.append(Segment(cur + [atom], units))
            cur = []
        else:
            cur.append(atom)
    return leading, segments, cur


# --- tables ---------------------------------------------------------------------------------

_COLUMNS = {
    "no": re.compile(r"^(?:序号|编号|序|No\.?)$"),
    "task": re.compile(r"(?:任务|工作内容|内容|措施|事项|举措|目标)"),
    "lead": re.compile(r"牵头"),
    "responsible": re.compile(r"(?:责任|主责|实施|承办)(?:单位|部门)|^责任$"),
    "cooperating": re.compile(r"(?:配合|协办|参与|协助)"),
    "deadline": re.compile(r"(?:时限|完成时间|时间节点|时间安排|期限|进度)"),
}


def _header_columns(cells: list[str]) -> Optional[dict[str, int]]:
    """Column index by role when ``cells`` is a table's header row, else None."""
    if any(len(c) > 12 or c.isdigit() for c in cells):
        return None  # a header names its columns in a few words; a data row says more
    cols: dict[str, int] = {}
    for i, cell in enumerate(cells):
        c = "".join(cell.split())
        for key in ("no", "lead", "cooperating", "deadline", "responsible", "task"):
            if key not in cols and _COLUMNS[key].search(c):
                cols[key] = i
                break
    if "task" in cols and ({"lead", "responsible", "cooperating", "deadline"} & cols.keys()):
        return cols
    return None


# --- extraction -----------------------------------------------------------------------------

def _doc_date(result: ParseResult, doc: Document) -> Optional[date]:
    """The date relative deadlines count from: the document's, else its carrying notice's."""
    iso = doc.date
    if not iso and doc.parent_seq is not None:
        parent = next((d for d in result.documents if d.seq == doc.parent_seq), None)
        iso = parent.date if parent else None
    iso = iso or result.gazette.published
    try:
        return date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


_CARRIES = re.compile(r"(?:印发|转发|批转)")


def is_task_document(doc: Document) -> bool:
    """方案 / 计划 / 要点 / 分工 by 文种 or title (its own, or an attachment's), or any document
    with several unit annotations."""
    if doc.doc_type in TASK_GENRES or _TASK_TITLE.search(doc.title or ""):
        if not _CARRIES.search(doc.title or ""):
            return True
    if any(_TASK_TITLE.search(att.title) or _TASK_TABLE.search(att.title) for att in doc.attachment_bodies if not att.omitted):
        return True  # a 任务分解表 printed as the notice's attachment
    return _count_annotations(doc, _MIN_ANNOTATIONS) >= _MIN_ANNOTATIONS


def _count_annotations(doc: Document, enough: int) -> int:
    """Unit annotations in ``doc`` (parenthetical or 责任单位：… lines), counting up to ``enough``."""
    count = 0
    for p in doc.content_paragraphs():
        if p.table:
            continue
        if _LABEL_LINE.match(p.text):
            count += 1
        for a, b in _parentheticals(p.text):
            before = _char_before(p.text, a)
            if is_annotation(p.text[a + 1: b - 1], not before or before in "。；！？）)"):
                count += 1
        if count >= enough:
            break
    return count


class _Builder:
    def __init__(self, result: ParseResult, doc: Document, spans: SpanMap):
        self.result, self.doc, self.spans = result, doc, spans
        self.base = _doc_date(result, doc)
        self.records: list[LayerRecord] = []

    def record(self, task_no: Optional[str], text: str, units: Units, span: Span, heading: Optional[str],
               inherited: bool, part: Optional[int], deadline_source: str) -> None:
        deadline = text_ = recurrence = None
        if units.deadline_texts:
            # a 完成时限 cell, line or clause wins over the running text, and is read whole
            cell = units.deadline_texts[0]
            deadline, text_, recurrence = parse_deadline(cell, self.base, strict=False)
            if text_ is None and recurrence is None:
                text_ = cell  # printed, but not a date we can read
        if text_ is None and recurrence is None:
            deadline, text_, recurrence = parse_deadline(deadline_source, self.base)
        fields = {
            "task_no": task_no,
            "text": text,
            "lead_units": list(units.lead),
            "responsible_units": list(units.responsible),
            "cooperating_units": list(units.cooperating),
            "deadline": deadline,
            "deadline_text": text_,
            "recurrence": recurrence,
            "inherited": inherited,
            "heading": heading,
        }
        if part is not None:
            fields["part"] = part
        self.records.append(LayerRecord(LAYER, self.doc.seq, span, fields, 0.9 if (units or inherited) else 0.6))

    def span_of(self, atoms: list[Atom]) -> Span:
        first, last = atoms[0], atoms[-1]
        s1 = self.spans.span(first.para, first.start, first.start + 1)
        s2 = self.spans.span(last.para, last.start + len(last.text) - 1, last.start + len(last.text))
        return Span(min(s1.start, s2.start), max(s1.end, s2.end))

    def walk(self, node: Node, inherited: Optional[Units], any_units: bool) -> None:
        head_units: Optional[Units] = None
        if node.head is not None and node.bare:
            # a bare heading: its title is not task text, but an annotation on it
            # (（一）加强组织领导（牵头单位：县发改局）) names the units of all under it
            for atom in _atoms([node.head], node.head):
                if atom.annotation:
                    head_units = head_units or Units()
                    head_units.merge(parse_units(atom.text))
            atoms = _atoms(node.paras[1:])
        else:
            atoms = _atoms(node.paras, node.head)
        leading, segments, tail = _segments(atoms)
        if leading or leading.deadline_texts:
            # label lines right under a heading (牵头单位：… 责任单位：…) belong to the heading
            head_units = head_units or Units()
            head_units.merge(leading)
        # context: the title of the nearest heading that is only a title
        if node.head is not None and node.bare:
            heading = _strip_annotations(node.title)
        elif node.parent is not None and node.parent.head is not None and node.parent.bare:
            heading = _strip_annotations(node.parent.title)
        else:
            heading = None
        task_no = ".".join(node.path) or None
        carried = head_units if head_units else inherited
        if segments:
            for k, seg in enumerate(segments, 1):
                units, inh = seg.units, False
                later = next((s.units for s in segments[k:] if s.units), None)
                if not units and later:
                    # 甲…（2020年6月底前完成）乙…（2020年10月底前完成）（责任单位：…）: the units
                    # printed at the end of the item cover its earlier, deadline-only parts too
                    units = _with_deadlines(later, seg.units)
                elif not units and carried:
                    units, inh = _with_deadlines(carried, seg.units), head_units is None
                part = k if len(segments) > 1 or task_no is None else None
                self.record(task_no, seg.text, units, self.span_of(seg.atoms), heading, inh, part,
                            seg.text + "".join(a.text for a in seg.atoms if a.annotation))
        elif tail and node.head is not None and not node.children:
            text = "".join(a.text for a in tail).strip(" 　；;")
            if carried:
                self.record(task_no, text, carried, self.span_of(tail), heading, head_units is None, None, text)
            elif not any_units and not _in_frame(node):
                self.record(task_no, text, Units(), self.span_of(tail), heading, False, None, text)
        elif head_units and not node.children:
            # a heading with units and nothing under it is itself the task
            self.record(task_no, heading or "", head_units, node.head.span, heading, False, None, node.title)
        self.table(node, carried)
        for child in node.children:
            self.walk(child, carried, any_units)

    def table(self, node: Node, carried: Optional[Units]) -> None:
        """Tasks from the rows of a tab-flattened table under ``node`` (序号 / 任务 / 牵头单位 /
        责任单位 / 配合单位 / 完成时限, in any order)."""
        cols: Optional[dict[str, int]] = None
        rows: list[tuple[list[str], Paragraph]] = []
        for p in node.paras:
            if not p.table:
                continue
            cells = [c.strip() for c in p.text.split("\t")]
            header = _header_columns(cells)
            if header:
                cols = header
                continue
            if cols is None:
                continue
            no = cells[cols["no"]] if "no" in cols and cols["no"] < len(cells) else ""
            if rows and not no and len([c for c in cells if c]) < len(cols):
                # a row wrapped onto the next line: its cells continue the last row's cells
                prev = rows[-1][0]
                for i, c in enumerate(cells):
                    if c and i < len(prev):
                        prev[i] += c
                continue
            rows.append((cells, p))
        heading = _strip_annotations(node.title) if node.head is not None and node.bare else None
        for cells, p in rows:
            def cell(key: str) -> str:
                i = cols.get(key) if cols else None
                return cells[i] if i is not None and i < len(cells) else ""
            units = Units()
            for role in ("lead", "responsible", "cooperating"):
                if cell(role):
                    sub = parse_units(cell(role))
                    # a unit column names its role unless the cell says otherwise (…牵头)
                    names = sub.lead + sub.responsible + sub.cooperating
                    if sub.lead and role != "lead":
                        units.add("lead", sub.lead)
                        names = sub.responsible + sub.cooperating
                    units.add(role, names)
            if cell("deadline"):
                units.deadline_texts.append(cell("deadline"))
            no = cell("no")
            task_no = ".".join(node.path + ((no,) if no else ())) or None
            inherited = False
            if not units and carried:
                units, inherited = _with_deadlines(carried, units), True
            self.record(task_no, cell("task"), units, p.span, heading, inherited, None, cell("task"))


def _with_deadlines(carried: Units, own: Units) -> Units:
    out = Units(list(carried.lead), list(carried.responsible), list(carried.cooperating), list(own.deadline_texts) or list(carried.deadline_texts))
    return out


def extract(result: ParseResult) -> list[LayerRecord]:
    spans = SpanMap(result.source.text)
    records: list[LayerRecord] = []
    for doc in result.documents:
        if not doc.paragraphs or not is_task_document(doc):
            continue
        root = build_outline(doc)
        any_units = _count_annotations(doc, 1) >= 1 or any(
            _header_columns(p.text.split("\t")) for p in doc.content_paragraphs() if p.table
        )
        builder = _Builder(result, doc, spans)
        builder.walk(root, None, any_units)
        records.extend(builder.records)
    return records


def _all_nodes(node: Node) -> Iterable[Node]:
    yield node
    for c in node.children:
        yield from _all_nodes(c)


# --- queries --------------------------------------------------------------------------------

def _fields(rec) -> dict:
    if isinstance(rec, LayerRecord):
        return rec.fields
    return rec["fields"] if isinstance(rec, dict) and isinstance(rec.get("fields"), dict) else rec


def _iso(d) -> str:
    return d.isoformat() if isinstance(d, date) else str(d)


def task_key(rec) -> str:
    """Identity of a task for ``closed`` sets: ``{doc_id or doc_seq}/{task_no}[#part]``."""
    f = _fields(rec)
    doc = (rec.get("doc_id") or rec.get("doc_seq")) if isinstance(rec, dict) else rec.doc_seq
    return f"{doc}/{f.get('task_no')}" + (f"#{f['part']}" if f.get("part") else "")


def tasks_of_unit(records: Iterable, unit: str, role: Optional[str] = None,
                  normalize: Optional[Callable[[str], str]] = None) -> list:
    """Tasks naming ``unit`` (as lead, responsible or cooperating unit, or only ``role``).

    Names compare after ``normalize`` (e.g. the organisation normalizer), else folded."""
    key = normalize or fold
    want = key(unit)
    roles = (role,) if role else ("lead", "responsible", "cooperating")
    return [r for r in records if any(key(n) == want for ro in roles for n in _fields(r).get(f"{ro}_units") or [])]


def due_between(records: Iterable, start, end) -> list:
    """Tasks whose deadline falls in [start, end] (ISO strings or dates)."""
    a, b = _iso(start), _iso(end)
    return [r for r in records if _fields(r).get("deadline") and a <= _fields(r)["deadline"] <= b]


def overdue(records: Iterable, as_of, closed: set = frozenset()) -> list:
    """Tasks whose deadline is before ``as_of`` and whose :func:`task_key` is not in ``closed``."""
    d = _iso(as_of)
    return [r for r in records if _fields(r).get("deadline") and _fields(r)["deadline"] < d and task_key(r) not in closed]

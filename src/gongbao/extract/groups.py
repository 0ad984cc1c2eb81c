"""Layer ``groups``: who sits in a 领导小组 / 工作专班 / 指挥部 / 委员会, and where its office is.

A composition is printed in a document's body or in an attachment (its paragraphs and its
rebuilt tables), in a few shapes:

- lists, one role label then one person a line, the role carried over to the lines after it::

      组　长：王某某　副县长
      副组长：李某　县政府办主任
              张某某　县林业局局长
      成　员：赵某　县财政局副局长（name and post split by spaces, tabs or full-width spaces,
              the post before the name or in brackets; a post broken over two lines is joined)
- tables: two columns side by side (``name\tpost\t组长：name\tpost``, read as two lists), a
  label column with two pairs a row, numbered tables (``序号\t职务\t姓名\t单位及职务``, an empty
  role cell keeping the role above), a header naming the 姓名 column;
- members run on in one sentence: ``成员：县委常委、宣传部部长周某，县财政局局长邹某，各乡镇党委书记。``
  (a post and no one named gives a record with person None);
- prose: ``组长由市人民政府副市长王某担任``, ``由副县长李某任组长``, ``张某兼任办公室主任``,
  ``由…谭某同志接任``, ``增补…易某同志为领导小组成员``;
- the office: ``领导小组下设办公室，办公室设在县林业局，主任由…兼任`` → a record with role
  办公室, person None and office 县林业局, and one for the 办公室主任;
- 成员单位: one record per unit, person None and the unit as position (units are never persons);
- working groups (``第一组：``, ``1. 综合协调组``) are groups of their own, named after the group.

The text is read with its printed layout put back (:func:`_layout`): cleaning joins a list's
lines into one paragraph and drops the spaces between a name and a post.
The group is the one the document names where it sets the list up (its title ``关于成立…``
/ ``关于调整…``, an attachment ``…领导小组成员名单``, ``成立…领导小组``); a bare ``领导小组``
or a short form resolves to it. One record per (group, role, person) and document;
``adjustment`` marks a document that changes a group set up before (人员调整), and
:func:`group_history` orders a group's documents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Iterator, Optional

from ..model import Document, LayerRecord, Paragraph, ParseResult, Span, Table
from ..text import fold, split_outside_brackets
from .orgs import normalize_unit
from .personnel import government_of, split_post
from .registry import RECORD_FILTERS, LayerSpec
from .textspan import Piece, stretches

SPEC = LayerSpec(
    name="groups",
    keys=("group", "role", "person", "position", "organisation", "office", "date"),
    unit_keys=("organisation", "position"),
    filters=(*RECORD_FILTERS, "unit", "person", "date_from", "date_to"),
    requires=("document.title", "document.date", "document.paragraphs", "document.tables",
              "document.attachment_bodies"),
)
LAYER = SPEC.name
# The order roles are shown in (a role not listed follows them).
ROLE_ORDER = (
    "第一组长", "组长", "执行组长", "常务副组长", "副组长", "总指挥", "副总指挥", "指挥长", "副指挥长",
    "主任委员", "副主任委员", "主任", "常务副主任", "副主任", "秘书长", "副秘书长", "专班长", "副专班长",
    "召集人", "副召集人", "成员", "组员", "委员", "顾问", "办公室", "办公室主任", "办公室副主任", "办公室成员", "联络员",
)

_KIND = r"(?:领导小组|工作专班|指挥部|委员会)"
_KIND_END = re.compile(rf"{_KIND}")
# What a group name never runs back over: punctuation, and the verbs that introduce it.
_NAME_STOP = set("，。；：:、,;（）()\t\n 　的为与和及")
_LEAD_VERBS = re.compile(r"^.*?(?:关于|决定|同意|成立|组建|设立|建立|调整|充实|健全|印发|担任|兼任|接任|加入|退出)(?=.{4,})|^(?:对(?!外)|将|把)(?=.{4,})")
_GENERIC_PREFIX = re.compile(r"^(?:各|本|该|相应|上述|县级|市级|乡级|项目|改革|省|市|县|区|镇|乡)?$")
_SETS_UP = re.compile(r"成立|组建|设立|调整|充实|名单|组成人员|组成如下|人员如下")
_ALIAS = re.compile(r"(?:简称|称)$")

# Role labels as printed (letter-spaced: 组　长); the role is the label without spaces.
_ROLE_WORDS = (
    r"成员单位|第一组长|执行组长|副组长|组长|组员|成员|联络员|办公室副主任|办公室主任|"
    r"副主任委员|主任委员|副主任|主任|委员|副秘书长|秘书长|副总指挥|总指挥|"
    r"副指挥长|指挥长|副专班长|专班长|副召集人|召集人|顾问"
)
_ROLE_PATTERN = r"(?:常\s*务\s*)?(?:" + "|".join(r"\s*".join(word) for word in _ROLE_WORDS.split("|")) + ")"
_ROLE_LABEL = re.compile(
    r"^\s*(?P<role>" + _ROLE_PATTERN + r")\s*[：:]\s*"
)
_LABEL = re.compile(r"^[\u4e00-\u9fff\s]{2,8}[：:]")  # 第一组： / 服务县区：平定县
_UNITS_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)?\s*成员单位(?:名单)?[：:]?$")
# A working group of the group: 第一组： / 1. 综合协调组 / （二）宣传报道组 (a heading line of its own).
_SUBGROUP = re.compile(
    r"^\s*(?:#+\s*)?(?:(?P<label>第[一二三四五六七八九十\d]{1,3}(?:工作)?(?:小)?组)|(?:\d+(?:\.\d+)*[.．、]?\s*|"
    r"[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)(?P<named>[\u4e00-\u9fff]{2,14}?(?:小组|组)))\s*[：:]?\s*$"
)
# A person's name: 2–5 characters (a two-character name may be letter-spaced: 王　坚) that
# are none of the characters units, posts and sentences are made of.
_NOT_IN_NAME = set("局办厅府院部室处司队所站省市县区镇乡委组员、，。；：（）,;:()")
_NOT_NAMES = ("一把手", "事发", "分管", "主要", "同志", "相关", "有关", "负责", "领导", "单位", "部门", "各")
_NAME = re.compile(r"^[\u4e00-\u9fff](?:[ \u3000]?[\u4e00-\u9fff]){1,4}$|^[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff·]{1,10}$")
_POST_WORD = (
    r"(?:党组|党委|党总支|党工委)?(?:书记|副书记)|(?:常务)?副?(?:局长|主任|院长|队长|行长|主席|站长|所长|校长|"
    r"馆长|社长|经理|总经理|会长|部长|科长|处长|厅长|县长|市长|区长|乡长|镇长|州长|旗长|盟长|秘书长|调研员|主任科员|"
    r"委员|董事长|理事长|大队长|支队长|干部|督学|专员|技术员|科员|主管|领导|负责人|政委|检察长|一级主任科员)"
)
_POST_END = re.compile(rf"(?:{_POST_WORD})$")
_PROSE_ROLE = r"(?:第一组长|常务副组长|副组长|组长|副专班长|专班长|成员|办公室主任|办公室副主任|副主任|主任|总指挥|副总指挥|常务副指挥长|指挥长|副指挥长)"
_GROUP_WORD = r"(?:领导小组|工作专班|专班|指挥部|委员会)?"
_BY = re.compile(rf"(?P<role>{_PROSE_ROLE})由(?P<who>[^，,；;。：:]+?)(?:同志)?(?:担任|兼任)")
_TAKES = re.compile(rf"(?:^|由|增补|补充)(?P<who>[^，,；;。：:由]+?)(?:同志)?(?:任|担任|兼任|为){_GROUP_WORD}(?P<role>{_PROSE_ROLE})(?=$|[，,；;。、的])")
_SUCCEEDS = re.compile(rf"不再担任{_GROUP_WORD}(?P<role>{_PROSE_ROLE})[^。；;]*?由(?P<who>[^，,；;。：:由]+?)(?:同志)?接任")
_INLINE_LABEL = re.compile(rf"(?:^|(?<=[。；;，,]))(?:{_KIND}|专班)?(?P<role>{_PROSE_ROLE}|联络员)[：:](?P<rest>[^。；;]+)")
_OFFICE = re.compile(r"办公室(?:设在|设于)(?P<office>[^，,；;。、（）()]+?)(?=[，,；;。（(]|$|负责)|下设办公室(?:，|,)?(?:办公室)?(?:设在|设于|在)(?P<office2>[^，,；;。（）()]+?)(?=[，,；;。（(]|$|负责)")
_OFFICE_HEAD = re.compile(r"由(?P<who>[^，,；;。：:由]+?)(?:同志)?(?:担任|兼任)(?:办公室)?(?P<role>副?主任)")
# Grades printed between a unit and a post (四级调研员, 副县级领导): not part of the unit.
_RANK = re.compile(r"(?:[一二三四五六七八九]级|副?(?:厅|处|县|科)级)(?=(?:主任科员|调研员|干部|领导|督学)?$)")
_GOV_POST = re.compile(r"^(?:常务)?副?(?:省|市|县|区|州|旗|盟)长$")


@dataclass
class _Stream:
    """One column of a list: the group and role in force, and the last member read."""

    group: Optional[str]
    subgroup: Optional[str] = None
    role: Optional[str] = None
    in_office: bool = False
    last: Optional[dict[str, Any]] = None

    @property
    def name(self) -> Optional[str]:
        if self.group and self.subgroup:
            return self.group + self.subgroup
        return self.group


@dataclass
class _Doc:
    """What is read from one document: its records, deduplicated, and the group in force."""

    result: ParseResult
    doc: Document
    date: Optional[str]
    region: Any
    group: Optional[str] = None
    records: dict[tuple, dict[str, Any]] = field(default_factory=dict)

    def add(self, group: Optional[str], role: str, person: Optional[str], position: Optional[str],
            span: Span, office: Optional[str] = None) -> Optional[dict[str, Any]]:
        if not group:
            return None
        key = (fold(group), role, person, fold(office) if office else None, None if person else fold(position or ""))
        if key in self.records:
            known = self.records[key]
            if position and not known["position"]:
                known["position"], known["organisation"] = position, self.organisation(position)
            return dict(known)  # read twice (body and attachment): the list goes on, the record stays
        unit = role == "成员单位"  # the position is the unit itself
        record = {"group": group, "role": role, "person": person, "position": position,
                  "organisation": (normalize_unit(position, self.region, self.date) if unit else self.organisation(position))
                  if position else None,
                  "office": office, "date": self.date, "span": span}
        self.records[key] = record
        return record

    def organisation(self, position: str) -> Optional[str]:
        """The unit of a position (of its first post when it prints several: ``A局党组书记、局长``)."""
        first = position.split("、")[0]
        post, org = split_post(_RANK.sub("", first if _POST_END.search(first) else position))
        org = _RANK.sub("", org)
        if not org:
            return government_of(self.region) if _GOV_POST.match(post) else None
        return normalize_unit(org, self.region, self.date)


def extract(result: ParseResult) -> list[LayerRecord]:
    region = result.region if result.region is not None else result.gazette.region_code
    by_seq = {d.seq: d for d in result.documents}
    records: list[LayerRecord] = []
    for doc in result.documents:
        if not _may_name_a_group(doc):
            continue
        parent = by_seq.get(doc.parent_seq) if doc.parent_seq is not None else None
        date = doc.date or (parent.date if parent is not None else None)
        state = _Doc(result, doc, date, region)
        adjustment = _read_document(state, parent)
        for fields in state.records.values():
            span = fields.pop("span")
            fields["adjustment"] = adjustment
            records.append(LayerRecord(layer=LAYER, doc_seq=doc.seq, span=span, fields=fields))
    return records


_ANY_GROUP = re.compile(r"领导小组|专班|指挥部|委员会|组\s*长|成员单位")


def _may_name_a_group(doc: Document) -> bool:
    """Cheap test first: most documents never name a group."""
    texts = [doc.title, *(p.text for p in doc.paragraphs)]
    for attachment in doc.attachment_bodies:
        texts.extend([attachment.title, *(p.text for p in attachment.paragraphs)])
    for table in [*doc.tables, *(t for a in doc.attachment_bodies for t in a.tables)]:
        texts.extend(cell for row in [table.header, *table.rows] for cell in row)
    return any(_ANY_GROUP.search(text) for text in texts)


def _read_document(state: _Doc, parent: Optional[Document]) -> bool:
    """Read the body, its tables and the attachments; whether the document adjusts a group."""
    doc = state.doc
    titles = [doc.title] + ([parent.title] if parent is not None else [])
    adjustment = any("调整" in t and _mentions(t) for t in titles)
    for title in titles:
        found = _set_up_name(title, title=True)
        if found and _is_full(found):
            state.group = found
            break
    _read_block(state, doc.paragraphs, doc.tables)
    for attachment in doc.attachment_bodies:
        named = _set_up_name(attachment.title, title=True)
        if named:
            state.group = _renamed(state.group, named)
        _read_block(state, attachment.paragraphs, attachment.tables)
    return adjustment


def _mentions(text: str) -> bool:
    return bool(_KIND_END.search(text))


# -- group names ---------------------------------------------------------------------------


def _names(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, name) of each group named in ``text``, the name run back from its kind
    word to the verb or punctuation before it."""
    for m in _KIND_END.finditer(text):
        start = m.start()
        while start > 0 and text[start - 1] not in _NAME_STOP and m.end() - start < 40:
            start -= 1
        if _ALIAS.search(text[max(0, start - 3):start]):
            continue
        name = text[start:m.end()]
        while (cut := _LEAD_VERBS.match(name)) is not None:
            start += cut.end()
            name = text[start:m.end()]
        yield start, m.end(), name


def _is_full(name: str) -> bool:
    """A name of its own, not ``领导小组`` / ``市领导小组`` / ``各成员单位`` standing for one."""
    prefix = name[: _KIND_END.search(name).start()]
    return len(prefix) >= 3 and not _GENERIC_PREFIX.match(prefix)


def _set_up_name(text: str, title: bool = False) -> Optional[str]:
    """The group a title or heading sets up (成立/调整/…名单), or None. A bare name
    (``领导小组名单``) comes back as printed: the caller resolves it to the group in force."""
    bare = None
    for start, end, name in _names(text):
        if title or _SETS_UP.search(text[:start]) or _SETS_UP.search(text[end:end + 8]):
            if _is_full(name):
                return _bare(name)
            bare = bare or _bare(name)
    return bare


def _renamed(current: Optional[str], named: str) -> str:
    """The group in force after a heading names ``named``: the current one when ``named`` is
    its short form (``县防汛抗旱指挥部`` for ``平定县防汛抗旱指挥部``) or a bare 领导小组."""
    if current is None:
        return named
    if not _is_full(named):
        return current
    short = fold(_PLACE_PREFIX.sub("", named))
    return current if fold(current).endswith(short) else named


_PLACE_PREFIX = re.compile(r"^[省市县区州旗盟]")


def _group_in(text: str, default: Optional[str]) -> Optional[str]:
    """The full group a sentence names, else ``default`` (a bare 领导小组 is the one in force)."""
    for _start, _end, name in _names(text):
        if _is_full(name):
            return _bare(name)
    return default


# -- layout --------------------------------------------------------------------------------


def _layout(source: str, text: str, span: Span) -> Piece:
    """``text`` with the line breaks and cell breaks the source prints between its characters
    put back (cleaning joins a list's lines into one paragraph and drops a row's empty
    cells): a line break, and a tab per tab or ``|`` cell border (leading empty cells too)."""
    aligned = _stretches(source, text, span)
    if not aligned:
        return Piece("", ())
    first = aligned[0][1]
    line_start = source.rfind("\n", 0, first) + 1
    lead = _cell_breaks(source[line_start:first], leading=True)
    chars: list[str] = [lead]
    at: list[int] = [first] * len(lead)
    prev = last = -1  # the text index and source offset of the character before
    for i, where, size in aligned:
        if prev != -1:
            if where > last + 1:
                gap = source[last + 1:where]
                if "\n" in gap:
                    separator = "\n" + _cell_breaks(gap[gap.rindex("\n") + 1:], leading=True)
                else:
                    separator = _cell_breaks(gap, leading=False) or " "
            else:
                between = text[prev + 1:i]
                separator = "\t" if "\t" in between else "\n" if "\n" in between else " " if between else ""
            chars.append(separator)
            at.extend([last] * len(separator))
        chars.append(text[i:i + size])
        at.extend(range(where, where + size))
        prev, last = i + size - 1, where + size - 1
    line_end = source.find("\n", last)
    tail = source[last + 1:line_end if line_end != -1 else len(source)]
    if tail.strip(" \t|") == "":  # empty cells closing the row: the right column ended
        trailing = "\t" * max(0, tail.count("|") - 1) if "|" in tail else "\t" * tail.count("\t")
        chars.append(trailing)
        at.extend([last] * len(trailing))
    return Piece("".join(chars), tuple(at))


_FURNITURE = set(" \t\n\r\u3000|-#*>")
_SKIP_AHEAD = 200  # source characters searched for text that cleaning moved up (a page header dropped)
_NON_BLANK = re.compile(r"\S+")


def _align(source: str, text: str, span: Span) -> list[int]:
    """Source offset of each character of ``text``, like :func:`textspan.offsets`, but
    stepping over any run of layout (spaces, ``|`` borders, list dashes), however long.
    A blank character of ``text`` takes the offset after the character before it."""
    result: list[int] = []
    end = max(span.start, span.end)
    after = span.start
    for i, where, size in _stretches(source, text, span) + [(len(text), 0, 0)]:  # then the blanks ending text
        result.extend([min(after, end - 1) if end > span.start else span.start] * (i - len(result)))
        result.extend(range(where, where + size))
        after = where + size
    return result


def _stretches(source: str, text: str, span: Span) -> list[tuple[int, int, int]]:
    """The non-blank characters of ``text`` aligned with ``source[span]``, as stretches
    (index in ``text``, source offset, length) printed there character for character."""
    end = max(span.start, span.end)

    def place(i: int, j: int) -> int:
        ch = text[i]
        k = j
        while k < end and source[k] != ch and _fold_char(source[k]) != _fold_char(ch) and source[k] in _FURNITURE:
            k += 1
        if k < end and (source[k] == ch or _fold_char(source[k]) == _fold_char(ch)):
            return k
        ahead = source.find(text[i:i + 2], j, min(end, j + _SKIP_AHEAD)) if i + 1 < len(text) else -1
        return ahead if ahead != -1 else min(k, end - 1)

    found: list[tuple[int, int, int]] = []
    j = span.start
    for run in _NON_BLANK.finditer(text):  # never empty: each gives a stretch at least
        found.extend(stretches(text, run.start(), run.end(), source, j, end, place))
        _, where, size = found[-1]
        j = where + size
    return found


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """:func:`fold` of one character (cached: the alignment asks for the same few again and again)."""
    return fold(ch)


def _cell_breaks(gap: str, leading: bool) -> str:
    """The cell breaks a stretch of source whitespace stands for: its tabs, or its ``|``
    borders (a row's first ``|`` opens the row)."""
    pipes = gap.count("|")
    if pipes:
        return "\t" * (pipes - 1 if leading and gap.lstrip(" -").startswith("|") else pipes)
    return "\t" * gap.count("\t")


def _lines(piece: Piece) -> Iterator[Piece]:
    start = 0
    for line in piece.text.split("\n"):
        if line:
            yield Piece(line, piece.offsets[start:start + len(line)])
        start += len(line) + 1


_HEAD_NAME = re.compile(r"姓\s*名")
_HEAD_ROLE = re.compile(r"^(?:组内|小组|专班|机构)?\s*(?:职\s*务|职\s*位|分\s*工|任\s*职|角\s*色)$")
_HEAD_OTHER = re.compile(r"序\s*号|备\s*注|电\s*话|联系|手\s*机|性\s*别|民\s*族")
_BARE_ROLE = re.compile(r"^" + _ROLE_PATTERN + r"$")


def _table_columns(header: list[str]) -> Optional[tuple[Optional[int], int, list[int]]]:
    """(role, name, post columns) of a table whose header names them (``职务 | 姓名 | 工作单位及职务``)."""
    names = [i for i, cell in enumerate(header) if _HEAD_NAME.search(cell)]
    if not names:
        return None
    name = names[0]
    others = [i for i, cell in enumerate(header) if i != name and cell.strip() and not _HEAD_OTHER.search(cell)]
    roles = [i for i in others if _HEAD_ROLE.match(header[i].strip())]
    role = roles[0] if roles and len(others) > 1 else None  # a lone 职务 column is the post
    return role, name, [i for i in others if i != role]


def _table_lines(source: str, table: Table) -> Iterator[Piece]:
    """Each row of a rebuilt table as a line ``role：\tname\tpost`` (when the header names the
    columns) or its cells tab-separated, each cell found in the source after the row before."""
    columns = _table_columns([c.strip() for c in table.header])
    rows = table.rows if columns else ([table.header] if table.header else []) + table.rows
    cursor = table.span.start
    for row in rows:
        cells = [c.strip() for c in row] + [""] * 8
        if columns:
            role, name, posts = columns
            parts = [[cells[role]] if role is not None else [""], [cells[name]], [cells[i] for i in posts]]
        else:
            parts = [[cell] for cell in cells[:len(row)]]
        if not any(any(p) for p in parts):
            continue
        text, at, row_end = "", [], cursor
        for k, part in enumerate(parts):
            if k:
                text += "\t"
                at.append(at[-1] if at else cursor)
            for cell in part:
                # each cell after the one before it (县城管局局长 and 县生态环境局 both start with 县)
                where = _locate(source, cell, row_end, table.span.end) or _locate(source, cell, cursor, table.span.end) \
                    or [row_end] * len(cell)  # not in the source as printed: the row's place
                text += cell
                at.extend(where)
                row_end = max([row_end, *[w + 1 for w in where]])
            if k == 0 and _BARE_ROLE.match(text):
                text += "："  # a role column: the label of the row
                at.append(at[-1])
        cursor = row_end
        yield Piece(text, tuple(at))


def _locate(source: str, cell: str, start: int, end: int) -> list[int]:
    """Offsets of a cell printed at or after ``start``; [] when it is not there."""
    if not cell:
        return []
    found = source.find(cell[0], start, end)
    return _align(source, cell, Span(found, end)) if found != -1 else []


# -- reading -------------------------------------------------------------------------------


_SHORT = 80  # a paragraph this short may be a list line whatever it says
_KEYWORDS = re.compile(r"领导小组|专班|指挥|委员|组\s*长|成\s*员|主\s*任|联\s*络\s*员|办公室|召集人|顾问|秘书长|组[：:]|\t")


def _read_block(state: _Doc, paragraphs: list[Paragraph], tables: list[Table]) -> None:
    """Read paragraphs and rebuilt tables in the order they are printed."""
    source = state.result.source.text
    lines: list[Piece] = []
    # a table whose rows the paragraphs hold too (``table=True``) is read once, as text
    tables = [t for t in tables if not any(p.span.start < t.span.end and t.span.start < p.span.end for p in paragraphs)]
    for _start, item in sorted([(p.span.start, p) for p in paragraphs] + [(t.span.start, t) for t in tables],
                               key=lambda pair: pair[0]):
        if isinstance(item, Table):
            lines.extend(_table_lines(source, item))
            continue
        text = item.text
        if len(text) > _SHORT and not _KEYWORDS.search(text):
            # running text that names no group or role: read as one line (it ends a list)
            lines.append(Piece(text, (item.span.start,) * len(text)))
            continue
        lines.extend(_lines(_layout(source, text, item.span)))
    _read_lines(state, lines)


def _read_lines(state: _Doc, lines: list[Piece]) -> None:
    """Read lines in order; a run of two-column rows is read column by column."""
    stream = _Stream(state.group)
    block: list[list[Piece]] = []  # the two-column rows in a row
    for line in _rows(lines):
        columns, one_list = _columns(line)
        if len(columns) == 2 and not one_list:
            block.append(columns)
            continue
        _read_columns(state, stream, block)
        block = []
        for column in columns:
            _read_entry(state, stream, column)
    _read_columns(state, stream, block)


def _read_columns(state: _Doc, stream: _Stream, block: list[list[Piece]]) -> None:
    """Two columns printed side by side: the left one, then the right one — a list of its own
    when it opens with a label or a heading (``第一组：``), else the left list flowing on."""
    if not block:
        return
    start = _Stream(stream.group)
    for left, _right in block:
        if left.text.strip():
            _read_entry(state, stream, left)
    rights = [right for _left, right in block if right.text.strip()]
    if not rights:
        return
    first = rights[0].text.strip()
    opens = _ROLE_LABEL.match(first) or _SUBGROUP.match(first) or _LABEL.match(first) or _set_up_name(first)
    right = start if opens else stream
    for piece in rights:
        _read_entry(state, right, piece)


_SERIAL = re.compile(r"^\s*\d{1,3}[.．、]?\t")
_OUTLINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、])")


def _rows(lines: list[Piece]) -> list[Piece]:
    """Lines as a list reads them: a table row without its 序号 cell and with its role cell as a
    label (``1\t组长\t王某\t副县长`` → ``组长：\t王某\t副县长``), a sentence hard-wrapped over
    lines joined again."""
    rows: list[Piece] = []
    for line in lines:
        if "\t" in line.text:
            serial = _SERIAL.match(line.text)
            if serial:
                line = Piece(line.text[serial.end():], line.offsets[serial.end():])
            cell = line.text.split("\t")[0]
            at = line.text.index(cell) + len(cell) if cell.strip() else -1
            if at > 0 and _BARE_ROLE.match(cell.strip()):
                line = Piece(line.text[:at] + "：" + line.text[at:], line.offsets[:at] + (line.offsets[at - 1],) + line.offsets[at:])
        if rows and _wraps(rows[-1].text, line.text):
            rows[-1] = Piece(rows[-1].text + line.text.strip(), rows[-1].offsets + _cut(line, 0, len(line.text)).offsets)
        else:
            rows.append(line)
    return rows


def _wraps(previous: str, line: str) -> bool:
    """``line`` goes on with the sentence ``previous`` broke off (a hard line break)."""
    previous = previous.strip()
    return "\t" not in previous and "\t" not in line and bool(_CLAUSE_MARK.search(previous)) \
        and not previous.endswith(("。", "：", ":", "；", ";")) and not _ROLE_LABEL.match(line) \
        and not _SUBGROUP.match(line) and not _OUTLINE.match(line) and not _LABEL.match(line.strip())


_CLAUSE_MARK = re.compile("[，,。]")


def _cut(piece: Piece, start: int, end: int) -> Piece:
    text = piece.text[start:end]
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    return Piece(text, piece.offsets[start + lead:start + lead + len(text)])


def _columns(line: Piece) -> tuple[list[Piece], bool]:
    """A row printed as two columns, cut in two, and whether the halves are one list (a row
    ``成员：\t王某\t局长\t李某\t局长`` under one label) rather than two lists side by side
    (``name\tpost\t组长：name\tpost``); any other line whole."""
    cells = line.text.split("\t")
    if len(cells) < 3:
        return [line], False  # too few cells for two columns
    filled = [c.strip() for c in cells if c.strip()]
    if len(filled) == 1 and not (_ROLE_LABEL.match(filled[0]) or _LABEL.match(filled[0]) or _SUBGROUP.match(filled[0])
                                 or _starts_with_name(filled[0])):
        return [line], False  # one cell: the rest of a post broken over two rows
    labelled = (not cells[0].strip() or _is_bare_label(cells[0])) and _starts_with_name(cells[1])
    body = cells[1:] if labelled else cells
    if len(body) < 3:
        return [line], False
    if not labelled and len(cells) >= 4 and cells[0].strip() and cells[1].strip() and not "".join(cells[2:]).strip():
        return [_cut(line, 0, len(cells[0]) + 1 + len(cells[1])), Piece("", ())], False  # the right column ended
    third = body[2].strip()
    person_left = (_ROLE_LABEL.match(body[0]) or _starts_with_name(body[0])) and _POST_END.search(_bare(body[1]))
    if not (body[0].strip() or body[1].strip()) or _ROLE_LABEL.match(third) or _LABEL.match(third) \
            or _SUBGROUP.match(third) or _starts_with_name(third) or (person_left and _CLAUSE_MARK.search(third)):
        split = sum(len(c) + 1 for c in cells[:(3 if labelled else 2)])
        return [_cut(line, 0, split - 1), _cut(line, split, len(line.text))], labelled
    return [line], False


_SPACES = re.compile(r"[ \u3000]+")


def _starts_with_name(cell: str) -> bool:
    """The cell begins with a person's name (``王某``, ``王　某``, ``王某 副县长``)."""
    tokens = _SPACES.split(cell.strip())
    if len(tokens) > 1 and len(tokens[0]) == 1 and len(tokens[1]) == 1:
        return _is_name(tokens[0] + tokens[1])
    return _is_name(tokens[0])


def _is_bare_label(cell: str) -> bool:
    label = _ROLE_LABEL.match(cell)
    return label is not None and not cell[label.end():].strip()


def _is_name(token: str) -> bool:
    token = token.strip()
    if not _NAME.match(token):
        return False
    bare = token.replace(" ", "").replace("\u3000", "")
    return 2 <= len(bare) <= 5 and not any(c in _NOT_IN_NAME for c in bare) and not _POST_END.search(bare) \
        and not any(word in bare for word in _NOT_NAMES)


_WORD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def _read_entry(state: _Doc, stream: _Stream, line: Piece) -> None:
    """One line of one column: a heading naming the group, a role label with its person, a
    further person of the role in force, the rest of a post broken over two lines, or prose."""
    line = _cut(line, 0, len(line.text))
    text = line.text
    if not _WORD_CHAR.search(text):
        return  # a table border row: the list goes on
    named = _set_up_name(text)
    if named and not _ROLE_LABEL.match(text):
        stream.group = state.group = _renamed(stream.group, named)
        stream.subgroup, stream.role, stream.in_office, stream.last = None, None, False, None
    if _UNITS_HEADING.match(text):  # 二、成员单位: the next lines list units
        stream.role, stream.last = "成员单位", None
        return
    sub = _SUBGROUP.match(text)
    if sub:
        stream.subgroup, stream.role, stream.in_office, stream.last = sub["label"] or sub["named"], None, False, None
        return
    label = _ROLE_LABEL.match(text)
    if label:
        role = _bare(label["role"])
        if role.startswith("办公室"):
            stream.in_office = True
        elif role in ("组长", "第一组长", "指挥长", "总指挥") or (role == "主任" and not stream.in_office):
            stream.in_office = False
        if stream.in_office and not role.startswith("办公室") and role in ("主任", "副主任", "成员"):
            role = "办公室" + role
        stream.role, stream.last = role, None
        rest = _cut(line, label.end(), len(line.text))
        if rest.text:
            _members(state, stream, rest, labelled=True)
        return
    if stream.role == "办公室主任":
        stream.role = "办公室成员"  # the names under the office's 主任 are its staff
    if stream.role is not None and stream.group and _members(state, stream, line):
        return
    if stream.last is not None and _continues_post(text):
        last = stream.last
        last["position"] = (last["position"] or "") + _bare(text)
        last["organisation"] = state.organisation(last["position"])
        last["span"] = Span(last["span"].start, max(last["span"].end, line.span().end))
        return
    stream.role, stream.last = None, None
    if not named or any(c in text for c in "，。；"):
        _prose(state, stream, line)


def _members(state: _Doc, stream: _Stream, piece: Piece, labelled: bool = False) -> bool:
    """The persons a list line gives the role in force; False when it gives none. A line with
    no label of its own must start with a surname (else it is the rest of a broken post)."""
    if stream.role == "成员单位":
        return _units(state, stream, piece)
    text = piece.text.rstrip("；;。，,")
    if text.startswith(("（", "(")) or not text:
        return False
    if _SENTENCE_MARK.search(text):
        return _listed_in_a_sentence(state, stream, piece)
    names = [t.strip() for t in text.split("、")]
    if len(names) > 1 and all(_is_name(n) for n in names):
        cursor = 0
        for name in names:
            at = piece.text.index(name, cursor)
            cursor = at + len(name)
            stream.last = state.add(stream.name, stream.role, _bare(name), None, piece.span(at, cursor)) or stream.last
        return True
    pairs = list(_BRACKETED.finditer(text))
    if len(pairs) > 1 and not _BRACKETED.sub("", text).strip() and all(_is_name(m["name"]) for m in pairs):
        for m in pairs:  # 罗　斌（副市长）　　王春燕（市政府办公室主任）
            stream.last = state.add(stream.name, stream.role, _bare(m["name"]), _bare(m["post"]),
                                    piece.span(m.start("name"), m.end())) or stream.last
        return True
    person, position = _name_and_post(text)
    if person is not None and not labelled and not _has_surname(person) and _bare(text.split("\t")[0]) != person:
        return False  # neither a known surname nor a cell of its own: the rest of a broken post
    if person is None:
        if _UNNAMED_POST.match(_bare(text)):  # 各镇（街道）镇长（主任）: a post, no one named
            state.add(stream.name, stream.role, None, _bare(text), piece.span(0, len(text)))
            stream.last = None
            return True
        return False
    record = state.add(stream.name, stream.role, person, position, piece.span(0, len(text)))
    stream.last = record if record is not None else stream.last
    return True


_SENTENCE_MARK = re.compile("[，,。；;]")
_BRACKETED = re.compile(r"(?P<name>[^\s（）()]{2,5}?|[\u4e00-\u9fff][ \u3000][\u4e00-\u9fff])\s*[（(](?P<post>[^（）()]+)[）)]\s*")
_UNNAMED_POST = re.compile(rf"^各[^，,。；;：:]{{1,20}}(?:{_POST_WORD})(?:[（(][^（）()]+[）)])?$")


def _units(state: _Doc, stream: _Stream, piece: Piece) -> bool:
    """``成员单位：A、B，C。…``: one record per unit (as printed), none of them a person."""
    text = piece.text
    end = text.find("。")
    end = len(text) if end == -1 else end
    cursor = 0
    for unit in split_outside_brackets(text[:end], "、，,；;"):
        at = text.index(unit, cursor)
        cursor = at + len(unit)
        name = _bare(unit).removesuffix("等")
        if name:
            state.add(stream.name, "成员单位", None, name, piece.span(at, cursor))
    stream.role = None if end < len(text) else stream.role
    return True


def _listed_in_a_sentence(state: _Doc, stream: _Stream, piece: Piece) -> bool:
    """``县委常委、宣传部部长周某，县财政局局长邹某，各乡镇党委书记。``: members one after the
    other, each a position and a name (or a post and no one); False unless every item is one."""
    text = piece.text
    end = text.find("。")
    end = len(text) if end == -1 else end
    items: list[tuple[int, int, Optional[str], Optional[str]]] = []
    cursor = 0
    for item in split_outside_brackets(text[:end], "，,；;"):
        at = text.index(item, cursor)
        cursor = at + len(item)
        person, position = _person_in_prose(item) if not _is_name(item) else (item, None)
        if person is None and not _UNNAMED_POST.match(item):
            return False
        items.append((at, cursor, person, position if person else item))
    if not any(person for _a, _b, person, _p in items):
        return False
    for at, until, person, position in items:
        record = state.add(stream.name, stream.role, person, position, piece.span(at, until))
        stream.last = record if record is not None and person else stream.last
    if end < len(text):
        stream.role = None
        _prose(state, stream, _cut(piece, end + 1, len(text)))
    return True


# Surnames a name may start with: the common ones (about 99% of the population), the compound
# ones, and the syllables that begin most Mongolian and Tibetan names printed without a 姓.
_SURNAMES = set(
    # 百家姓
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦"
    "昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹"
    "姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐"
    "邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁"
    "荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武"
    "符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉"
    "宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满"
    "弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红游"
    "竺权逯盖益桓公"
    # common today and missing above
    "闫付覃兰佟岳帅楚冼邝呼亢揭智员郄达占矫帖綦谯况哈过闪续买兀苑粟练豆朴海鄢谌栗原门来衣晋仝亓"
    # first syllables of names printed without a 姓 (Mongolian, Tibetan, Uyghur)
    "阿扎次格达其德旺拉多尼努依热吐玉吉"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙", "宇文",
                      "司徒", "夏侯", "轩辕", "端木", "公孙", "呼延", "钟离", "西门", "南宫")


def _has_surname(name: str) -> bool:
    return name[:1] in _SURNAMES or name.startswith(_COMPOUND_SURNAMES) or "·" in name


def _bare(name: str) -> str:
    return "".join(name.split())


_NAME_BRACKETED_POST = re.compile(r"^(?P<name>[^\s（(]+?)\s*[（(](?P<post>[^（）()]+)[）)]$")
_CELL_BREAK = re.compile(r"[\t ]+")


def _name_and_post(text: str) -> tuple[Optional[str], Optional[str]]:
    """(person, position) of ``王某 副县长`` / ``王　坚\\t市林业局局长`` / ``王某（副县长）`` /
    ``王某副县长``; (None, None) when the text does not start with a name."""
    m = _NAME_BRACKETED_POST.match(text)
    if m and _is_name(m["name"]):
        return m["name"], _bare(m["post"])
    tokens = _CELL_BREAK.split(text.replace("\u3000", " ").strip())
    if len(tokens) >= 2 and len(tokens[0]) == 1 and len(tokens[1]) == 1 and _is_name(tokens[0] + tokens[1]):
        tokens = [tokens[0] + tokens[1]] + tokens[2:]
    if _is_name(tokens[0]):
        position = "".join(tokens[1:]) or None
        if position is not None and _is_name(position):
            return None, None  # two names: a table of names, not a name and a post
        return _bare(tokens[0]), position
    if len(tokens) >= 3 and len(tokens[-1]) == 1 and len(tokens[-2]) == 1 and _is_name(tokens[-2] + tokens[-1]):
        tokens = tokens[:-2] + [tokens[-2] + tokens[-1]]
    if len(tokens) >= 2 and _is_name(tokens[-1]) and _POST_END.search(tokens[-2]):
        return tokens[-1], "".join(tokens[:-1])  # 旗委副书记、旗长　　巴特尔
    if len(tokens) == 1:
        return _glued(tokens[0])
    return None, None


_HEAD_POST_END = re.compile("(?:负责人|领导)$")


def _glued(text: str) -> tuple[Optional[str], Optional[str]]:
    """``李文兵副市长``: a name run into its post, the post being a position that ends with a
    post word; the three-character name is preferred, as most names are."""
    if not _POST_END.search(text):
        return None, None
    for size in (3, 2):
        name, rest = text[:size], text[size:]
        if _is_name(name) and len(rest) >= 2 and _POST_END.search(rest) and rest[0] not in "长员任记（(" \
                and not _HEAD_POST_END.search(rest):
            return name, rest
    return None, None


_CLAUSE_OR_LABEL_MARK = re.compile(r"[，,。；;：:]")
_SHORT_WORD = re.compile(r"^[\u4e00-\u9fff]{1,3}$")


def _continues_post(text: str) -> bool:
    """A short line with no name that finishes the post above it (``党委委员``)."""
    bare = _bare(text)
    return 1 <= len(bare) <= 12 and not _is_name(text) and not _CLAUSE_OR_LABEL_MARK.search(bare) \
        and bool(_POST_END.search(bare) or _SHORT_WORD.match(bare))


# -- prose ---------------------------------------------------------------------------------


def _prose(state: _Doc, stream: _Stream, line: Piece) -> None:
    """``组长由…担任`` / ``由…任组长`` / ``办公室设在…，主任由…兼任`` in running text."""
    text = line.text
    if not (stream.group or state.group or _KIND_END.search(text)):
        return  # no group in force, none named: nobody to read into one
    for sentence_start, sentence_end in _sentences(text, "。"):
        sentence = text[sentence_start:sentence_end]
        group = _group_in(sentence, stream.group or state.group)
        if group is not None:
            group = _renamed(stream.group or state.group, group)
        if group and group != stream.group and _SETS_UP.search(sentence):
            stream.group = state.group = group
        if not group:
            continue
        office_seen = False
        _inline_labels(state, stream, line, group, sentence_start, sentence)
        for clause_start, clause_end in _sentences(sentence, "；;"):
            clause = sentence[clause_start:clause_end]
            base = sentence_start + clause_start
            office = _OFFICE.search(clause)
            if office:
                stream.in_office = True  # a 主任： / 副主任： line after it is the office's
                where = office["office"] or office["office2"]
                at = clause.index(where)
                state.add(group, "办公室", None, None, line.span(base + office.start(), base + at + len(where)),
                          office=_bare(where))
                office_seen = True
            if "任" not in clause and "为" not in clause:
                continue  # every way of naming a person below says 任 or 为
            for m in _SUCCEEDS.finditer(clause):
                _people(state, group, m["role"], m["who"], line, base + m.start("who"), base + m.end())
            for m in _BY.finditer(clause):
                role = _office_role(m["role"], office_seen or "办公室" in clause[:m.start()])
                _people(state, group, role, m["who"], line, base + m.start(), base + m.end())
            for part_start, part_end in _sentences(clause, "，,"):
                part = clause[part_start:part_end]
                for m in _TAKES.finditer(part):
                    if m["who"].endswith("不再"):
                        continue  # 不再担任…成员: leaves the group
                    role = _office_role(m["role"], office_seen and m["role"] in ("主任", "副主任"))
                    _people(state, group, role, m["who"], line, base + part_start + m.start(), base + part_start + m.end())
                for m in _OFFICE_HEAD.finditer(part):
                    if not _TAKES.search(part):
                        _people(state, group, "办公室" + m["role"], m["who"], line,
                                base + part_start + m.start(), base + part_start + m.end())


def _inline_labels(state: _Doc, stream: _Stream, line: Piece, group: str, sentence_start: int, sentence: str) -> None:
    """``领导小组联络员：万某（县文旅局办公室主任）`` inside running text."""
    for m in _INLINE_LABEL.finditer(sentence):
        inner = _Stream(group, role=m["role"])
        start = sentence_start + m.start("rest")
        _members(state, inner, _cut(line, start, sentence_start + m.end("rest")), labelled=True)


def _office_role(role: str, in_office: bool) -> str:
    return "办公室" + role if in_office and role in ("主任", "副主任") else role


_BETWEEN = {separators: re.compile(f"[^{separators}]+") for separators in ("。", "；;", "，,")}


def _sentences(text: str, separators: str) -> list[tuple[int, int]]:
    """(start, end) of the stretches of ``text`` between ``separators`` (one of :data:`_BETWEEN`)."""
    return [m.span() for m in _BETWEEN[separators].finditer(text)]


_WHO_LEAD = re.compile(r"^(?:成立|由|并由|增补|补充)")


def _people(state: _Doc, group: str, role: str, who: str, line: Piece, start: int, end: int) -> None:
    who = _WHO_LEAD.sub("", who)
    for part in _persons_listed(who):
        person, position = _person_in_prose(part)
        if person:
            state.add(group, role, person, position, line.span(start, end))


_AND = re.compile("和|及")


def _persons_listed(who: str) -> Iterator[str]:
    """``A、B`` and ``A和B`` / ``A及B`` where A is a whole person or post (``市规划和自然资源局``
    is one unit)."""
    for part in who.split("、"):
        start = 0
        for m in _AND.finditer(part):
            left = part[start:m.start()]
            if _POST_END.search(left) or _person_in_prose(left)[0]:
                yield left
                start = m.end()
        if part[start:]:
            yield part[start:]


_ORG_NAME_POST = re.compile(rf"^(?P<org>.*?)(?P<name>[\u4e00-\u9fff]{{2,3}})(?P<post>(?:{_POST_WORD}))$")


def _person_in_prose(text: str) -> tuple[Optional[str], Optional[str]]:
    """``市人民政府副市长王某`` / ``市规划和自然资源局肖某某副局长`` / ``呼某某副市长`` / ``张某``."""
    if _is_name(text):
        return text, None
    for size in (3, 2):  # position, then the name
        name, position = text[-size:], text[:-size]
        if _is_name(name) and position and _POST_END.search(position):
            return name, position
    m = _ORG_NAME_POST.match(text)
    if m and _is_name(m["name"]) and (not m["org"] or m["org"][-1] in "局委办府院部室心司行队所站会区县市"):
        return m["name"], m["org"] + m["post"]
    return None, None


# -- queries over records of many issues -----------------------------------------------------


def same_group(a: str, b: str) -> bool:
    return fold(a) == fold(b)


def group_history(records: Iterable[dict[str, Any]], group: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The documents that set up or changed ``group``, oldest first, each with its records."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if same_group(record.get("group") or "", group):
            by_doc.setdefault(str(record.get("doc_id")), []).append(record)
    return sorted(by_doc.items(), key=lambda item: (item[1][0].get("date") or "", item[0]))

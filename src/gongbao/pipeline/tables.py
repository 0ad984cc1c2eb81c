"""Tables flattened by extraction, rebuilt as caption + unit + header + rows of cells.

Two printed shapes are read from the text alone:

* rows whose cells are tab-separated (docx tables, markdown pipe tables, wide layout gaps:
  ``normalize`` has already turned those into tabs), a cell broken over two lines joined back;
* one cell per line (a common PDF extraction shape): a header of N short labels, then data
  lines in multiples of N whose numeric columns agree from row to row.

A table is only rebuilt where its shape is certain enough; otherwise its lines stay
paragraphs of text (never dropped). Rows shorter than the header are padded with empty cells
at the end and reported — cells are never shifted into other columns by guessing.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from ..model import Line, Span, Table, Warning

_CAPTION = re.compile(r"^(?:(?:附)?表\s*[\d一二三四五六七八九十]{1,3}[\s.．、：:]*\S.{0,60}|\S.{1,60}(?:一览表|统计表|明细表|汇总表|情况表|计划表|清单|名单|名录|表))$")
_UNIT = re.compile(r"^[（(]?\s*(?:计量)?单位\s*[：:]\s*(?P<unit>[^\s）)]{1,12})\s*[)）]?$")
_UNIT_INLINE = re.compile(r"[（(]?\s*(?:计量)?单位\s*[：:]\s*(?P<unit>[^\s）)\t]{1,12})\s*[)）]?\s*$")
_NUMERIC = re.compile(r"^[-+]?(?:\d[\d,，]*(?:\.\d+)?|\.\d+)\s*%?$")
_SENTENCE_END = re.compile(r"[。！？；]$")
# words of a header cell that heads several columns (面积 → 合计 / 其中新增)
_GROUP_HEADER = re.compile(r"面积|数量|金额|资金|投资|人数|其中|情况|指标|规模|构成|来源|完成|计划|时间|单位")


@dataclass(slots=True)
class TableIssue:
    """A table kept with a note (rows of unequal length)."""

    message: str
    span: Span


def is_numeric(cell: str) -> bool:
    return bool(_NUMERIC.match(cell.strip()))


def _cells(line: Line) -> list[str]:
    return [c.strip() for c in line.text.split("\t")]


def _span(lines: list[Line]) -> Span:
    spans = [ln.span() for ln in lines if ln.text]
    return Span(spans[0].start, spans[-1].end)


def _caption_and_unit(before: list[Line]) -> tuple[Optional[str], Optional[str], list[Line]]:
    """Caption (``表1 …``) and unit (``单位：公顷``) lines just above a table (up to two lines)."""
    caption = unit = None
    used: list[Line] = []
    for ln in reversed(before[-2:]):
        t = ln.text
        if "\t" in t:
            parts = [p for p in t.split("\t") if p]
            m = _UNIT_INLINE.search(parts[-1]) if parts else None
            if len(parts) == 2 and m and unit is None and caption is None:
                caption, unit = parts[0], m.group("unit")  # ``表1 …<tab>单位：万元``
                used.insert(0, ln)
                continue
            break
        m = _UNIT.match(t)
        if m and unit is None and caption is None:
            unit = m.group("unit")
            used.insert(0, ln)
            continue
        if caption is None and len(t) <= 60 and not _SENTENCE_END.search(t) and _CAPTION.match(t):
            m = _UNIT_INLINE.search(t)
            if m and unit is None:
                unit = m.group("unit")
                t = t[: m.start()].rstrip()
            caption = t
            used.insert(0, ln)
            continue
        break
    return caption, unit, used


_HEADER_WORD = re.compile(
    r"序号|编号|名称|姓名|职务|单位|部门|地址|地点|项目|内容|时间|时限|时段|期限|面积|数量|金额|类别|类型|备注|"
    r"合计|小计|年份|指标|用途|用地|位置|坐标|级别|责任|牵头|配合|措施|任务|目标|标准|事项|依据|条件|电话|"
    r"联系|代码|编码|区域|地区|道路|起止|得分|等次|分值|考核|领导|总量|规模|投资|资金|完成|计划|情况|人数|户数|率|"
    r"机关|要求|方式|说明|证明|办理|主体|对象|范围|来源|单价|价格|年度|月份|日期|街道|乡镇|村"
)


def _label_row(row: list[str]) -> bool:
    cells = [c for c in row if c]
    return bool(cells) and not any(is_numeric(c) or re.search(r"[：:。]", c) or len(c) > 20 for c in cells)


def _header_rows(rows: list[list[str]]) -> int:
    """How many leading rows are header rows, at most two. The first is a row of labels (no
    number, no ``组长：王某`` entry) that either names columns (序号, 名称, 面积 …) or stands
    over rows holding numbers; a second row of labels under it is the lower level."""
    if len(rows) < 2 or not _label_row(rows[0]):
        return 0
    cells = [c for c in rows[0] if c]
    named = sum(bool(_HEADER_WORD.search(c)) for c in cells) * 2 >= len(cells)
    numbers_below = any(is_numeric(c) for row in rows[1:] for c in row if c)
    if not (named or numbers_below):
        return 0
    if len(rows) >= 3 and _label_row(rows[1]) and len([c for c in rows[1] if c]) < len(cells) + 2 and any(is_numeric(c) for row in rows[2:] for c in row if c) and not _group_row(rows[1]):
        return 2
    return 1


def _group_row(row: list[str]) -> bool:
    """A row of one cell heading the rows under it (``一、民间文学（2项）``)."""
    cells = [c for c in row if c]
    return len(cells) == 1 and bool(re.match(r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[)）])", cells[0]))


def _fold_two_levels(top: list[str], second: list[str], width: int) -> Optional[list[str]]:
    """A two-level header as one row of ``上级/下级`` cells.

    Where the top row keeps the merged cells' places (``利用量<tab><tab>备注``), a cell followed
    by empty ones spans them; otherwise the one top cell naming a group (面积, 数量 …) spans
    the second row's cells. Anything else is not folded."""
    if len(top) == width and second and not second[0] or len(second) == width and top and top[-1] and len(top) < width:
        # the merged places at the ends of the rows were lost with their trailing tabs
        top = top + [""] * (width - len(top))
        second = second + [""] * (width - len(second))
    if len(second) == len(top) == width:
        # both rows keep every column's place: a lower cell belongs to the top cell over it or,
        # under a merged (empty) place, to the nearest top cell on its left
        out, parent = [], ""
        for upper, lower in zip(top, second):
            parent = upper or parent
            out.append(f"{parent}/{lower}" if lower and parent else (upper or lower))
        return out
    groups: list[tuple[str, int]] = []  # (top cell, columns it spans)
    for cell in top:
        if not cell and groups:
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((cell, 1))
    if len(top) == width and sum(n for _c, n in groups if n > 1) == len(second) and len(second) >= 2:
        children = iter(second)
        out: list[str] = []
        for cell, n in groups:
            out.extend([f"{cell}/{next(children)}" for _ in range(n)] if n > 1 else [cell])
        return out
    span = width - (len(top) - 1)
    if span != len(second) or span < 2:
        return None
    candidates = [i for i, c in enumerate(top) if c.startswith("其中")] or [i for i, c in enumerate(top) if _GROUP_HEADER.search(c)]
    if len(candidates) > 1 and candidates[-1] == len(top) - 1:
        candidates = candidates[-1:]  # the last cell, where the row lost its merged places
    if len(candidates) != 1:
        return None
    i = candidates[0]
    return top[:i] + [f"{top[i]}/{c}" for c in second] + top[i + 1:]


def _is_caption_row(line: Line) -> bool:
    parts = [p for p in line.text.split("\t") if p]
    return len(parts) == 2 and bool(_UNIT_INLINE.search(parts[1])) and bool(_CAPTION.match(parts[0]))


def _without_empty_columns(rows: list[list[str]]) -> list[list[str]]:
    """Rows without the trailing columns no row fills (a tab after the last cell)."""
    width = max(len(r) for r in rows)
    while width > 1 and all(len(r) < width or not r[width - 1] for r in rows):
        width -= 1
    return [r[:width] for r in rows]


def _merge_broken_cells(rows: list[list[str]]) -> list[list[str]]:
    """A row holding only the rest of cells broken over two lines (its first cell empty, no
    number, each of its cells under a filled cell of the row above) joins that row."""
    out: list[list[str]] = []
    for row in rows:
        filled = [i for i, c in enumerate(row) if c]
        prev = out[-1] if out else None
        if (prev and filled and row and not row[0] and len(filled) * 2 <= len(row)
                and not any(is_numeric(row[i]) for i in filled)):
            if all(i < len(prev) and prev[i] for i in filled):
                out[-1] = [c + (row[i] if i < len(row) else "") for i, c in enumerate(prev)]
                continue
            if filled[0] >= len(prev) and prev[-1]:
                # the last cell's rest printed one place too far, the cells after it following
                out[-1] = prev[:-1] + [prev[-1] + row[filled[0]]] + [row[i] for i in filled[1:]]
                continue
        out.append(list(row))
    return _join_split_rows(out)


def _join_split_rows(rows: list[list[str]]) -> list[list[str]]:
    """A row broken inside a cell: ``1<tab>推进…产业集群`` then ``建设<tab>周建国<tab>…`` — two
    short rows whose lengths add up to the table's width plus the shared cell."""
    lengths = Counter(len(r) for r in rows if len(r) >= 2)
    if not lengths:
        return rows
    width = lengths.most_common(1)[0][0]
    out: list[list[str]] = []
    for row in rows:
        prev = out[-1] if out else None
        if (prev and 2 <= len(prev) < width and len(row) < width and len(prev) + len(row) - 1 == width
                and row[0] and not is_numeric(row[0]) and not _group_row(row) and prev[-1]):
            out[-1] = prev[:-1] + [prev[-1] + row[0]] + row[1:]
            continue
        out.append(row)
    return out


def build_table(rows_lines: list[Line], before: list[Line], issues: list[TableIssue]) -> tuple[Table, list[Line]]:
    """A Table from tab-separated row lines; returns it and the caption/unit lines it used."""
    caption, unit, used = _caption_and_unit(before)
    rows = _merge_broken_cells(_without_empty_columns([_cells(ln) for ln in rows_lines]))
    n_header = _header_rows(rows)
    width = max(len(r) for r in rows)
    header: list[str] = rows[0] if n_header else []
    body = rows[n_header:]
    if n_header == 2:
        data_width = max(len(r) for r in body)
        folded = _fold_two_levels(rows[0], rows[1], data_width)
        if folded is not None:
            header = folded
            width = data_width
        else:
            body = rows[1:]  # the second row is data after all
            n_header = 1
    if header:
        body = [r for r in body if r != header]  # the header printed again over a page break
    width = max([width, len(header)] + [len(r) for r in body])
    short = [i for i, r in enumerate(body) if len(r) != width and not _group_row(r)]
    if short:
        issues.append(TableIssue(f"table rows of {sorted({len(r) for r in body} | {len(header)})} cells: short rows padded with empty cells at the end", _span(rows_lines)))
    body = [r + [""] * (width - len(r)) for r in body]
    if header:
        header = header + [""] * (width - len(header))
    span = _span(used + rows_lines)
    confidence = 0.9 if not short else 0.6
    return Table(caption=caption, unit=unit, header=header, rows=body, span=span, confidence=confidence), used


def _continuation(prev_row: list[str], line: Line) -> bool:
    """A short line without tabs inside a table: the rest of a cell broken over two lines."""
    t = line.text
    return (len(t) <= 14 and not _SENTENCE_END.search(t) and not is_numeric(t) and bool(prev_row)
            and not _UNIT.match(t) and not _group_row([t]) and not _CAPTION.match(t))


def _join_continuation(row_line: Line, cont: Line) -> Line:
    """The row with the broken cell's rest appended to its last non-empty cell."""
    text = row_line.text.rstrip("\t") + cont.text
    offsets = row_line.offsets[: len(row_line.text.rstrip("\t"))] + cont.offsets
    return Line(row_line.index, row_line.start, cont.end, text, offsets, row_line.kind)


def _is_row(line: Line) -> bool:
    """A row of a table: cells the source separates with tabs or pipes, or three or more
    columns of layout (two — a name and a post — are a list of text, not a table)."""
    if "\t" not in line.text:
        return False
    return line.kind != "columns" or line.text.count("\t") >= 2


def tables_in(lines: list[Line], notes: list[Warning], seq: int) -> list[Table]:
    """Every table rebuilt from ``lines`` (of document ``seq``), in reading order; a table kept
    with rows of unequal length adds a ``table.ragged_rows`` warning to ``notes``."""
    issues: list[TableIssue] = []
    tables = sorted(tab_tables(lines, issues) + cell_per_line_tables(lines, issues), key=lambda t: t.span.start)
    notes.extend(Warning("table.ragged_rows", issue.message, issue.span, seq) for issue in issues)
    return tables


def tab_tables(lines: list[Line], issues: list[TableIssue]) -> list[Table]:
    """Tables of tab-separated rows in ``lines`` (blank and furniture lines may interleave:
    a table runs over a page break)."""
    tables: list[Table] = []
    text_lines = [ln for ln in lines if ln.text]
    i = 0
    while i < len(text_lines):
        if not _is_row(text_lines[i]):
            i += 1
            continue
        block: list[Line] = [text_lines[i]]
        j = i + 1
        while j < len(text_lines):
            ln = text_lines[j]
            if _is_row(ln):
                block.append(ln)
            elif j + 1 < len(text_lines) and _is_row(text_lines[j + 1]) and _group_row([ln.text]):
                block.append(ln)  # a group heading row between rows
            elif j + 1 < len(text_lines) and _is_row(text_lines[j + 1]) and _continuation(_cells(block[-1]), ln):
                block[-1] = _join_continuation(block[-1], ln)
            elif _continuation(_cells(block[-1]), ln) and (j + 1 == len(text_lines) or not _is_row(text_lines[j + 1])) and len(block) >= 2 and len(ln.text) <= 8:
                block[-1] = _join_continuation(block[-1], ln)  # the last row's broken cell
            else:
                break
            j += 1
        before = text_lines[max(0, i - 2): i]
        while len(block) > 2 and _is_caption_row(block[0]):
            before = before + [block.pop(0)]  # ``表2 …<tab>单位：万吨`` printed as the first row
        if len(block) >= 2:
            table, _used = build_table(block, before, issues)
            tables.append(table)
        i = j
    return tables


def cell_per_line_tables(lines: list[Line], issues: list[TableIssue]) -> list[Table]:
    """Tables printed one cell per line: N header labels, then rows of N cells whose numeric
    columns agree in every row (at least two data rows, a numeric column among them)."""
    text_lines = [ln for ln in lines if ln.text and "\t" not in ln.text]
    short_runs = _short_runs(text_lines)
    tables: list[Table] = []
    i = 0
    while i < len(text_lines):
        serial = _serial_grid_at(text_lines, i, issues)
        if serial is not None:
            table, used_lines = serial
            tables.append(table)
            i += used_lines
            continue
        found = _cell_grid_at(text_lines, i, short_runs[i])
        if found is None:
            i += 1
            continue
        n, rows_count = found
        cells = text_lines[i: i + n * (rows_count + 1)]
        caption, unit, used = _caption_and_unit(text_lines[max(0, i - 2): i])
        header = [ln.text for ln in cells[:n]]
        rows = [[ln.text for ln in cells[n * (r + 1): n * (r + 2)]] for r in range(rows_count)]
        tables.append(Table(caption=caption, unit=unit, header=header, rows=rows, span=_span(used + cells), confidence=0.8))
        i += n * (rows_count + 1)
    return tables


_SERIAL_HEAD = re.compile(r"^(?:序号|编号|序)$")
_TOTAL = re.compile(r"^(?:合计|小计|总计|共计)$")


def _serial_grid_at(text_lines: list[Line], i: int, issues: list[TableIssue]) -> Optional[tuple[Table, int]]:
    """A one-cell-per-line table whose header starts with 序号: rows start at the serial
    numbers 1, 2, 3 … (and a 合计 row). A row one cell too long holds a cell broken over two
    lines: two text cells whose joining gives the row the other rows' shape are joined, the
    shorter second piece being the rest of the first."""
    if not _SERIAL_HEAD.match(text_lines[i].text):
        return None
    n = 0
    while i + n < len(text_lines) and _short_cell(text_lines[i + n].text) and text_lines[i + n].text != "1":
        if is_numeric(text_lines[i + n].text) or n > 10:
            return None
        n += 1
    if n < 2:
        return None
    k = i + n
    rows: list[list[Line]] = []
    expected = 1
    while k < len(text_lines) and _short_cell(text_lines[k].text):
        t = text_lines[k].text
        if t == str(expected) or (_TOTAL.match(t) and rows):
            rows.append([text_lines[k]])
            expected = expected + 1 if t != "合计" else -1
        elif rows and len(rows[-1]) < n + 2:
            rows[-1].append(text_lines[k])
        else:
            break
        k += 1
        if rows and _TOTAL.match(rows[-1][0].text) and len(rows[-1]) == n:
            break
    if len(rows) < 2:
        return None
    cells = [[ln.text for ln in row] for row in rows]
    profile = Counter(tuple(is_numeric(c) for c in row) for row in cells if len(row) == n)
    shape = profile.most_common(1)[0][0] if profile else None
    fixed = []
    for row in cells:
        if len(row) == n + 1 and shape is not None:
            joins = [j for j in range(1, n) if not is_numeric(row[j]) and not is_numeric(row[j + 1])
                     and tuple(is_numeric(c) for c in row[:j] + [row[j] + row[j + 1]] + row[j + 2:]) == shape]
            if joins:
                # the rest of a broken cell is the short piece printed under it
                j = min(joins, key=lambda j: (len(row[j + 1]), j))
                row = row[:j] + [row[j] + row[j + 1]] + row[j + 2:]
        if len(row) != n:
            issues.append(TableIssue(f"one-cell-per-line table row {row[0]!r} has {len(row)} cells, {n} in the header: padded", _span(rows[0])))
            row = (row + [""] * n)[:n] if len(row) < n else row
        fixed.append(row)
    caption, unit, used = _caption_and_unit(text_lines[max(0, i - 2): i])
    header = [ln.text for ln in text_lines[i: i + n]]
    span = _span(used + text_lines[i: k])
    return Table(caption=caption, unit=unit, header=header, rows=fixed, span=span, confidence=0.8), k - i


_CLAUSE_MARK = re.compile(r"[，,：:]")


def _short_cell(t: str) -> bool:
    return len(t) <= 24 and not _SENTENCE_END.search(t) and not _CLAUSE_MARK.search(t)


def _short_runs(text_lines: list[Line]) -> list[int]:
    """For each line, how many short cells run from it on (counted once, not at every line)."""
    runs = [0] * (len(text_lines) + 1)
    for k in range(len(text_lines) - 1, -1, -1):
        runs[k] = runs[k + 1] + 1 if _short_cell(text_lines[k].text) else 0
    return runs


def _cell_grid_at(text_lines: list[Line], i: int, run: int) -> Optional[tuple[int, int]]:
    """(columns, data rows) of a one-cell-per-line table starting at ``text_lines[i]``, from
    which ``run`` short cells run on."""
    best: Optional[tuple[int, int]] = None
    for n in range(2, 9):
        if run < 3 * n:
            break
        header = [ln.text for ln in text_lines[i: i + n]]
        if any(is_numeric(h) for h in header):
            continue
        rows = (run - n) // n
        numeric_cols = []
        for col in range(n):
            values = [text_lines[i + n * (r + 1) + col].text for r in range(rows)]
            share = sum(is_numeric(v) for v in values) / rows
            if share not in (0.0, 1.0):
                break
            numeric_cols.append(share == 1.0)
        else:
            if any(numeric_cols) and not all(numeric_cols):
                best = (n, rows)  # the smallest width whose columns agree row after row
                break
    return best

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
from dataclasses import dataclass
from typing import Optional

from ..model import Line, Span, Table

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


_HEADER_WORD = re.compile(r"序号|编号|名称|姓名|职务|单位|部门|地址|地点|项目|内容|时间|期限|面积|数量|金额|类别|类型|备注|合计|小计|年份|指标|用途|位置|坐标|级别|责任|牵头|配合|措施|任务|目标|标准|事项|依据|条件|电话|联系人|代码|编码")


def _header_rows(rows: list[list[str]]) -> int:
    """How many leading rows are header rows, at most two: label cells (序号, 名称, 面积 …),
    none numeric, none a ``组长：王某`` entry."""
    count = 0
    for row in rows[:2]:
        cells = [c for c in row if c]
        if len(rows) - count < 2 or any(is_numeric(c) or re.search(r"[：:]", c) or len(c) > 16 for c in cells):
            break
        if count == 0 and not sum(bool(_HEADER_WORD.search(c)) for c in cells) * 2 >= len(cells):
            break
        count += 1
    return count


def _fold_two_levels(top: list[str], second: list[str], width: int) -> Optional[list[str]]:
    """A two-level header as one row of ``上级/下级`` cells.

    Where the top row keeps the merged cells' places (``利用量<tab><tab>备注``), a cell followed
    by empty ones spans them; otherwise the one top cell naming a group (面积, 数量 …) spans
    the second row's cells. Anything else is not folded."""
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
    candidates = [i for i, c in enumerate(top) if _GROUP_HEADER.search(c)]
    if len(candidates) != 1:
        return None
    i = candidates[0]
    return top[:i] + [f"{top[i]}/{c}" for c in second] + top[i + 1:]


def _is_caption_row(line: Line) -> bool:
    parts = [p for p in line.text.split("\t") if p]
    return len(parts) == 2 and bool(_UNIT_INLINE.search(parts[1])) and bool(_CAPTION.match(parts[0]))


def build_table(rows_lines: list[Line], before: list[Line], issues: list[TableIssue]) -> tuple[Table, list[Line]]:
    """A Table from tab-separated row lines; returns it and the caption/unit lines it used."""
    caption, unit, used = _caption_and_unit(before)
    rows = [_cells(ln) for ln in rows_lines]
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
    width = max([width, len(header)] + [len(r) for r in body])
    short = [i for i, r in enumerate(body) if len(r) != width]
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
    return len(t) <= 14 and not _SENTENCE_END.search(t) and not is_numeric(t) and bool(prev_row) and not _UNIT.match(t)


def _join_continuation(row_line: Line, cont: Line) -> Line:
    """The row with the broken cell's rest appended to its last non-empty cell."""
    text = row_line.text.rstrip("\t") + cont.text
    offsets = row_line.offsets[: len(row_line.text.rstrip("\t"))] + cont.offsets
    return Line(row_line.index, row_line.start, cont.end, text, offsets, "table")


def tab_tables(lines: list[Line], issues: list[TableIssue]) -> list[Table]:
    """Tables of tab-separated rows in ``lines`` (blank and furniture lines may interleave:
    a table runs over a page break)."""
    tables: list[Table] = []
    text_lines = [ln for ln in lines if ln.text]
    i = 0
    while i < len(text_lines):
        if "\t" not in text_lines[i].text:
            i += 1
            continue
        block: list[Line] = [text_lines[i]]
        j = i + 1
        while j < len(text_lines):
            ln = text_lines[j]
            if "\t" in ln.text:
                block.append(ln)
            elif j + 1 < len(text_lines) and "\t" in text_lines[j + 1].text and _continuation(_cells(block[-1]), ln):
                block[-1] = _join_continuation(block[-1], ln)
            elif _continuation(_cells(block[-1]), ln) and (j + 1 == len(text_lines) or "\t" not in text_lines[j + 1].text) and len(block) >= 2 and len(ln.text) <= 8:
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
    tables: list[Table] = []
    i = 0
    while i < len(text_lines):
        found = _cell_grid_at(text_lines, i)
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


def _short_cell(t: str) -> bool:
    return len(t) <= 24 and not _SENTENCE_END.search(t) and not re.search(r"[，,：:]", t)


def _cell_grid_at(text_lines: list[Line], i: int) -> Optional[tuple[int, int]]:
    """(columns, data rows) of a one-cell-per-line table starting at ``text_lines[i]``."""
    run = 0
    while i + run < len(text_lines) and _short_cell(text_lines[i + run].text):
        run += 1
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

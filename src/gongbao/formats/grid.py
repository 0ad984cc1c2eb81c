"""Ruled tables read from the lines a PDF draws, with their text as tab-separated rows.

PyMuPDF's ``find_tables`` does this too, but costs 0.2–0.4 s a table page on the reference
machine (it rebuilds every character box); gazette tables are full grids, which this reads
in about a millisecond: horizontal and vertical rules that touch form one table; each band
between two horizontal rules is a row, split into cells by the vertical rules that cross
that band (so a merged cell is one cell); each text line goes to the cell holding its centre.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .layout import Row, TextLine

TOUCH = 2.0  # points: rules closer than this meet
SAME = 1.0  # points: rules closer than this are one


@dataclass(slots=True)
class Rule:
    horizontal: bool
    at: float  # y of a horizontal rule, x of a vertical one
    start: float
    end: float


def rules_from_drawings(drawings: Iterable[dict], top: float, bottom: float) -> list[Rule]:
    """Straight rules from ``page.get_cdrawings()`` between ``top`` and ``bottom`` (outside
    lie the running header's rule and the footer)."""
    rules: list[Rule] = []
    for path in drawings:
        for item in path.get("items", ()):
            if item[0] == "l":
                (ax, ay), (bx, by) = item[1], item[2]
                _add(rules, ax, ay, bx, by)
            elif item[0] == "re":
                x0, y0, x1, y1 = item[1]
                if abs(y1 - y0) < SAME or abs(x1 - x0) < SAME:  # a rule drawn as a thin filled box
                    _add(rules, x0, (y0 + y1) / 2, x1, (y0 + y1) / 2) if abs(y1 - y0) < SAME else \
                        _add(rules, (x0 + x1) / 2, y0, (x0 + x1) / 2, y1)
                    continue
                for a, b in (((x0, y0), (x1, y0)), ((x0, y1), (x1, y1)), ((x0, y0), (x0, y1)), ((x1, y0), (x1, y1))):
                    _add(rules, *a, *b)
    return [r for r in rules if top < (r.at if r.horizontal else (r.start + r.end) / 2) < bottom]


def _add(rules: list[Rule], ax: float, ay: float, bx: float, by: float) -> None:
    if abs(ay - by) < SAME and abs(ax - bx) > 5:
        rules.append(Rule(True, (ay + by) / 2, min(ax, bx), max(ax, bx)))
    elif abs(ax - bx) < SAME and abs(ay - by) > 5:
        rules.append(Rule(False, (ax + bx) / 2, min(ay, by), max(ay, by)))


def find_tables(rules: list[Rule], lines: list[TextLine]) -> tuple[list[Row], list[TextLine]]:
    """Tables as rows (``table=True``, text rows joined by newlines) and the lines not in a table."""
    tables: list[Row] = []
    free = list(lines)
    for group in _connected(rules):
        hs = [r for r in group if r.horizontal]
        vs = [r for r in group if not r.horizontal]
        ys = _distinct(r.at for r in hs)
        if len(ys) < 2 or len(_distinct(r.at for r in vs)) < 2:
            continue  # an underline or a box, not a grid
        x0, x1 = min(r.start for r in hs), max(r.end for r in hs)
        y0, y1 = ys[0], ys[-1]
        inside = [ln for ln in free if x0 <= (ln.x0 + ln.x1) / 2 <= x1 and y0 <= (ln.y0 + ln.y1) / 2 <= y1]
        if not inside:
            continue
        free = [ln for ln in free if ln not in inside]
        text_rows = []
        for top, bottom in zip(ys, ys[1:]):
            mid = (top + bottom) / 2
            xs = _distinct(v.at for v in vs if v.start - TOUCH <= mid <= v.end + TOUCH)
            if len(xs) < 2:
                xs = [x0, x1]
            cells = []
            for left, right in zip(xs, xs[1:]):
                members = [ln for ln in inside if left <= (ln.x0 + ln.x1) / 2 < right and top <= (ln.y0 + ln.y1) / 2 < bottom]
                cells.append(_cell_text(members))
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                text_rows.append("\t".join(cells))
        if text_rows:
            size = max(ln.size for ln in inside)
            tables.append(Row(x0, y0, x1, y1, "\n".join(text_rows), size, table=True))
    return tables, free


def _cell_text(members: list[TextLine]) -> str:
    """A cell's lines top to bottom, joined (a space only between Latin words)."""
    out = ""
    for ln in sorted(members, key=lambda ln: (round((ln.y0 + ln.y1) / 2), ln.x0)):
        part = ln.text.strip().replace("\t", " ")
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def _distinct(values: Iterable[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SAME:
            out.append(v)
    return out


def _connected(rules: list[Rule]) -> list[list[Rule]]:
    """Groups of rules that touch (a horizontal and a vertical rule meet, or rules overlap)."""
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(rules):
        for j in range(i + 1, len(rules)):
            if _touch(a, rules[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list[Rule]] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(find(i), []).append(rule)
    return list(groups.values())


def _touch(a: Rule, b: Rule) -> bool:
    if a.horizontal == b.horizontal:
        return abs(a.at - b.at) <= SAME and a.start <= b.end + TOUCH and b.start <= a.end + TOUCH
    h, v = (a, b) if a.horizontal else (b, a)
    return h.start - TOUCH <= v.at <= h.end + TOUCH and v.start - TOUCH <= h.at <= v.end + TOUCH

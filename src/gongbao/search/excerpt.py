"""Excerpts and highlighting: HTML-safe text with matches wrapped in ``<mark>``.

Every character of a document goes through :func:`html.escape`; the only markup in the
output is ``<mark>``, ``</mark>`` and the ``…`` of a cut, so a document holding
``<script>`` shows as ``&lt;script&gt;``.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from html import escape
from typing import Iterable, Optional

from .plan import Unit
from .tokenize import fold_width, normalize, runs

ELLIPSIS = "…"
_MAX_MATCHES = 200  # matches considered per unit and text: windows are chosen among the first
_CANDIDATES = 12  # windows considered per text, besides one per unit

Match = tuple[int, int, int]  # start, end, index of the unit


class Finder:
    """Finds every unit in a text: ``str.find`` for a unit without punctuation (C speed,
    most units), one regular expression for the others."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.needles: list[tuple[str, int]] = []  # (normalized text, unit index)
        alternatives = []
        for index, unit in enumerate(units):
            pieces = runs(unit.text)
            if len(pieces) == 1:
                self.needles.append((pieces[0], index))
            elif pieces:
                body = r"[\W_]*".join(re.escape(piece) for piece in pieces)
                alternatives.append((len(unit.text), f"(?P<u{index}>{body})"))
        alternatives.sort(key=lambda item: -item[0])
        self.regex = re.compile("|".join(body for _, body in alternatives)) if alternatives else None

    def find(self, text: str) -> list[Match]:
        """Non-overlapping ``(start, end, unit)`` in ``text`` order, longest first where
        two start together; at most ``_MAX_MATCHES`` per unit."""
        normalized = _normalize_same_length(text)
        found: list[Match] = []
        for needle, index in self.needles:
            position, count = normalized.find(needle), 0
            while position >= 0 and count < _MAX_MATCHES:
                found.append((position, position + len(needle), index))
                position, count = normalized.find(needle, position + len(needle)), count + 1
        if self.regex is not None:
            for count, match in enumerate(self.regex.finditer(normalized)):
                if count >= _MAX_MATCHES:
                    break
                if match.end() > match.start():
                    found.append((match.start(), match.end(), int(match.lastgroup[1:])))  # type: ignore[index]
        found.sort(key=lambda m: (m[0], -m[1]))
        kept: list[Match] = []
        for match in found:
            if not kept or match[0] >= kept[-1][1]:
                kept.append(match)
        return kept


def pattern(units: Iterable[Unit]) -> Optional[Finder]:
    """What finds ``units`` in a text, or None when there is nothing to find."""
    finder = Finder(units)
    return finder if finder.needles or finder.regex is not None else None


def find(text: str, compiled: Optional[Finder]) -> list[Match]:
    """``(start, end, unit index)`` of matches in ``text``, offsets into ``text`` itself."""
    if compiled is None or not text:
        return []
    return compiled.find(text)


def highlight(text: str, compiled: Optional[Finder]) -> str:
    """All of ``text``, escaped, with every match marked (titles)."""
    return _render(text, 0, len(text), _coalesce(find(text, compiled)))


def excerpts(text: str, compiled: Optional[Finder], size: int, count: int) -> list[str]:
    """Up to ``count`` windows of about ``size`` characters around matches, in reading
    order, overlapping windows merged. Without a match: the opening of the text."""
    if not text or size <= 0 or count <= 0:
        return []
    matches = _coalesce(find(text, compiled))
    if not matches:
        return [_render(text, 0, min(len(text), size), [])]
    windows = _choose(matches, len(text), size, count)
    starts = [m[0] for m in matches]
    out = []
    for start, end in windows:
        inside = matches[max(0, bisect_left(starts, start) - 1):bisect_right(starts, end)]
        first = next((m[0] for m in inside if m[0] >= start), start)
        out.append(_where(text, first) + _render(text, start, end, inside))
    return out


def _where(text: str, position: int) -> str:
    """Where an excerpt's match is: ``附件2｜`` in an attachment's text (index.body_text marks
    where each attachment begins with an invisible separator), ``第十二条｜`` in an article of
    a 规章 (the paragraph it is in, or one before it, begins with the article's number)."""
    label = ""
    at = text.rfind(MARK + "附件", 0, position + 1)
    if at >= 0:
        close = text.find(MARK, at + 1)
        if close > at:
            label = text[at + 1: close]
    floor = max(at, 0)
    article = None
    for m in _ARTICLE_START.finditer(text, floor, position + 1):
        article = m.group(1)
    if article:
        label = f"{label} {article}" if label else article
    return escape(label) + "｜" if label else ""


_ARTICLE_START = re.compile(r"(?:^|\n)(第[一二三四五六七八九十百零〇]{1,6}条)")


MARK = "\u2063"  # the invisible separator around an attachment's marker (index.attachment_marker)


def _choose(matches: list[Match], length: int, size: int, count: int) -> list[tuple[int, int]]:
    """Greedy: the window showing most units not shown yet, then most matches, then first.

    Candidates are windows centred on the first match of each unit and on about
    ``_CANDIDATES`` matches spread over the text, what each covers computed once: a long
    document with hundreds of matches costs no more than a short one."""
    starts = [m[0] for m in matches]
    picks = set(range(0, len(matches), max(1, len(matches) // _CANDIDATES)))
    first: dict[int, int] = {}
    for index, match in enumerate(matches):
        first.setdefault(match[2], index)
    picks.update(first.values())
    candidates = []
    for index in sorted(picks):
        start, end, _unit = matches[index]
        lo = max(0, min(start - (size - (end - start)) // 2, length - size))
        hi = min(length, lo + size)
        first, last = bisect_left(starts, lo), bisect_right(starts, hi)
        # Widen rather than cut a match in two at either edge.
        if first > 0 and matches[first - 1][1] > lo:
            first -= 1
            lo = matches[first][0]
        inside = matches[first:last]
        if inside and inside[-1][1] > hi:
            hi = min(length, inside[-1][1])
        candidates.append((lo, hi, frozenset(m[2] for m in inside), len(inside)))
    chosen: list[tuple[int, int]] = []
    shown: set[int] = set()
    for _ in range(count):
        if not candidates:
            break
        lo, hi, units, _n = max(candidates, key=lambda c: (len(c[2] - shown), c[3], -c[0]))
        chosen.append((lo, hi))
        shown |= units
        # Windows overlapping a chosen one would mostly repeat it.
        candidates = [c for c in candidates if c[1] <= lo or c[0] >= hi]
    return _merge(chosen)


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _coalesce(matches: list[Match]) -> list[Match]:
    """Touching matches as one (``消防`` + ``安全`` → one mark), keeping the first's unit."""
    out: list[Match] = []
    for match in matches:
        if out and match[0] <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], match[1]), out[-1][2])
        else:
            out.append(match)
    return out


def _render(text: str, start: int, end: int, matches: list[Match]) -> str:
    """``text[start:end]`` escaped, matches inside marked, ``…`` where text was cut.
    Paragraph breaks become spaces: an excerpt is one line."""
    window = text[start:end].replace("\r", " ").replace("\n", " ").replace("\t", " ")
    out = [ELLIPSIS] if start > 0 else []
    position = 0
    for m_start, m_end, _unit in matches:
        m_start, m_end = max(m_start - start, 0), min(m_end - start, len(window))
        if m_end <= m_start or m_start < position:
            continue
        out.append(_escaped(window[position:m_start]))
        out.append(f"<mark>{_escaped(window[m_start:m_end])}</mark>")
        position = m_end
    out.append(_escaped(window[position:]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


_MARKER = re.compile(f"{MARK}附件\\d*{MARK}\\s*|{MARK}")


def _escaped(text: str) -> str:
    return escape(_MARKER.sub("", text))


def _normalize_same_length(text: str) -> str:
    """``normalize`` keeping one character per character, so match offsets are offsets
    into the original (a character whose lower case is longer, like İ, stays as it is)."""
    lowered = normalize(text)
    if len(lowered) == len(text):
        return lowered
    folded = fold_width(text)
    return "".join(c if len(low := c.lower()) != 1 else low for c in folded)

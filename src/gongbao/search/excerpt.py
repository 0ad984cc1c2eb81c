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
from .tokenize import fold_width, runs

ELLIPSIS = "…"
_MAX_MATCHES = 400  # matches considered per text: windows are chosen among the first ones

Match = tuple[int, int, int]  # start, end, index of the unit


def pattern(units: Iterable[Unit]) -> Optional[re.Pattern[str]]:
    """One regular expression finding every unit in a normalized text, longest first.

    Between the runs of a unit (``安全,生产``) any punctuation or none may stand: that
    is what the index matches."""
    alternatives = []
    for index, unit in enumerate(units):
        pieces = runs(unit.text)
        if pieces:
            body = r"[\W_]*".join(re.escape(piece) for piece in pieces)
            alternatives.append((len(unit.text), f"(?P<u{index}>{body})"))
    if not alternatives:
        return None
    alternatives.sort(key=lambda item: -item[0])
    return re.compile("|".join(body for _, body in alternatives))


def find(text: str, compiled: Optional[re.Pattern[str]]) -> list[Match]:
    """``(start, end, unit index)`` of matches in ``text``, offsets into ``text`` itself."""
    if compiled is None or not text:
        return []
    found = []
    for match in compiled.finditer(_normalize_same_length(text)):
        if match.end() > match.start():
            found.append((match.start(), match.end(), int(match.lastgroup[1:])))  # type: ignore[index]
            if len(found) >= _MAX_MATCHES:
                break
    return found


def highlight(text: str, compiled: Optional[re.Pattern[str]]) -> str:
    """All of ``text``, escaped, with every match marked (titles)."""
    return _render(text, 0, len(text), find(text, compiled))


def excerpts(text: str, compiled: Optional[re.Pattern[str]], size: int, count: int) -> list[str]:
    """Up to ``count`` windows of about ``size`` characters around matches, in reading
    order, overlapping windows merged. Without a match: the opening of the text."""
    if not text or size <= 0 or count <= 0:
        return []
    matches = find(text, compiled)
    if not matches:
        return [_render(text, 0, min(len(text), size), [])]
    windows = _choose(matches, len(text), size, count)
    return [_render(text, start, end, matches) for start, end in windows]


def _choose(matches: list[Match], length: int, size: int, count: int) -> list[tuple[int, int]]:
    """Greedy: the window showing most units not shown yet, then most matches, then first."""
    starts = [m[0] for m in matches]
    chosen: list[tuple[int, int]] = []
    shown: set[int] = set()
    candidates = list(matches)
    for _ in range(count):
        best, best_score = None, None
        for start, end, _unit in candidates:
            lo = max(0, min(start - (size - (end - start)) // 2, length - size))
            hi = min(length, lo + size)
            inside = matches[bisect_left(starts, lo):bisect_right(starts, hi)]
            inside = [m for m in inside if m[1] <= hi]
            score = (len({m[2] for m in inside} - shown), len(inside), -lo)
            if best_score is None or score > best_score:
                best, best_score = (lo, hi, inside), score
        if best is None:
            break
        lo, hi, inside = best
        chosen.append((lo, hi))
        shown.update(m[2] for m in inside)
        candidates = [m for m in candidates if not (lo <= m[0] and m[1] <= hi)]
        if not candidates:
            break
    return _merge(chosen)


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, start: int, end: int, matches: list[Match]) -> str:
    """``text[start:end]`` escaped, matches inside marked, ``…`` where text was cut."""
    out = [ELLIPSIS] if start > 0 else []
    position = start
    for m_start, m_end, _unit in matches:
        m_start, m_end = max(m_start, start), min(m_end, end)
        if m_end <= m_start or m_start < position:
            continue
        out.append(escape(_flat(text[position:m_start])))
        out.append(f"<mark>{escape(_flat(text[m_start:m_end]))}</mark>")
        position = m_end
    out.append(escape(_flat(text[position:end])))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


def _flat(text: str) -> str:
    """Paragraph breaks as spaces: an excerpt is one line."""
    return text.replace("\r", " ").replace("\n", " ")


def _normalize_same_length(text: str) -> str:
    """``normalize`` keeping one character per character, so match offsets are offsets
    into the original (a character whose lower case is longer, like İ, stays as it is)."""
    folded = fold_width(text)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(c if len(low := c.lower()) != 1 else low for c in folded)

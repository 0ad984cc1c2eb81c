"""Provenance for extractors: the source span of a piece of a paragraph, and body text lost
to layout.

A :class:`Paragraph` carries the span of its whole text, but its text is the cleaned one:
lines joined, spaces dropped, OCR misprints fixed. :func:`offsets` aligns the two so a fact
read from one clause points at that clause in the source, not at the whole paragraph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from ..model import Paragraph, ParseResult, Span
from ..text import fold

_LOOKAHEAD = 6  # source characters searched for a paragraph character before assuming a repair


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of text with the source offset of each of its characters."""

    text: str
    offsets: tuple[int, ...]

    def span(self, start: int = 0, end: Optional[int] = None) -> Span:
        """Source span of ``text[start:end]``."""
        end = len(self.text) if end is None else end
        if not self.offsets:
            return Span(0, 0)
        start = max(0, min(start, len(self.offsets) - 1))
        end = max(start + 1, min(end, len(self.offsets)))
        part = self.offsets[start:end]  # a joined piece may run backwards in the source
        return Span(min(part), max(part) + 1)


def offsets(source: str, text: str, span: Span) -> tuple[int, ...]:
    """Best-effort source offset of every character of ``text``, printed in ``source[span]``.

    Walks both strings: whitespace in the source is skipped, a character that is not where
    expected is looked for a few characters ahead, and otherwise taken as a repaired one
    (孟 → 盂, ``,`` → ``，``) standing where the source character stands."""
    result: list[int] = []
    j, end = span.start, max(span.start, span.end)
    for ch in text:
        while j < end and source[j].isspace() and not ch.isspace():
            j += 1
        if j >= end:
            result.append(max(span.start, end - 1))
            continue
        if source[j] != ch and fold(source[j]) != fold(ch):
            ahead = source.find(ch, j + 1, min(end, j + 1 + _LOOKAHEAD))
            if ahead != -1:
                j = ahead
        result.append(j)
        j += 1
    return tuple(result)


def same_prefix(text: str, i: int, stop: int, source: str, j: int, end: int) -> int:
    """How many characters of ``text[i:stop]`` ``source[j:end]`` starts with (a binary search
    over slices: a line of prose is compared in a few steps, not character by character)."""
    most = min(stop - i, end - j)
    if most <= 0 or text[i] != source[j]:
        return 0
    if source.startswith(text[i:i + most], j):
        return most
    low, high = 1, most - 1  # text[i:i + low] matches, text[i:i + high + 1] does not
    while low < high:
        middle = (low + high + 1) // 2
        if source.startswith(text[i:i + middle], j):
            low = middle
        else:
            high = middle - 1
    return low


def stretches(text: str, i: int, stop: int, source: str, j: int, end: int,
              place: Callable[[int, int], int]) -> Iterator[tuple[int, int, int]]:
    """``text[i:stop]`` aligned with ``source[j:end]``, as stretches (index in ``text``, offset
    in ``source``, length): runs printed as is (:func:`same_prefix`), and between them single
    characters at the offset ``place(i, j)`` gives — the caller's rule for text that cleaning
    changed (a repaired character, dropped layout, a page header moved away)."""
    while i < stop:
        same = same_prefix(text, i, stop, source, j, end)
        if same:  # printed as is: the common case
            yield i, j, same
            i, j = i + same, j + same
            if i == stop:
                return
        j = place(i, j)
        yield i, j, 1
        i, j = i + 1, j + 1


def piece(result: ParseResult, paragraph: Paragraph) -> Piece:
    return Piece(paragraph.text, offsets(result.source.text, paragraph.text, paragraph.span))

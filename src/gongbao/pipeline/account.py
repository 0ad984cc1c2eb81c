"""Where every character of a source went: the conservation account of one parse.

Each character of the source text is in exactly one place:

* ``documents`` — inside a document (header elements, body, tables, attachments, closing);
* ``cover_toc`` — the cover and the 目录 before the first document;
* ``headings`` — section headings printed between documents (【人事任免】);
* ``furniture`` — page furniture removed by a named repair (running header, page number);
* ``residue`` — extraction residue removed by a named ``clean:*`` repair (markdown ``##``,
  ``**``, ``|``, HTML tags, LaTeX, docx bookmarks), each listed in ``removals``;
* ``unplaced`` — reported spans the parser could not place;
* ``blank`` — whitespace and line breaks outside those places.

A document's span covers its attachments; ``unclaimed`` counts the characters inside a
document that no element, paragraph or attachment holds (there should be none: the
elements stage reports such lines as ``unplaced``). ``removals`` lists every repair that
deleted printed characters other than page furniture, with the text it deleted.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import Document, ParseResult, Span

FURNITURE_RULES = ("page_number", "page_header")
PLACES = ("documents", "cover_toc", "headings", "furniture", "residue", "unplaced", "blank")
_CODE = {name: i + 1 for i, name in enumerate(PLACES)}


@dataclass(slots=True)
class Account:
    length: int
    chars: dict[str, int]  # non-blank characters per place; ``blank`` holds all whitespace
    lines: dict[str, int]  # source lines per place (by their first printed character)
    unclaimed: list[Span] = field(default_factory=list)  # inside a document, in no element
    removals: list[dict] = field(default_factory=list)  # non-furniture deletions: rule, text, span

    @property
    def total(self) -> int:
        return sum(self.chars.values())

    @property
    def document_share(self) -> float:
        """Share of the printed content after the cover/TOC that sits in documents rather than
        in unplaced spans (section headings, furniture and residue are neither)."""
        content = self.chars["documents"] + self.chars["unplaced"]
        return self.chars["documents"] / content if content else 1.0

    def as_dict(self) -> dict:
        return {
            "length": self.length, "chars": dict(self.chars), "lines": dict(self.lines),
            "document_share": round(self.document_share, 4),
            "unclaimed": [s.to_list() for s in self.unclaimed], "removals": self.removals,
        }


def _mark(codes: bytearray, span: Span, code: int) -> None:
    """``code`` for the characters of ``span`` that have no place yet."""
    start, end = max(0, span.start), min(len(codes), span.end)
    if start < end:
        codes[start:end] = codes[start:end].translate(_FILL[code])


def _byte_table(default: int, exceptions: dict[int, int]) -> bytes:
    """A ``bytes.translate`` table: every byte to ``default``, but ``exceptions``."""
    table = bytearray([default]) * 256
    for byte, to in exceptions.items():
        table[byte] = to
    return bytes(table)


_FILL = {code: bytes([code]) + bytes(range(1, 256)) for code in _CODE.values()}  # 0 → code, others kept
# re's \s for str patterns is str.isspace(): whole runs of spaces handled at C speed
_SPACES = re.compile(r"\s+")
# Whitespace is blank wherever it stands, but inside page furniture (counted as furniture): it
# is marked before any place, and keeps its own code inside furniture.
_BLANK = _CODE["blank"]
_FURNITURE_BLANK = len(PLACES) + 1
_FURNITURE = _byte_table(_CODE["furniture"], {_BLANK: _FURNITURE_BLANK})
_FREE, _TAKEN = 1, 2
# per character of a document: no place yet → free, whitespace → 0, any other place → taken
_FREE_IF_EMPTY = _byte_table(_TAKEN, {0: _FREE, _BLANK: 0, _FURNITURE_BLANK: 0})
_TAKEN_IF_PRINTED = _byte_table(_TAKEN, {0: 0})  # an element's characters are taken, not its spaces
_FREE_RUN = re.compile(rb"\x01(?:\x00*\x01)*")


def _claimed_spans(doc: Document) -> list[Span]:
    spans = list(doc.spans.values())
    spans += [p.span for p in doc.paragraphs]
    spans += [a.span for a in doc.attachments]
    for att in doc.attachment_bodies:
        spans.append(att.span)
        spans += [p.span for p in att.paragraphs]
    spans += [t.span for t in doc.tables]
    return spans


def unclaimed_in_documents(result: ParseResult) -> list[Span]:
    """Printed characters inside a document that no element, paragraph or attachment holds."""
    return _places(result)[1]


def account(result: ParseResult) -> Account:
    """The conservation account of ``result`` (see the module docstring)."""
    text = result.source.text
    codes, unclaimed, removals = _places(result)
    names = {code: name for name, code in _CODE.items()}
    names[_FURNITURE_BLANK] = "furniture"
    chars: Counter = Counter({place: 0 for place in PLACES})
    for code in range(_FURNITURE_BLANK + 1):
        found = codes.count(code)
        if found:
            chars[names.get(code, "unplaced_silently")] += found
    lines: Counter = Counter({place: 0 for place in PLACES})
    pos = 0
    for raw in text.split("\n"):
        indent = len(raw) - len(raw.lstrip())  # lstrip() drops exactly what isspace() calls space
        lines["blank" if indent == len(raw) else names.get(codes[pos + indent], "unplaced_silently")] += 1
        pos += len(raw) + 1
    return Account(length=len(text), chars=dict(chars), lines=dict(lines), unclaimed=unclaimed, removals=removals)


def _places(result: ParseResult) -> tuple[bytearray, list[Span], list[dict]]:
    """The place code of every source character (0: none), the runs of printed characters
    inside documents that no element holds, and the non-furniture removals."""
    text = result.source.text
    codes = bytearray(_blanks(text))
    # furniture and unplaced first: they are never part of a document's content
    for r in result.repairs:
        if r.rule in FURNITURE_RULES:
            start, end = max(0, r.start), min(len(codes), r.end)
            codes[start:end] = codes[start:end].translate(_FURNITURE)
    removals = _removals(result)
    for i in _removed_positions(text, [r for r in removals if r["rule"].startswith("clean:")]).positions:
        if not codes[i]:
            codes[i] = _CODE["residue"]
    for u in result.unplaced:
        _mark(codes, u.span, _CODE["unplaced"])
    unclaimed: list[Span] = []
    moved = _removed_positions(text, [r for r in removals if not r["rule"].startswith("clean:")])
    for doc in result.documents:
        start, end = doc.span.start, doc.span.end
        # per character of the document: FREE (printed, no place, no element), TAKEN, or 0 (space)
        state = codes[start:end].translate(_FREE_IF_EMPTY)
        for i in moved.get(start, end):
            state[i - start] = _TAKEN
        for s in _claimed_spans(doc):
            a, b = max(s.start, start) - start, min(s.end, end) - start
            if a < b:
                state[a:b] = state[a:b].translate(_TAKEN_IF_PRINTED)
        # a run: free characters with only spaces between them
        unclaimed += [Span(start + run.start(), start + run.end()) for run in _FREE_RUN.finditer(state)]
        _mark(codes, doc.span, _CODE["documents"])
    for span in result.headings:
        _mark(codes, span, _CODE["headings"])
    if result.front is not None:
        _mark(codes, result.front, _CODE["cover_toc"])
    return codes, unclaimed, removals


@lru_cache(maxsize=1)  # the elements stage, then the summary, account the same text
def _blanks(text: str) -> bytes:
    """The blank code at every whitespace character of ``text``, 0 elsewhere."""
    codes = bytearray(len(text))
    for space in _SPACES.finditer(text):
        a, b = space.span()
        codes[a:b] = bytes([_BLANK]) * (b - a)
    return bytes(codes)


class _Positions:
    """Sorted source positions, read by range."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = sorted(positions)

    def get(self, start: int, end: int) -> list[int]:
        from bisect import bisect_left

        return self.positions[bisect_left(self.positions, start): bisect_left(self.positions, end)]


def _removed_positions(text: str, removals: list[dict]) -> _Positions:
    """Source positions of the characters each removal deleted (markup residue: ``#``, ``**``):
    in its span, the first characters that read (NFKC) as the ones it deleted."""
    positions: list[int] = []
    for removal in removals:
        wanted = Counter(removal["text"])
        missing = len(removal["text"])
        start, end = removal["span"]
        for i in range(start, min(end, len(text))):
            ch = _nfkc_char(text[i])
            if wanted[ch] > 0:
                positions.append(i)
                wanted[ch] -= 1
                missing -= 1
                if not missing:
                    break
    return _Positions(positions)


@lru_cache(maxsize=65536)  # one entry per distinct character (bounded: hostile text may hold any)
def _nfkc_char(ch: str) -> str:
    """``ch`` in NFKC, or "" where that is more than one character (it cannot match one)."""
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ""


def _removals(result: ParseResult) -> list[dict]:
    """Repairs that deleted printed characters, other than page furniture, with the text they
    deleted (a width or OCR fix replaces characters and deletes none)."""
    out = []
    for r in result.repairs:
        if r.rule in FURNITURE_RULES:
            continue
        deleted = _deleted(r.before, r.after)
        if deleted:
            out.append({"rule": r.rule, "text": deleted, "span": [r.start, r.end]})
    return out


@lru_cache(maxsize=8192)  # each parse reads its repairs twice (elements, then the summary's account)
def _deleted(before: str, after: str) -> str:
    """The printed characters (NFKC, no whitespace) ``before`` has more of than ``after``, in
    their order in ``before``: of each, its first occurrences."""
    before, after = _printed(before), _printed(after)
    if len(before) <= len(after):
        return ""
    kept: list[int] = []
    for ch, count in (Counter(before) - Counter(after)).items():
        at = -1
        for _ in range(count):
            at = before.find(ch, at + 1)
            kept.append(at)
    return "".join(before[at] for at in sorted(kept))


def _printed(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())

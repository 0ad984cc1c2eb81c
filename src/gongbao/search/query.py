"""The simplified query syntax, parsed into terms. Pure: no store, no tokenizer, no SQL.

- ``安全 煤矿`` — every word (AND). A run of Chinese is later cut into words by the
  tokenizer (``盂县煤矿`` → 盂县 AND 煤矿).
- ``"重大火灾隐患"`` or ``“重大火灾隐患”`` — that exact string (punctuation inside is
  loose: ``"安全，生产"`` finds 安全、生产; a space between Chinese characters is none).
- ``-燃气`` / ``-"…"`` — without it.
- ``燃气 OR 煤矿`` — either (OR binds tighter than the implicit AND; an OR without a
  term on both sides is ignored).
- a word with punctuation inside (``盂政发〔2023〕48号``, ``A7-2``) is one exact string.
- the whole query being a 文号 in any spelling is recognised (``doc_number``).

A word typed twice is searched once (``的 是 的 是`` is ``的 是``), and at most ``MAX_TERMS``
terms are searched: the ones after are left out and listed in ``ParsedQuery.dropped``, which
the search result passes on so that the user is told.

Nothing the user types is an error except a query over ``MAX_QUERY_LENGTH`` characters:
operators of the index's own syntax (``NEAR(``, ``*``, ``^``, ``:``, ``AND``, a lone ``OR``
or ``-``, stray quotes) are plain text here, and the index query is built from the
parsed terms, never from the input.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..errors import QueryError
from ..model import DocNumber
from .tokenize import fold_width, runs

MAX_QUERY_LENGTH = 500
MAX_TERMS = 16  # distinct terms searched (positive and excluded): each is a pass over an index

# Characters that separate words (besides whitespace). Everything else that is neither a
# letter nor a digit (brackets of a 文号, dots, dashes, slashes) joins the pieces of one
# word into an exact string. Input is normalized first, so （ is ( and ， is ,.
_SEPARATORS = set(",、。;:!?()*^+&|<>{}=~`'\\") | {"；", "：", "！", "？", "，", "。", "、"}
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_OPEN_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}


@dataclass(frozen=True, slots=True)
class Term:
    """One thing to find: normalized text, found as one string (``exact``) or word by word."""

    text: str
    exact: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query as terms: every group must match (a group is an OR of terms), no excluded
    term may. ``doc_number`` is set when the whole query is a 文号; ``dropped`` are the
    terms left out beyond ``MAX_TERMS``."""

    raw: str
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    doc_number: Optional[DocNumber] = None
    dropped: tuple[Term, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to search for: a browse."""
        return not self.groups and not self.excluded

    @property
    def terms(self) -> list[Term]:
        """The positive terms (what excerpts highlight)."""
        return [term for group in self.groups for term in group]


def parse_query(q: str) -> ParsedQuery:
    """Parse what a user typed. Raises :class:`QueryError` only for impossible input."""
    if not isinstance(q, str):
        raise QueryError(f"query must be text, not {type(q).__name__}")
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError(f"query is {len(q)} characters long; at most {MAX_QUERY_LENGTH} are allowed")
    items = _lex(fold_width(q))
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False  # the previous item was an OR between two positive terms
    for index, (kind, text, negated) in enumerate(items):
        if kind == "or":
            # An OR between two positive terms joins them; elsewhere it means nothing.
            after = items[index + 1] if index + 1 < len(items) else None
            joining = bool(groups) and items[index - 1][0] != "or" and not items[index - 1][2] \
                and after is not None and after[0] != "or" and not after[2]
            continue
        term = _term(text, exact=kind == "quoted")
        if term is None:
            continue
        if negated:
            excluded.append(term)
        elif joining:
            groups[-1].append(term)
        else:
            groups.append([term])
        joining = False
    unique_groups = list(dict.fromkeys(tuple(dict.fromkeys(group)) for group in groups))
    kept, kept_excluded, dropped = _capped(unique_groups, list(dict.fromkeys(excluded)))
    return ParsedQuery(raw=q, groups=kept, excluded=kept_excluded, doc_number=DocNumber.parse(q, loose=True),
                       dropped=dropped)


def _capped(groups: list[tuple[Term, ...]], excluded: list[Term]) -> tuple[
        tuple[tuple[Term, ...], ...], tuple[Term, ...], tuple[Term, ...]]:
    """Whole groups in the order typed while ``MAX_TERMS`` allows, then exclusions; and the rest."""
    room, kept, dropped = MAX_TERMS, [], []
    for group in groups:
        if len(group) <= room and not dropped:
            kept.append(group)
            room -= len(group)
        else:
            dropped.extend(group)
    kept_excluded = excluded[:room]
    dropped.extend(excluded[room:])
    return tuple(kept), tuple(kept_excluded), tuple(dropped)


def _lex(text: str) -> list[tuple[str, str, bool]]:
    """``(kind, text, negated)`` items of a width-folded query: kind is term, quoted or
    or (``OR`` in capitals, alone); texts are lower-cased."""
    items: list[tuple[str, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace() or char in _SEPARATORS:
            i += 1
            continue
        negated = False
        if char == "-":
            negated, i = True, i + 1
            if i >= n:
                break
            char = text[i]
        close = _OPEN_QUOTES.get(char)
        if close is not None:
            end = text.find(close, i + 1)
            if end >= 0:
                items.append(("quoted", text[i + 1:end].lower(), negated))
                i = end + 1
                continue
            i += 1  # a stray quote: ignore it, read on
            continue
        start = i
        while i < n and not text[i].isspace() and text[i] not in _SEPARATORS and text[i] not in _OPEN_QUOTES:
            i += 1
        word = text[start:i]
        if word == "OR" and not negated:
            items.append(("or", word, False))
        elif word:
            items.append(("term", word.lower(), negated))
    return items


def _term(text: str, *, exact: bool) -> Optional[Term]:
    pieces = runs(text)
    if not pieces:
        return None  # only punctuation: nothing to find
    if exact or len(pieces) > 1:
        # Stored texts have no space between Chinese characters (SCHEMA.md): neither
        # may a phrase, or "安全 检查" would never find 安全检查.
        return Term(_CJK_SPACE.sub("", text.strip()), exact=True)
    return Term(pieces[0])

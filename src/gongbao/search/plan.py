"""Parsed terms → units of index tokens (backend-neutral; the store renders them as SQL).

A *unit* is one contiguous string to find. It matches a document when its words occur
as consecutive tokens of a word column, or its bigrams as consecutive tokens of a bigram
column — the second is what finds any substring of two or more characters. A term typed
without quotes is cut into words first (``盂县煤矿`` → 盂县, 煤矿: both must occur, not
necessarily together); a quoted term is one unit.
"""
from __future__ import annotations

from dataclasses import dataclass

from .query import ParsedQuery, Term
from .tokenize import Tokenizer, bigrams, normalize

# One-character words dropped from an unquoted term that has other words (盂县的煤矿 →
# 盂县, 煤矿); any other single character is kept glued to its neighbour, since a
# single character matches almost everything.
MAX_UNITS = 64  # a query of more units than this is not a search; the rest are ignored
STOP_CHARACTERS = frozenset("的了和与及或在是对等之其把被将于为以由从向并且而也都就")


@dataclass(frozen=True, slots=True)
class Unit:
    """One contiguous string, as the tokens each kind of column holds."""

    text: str  # normalized, as typed (what excerpts mark)
    words: tuple[str, ...]
    bigrams: tuple[str, ...]  # empty for a single character: then it is a prefix of a bigram

    @property
    def prefix(self) -> str | None:
        """The character to look up as a bigram prefix when the unit has no bigram."""
        if self.bigrams or len(self.words) != 1 or len(self.words[0]) != 1:
            return None
        return self.words[0]


@dataclass(frozen=True, slots=True)
class Conjunction:
    """One term: every unit must match. ``whole`` is the term as typed when it was cut
    into several units: it only ranks (盂县煤矿 found together beats 盂县 … 煤矿)."""

    units: tuple[Unit, ...]
    whole: Unit | None = None

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self):
        return iter(self.units)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """Every group must match; a group matches when one of its conjunctions does."""

    groups: tuple[tuple[Conjunction, ...], ...]
    excluded: tuple[Conjunction, ...]

    @property
    def units(self) -> list[Unit]:
        """Positive units and wholes, each once (what excerpts mark)."""
        seen: dict[str, Unit] = {}
        for group in self.groups:
            for conjunction in group:
                for unit in (*conjunction.units, *([conjunction.whole] if conjunction.whole else [])):
                    seen.setdefault(unit.text, unit)
        return list(seen.values())

    @property
    def empty(self) -> bool:
        return not self.groups and not self.excluded


def plan(parsed: ParsedQuery, tokenizer: Tokenizer) -> QueryPlan:
    """Units of a parsed query; terms that yield no token at all are dropped."""
    groups = []
    for group in parsed.groups:
        alternatives = tuple(c for c in (_conjunction(term, tokenizer) for term in group) if c)
        if alternatives:
            groups.append(alternatives)
    excluded = tuple(c for c in (_conjunction(term, tokenizer) for term in parsed.excluded) if c)
    return QueryPlan(tuple(groups), excluded)


def capped(query_plan: QueryPlan) -> QueryPlan:
    """At most MAX_UNITS units: whole groups in order while they fit, then exclusions."""
    budget, groups = MAX_UNITS, []
    for group in query_plan.groups:
        size = sum(len(c) for c in group)
        if size > budget:
            break
        budget -= size
        groups.append(group)
    return QueryPlan(tuple(groups), query_plan.excluded[: max(0, budget)])


def phrase_plan(query_plan: QueryPlan) -> QueryPlan | None:
    """The plan with every term that was cut into several words found in one piece
    (``安全生产`` as the phrase, not 安全 AND 生产 anywhere), for ranking and counting the
    documents that hold the phrase first; None when no term was cut."""
    if not phrases(query_plan):
        return None
    groups = tuple(
        tuple(Conjunction((c.whole,)) if c.whole is not None else c for c in group) for group in query_plan.groups
    )
    return QueryPlan(groups, query_plan.excluded)


def phrase_implies_words(query_plan: QueryPlan) -> bool:
    """Whether every document holding the terms in one piece (``phrase_plan``) holds their
    words too, so that the one piece alone finds the same documents as the words and it
    together. True when each word of every cut term has bigrams running, in order and
    adjacent, inside the term's own: where the term's bigram phrase occurs, theirs does."""
    for group in query_plan.groups:
        for conjunction in group:
            whole = conjunction.whole
            if whole is None:
                continue
            if len(whole.bigrams) < 2 or not all(_runs_inside(u.bigrams, whole.bigrams) for u in conjunction.units):
                return False
    return True


def _runs_inside(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether ``part`` (not empty) occurs in ``whole`` as adjacent items."""
    return bool(part) and any(whole[i:i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def phrases(query_plan: QueryPlan) -> list[str]:
    """The texts of the terms that were cut into several words, each once."""
    return list(dict.fromkeys(c.whole.text for group in query_plan.groups for c in group if c.whole is not None))


def exact_plan(texts: list[str], tokenizer: Tokenizer) -> QueryPlan:
    """A plan finding any of ``texts`` as exact strings (a 文号 in its stored spellings)."""
    units = [unit(text, tokenizer) for text in texts]
    alternatives = tuple(Conjunction((u,)) for u in units if u is not None)
    return QueryPlan((alternatives,) if alternatives else (), ())


def unit(text: str, tokenizer: Tokenizer) -> Unit | None:
    """The unit finding ``text`` as one string, or None when it has no letter or digit."""
    text = normalize(text).strip()
    words = tuple(tokenizer.words(text))
    if not words:
        return None
    return Unit(text, words, tuple(bigrams(text)))


def _conjunction(term: Term, tokenizer: Tokenizer) -> Conjunction | None:
    if term.exact:
        found = unit(term.text, tokenizer)
        return Conjunction((found,)) if found else None
    pieces = _glue(tokenizer.words(term.text))
    units = tuple(u for u in (unit(piece, tokenizer) for piece in dict.fromkeys(pieces)) if u)
    if not units:
        return None
    return Conjunction(units, unit(term.text, tokenizer) if len(units) > 1 else None)


def _glue(words: list[str]) -> list[str]:
    """Words of one run of text, single characters dropped (stop characters) or joined to
    a neighbour: ``任 丽 鹏 同志`` → ``任丽鹏同志``, ``盂县 的 煤矿`` → ``盂县``, ``煤矿``."""
    if len(words) > 1:
        kept = [w for w in words if not (len(w) == 1 and w in STOP_CHARACTERS)]
        words = kept or words
    out: list[str] = []
    pending = ""
    for word in words:
        if len(word) == 1:
            if out:
                out[-1] += word
            else:
                pending += word
        else:
            out.append(pending + word)
            pending = ""
    if pending:
        out.append(pending)
    return out

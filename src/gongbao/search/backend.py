"""What a store gives the search engine (:mod:`gongbao.search.engine`): the narrow interface
each backend implements with its own SQL, and the backend-neutral shapes that cross it.

The engine reads the query, plans it, pins a 文号, turns the query's filters into
:class:`Filter` values and builds the hits; a backend only finds: counts and facets of a
:class:`Plan`, a page of its matches (:meth:`SearchBackend.matches`), and the stored rows
of the keys on that page (:meth:`SearchBackend.hit_rows`). Stores import this module;
nothing in ``gongbao.search`` imports a store.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Hashable, Mapping, Optional, Protocol, TypeVar

from .index import SAMPLE_LEVELS
from .plan import QueryPlan
from .tokenize import Tokenizer
from .types import SearchQuery

RANK_LIMIT = 2_000  # matches ranked by score; beyond, title matches among the newest, then newest first
FACET_EXACT_MAX = 1_000  # matches whose facets are counted one by one; more are counted on a sample
FACET_TOP = 20  # values listed per facet key
# Totals: a store of more than TOTAL_EXACT_MAX documents first counts a search's matches among
# ~PROBE_ROWS documents of a pseudo-random sample; up to TOTAL_EXACT_MAX matches are then counted
# one by one, more are counted on a sample holding SAMPLE_TARGET / 8 to SAMPLE_TARGET of them
# (relative error ≤ 5 %, ~2 % from 2,000) and the total says it is an estimate (约).
TOTAL_EXACT_MAX = 20_000
PROBE_ROWS = 1_000
SAMPLE_TARGET = 4_000
# The ``search_docs`` column of each facet key (the same in every backend's schema).
FACET_COLUMNS = {
    "region": "region_code", "issuer": "issuer", "agency_code": "agency_code", "doc_type": "doc_type",
    "year": "year", "gazette": "gazette_id", "section": "section", "level": "level",
}

Key = Hashable  # a backend's key of one indexed document (its row id)
Rows = list[tuple[Key, float]]  # a page: keys and scores (infinite: a pinned 文号 match)


class DocNumbers(Protocol):
    """What 文号 lookup reads (:func:`gongbao.search.docnumber.lookup_doc_number`): every
    :class:`gongbao.store.Store` has it."""

    def find_by_doc_number(self, normalized: str) -> list[dict[str, Any]]: ...

    def doc_number_candidates(self, year: Optional[int], serial: int) -> list[tuple[str, str]]: ...

    def region_misprints(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class Filter:
    """One filter of a query, for a backend to write as SQL on its ``search_docs`` row.

    ``kind``: ``facet`` (``key`` equals ``value``), ``region`` (``value``: the region codes,
    none = nothing matches), ``issuer`` (``value`` is one of the document's issuers,
    ``exact``) or contained in them (not ``exact``), ``in_force`` (``value``: an ISO day, see
    :data:`IN_FORCE`), ``date_from`` / ``date_to`` (成文日期, sort key), ``published_from`` /
    ``published_to``. ``key``: the facet it narrows (drill-down counts leave it out), None
    for the others."""

    kind: str
    key: Optional[str]
    value: Any
    exact: bool = True


# "In force on a day", the one definition (``gongbao.extract.validity.status_on``, which the
# validity view applies): a validity record whose effective_from is on or before the day and
# whose expires_on is not before it, and no repeal of the document — printed in its own issue
# or in another, which the store records when the second of the two is stored — taking effect
# on or before the day (a repeal without a date: from the start). Each backend writes it as
# SQL (``gongbao.store.repeals.IN_FORCE_SQL``).
IN_FORCE = "in_force"


@dataclass
class Plan:
    """One search as the engine planned it, for a backend to run."""

    query: SearchQuery
    words: QueryPlan  # the words (capped); no groups: a browse
    in_one_piece: Optional[QueryPlan]  # the terms cut into words, as typed (SearchResult.phrases)
    filters: list[Filter]
    pinned: list[str]  # ids of the documents a 文号 query names, in lookup order

    @property
    def offset(self) -> int:
        return (self.query.page - 1) * self.query.per_page


@dataclass
class Matches:
    """What a backend found for a :class:`Plan`."""

    total: int
    facets: dict[str, list[tuple[str, int]]]
    facets_estimated: bool
    page: Rows  # the requested page, in order
    phrase_total: Optional[int] = None  # matches holding ``in_one_piece``; None without it
    loose: Collection[Key] = field(default_factory=set)  # keys of the page holding the words only
    total_estimated: bool = False


class SearchBackend(Protocol):
    """One search's view of a store: one read snapshot, its tokenizer, its SQL."""

    store: DocNumbers

    @property
    def tokenizer(self) -> Tokenizer: ...

    def doc_numbers(self, doc_ids: list[str]) -> list[str]:
        """The stored 文号 of these documents."""

    def stored_region_codes(self, name: str) -> set[str]:
        """Codes of the stored gazettes' regions called ``name``."""

    def known_issuer(self, issuer: str) -> bool:
        """Whether some document has ``issuer`` as its issuer (alone or in a joint issue)."""

    def matches(self, plan: Plan) -> Matches:
        """The total, the facets (each key counted without its own filter) and the page."""

    def hit_rows(self, keys: list[Key]) -> Mapping[Key, Mapping[str, Any]]:
        """What a hit shows of each key (``gongbao.search.hits.build_hits``)."""


def level_for(size: float, target: int) -> int:
    """The sample level (1/2^level of the documents) holding at most ``target`` (and over
    half that) of ``size`` rows."""
    return max(0, min(SAMPLE_LEVELS, math.ceil(math.log2(max(size, 1) / target))))


Counted = TypeVar("Counted")


def probe_total(documents: int, count_in_sample: Callable[[int], tuple[int, Counted]],
                at_most: Optional[int] = None) -> tuple[int, Optional[int], Optional[Counted]]:
    """The totals policy both backends follow (``TOTAL_EXACT_MAX`` …). In a store of more than
    TOTAL_EXACT_MAX ``documents`` the matches are first counted in the sample of ~PROBE_ROWS
    documents: ``count_in_sample(level)`` gives the matches seen in the sample of ``level``
    (1/2^level of the documents) and whatever was counted with them. Seen too few for an
    estimate, a larger sample is counted. ``at_most``: a bound on the matches known already
    (no probe needed at or under TOTAL_EXACT_MAX).

    Returns the last level counted (0: none), and the rounded estimate with what was counted
    with it — or None, None: the matches are few enough to count one by one."""
    probe = documents > TOTAL_EXACT_MAX and (at_most is None or at_most > TOTAL_EXACT_MAX)
    level = level_for(documents, PROBE_ROWS) if probe else 0
    while level:
        seen, counted = count_in_sample(level)
        if seen << level <= TOTAL_EXACT_MAX:
            break
        if seen >= SAMPLE_TARGET // 8:
            return level, rounded_estimate(seen << level), counted
        level = level_for(seen << level, SAMPLE_TARGET)  # too few seen for an estimate: a larger sample
    return level, None, None


def rounded_estimate(estimate: int) -> int:
    """An estimated total to three significant digits (约 157,000, not a false 156,928)."""
    if estimate < 1000:
        return estimate
    unit = 10 ** (len(str(estimate)) - 3)
    return int(round(estimate / unit)) * unit

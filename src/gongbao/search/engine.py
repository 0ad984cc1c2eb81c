"""One search, whatever the backend: read the query, plan it, pin a 文号, turn the filters
into :class:`~gongbao.search.backend.Filter` values, let the backend find the page
(:meth:`~gongbao.search.backend.SearchBackend.matches`), then build the hits — excerpts,
highlighting, scores. The backend only runs SQL; the ordering policy both follow (文号
matches first, then the terms as typed, then the words only) is :func:`pinned_first` and
:func:`phrase_first`.
"""
from __future__ import annotations

import math
import time
from typing import Callable, Optional

from .. import budget
from .backend import IN_FORCE, Filter, Key, Plan, Rows, SearchBackend
from .docnumber import lookup_doc_number, read_as
from .hits import build_hits
from .plan import capped, exact_plan, phrase_plan, phrases, plan
from .query import parse_query
from .types import SearchQuery, SearchResult

# The parts of a result paged one after the other (phrase_first).
EVERY_MATCH, IN_ONE_PIECE, WORDS_ONLY = "all", "phrase", "words"


def run(backend: SearchBackend, query: SearchQuery, timings: Optional[dict[str, float]] = None) -> SearchResult:
    """Run a validated ``query`` on ``backend`` (see ``gongbao.search.search``).

    ``timings``: filled with the milliseconds of each phase — ``parse`` (query, plan, 文号
    lookup, filters), the backend's own phases (its ``timings``: counting, facets, ranking…),
    ``hits`` (the page's stored rows) and ``excerpts`` — for ``explain`` and
    ``bench/search.py --profile``."""
    laps = _Laps(timings)
    parsed = parse_query(query.q)
    tokenizer = backend.tokenizer
    query_plan = plan(parsed, tokenizer)
    pinned: list[str] = []
    doc_match = number_read_as = None
    if parsed.doc_number is not None:
        pinned = lookup_doc_number(backend.store, query.q)
        if pinned:
            doc_match = pinned[0]
            numbers = backend.doc_numbers(pinned)
            number_read_as = read_as(query.q, numbers)
            query_plan = exact_plan(numbers, tokenizer) if numbers else query_plan
    query_plan = capped(query_plan)
    in_one_piece = phrase_plan(query_plan)
    planned = Plan(query, query_plan, in_one_piece, filters(backend, query), pinned)
    laps.lap("parse")
    found = backend.matches(planned)
    laps.lap("matches", getattr(backend, "timings", None))
    rows = backend.hit_rows([key for key, _ in found.page]) if found.page else {}
    laps.lap("hits")
    hits = build_hits(found.page, rows, query_plan.units, query, loose=set(found.loose),
                      phrase_units=in_one_piece.units if in_one_piece else None)
    laps.lap("excerpts")
    return SearchResult(
        found.total, hits, query, found.facets, doc_match, found.facets_estimated,
        total_estimated=found.total_estimated,
        phrases=phrases(query_plan) if in_one_piece else [],
        phrase_total=(found.phrase_total or 0) if in_one_piece else None,
        doc_number_read_as=number_read_as,
        ignored_terms=[term.text for term in parsed.dropped],
    )


class _Laps:
    """Phase timings of one search, and a look at the request's time budget after each."""

    def __init__(self, timings: Optional[dict[str, float]]) -> None:
        self.timings = timings
        self.started = time.perf_counter()

    def lap(self, phase: str, inner: Optional[dict[str, float]] = None) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            if inner:  # the backend timed its own phases: those replace its one lap
                self.timings.update(inner)
            else:
                self.timings[phase] = round((now - self.started) * 1000, 3)
        self.started = now
        budget.check(f"the search, after its {phase} phase")


def filters(backend: SearchBackend, query: SearchQuery) -> list[Filter]:
    """The query's filters, in the order backends apply them."""
    out: list[Filter] = []
    if query.region is not None:
        out.append(Filter("region", "region", region_codes(backend, query.region)))
    if query.issuer is not None:
        out.append(Filter("issuer", "issuer", query.issuer, exact=backend.known_issuer(query.issuer)))
    for key, value in (("agency_code", query.agency_code), ("doc_type", query.doc_type), ("year", query.year),
                       ("gazette", query.gazette), ("section", query.section), ("level", query.level)):
        if value is not None:
            out.append(Filter("facet", key, value))
    if query.in_force_on is not None:
        out.append(Filter(IN_FORCE, None, query.in_force_on))
    for kind in ("date_from", "date_to", "published_from", "published_to"):
        if getattr(query, kind) is not None:
            out.append(Filter(kind, None, getattr(query, kind)))
    return out


def region_codes(backend: SearchBackend, value: str) -> list[str]:
    """Codes of a region given by code or name (a name may be several regions: 城区)."""
    from ..gazetteer import by_name

    if value.isdigit():
        return [value]
    codes = {region.code for region in by_name(value)}
    codes.update(backend.stored_region_codes(value))
    return sorted(codes)


def pinned_first(pinned: list[Key], offset: int, limit: int) -> tuple[Rows, int, int]:
    """The pinned 文号 matches that fall on a page (an infinite score: shown first), and the
    offset and limit left for the other matches."""
    rows = [(key, math.inf) for key in pinned[offset:offset + limit]]
    return rows, max(0, offset - len(pinned)), limit - len(rows)


Order = Callable[[str, list[Key], int, int, int], Rows]  # (part, pinned, offset, limit, rows in part)


def phrase_first(
    order: Order, pinned: list[Key], offset: int, limit: int, total: int, phrase_total: Optional[int],
) -> tuple[Rows, list[Key]]:
    """A page of ``order``: the matches holding the terms as typed first (``IN_ONE_PIECE``),
    then those holding all their words only (``WORDS_ONLY``), each part ordered on its own;
    without such terms (``phrase_total`` None), ``EVERY_MATCH``. Returns the rows and the
    keys of the second part's."""
    if phrase_total is None:
        return order(EVERY_MATCH, pinned, offset, limit, total), []
    rows: Rows = []
    if offset < phrase_total:
        rows = order(IN_ONE_PIECE, pinned, offset, limit, phrase_total)
    rest, skip = limit - len(rows), max(0, offset - phrase_total)
    if rest <= 0:
        return rows, []
    loose = order(WORDS_ONLY, [], skip, rest, total - phrase_total)
    return rows + loose, [key for key, _ in loose]

"""Full-text search over stored documents: one library function that the CLI, the HTTP
API and the web all call, ``search(store, query)``.

Everything but the SQL lives here — query syntax (``query``), tokens (``tokenize``), what
is indexed per document (``index``), units of tokens (``plan``), the search itself
(``engine``: planning, 文号 pinning, filters, ordering policy, hits), excerpts and
highlighting (``excerpt``), 文号 lookup (``docnumber``). A store implements the narrow
interface of ``backend`` with its SQL; this package never imports a store.
"""
from __future__ import annotations

from typing import Protocol

from .docnumber import lookup_doc_number
from .index import FACET_KEYS
from .query import ParsedQuery, Term, parse_query
from .types import SearchHit, SearchQuery, SearchResult
from .validate import validated

__all__ = [
    "FACET_KEYS", "ParsedQuery", "SearchHit", "SearchQuery", "SearchResult", "Searchable", "Term",
    "facet_label", "lookup_doc_number", "parse_query", "search",
]


class Searchable(Protocol):
    """A store (:class:`gongbao.store.Store`): it runs the engine on one read snapshot of
    itself, with its backend (``gongbao.search.engine.run``)."""

    def search(self, query: SearchQuery) -> SearchResult: ...


def search(store: Searchable, query: SearchQuery) -> SearchResult:
    """Run ``query`` against ``store``: hits of the requested page, the total, facet
    counts and, when ``q`` is a 文号, the document it names (first hit).

    Raises :class:`gongbao.errors.QueryError` (HTTP 400) for a query no search can run
    (``q`` over 500 characters, ``level="middle"``, ``date_from="soon"``); any text in
    ``q`` is a valid query. Terms beyond ``query.MAX_TERMS`` are not searched: they are
    listed in ``ignored_terms``, for the user to be told."""
    return store.search(validated(query))


def facet_label(key: str, value: str) -> str:
    """A readable label for a facet value: region codes become names (140322 → 盂县)."""
    if key == "region":
        from ..gazetteer import by_code

        region = by_code(value)
        return region.name if region else value
    if key == "level":
        from ..labels import LEVEL_LABELS

        return LEVEL_LABELS.get(value, value)
    return value

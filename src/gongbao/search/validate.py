"""Check and normalize a SearchQuery before it reaches a store: every value a store sees
is of the right type and range, so the SQL never meets a surprise."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from typing import Any, Optional

from ..errors import QueryError
from ..grammar import typed_date
from .query import MAX_QUERY_LENGTH
from .types import LEVELS, MAX_PER_PAGE, SORTS, SearchQuery

MAX_FILTER_LENGTH = 200
MAX_PAGE = 10_000  # deeper pages are never useful, and offsets stay small integers
MAX_EXCERPT_SIZE = 1_000
MAX_EXCERPTS = 10
_TEXT_FILTERS = ("region", "issuer", "agency_code", "doc_type", "gazette", "section")
_SURROGATE = re.compile("[\ud800-\udfff]")


def validated(query: SearchQuery) -> SearchQuery:
    """A normalized copy of ``query``; :class:`QueryError` for a value no search can use."""
    if not isinstance(query, SearchQuery):
        raise QueryError(f"expected a SearchQuery, got {type(query).__name__}")
    q = "" if query.q is None else query.q
    if not isinstance(q, str):
        raise QueryError("q must be text")
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError(f"query is {len(q)} characters long; at most {MAX_QUERY_LENGTH} are allowed")
    changes: dict[str, Any] = {"q": _encodable(q)}
    for name in _TEXT_FILTERS:
        changes[name] = _text(name, getattr(query, name))
    level = _text("level", query.level)
    if level is not None and level not in LEVELS:
        raise QueryError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    sort = _text("sort", query.sort) or "relevance"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    year = _integer("year", query.year)
    if year is not None and not 1000 <= year <= 9999:
        raise QueryError(f"year must have four digits, not {year}")
    changes.update(
        level=level, sort=sort, year=year,
        date_from=_date("date_from", query.date_from, upper=False),
        date_to=_date("date_to", query.date_to, upper=True),
        published_from=_date("published_from", query.published_from, upper=False),
        published_to=_date("published_to", query.published_to, upper=True),
        in_force_on=_day("in_force_on", query.in_force_on),
        page=_clamp(_integer("page", query.page, 1), 1, MAX_PAGE),
        per_page=_clamp(_integer("per_page", query.per_page, 20), 1, MAX_PER_PAGE),
        excerpt_size=_clamp(_integer("excerpt_size", query.excerpt_size, 120), 0, MAX_EXCERPT_SIZE),
        number_of_excerpts=_clamp(_integer("number_of_excerpts", query.number_of_excerpts, 3), 0, MAX_EXCERPTS),
    )
    return dataclasses.replace(query, **changes)


def _day(name: str, value: Any) -> Optional[str]:
    """A full ISO date (YYYY-MM-DD): validity is decided day by day."""
    value = _text(name, value)
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise QueryError(f"{name} must be a date YYYY-MM-DD, not {value!r}") from None


def _text(name: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and name in ("region", "gazette"):
        value = str(value)  # 140322 typed as a number
    if not isinstance(value, str):
        raise QueryError(f"{name} must be text, not {type(value).__name__}")
    value = _encodable(value.strip())
    if len(value) > MAX_FILTER_LENGTH:
        raise QueryError(f"{name} is {len(value)} characters long; at most {MAX_FILTER_LENGTH} are allowed")
    return value or None


def _encodable(text: str) -> str:
    """Lone surrogates (possible in a Python str, not in UTF-8) as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _integer(name: str, value: Any, default: Optional[int] = None) -> Optional[int]:
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 12:
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryError(f"{name} must be a whole number, not {value!r}"[:200])
    return value


def _clamp(value: Optional[int], low: int, high: int) -> int:
    return max(low, min(high, value if value is not None else low))


def _date(name: str, value: Any, *, upper: bool) -> Optional[str]:
    """ISO prefix of a date bound. ``2023`` → ``2023`` / ``2023-12-31``; ``2023-7`` →
    ``2023-07`` / ``2023-07-31`` (string comparison with ISO dates does the rest)."""
    text = _text(name, value)
    if text is None:
        return None
    typed = typed_date(text, loose=True)
    if not typed or (typed[1] is not None and not 1 <= typed[1] <= 12) or (typed[2] is not None and not 1 <= typed[2] <= 31):
        raise QueryError(f"{name} must be a date like 2023-07-25, 2023-07 or 2023, not {text!r}"[:200])
    year, month, day = typed
    if day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month:
        return f"{year:04d}-{month:02d}-31" if upper else f"{year:04d}-{month:02d}"
    return f"{year:04d}-12-31" if upper else f"{year:04d}"

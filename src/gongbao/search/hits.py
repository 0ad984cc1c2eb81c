"""Search hits from the rows a backend found: excerpts, highlighting, scores (backend-neutral)."""
from __future__ import annotations

import math
from typing import Any, Collection, Hashable, Mapping, Optional

from . import excerpt
from .plan import Unit
from .types import SearchHit, SearchQuery


def build_hits(
    ranked: list[tuple[Hashable, float]], rows: Mapping[Hashable, Mapping[str, Any]], units: list[Unit],
    query: SearchQuery, loose: Collection[Hashable] = (),
    phrase_units: Optional[list[Unit]] = None,
) -> list[SearchHit]:
    """Hits in ``ranked`` order (``(row key, score)``; an infinite score is a pinned 文号
    match, shown just above the best). ``rows`` holds each key's ``doc_id``, ``title``,
    ``doc_number``, ``issuer``, ``date``, ``doc_type``, ``section``, ``gazette_id``,
    ``gazette_title``, ``published``, ``parent_id``, ``issuer_inherited``, ``date_inherited``
    and ``body``. ``loose``: the keys holding every word of a
    phrase but not the phrase (see ``SearchResult.phrases``); the others mark
    ``phrase_units`` when given (the phrase in one piece, not its words wherever they are)."""
    compiled = excerpt.pattern(units)
    in_one_piece = excerpt.pattern(phrase_units) if phrase_units else compiled
    wanted = query.excerpt_size > 0 and query.number_of_excerpts > 0
    top = max((score for _, score in ranked if math.isfinite(score)), default=0.0)
    hits = []
    for key, score in ranked:
        row = rows.get(key)
        if row is None:
            continue
        marks = compiled if key in loose else in_one_piece
        hits.append(SearchHit(
            id=row["doc_id"], title=row["title"], doc_number=row["doc_number"], issuer=row["issuer"],
            date=row["date"], doc_type=row["doc_type"], section=row["section"], gazette_id=row["gazette_id"],
            gazette_title=row["gazette_title"], published=row["published"], parent_id=row["parent_id"],
            issuer_inherited=bool(row["issuer_inherited"]), date_inherited=bool(row["date_inherited"]),
            exact_phrase=key not in loose,
            score=round(top + 1.0 if math.isinf(score) else score, 4),
            excerpts=excerpt.excerpts(row["body"], marks, query.excerpt_size, query.number_of_excerpts)
            if wanted else [],
            title_html=excerpt.highlight(row["title"], marks),
        ))
    return hits

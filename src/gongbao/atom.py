"""Atom feeds of search results (feedgen), so people can follow a region, an issuer or a query."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from feedgen.feed import FeedGenerator
from markupsafe import Markup

CHINA = timezone(timedelta(hours=8))  # documents are dated in Beijing time
# Characters XML 1.0 cannot hold at all (lxml refuses them): OCR'd sources and queries can carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Optional[str]) -> str:
    return _NOT_XML.sub("", value or "")


def _when(*isodates: Optional[str]) -> Optional[datetime]:
    """The first of ``isodates`` that reads as a date or time (a bare date: Beijing time)."""
    for value in isodates:
        try:
            when = datetime.fromisoformat(value) if value else None
        except ValueError:
            continue
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=CHINA)
    return None


def atom_feed(result: Any, *, title: str, feed_url: str, page_url: str, base_url: str,
              ingested: Optional[dict[str, str]] = None) -> bytes:
    """An Atom document with one entry per hit of ``result`` (a ``gongbao.search.SearchResult``).

    An entry is dated when it became public: its issue's publication date, else when the
    issue was ingested (``ingested``: gazette id → ISO time); a reader sees a new issue's
    documents as new, not as months old. The 成文日期 is in the entry's summary.
    ``base_url`` ends with ``/``; a document's entry links to ``base_url + id``.
    Text goes in as text (feedgen escapes it); the summary is HTML built from the
    escaped metadata and the library's already escaped excerpts.
    """
    ingested = ingested or {}
    feed = FeedGenerator()
    feed.id(xml_text(feed_url))
    feed.title(xml_text(title) or "gongbao")
    feed.author(name="gongbao")
    feed.link(href=xml_text(feed_url), rel="self")
    feed.link(href=xml_text(page_url), rel="alternate")
    feed.language("zh-CN")
    feed.generator("gongbao")
    newest: Optional[datetime] = None
    for hit in result.hits:
        url = base_url + hit.id
        when = _when(hit.published, ingested.get(hit.gazette_id)) or datetime(1970, 1, 1, tzinfo=timezone.utc)
        newest = max(newest, when) if newest else when
        entry = feed.add_entry(order="append")  # feedgen prepends by default; keep the result order
        entry.id(url)
        entry.title(xml_text(hit.title) or hit.id)
        entry.link(href=url)
        entry.updated(when)
        entry.published(when)
        if hit.issuer:
            entry.author(name=xml_text(hit.issuer))
        if hit.doc_type:
            entry.category(term=xml_text(hit.doc_type))
        issuer = f"{hit.issuer}（据印发通知）" if hit.issuer and hit.issuer_inherited else hit.issuer
        meta = " · ".join(filter(None, (hit.doc_number, issuer, hit.date and f"成文日期 {hit.date}", hit.gazette_title)))
        summary = Markup("<p>{}</p>").format(meta) + Markup("").join(
            Markup("<p>{}</p>").format(Markup(excerpt)) for excerpt in hit.excerpts
        )
        entry.summary(xml_text(str(summary)), type="html")
    feed.updated(newest or datetime.now(timezone.utc))
    return feed.atom_str(pretty=True)


__all__ = ["atom_feed"]

"""What every view shares: parameters (days, regions, names), links to pages, the document
catalogue and the links a record carries."""
from __future__ import annotations

import calendar
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Optional
from urllib.parse import quote, urlencode

from .. import budget
from ..errors import QueryError
from ..extract.matching import gazette_of
from ..extract.orgs import region_of, resolve
from ..grammar import typed_date
from ..model import split_document_id
from ..store import Store


# -- parameters ------------------------------------------------------------------------------



def parse_day(value: Optional[str], name: str = "date", *, end: bool = False) -> Optional[str]:
    """An ISO day from ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (None stays None).

    A year or a month stands for its first day, or its last day when ``end`` is set (the
    upper bound of a range), so ``due_to=2023`` includes 2023-12-31."""
    if value is None or not str(value).strip():
        return None
    typed = typed_date(str(value).strip())
    if typed is None:
        raise QueryError(f"{name}: expected YYYY, YYYY-MM or YYYY-MM-DD, not {str(value)[:40]!r}")
    year, month, day = typed
    try:
        if month is None:
            return date(year, 12, 31).isoformat() if end else date(year, 1, 1).isoformat()
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last if end else 1).isoformat()
        return date(year, month, day).isoformat()
    except ValueError:
        raise QueryError(f"{name}: no such day {str(value)[:40]!r}") from None


def _today() -> str:
    return date.today().isoformat()


def region_code(region: Optional[str]) -> Optional[str]:
    """GB/T 2260 code of a region given by code or name (盂县, 140322); None for None."""
    if region is None or not region.strip():
        return None
    found = region_of(region.strip())
    if found is None:
        raise QueryError(f"region: unknown region {region.strip()[:40]!r}")
    return found.code


def _clean_name(value: str, what: str) -> str:
    name = "".join((value or "").split())
    if not name:
        raise QueryError(f"{what}: empty name")
    return name


# -- documents and links ---------------------------------------------------------------------


def source_url(doc_id: str, span: Any = None) -> str:
    """The issue's source text with ``span`` ([start, end)) marked; the whole document's
    text when the span is unknown."""
    gazette, seq = split_document_id(doc_id)
    if isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(x, int) for x in span):
        return f"/source/{gazette}?" + urlencode({"start": span[0], "end": span[1]}) + "#mark"
    return f"/source/{gazette}#d{seq}"


def person_url(name: str) -> str:
    return "/people/" + quote(name, safe="")


def group_url(name: str) -> str:
    return "/groups/" + quote(name, safe="")


def unit_url(name: str, region: Optional[str] = None) -> str:
    return "/units/" + quote(name, safe="") + ("?" + urlencode({"region": region}) if region else "")


def ledger_url(unit: str, region: Optional[str] = None) -> str:
    return "/tasks?" + urlencode({"unit": unit, **({"region": region} if region else {})})


SUMMARY_KEYS = ("id", "seq", "parent_seq", "title", "doc_number", "doc_type", "issuer", "signed_by",
                "recipients", "date", "section")


def catalogue(store: Store, ids: Optional[Iterable[str]] = None) -> dict[str, dict[str, Any]]:
    """Every stored document's summary by id (with ``region_code``, ``gazette_id`` and
    ``url``), in store order; or only those of ``ids`` (the documents of one page). Read
    once per request: titles, numbers and issuers are what citations resolve against and
    what unit pages match."""
    if ids is None:
        records: Iterable[Optional[dict[str, Any]]] = store.list_documents()
    else:
        records = map(store.get_document, dict.fromkeys(ids))
    docs: dict[str, dict[str, Any]] = {}
    for record in records:
        if record is None:  # gone since the page was read
            continue
        if len(docs) % 1000 == 999:
            budget.check("reading the documents")
        gazette = record.get("gazette") or {}
        summary = {key: record.get(key) for key in SUMMARY_KEYS}
        summary.update(region_code=gazette.get("region_code"), region=gazette.get("region"),
                       gazette_id=gazette_of(record["id"]), url="/" + record["id"])
        docs[record["id"]] = summary
    return docs


def _doc_ref(docs: dict[str, dict[str, Any]], doc_id: Optional[str]) -> Optional[dict[str, Any]]:
    doc = docs.get(doc_id) if doc_id else None
    if doc is None:
        return None
    return {key: doc[key] for key in ("id", "title", "doc_number", "date", "issuer", "gazette_id", "url")}


def _gazette_regions(store: Store) -> dict[str, Optional[str]]:
    return {g["id"]: g.get("region_code") for g in store.list_gazettes()}


def _region_names(store: Store) -> dict[str, str]:
    return {g["region_code"]: g["region"] for g in store.list_gazettes() if g.get("region_code") and g.get("region")}


def _with_links(record: dict[str, Any], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {**record, "document": _doc_ref(docs, record.get("doc_id")),
            "source_url": source_url(record["doc_id"], record.get("span"))}


@lru_cache(maxsize=8192)
def canonical(name: str, region: Optional[str]) -> str:
    """Canonical unit of a printed name in a region (``gongbao.extract.orgs``), cached."""
    return resolve(name, region).canonical

"""Query parameters shared by the search API, the export, the search page and the feeds.

One dependency collects them for a ``gongbao.search.SearchQuery``; the limits
here only keep absurd input out and document the API (the library decides
what a query means, and raises QueryError, a 400, for impossible ones).
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from fastapi import Query

from ..search import SearchQuery

TEXT = 200  # longest filter value accepted
DATE = "YYYY, YYYY-MM or YYYY-MM-DD."
# Date parameters as the OpenAPI schema declares them, so that no schema-valid request is
# refused. The server does not enforce these: the library reads more spellings (2023/7,
# 2023年7月) and says why it refuses one.
_MONTH = r"(0?[1-9]|1[0-2])"
# A bound of a range (search): a year, a month, or a day of 1–31 (compared as text, not a calendar).
RANGE_SCHEMA = {"anyOf": [
    {"type": "string", "maxLength": 20, "pattern": rf"^(\d{{4}}(-{_MONTH}(-(0?[1-9]|[12]\d|3[01]))?)?)?$"},
    {"type": "null"}]}
# A day of the calendar (a full date, format: date), or a year or a month standing for its first
# or last day; a blank value is no filter.
DAY_SCHEMA = {"anyOf": [
    {"type": "string", "pattern": rf"^([1-9]\d{{3}}(-{_MONTH})?)?$"}, {"type": "string", "format": "date"},
    {"type": "null"}]}
FULL_DATE_SCHEMA = {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
FILTERS = ("region", "issuer", "agency_code", "doc_type", "year", "date_from", "date_to",
           "published_from", "published_to", "gazette", "section", "level", "in_force_on")


def search_params(
    q: Optional[str] = Query(None, max_length=500, description="Words, a phrase in quotes, or a 文号 in any spelling."),
    region: Optional[str] = Query(None, max_length=TEXT, description="Region code (GB/T 2260) or name.", examples=["140322"]),
    issuer: Optional[str] = Query(None, max_length=TEXT, description="发文机关", examples=["盂县人民政府"]),
    agency_code: Optional[str] = Query(None, max_length=TEXT, description="机关代字 of the 文号", examples=["盂政发"]),
    doc_type: Optional[str] = Query(None, max_length=TEXT, description="文种", examples=["通知"]),
    year: Optional[int] = Query(None, ge=1000, le=9999, description="Year of 成文日期 (else of the 文号)."),
    date_from: Optional[str] = Query(None, max_length=20, description=DATE + " 成文日期 on or after.",
                                     examples=["2023-07"], json_schema_extra=RANGE_SCHEMA),
    date_to: Optional[str] = Query(None, max_length=20, description=DATE + " 成文日期 on or before.",
                                   json_schema_extra=RANGE_SCHEMA),
    published_from: Optional[str] = Query(None, max_length=20, description=DATE + " Issue published on or after.",
                                          json_schema_extra=RANGE_SCHEMA),
    published_to: Optional[str] = Query(None, max_length=20, description=DATE + " Issue published on or before.",
                                        json_schema_extra=RANGE_SCHEMA),
    gazette: Optional[str] = Query(None, max_length=TEXT, description="Gazette id.", examples=["140322/2023/3"]),
    section: Optional[str] = Query(None, max_length=TEXT, description="Section (栏目) of the issue."),
    level: Optional[Literal["top", "carried"]] = Query(
        None, description="top: documents issued in their own right; carried: documents a notice issues."),
    in_force_on: Optional[str] = Query(None, max_length=10, description="YYYY-MM-DD: only documents in force (现行有效) that day.",
                                       examples=["2024-01-01"], json_schema_extra=FULL_DATE_SCHEMA),
    sort: Literal["relevance", "newest", "oldest"] = Query("relevance"),
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(20, ge=1, le=100),
    excerpt_size: Optional[int] = Query(None, ge=0, le=1000, description="Characters per excerpt."),
    number_of_excerpts: Optional[int] = Query(None, ge=0, le=10, description="Excerpts per hit."),
) -> dict[str, Any]:
    """The search parameters given, as SearchQuery keyword arguments (unset ones left out)."""
    return {key: value for key, value in locals().items() if value is not None}


def to_query(params: dict[str, Any]) -> SearchQuery:
    return SearchQuery(**params)


def has_filters(params: dict[str, Any]) -> bool:
    return bool(params.get("q")) or any(key in params for key in FILTERS)


BOM_DESCRIPTION = "CSV: start with a UTF-8 BOM, so Excel and WPS read the Chinese right; false for programs."


def csv_params(
    bom: bool = Query(True, description=BOM_DESCRIPTION),
    headers: Literal["en", "zh"] = Query("en", description="format=csv: column headers as the record keys (en) "
                                                           "or their Chinese names (zh)."),
) -> dict[str, Any]:
    """The options of a CSV download (``gongbao.export.csv_lines``)."""
    return {"bom": bom, "headers": headers}

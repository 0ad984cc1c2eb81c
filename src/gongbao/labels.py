"""Names a Chinese reader sees for the search's facets and levels: one table for the web pages
and the command line."""
from __future__ import annotations

# Facets and filters as a reader names them, in the order the pages and the CLI show them.
FACET_LABELS = {
    "region": "地区",
    "gazette": "期刊",
    "issuer": "发文机关",
    "doc_type": "文种",
    "section": "栏目",
    "year": "年份",
    "agency_code": "机关代字",
    "level": "层级",
    "date_from": "成文日期起",
    "date_to": "成文日期止",
    "published_from": "出版日期起",
    "published_to": "出版日期止",
}
LEVEL_LABELS = {"top": "正式发文", "carried": "随文印发的文件"}

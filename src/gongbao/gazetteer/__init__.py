"""Administrative-region gazetteer (GB/T 2260) and gazette region detection."""
from gongbao.gazetteer.regions import (
    PROVINCE_ABBREVIATIONS,
    PROVINCE_BY_ABBREVIATION,
    Region,
    RegionVerdict,
    all_regions,
    by_code,
    by_name,
    children,
    find_in_text,
    guess_region,
    weigh_region,
)

__all__ = [
    "PROVINCE_ABBREVIATIONS",
    "PROVINCE_BY_ABBREVIATION",
    "Region",
    "RegionVerdict",
    "all_regions",
    "by_code",
    "by_name",
    "children",
    "find_in_text",
    "guess_region",
    "weigh_region",
]

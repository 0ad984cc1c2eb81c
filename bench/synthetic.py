"""Synthetic gazette issues for the search benchmark, recombined from the shared corpus.

The corpus is parsed once; each synthetic issue then takes the documents of one real
issue (its carrying structure kept), moves them to another real county of the
gazetteer (region names and the agency short form replaced), gives every top-level
document a new 文号 and 成文日期 in the issue's year, and swaps about a third of the
paragraphs for paragraphs of other documents, so texts differ but read like gazettes.
Nothing is parsed per synthetic issue: ``ParseResult``s and records are built directly
and saved with ``store.save_parse``.
"""
from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator, Optional

from gongbao.export import document_records
from gongbao.gazetteer import all_regions
from gongbao.model import GazetteMeta, ParseResult, RegionGuess, SourceText
from gongbao.pipeline import parse_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


class Templates:
    """The corpus issues as records, and every paragraph of them."""

    def __init__(self, corpus: Path = CORPUS) -> None:
        self.issues: list[tuple[ParseResult, list[dict[str, Any]]]] = []
        for path in sorted(corpus.glob("00*.txt")):
            result = parse_file(path)
            self.issues.append((result, document_records(result)))
        self.paragraphs = [
            p for _, records in self.issues for r in records for p in r.get("paragraphs") or []
        ]
        # Counties with a one-character short form of their own (the agency codes need one).
        self.regions = [r for r in all_regions() if r.level == 3 and len(r.name) >= 2][::7]


def issues(templates: Templates, count: int, *, seed: int = 1, start: int = 0) -> Iterator[tuple[ParseResult, list[dict]]]:
    """``count`` synthetic issues, numbered from ``start`` (the same numbers give the same issues)."""
    for number in range(start, start + count):
        yield issue(templates, number, seed=seed)


def issue(
    templates: Templates, number: int, *, seed: int = 1, slot: Optional[tuple[int, int, int, int]] = None,
    layers: bool = False,
) -> tuple[ParseResult, list[dict]]:
    """Synthetic issue ``number``. ``slot`` = (template, region, year, issue number) chooses
    them instead of the default numbering (``bench/scale.py`` spreads a million documents
    over regions × years × issues without a repeated gazette id); ``layers`` keeps the
    template's extracted layer records (by document seq; the template's documents come
    along in ``result.documents`` for them), so the store writes layer rows."""
    rnd = random.Random(f"{seed}/{number}")
    if slot is None:
        template, records = templates.issues[number % len(templates.issues)]
        region = templates.regions[(number // len(templates.issues)) % len(templates.regions)]
        year = 2010 + (number // (len(templates.issues) * len(templates.regions))) % 15
        issue_no = 1 + number % 12
        gazette_issue = issue_no + 12 * (number // 100_000)
    else:
        template, records = templates.issues[slot[0]]
        region, year, issue_no = templates.regions[slot[1]], slot[2], slot[3]
        gazette_issue = issue_no
    old = template.gazette.region or ""
    old_short = template.region.short if template.region else old[:1]
    old_year = template.gazette.year or year

    def move(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        text = text.replace(old, region.name).replace(str(old_year), str(year))
        return text.replace(f"{old_short}政", f"{region.short}政")

    published = date(year, min(12, 3 * ((issue_no + 2) // 3)), 28)
    new_records = []
    # Unique per region and year: 40 numbers per quarterly issue.
    serials = [(issue_no - 1) * 40 + 1 + k for k in range(len(records))]
    for record, serial in zip(records, serials):
        r = dict(record)  # shallow: nested spans and confidences are shared, never changed
        r.pop("id", None)
        for key in ("title", "issuer", "signed_by", "recipients"):
            r[key] = move(r.get(key))
        if r.get("agency_code"):
            r["agency_code"] = move(r["agency_code"])
            r["year"], r["serial"] = year, serial
            r["doc_number"] = f"{r['agency_code']}〔{year}〕{serial}号"
        if r.get("date"):
            r["date"] = (published - timedelta(days=rnd.randint(20, 120))).isoformat()
        paragraphs = []
        for p in r.get("paragraphs") or []:
            chosen = rnd.choice(templates.paragraphs) if rnd.random() < 0.33 else p
            paragraphs.append({**chosen, "text": move(chosen["text"])})
        r["paragraphs"] = paragraphs
        r["gazette"] = {}
        new_records.append(r)
    text = f"synthetic issue {seed}/{number}"
    source = SourceText(
        name=f"synthetic_{number:06d}.txt", text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
        encoding="utf-8", size_bytes=len(text),
    )
    gazette = GazetteMeta(
        title=f"{region.name}人民政府公报", region=region.name, region_code=region.code, year=year,
        issue=gazette_issue, published=published.isoformat(), frequency="季刊",
    )
    guess = RegionGuess(region.name, region.code, region.province, region.city, region.short, confidence=1.0)
    result = ParseResult(source, gazette, [], list(template.documents) if layers else [], [], [], [], guess,
                         layers=list(template.layers) if layers else [])
    return result, new_records

"""What the search index holds for one document, built from its export record (backend-neutral).

A store turns each :class:`IndexEntry` into rows (SQLite: ``search_docs``, ``search_text``
and the FTS5 table ``search_fts``); nothing here knows SQL.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from ..model import document_id
from .excerpt import MARK
from .tokenize import Tokenizer, bigram_text, names_in

# Facet keys, in the order responses list them, and the SearchQuery field filtering each.
FACET_KEYS = ("region", "issuer", "agency_code", "doc_type", "year", "gazette", "section", "level")
SAMPLE_SPACE = 1 << 32
SAMPLE_LEVELS = 12  # sample tokens down to 1/4096 of the documents
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def sample_key(doc_id: str) -> int:
    """A stable pseudo-random 32-bit key of a document (facets of huge result sets are
    counted on the documents whose key is below a cut)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=4).digest(), "big")


def sample_level(key: int) -> int:
    """How many halvings ``key`` survives: a document of level j is in the samples of
    1/2, 1/4 … 1/2^j of the documents, and indexed with the tokens of those levels."""
    level = 0
    while level < SAMPLE_LEVELS and key < SAMPLE_SPACE >> (level + 1):
        level += 1
    return level


def filter_token(key: str, value: object) -> str:
    """The index token standing for ``key = value`` (``region`` = ``140322`` → ``fregion…``).

    Facet filters are matched inside the full-text index, where ANDing a rare token
    with a common word skips through the word's posting list instead of looking up
    every matching row's columns."""
    digest = hashlib.blake2b(f"{key}\x00{value}".encode(), digest_size=8).hexdigest()
    return f"f{key.replace('_', '')}{digest}"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One document as the search index sees it."""

    doc_id: str
    gazette_id: str
    # Facets, filters and sort keys.
    region_code: Optional[str]
    issuer: Optional[str]  # 发文机关; a carried document takes its carrying notice's
    agency_code: Optional[str]
    doc_type: Optional[str]
    year: Optional[int]  # of 成文日期, else of the 文号 (a carried document: its notice's)
    date: Optional[str]  # 成文日期; a carried document takes its carrying notice's
    published: Optional[str]
    section: Optional[str]
    level: str  # top | carried
    sample: int  # sample_key(doc_id)
    doc_number: Optional[str]
    parent_id: Optional[str]  # id of the carrying notice
    issuer_inherited: bool  # issuer / date are the carrying notice's (the record has none)
    date_inherited: bool
    # Texts as printed, and as the word columns index them.
    title: str
    body: str
    info: str  # 文号, issuer, signer, recipients, attachment titles
    title_words: str
    body_words: str
    info_words: str
    filters: str  # filter tokens, space separated

    def facet(self, key: str) -> Optional[str]:
        value = {
            "region": self.region_code, "issuer": self.issuer, "agency_code": self.agency_code,
            "doc_type": self.doc_type, "year": self.year, "gazette": self.gazette_id,
            "section": self.section, "level": self.level,
        }[key]
        return None if value is None else str(value)

    def bigram_columns(self) -> tuple[str, str, str]:
        """The bigram columns: always recomputed from the stored texts, never stored."""
        return bigram_text(self.title), bigram_text(self.body), bigram_text(self.info)


def body_text(record: Mapping[str, Any]) -> str:
    """The searchable text of a document record: its paragraphs, one per line (or ``body`` if
    given), then each attachment's whole text (its ``附件N`` heading line first)."""
    paragraphs = record.get("paragraphs")
    if isinstance(paragraphs, list) and paragraphs:
        text = _lines_of(paragraphs)
    else:
        body = record.get("body")
        text = body if isinstance(body, str) else ""
    attachments = record.get("attachment_bodies")
    if isinstance(attachments, list):
        for att in attachments:
            if isinstance(att, dict) and isinstance(att.get("paragraphs"), list):
                text += "\n" + attachment_marker(att) + "\n" + _lines_of(att["paragraphs"])
    return text


def attachment_marker(att: Mapping[str, Any]) -> str:
    """Where an attachment's text begins: ``附件N`` between invisible separators, which
    ``excerpt`` reads to say 附件N｜ before a match in it and leaves out of what it shows."""
    number = att.get("number")
    return f"{MARK}附件{number if number is not None else ''}{MARK}"


def _lines_of(paragraphs: list) -> str:
    return "\n".join(str(p.get("text", "")) for p in paragraphs if isinstance(p, dict))


def info_text(record: Mapping[str, Any]) -> str:
    attachments = record.get("attachments") or []
    parts = [record.get("doc_number"), record.get("issuer"), record.get("signed_by"),
             record.get("recipients"), *[a for a in attachments if isinstance(a, str)]]
    return "\n".join(p for p in parts if isinstance(p, str) and p)


def entries(
    records: list[dict[str, Any]], gazette: Mapping[str, Any], tokenizer: Tokenizer
) -> list[IndexEntry]:
    """Index entries of one issue's records. ``gazette`` has ``id``, ``region_code`` and
    ``published``; records carry ``id``, ``seq`` and ``parent_seq`` as the store checked them."""
    by_seq = {record["seq"]: record for record in records}
    out = []
    for record in records:
        parent = by_seq.get(record.get("parent_seq")) if record.get("parent_seq") else None
        issuer, issuer_inherited = _own_or_notice(record, by_seq, "issuer")
        date, date_inherited = _own_or_notice(record, by_seq, "date")
        year = _year(date) or record.get("year") or (parent.get("year") if parent else None)
        title, body, info = str(record.get("title") or ""), body_text(record), info_text(record)
        entry = dict(
            doc_id=record["id"], gazette_id=gazette["id"], region_code=gazette.get("region_code"),
            issuer=issuer, agency_code=record.get("agency_code"),
            doc_type=record.get("doc_type"), year=year if isinstance(year, int) else None,
            date=date, published=gazette.get("published"), section=record.get("section"),
            level="carried" if record.get("parent_seq") else "top",
            sample=sample_key(record["id"]),
            doc_number=record.get("doc_number"),
            parent_id=document_id(gazette["id"], record["parent_seq"]) if record.get("parent_seq") else None,
            issuer_inherited=issuer_inherited, date_inherited=date_inherited,
            title=title, body=body, info=info,
            title_words=tokenizer.word_text(title), body_words=tokenizer.word_text(body),
            info_words=tokenizer.word_text(info),
        )
        out.append(IndexEntry(**entry, filters=" ".join(_filter_tokens(entry))))
    return out


def issue_entries(
    records: list[dict[str, Any]], gazette: Mapping[str, Any], tokenizer: Tokenizer
) -> tuple[set[str], list[IndexEntry]]:
    """One issue tokenized for any backend: its names go into the tokenizer's dictionary
    first, so they are words; returns them (for the store's dictionary) and the entries.
    Pure given the tokenizer (bulk loads run it in worker processes)."""
    terms = dictionary_terms(records, region_names(gazette.get("region_code")))
    tokenizer.add_words(terms)
    return terms, entries(records, gazette, tokenizer)


def _own_or_notice(
    record: Mapping[str, Any], by_seq: Mapping[Any, Mapping[str, Any]], key: str
) -> tuple[Optional[str], bool]:
    """The record's own ``key``, else the nearest carrying notice's (and True: inherited).
    A 方案 printed under a 印发 notice is issued by the notice's issuer on the notice's
    date; SCHEMA.md keeps its own fields null, the index answers as a reader would."""
    if record.get(key):
        return record[key], False
    seen = {record.get("seq")}
    notice = by_seq.get(record.get("parent_seq"))
    while notice is not None and notice.get("seq") not in seen:
        if notice.get(key):
            return notice[key], True
        seen.add(notice.get("seq"))
        notice = by_seq.get(notice.get("parent_seq"))
    return None, False


def _filter_tokens(entry: Mapping[str, Any]) -> list[str]:
    tokens = []
    for key in FACET_KEYS:
        column = {"region": "region_code", "gazette": "gazette_id"}.get(key, key)
        value = entry[column]
        if value is None:
            continue
        if key == "year":
            tokens.append(year_token(value, entry["date"]))
            continue
        tokens.append(filter_token(key, value))
        if key == "issuer":  # joint issuers (A、B): each one is an issuer of the document too
            tokens.extend(filter_token(key, part) for part in issuer_parts(value) if part != value)
    tokens.extend(filter_token("sample", level) for level in range(1, sample_level(entry["sample"]) + 1))
    return tokens


def year_token(year: int, date: Optional[str]) -> str:
    """The token of a document's year (facet ``year``) that also says the month of its
    成文日期: ``fyear2023m07`` — or ``fyear2023n`` when it has no ISO day of that year. One
    token either way: every extra token would lengthen the document in bm25's eyes and move
    its score. The year filter is the prefix ``fyear2023*`` (:func:`year_filter_token`), a
    range of whole months is month tokens and ``fyear2023m*`` per whole year
    (:func:`date_range_tokens`)."""
    if isinstance(date, str) and _ISO_DAY.fullmatch(date) and int(date[:4]) == year:
        return f"fyear{year:04d}m{date[5:7]}"
    return f"fyear{year:04d}n"


def year_filter_token(year: int) -> str:
    """The year filter: a prefix (``*``) of every :func:`year_token` of ``year``."""
    return f"fyear{year:04d}*"


def date_range_tokens(date_from: Optional[str], date_to: Optional[str], first_year: int, last_year: int
                      ) -> Optional[list[str]]:
    """The tokens of the documents dated from ``date_from`` to ``date_to`` (bounds as
    ``search.validate`` gives them: ``2023``, ``2023-07`` or a day from; ``…-31`` or a day
    to), a bound left open reaching ``first_year`` or ``last_year`` (the years the store's
    dates lie within) — or None when a bound falls inside a month: only whole months are
    tokens. For ISO days, ``date >= 2023-07`` is ``month >= 2023-07`` and ``date <= 2023-09-31``
    is ``month <= 2023-09``: the tokens select exactly what the comparisons do. Whole years
    inside the range are one prefix each. (A dated document's year is its date's: the tokens
    are its year token's.)"""
    start = _month_of(date_from, first=True) if date_from else (first_year, 1)
    end = _month_of(date_to, first=False) if date_to else (last_year, 12)
    if start is None or end is None:
        return None
    tokens = []
    year, month = start
    while (year, month) <= end:
        if month == 1 and (year, 12) <= end:
            tokens.append(f"fyear{year:04d}m*")
            year += 1
            continue
        tokens.append(f"fyear{year:04d}m{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tokens


def _month_of(bound: str, *, first: bool) -> Optional[tuple[int, int]]:
    """(year, month) of a bound that starts (``first``) or ends a whole month, else None."""
    year, _, rest = bound.partition("-")
    if not rest:
        return int(year), 1 if first else 12
    month, _, day = rest.partition("-")
    if day and day != ("01" if first else "31"):
        return None
    return int(year), int(month)


def issuer_parts(issuer: str) -> list[str]:
    """The issuers of a joint 发文机关 (``A、B`` → A, B)."""
    return [part for part in issuer.replace("，", "、").split("、") if part]


def dictionary_terms(records: Iterable[Mapping[str, Any]], region_names: Iterable[str]) -> set[str]:
    """User-dictionary words from an issue: issuers, signers, recipients, and the names
    of the gazette's region, its ancestors and the regions directly under it."""
    terms = set(name for name in region_names if name)
    for record in records:
        for key in ("issuer", "signed_by", "recipients"):
            value = record.get(key)
            terms.update(names_in(value) if isinstance(value, str) else ())
    return terms


def region_names(region_code: Optional[str]) -> list[str]:
    """Names worth a dictionary entry for a gazette of ``region_code``: the region, its
    ancestors and its children, full names and stems."""
    from ..gazetteer import by_code, children

    region = by_code(region_code) if region_code else None
    if region is None:
        return []
    family = [region, *children(region.code)]
    parent = region
    while parent.parent_code and (parent := by_code(parent.parent_code)) is not None:
        family.append(parent)
    names = []
    for r in family:
        names.append(r.name)
        if len(r.stem) >= 2:
            names.append(r.stem)
    return names


def _year(date: Optional[str]) -> Optional[int]:
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None

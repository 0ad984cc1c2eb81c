"""The reading queries both SQL backends share (the tables and columns are the same).

Each function takes ``rows``: a backend's way to run one query with ``?`` parameters and
return its rows as mappings (SQLite: ``sqlite3.Row``; PostgreSQL: dicts, through
``pg_sql.qmarks``) — a connection, or one transaction of it, as the caller needs.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence

from ..model import DocNumber
from .rows import without

Rows = Callable[[str, Sequence[Any]], list[Mapping[str, Any]]]

ISSUE_TABLES = ("toc_entries", "repairs", "unplaced", "warnings")  # rows of one issue, by ordinal
COUNTED_TABLES = ("gazettes", "documents", *ISSUE_TABLES, "gazette_history")
GAZETTE_SUMMARY = (
    "id, sha256, source_name, encoding, size_bytes, title, region, region_code, year, issue,"
    " total_issue, published, frequency, sponsor, document_count, parser_version, ingested_at"
)
GAZETTE_ORDER = "region_code, year, issue, id"
DOCUMENT_SUMMARY = "id, seq, parent_seq, section, issuer, doc_number, title, doc_type, date"


def gazette_summaries(rows: Rows) -> list[dict[str, Any]]:
    """``Store.list_gazettes``."""
    return [dict(row) for row in rows(f"SELECT {GAZETTE_SUMMARY} FROM gazettes ORDER BY {GAZETTE_ORDER}", ())]


def gazette(rows: Rows, gazette_id: str) -> Optional[dict[str, Any]]:
    """``Store.get_gazette``: metadata, documents, TOC, repairs, unplaced, warnings, history."""
    found = rows(f"SELECT {GAZETTE_SUMMARY}, meta_json, region_json FROM gazettes WHERE id = ?", (gazette_id,))
    if not found:
        return None
    issue = dict(found[0])
    issue["meta"] = json.loads(issue.pop("meta_json"))
    region = issue.pop("region_json")
    issue["region_guess"] = None if region is None else json.loads(region)
    issue["documents"] = [
        dict(row) for row in rows(f"SELECT {DOCUMENT_SUMMARY} FROM documents WHERE gazette_id = ? ORDER BY seq",
                                  (gazette_id,))
    ]
    for table in ISSUE_TABLES:
        key = "toc" if table == "toc_entries" else table
        issue[key] = [
            without(dict(row), "gazette_id", "ordinal")
            for row in rows(f"SELECT * FROM {table} WHERE gazette_id = ? ORDER BY ordinal", (gazette_id,))
        ]
    issue["history"] = [
        dict(row)
        for row in rows(
            "SELECT sha256, source_name, parser_version, ingested_at, replaced_at, replaced_by_sha256"
            " FROM gazette_history WHERE gazette_id = ? ORDER BY history_id",
            (gazette_id,),
        )
    ]
    return issue


def records(rows: Rows, gazette_id: str) -> list[dict[str, Any]]:
    """The stored export records of one issue, in reading order."""
    return [json.loads(row["record_json"])
            for row in rows("SELECT record_json FROM documents WHERE gazette_id = ? ORDER BY seq", (gazette_id,))]


def record(rows: Rows, document_id: str) -> Optional[dict[str, Any]]:
    """``Store.get_document``."""
    found = rows("SELECT record_json FROM documents WHERE id = ?", (document_id,))
    return json.loads(found[0]["record_json"]) if found else None


def by_doc_number(rows: Rows, normalized: str) -> list[dict[str, Any]]:
    """``Store.find_by_doc_number``: oldest gazette first."""
    found = rows(
        "SELECT d.record_json FROM documents AS d JOIN gazettes AS g ON g.id = d.gazette_id"
        " WHERE d.doc_number = ? ORDER BY g.published, g.id, d.seq",
        (DocNumber.fold(normalized),),
    )
    return [json.loads(row["record_json"]) for row in found]


def doc_number_candidates(rows: Rows, year: Optional[int], serial: int) -> list[tuple[str, str]]:
    """``Store.doc_number_candidates``."""
    if year is None:  # a 令's number has no year
        found = rows("SELECT id, agency_code FROM documents WHERE year IS NULL AND serial = ? ORDER BY id", (serial,))
    else:
        found = rows("SELECT id, agency_code FROM documents WHERE year = ? AND serial = ? ORDER BY id", (year, serial))
    return [(row["id"], row["agency_code"]) for row in found]


def region_misprints(rows: Rows) -> dict[str, str]:
    """``Store.region_misprints``."""
    misprints: dict[str, str] = {}
    for row in rows("SELECT DISTINCT region_json FROM gazettes WHERE region_json IS NOT NULL", ()):
        found = json.loads(row["region_json"]).get("misprints") or {}
        misprints.update({k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)})
    return misprints


def source(rows: Rows, gazette_id: str) -> Optional[tuple[str, str, str, str]]:
    """``(gazette_id, name, text, sha256)`` of one issue, or None when it is gone."""
    found = rows(
        "SELECT g.id, g.source_name, s.text, g.sha256 FROM gazettes AS g"
        " JOIN sources AS s ON s.gazette_id = g.id WHERE g.id = ?",
        (gazette_id,),
    )
    if not found:
        return None
    row = found[0]
    return row["id"], row["source_name"], row["text"], row["sha256"]


def version(rows: Rows, gazette_id: str) -> Optional[dict[str, Any]]:
    """``Store.stored_version``."""
    found = rows(
        "SELECT g.id, g.sha256, g.document_count, s.text FROM gazettes AS g"
        " JOIN sources AS s ON s.gazette_id = g.id WHERE g.id = ?",
        (gazette_id,),
    )
    return dict(found[0]) if found else None


def counts(rows: Rows) -> dict[str, int]:
    """Rows per table and the source bytes, for ``Store.stats``."""
    found = {table: int(rows(f"SELECT count(*) AS n FROM {table}", ())[0]["n"]) for table in COUNTED_TABLES}
    found["source_bytes"] = int(rows("SELECT coalesce(sum(size_bytes), 0) AS n FROM gazettes", ())[0]["n"])
    return found


def effective_repeals(rows: Rows) -> dict[str, tuple[str, Optional[str]]]:
    """``Store.validity_repeals``: repealed document id → (repealing document id, the day
    the repeal takes effect), the earliest of its repeals (one without a day first)."""
    out: dict[str, tuple[str, Optional[str]]] = {}
    for row in rows("SELECT doc_id, repealed_by, repealed_on FROM validity_repeals"
                    " ORDER BY doc_id, repealed_on IS NOT NULL, repealed_on, repealed_by", ()):
        out.setdefault(row["doc_id"], (row["repealed_by"], row["repealed_on"]))
    return out


class SharedReads:
    """The reading methods of :class:`~gongbao.store.base.Store`, for a backend that has
    ``_rows`` (a :data:`Rows`), ``backend``, ``path`` and ``schema_version``."""

    backend: str
    path: str
    schema_version: int

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        raise NotImplementedError

    def list_gazettes(self) -> list[dict[str, Any]]:
        return gazette_summaries(self._rows)

    def get_gazette(self, gazette_id: str) -> Optional[dict[str, Any]]:
        return gazette(self._rows, gazette_id)

    def list_documents(self, gazette_id: Optional[str] = None) -> Iterator[dict[str, Any]]:
        # One issue at a time: memory stays bounded and no cursor stays open
        # while the caller writes (e.g. reparse saving as it iterates).
        ids = [gazette_id] if gazette_id is not None else [g["id"] for g in self.list_gazettes()]
        for gid in ids:
            yield from records(self._rows, gid)

    def get_document(self, document_id: str) -> Optional[dict[str, Any]]:
        return record(self._rows, document_id)

    def find_by_doc_number(self, normalized: str) -> list[dict[str, Any]]:
        return by_doc_number(self._rows, normalized)

    def doc_number_candidates(self, year: Optional[int], serial: int) -> list[tuple[str, str]]:
        return doc_number_candidates(self._rows, year, serial)

    def region_misprints(self) -> dict[str, str]:
        return region_misprints(self._rows)

    def validity_repeals(self) -> dict[str, tuple[str, Optional[str]]]:
        return effective_repeals(self._rows)

    def stored_version(self, gazette_id: str) -> Optional[dict[str, Any]]:
        return version(self._rows, gazette_id)

    def sources(self) -> Iterator[tuple[str, str, str, str]]:
        # Ids first, texts one by one: reparse replaces rows while iterating,
        # and an open cursor over `gazettes` would meet the new rows again.
        for gid in [g["id"] for g in self.list_gazettes()]:
            found = source(self._rows, gid)
            if found:  # gone if replaced under another id meanwhile
                yield found

    def stats(self) -> dict[str, Any]:
        return {"backend": self.backend, "path": self.path, "schema_version": self.schema_version,
                **counts(self._rows)}

"""One parsed issue as table rows: checked and serialized before any write transaction,
the same for every backend (``store.sqlite``, ``store.postgres``)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from ..model import DocNumber, ParseResult, Span, document_id

# Record keys copied into indexed columns; the whole record is kept as JSON too.
RECORD_COLUMNS = (
    "parent_seq", "section", "issuer", "doc_number", "agency_code", "year", "serial",
    "title", "doc_type", "date", "disclosure", "body",
)


@dataclasses.dataclass(slots=True)
class IssueRows:
    """One parsed issue as rows, checked and serialized, ready to insert."""

    gazette: dict[str, Any]
    text: str
    documents: list[dict[str, Any]]
    toc: list[tuple[Any, ...]]
    repairs: list[tuple[Any, ...]]
    unplaced: list[tuple[Any, ...]]
    warnings: list[tuple[Any, ...]]
    digest: str
    records: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # with their ids

    @classmethod
    def build(cls, result: ParseResult, records: list[dict[str, Any]], gid: str) -> "IssueRows":
        documents = document_rows(gid, records)
        seqs = {row["seq"] for row in documents}
        for entry in result.toc:
            if entry.matched_seq is not None and entry.matched_seq not in seqs:
                raise ValueError(
                    f"TOC entry {entry.title!r} matches seq {entry.matched_seq}, not a document of this issue"
                )
        toc = [
            (gid, i, e.section, e.title, e.doc_number.text if e.doc_number else None, e.page,
             e.span.start, e.span.end, e.matched_seq, e.match_score)
            for i, e in enumerate(result.toc)
        ]
        repairs = [
            (gid, i, r.start, r.end, r.before, r.after, r.rule) for i, r in enumerate(result.repairs)
        ]
        unplaced = [
            (gid, i, u.span.start, u.span.end, u.text, u.reason) for i, u in enumerate(result.unplaced)
        ]
        warnings = [
            (gid, i, w.code, w.message, w.span.start if w.span else None,
             w.span.end if w.span else None, w.seq)
            for i, w in enumerate(result.warnings)
        ]
        meta = plain(result.gazette)
        region = None if result.region is None else plain(result.region)
        # Everything the parser produced, so a forced reparse can tell "same output" from "new output".
        digest = hashlib.sha256(
            to_json(
                [meta, region, [row["record_json"] for row in documents], toc, repairs,
                 unplaced, warnings, result.parser_version],
                sort_keys=True,
            ).encode()
        ).hexdigest()
        source, g = result.source, result.gazette
        gazette = {
            "id": gid, "sha256": source.sha256, "source_name": source.name,
            "encoding": source.encoding, "size_bytes": source.size_bytes,
            "title": g.title, "region": g.region, "region_code": g.region_code, "year": g.year,
            "issue": g.issue, "total_issue": g.total_issue, "published": g.published,
            "frequency": g.frequency, "sponsor": g.sponsor,
            "meta_json": to_json(meta), "region_json": None if region is None else to_json(region),
            "document_count": len(documents), "parser_version": result.parser_version,
            "parse_digest": digest,
        }
        with_ids = [{**record, "id": row["id"]} for record, row in zip(records, documents)]
        return cls(gazette, source.text, documents, toc, repairs, unplaced, warnings, digest, with_ids)

    def add_to_digest(self, extra: str) -> None:
        """Fold more parsed output (the layer records' digest) into the parse digest."""
        self.digest = hashlib.sha256((self.digest + extra).encode()).hexdigest()
        self.gazette["parse_digest"] = self.digest




def document_rows(gid: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check the export records of one issue and turn them into `documents` rows."""
    rows: list[dict[str, Any]] = []
    for position, record in enumerate(records):
        seq = record.get("seq") if isinstance(record, dict) else None
        if type(seq) is not int or seq < 1:  # bool is an int, and not a seq
            raise ValueError(f"record #{position}: seq must be a positive integer, got {seq!r}")
        expected = document_id(gid, seq)
        if record.get("id", expected) != expected:
            raise ValueError(
                f"record seq {seq}: id {record['id']!r} differs from the store's id {expected!r}"
            )
        record = {"id": expected, **record}  # a copy: the caller's dict stays as it was
        rows.append(
            {"id": expected, "gazette_id": gid, "seq": seq}
            | {key: record.get(key) for key in RECORD_COLUMNS}
            | {"record_json": to_json(record)}
        )
    seqs = [row["seq"] for row in rows]
    if len(set(seqs)) != len(seqs):
        raise ValueError(f"duplicate seq in records: {sorted(s for s in set(seqs) if seqs.count(s) > 1)}")
    for row in rows:
        if row["parent_seq"] is not None and row["parent_seq"] not in seqs:
            raise ValueError(
                f"record seq {row['seq']}: parent_seq {row['parent_seq']!r} is not a document of this issue"
            )
    return rows




def plain(value: Any) -> Any:
    """Model objects as JSON values, the way export records write them:
    Span as [start, end], DocNumber as its text, dataclasses as dicts."""
    if isinstance(value, Span):
        return value.to_list()
    if isinstance(value, DocNumber):
        return value.text
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def to_json(value: Any, *, sort_keys: bool = False) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, allow_nan=False)


def without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in keys}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

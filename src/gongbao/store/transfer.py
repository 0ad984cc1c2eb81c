"""Copy a whole store into another, of either backend (``gongbao migrate``).

Every table that holds what was ingested or derived by the parser — issues, their
source texts, documents, TOC, repairs, unplaced spans, warnings, history, layer records
and their units — is copied row by row, values unchanged (both backends have these
tables with the same columns). The search index is not copied: it is derived from the
documents and rebuilt by the target in the same way, in the target's own format.

The target must be empty; the copy is one transaction there: all or nothing.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from ..errors import StoreError
from .base import Store

# Tables in an order that satisfies their foreign keys, with the columns copied (layer
# records' generated columns are recomputed by the target).
TABLES: dict[str, tuple[str, ...]] = {
    "gazettes": (
        "id", "sha256", "source_name", "encoding", "size_bytes", "title", "region", "region_code", "year",
        "issue", "total_issue", "published", "frequency", "sponsor", "meta_json", "region_json",
        "document_count", "parser_version", "parse_digest", "ingested_at",
    ),
    "sources": ("gazette_id", "text"),
    "documents": (
        "id", "gazette_id", "seq", "parent_seq", "section", "issuer", "doc_number", "agency_code", "year",
        "serial", "title", "doc_type", "date", "disclosure", "body", "record_json",
    ),
    "toc_entries": (
        "gazette_id", "ordinal", "section", "title", "doc_number", "page", "start_offset", "end_offset",
        "matched_seq", "match_score",
    ),
    "repairs": ("gazette_id", "ordinal", "start_offset", "end_offset", "before", "after", "rule"),
    "unplaced": ("gazette_id", "ordinal", "start_offset", "end_offset", "text", "reason"),
    "warnings": ("gazette_id", "ordinal", "code", "message", "start_offset", "end_offset", "seq"),
    "gazette_history": (
        "history_id", "gazette_id", "sha256", "source_name", "parser_version", "ingested_at", "replaced_at",
        "replaced_by_sha256", "source_text", "snapshot_json",
    ),
    "layer_records": ("id", "gazette_id", "doc_id", "layer", "seq", "span_start", "span_end", "data", "confidence"),
    "layer_units": ("record_id", "unit", "canonical"),
}
# Row order of each table (its primary key), so two copies compare row by row.
ORDER: dict[str, str] = {
    "gazettes": "id", "sources": "gazette_id", "documents": "id", "toc_entries": "gazette_id, ordinal",
    "repairs": "gazette_id, ordinal", "unplaced": "gazette_id, ordinal", "warnings": "gazette_id, ordinal",
    "gazette_history": "history_id", "layer_records": "id", "layer_units": "record_id, unit",
}

Progress = Callable[[str, int], None]  # (table, rows copied so far)


def table_rows(store: Store, table: str) -> Iterator[tuple[Any, ...]]:
    """Rows of one copied table, in primary-key order."""
    if table not in TABLES:
        raise ValueError(f"not a copied table: {table}")
    return store.dump_table(table, TABLES[table], ORDER[table])


def copy_store(source: Store, target: Store, *, progress: Optional[Progress] = None) -> dict[str, int]:
    """Copy every issue of ``source`` into the empty ``target``; returns rows per table.
    Then the target rebuilds its search index and checks itself (``check_integrity``)."""
    if target.stats()["gazettes"]:
        raise StoreError("the target store holds issues already; migrate into an empty store", target.path)
    counts: dict[str, int] = {}

    def tables() -> Iterator[tuple[str, tuple[str, ...], Iterator[tuple[Any, ...]]]]:
        for table, columns in TABLES.items():
            counts[table] = 0

            def rows(table: str = table) -> Iterator[tuple[Any, ...]]:
                for row in table_rows(source, table):
                    counts[table] += 1
                    if progress and counts[table] % 1000 == 0:
                        progress(table, counts[table])
                    yield row

            yield table, columns, rows()

    target.load_tables(tables())
    target.rebuild_search_index()
    problems = target.check_integrity()
    if problems:
        raise StoreError("the copy failed its integrity check: " + "; ".join(problems), target.path)
    return counts

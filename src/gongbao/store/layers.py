"""Layer records of any backend: serialized with their issue (:class:`LayerRows`), and
``Store.list_layer`` with its filters as SQL both SQLite and PostgreSQL run (each
backend gives :func:`list_layer` a function that runs a query with ``?`` parameters).

Generic over :class:`~gongbao.model.LayerRecord`: whatever an extractor emits is stored as
its export record (``gongbao.export.layer_records``) in ``layer_records.data``; the keys
queries filter on are generated columns (person or leader, deadline, enterprise, action,
date), and the units a record names under its layer's ``unit_keys`` are rows of
``layer_units`` (printed and canonical), so ``unit=`` finds a unit under any of its names.
A new layer (its :class:`~gongbao.extract.LayerSpec`) needs no migration.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Sequence

# Runs one query with ``?`` parameters and returns its rows (a backend's connection).
Run = Callable[[str, Sequence[Any]], list[Sequence[Any]]]

from ..export import layer_records
from ..extract import layer_spec
from ..extract.orgs import agency_names, normalize_unit
from ..extract.registry import FILTERS
from ..model import Span, document_id


@dataclass(frozen=True, slots=True)
class LayerRows:
    """One issue's layer records, serialized before the write transaction."""

    rows: list[tuple[Any, ...]]  # (gazette_id, doc_id, layer, seq, start, end, data, confidence)
    units: list[list[tuple[str, str]]]  # per row: (printed, canonical)
    digest: str  # of every row: a reparse whose layers changed is not "unchanged"

    @classmethod
    def build(cls, result: Any, gid: str) -> "LayerRows":
        region = result.region if result.region is not None else result.gazette.region_code
        documents = {d.seq for d in result.documents}
        rows, units, seqs = [], [], {}
        for record in layer_records(result):
            if record["doc_seq"] not in documents:
                raise ValueError(f"{record['layer']} record of seq {record['doc_seq']}, not a document of this issue")
            layer = record.pop("layer")
            confidence = record.pop("confidence")
            record["doc_id"] = document_id(gid, record["doc_seq"])  # the store's id, whatever export chose
            seq = seqs[layer] = seqs.get(layer, 0) + 1
            start, end = record["span"]
            data = json.dumps(record, ensure_ascii=False, allow_nan=False, default=_plain)
            rows.append((gid, record["doc_id"], layer, seq, start, end, data, float(confidence)))
            units.append(_units(record, layer, region))
        digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()
        return cls(rows, units, digest)


def _plain(value: Any) -> Any:
    """Model objects an extractor may leave in its fields, as JSON values (Span → [start, end])."""
    if isinstance(value, Span):
        return value.to_list()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"layer record value {value!r} is not JSON")


def _units(record: dict[str, Any], layer: str, region: Any) -> list[tuple[str, str]]:
    """The units the record names under its layer's ``unit_keys``: (printed, canonical)."""
    found: list[tuple[str, str]] = []
    date = record.get("date")
    for key in layer_spec(layer).unit_keys:
        value = record.get(key)
        for name in ([value] if isinstance(value, str) else value if isinstance(value, list) else []):
            if isinstance(name, str) and name:
                found.append((name, normalize_unit(name, region, date if isinstance(date, str) else None)))
    return found


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Filters that compare one column with the value as given.
_COLUMN_FILTERS = {
    "doc_id": "r.doc_id = ?", "gazette_id": "r.gazette_id = ?", "person": "r.person = ?", "action": "r.action = ?",
    "date_from": "r.date >= ?", "date_to": "r.date <= ?", "due_from": "r.deadline >= ?", "due_to": "r.deadline <= ?",
    "region": "g.region_code = ?",
}
# Orders of a listing: issue order, or soonest deadline first (undated last), then issue order.
ISSUE_ORDER = "g.region_code, g.year, g.issue, r.gazette_id, r.seq"
ORDERS = {"issue": ISSUE_ORDER, "deadline": f"r.deadline IS NULL, r.deadline, {ISSUE_ORDER}"}
_FROM = "FROM layer_records AS r JOIN gazettes AS g ON g.id = r.gazette_id"


def _where(layer: str, filters: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any]]:
    """The WHERE clause of a layer's filters, its parameters and the filters given."""
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise ValueError(f"unknown layer filter(s) {', '.join(unknown)}; known: {', '.join(FILTERS)}")
    where, params = ["r.layer = ?"], [layer]

    def add(condition: str, *values: Any) -> None:
        where.append(condition)
        params.extend(values)

    f = {k: v for k, v in filters.items() if v is not None}
    for key, condition in _COLUMN_FILTERS.items():
        if key in f:
            add(condition, f[key])
    spellings = layer_spec(layer).spellings
    if "enterprise" in f:
        names = [f["enterprise"], *([spellings["enterprise"](f["enterprise"])] if "enterprise" in spellings else [])]
        add("(" + " OR ".join("r.enterprise LIKE ? ESCAPE '\\'" for _ in names) + ")", *map(_like, names))
    if "unit" in f:
        patterns = [f["unit"], normalize_unit(f["unit"]), *agency_names(f["unit"])]
        tests = " OR ".join("u.unit LIKE ? ESCAPE '\\' OR u.canonical LIKE ? ESCAPE '\\'" for _ in patterns)
        add(f"EXISTS (SELECT 1 FROM layer_units AS u WHERE u.record_id = r.id AND ({tests}))",
            *[_like(p) for p in patterns for _ in (0, 1)])
    closings = layer_spec(layer).closings
    if "overdue_as_of" in f and closings:
        marks = ", ".join("?" for _ in closings.actions)
        add(f"r.deadline < ? AND coalesce(r.action, '') NOT IN ({marks})", f["overdue_as_of"], *closings.actions)
    elif "overdue_as_of" in f:
        add("r.deadline < ?", f["overdue_as_of"])
    return " AND ".join(where), params, f


def _closings_apply(layer: str, f: dict[str, Any]) -> bool:
    """Whether the listing drops records closed since (``_still_open``), which SQL cannot tell:
    a 摘牌 names its enterprise loosely (hazards' ``same_enterprise``)."""
    return layer_spec(layer).closings is not None and "overdue_as_of" in f


def list_layer(run: Run, layer: str, *, order: str = "issue", limit: Optional[int] = None, offset: int = 0,
               **filters: Any) -> Iterator[dict[str, Any]]:
    """Records of one layer, filtered, in ``order``, ``limit`` of them from ``offset`` (see
    ``Store.list_layer``). The page is cut by the query (LIMIT / OFFSET), except for overdue
    hazards, whose closings are matched by name here."""
    if order not in ORDERS:
        raise ValueError(f"unknown layer order {order!r}; known: {', '.join(ORDERS)}")
    where, params, f = _where(layer, filters)
    in_python = _closings_apply(layer, f)
    if limit is not None and not in_python:
        # The page's ids first: sorting ids, not records with their JSON, is what a page costs.
        where = f"r.id IN (SELECT r.id {_FROM} WHERE {where} ORDER BY {ORDERS[order]} LIMIT ? OFFSET ?)"
        params += [limit, offset]
    sql = f"SELECT r.data, r.confidence, r.layer {_FROM} WHERE {where} ORDER BY {ORDERS[order]}"
    records = [{**json.loads(data), "layer": name, "confidence": confidence} for data, confidence, name in run(sql, params)]
    if in_python and records:
        records = _still_open(run, layer, records, f["overdue_as_of"])
        records = records[offset:] if limit is None else records[offset: offset + limit]
    yield from records


def layer_keys(run: Run, layer: str, each_key: str) -> list[str]:
    """The keys the stored records of ``layer`` hold, sorted (``Store.layer_keys``).
    ``each_key``: the backend's table function of a record's keys (a ``key`` column)."""
    rows = run(f"SELECT DISTINCT k.key FROM layer_records AS r, {each_key} AS k WHERE r.layer = ? ORDER BY k.key",
               [layer])
    return [key for (key,) in rows]


def count_layer(run: Run, layer: str, **filters: Any) -> int:
    """How many records ``list_layer`` lists with these filters (``Store.count_layer``)."""
    where, params, f = _where(layer, filters)
    if _closings_apply(layer, f):
        return sum(1 for _ in list_layer(run, layer, **filters))
    return int(run(f"SELECT count(*) {_FROM} WHERE {where}", params)[0][0])


def _still_open(run: Run, layer: str, records: list[dict[str, Any]], as_of: str) -> list[dict[str, Any]]:
    """Drop the records a closing (a 摘牌 / 销案) dated on or before ``as_of`` has closed since."""
    spec = layer_spec(layer).closings
    assert spec is not None  # _closings_apply
    marks = ", ".join("?" for _ in spec.actions)
    closings = [
        json.loads(data)
        for (data,) in run(
            f"SELECT data FROM layer_records WHERE layer = ? AND action IN ({marks}) AND date <= ?",
            (layer, *spec.actions, as_of),
        )
    ]
    if not closings:
        return records
    return [r for r in records if not spec.closed_by(r, closings)]

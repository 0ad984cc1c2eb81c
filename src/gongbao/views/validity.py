"""A document's validity and its status on a day, with repeals read across issues."""
from __future__ import annotations

from datetime import date
from typing import Any, Optional

from ..extract.validity import has_validity, status_on
from ..store import Store
from .common import catalogue, _doc_ref, parse_day, source_url, _today


def validity_records(store: Store, docs: Optional[dict[str, dict[str, Any]]] = None) -> dict[str, dict[str, Any]]:
    """doc id → its validity record, with its repeal as the store recorded it, in its own
    issue or across issues (``Store.validity_repeals``: the earliest): ``repealed_by`` and
    ``repealed_on`` (the repealing document's effective date, else its date), and a record
    of its own if it had none — what search's ``in_force_on`` reads too."""
    records = {r["doc_id"]: dict(r) for r in store.list_layer("validity")}
    repealed = store.validity_repeals()
    if not repealed:
        return records
    docs = catalogue(store) if docs is None else docs
    for doc_id, (repealed_by, repealed_on) in repealed.items():
        target, record, doc = records.get(doc_id), records.get(repealed_by), docs.get(doc_id)
        if target is None and record is not None and doc is not None:
            target = records[doc_id] = {
                "doc_id": doc_id, "doc_number": doc.get("doc_number"), "doc_seq": doc["seq"],
                "span": record.get("span"), "effective_from": None, "expires_on": None, "trial": False,
                "repeals": [], "evidence": record.get("evidence"), "layer": "validity",
                "confidence": 0.7, "evidence_doc_id": repealed_by,
            }
        if target is not None:
            target["repealed_by"], target["repealed_on"] = repealed_by, repealed_on
    return records


def validity_view(store: Store, doc_id: str, on: Optional[str] = None,
                  docs: Optional[dict[str, dict[str, Any]]] = None) -> Optional[dict[str, Any]]:
    """A document's validity record and its status (``status_on``: 现行有效 / 尚未生效 /
    已失效 / 已废止 / 未知) on ``on`` (default today); ``applies`` is False for a document
    whose type has no validity (``has_validity``: 任免, 批复) and which states none.
    None when no such document is stored."""
    day = parse_day(on, "on") or _today()
    docs = catalogue(store) if docs is None else docs
    if doc_id not in docs:
        return None
    record = validity_records(store, docs).get(doc_id)
    evidence_doc = (record or {}).get("evidence_doc_id") or (record or {}).get("doc_id")
    return {
        "document": _doc_ref(docs, doc_id),
        "on": day,
        "status": status_on(record, day) if record else "未知",
        "applies": record is not None or has_validity(docs[doc_id].get("doc_type"), docs[doc_id].get("title"),
                                                      docs[doc_id].get("section")),
        "record": record,
        "repealed_by": _doc_ref(docs, (record or {}).get("repealed_by")),
        "source_url": source_url(evidence_doc, record.get("span")) if record else None,
    }


def documents_in_force_on(store: Store, on: Any) -> set[str]:
    """Ids of the stored documents in force on ``on`` (a date or ISO string): those whose
    validity record — with repeals read across issues — has status 现行有效 that day.

    Documents that state nothing about their validity are not in the set: "in force" is
    only claimed where the text says when it took effect."""
    day = on.isoformat() if isinstance(on, date) else parse_day(str(on), "in_force_on")
    return {doc_id for doc_id, record in validity_records(store).items() if status_on(record, day) == "现行有效"}

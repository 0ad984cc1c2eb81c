"""Repeals of documents, across issues, recorded when the issues are stored — and "in force
on a day" in SQL, the one definition search filters with.

A validity record names the document of its own issue that repeals it
(``gongbao.extract.validity``). A repeal printed in another issue (``…同时废止《…》（文号）``)
is found here when the second of the two issues is stored, whichever that is: the new
issue's repeals are matched against every stored document, and every stored repeal against
the new issue's documents (``gongbao.extract.matching.repeals``). Both kinds are rows of
``validity_repeals`` (migration 0005): the repealed document, the repealing one, and the day
the repeal takes effect — the repealing record's ``effective_from``, else its document's
date; none: unknown, so from the start. A row goes with either document (foreign keys), so
an issue replaced or reparsed is matched again when it is stored; rebuilding the search index
matches everything again.

A document is repealed on a day when one of its rows takes effect on or before it: its
validity record then reads the earliest of them (``Store.validity_repeals``), which
``gongbao.extract.validity.status_on`` reads as 已废止, and :data:`IN_FORCE_SQL` excludes.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, Sequence

from ..extract.matching import gazette_of, repeals
from .reads import Rows

# Runs one statement with ``?`` parameters once per row of parameters.
Write = Callable[[str, list[Sequence[Any]]], None]

# Documents in force on a day (three parameters, that day), over ``search_docs AS d``: a
# validity record in effect (effective_from on or before the day, expires_on not before it)
# and no repeal in effect — what ``status_on`` calls 现行有效.
IN_FORCE_SQL = (
    "d.doc_id IN (SELECT v.doc_id FROM layer_records AS v WHERE v.layer = 'validity'"
    " AND v.effective_from <= ? AND (v.expires_on IS NULL OR v.expires_on >= ?))"
    " AND d.doc_id NOT IN (SELECT r.doc_id FROM validity_repeals AS r"
    " WHERE r.repealed_on IS NULL OR r.repealed_on <= ?)"
)
_SUMMARY = "d.id, d.seq, d.parent_seq, d.title, d.doc_number, d.date"


def record_repeals(rows: Rows, write: Write, gazette_id: Optional[str] = None) -> None:
    """Record the repeals issue ``gazette_id`` takes part in (None: every stored issue),
    inside the transaction that stored it, after its documents and layer records."""
    one_issue = " AND r.gazette_id = ?" if gazette_id else ""
    found: list[Sequence[Any]] = []
    for row in rows("SELECT r.doc_id, r.data FROM layer_records AS r WHERE r.layer = 'validity'"
                    f"{one_issue} AND r.data NOT LIKE '%\"repealed_by\": null%'", (gazette_id,) if gazette_id else ()):
        record = json.loads(row["data"])
        if record.get("repealed_by"):  # inside its issue, as the extractor found it
            found.append((row["doc_id"], record["repealed_by"], record.get("repealed_on")))
    everything: Optional[list[dict[str, Any]]] = None
    of_issue: Optional[list[dict[str, Any]]] = None
    for row in rows(f"SELECT r.data, {_SUMMARY} FROM layer_records AS r JOIN documents AS d ON d.id = r.doc_id"
                    " WHERE r.layer = 'validity' AND r.data LIKE '%\"repeals\": [{%' ORDER BY r.id", ()):
        record, repealer = json.loads(row["data"]), dict(row)
        repealer.pop("data")
        if gazette_id is None or gazette_of(repealer["id"]) == gazette_id:
            everything = targets = everything if everything is not None else _documents(rows, "", ())
        else:
            of_issue = targets = of_issue if of_issue is not None else _documents(
                rows, " WHERE d.gazette_id = ?", (gazette_id,))
        for ref in record.get("repeals") or []:
            found += [(doc["id"], repealer["id"], record.get("effective_from") or repealer.get("date"))
                      for doc in targets if repeals(ref, doc, repealer)]
    if found:
        write("INSERT INTO validity_repeals (doc_id, repealed_by, repealed_on) VALUES (?, ?, ?)"
              " ON CONFLICT (doc_id, repealed_by) DO NOTHING", found)


def _documents(rows: Rows, where: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows(f"SELECT {_SUMMARY} FROM documents AS d{where} ORDER BY d.id", params)]

"""Repeals of documents, across issues, recorded when the issues are stored — and "in force
on a day" in SQL, the one definition search filters with.

A validity record names the document of its own issue that repeals it
(``gongbao.extract.validity``). A repeal printed in another issue (``…同时废止《…》（文号）``)
is found here when the second of the two issues is stored, whichever that is: the new
issue's repeals are matched against the stored documents, and every stored repeal against
the new issue's documents (``gongbao.extract.matching.repeals``). Both kinds are rows of
``validity_repeals`` (migration 0005): the repealed document, the repealing one, and the day
the repeal takes effect — the repealing record's ``effective_from``, else its document's
date; none: unknown, so from the start. A row goes with either document (foreign keys), so
an issue replaced or reparsed is matched again when it is stored; rebuilding the search index
matches everything again.

A new repeal is not tested against every stored document (seconds per issue at a million):
only against the candidates an index gives (migration 0006, kept here with the documents) —
those of the same folded 文号 (``repeal_numbers``), and, for the title, those holding every
bigram of one of the pieces ``matching.title_pieces`` cuts the title into
(``repeal_title_grams``), which every title alike to it does. ``repeals`` decides on them.

A document is repealed on a day when one of its rows takes effect on or before it: its
validity record then reads the earliest of them (``Store.validity_repeals``), which
``gongbao.extract.validity.status_on`` reads as 已废止, and :data:`IN_FORCE_SQL` excludes.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, Sequence

from ..extract.matching import gazette_of, number_key, repeals, title_keys, title_pieces
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
# How many rows of a key `title_pieces` counts at most when it picks the rarest keys.
_RARITY_CAP = 1000
_INDEXED_AT_ONCE = 2000  # documents per batch when the whole store is indexed again


def record_repeals(rows: Rows, write: Write, gazette_id: Optional[str] = None) -> None:
    """Record the repeals issue ``gazette_id`` takes part in (None: every stored issue),
    inside the transaction that stored it, after its documents and layer records."""
    _index_documents(rows, write, gazette_id)
    one_issue = " AND r.gazette_id = ?" if gazette_id else ""
    found: list[Sequence[Any]] = []
    for row in rows("SELECT r.doc_id, r.data FROM layer_records AS r WHERE r.layer = 'validity'"
                    f"{one_issue} AND r.data NOT LIKE '%\"repealed_by\": null%'", (gazette_id,) if gazette_id else ()):
        record = json.loads(row["data"])
        if record.get("repealed_by"):  # inside its issue, as the extractor found it
            found.append((row["doc_id"], record["repealed_by"], record.get("repealed_on")))
    of_issue: Optional[list[dict[str, Any]]] = None
    for row in rows(f"SELECT r.data, {_SUMMARY} FROM layer_records AS r JOIN documents AS d ON d.id = r.doc_id"
                    " WHERE r.layer = 'validity' AND r.data LIKE '%\"repeals\": [{%' ORDER BY r.id", ()):
        record, repealer = json.loads(row["data"]), dict(row)
        repealer.pop("data")
        new = gazette_id is None or gazette_of(repealer["id"]) == gazette_id
        if not new:
            of_issue = of_issue if of_issue is not None else [
                dict(doc) for doc in rows(f"SELECT {_SUMMARY} FROM documents AS d WHERE d.gazette_id = ?", (gazette_id,))]
        for ref in record.get("repeals") or []:
            targets = _candidates(rows, ref) if new else of_issue
            found += [(doc["id"], repealer["id"], record.get("effective_from") or repealer.get("date"))
                      for doc in targets if repeals(ref, doc, repealer)]
    if found:
        write("INSERT INTO validity_repeals (doc_id, repealed_by, repealed_on) VALUES (?, ?, ?)"
              " ON CONFLICT (doc_id, repealed_by) DO NOTHING", found)


def _index_documents(rows: Rows, write: Write, gazette_id: Optional[str]) -> None:
    """Key the documents of issue ``gazette_id`` (None: all, afresh) by folded 文号 and title bigrams."""
    if gazette_id is not None:
        _index(write, rows("SELECT id, title, doc_number FROM documents WHERE gazette_id = ?", (gazette_id,)))
        return
    write("DELETE FROM repeal_numbers", [()])
    write("DELETE FROM repeal_title_grams", [()])
    last = ""
    while batch := rows("SELECT id, title, doc_number FROM documents WHERE id > ? ORDER BY id LIMIT ?",
                        (last, _INDEXED_AT_ONCE)):
        _index(write, batch)
        last = batch[-1]["id"]


def _index(write: Write, documents: list[Any]) -> None:
    numbers = [(doc["id"], key) for doc in documents if (key := number_key(doc["doc_number"]))]
    if numbers:
        write("INSERT INTO repeal_numbers (doc_id, number_key) VALUES (?, ?) ON CONFLICT (doc_id) DO NOTHING", numbers)
    grams = [(gram, doc["id"]) for doc in documents for gram in sorted(title_keys(doc["title"] or ""))]
    if grams:
        write("INSERT INTO repeal_title_grams (gram, doc_id) VALUES (?, ?) ON CONFLICT (gram, doc_id) DO NOTHING",
              grams)


def _candidates(rows: Rows, ref: dict[str, Any]) -> list[dict[str, Any]]:
    """Every stored document ``repeals(ref, …)`` can be true of (and some more), by id.

    ``repeals`` compares 文号 when both have one, else titles: the documents of the same
    folded 文号, and those the title's pieces find — of them, when ``ref`` has a 文号, only
    the documents without one."""
    found: dict[str, dict[str, Any]] = {}
    key = number_key(ref.get("number"))
    if key:
        for row in rows(f"SELECT {_SUMMARY} FROM repeal_numbers AS n JOIN documents AS d ON d.id = n.doc_id"
                        " WHERE n.number_key = ?", (key,)):
            found[row["id"]] = dict(row)
    if ref.get("title"):
        unnumbered = " AND NOT EXISTS (SELECT 1 FROM repeal_numbers AS n WHERE n.doc_id = g.doc_id)" if key else ""
        rarity: dict[str, int] = {}

        def rows_holding(gram: str) -> int:
            if gram not in rarity:  # counted up to _RARITY_CAP: past it, any key is as common
                rarity[gram] = rows("SELECT count(*) AS n FROM (SELECT 1 FROM repeal_title_grams WHERE gram = ?"
                                    " LIMIT ?) AS g", (gram, _RARITY_CAP))[0]["n"]
            return rarity[gram]

        for lead, others in title_pieces(ref["title"], rows_holding):
            holds = "".join(" AND EXISTS (SELECT 1 FROM repeal_title_grams AS h WHERE h.gram = ?"
                            " AND h.doc_id = g.doc_id)" for _ in others)
            for row in rows(f"SELECT {_SUMMARY} FROM repeal_title_grams AS g JOIN documents AS d ON d.id = g.doc_id"
                            f" WHERE g.gram = ?{holds}{unnumbered}", (lead, *others)):
                found[row["id"]] = dict(row)
    return [found[doc_id] for doc_id in sorted(found)]

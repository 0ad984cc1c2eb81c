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

Neither side is tested against the whole store (seconds per issue at a million documents):
an index (migration 0006, written here with the issue, deleted with its rows) gives the
candidates, and ``repeals`` decides on them. ``repeals`` compares 文号 when both sides have
one, else titles, alike from ``REPEAL_SIMILARITY`` up; every title alike to a cited one holds
all the bigrams of one of the pieces ``matching.title_pieces`` cuts it into. So a new repeal
looks up the documents of its folded 文号 (``repeal_numbers``) and those holding a piece's
bigrams (``repeal_title_grams``); a new document, the stored repeals citing its folded 文号
or leading a piece with one of its title's bigrams (``repeal_citations``).

A document is repealed on a day when one of its rows takes effect on or before it: its
validity record then reads the earliest of them (``Store.validity_repeals``), which
``gongbao.extract.validity.status_on`` reads as 已废止, and :data:`IN_FORCE_SQL` excludes.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, Sequence

from ..extract.matching import first_place, gazette_of, lengths_alike, number_key, repeals, title_keys, title_pieces
from ..text import fold
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
_CITING = "r.layer = 'validity' AND r.data LIKE '%\"repeals\": [{%'"  # records with repeals
_RARITY_CAP = 1000  # rows of a key counted at most when pieces are chosen: past it, all as common
_INDEXED_AT_ONCE = 2000  # documents per batch when the whole store is indexed again
_KEYS_AT_ONCE = 400  # keys per lookup of citing records (SQLite's limit of parameters)


def record_repeals(rows: Rows, write: Write, gazette_id: Optional[str] = None) -> None:
    """Record the repeals issue ``gazette_id`` takes part in (None: every stored issue),
    inside the transaction that stored it, after its documents and layer records."""
    of_issue = _index(rows, write, gazette_id)
    one_issue = " AND r.gazette_id = ?" if gazette_id else ""
    issue = (gazette_id,) if gazette_id else ()
    found: list[Sequence[Any]] = []
    for row in rows("SELECT r.doc_id, r.data FROM layer_records AS r WHERE r.layer = 'validity'"
                    f"{one_issue} AND r.data NOT LIKE '%\"repealed_by\": null%'", issue):
        record = json.loads(row["data"])
        if record.get("repealed_by"):  # inside its issue, as the extractor found it
            found.append((row["doc_id"], record["repealed_by"], record.get("repealed_on")))
    citing = rows(f"SELECT r.id AS record_id, r.data, {_SUMMARY} FROM layer_records AS r"
                  f" JOIN documents AS d ON d.id = r.doc_id WHERE {_CITING}{one_issue}", issue)
    if gazette_id is not None:
        citing += _citing(rows, gazette_id, of_issue)
    for row in sorted(citing, key=lambda row: row["record_id"]):
        record, repealer = json.loads(row["data"]), dict(row)
        del repealer["data"], repealer["record_id"]
        new = gazette_id is None or gazette_of(repealer["id"]) == gazette_id
        for ref in record.get("repeals") or []:
            targets = _cited(rows, ref) if new else of_issue
            found += [(doc["id"], repealer["id"], record.get("effective_from") or repealer.get("date"))
                      for doc in targets if repeals(ref, doc, repealer)]
    if found:
        write("INSERT INTO validity_repeals (doc_id, repealed_by, repealed_on) VALUES (?, ?, ?)"
              " ON CONFLICT (doc_id, repealed_by) DO NOTHING", found)


def _index(rows: Rows, write: Write, gazette_id: Optional[str]) -> list[dict[str, Any]]:
    """Key the documents and the repeals of issue ``gazette_id`` (None: of the whole store,
    afresh); return the issue's documents (none for the whole store)."""
    if gazette_id is not None:
        documents = [dict(row) for row in rows(f"SELECT {_SUMMARY} FROM documents AS d WHERE d.gazette_id = ?",
                                               (gazette_id,))]
        _index_documents(write, documents)
        _index_citations(rows, write, " AND r.gazette_id = ?", (gazette_id,))
        return documents
    for table in ("repeal_numbers", "repeal_title_grams", "repeal_citations"):
        write(f"DELETE FROM {table}", [()])
    last = ""
    while batch := rows(f"SELECT {_SUMMARY} FROM documents AS d WHERE d.id > ? ORDER BY d.id LIMIT ?",
                        (last, _INDEXED_AT_ONCE)):
        _index_documents(write, batch)
        last = batch[-1]["id"]
    _index_citations(rows, write, "", ())
    return []


def _index_documents(write: Write, documents: list[Any]) -> None:
    numbers = [(doc["id"], key) for doc in documents if (key := number_key(doc["doc_number"]))]
    if numbers:
        write("INSERT INTO repeal_numbers (doc_id, number_key) VALUES (?, ?) ON CONFLICT (doc_id) DO NOTHING", numbers)
    grams = [(gram, first_place(doc["title"] or "") or "", length, doc["id"])
             for doc in documents for gram, length in sorted(title_keys(doc["title"] or ""))]
    if grams:
        write("INSERT INTO repeal_title_grams (gram, place, length, doc_id) VALUES (?, ?, ?, ?)"
              " ON CONFLICT (gram, place, length, doc_id) DO NOTHING", grams)


def _index_citations(rows: Rows, write: Write, where: str, params: Sequence[Any]) -> None:
    """Key the records with repeals (of one issue: ``where``) by what they cite: 文号 and pieces' lead bigrams."""
    keys: set[tuple[str, str, str, int, int]] = set()
    for row in rows(f"SELECT r.id, r.data FROM layer_records AS r WHERE {_CITING}{where}", params):
        for ref in json.loads(row["data"]).get("repeals") or []:
            if key := number_key(ref.get("number")):
                keys.add(("number", key, "", 0, row["id"]))
            if ref.get("title"):
                place, length = first_place(ref["title"]), len(fold(ref["title"]))
                keys |= {("title", lead, place or "", length, row["id"])
                         for lead, _ in title_pieces(ref["title"], _rarity(rows, place, length))}
    if keys:
        write("INSERT INTO repeal_citations (kind, cited, place, length, record_id) VALUES (?, ?, ?, ?, ?)"
              " ON CONFLICT (kind, cited, place, length, record_id) DO NOTHING", sorted(keys))


def _citing(rows: Rows, gazette_id: str, documents: list[dict[str, Any]]) -> list[Any]:
    """The stored records of other issues whose repeals may cite one of ``documents``: by the
    folded 文号 of one, or by a bigram of one's titles leading a piece of a cited title of a
    length alike (naming first no region, or the one the document's title names first)."""
    # (kind, cited) → the (place or '', length or 0) of the documents holding it: '' and 0 test nothing
    wanted: dict[tuple[str, str], set[tuple[str, int]]] = {}
    for doc in documents:
        if key := number_key(doc["doc_number"]):
            wanted.setdefault(("number", key), set()).add(("", 0))
        place = first_place(doc["title"] or "") or ""
        for gram, length in title_keys(doc["title"] or ""):
            wanted.setdefault(("title", gram), set()).add((place, length))
    # The keys are looked up with IN, one index probe each, and place and length tested here:
    # a statement of 400 ORed conditions cost SQLite ~20 ms per issue to plan.
    record_ids: set[int] = set()
    for kind in ("number", "title"):
        keys = sorted(cited for of_kind, cited in wanted if of_kind == kind)
        for start in range(0, len(keys), _KEYS_AT_ONCE):
            chunk = keys[start: start + _KEYS_AT_ONCE]
            for row in rows("SELECT c.cited, c.place, c.length, c.record_id FROM repeal_citations AS c"
                            f" WHERE c.kind = ? AND c.cited IN ({', '.join('?' * len(chunk))})", (kind, *chunk)):
                if any(_cites(row, place, length) for place, length in wanted[(kind, row["cited"])]):
                    record_ids.add(row["record_id"])
    found: list[Any] = []
    ids = sorted(record_ids)
    for start in range(0, len(ids), _KEYS_AT_ONCE):
        chunk = ids[start: start + _KEYS_AT_ONCE]
        found += rows(f"SELECT r.id AS record_id, r.data, {_SUMMARY} FROM layer_records AS r"
                      " JOIN documents AS d ON d.id = r.doc_id WHERE r.gazette_id != ?"
                      f" AND r.id IN ({', '.join('?' * len(chunk))})", (gazette_id, *chunk))
    return found


def _cites(row: Any, place: str, length: int) -> bool:
    """Whether a ``repeal_citations`` row can cite a document whose title names ``place`` first
    and has ``length`` characters ('' and 0: untested)."""
    if place and row["place"] not in (place, ""):
        return False
    if length:
        low, high = lengths_alike(length)
        return low <= row["length"] <= high
    return True


def _rarity(rows: Rows, place: Optional[str], length: int) -> Callable[[str], int]:
    """How many stored titles a title of ``length`` naming ``place`` first may be alike to hold
    a key, counted up to ``_RARITY_CAP`` (remembered)."""
    counted: dict[str, int] = {}
    where, params = _alike_to(place, length)

    def rows_holding(gram: str) -> int:
        if gram not in counted:
            counted[gram] = rows(f"SELECT count(*) AS n FROM (SELECT 1 FROM repeal_title_grams AS g"
                                 f" WHERE g.gram = ?{where} LIMIT ?) AS g", (gram, *params, _RARITY_CAP))[0]["n"]
        return counted[gram]

    return rows_holding


def _alike_to(place: Optional[str], length: int) -> tuple[str, list[Any]]:
    """The rows of ``repeal_title_grams AS g`` a title of ``length`` naming ``place`` first
    may be alike to: no other region named first, a length alike."""
    return (" AND g.place IN (?, '')" if place else "") + " AND g.length BETWEEN ? AND ?", \
        [*([place] if place else []), *lengths_alike(length)]


def _cited(rows: Rows, ref: dict[str, Any]) -> list[dict[str, Any]]:
    """Every stored document ``repeals(ref, …)`` can be true of (and some more), by id: those
    of its folded 文号, and those holding every bigram of a piece of its title — of these, when
    ``ref`` has a 文号, only those without one (the others ``repeals`` tells by 文号), and only
    those of a length alike whose title names first no region or the one the cited title does."""
    found: dict[str, dict[str, Any]] = {}
    key = number_key(ref.get("number"))
    if key:
        for row in rows(f"SELECT {_SUMMARY} FROM repeal_numbers AS n JOIN documents AS d ON d.id = n.doc_id"
                        " WHERE n.number_key = ?", (key,)):
            found[row["id"]] = dict(row)
    if ref.get("title"):
        place, length = first_place(ref["title"]), len(fold(ref["title"]))
        alike_to, params = _alike_to(place, length)
        unnumbered = " AND NOT EXISTS (SELECT 1 FROM repeal_numbers AS n WHERE n.doc_id = g.doc_id)" if key else ""
        for lead, others in title_pieces(ref["title"], _rarity(rows, place, length)):
            holds = "".join(" AND EXISTS (SELECT 1 FROM repeal_title_grams AS h WHERE h.doc_id = g.doc_id"
                            " AND h.gram = ?)" for _ in others)
            for row in rows(f"SELECT {_SUMMARY} FROM repeal_title_grams AS g JOIN documents AS d ON d.id = g.doc_id"
                            f" WHERE g.gram = ?{alike_to}{holds}{unnumbered}", (lead, *params, *others)):
                found[row["id"]] = dict(row)
    return [found[doc_id] for doc_id in sorted(found)]

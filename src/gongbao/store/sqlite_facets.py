"""Facet counts on SQLite without a lookup per document: each document's combination of facet
values (``search_docs.combo``) and each combination's values (``search_combos``), held in
memory and kept up to date with the store.

Counting facets joined every matching row of the full-text index to ``search_docs`` (a B-tree
lookup of a wide row, ~2 µs) and the combinations to ``search_combos``: 7–9 ms for the ~1,000
documents of a facet sample at 100k documents (``bench/search.py --profile``). Here the sids
the index gives are mapped to combinations through an array, and the combinations' values
are summed in Python: the facet phase costs what reading the sids costs.

Staying current: sids and combinations are only ever added, except when an issue is removed
(replaced, reparsed) or the index rebuilt, which counts a removal in ``search_meta``
(:func:`count_removal`). A search reads, in its own read transaction, the number of removals
and the highest sid and combination: new rows are loaded on top of the map; after a removal
the map is loaded again (a sid or combination id may then be reused). A search whose snapshot
is older than the shared map's (another thread saw a removal first) gets a map of its own.
"""
from __future__ import annotations

import heapq
import os
import sqlite3
import threading
import weakref
from array import array
from collections import Counter
from typing import Any, Iterable, Optional

from ..search.backend import FACET_COLUMNS, FACET_TOP
from ..search.index import FACET_KEYS

_REMOVALS = "removals"  # search_meta key: issues removed from the index so far
_VALUES = ", ".join(FACET_COLUMNS[key] for key in FACET_KEYS)


def count_removal(db: sqlite3.Connection) -> None:
    """Record that rows left the index (inside the removing transaction): maps load anew."""
    db.execute(
        "INSERT INTO search_meta (key, value) VALUES (?, '1')"
        " ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
        (_REMOVALS,),
    )


class FacetMap:
    """Combination of every sid, and values of every combination, as of ``removals``.

    Values are numbered per facet key (0: none), so that counting the values of a list of
    combinations is one ``Counter`` over ``map`` per key — C loops, not Python ones."""

    def __init__(self, removals: str) -> None:
        self.removals = removals
        self.combo_of = array("i")  # by sid; 0: no document (yet)
        self.value_ids = [array("i") for _ in FACET_KEYS]  # per key, by combination: the value's number
        self.values: list[list[Any]] = [[None] for _ in FACET_KEYS]  # per key, by number: the value
        self._numbers: list[dict[Any, int]] = [{} for _ in FACET_KEYS]
        self.max_sid = 0
        self.max_combo = 0
        self.documents = 0  # sids loaded (each has a combination)
        self.lock = threading.Lock()

    def catch_up(self, db: sqlite3.Connection, max_sid: int, max_combo: int) -> None:
        """Load the sids and combinations added since the map was last brought up to date."""
        with self.lock:
            if max_combo > self.max_combo:
                for ids in self.value_ids:
                    ids.extend([0] * (max_combo + 1 - len(ids)))
                for combo, *values in db.execute(
                    f"SELECT combo, {_VALUES} FROM search_combos WHERE combo > ?", (self.max_combo,)
                ):
                    for position, value in enumerate(values):
                        self.value_ids[position][combo] = self._number(position, value)
                self.max_combo = max_combo
            if max_sid > self.max_sid:
                self.combo_of.extend([0] * (max_sid + 1 - len(self.combo_of)))
                for sid, combo in db.execute("SELECT sid, combo FROM search_docs WHERE sid > ?", (self.max_sid,)):
                    self.combo_of[sid] = combo
                    self.documents += 1
                self.max_sid = max_sid

    def documents_up_to(self, max_sid: int) -> int:
        """How many documents have a sid of at most ``max_sid`` (a snapshot's highest: the
        shared map may hold newer ones) — every document of that snapshot, counted without
        summing the store's combinations (34 ms at a million documents)."""
        with self.lock:
            if max_sid >= self.max_sid:
                return self.documents
            return max_sid - self.combo_of[1:max_sid + 1].count(0)

    def _number(self, position: int, value: Any) -> int:
        if value is None:
            return 0
        numbers = self._numbers[position]
        number = numbers.get(value)
        if number is None:
            number = numbers[value] = len(self.values[position])
            self.values[position].append(value)
        return number

    def combos(self, sids: Iterable[int]) -> list[int]:
        """The combination of each of ``sids``."""
        return list(map(self.combo_of.__getitem__, sids))

    def top(
        self, combos: Iterable[int] | dict[int, int], keys: list[str], scaled_to: Optional[int] = None
    ) -> dict[str, list[tuple[str, int]]]:
        """The FACET_TOP most frequent values of each key (most first, then by value) among
        documents given by their ``combos`` (or a count per combination), with their counts;
        ``scaled_to``: those of a sample, scaled to this many documents."""
        if isinstance(combos, dict):
            weighted = [(combo, n) for combo, n in combos.items() if 0 < combo < len(self.value_ids[0])]
            seen = sum(n for _, n in weighted)
        else:
            listed = [combo for combo in combos if 0 < combo < len(self.value_ids[0])]
            seen = len(listed)
        scale = scaled_to / seen if scaled_to is not None and seen else 1.0
        out: dict[str, list[tuple[str, int]]] = {}
        for key in keys:
            position = FACET_KEYS.index(key)
            ids = self.value_ids[position]
            if isinstance(combos, dict):
                counts: Counter[int] = Counter()
                for combo, n in weighted:
                    counts[ids[combo]] += n
            else:
                counts = Counter(map(ids.__getitem__, listed))
            counts.pop(0, None)
            out[key] = [(str(value), int(round(n * scale))) for value, n in _most(counts, self.values[position])]
        return out


def _most(counts: Counter[int], values: list[Any]) -> list[tuple[Any, int]]:
    """The FACET_TOP values counted most, most first, then by value — without sorting them
    all (a sample of 1,000 documents has ~800 gazettes, nearly all counted once)."""
    by_count: dict[int, list[int]] = {}
    for number, n in counts.items():
        by_count.setdefault(n, []).append(number)
    out: list[tuple[Any, int]] = []
    for n in sorted(by_count, reverse=True):
        out += [(value, n) for value in heapq.nsmallest(FACET_TOP - len(out), (values[i] for i in by_count[n]))]
        if len(out) >= FACET_TOP:
            break
    return out


# By database file: every store on it in this process (the web server opens one per thread).
_SHARED: "weakref.WeakValueDictionary[str, FacetMap]" = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


class FacetMaps:
    """The facet map of one SQLite store (shared with the other stores of its file)."""

    def __init__(self, path: str = ":memory:") -> None:
        self._key = None if path == ":memory:" else os.path.realpath(path)
        self._held: Optional[FacetMap] = None  # keeps the shared map alive while this store is

    def current(self, db: sqlite3.Connection) -> FacetMap:
        """The map as of ``db``'s read snapshot (call inside its transaction)."""
        removals, max_sid, max_combo = db.execute(
            "SELECT coalesce((SELECT value FROM search_meta WHERE key = ?), '0'),"
            " coalesce((SELECT max(sid) FROM search_docs), 0), coalesce((SELECT max(combo) FROM search_combos), 0)",
            (_REMOVALS,),
        ).fetchone()
        removals = str(removals)
        facet_map = self._map(removals)
        facet_map.catch_up(db, max_sid, max_combo)
        return facet_map

    def _map(self, removals: str) -> FacetMap:
        if self._key is None:
            if self._held is None or self._held.removals != removals:
                self._held = FacetMap(removals)
            return self._held
        with _SHARED_LOCK:
            facet_map = _SHARED.get(self._key)
            if facet_map is None or int(facet_map.removals) < int(removals):
                facet_map = _SHARED[self._key] = FacetMap(removals)
            if facet_map.removals != removals:  # an older snapshot than the shared map's
                return FacetMap(removals)
            self._held = facet_map
            return facet_map

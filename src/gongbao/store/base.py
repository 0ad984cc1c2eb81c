"""The storage interface every backend implements, and the ids it hands out.

Callers (CLI, API, ``gongbao reparse``) take a :class:`Store` and never touch
SQL, so tests can use an in-memory SQLite store and PostgreSQL can come later.
"""
from __future__ import annotations

import abc
import os
import re
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Literal, Optional

from ..errors import StoreError
from ..model import ParseResult

if TYPE_CHECKING:
    from ..search import SearchQuery, SearchResult

SaveStatus = Literal["added", "unchanged", "replaced"]
BUSY_TIMEOUT_MS = 10_000  # default; GONGBAO_BUSY_TIMEOUT_MS overrides (see busy_timeout_ms)


def busy_timeout_ms() -> int:
    """How long a write waits for another connection's lock before it fails (SQLite: "database
    is locked"; PostgreSQL: ``lock_timeout``): ``GONGBAO_BUSY_TIMEOUT_MS`` (milliseconds),
    else :data:`BUSY_TIMEOUT_MS`."""
    value = os.environ.get("GONGBAO_BUSY_TIMEOUT_MS", "").strip()
    if not value:
        return BUSY_TIMEOUT_MS
    try:
        ms = int(value)
    except ValueError:
        ms = -1
    if ms < 0:
        raise StoreError(f"GONGBAO_BUSY_TIMEOUT_MS must be a number of milliseconds ≥ 0, got {value!r}")
    return ms


def redact(url: str) -> str:
    """A store URL fit to print: its password (``user:secret@`` or ``password=secret``) masked."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", re.sub(r"password=[^&\s]+", "password=***", url))


def check_judged_against(judged_against: str | None | EllipsisType, replaced: Iterable[Any], gid: str,
                         name: str, path: str) -> None:
    """Inside a save's transaction: refuse it when the version stored under ``gid`` (among the
    ``replaced`` rows, each with ``id`` and ``sha256``) is not the one the save was judged against."""
    if judged_against is ...:
        return
    stored = next((row["sha256"] for row in replaced if row["id"] == gid), None)
    if stored != judged_against:
        raise StoreError(f"cannot save {name} as {gid}: another version was stored while it was checked; "
                         "ingest it again", path)


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    """What :meth:`Store.save_parse` did with one issue."""

    status: SaveStatus  # added | unchanged (same sha256 already stored) | replaced
    gazette_id: str
    sha256: str
    documents: int  # documents stored for the issue now
    replaced_sha256: tuple[str, ...] = ()  # parses moved to history, if any


class Store(abc.ABC):
    """Gazette issues, their documents and everything the parser found out."""

    # True when one object may serve several threads at once (a pool behind it).
    thread_safe: bool = False
    # True for a store that lives only as long as this object (a second one opened on the same
    # address would be another, empty store).
    in_memory: bool = False
    # The file holding the store on this machine; None for a store in memory or on a server.
    database_file: Optional[Path] = None

    @classmethod
    @abc.abstractmethod
    def from_url(cls, url: str, *, create: bool = True) -> "Store":
        """Open the store at ``url``, an address whose scheme names this backend
        (:func:`gongbao.store.open_store` chooses the backend and calls this). ``create=False``:
        refuse (StoreError) a store that does not exist yet, rather than make an empty one."""

    @classmethod
    @abc.abstractmethod
    def check_backup(cls, backup: Path) -> None:
        """Raise StoreError unless ``backup`` is a file this backend's :meth:`backup` wrote
        (a quick look, before any store is opened; :meth:`restore_from` checks the content)."""

    @abc.abstractmethod
    def restore_from(self, backup: Path) -> None:
        """Replace the whole content of this store by the backup file ``backup``, all or
        nothing (``gongbao.store.restore`` decides whether it may, and checks the result)."""

    @abc.abstractmethod
    def save_parse(
        self, result: ParseResult, records: list[dict[str, Any]], *, force: bool = False,
        judged_against: str | None | EllipsisType = ...,
    ) -> SaveOutcome:
        """Store one parsed issue whole, or not at all.

        ``records`` are the export dicts of its documents (``gongbao.export.
        document_records(result)``). An issue whose sha256 is stored already is
        left alone ("unchanged") unless ``force`` is set (``gongbao reparse``);
        a new sha256 for a known gazette id replaces the stored parse, which
        moves to history ("replaced").

        ``judged_against`` is the sha256 of the version stored under the issue's id when the
        caller decided the save may replace it (None: there was none; see
        :func:`gongbao.ingest.validate`): if another writer stored a different one meanwhile,
        nothing is saved and :class:`~gongbao.errors.StoreError` says so. ``...``: replace
        whatever is stored.
        """

    @abc.abstractmethod
    def list_gazettes(self) -> list[dict[str, Any]]:
        """Summaries of all stored issues, ordered by region, year and issue."""

    @abc.abstractmethod
    def get_gazette(self, gazette_id: str) -> Optional[dict[str, Any]]:
        """Metadata, TOC, document summaries and warnings of one issue, or None."""

    @abc.abstractmethod
    def list_documents(self, gazette_id: Optional[str] = None) -> Iterator[dict[str, Any]]:
        """Stored records in reading order, of one issue or of all."""

    @abc.abstractmethod
    def get_document(self, document_id: str) -> Optional[dict[str, Any]]:
        """The stored record of one document, or None."""

    @abc.abstractmethod
    def find_by_doc_number(self, normalized: str) -> list[dict[str, Any]]:
        """Records whose 发文字号 is ``normalized`` (e.g. ``盂政发〔2023〕48号``)."""

    @abc.abstractmethod
    def search(self, query: "SearchQuery") -> "SearchResult":
        """Full-text search with filters and facets; ``query`` is validated already.

        Call ``gongbao.search.search(store, query)``, which validates first. A backend
        runs ``gongbao.search.engine.run`` on one read snapshot with its implementation of
        ``gongbao.search.backend.SearchBackend``: only the SQL is its own. The index is
        written by :meth:`save_parse` in the same transaction as the documents it indexes."""

    @abc.abstractmethod
    def rebuild_search_index(self) -> int:
        """Rebuild the search index from the stored documents; returns how many were indexed."""

    @abc.abstractmethod
    def optimize_search_index(self) -> None:
        """Compact the search index after a bulk load (searches read fewer index pieces)."""

    @abc.abstractmethod
    def list_layer(self, layer: str, *, order: str = "issue", limit: Optional[int] = None, offset: int = 0,
                   **filters: Any) -> Iterator[dict[str, Any]]:
        """Layer records (``gongbao.extract``: personnel, duties, tasks, hazards, citations, groups,
        validity) in issue order, as exported: ``doc_id``, ``doc_number``, ``doc_seq``,
        ``span``, the layer's keys, ``layer`` and ``confidence``.

        ``order``: ``issue``, or ``deadline`` (soonest first, undated last, then issue order).
        ``limit`` records from ``offset`` (None: all): the store reads only that page.

        Filters (None = no filter; an unknown name is a ValueError): ``doc_id``,
        ``gazette_id``, ``region`` (GB/T 2260 code of the issue); ``unit`` (any unit the record names — organisation, supervising
        unit, duties units, task lead / responsible / cooperating units — printed or
        canonical, part of the name is enough); ``person`` (a person or a duties leader,
        exact); ``date_from`` / ``date_to`` (document date, ISO, inclusive); ``due_from``
        / ``due_to`` (deadline); ``overdue_as_of`` (deadline before that day and no 摘牌 /
        销案 of the same enterprise on or before it); ``enterprise`` (part of the name,
        region prefix and company form ignored); ``action``. Records are written by
        :meth:`save_parse` in the same transaction as their issue and replaced with it."""

    @abc.abstractmethod
    def layer_keys(self, layer: str) -> list[str]:
        """Every key the stored records of ``layer`` hold, sorted (the columns of a CSV
        export, known before its first row is read)."""

    @abc.abstractmethod
    def count_layer(self, layer: str, **filters: Any) -> int:
        """How many records :meth:`list_layer` lists with these filters (a count, not a read)."""

    @abc.abstractmethod
    def doc_number_candidates(self, year: Optional[int], serial: int) -> list[tuple[str, str]]:
        """``(document id, agency code)`` of every document numbered ``year`` / ``serial``
        (文号 lookup: an OCR misprint differs in the agency code only); year None: the 令."""

    @abc.abstractmethod
    def region_misprints(self) -> dict[str, str]:
        """OCR misprints the gazetteer corrected in stored gazettes (``{"孟": "盂"}``)."""

    @abc.abstractmethod
    def validity_repeals(self) -> dict[str, tuple[str, Optional[str]]]:
        """Repealed document id → ``(repealing document id, day the repeal takes effect or
        None)``: the earliest of the document's repeals, in its own issue or another,
        recorded when the issues were stored (``gongbao.store.repeals``)."""

    @abc.abstractmethod
    def stored_version(self, gazette_id: str) -> Optional[dict[str, Any]]:
        """``id``, ``sha256``, ``document_count`` and source ``text`` of the issue stored as
        ``gazette_id``, or None: what a new file of the issue is weighed against before it
        replaces it (:func:`gongbao.completeness.problems_against`)."""

    @abc.abstractmethod
    def sources(self) -> Iterator[tuple[str, str, str, str]]:
        """``(gazette_id, name, text, sha256)`` of every stored issue, for reparsing."""

    @abc.abstractmethod
    def check_integrity(self) -> list[str]:
        """Check that nothing stored is lost, half-written or out of step (``gongbao fsck``).

        Returns human-readable problems, one per kind of inconsistency (with examples);
        an empty list means the store is consistent. Checked:

        - the database's own checks (SQLite: ``PRAGMA integrity_check`` and
          ``foreign_key_check``);
        - every gazette has its source text and exactly ``document_count`` documents, and
          every document, source, TOC match and layer record belongs to an existing
          gazette / document (layer records: of the same gazette);
        - the search index agrees with the documents: exactly one ``search_docs`` row per
          document, one ``search_text`` row and one full-text row per ``search_docs`` row
          (and the full-text engine's own check, where it has one), and every
          ``search_combos`` count equals the documents of that combination.

        Changes nothing, and is safe while other processes write (one read snapshot). Raises
        :class:`~gongbao.errors.StoreError` only when the store cannot be read at all."""

    @abc.abstractmethod
    def backup(self, destination: str) -> None:
        """Write a consistent copy of the whole store to ``destination``, a new file
        (an existing one is refused: StoreError), while other processes go on writing.

        The copy is the store as of one commit: no half-saved issue. A partial copy never
        appears under ``destination`` (written aside, then renamed). Read it back with
        :func:`gongbao.store.restore`. SQLite: a SQLite file (online backup API)."""

    @abc.abstractmethod
    def dump_table(self, table: str, columns: tuple[str, ...], order: str) -> Iterator[tuple[Any, ...]]:
        """Raw rows of one table (``gongbao.store.transfer``: migrate between backends)."""

    @abc.abstractmethod
    def load_tables(self, tables: Iterable[tuple[str, tuple[str, ...], Iterable[tuple[Any, ...]]]]) -> None:
        """Insert raw rows, table after table, in one transaction (into an empty store),
        and mark the search index for rebuilding."""

    @abc.abstractmethod
    def stats(self) -> dict[str, Any]:
        """Row counts and schema version, for ``gongbao stats``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection; calling it twice is harmless."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

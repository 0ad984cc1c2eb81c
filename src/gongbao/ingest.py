"""Ingest files into a store: find inputs, decode, parse, validate, save — one issue at a time.

A file that cannot be read, is not a gazette, or is truncated raises :class:`InputError`
and leaves the store untouched; the other files are still ingested. So does an issue that
looks cut short or is less than the version stored (:mod:`gongbao.completeness`), unless
forced (``force=True``, ``gongbao ingest --force``): then it is stored, even over that version.
So does a file that makes a reader or the parser fail unexpectedly (an InputError naming it,
the batch goes on); a failure while saving is the store's, and is raised.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from .completeness import IncompleteIssue, refuse_incomplete
from .errors import GongbaoError, InputError
from .export import document_records
from .model import ParseResult, SourceText
from .pipeline import parse
from .report import Summary, summarize
from .store.base import gazette_id
# Gazettes as published (PDF, scans, DOCX, HTML, ZIPs of them) read by content, not by name.
from .formats import (INPUT_SUFFIXES, ArchiveMember, expand_inputs, originals_root, read_bytes, read_source_any,
                      store_original)

# Largest file ingested as ONE issue. ``decode.MAX_BYTES`` (200 MiB) bounds what can be read at
# all, but parsing costs about 1.2 s and 30 MB of memory per MB of text (2-core laptop), so a
# 100 MB file would take minutes and ~3 GB. Real issues are 0.1–0.5 MB; a file this large is
# a bound volume of many issues and is refused before it is read.
MAX_ISSUE_BYTES = 16 * 1024 * 1024


Input = Union[Path, ArchiveMember]


def iter_inputs(paths: Iterable[Path]) -> Iterator[Input]:
    """Files named, and the gazette files inside folders named (sorted, recursive); a ZIP of
    gazettes (by content) yields an :class:`ArchiveMember` for each member."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in INPUT_SUFFIXES and not child.name.startswith("."):
                    yield from expand_inputs(child)
        else:
            yield from expand_inputs(path)


def validate(result: ParseResult, name: str, store=None, *, force: bool = False) -> Optional[dict]:
    """Refuse what is not a gazette issue (always), and — unless ``force`` — what is only part
    of one or less than the version ``store`` holds under its id (:mod:`gongbao.completeness`).
    Returns that stored version (``Store.stored_version``), if one was weighed."""
    if not result.documents:
        listed = f"; the TOC lists {len(result.toc)} documents (a truncated issue?)" if result.toc else ""
        raise InputError(f"not a gazette issue: no official document (title + 文号/主送) found{listed}", name)
    if force:
        return None
    stored = store.stored_version(gazette_id(result.gazette, result.source.sha256)) if store else None
    refuse_incomplete(result, name, stored)
    return stored


@dataclass
class IngestOutcome:
    path: Input
    status: str  # added | unchanged | replaced | checked | error
    gazette_id: Optional[str] = None
    summary: Optional[Summary] = None
    error: Optional[str] = None
    incomplete: bool = False  # the error is an IncompleteIssue: ``--force`` would store it


def ingest_file(store, path: Input, *, force: bool = False, max_bytes: int = MAX_ISSUE_BYTES,
                progress: Optional[Callable[[int, int], None]] = None) -> IngestOutcome:
    """Decode, parse, validate and save one file. Errors are returned, not raised, so a batch
    goes on. ``force`` stores an incomplete issue, even over a more complete stored version.
    ``progress(done, total)`` after each page of a PDF or image (OCR takes seconds a page)."""
    try:
        result = _read_and_parse(lambda: read_source_any(path, max_bytes=max_bytes, progress=progress), str(path))
        return _save(store, result, str(path), path, force)
    except GongbaoError as error:
        return IngestOutcome(path, "error", error=str(error), incomplete=isinstance(error, IncompleteIssue))


def ingest_bytes(store, data: bytes, name: str, *, force: bool = False,
                 max_bytes: int = MAX_ISSUE_BYTES) -> IngestOutcome:
    """Decode, parse, validate and save the bytes of one file (an upload): the checks of
    :func:`ingest_file`, but errors are raised (InputError: bad input, nothing stored;
    StoreError), not returned. The same bytes again are a no-op (status ``unchanged``)."""
    return _save(store, _read_and_parse(lambda: read_bytes(data, name, max_bytes=max_bytes).source, name), name, data, force)


def _read_and_parse(read: Callable[[], SourceText], name: str) -> ParseResult:
    """Read and parse one file. An unexpected exception on the way is this file's doing (a
    reader or parser bug it hits): an InputError naming it, so nothing is stored."""
    try:
        return parse(read())
    except GongbaoError:
        raise
    except Exception as error:  # RecursionError, MemoryError, a library's own errors …
        detail = " ".join(str(error).split())[:300]  # one line, whatever the exception says
        raise InputError(f"cannot be read: unexpected {type(error).__name__}" + (f": {detail}" if detail else ""),
                         name) from error


def _save(store, result: ParseResult, name: str, original, force: bool) -> IngestOutcome:
    stored = validate(result, name, store, force=force)
    # saved only over the version it was weighed against (another writer may store one meanwhile)
    judged_against = ... if force else (stored["sha256"] if stored else None)
    outcome = store.save_parse(result, document_records(result), judged_against=judged_against)
    root = originals_dir(store)
    if root is not None:
        # the original bytes, content-addressed, so a newer extractor can re-run (reparse)
        store_original(original, root)
    return IngestOutcome(Path(name), outcome.status, outcome.gazette_id, summarize(result))


def originals_dir(store) -> Optional[Path]:
    """``originals/`` beside a file-backed store; None for an in-memory or server store."""
    path = getattr(store, "path", None)
    if not path or path == ":memory:" or "://" in str(path):
        return None
    return originals_root(path)


def reparse_all(store) -> Iterator[IngestOutcome]:
    """Re-run the current parser over every stored source (after a parser upgrade)."""
    from .model import SourceText

    root = originals_dir(store)
    for gid, name, text, sha256 in list(store.sources()):
        data = text.encode("utf-8")
        source = SourceText(name=name, text=text, sha256=sha256, encoding="utf-8", size_bytes=len(data))
        try:
            original = root / sha256[:2] / sha256 if root is not None else None
            if original is not None and original.is_file():
                source = read_bytes(original.read_bytes(), name).source  # re-extract, not only re-parse
            result = parse(source)
            outcome = store.save_parse(result, document_records(result), force=True)
            yield IngestOutcome(Path(name), outcome.status, outcome.gazette_id, summarize(result))
        except GongbaoError as error:
            yield IngestOutcome(Path(name), "error", gid, error=str(error))

"""Ingest files into a store: find inputs, decode, parse, validate, save — one issue at a time.

A file that cannot be read, is not a gazette, or is truncated raises :class:`InputError`
and leaves the store untouched; the other files are still ingested. So does a file that
makes a reader or the parser fail unexpectedly (an InputError naming it, the batch goes on);
a failure while saving is the store's, and is raised.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from .pipeline import grammar as g
from .errors import GongbaoError, InputError
from .export import document_records
from .model import ParseResult, SourceText
from .pipeline import parse
from .report import Summary, summarize
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


def validate(result: ParseResult, name: str) -> None:
    """Refuse what is not a gazette issue, or only part of one."""
    if not result.documents:
        raise InputError("not a gazette issue: no official document (title + 文号/主送) found", name)
    unmatched_tail = 0
    for entry in reversed(result.toc):
        if entry.matched_seq is not None:
            break
        unmatched_tail += 1
    last = next((d for d in reversed(result.documents) if d.parent_seq is None), result.documents[-1])
    tail = result.documents[-1]
    ends_open = tail.paragraphs and not g.ends_sentence(tail.paragraphs[-1].text) and not tail.paragraphs[-1].table
    if unmatched_tail and (last.date is None or ends_open):
        first_missing = result.toc[-unmatched_tail].title
        raise InputError(
            f"truncated issue: the text stops inside «{tail.title}»; the TOC lists {unmatched_tail} more "
            f"document(s) from «{first_missing}» on",
            name,
        )


@dataclass
class IngestOutcome:
    path: Input
    status: str  # added | unchanged | replaced | checked | error
    gazette_id: Optional[str] = None
    summary: Optional[Summary] = None
    error: Optional[str] = None


def ingest_file(store, path: Input, *, allow_partial: bool = False, max_bytes: int = MAX_ISSUE_BYTES) -> IngestOutcome:
    """Decode, parse and save one file. Errors are returned, not raised, so a batch goes on."""
    try:
        result = _read_and_parse(lambda: read_source_any(path, max_bytes=max_bytes), str(path), allow_partial)
        outcome = store.save_parse(result, document_records(result))
        root = originals_dir(store)
        if root is not None:
            # the original bytes, content-addressed, so a newer extractor can re-run (reparse)
            store_original(path, root)
        return IngestOutcome(path, outcome.status, outcome.gazette_id, summarize(result))
    except GongbaoError as error:
        return IngestOutcome(path, "error", error=str(error))


def ingest_bytes(store, data: bytes, name: str, *, allow_partial: bool = False,
                 max_bytes: int = MAX_ISSUE_BYTES) -> IngestOutcome:
    """Decode, parse, validate and save the bytes of one file (an upload): the checks of
    :func:`ingest_file`, but errors are raised (InputError: bad input, nothing stored;
    StoreError), not returned. The same bytes again are a no-op (status ``unchanged``)."""
    result = _read_and_parse(lambda: read_bytes(data, name, max_bytes=max_bytes).source, name, allow_partial)
    outcome = store.save_parse(result, document_records(result))
    root = originals_dir(store)
    if root is not None:
        store_original(data, root)
    return IngestOutcome(Path(name), outcome.status, outcome.gazette_id, summarize(result))


def _read_and_parse(read: Callable[[], SourceText], name: str, allow_partial: bool) -> ParseResult:
    """Read, parse and validate one file. An unexpected exception on the way is this file's
    doing (a reader or parser bug it hits): an InputError naming it, so nothing is stored."""
    try:
        result = parse(read())
        if not allow_partial:
            validate(result, name)
        return result
    except GongbaoError:
        raise
    except Exception as error:  # RecursionError, MemoryError, a library's own errors …
        detail = " ".join(str(error).split())[:300]  # one line, whatever the exception says
        raise InputError(f"cannot be read: unexpected {type(error).__name__}" + (f": {detail}" if detail else ""),
                         name) from error


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

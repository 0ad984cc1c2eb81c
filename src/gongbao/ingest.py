"""Ingest files into a store: find inputs, decode, parse, validate, save — one issue at a time.

A file that cannot be read, is not a gazette, or is truncated raises :class:`InputError`
and leaves the store untouched; the other files are still ingested. So does an issue that
looks cut short or is less than the version stored (:mod:`gongbao.completeness`), unless
forced (``force=True``, ``gongbao ingest --force``): then it is stored, even over that version.
So does a file that makes a reader or the parser fail unexpectedly (an InputError naming it,
the batch goes on); a failure while saving is the store's, and is raised.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Union

from .completeness import IncompleteIssue, refuse_incomplete
from .errors import GongbaoError, InputError
from .export import document_records
from .model import ParseResult, SourceText, gazette_id
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


def validate(result: ParseResult, name: str, store=None, *, force: bool = False) -> Optional[dict]:
    """Refuse what is not a gazette issue (always), and — unless ``force`` — what is only part
    of one or less than the version ``store`` holds under its id (:mod:`gongbao.completeness`).
    Returns that stored version (``Store.stored_version``), if one was weighed."""
    if not result.documents:
        listed = f"; the TOC lists {len(result.toc)} documents (a truncated issue?)" if result.toc else ""
        raise InputError(f"not a gazette issue: no official document (title + 文号/主送) found{listed}", name)
    if force:
        return None
    stored = store.stored_version(gazette_id(result)) if store else None
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
    return _ingest(store, path, lambda: parse_input(path, max_bytes, progress), force)


def default_jobs() -> int:
    """Worker processes for :func:`ingest_files` by default: one per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ingest_files(store, paths: Iterable[Input], *, force: bool = False, jobs: int = 1,
                 max_bytes: int = MAX_ISSUE_BYTES,
                 progress: Optional[Callable[[int, int], None]] = None) -> Iterator[IngestOutcome]:
    """:func:`ingest_file` for each file, outcomes in input order. With ``jobs`` > 1 that many
    worker processes read and parse the next files while this process validates and saves
    each in turn, so the store ends as one process would leave it (the search tokenizer's
    dictionary grows in input order). At most two files per worker are in flight: memory
    does not grow with the number of files. The workers fork from a server process
    (:mod:`gongbao.ingest_worker`) that imports the calling script as ``__mp_main__``: a
    script calling this with ``jobs`` > 1 needs the ``if __name__ == "__main__":`` guard.
    ``progress`` follows the pages of each file parsed in this process (``jobs`` 1)."""
    if jobs <= 1:
        for path in paths:
            yield ingest_file(store, path, force=force, max_bytes=max_bytes, progress=progress)
        return
    inputs = iter(paths)
    ahead: deque[tuple[Input, Future]] = deque()
    context = _worker_context()
    watched, alive = context.Pipe(duplex=False)  # closed by this process's end, however it ends
    with alive, ProcessPoolExecutor(jobs, mp_context=context, initializer=_watch, initargs=(watched,)) as workers:
        def submit() -> None:
            for path in islice(inputs, 2 * jobs - len(ahead)):
                ahead.append((path, workers.submit(parse_input, path, max_bytes)))

        submit()
        try:
            while ahead:
                path, parsed = ahead.popleft()
                submit()
                try:
                    outcome = _ingest(store, path, parsed.result, force)
                except BrokenProcessPool as error:  # killed (out of memory?) or crashed in native code
                    raise GongbaoError(f"ingest stopped: a parsing worker process died while this file was in flight"
                                       f" ({error}); --jobs 1 parses in this process", str(path)) from error
                yield outcome
        finally:  # stopped early (an error, the caller gave up): files not started are not parsed
            workers.shutdown(cancel_futures=True)


def parse_input(path: Input, max_bytes: int = MAX_ISSUE_BYTES,
                progress: Optional[Callable[[int, int], None]] = None) -> tuple[ParseResult, Summary]:
    """Read and parse one input file, and sum the parse up: what a worker process of
    :func:`ingest_files` runs (the summary's account is no small part of the work)."""
    result = _read_and_parse(lambda: read_source_any(path, max_bytes=max_bytes, progress=progress), str(path))
    return result, summarize(result)


def _worker_context() -> BaseContext:
    """Workers forked from a server process that imported the parser, not from this process:
    its other threads (a progress bar, a web server) and open store connections stay out."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["gongbao.ingest_worker"])
    return context


def _watch(storing_process: Connection) -> None:
    """Worker initializer: end this worker once the storing process is gone. Its end of this
    pipe closes however it ends (killed too), while a worker waiting for its next file would
    wait for ever, holding the terminal's pipes open."""
    def wait_for_the_end() -> None:
        try:
            storing_process.recv()
        except EOFError:
            pass
        os._exit(1)

    threading.Thread(target=wait_for_the_end, name="gongbao-ingest-watch", daemon=True).start()


def _ingest(store, path: Input, parsed: Callable[[], tuple[ParseResult, Summary]], force: bool) -> IngestOutcome:
    try:
        return _save(store, *parsed(), str(path), path, force)
    except GongbaoError as error:
        return IngestOutcome(path, "error", error=str(error), incomplete=isinstance(error, IncompleteIssue))


def ingest_bytes(store, data: bytes, name: str, *, force: bool = False,
                 max_bytes: int = MAX_ISSUE_BYTES) -> IngestOutcome:
    """Decode, parse, validate and save the bytes of one file (an upload): the checks of
    :func:`ingest_file`, but errors are raised (InputError: bad input, nothing stored;
    StoreError), not returned. The same bytes again are a no-op (status ``unchanged``)."""
    result = _read_and_parse(lambda: read_bytes(data, name, max_bytes=max_bytes).source, name)
    return _save(store, result, summarize(result), name, data, force)


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


def _save(store, result: ParseResult, summary: Summary, name: str, original, force: bool) -> IngestOutcome:
    stored = validate(result, name, store, force=force)
    # saved only over the version it was weighed against (another writer may store one meanwhile)
    judged_against = ... if force else (stored["sha256"] if stored else None)
    outcome = store.save_parse(result, document_records(result), judged_against=judged_against)
    root = originals_dir(store)
    if root is not None:
        # the original bytes, content-addressed, so a newer extractor can re-run (reparse)
        store_original(original, root)
    return IngestOutcome(Path(name), outcome.status, outcome.gazette_id, summary)


def originals_dir(store) -> Optional[Path]:
    """``originals/`` beside a file-backed store; None for an in-memory or server store."""
    return None if store.database_file is None else originals_root(store.database_file)


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

"""Gazettes as published — PDF (born-digital or scanned), images, DOCX, HTML, ZIPs of these —
read into the same :class:`~gongbao.model.SourceText` a text file gives.

The type comes from the content (:mod:`.detect`), never the file name. ``SourceText.text`` is
the extracted text; ``sha256`` and ``size_bytes`` stay those of the original file's bytes,
the identity of the issue; ``encoding`` names the extractor (``pdf:pymupdf``,
``pdf:ocr:rapidocr``, ``docx``, ``html:utf-8`` …) so a newer extractor can be re-run on the
originals kept by :func:`store_original`.

Extracted text goes through the same checks as a text file (``decode.decode_bytes``): text
that is empty or not Chinese is refused with an :class:`~gongbao.errors.InputError`.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Union

from .. import decode
from ..errors import InputError
from ..model import SourceText
from . import archive as _archive
from .archive import ArchiveMember
from .detect import HEAD_BYTES, IMAGE_MAGIC, Kind, sniff
from .html import MAX_HTML_BYTES
from .layout import PageSpan
from .ocr import OcrLine, Progress

__all__ = [
    "Extracted", "PageSpan", "OcrLine", "ArchiveMember", "INPUT_SUFFIXES", "read_any", "read_bytes", "read_source_any",
    "iter_sources", "iter_extracted", "expand_inputs", "store_original", "originals_root",
]

# Suffixes picked up when a folder is ingested (a file named explicitly is read whatever its name).
INPUT_SUFFIXES = {".txt", ".text", ".pdf", ".docx", ".html", ".htm", ".zip",
                  ".png", ".jpg", ".jpeg", ".tif", ".tiff"}

# Cap on an original file (a scanned issue is far larger than its text).
MAX_FILE_BYTES = decode.MAX_BYTES


@dataclass(slots=True)
class Extracted:
    """A read source plus what the extractor knows beyond the text."""

    source: SourceText
    pages: list[PageSpan] = field(default_factory=list)  # PDF: where each page's text lies in source.text
    warnings: list[str] = field(default_factory=list)  # for a person: OCR doubts, dropped page headers …
    ocr_lines: list[OcrLine] = field(default_factory=list)


def read_any(path: Union[Path, str, ArchiveMember], *, max_bytes: int = decode.MAX_BYTES,
             use_ocr: Optional[bool] = None, progress: Optional[Progress] = None,
             workers: Optional[int] = None) -> Extracted:
    """Read one gazette file of any supported type, or one archive member (an ArchiveMember, or
    a path ``ARCHIVE.zip/MEMBER`` where only the archive exists).

    ``max_bytes`` caps the text handed to the parser (for a text file: the file itself).
    Raises InputError naming the file (and member).
    """
    item = path if isinstance(path, ArchiveMember) else _split_member(Path(path))
    if item is not None:
        data = _archive.read_member(item.archive, item.member, str(item.archive), lambda head: _limit(head, max_bytes))
        return read_bytes(data, f"{item.archive.name}/{item.member}", shown_as=str(item), max_bytes=max_bytes,
                          use_ocr=use_ocr, progress=progress, workers=workers)
    path = Path(path)
    head = _read_head(path)
    kind = sniff(head, lambda: _archive.open_zip(path, str(path)))
    if kind.name == "text":
        return Extracted(decode.read_source(path, max_bytes=max_bytes))  # unchanged behaviour for text
    if kind.name == "archive":
        raise _archive_error(path, str(path))
    data = _read_file(path, MAX_HTML_BYTES if kind.name == "html" else MAX_FILE_BYTES)
    return _extract(data, kind, path.name, str(path), max_bytes, use_ocr, progress, workers)


def read_bytes(data: bytes, name: str, *, shown_as: Optional[str] = None, max_bytes: int = decode.MAX_BYTES,
               use_ocr: Optional[bool] = None, progress: Optional[Progress] = None,
               workers: Optional[int] = None) -> Extracted:
    """Read the bytes of a gazette file called ``name`` (an upload, an archive member)."""
    shown_as = shown_as or name
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"too large: {len(data)} bytes, the limit is {MAX_FILE_BYTES}", shown_as)
    kind = sniff(data[:HEAD_BYTES], lambda: _archive.open_zip(data, shown_as))
    if kind.name == "text":
        source = decode.decode_bytes(data, shown_as, max_bytes=max_bytes)
        source.name = name
        return Extracted(source)
    if kind.name == "archive":
        raise InputError("is a ZIP archive: read its members with gongbao.formats.iter_sources()", shown_as)
    return _extract(data, kind, name, shown_as, max_bytes, use_ocr, progress, workers)


def read_source_any(path: Union[Path, str, ArchiveMember], *, max_bytes: int = decode.MAX_BYTES,
                    progress: Optional[Progress] = None) -> SourceText:
    """What ``ingest`` reads: the SourceText of one file or archive member."""
    return read_any(path, max_bytes=max_bytes, progress=progress).source


def expand_inputs(path: Path) -> Iterator[Union[Path, ArchiveMember]]:
    """``path`` itself, or each member when ``path`` is a ZIP of gazettes (a member whose name
    points outside the archive too: reading it says why it is refused)."""
    if path.is_file() and _is_archive(path):
        try:
            names = _archive.member_names(path, str(path))
        except InputError:
            names = []  # the damaged archive is reported when it is read
        if names:
            for name in names:
                yield ArchiveMember(path, name)
            return
    yield path


def iter_extracted(path: Union[Path, str], **options) -> Iterator[Extracted]:
    """Each gazette in ``path``: the file itself, or every member of a ZIP archive in order.

    A bad member raises InputError naming ``ARCHIVE/MEMBER`` when it is reached.
    """
    for item in expand_inputs(Path(path)):
        yield read_any(item, **options)


def iter_sources(path: Union[Path, str], **options) -> Iterator[SourceText]:
    for extracted in iter_extracted(path, **options):
        yield extracted.source


def originals_root(db_path: Union[Path, str]) -> Path:
    """Where originals are kept by default: ``originals/`` beside the SQLite file."""
    return Path(db_path).resolve().parent / "originals"


def store_original(original: Union[Path, str, bytes, ArchiveMember], root: Union[Path, str]) -> Path:
    """Keep the original bytes content-addressed at ``root/<sha256[:2]>/<sha256>``; return that path.

    Idempotent and atomic (written aside, then renamed), so a re-run or a crash leaves no
    half file. ``original`` is bytes, a file, or an archive member.
    """
    if isinstance(original, (bytes, bytearray)):
        data = bytes(original)
    else:
        item = original if isinstance(original, ArchiveMember) else _split_member(Path(original))
        data = (_archive.read_member(item.archive, item.member, str(item.archive), MAX_FILE_BYTES) if item is not None
                else _read_file(Path(original)))
    digest = hashlib.sha256(data).hexdigest()
    target = Path(root) / digest[:2] / digest
    if target.is_file() and target.stat().st_size == len(data):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{digest}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return target


# -- helpers -----------------------------------------------------------------------------------------


def _extract(data: bytes, kind: Kind, name: str, shown_as: str, max_bytes: int, use_ocr, progress,
             workers) -> Extracted:
    if kind.name == "refuse":
        raise InputError(kind.detail, shown_as)
    warnings: list[str] = []
    pages: list[PageSpan] = []
    ocr_lines: list[OcrLine] = []
    if kind.name in ("pdf", "image"):
        from .pdf import extract_pdf

        result = extract_pdf(data, shown_as, filetype="pdf" if kind.name == "pdf" else kind.detail,
                             use_ocr=use_ocr, progress=progress, workers=workers, max_chars=max_bytes)
        text, encoding = result.text, result.encoding
        pages, warnings, ocr_lines = result.pages, result.warnings, result.ocr_lines
        what = "the PDF" if kind.name == "pdf" else "the image"
    elif kind.name == "docx":
        from .docx import extract_docx

        text, warnings = extract_docx(data, shown_as)
        encoding, what = "docx", "the DOCX document"
    elif kind.name == "html":
        from .html import extract_html

        text, warnings, charset = extract_html(data, shown_as)
        encoding, what = f"html:{charset}", "the HTML page"
    else:  # pragma: no cover - sniff() returns no other kind
        raise InputError(f"unsupported file type {kind.name}", shown_as)
    return Extracted(_source(text, data, name, shown_as, encoding, what, max_bytes), pages, warnings, ocr_lines)


def _source(text: str, data: bytes, name: str, shown_as: str, encoding: str, what: str, max_bytes: int) -> SourceText:
    """Check the extracted text as a text file is checked; keep the original's identity."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"no text found in {what} ({encoding})", shown_as)
    encoded = text.encode("utf-8")
    if len(encoded) > max_bytes:
        mib = 1024 * 1024
        raise InputError(f"too large: {len(encoded) / mib:.1f} MiB of text extracted from {what}, "
                         f"the limit is {max_bytes / mib:.1f} MiB", shown_as)
    try:
        decode.decode_bytes(encoded, shown_as, max_bytes=max(max_bytes, len(encoded)))
    except InputError as error:
        reason = error.reason.replace(" (decoded as utf-8)", "")
        raise InputError(f"text extracted from {what} ({encoding}): {reason}", shown_as) from None
    return SourceText(name=name, text=text, sha256=hashlib.sha256(data).hexdigest(), encoding=encoding,
                      size_bytes=len(data))


def _split_member(path: Path) -> Optional[ArchiveMember]:
    """The member a path ``ARCHIVE.zip/MEMBER`` names when only the archive exists on disk."""
    if path.exists():
        return None
    for parent in path.parents:
        if parent.is_file():
            return ArchiveMember(parent, path.relative_to(parent).as_posix())
        if parent.exists():
            break
    return None


def _limit(head: bytes, max_bytes: int) -> int:
    """How much of an archive member is read: PDFs, images and DOCX up to the file limit, text and
    HTML no more than they may hold (known from the member's first bytes, before it is inflated)."""
    binary = (head.startswith(b"PK") or b"%PDF-" in head[:1024]
              or any(head.startswith(magic) for magic, _ in IMAGE_MAGIC))
    return MAX_FILE_BYTES if binary else min(MAX_FILE_BYTES, max(max_bytes, MAX_HTML_BYTES))


def _is_archive(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        return head.startswith(b"PK") and sniff(head, lambda: _archive.open_zip(path, str(path))).name == "archive"
    except (OSError, InputError):  # reported when the file is read
        return False


def _archive_error(path: Path, shown_as: str) -> InputError:
    try:
        count = len(_archive.member_names(path, shown_as))
    except InputError as error:
        return error
    return InputError(f"is a ZIP archive of {count} file(s): read each member (ARCHIVE/MEMBER) "
                      "or use gongbao.formats.iter_sources()", shown_as)


def _read_head(path: Path) -> bytes:
    return _read_file(path, HEAD_BYTES, whole=False)


def _read_file(path: Path, limit: int = MAX_FILE_BYTES, whole: bool = True) -> bytes:
    """Read a file (or its head), with the refusals ``decode.read_source`` gives."""
    return decode.read_file_bytes(path, limit, whole)

"""What a file is, from its bytes (never from its name).

PDF and images by magic bytes; ZIP by what it holds (DOCX has ``word/document.xml``, other
Office and OpenDocument files are refused, anything else is an archive of gazette files);
HTML by its doctype or ``<html>`` tag, or failing those by a density of real HTML tags (a
gazette text may quote a ``<script>`` or two, never dozens of tags); the rest is text, which
:mod:`gongbao.decode` reads or refuses.
"""
from __future__ import annotations

import codecs
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import Callable

# Bytes read to decide the type of a file on disk.
HEAD_BYTES = 64 * 1024

IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF8", "gif"),
    (b"BM", "bmp"),
)
_HTML_TAG = re.compile(
    rb"<(/?)(p|div|br|span|table|tbody|tr|td|th|a|h[1-6]|li|ul|ol|body|head|meta|font|strong|b|img|html|title|"
    rb"script|style|link|center)\b[^<>]{0,2000}>",
    re.I,
)
HTML_MIN_TAGS = 10


@dataclass(frozen=True, slots=True)
class Kind:
    """``name``: pdf | image | docx | archive | html | text | refuse; ``detail``: image type or reason."""

    name: str
    detail: str = ""


def sniff(head: bytes, open_zip: Callable[[], zipfile.ZipFile]) -> Kind:
    """The kind of a file starting with ``head``; ``open_zip()`` opens the whole file as a ZIP."""
    if head.startswith(b"%PDF-"):
        return Kind("pdf")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # before the loose PDF test: a ZIP may store a PDF
        return _zip_kind(head, open_zip)
    if b"%PDF-" in head[:1024] and b" obj" in head:  # junk (a mail header, a BOM) before the PDF header
        return Kind("pdf")
    for magic, image in IMAGE_MAGIC:
        if head.startswith(magic) and (image != "bmp" or head[6:10] == b"\0\0\0\0"):
            return Kind("image", image)
    if looks_like_html(head):
        return Kind("html")
    return Kind("text")


def looks_like_html(head: bytes) -> bool:
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    start = head.lstrip()[:1024].lower()
    if start.startswith((b"<!doctype html", b"<html")) or (start.startswith(b"<?xml") and b"<html" in start):
        return True
    tags = _HTML_TAG.findall(head)
    return len(tags) >= HTML_MIN_TAGS and len({t[1].lower() for t in tags}) >= 3 and any(t[0] for t in tags)


def _zip_kind(head: bytes, open_zip: Callable[[], zipfile.ZipFile]) -> Kind:
    try:
        with open_zip() as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as handle:  # 100 bytes, not the whole member: it may be a bomb
                    mimetype = handle.read(100)
                if mimetype.startswith(b"application/vnd.oasis.opendocument"):
                    return Kind("refuse", f"an OpenDocument file ({mimetype.decode('ascii', 'replace')}); save it as DOCX or PDF")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, NotImplementedError) as error:
        first = _first_member_name(head)
        if first == "[Content_Types].xml" or first.startswith(("word/", "_rels/", "docProps/")):
            return Kind("refuse", f"looks like a DOCX document but is damaged or truncated: {error}")
        return Kind("refuse", f"looks like a ZIP archive but is damaged or truncated: {error}")
    if "word/document.xml" in names:
        return Kind("docx")
    if "xl/workbook.xml" in names:
        return Kind("refuse", "an Excel workbook (XLSX), not a gazette; save the gazette as PDF, DOCX or text")
    if "ppt/presentation.xml" in names:
        return Kind("refuse", "a PowerPoint file (PPTX), not a gazette; save it as PDF")
    if "[Content_Types].xml" in names or any(n.startswith("word/") for n in names):
        return Kind("refuse", "looks like a DOCX document but has no word/document.xml (damaged)")
    return Kind("archive")


def _first_member_name(head: bytes) -> str:
    """Name in the first local file header (readable even when the central directory is lost)."""
    if len(head) < 30 or not head.startswith(b"PK\x03\x04"):
        return ""
    (length,) = struct.unpack("<H", head[26:28])
    return head[30:30 + length].decode("utf-8", "replace")

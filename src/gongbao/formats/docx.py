"""DOCX gazettes with python-docx: body paragraphs and tables in document order.

Text is read from the XML of each paragraph rather than ``Paragraph.text``, which skips runs
inside tracked insertions, content controls and smart tags. Page headers and footers are
not body text: they are returned as warnings so a person can see what was left out.
Bookmarks, comments and field codes carry no printed text and are ignored.

Known limits: Word's automatic list numbering (一、 generated from numbering.xml) is not
printed into the text; text boxes, footnotes and endnotes are skipped.
"""
from __future__ import annotations

import io
import zipfile
from typing import Iterator, Optional

from ..errors import InputError
from . import archive

ENGINE = "docx"

# A DOCX part (document.xml …) inflates to at most this, and all parts together to at most
# MAX_PACKAGE_BYTES: a 100-page issue's document.xml is a few MB, and lxml holds a few times
# the XML's size in memory.
MAX_PART_BYTES = 32 * 1024 * 1024
MAX_PACKAGE_BYTES = 128 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _SDT = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}sdt"
_TEXT_TAGS = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-", f"{_W}softHyphen": ""}
_SKIP = {f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent", f"{_W}instrText", f"{_W}delText", f"{_W}footnoteReference"}


def extract_docx(data: bytes, shown_as: str) -> tuple[str, list[str]]:
    """(body text, warnings) of a DOCX file. Raises InputError naming ``shown_as``."""
    import docx  # python-docx

    package = _stored_package(data, shown_as)
    try:
        document = docx.Document(io.BytesIO(package))
        body = document.element.body
    except Exception as error:  # BadZipFile, KeyError (missing part), XMLSyntaxError …
        raise InputError(f"looks like a DOCX document but is damaged or truncated: {type(error).__name__}: {error}",
                         shown_as) from None
    lines = list(_blocks(body))
    # Collapse runs of empty paragraphs into one blank line: they are spacing, not content.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    text = "\n".join(out).strip("\n") + "\n"
    return text, _margins(document)


def _stored_package(data: bytes, shown_as: str) -> bytes:
    """The DOCX with every part inflated in bounded chunks, counted, and stored uncompressed.

    python-docx reads a part whole, and zipfile inflates a part's whole compressed data in one
    step (a part that lies about its size included): a bomb must be stopped before it gets there.
    """
    try:
        source = archive.open_zip(data, shown_as)
        infos = source.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(f"looks like a DOCX document but is damaged or truncated: {error}", shown_as) from None
    if len(infos) > archive.MAX_MEMBERS:
        raise InputError(f"a DOCX document of {len(infos)} parts; the limit is {archive.MAX_MEMBERS}", shown_as)
    buffer = io.BytesIO()
    total = 0
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as stored:
        for info in infos:
            if info.is_dir():
                continue
            limit = min(MAX_PART_BYTES, MAX_PACKAGE_BYTES - total)
            part = archive.read_member(source, info.filename, shown_as, limit)
            total += len(part)
            stored.writestr(info.filename, part)
    return buffer.getvalue()


def _blocks(parent) -> Iterator[str]:
    for child in parent.iterchildren():
        if child.tag == _P:
            yield from _paragraph_text(child).split("\n")
        elif child.tag == _TBL:
            yield from _table_rows(child)
        elif child.tag == _SDT:  # a content control around body paragraphs
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _blocks(content)


def _table_rows(table) -> Iterator[str]:
    for tr in table.iter(_TR):
        if _nearest_table(tr) is not table:
            continue  # a row of a table nested in a cell: its text is in that cell
        cells = [_cell_text(tc) for tc in tr.iterchildren(_TC)]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            yield "\t".join(cells)


def _cell_text(tc) -> str:
    """A cell's paragraphs on one line (a space only between Latin words)."""
    out = ""
    for p in tc.iter(_P):
        part = _paragraph_text(p).replace("\n", " ").replace("\t", " ").strip()
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def _nearest_table(element):
    parent = element.getparent()
    while parent is not None and parent.tag != _TBL:
        parent = parent.getparent()
    return parent


def _paragraph_text(p) -> str:
    parts: list[str] = []
    _collect(p, parts)
    return "".join(parts).replace("\xa0", " ")


def _collect(element, parts: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if tag in _SKIP or tag == _P:
            continue
        if tag == f"{_W}br":
            if child.get(f"{_W}type") in (None, "textWrapping"):
                parts.append("\n")
            continue  # page and column breaks are layout
        if tag in _TEXT_TAGS:
            fixed = _TEXT_TAGS[tag]
            parts.append((child.text or "") if fixed is None else fixed)
            continue
        _collect(child, parts)


def _margins(document) -> list[str]:
    """Page headers and footers, each once, as warnings (they are not body text)."""
    seen: list[str] = []
    for section in document.sections:
        for kind in ("header", "first_page_header", "even_page_header", "footer", "first_page_footer", "even_page_footer"):
            part = _part(section, kind)
            if part is None:
                continue
            text = " / ".join(t for t in (_paragraph_text(p._p).strip() for p in part.paragraphs) if t)
            label = kind.replace("_", " ")
            entry = f"page {label.split()[-1]} kept out of the text ({label}): «{text}»"
            if text and entry not in seen:
                seen.append(entry)
    return seen


def _part(section, kind: str) -> Optional[object]:
    try:
        part = getattr(section, kind)
        # Linked: no definition of its own (the previous section's, if any, was read already).
        return None if part.is_linked_to_previous else part
    except Exception:  # a damaged header part must not lose the body
        return None

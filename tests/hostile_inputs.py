"""Hostile input files, built small by the tests themselves (issue #15): deeply nested HTML,
ZIP archives with absolute and ``..`` member names, and decompression bombs."""
from __future__ import annotations

import html
import io
import struct
import zipfile
import zlib
from pathlib import Path

from .conftest import CORPUS

ISSUE_001 = CORPUS / "001_c4221d5962f1b0b2.txt"
ISSUE_004 = CORPUS / "004_b3b576dd858a0076.txt"
MIB = 1024 * 1024


def gazette_lines(path: Path = ISSUE_001) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def nested_spans_html(depth: int, path: Path = ISSUE_001) -> bytes:
    """A whole gazette inside ``depth`` nested ``<span>`` elements."""
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in gazette_lines(path))
    page = f"<!DOCTYPE html><html><body>{'<span>' * depth}{body}{'</span>' * depth}</body></html>"
    return page.encode("utf-8")


def unclosed_font_html(path: Path = ISSUE_001) -> bytes:
    """An ordinary page of another age: every line opens a ``<font>`` that is never closed."""
    lines = "".join(f'<font face="宋体" size="3">{html.escape(line)}<br>\n' for line in gazette_lines(path))
    return f"<!DOCTYPE html><html><body><div>{lines}</div></body></html>".encode("utf-8")


def many_spans_html(count: int, path: Path = ISSUE_001) -> bytes:
    """A gazette followed by ``count`` unclosed nested spans each holding a character."""
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in gazette_lines(path))
    return f"<!DOCTYPE html><html><body>{body}<div>{'<span>。' * count}</div></body></html>".encode("utf-8")


def zip_with_members(path: Path, members: dict[str, bytes]) -> Path:
    """A ZIP whose members carry exactly these names (zipfile keeps ``/abs`` and ``..`` as given)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def write_repeated_member(zf: zipfile.ZipFile, name: str, head: bytes, unit: bytes, total: int,
                          tail: bytes = b"") -> None:
    """A member of about ``total`` bytes: ``head``, ``unit`` repeated, ``tail`` (streamed, never held)."""
    chunk = unit * max(1, MIB // len(unit))
    with zf.open(name, "w", force_zip64=True) as out:  # by name: the archive's compression applies
        out.write(head)
        written = len(head)
        while written < total:
            out.write(chunk)
            written += len(chunk)
        out.write(tail)


def docx_bomb(path: Path, inflated: int = 1024 * MIB) -> Path:
    """A valid DOCX whose ``word/document.xml`` inflates to ``inflated`` bytes of paragraphs."""
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("平定县人民政府公报")
    document.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                zf.writestr(info.filename, source.read(info))
                continue
            xml = source.read(info).decode("utf-8")
            start = xml.index("<w:body>") + len("<w:body>")
            end = xml.index("</w:body>")
            unit = "<w:p><w:r><w:t>平定县人民政府关于印发通知的通知</w:t></w:r></w:p>".encode("utf-8")
            write_repeated_member(zf, info.filename, xml[:start].encode("utf-8"), unit, inflated,
                                  xml[end:].encode("utf-8"))
    return path


def pdf_bomb(path: Path, inflated: int = 100 * MIB) -> Path:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes of text-showing operators."""
    import pymupdf

    with pymupdf.open() as doc:
        page = doc.new_page()
        page.insert_text((72, 72), "公报", fontname="china-s")
        font = next(iter(page.get_fonts()))[4]  # the resource name insert_text gave the font
        unit = f"BT /{font} 9 Tf 72 700 Td <4e00> Tj ET\n".encode("ascii")
        xref = page.get_contents()[0]
        doc.update_stream(xref, unit * (inflated // len(unit)))  # compressed with FlateDecode
        doc.save(path, garbage=0, deflate=True)
    return path


def zip_member_bomb(path: Path, inflated: int = 190 * MIB) -> Path:
    """A ZIP holding one text member of ``inflated`` bytes of hanzi: a few hundred KB packed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        write_repeated_member(zf, "big.txt", "平定县人民政府公报\n".encode("utf-8"), "政府".encode("utf-8") * 512, inflated)
    return path


def zip_directory_bomb(path: Path, entries: int) -> Path:
    """A ZIP of one one-byte member listed ``entries`` times in its central directory (51 bytes
    each): what zipfile would turn into millions of objects when opening it."""
    name, data = b"a.txt", b"x"
    crc = zlib.crc32(data)
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, 1, 1, len(name), 0) + name + data
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, 1, 1, len(name), 0, 0, 0, 0, 0, 0) + name
    with open(path, "wb") as out:
        out.write(local)
        batch = 100_000
        for start in range(0, entries, batch):
            out.write(central * min(batch, entries - start))
        out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, min(entries, 0xFFFF), min(entries, 0xFFFF),
                              len(central) * entries, len(local), 0))
    return path

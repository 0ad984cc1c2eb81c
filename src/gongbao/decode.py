"""Read an input file into a :class:`~gongbao.model.SourceText`, or refuse it.

Gazettes arrive as UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030.
Decoding is strict: a byte that does not decode is a reason to refuse the file,
never to guess. The only change made to the text is newline normalization
(``\\r\\n`` and ``\\r`` become ``\\n``), so offsets into ``SourceText.text`` point
at what was printed.

Known limit: Big5 bytes are almost always valid GB18030 too, so a Big5 file
decodes as GB18030 nonsense. Mainland gazettes are UTF-8 or GB, so we accept that.
"""
from __future__ import annotations

import codecs
import hashlib
import re
from pathlib import Path
from typing import Callable, Optional

from .errors import InputError
from .model import SourceText

MAX_BYTES = 200 * 1024 * 1024

# A gazette has thousands of hanzi; a file with fewer than this many (or where
# they are a small minority of the visible characters) is something else.
MIN_CJK_CHARS = 10
MIN_CJK_SHARE = 0.05

# Share of control characters above which a decodable file is still binary.
MAX_CONTROL_SHARE = 0.01

# Valid multi-byte UTF-8 before the first bad byte: past this many bytes the file
# is damaged UTF-8, not GB18030 (GB text fails as UTF-8 at its first hanzi).
DAMAGED_UTF8_MIN_BYTES = 30

# What charset-normalizer may conclude. Only Chinese encodings: anything else
# would be a mistaken guess for a gazette, and mojibake is worse than a refusal.
FALLBACK_ENCODINGS = frozenset(
    {"gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "cp936"}
)

# (magic bytes, what the file is, what to do instead)
_MAGIC_NUMBERS = (
    (b"%PDF-", "a PDF", "extract its text first, e.g. `pdftotext -layout FILE.pdf`"),
    (b"PK\x03\x04", "a ZIP archive (DOCX/XLSX/ODT are ZIPs)", "save it as plain text first"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document (DOC/XLS)", "save it as plain text first"),
    (b"{\\rtf", "an RTF document", "save it as plain text first"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "run OCR on it first"),
    (b"\xff\xd8\xff", "a JPEG image", "run OCR on it first"),
    (b"GIF8", "a GIF image", "run OCR on it first"),
    (b"II*\x00", "a TIFF image", "run OCR on it first"),
    (b"MM\x00*", "a TIFF image", "run OCR on it first"),
    (b"\x1f\x8b", "a gzip archive", "decompress it first"),
    (b"\x7fELF", "an ELF executable", "point gongbao at the gazette's text file"),
)

# Longest BOM first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_CJK = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f]"
)
# Control characters other than tab, newlines, vertical tab and form feed
# (pdftotext separates pages with form feeds).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s")


def read_source(path: Path, max_bytes: int = MAX_BYTES) -> SourceText:
    """Read and decode one gazette file.

    Raises InputError naming ``path`` if the file is missing, unreadable, too
    large, binary, undecodable, or not Chinese text.
    """
    path = Path(path)
    data = read_file_bytes(path, max_bytes)
    return _decode(data, name=path.name, shown_as=str(path), max_bytes=max_bytes)


def read_file_bytes(path: Path, limit: int, whole: bool = True) -> bytes:
    """The bytes of a file, or an InputError naming it: missing, a directory, unreadable, too
    large. ``whole=False`` reads only the first ``limit`` bytes (a head, for type detection)."""
    try:
        if path.is_dir():
            raise InputError("is a directory, not a file", path)
        size = path.stat().st_size
        if whole and size > limit:
            raise InputError(_too_large(size, limit), path)
        with path.open("rb") as handle:
            data = handle.read(limit + (1 if whole else 0))  # +1: notice a file that grew since stat()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", path) from None
    if whole and len(data) > limit:
        raise InputError("too large: the file grew while it was read", path)
    return data


def decode_bytes(data: bytes, name: str, *, max_bytes: int = MAX_BYTES) -> SourceText:
    """Decode the raw bytes of a gazette file called ``name``.

    Raises InputError (and nothing else) if the bytes are not a Chinese text.
    """
    return _decode(data, name=name, shown_as=name, max_bytes=max_bytes)


def _decode(data: bytes, *, name: str, shown_as: str, max_bytes: int) -> SourceText:
    def refuse(reason: str) -> InputError:
        return InputError(reason, shown_as)

    if not data:
        raise refuse("empty file")
    if len(data) > max_bytes:
        raise refuse(_too_large(len(data), max_bytes))
    for magic, what, advice in _MAGIC_NUMBERS:
        if data.startswith(magic):
            raise refuse(f"looks like {what}, not text; {advice}")

    text, encoding = _decode_text(data, refuse)

    if "\x00" in text:
        raise refuse("binary file: contains NUL bytes (or UTF-16 text without a byte-order mark)")
    if not text.strip():
        raise refuse("contains only whitespace")
    controls = _count(_CONTROL, text)
    if controls > MAX_CONTROL_SHARE * len(text):
        raise refuse(f"binary file: {controls} of {len(text)} characters are control characters")
    cjk = _count(_CJK, text)
    visible = len(text) - _count(_WHITESPACE, text)
    if cjk < MIN_CJK_CHARS or cjk < MIN_CJK_SHARE * visible:
        raise refuse(
            f"not a Chinese gazette: only {cjk} CJK characters "
            f"among {visible} visible characters (decoded as {encoding})"
        )

    return SourceText(
        name=name,
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        size_bytes=len(data),
    )


def _decode_text(data: bytes, refuse: Callable[[str], InputError]) -> tuple[str, str]:
    """Strictly decode ``data``; return (text without BOM, encoding name)."""
    for bom, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding.removesuffix("-sig")), encoding
            except UnicodeDecodeError as error:
                raise refuse(f"starts with a {encoding} byte-order mark but {_explain(error, len(bom))}") from None

    if b"\x00" in data:  # before guessing: NULs are valid UTF-8 and would pass
        raise refuse("binary file: contains NUL bytes (or UTF-16 text without a byte-order mark)")

    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if _count_high_bytes(data[: utf8_error.start]) >= DAMAGED_UTF8_MIN_BYTES:
        raise refuse(f"damaged or truncated UTF-8: {_explain(utf8_error)}")

    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:
        gb_error = error

    guessed = _guess_chinese_encoding(data)
    if guessed is not None:
        return guessed
    raise refuse(
        f"cannot decode: not UTF-8 ({_explain(utf8_error)}) "
        f"and not GB18030/GBK ({_explain(gb_error)})"
    )


def _guess_chinese_encoding(data: bytes) -> Optional[tuple[str, str]]:
    """Last resort: ask charset-normalizer, accept only a Chinese encoding."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # a detector crash must not take the batch down; we refuse the file instead
        return None
    if best is None or best.encoding.lower() not in FALLBACK_ENCODINGS:
        return None
    try:
        return data.decode(best.encoding), best.encoding.lower()
    except (UnicodeDecodeError, LookupError):
        return None


def _explain(error: UnicodeDecodeError, skipped: int = 0) -> str:
    offset = error.start + skipped
    bad = error.object[error.start : error.start + 4].hex(" ")
    if error.end == len(error.object) and error.reason in ("unexpected end of data", "incomplete multibyte sequence"):
        return f"the file ends inside a character at byte {offset} ({bad}): cut short"
    return f"invalid byte sequence at byte {offset} ({bad})"


def _too_large(size: int, limit: int) -> str:
    mib = 1024 * 1024
    return f"too large: {size / mib:.1f} MiB, the limit is {limit / mib:.1f} MiB"


def _count(pattern: re.Pattern[str], text: str) -> int:
    # sub() instead of findall(): no list of millions of one-character strings.
    return len(text) - len(pattern.sub("", text))


def _count_high_bytes(data: bytes) -> int:
    return len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))

"""ZIP archives of gazette files: list and read members without unpacking to disk.

A member is an :class:`ArchiveMember` — the archive's path and the member's name — shown as
``ARCHIVE/MEMBER`` (``issues.zip/2023/03.pdf``) in every message. A member is only ever read
from the archive's bytes: no path is built from its name, and a name that would point
outside the archive (absolute, ``..``, a drive) is refused naming archive and member
(issue #15). Members are inflated in bounded chunks and counted as they come, so a ZIP bomb
(or a header that lies about the size) stops at the limit instead of exhausting memory.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Union

from ..errors import InputError

# More members than this is not a gazette delivery.
MAX_MEMBERS = 5000
# zipfile parses the whole central directory into objects before anything can be counted:
# 5,000 members take well under 1 MiB of it.
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024
_END = b"PK\x05\x06"
_END64_LOCATOR, _END64 = b"PK\x06\x07", b"PK\x06\x06"
_END_SEARCH = 22 + 65535  # the end record, and the longest archive comment before it
# Inflated per read: the most memory one step of a member's decompression may take.
CHUNK_BYTES = 1024 * 1024
# Methods read: bzip2 and LZMA members inflate a whole block per step (gigabytes from a few KB).
READABLE_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ArchiveMember:
    """One member of a ZIP archive on disk: read from the archive, never from a path."""

    archive: Path
    member: str

    def __str__(self) -> str:
        return f"{self.archive}/{self.member}"

    @property
    def name(self) -> str:
        """The member's own file name (what a progress line shows)."""
        return PurePosixPath(self.member).name or self.member


def open_zip(source: Union[Path, bytes], shown_as: str) -> zipfile.ZipFile:
    """``zipfile.ZipFile`` over a file or bytes, once its central directory is known to be small
    (a ZIP of millions of empty entries would otherwise take gigabytes to open)."""
    with open(source, "rb") if isinstance(source, Path) else io.BytesIO(source) as handle:
        size = _directory_size(handle)
    if size > MAX_DIRECTORY_BYTES:
        raise InputError(f"a ZIP archive whose central directory is {size} bytes, the limit is "
                         f"{MAX_DIRECTORY_BYTES}: not a gazette delivery", shown_as)
    return zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source))


def _directory_size(handle: IO[bytes]) -> int:
    """The central directory's size, as the end record (or its ZIP64 form) declares it; 0 when
    there is no end record (zipfile then says the file is not a ZIP)."""
    end = handle.seek(0, 2)
    start = max(0, end - _END_SEARCH)
    handle.seek(start)
    tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < 22:
        return 0
    (size,) = struct.unpack("<I", tail[at + 12:at + 16])
    if at >= 20 and tail[at - 20:at - 16] == _END64_LOCATOR:
        (offset,) = struct.unpack("<Q", tail[at - 12:at - 4])
        if offset < end:
            handle.seek(offset)
            record = handle.read(56)
            if len(record) == 56 and record.startswith(_END64):
                size = max(size, struct.unpack("<Q", record[40:48])[0])
    return size


def unsafe_name(member: str) -> str:
    """Why a member's name would point outside the archive, or "" when it does not."""
    if member.startswith(("/", "\\")) or _DRIVE.match(member):
        return "an absolute name"
    if ".." in re.split(r"[/\\]", member):
        return "a name with '..'"
    if "\0" in member:
        return "a NUL byte in its name"
    return ""


def member_names(archive: Union[Path, zipfile.ZipFile], shown_as: str) -> list[str]:
    """Files in the archive to read, in archive order (no folders, hidden files, macOS forks).

    Names that point outside the archive are listed too, so that reading them reports them.
    """
    try:
        zf = archive if isinstance(archive, zipfile.ZipFile) else open_zip(archive, shown_as)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(f"looks like a ZIP archive but is damaged or truncated: {error}", shown_as) from None
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"ZIP archive with {len(infos)} members; the limit is {MAX_MEMBERS}", shown_as)
    names = []
    for info in infos:
        parts = PurePosixPath(info.filename).parts
        if unsafe_name(info.filename):
            names.append(info.filename)
        elif not (info.is_dir() or not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts)):
            names.append(info.filename)
    return names


def read_member(archive: Union[Path, zipfile.ZipFile], member: str, archive_shown: str,
                max_bytes: Union[int, Callable[[bytes], int]]) -> bytes:
    """The bytes of one member; ``archive_shown`` is how messages name the archive.

    ``max_bytes`` is the limit, or a function of the member's first chunk that gives it (a
    text member may be held to less than a PDF). Raises InputError naming archive and member.
    """
    shown_as = f"{archive_shown}/{member}"
    reason = unsafe_name(member)
    if reason:
        raise InputError(f"member {member!r} has {reason}: refused (members are read only from the archive, "
                         "never from the file system)", archive_shown)
    try:
        zf = archive if isinstance(archive, zipfile.ZipFile) else open_zip(archive, archive_shown)
        info = zf.getinfo(member)
        if info.compress_type not in READABLE_METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise InputError(f"compressed with {method}: only stored or deflated members are read", shown_as)
        with zf.open(info) as handle:
            return read_limited(handle, max_bytes, shown_as, "unpacked")
    except KeyError:
        raise InputError("no such member in the archive", shown_as) from None
    except RuntimeError as error:  # zipfile says "... is encrypted, password required for extraction"
        raise InputError(f"cannot read this archive member: {error}", shown_as) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise InputError(f"damaged archive member: {error}", shown_as) from None


def read_limited(handle: IO[bytes], max_bytes: Union[int, Callable[[bytes], int]], shown_as: str,
                 what: str) -> bytes:
    """Read ``handle`` in chunks, refusing it as soon as it is past the limit."""
    chunks: list[bytes] = []
    size = 0
    limit = max_bytes if isinstance(max_bytes, int) else None
    while True:
        chunk = handle.read(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        if limit is None:
            limit = max_bytes(chunk)  # type: ignore[operator]
        size += len(chunk)
        if size > limit:
            raise InputError(f"too large: more than {limit} bytes {what} (the limit)", shown_as)
        chunks.append(chunk)

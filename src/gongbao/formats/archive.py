"""ZIP archives of gazette files: list and read members without unpacking to disk.

A member is addressed as ``ARCHIVE/MEMBER`` (``issues.zip/2023/03.pdf``), a path that names
both the archive and the member in every message. Members are read with a size cap, so a
ZIP bomb (or a header that lies about the size) cannot exhaust memory.
"""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterator, Union

from ..errors import InputError

# More members than this is not a gazette delivery.
MAX_MEMBERS = 5000


def member_names(archive: Union[Path, zipfile.ZipFile], shown_as: str) -> list[str]:
    """Files in the archive worth reading, in archive order (no folders, hidden files, macOS forks)."""
    try:
        zf = archive if isinstance(archive, zipfile.ZipFile) else zipfile.ZipFile(archive)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise InputError(f"looks like a ZIP archive but is damaged or truncated: {error}", shown_as) from None
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"ZIP archive with {len(infos)} members; the limit is {MAX_MEMBERS}", shown_as)
    names = []
    for info in infos:
        parts = PurePosixPath(info.filename).parts
        if info.is_dir() or not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
            continue
        names.append(info.filename)
    return names


def read_member(archive: Union[Path, zipfile.ZipFile], member: str, shown_as: str, max_bytes: int) -> bytes:
    """The bytes of one member. ``shown_as`` names archive and member (``a.zip/b.pdf``)."""
    try:
        zf = archive if isinstance(archive, zipfile.ZipFile) else zipfile.ZipFile(archive)
        info = zf.getinfo(member)
        if info.file_size > max_bytes:
            raise InputError(f"too large: {info.file_size} bytes unpacked, the limit is {max_bytes}", shown_as)
        with zf.open(info) as handle:
            data = handle.read(max_bytes + 1)
    except KeyError:
        raise InputError("no such member in the archive", shown_as) from None
    except RuntimeError as error:  # zipfile says "... is encrypted, password required for extraction"
        raise InputError(f"cannot read this archive member: {error}", shown_as) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise InputError(f"damaged archive member: {error}", shown_as) from None
    if len(data) > max_bytes:
        raise InputError(f"too large: more than {max_bytes} bytes unpacked", shown_as)
    return data


def iter_members(archive: Path, shown_as: str, max_bytes: int) -> Iterator[tuple[str, bytes]]:
    """(member name, bytes) of each member; an unreadable member raises when reached."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as error:
        raise InputError(f"looks like a ZIP archive but is damaged or truncated: {error}", shown_as) from None
    with zf:
        for name in member_names(zf, shown_as):
            yield name, read_member(zf, name, f"{shown_as}/{name}", max_bytes)

"""The pipeline: ``normalize → segment → elements → identity → extract``, each a pure function over ``model``."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Optional

from ..extract import run_extractors
from ..model import ParseResult, RegionGuess, SourceText
from .elements import elements
from .identity import identify
from .normalize import normalize
from .segment import segment

# Named stages in order, like spaCy's pipeline components; each takes the previous output.
STAGES: list[tuple[str, Callable]] = [
    ("normalize", normalize),
    ("segment", segment),
    ("elements", elements),
    ("identity", identify),
    ("extract", run_extractors),
]


def parse(source: SourceText, region: Optional[RegionGuess] = None) -> ParseResult:
    """Run every stage over one decoded gazette issue or single document.

    ``region``, when known, is given to the normalize stage (else it is guessed from the cover)."""
    options: dict[str, dict] = {"normalize": {"region": region}}
    value = source
    for name, stage in STAGES:
        value = stage(value, **options.get(name, {}))
    return value


def parse_text(text: str, name: str = "<text>") -> ParseResult:
    """Parse an already decoded text (tests, API uploads)."""
    from ..errors import InputError

    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate: not Unicode text
        raise InputError(f"not valid Unicode text: {error.reason} at character {error.start}", name) from None
    source = SourceText(name=name, text=text.replace("\r\n", "\n").replace("\r", "\n"), sha256=hashlib.sha256(data).hexdigest(), encoding="utf-8", size_bytes=len(data))
    return parse(source)


def parse_file(path: Path) -> ParseResult:
    from ..formats import read_source_any

    return parse(read_source_any(Path(path)))

"""Stage 4 — extract/*: facts read out of the documents (SCHEMA.md layer records).

Each extractor is a module with ``LAYER`` (its name) and a pure function
``extract(result: ParseResult) -> list[LayerRecord]``, registered here by name like a spaCy
pipeline component. ``run_extractors`` appends every layer to ``result.layers``.
No extractor is keyed to a file, county or document: they read the GB/T 9704 elements
(title, 文种, body paragraphs with heading levels) the earlier stages produced.
"""
from __future__ import annotations

import importlib
from typing import Callable, Optional

from ..model import LayerRecord, ParseResult

# name -> module path; a module that is not there yet is skipped (extractors land one by one)
EXTRACTORS: dict[str, str] = {
    "personnel": "gongbao.extract.personnel",
    "duties": "gongbao.extract.duties",
    "tasks": "gongbao.extract.tasks",
    "hazards": "gongbao.extract.hazards",
    "citations": "gongbao.extract.citations",
    "validity": "gongbao.extract.validity",
    "groups": "gongbao.extract.groups",
}
LAYERS = tuple(EXTRACTORS)


def extractor(name: str) -> Optional[Callable[[ParseResult], list[LayerRecord]]]:
    try:
        module = importlib.import_module(EXTRACTORS[name])
    except ModuleNotFoundError as error:
        if error.name == EXTRACTORS[name]:
            return None
        raise
    return module.extract


def run_extractors(result: ParseResult, layers: tuple[str, ...] = LAYERS) -> ParseResult:
    """Run the named extractors over a parse; returns the same result with ``layers`` filled."""
    records: list[LayerRecord] = []
    for name in layers:
        fn = extractor(name)
        if fn is not None:
            records.extend(fn(result))
    result.layers = records
    return result

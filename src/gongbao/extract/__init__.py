"""Stage 4 — extract/*: facts read out of the documents (SCHEMA.md layer records).

Each extractor is a module declaring ``SPEC`` (a :class:`~gongbao.extract.registry.LayerSpec`:
its name, keys, unit keys, filters and what it requires) and a pure function
``extract(result: ParseResult) -> list[LayerRecord]``, registered here by name like a spaCy
pipeline component. ``run_extractors`` appends every layer to ``result.layers``.
No extractor is keyed to a file, county or document: they read the GB/T 9704 elements
(title, 文种, body paragraphs with heading levels) the earlier stages produced.
"""
from __future__ import annotations

from typing import Optional

from ..model import ParseResult
from . import citations, duties, groups, hazards, personnel, tasks, validity
from .registry import LayerError, LayerSpec, extractor, layer_names, layer_spec, layer_specs, register, unregister

__all__ = ["LayerError", "LayerSpec", "extractor", "layer_names", "layer_spec", "layer_specs", "register",
           "unregister", "run_extractors"]

# The built-in layers, in the order they run and are exported (a layer after those it requires).
for _module in (personnel, duties, tasks, hazards, citations, validity, groups):
    register(_module.SPEC, _module.extract)


def run_extractors(result: ParseResult, layers: Optional[tuple[str, ...]] = None) -> ParseResult:
    """Run the registered extractors (or the named ones) over a parse, in run order; returns the
    same result with ``layers`` filled. An extractor sees the records of those run before it
    (the layers it requires)."""
    result.layers = []
    for name in layer_names() if layers is None else layers:
        result.layers.extend(extractor(name)(result))
    return result


"""The layer registry: what each extractor declares (:class:`LayerSpec`) and the run order.

Like a spaCy pipeline component, an extractor module declares ``SPEC`` next to its
``extract(result) -> list[LayerRecord]`` and is registered by name (``gongbao.extract``
registers the built-in ones). Export, store, views, API, web and CLI read the specs, so a
new layer is its module plus, at most, a template.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping, Optional

from ..model import Document, LayerRecord, ParseResult

Extractor = Callable[[ParseResult], list[LayerRecord]]

# Filters the store knows (the SQL is in ``gongbao.store.layers``). Every record answers the
# first three; the others read a key (unit: the units named by ``unit_keys``; person: a person
# or a leader; date_*: the document's date; due_* and overdue_as_of: the deadline).
FILTERS = ("doc_id", "gazette_id", "region", "unit", "person", "date_from", "date_to", "due_from", "due_to",
           "overdue_as_of", "enterprise", "action")
RECORD_FILTERS = FILTERS[:3]
# The record keys each other filter reads: a layer offers it only when its records have one.
FILTER_KEYS = {"person": ("person", "leader"), "date_from": ("date",), "date_to": ("date",),
               "due_from": ("deadline",), "due_to": ("deadline",), "overdue_as_of": ("deadline",),
               "enterprise": ("enterprise",), "action": ("action",)}
# What an extractor may require: ``document.<a Document field>`` or ``layer.<a registered layer>``.
DOCUMENT_ELEMENTS = frozenset(f"document.{f.name}" for f in fields(Document))


class LayerError(ValueError):
    """A layer spec or layer name that cannot be used."""


@dataclass(frozen=True)
class Closings:
    """Records of a layer closed by later records of the same layer (a 摘牌 closes a 挂牌):
    ``overdue_as_of`` drops those a closing dated by then names (``closed_by(record, closings)``)."""

    actions: tuple[str, ...]
    closed_by: Callable[[dict[str, Any], list[dict[str, Any]]], bool]


@dataclass(frozen=True)
class LayerSpec:
    """What a layer is: its ``name``; its record ``keys`` in SCHEMA.md order (after doc_id,
    doc_number, doc_seq, span); ``unit_keys``, the keys naming organisations (a name or a list
    of names, indexed for ``unit=`` and ``/units``); the ``filters`` its listing offers (of
    :data:`FILTERS`); and what its extractor ``requires`` — document elements (``document.title``,
    ``document.paragraphs`` …) or other layers (``layer.NAME``, run first)."""

    name: str
    keys: tuple[str, ...]
    unit_keys: tuple[str, ...] = ()
    filters: tuple[str, ...] = RECORD_FILTERS
    requires: tuple[str, ...] = ()
    # Other spellings a filter value is also looked for under (hazards: an enterprise's key).
    spellings: Mapping[str, Callable[[str], str]] = field(default_factory=dict)
    closings: Optional[Closings] = None
    # Chinese CSV headers of keys ``gongbao.export.HEADERS_ZH`` does not name.
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [f for f in (*self.filters, *self.spellings) if f not in FILTERS]
        if unknown:
            raise LayerError(f"layer {self.name!r}: unknown filter(s) {', '.join(unknown)}; "
                             f"known: {', '.join(FILTERS)}")
        keyless = [f for f in self.filters if f in FILTER_KEYS and not set(FILTER_KEYS[f]) & set(self.keys)
                   or f == "unit" and not self.unit_keys]
        if keyless:
            raise LayerError(f"layer {self.name!r}: its records have no key for filter(s) {', '.join(keyless)}")
        odd = [r for r in self.requires if r not in DOCUMENT_ELEMENTS and not r.startswith("layer.")]
        if odd:
            raise LayerError(f"layer {self.name!r}: requires {', '.join(odd)}: "
                             "neither document.<field> nor layer.<name>")


# name -> (spec, extract), in run order; change it through register / unregister.
REGISTERED: dict[str, tuple[LayerSpec, Extractor]] = {}


def register(spec: LayerSpec, extract: Extractor) -> None:
    """Register a layer; its name must be new and what it requires of other layers registered."""
    if spec.name in REGISTERED:
        raise LayerError(f"layer {spec.name!r} is registered already")
    missing = [r for r in _layer_requirements(spec) if r not in REGISTERED]
    if missing:
        raise LayerError(f"layer {spec.name!r} requires unregistered layer(s) {', '.join(missing)}")
    REGISTERED[spec.name] = (spec, extract)


def unregister(name: str) -> None:
    """Remove a layer (a test's own); a layer others require stays."""
    needed_by = [s.name for s, _ in REGISTERED.values() if name in _layer_requirements(s)]
    if needed_by:
        raise LayerError(f"layer {name!r} is required by {', '.join(needed_by)}")
    del REGISTERED[layer_spec(name).name]


def _layer_requirements(spec: LayerSpec) -> list[str]:
    return [r[len("layer."):] for r in spec.requires if r.startswith("layer.")]


def layer_names() -> tuple[str, ...]:
    """The registered layers, in run order: registration order, a required layer first."""
    return tuple(REGISTERED)


def layer_specs() -> tuple[LayerSpec, ...]:
    return tuple(spec for spec, _ in REGISTERED.values())


def layer_spec(name: str) -> LayerSpec:
    """The spec of a registered layer; :class:`LayerError` naming the known ones otherwise."""
    try:
        return REGISTERED[name][0]
    except KeyError:
        raise LayerError(f"unknown layer {name[:40]!r}; known: {', '.join(REGISTERED)}") from None


def extractor(name: str) -> Extractor:
    layer_spec(name)
    return REGISTERED[name][1]

"""What the extractors read out of one document, for its page."""
from __future__ import annotations

from typing import Any, Optional

from ..export import csv_cell, csv_header
from ..extract import layer_specs
from ..store import Store
from .citations import citations_view
from .common import catalogue, gazette_of, _gazette_regions, group_url, person_url, unit_url, _with_links
from .tasks import _task_row
from .validity import validity_view

# Layers with a section of their own on a document's page; any other registered layer is
# shown as a table of its spec's keys.
OWN_SECTIONS = ("personnel", "tasks", "hazards", "groups", "duties", "validity", "citations")


def document_layers(store: Store, doc_id: str, on: Optional[str] = None) -> dict[str, Any]:
    """What the extractors read out of one document, for its page: persons appointed or
    removed, tasks, hazards, leaders' duties, its validity and its citations; ``other_layers``:
    the records of every other registered layer, with its keys' headers and values (``cells``)."""
    docs = catalogue(store)

    def rows(layer: str) -> list[dict[str, Any]]:
        return [_with_links(r, docs) for r in store.list_layer(layer, doc_id=doc_id)]

    personnel = [{**r, "person_url": person_url(r["person"])} for r in rows("personnel")]
    regions = _gazette_regions(store)
    region = regions.get(gazette_of(doc_id))
    tasks = [_task_row(r, docs, region) for r in store.list_layer("tasks", doc_id=doc_id)]
    duties = [{**r, "person_url": person_url(r["leader"]),
               "unit_links": [{"name": u, "url": unit_url(u, region)} for u in r.get("units") or []]}
              for r in rows("duties")]
    groups = [{**r, "group_url": group_url(r["group"]), "person_url": person_url(r["person"]) if r.get("person") else None}
              for r in rows("groups")]
    return {
        "personnel": personnel,
        "tasks": tasks,
        "hazards": rows("hazards"),
        "groups": groups,
        "duties": duties,
        "validity": validity_view(store, doc_id, on, docs),
        "citations": citations_view(store, doc_id, docs),
        "other_layers": [
            {"name": spec.name, "keys": spec.keys, "headers": csv_header(spec.keys, "zh", spec.labels),
             "records": [{**r, "cells": [csv_cell(r.get(key)) for key in spec.keys]} for r in rows(spec.name)]}
            for spec in layer_specs() if spec.name not in OWN_SECTIONS
        ],
    }

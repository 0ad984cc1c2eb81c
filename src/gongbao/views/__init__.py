"""Views of the layer records for people and programs: people, units, the task ledger, the
hazard registry, leaders' duties on a day, groups (领导小组 …), a document's citations and
validity.

Like :mod:`gongbao.browse`, every function takes a :class:`~gongbao.store.Store` and returns
plain dicts (the JSON API returns them as they are, the web pages render them), and reads the
records through ``Store.list_layer`` and the query helpers of ``gongbao.extract``. Nothing
here is written back: resolving citations and cross-issue repeals happens on every read, so a
newly ingested issue is taken into account at once.

One module per layer (``people`` covers personnel and duties careers), ``records`` for the
generic listing of any registered layer and ``common`` for parameters and links.

Every record a view returns carries ``source_url`` (the ``/source/…`` page with the record's
span marked) and, where it names a document, ``document`` (its summary with ``url``).
Malformed parameters raise :class:`~gongbao.errors.QueryError` (HTTP 400).
"""
from __future__ import annotations

from .citations import KIND_LABELS, citations_view
from .common import person_url, unit_url
from .document import document_layers
from .duties import duties_on
from .groups import group_view, groups_list
from .hazards import hazard_registry
from .people import people, person_view, pinyin_order
from .records import iter_rows, layer_page, layer_records
from .tasks import ROLE_LABELS, task_export, task_ledger
from .units import unit_view
from .validity import documents_in_force_on, validity_view

__all__ = [
    "KIND_LABELS", "ROLE_LABELS", "citations_view", "document_layers", "documents_in_force_on",
    "duties_on", "group_view", "groups_list", "hazard_registry", "iter_rows", "layer_page", "layer_records",
    "people", "person_url", "person_view", "pinyin_order", "task_export", "task_ledger", "unit_url",
    "unit_view", "validity_view",
]

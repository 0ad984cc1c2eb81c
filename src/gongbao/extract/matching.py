"""Whether a reference printed in one document (a cited or repealed 文号 or title) names a
stored document: the tests citations (``gongbao.views``) and cross-issue repeals
(``gongbao.store.repeals``, at write time) share. Documents are summaries with ``id``
(``{gazette}/{seq}``), ``seq``, ``parent_seq``, ``title``, ``doc_number`` and ``date``."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional

from ..gazetteer.regions import by_name
from ..model import split_document_id
from ..text import fold, similarity
from .citations import normalize_number

REPEAL_SIMILARITY = 0.9  # as gongbao.extract.validity links repeals inside one issue


def gazette_of(doc_id: str) -> str:
    return split_document_id(doc_id)[0]


@lru_cache(maxsize=8192)
def first_place(title: str) -> Optional[str]:
    """Code of the first region a title names in full (阳泉市…, 关于印发盂县…), None if none."""
    text = title or ""
    for i in range(len(text)):
        for n in range(min(9, len(text) - i), 1, -1):
            for region in by_name(text[i: i + n]):
                if region.name == text[i: i + n]:
                    return region.code
    return None


@lru_cache(maxsize=8192)
def number_key(number: Optional[str]) -> Optional[str]:
    if not number:
        return None
    return fold(normalize_number(number) or number)


def _title_forms(title: str) -> list[str]:
    forms = [title]
    about = title.find("关于")
    if about > 0:
        forms.append(title[about:])
    return forms


def alike(title: str, stored: str, threshold: float) -> bool:
    """A cited title at least ``threshold`` alike to a stored title, with or without its issuer."""
    return any(similarity(title, form, cutoff=threshold) >= threshold for form in _title_forms(stored))


def repeals(ref: dict[str, Any], doc: dict[str, Any], repealer: dict[str, Any]) -> bool:
    """Whether the repeal reference ``ref`` of ``repealer`` names the stored ``doc``."""
    if doc["id"] == repealer["id"]:
        return False
    if gazette_of(doc["id"]) == gazette_of(repealer["id"]) and (
        doc.get("parent_seq") == repealer["seq"] or doc["seq"] == repealer.get("parent_seq")
    ):
        return False  # a document it carries, or the notice carrying it
    if doc.get("date") and repealer.get("date") and doc["date"] > repealer["date"]:
        return False  # a document cannot repeal one issued after it
    number, own = number_key(ref.get("number")), number_key(doc.get("doc_number"))
    if number and own:
        return number == own
    title = ref.get("title")
    if not title:
        return False
    a, b = first_place(title), first_place(doc.get("title") or "")
    if a and b and a != b:
        return False
    return alike(title, doc["title"] or "", REPEAL_SIMILARITY)

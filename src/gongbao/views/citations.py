"""A document's citations, resolved against the stored documents, and who cites it."""
from __future__ import annotations

from typing import Any, Optional

from ..extract.citations import resolve_citations
from ..extract.matching import alike, first_place, number_key
from ..store import Store
from .common import catalogue, _doc_ref, _with_links

KIND_LABELS = {"law": "法律", "regulation": "法规规章", "standard": "标准", "document": "文件", "other": "其他"}
TITLE_SIMILARITY = 0.85  # gongbao.extract.citations.TITLE_THRESHOLD


def _may_be(citation: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether a cited text can be the stored ``doc`` at all: a document does not cite
    itself; two different 文号 are two documents; a title of one place (阳泉市…) is not a
    document of another place (盂县…), however alike the rest of the title reads."""
    if doc["id"] == citation.get("doc_id"):
        return False
    cited, own = number_key(citation.get("cited_number")), number_key(doc.get("doc_number"))
    if cited and own and cited != own:
        return False
    title = citation.get("cited_title")
    if title and not (cited and cited == own):
        a, b = first_place(title), first_place(doc.get("title") or "")
        if a and b and a != b:
            return False
    return True


def resolve_one(citation: dict[str, Any], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A stored citation record resolved against the stored documents (``resolve_citations``:
    exact 文号 → 1.0, else a title at least 0.85 alike), candidates narrowed by ``_may_be``."""
    record = {key: value for key, value in citation.items()}
    candidates = [doc for doc in docs.values() if _may_be(record, doc)]
    resolve_citations([record], candidates)
    return record


def _citation_view(record: dict[str, Any], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    title, number = record.get("cited_title"), record.get("cited_number")
    normalized = (f"《{title}》" if title else "") + (f"（{number}）" if title and number else number or "")
    return {
        **_with_links(record, docs),
        "resolved": _doc_ref(docs, record.get("resolved_doc_id")),
        "external": record.get("resolved_doc_id") is None,
        "normalized": normalized,
        "kind_label": KIND_LABELS.get(record.get("kind") or "", record.get("kind") or ""),
    }


def _could_cite(citation: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Cheap test before full resolution: the citation's number or title is close to ``doc``'s."""
    cited = number_key(citation.get("cited_number"))
    if cited and cited == number_key(doc.get("doc_number")):
        return True
    title = citation.get("cited_title")
    return bool(title) and alike(title, doc["title"] or "", TITLE_SIMILARITY)


def _article_links(store: Store, cite: dict[str, Any]) -> list[dict[str, str]]:
    """The articles a citation names (《…办法》第十二条) that the cited stored document has,
    each with the link to its anchor."""
    target, wanted = cite.get("resolved_doc_id"), cite.get("articles") or []
    record = store.get_document(target) if target and wanted else None
    have = {a.get("article") for a in (record or {}).get("articles") or []}
    return [{"article": a, "url": f"/{target}#{a}"} for a in wanted if a in have]


def citations_view(store: Store, doc_id: str,
                   docs: Optional[dict[str, dict[str, Any]]] = None) -> Optional[dict[str, Any]]:
    """What a document cites and which stored documents cite it.

    ``cites``: its citation records, each resolved against the stored documents
    (``resolved`` is the stored document, or None for an external reference, shown by its
    ``normalized`` title and number). ``cited_by``: citation records of other stored
    documents that resolve to this one, with the citing ``document``. None when no such
    document is stored. ``docs``: the ``catalogue``, if read already."""
    docs = catalogue(store) if docs is None else docs
    doc = docs.get(doc_id)
    if doc is None:
        return None
    cites = [_citation_view(resolve_one(r, docs), docs) for r in store.list_layer("citations", doc_id=doc_id)]
    for cite in cites:
        cite["article_links"] = _article_links(store, cite)
    cited_by: dict[str, dict[str, Any]] = {}
    for record in store.list_layer("citations"):
        if record["doc_id"] == doc_id or not _could_cite(record, doc):
            continue
        resolved = resolve_one(record, docs)
        if resolved.get("resolved_doc_id") != doc_id:
            continue
        best = cited_by.get(record["doc_id"])
        if best is None or (resolved.get("score") or 0) > (best.get("score") or 0):
            cited_by[record["doc_id"]] = _citation_view(resolved, docs)
    return {
        "document": _doc_ref(docs, doc_id),
        "cites": cites,
        "cited_by": sorted(cited_by.values(), key=lambda c: ((c["document"] or {}).get("date") or "", c["doc_id"])),
    }

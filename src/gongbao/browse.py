"""Views of a store for people and programs: regions, issuers, one issue, one document, a source text.

The web UI and the JSON API are thin shells over these functions (and over
``gongbao.search``); each takes a :class:`~gongbao.store.Store` and returns
plain dicts, so they can be tested without HTTP.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date
from typing import Any, Callable, Iterator, Optional

from .model import split_document_id
from .store import Store
from .text import differing

# Warning codes of the parser, as a reader of the issue page should see them.
WARNING_LABELS = {
    "toc.title_mismatch": "目录标题与正文不一致",
    "toc.number_mismatch": "目录文号与正文不一致",
    "toc.missing_in_body": "目录所列文件在正文中未找到",
    "body.missing_in_toc": "正文中的文件未列入目录",
    "body.displaced_fragment": "文字错位",
    "body.no_documents": "未找到公文",
    "carried.title_mismatch": "所印发文件的标题与通知所列不一致",
    "carried.not_found": "通知所印发的文件未找到",
}


def gazette_summary(gazette: dict[str, Any]) -> dict[str, Any]:
    """The listing fields of an issue (what ``Store.list_gazettes`` returns)."""
    keys = (
        "id", "title", "region", "region_code", "year", "issue", "total_issue", "published",
        "frequency", "sponsor", "document_count", "source_name", "sha256", "parser_version", "ingested_at",
    )
    return {key: gazette.get(key) for key in keys}


def _newest_first(gazette: dict[str, Any]) -> tuple:
    return (gazette.get("published") or "", gazette.get("year") or 0, gazette.get("issue") or 0)


def regions(store: Store) -> list[dict[str, Any]]:
    """Regions with their issue and document counts and their issues, newest first."""
    found: dict[str, dict[str, Any]] = {}
    for gazette in store.list_gazettes():
        code = gazette.get("region_code") or ""
        region = found.setdefault(
            code,
            {"region_code": gazette.get("region_code"), "region": gazette.get("region"),
             "gazettes": 0, "documents": 0, "issues": []},
        )
        region["gazettes"] += 1
        region["documents"] += gazette.get("document_count") or 0
        region["issues"].append(gazette_summary(gazette))
    for region in found.values():
        region["issues"].sort(key=_newest_first, reverse=True)
        region["latest"] = region["issues"][0]
    return sorted(found.values(), key=lambda r: (r["region_code"] is None, r["region_code"] or ""))


def region_names(store: Store) -> dict[str, str]:
    """Region code → name, for labelling facets that only carry codes."""
    return {
        g["region_code"]: g["region"] for g in store.list_gazettes() if g.get("region_code") and g.get("region")
    }


def issuers(store: Store) -> list[dict[str, Any]]:
    """Issuing bodies (发文机关) with their document counts, most documents first.

    Joint issuers (``甲、乙``) count for each body. Reads the document summaries of
    ``get_gazette``, not whole records.
    """
    counts: Counter[str] = Counter()
    for summary in store.list_gazettes():
        gazette = store.get_gazette(summary["id"])
        for doc in (gazette or {}).get("documents", []):
            for name in filter(None, (doc.get("issuer") or "").split("、")):
                counts[name] += 1
    return [{"issuer": name, "documents": n} for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def gazette_view(store: Store, gazette_id: str) -> Optional[dict[str, Any]]:
    """One issue: metadata, TOC entries tied to the documents they found, documents, warnings.

    Each TOC entry gets ``document_id`` (None when the body has no such document)
    and ``problems`` (TOC↔body disagreements found by the parser); a title or 文号 that
    differs gets ``diff``: ``{"toc": pieces, "body": pieces}``, ``(text, differs)`` pieces
    that mark the characters that differ. Documents get ``in_toc``; top-level documents the
    TOC does not list are also in ``not_in_toc``. Repairs are counted, not listed (thousands
    per issue).
    """
    gazette = store.get_gazette(gazette_id)
    if gazette is None:
        return None
    documents = gazette["documents"]
    by_seq = {doc["seq"]: doc for doc in documents}
    warnings = [{**w, "label": WARNING_LABELS.get(w["code"], w["code"])} for w in gazette["warnings"]]
    toc = []
    for entry in gazette["toc"]:
        doc = by_seq.get(entry["matched_seq"])
        problems = [
            w for w in warnings
            if w["code"].startswith("toc.") and w.get("start_offset") == entry["start_offset"]
        ]
        for problem in problems:
            field = {"toc.title_mismatch": "title", "toc.number_mismatch": "doc_number"}.get(problem["code"])
            if field and doc is not None and entry.get(field) and doc.get(field):
                toc_pieces, body_pieces = differing(entry[field], doc[field])
                problem["diff"] = {"toc": toc_pieces, "body": body_pieces}
        if doc is None and not problems:
            problems.append({"code": "toc.missing_in_body", "label": WARNING_LABELS["toc.missing_in_body"],
                             "message": f"目录所列文件在正文中未找到：「{entry['title']}」"})
        toc.append({**entry, "document_id": doc["id"] if doc else None, "problems": problems})
    listed = {entry["matched_seq"] for entry in gazette["toc"]}
    docs = []
    for doc in documents:
        docs.append({
            **doc,
            "in_toc": doc["seq"] in listed,
            "warnings": [w for w in warnings if w.get("seq") == doc["seq"]],
        })
    not_in_toc = [d for d in docs if gazette["toc"] and d["parent_seq"] is None and not d["in_toc"]]
    view = {key: value for key, value in gazette.items() if key not in ("repairs", "toc", "documents", "warnings")}
    return {
        **view,
        "toc": toc,
        "documents": docs,
        "not_in_toc": not_in_toc,
        "warnings": warnings,
        "repair_count": len(gazette["repairs"]),
    }


def document_view(store: Store, document_id: str) -> Optional[dict[str, Any]]:
    """One document record with its place in the issue.

    Adds ``gazette`` (issue summary), ``parent`` (the notice carrying it) and its
    ``parent_disclosure`` (公开属性, which a carried document without its own shares),
    ``children`` (documents it carries), ``previous``/``next`` top-level documents,
    ``page`` (from the TOC) and the parser's ``warnings`` about it.
    """
    record = store.get_document(document_id)
    if record is None:
        return None
    gazette_id, seq = split_document_id(record["id"])
    gazette = store.get_gazette(gazette_id) or {"documents": [], "toc": [], "warnings": []}
    documents = gazette["documents"]
    by_seq = {doc["seq"]: doc for doc in documents}
    top = [doc for doc in documents if doc["parent_seq"] is None]
    here = record["parent_seq"] or seq
    position = next((i for i, doc in enumerate(top) if doc["seq"] == here), None)
    pages = {entry["matched_seq"]: entry["page"] for entry in gazette["toc"] if entry["matched_seq"]}
    parent = by_seq.get(record["parent_seq"])
    return {
        "record": record,
        "gazette": gazette_summary(gazette) if "id" in gazette else None,
        "parent": parent,
        "parent_disclosure": (store.get_document(parent["id"]) or {}).get("disclosure") if parent else None,
        "children": [doc for doc in documents if doc["parent_seq"] == seq],
        "previous": top[position - 1] if position else None,
        "next": top[position + 1] if position is not None and position + 1 < len(top) else None,
        "page": pages.get(seq) or pages.get(record["parent_seq"]),
        "warnings": [
            {**w, "label": WARNING_LABELS.get(w["code"], w["code"])} for w in gazette["warnings"] if w.get("seq") == seq
        ],
    }


def source_text(store: Store, gazette_id: str) -> Optional[str]:
    """The original text of one issue, as ingested.

    The Store interface offers texts only through ``sources()``, so this walks it
    until the issue comes up (texts are read one at a time, not all at once).
    """
    for gid, _name, text, _sha256 in store.sources():
        if gid == gazette_id:
            return text
    return None


def source_view(store: Store, gazette_id: str, mark: Optional[tuple[int, int]] = None) -> Optional[dict[str, Any]]:
    """An issue's source text cut into segments, each inside at most one document's span.

    ``segments`` is a list of ``{"text", "document", "pieces"}`` (document summary or None),
    in text order, so a page can wrap each document's text in an element of its own.
    ``mark`` (``[start, end)`` offsets, e.g. a layer record's span) is cut out as pieces of
    their own: ``pieces`` is ``[{"text", "mark"}]``, the segment's text in order. ``mark``
    is clipped to the text; the view's ``mark`` says what was marked (None: nothing).
    """
    gazette = store.get_gazette(gazette_id)
    text = source_text(store, gazette_id) if gazette else None
    if gazette is None or text is None:
        return None
    spans = {rec["seq"]: rec["span"] for rec in store.list_documents(gazette_id)}
    segments: list[dict[str, Any]] = []
    cursor = 0
    for doc in sorted(gazette["documents"], key=lambda d: spans.get(d["seq"], [0, 0])[0]):
        start, end = spans.get(doc["seq"], [0, 0])
        start, end = max(start, cursor), min(end, len(text))  # spans are disjoint; clip defensively
        if end <= start:
            continue
        if start > cursor:
            segments.append({"text": text[cursor:start], "document": None})
        segments.append({"text": text[start:end], "document": doc})
        cursor = end
    if cursor < len(text):
        segments.append({"text": text[cursor:], "document": None})
    marked = None
    if mark is not None:
        start, end = max(0, mark[0]), min(len(text), mark[1])
        marked = (start, end) if end > start else None
    offset = 0
    for segment in segments:
        segment["pieces"] = _pieces(segment["text"], offset, marked)
        offset += len(segment["text"])
    return {"gazette": gazette_summary(gazette), "segments": segments, "length": len(text),
            "mark": list(marked) if marked else None,
            "marked_text": text[marked[0]:marked[1]] if marked else None}


def _pieces(text: str, offset: int, mark: Optional[tuple[int, int]]) -> list[dict[str, Any]]:
    """``text`` (starting at ``offset`` in the issue) as pieces, the part inside ``mark`` marked."""
    if mark is None or mark[1] <= offset or mark[0] >= offset + len(text):
        return [{"text": text, "mark": False}]
    a, b = max(mark[0] - offset, 0), min(mark[1] - offset, len(text))
    pieces = [{"text": text[:a], "mark": False}, {"text": text[a:b], "mark": True}, {"text": text[b:], "mark": False}]
    return [piece for piece in pieces if piece["text"]]


def citation(view: dict[str, Any], url: str, accessed: Optional[date] = None) -> str:
    """A GB/T 7714-2015 reference to a document as printed in a gazette (析出文献, [J/OL]).

    ``主要责任者. 题名: 文号[J/OL]. 公报名, 年(期): 页码[引用日期]. URL.``
    A carried document has no issuer of its own: the notice carrying it answers for it.
    """
    record = view["record"]
    gazette = view.get("gazette") or record.get("gazette") or {}
    parent = view.get("parent") or {}
    author = record.get("issuer") or parent.get("issuer") or gazette.get("sponsor") or gazette.get("region") or "佚名"
    title = record["title"] + (f": {record['doc_number']}" if record.get("doc_number") else "")
    serial = gazette.get("title") or "政府公报"
    if gazette.get("year"):
        serial += f", {gazette['year']}"
        if gazette.get("issue"):
            serial += f"({gazette['issue']})"
    if view.get("page"):
        serial += f": {view['page']}"
    accessed = accessed or date.today()
    return f"{author}. {title}[J/OL]. {serial}[{accessed.isoformat()}]. {url}."


def export_records(get_store: Callable[[], Store], query: Any = None) -> Iterator[dict[str, Any]]:
    """Every stored record matching ``query`` (a ``gongbao.search.SearchQuery``; None: all).

    Memory stays bounded: one issue, or one page of search hits, at a time.
    ``get_store`` is called for every step instead of holding one store, because
    a streaming response may resume this generator on another thread and an
    SQLite connection must stay on the thread that opened it.
    """
    if query is None:
        for gazette_id in [g["id"] for g in get_store().list_gazettes()]:
            yield from list(get_store().list_documents(gazette_id))
        return
    from .search import search

    page = 1
    while True:
        # Excerpts are not exported: skip making them.
        result = search(get_store(), dataclasses.replace(query, page=page, per_page=100, number_of_excerpts=0))
        if not result.hits:
            return
        for hit in result.hits:
            record = get_store().get_document(hit.id)
            if record is not None:  # gone if the issue was reparsed meanwhile
                yield record
        if page * 100 >= result.total:
            return
        page += 1

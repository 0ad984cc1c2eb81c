"""Views of the layer records for people and programs: people, units, the task ledger, the
hazard registry, leaders' duties on a day, groups (领导小组 …), a document's citations and
validity.

Like :mod:`gongbao.browse`, every function takes a :class:`~gongbao.store.Store` and returns
plain dicts (the JSON API returns them as they are, the web pages render them), and reads the
records through ``Store.list_layer`` and the query helpers of ``gongbao.extract``. Nothing
here is written back: citations are resolved on every read, so a newly ingested issue is
taken into account at once (repeals across issues the store records as issues are stored).

Every record a view returns carries ``source_url`` (the ``/source/…`` page with the record's
span marked) and, where it names a document, ``document`` (its summary with ``url``).
Malformed parameters raise :class:`~gongbao.errors.QueryError` (HTTP 400).
"""
from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Optional
from urllib.parse import quote, urlencode

from . import budget
from .errors import QueryError
from .extract import LAYERS
from .extract.citations import resolve_citations
from .extract.duties import in_force, responsible_on, supersedes
from .extract.groups import ROLE_ORDER, group_history
from .extract.hazards import hazard_cases
from .extract.matching import alike, first_place, gazette_of, number_key
from .extract.orgs import agency_names, region_of, resolve
from .extract.validity import has_validity, status_on
from .store import Store
from .text import fold
from .text import split_outside_brackets

TASK_ROLES = ("lead", "responsible", "cooperating")
ROLE_LABELS = {"lead": "牵头", "responsible": "责任", "cooperating": "配合"}
KIND_LABELS = {"law": "法律", "regulation": "法规规章", "standard": "标准", "document": "文件", "other": "其他"}
TITLE_SIMILARITY = 0.85  # gongbao.extract.citations.TITLE_THRESHOLD
MAX_UNIT_TASKS = 200  # tasks listed on a unit view (the ledger has them all)

# -- parameters ------------------------------------------------------------------------------

_DAY = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_day(value: Optional[str], name: str = "date", *, end: bool = False) -> Optional[str]:
    """An ISO day from ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (None stays None).

    A year or a month stands for its first day, or its last day when ``end`` is set (the
    upper bound of a range), so ``due_to=2023`` includes 2023-12-31."""
    if value is None or not str(value).strip():
        return None
    match = _DAY.fullmatch(str(value).strip())
    if match is None:
        raise QueryError(f"{name}: expected YYYY, YYYY-MM or YYYY-MM-DD, not {str(value)[:40]!r}")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return date(year, 12, 31).isoformat() if end else date(year, 1, 1).isoformat()
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return date(year, month, last if end else 1).isoformat()
        return date(year, month, day).isoformat()
    except ValueError:
        raise QueryError(f"{name}: no such day {str(value)[:40]!r}") from None


def _today() -> str:
    return date.today().isoformat()


def region_code(region: Optional[str]) -> Optional[str]:
    """GB/T 2260 code of a region given by code or name (盂县, 140322); None for None."""
    if region is None or not region.strip():
        return None
    found = region_of(region.strip())
    if found is None:
        raise QueryError(f"region: unknown region {region.strip()[:40]!r}")
    return found.code


def _clean_name(value: str, what: str) -> str:
    name = "".join((value or "").split())
    if not name:
        raise QueryError(f"{what}: empty name")
    return name


# -- documents and links ---------------------------------------------------------------------


def source_url(doc_id: str, span: Any = None) -> str:
    """The issue's source text with ``span`` ([start, end)) marked; the whole document's
    text when the span is unknown."""
    gazette, _, seq = doc_id.rpartition("/")
    if isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(x, int) for x in span):
        return f"/source/{gazette}?" + urlencode({"start": span[0], "end": span[1]}) + "#mark"
    return f"/source/{gazette}#d{seq}"


def person_url(name: str) -> str:
    return "/people/" + quote(name, safe="")


def group_url(name: str) -> str:
    return "/groups/" + quote(name, safe="")


def unit_url(name: str, region: Optional[str] = None) -> str:
    return "/units/" + quote(name, safe="") + ("?" + urlencode({"region": region}) if region else "")


def ledger_url(unit: str, region: Optional[str] = None) -> str:
    return "/tasks?" + urlencode({"unit": unit, **({"region": region} if region else {})})


SUMMARY_KEYS = ("id", "seq", "parent_seq", "title", "doc_number", "doc_type", "issuer", "signed_by",
                "recipients", "date", "section")


def catalogue(store: Store, ids: Optional[Iterable[str]] = None) -> dict[str, dict[str, Any]]:
    """Every stored document's summary by id (with ``region_code``, ``gazette_id`` and
    ``url``), in store order; or only those of ``ids`` (the documents of one page). Read
    once per request: titles, numbers and issuers are what citations resolve against and
    what unit pages match."""
    if ids is None:
        records: Iterable[Optional[dict[str, Any]]] = store.list_documents()
    else:
        records = map(store.get_document, dict.fromkeys(ids))
    docs: dict[str, dict[str, Any]] = {}
    for record in records:
        if record is None:  # gone since the page was read
            continue
        if len(docs) % 1000 == 999:
            budget.check("reading the documents")
        gazette = record.get("gazette") or {}
        summary = {key: record.get(key) for key in SUMMARY_KEYS}
        summary.update(region_code=gazette.get("region_code"), region=gazette.get("region"),
                       gazette_id=gazette_of(record["id"]), url="/" + record["id"])
        docs[record["id"]] = summary
    return docs


def _doc_ref(docs: dict[str, dict[str, Any]], doc_id: Optional[str]) -> Optional[dict[str, Any]]:
    doc = docs.get(doc_id) if doc_id else None
    if doc is None:
        return None
    return {key: doc[key] for key in ("id", "title", "doc_number", "date", "issuer", "gazette_id", "url")}


def _gazette_regions(store: Store) -> dict[str, Optional[str]]:
    return {g["id"]: g.get("region_code") for g in store.list_gazettes()}


def _region_names(store: Store) -> dict[str, str]:
    return {g["region_code"]: g["region"] for g in store.list_gazettes() if g.get("region_code") and g.get("region")}


def _with_links(record: dict[str, Any], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {**record, "document": _doc_ref(docs, record.get("doc_id")),
            "source_url": source_url(record["doc_id"], record.get("span"))}


def _task_row(record: dict[str, Any], docs: dict[str, dict[str, Any]], region: Optional[str]) -> dict[str, Any]:
    """A task record with its links: document, source span, and each unit's page."""
    row = _with_links(record, docs)
    row["region_code"] = region
    row["unit_links"] = {
        role: [{"name": n, "url": unit_url(n, region)} for n in record.get(f"{role}_units") or []]
        for role in TASK_ROLES
    }
    return row


@lru_cache(maxsize=8192)
def canonical(name: str, region: Optional[str]) -> str:
    """Canonical unit of a printed name in a region (``gongbao.extract.orgs``), cached."""
    return resolve(name, region).canonical


# -- the generic layer listing ---------------------------------------------------------------

DATE_FILTERS = {"date_from": False, "date_to": True, "due_from": False, "due_to": True, "overdue_as_of": False}
TEXT_FILTERS = ("doc_id", "gazette_id", "unit", "person", "enterprise", "action")


def layer_filters(**given: Optional[str]) -> dict[str, str]:
    """The ``Store.list_layer`` filters given (None and blank ones dropped), dates checked."""
    out: dict[str, str] = {}
    for key, value in given.items():
        if value is None or not str(value).strip():
            continue
        if key in DATE_FILTERS:
            out[key] = parse_day(value, key, end=DATE_FILTERS[key])
        elif key in TEXT_FILTERS:
            out[key] = str(value).strip()
        else:
            raise QueryError(f"unknown filter {key!r}")
    return out


def _known_layer(layer: str) -> None:
    if layer not in LAYERS:
        raise QueryError(f"layer: unknown layer {layer[:40]!r}; known: {', '.join(LAYERS)}")


EXPORT_PAGE = 2000  # records read per query while streaming an export


def layer_records(get_store: Callable[[], Store], layer: str, **filters: Optional[str]) -> Iterator[dict[str, Any]]:
    """Every record of ``layer`` matching the filters (see ``Store.list_layer``), read from the
    store a page at a time. ``get_store`` is called for every page: a streamed response may
    resume this on another thread (see ``browse.export_records``). Malformed filters raise
    QueryError now, before anything is read."""
    _known_layer(layer)
    return _pages(get_store, layer, "issue", layer_filters(**filters))


def _pages(get_store: Callable[[], Store], layer: str, order: str, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = list(get_store().list_layer(layer, order=order, limit=EXPORT_PAGE, offset=offset, **filters))
        yield from page
        if len(page) < EXPORT_PAGE:
            return
        offset += EXPORT_PAGE


def layer_page(store: Store, layer: str, *, limit: int = 100, offset: int = 0,
               **filters: Optional[str]) -> dict[str, Any]:
    """One page of a layer's records: ``total`` matching, ``records`` from ``offset`` (the
    store reads that page only)."""
    _known_layer(layer)
    checked = layer_filters(**filters)
    page = list(store.list_layer(layer, limit=limit, offset=offset, **checked))
    return {
        "layer": layer,
        "filters": checked,
        "total": store.count_layer(layer, **checked),
        "limit": limit,
        "offset": offset,
        "records": [{**r, "source_url": source_url(r["doc_id"], r.get("span"))} for r in page],
    }


# -- citations -------------------------------------------------------------------------------


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


# -- validity --------------------------------------------------------------------------------


def validity_records(store: Store, docs: Optional[dict[str, dict[str, Any]]] = None) -> dict[str, dict[str, Any]]:
    """doc id → its validity record, with its repeal as the store recorded it, in its own
    issue or across issues (``Store.validity_repeals``: the earliest): ``repealed_by`` and
    ``repealed_on`` (the repealing document's effective date, else its date), and a record
    of its own if it had none — what search's ``in_force_on`` reads too."""
    records = {r["doc_id"]: dict(r) for r in store.list_layer("validity")}
    repealed = store.validity_repeals()
    if not repealed:
        return records
    docs = catalogue(store) if docs is None else docs
    for doc_id, (repealed_by, repealed_on) in repealed.items():
        target, record, doc = records.get(doc_id), records.get(repealed_by), docs.get(doc_id)
        if target is None and record is not None and doc is not None:
            target = records[doc_id] = {
                "doc_id": doc_id, "doc_number": doc.get("doc_number"), "doc_seq": doc["seq"],
                "span": record.get("span"), "effective_from": None, "expires_on": None, "trial": False,
                "repeals": [], "evidence": record.get("evidence"), "layer": "validity",
                "confidence": 0.7, "evidence_doc_id": repealed_by,
            }
        if target is not None:
            target["repealed_by"], target["repealed_on"] = repealed_by, repealed_on
    return records


def validity_view(store: Store, doc_id: str, on: Optional[str] = None,
                  docs: Optional[dict[str, dict[str, Any]]] = None) -> Optional[dict[str, Any]]:
    """A document's validity record and its status (``status_on``: 现行有效 / 尚未生效 /
    已失效 / 已废止 / 未知) on ``on`` (default today); ``applies`` is False for a document
    whose type has no validity (``has_validity``: 任免, 批复) and which states none.
    None when no such document is stored."""
    day = parse_day(on, "on") or _today()
    docs = catalogue(store) if docs is None else docs
    if doc_id not in docs:
        return None
    record = validity_records(store, docs).get(doc_id)
    evidence_doc = (record or {}).get("evidence_doc_id") or (record or {}).get("doc_id")
    return {
        "document": _doc_ref(docs, doc_id),
        "on": day,
        "status": status_on(record, day) if record else "未知",
        "applies": record is not None or has_validity(docs[doc_id].get("doc_type"), docs[doc_id].get("title"),
                                                      docs[doc_id].get("section")),
        "record": record,
        "repealed_by": _doc_ref(docs, (record or {}).get("repealed_by")),
        "source_url": source_url(evidence_doc, record.get("span")) if record else None,
    }


def documents_in_force_on(store: Store, on: Any) -> set[str]:
    """Ids of the stored documents in force on ``on`` (a date or ISO string): those whose
    validity record — with repeals read across issues — has status 现行有效 that day.

    Documents that state nothing about their validity are not in the set: "in force" is
    only claimed where the text says when it took effect."""
    day = on.isoformat() if isinstance(on, date) else parse_day(str(on), "in_force_on")
    return {doc_id for doc_id, record in validity_records(store).items() if status_on(record, day) == "现行有效"}


# -- people ----------------------------------------------------------------------------------


class _Groups:
    """Union-find over record indices."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)


def _government(region_code: Optional[str], names: dict[str, str]) -> Optional[str]:
    name = names.get(region_code or "")
    if name is None and region_code:
        found = region_of(region_code)
        name = found.name if found else None
    return f"{name}人民政府" if name else None


def _person_events(store: Store, name: str, docs: dict[str, dict[str, Any]],
                   regions: dict[str, str]) -> list[dict[str, Any]]:
    events = []
    for r in store.list_layer("personnel", person=name):
        if r.get("person") != name:
            continue
        region = (docs.get(r["doc_id"]) or {}).get("region_code")
        events.append({**_with_links(r, docs), "kind": "personnel",
                       "organisation": r.get("organisation") or None, "region_code": region})
    for r in store.list_layer("duties", person=name):
        if r.get("leader") != name:
            continue
        events.append({**_with_links(r, docs), "kind": "duties", "action": "分工", "position": r.get("role"),
                       "organisation": _government(r.get("region_code"), regions), "region_code": r.get("region_code")})
    events.sort(key=lambda e: (e.get("date") or "", e["doc_id"], (e.get("span") or [0])[0]))
    return events


def person_view(store: Store, name: str) -> Optional[dict[str, Any]]:
    """One name's career across every stored issue: 任免 actions and 分工 entries, by date.

    Records are one person when they come from the same document (a 任免 notice naming a
    person twice: 任 one post, 免 another) or name the same organisation (canonical, so
    县发改局 and 盂县发展和改革局 agree). Groups that share nothing stay apart: ``identities``
    then holds several people of that name and ``ambiguous`` is true — shown, not merged.
    None when no record names ``name``."""
    name = _clean_name(name, "name")
    docs = catalogue(store)
    regions = _region_names(store)
    events = _person_events(store, name, docs, regions)
    memberships = [{**_with_links(r, docs), "group_url": group_url(r["group"])}
                   for r in store.list_layer("groups", person=name) if r.get("person") == name]
    if not events and not memberships:
        return None
    groups = _Groups(len(events))
    first_by: dict[tuple[str, str], int] = {}
    for i, event in enumerate(events):
        for key in (("doc", event["doc_id"]), ("org", event.get("organisation") or "")):
            if key[1]:
                if key in first_by:
                    groups.union(i, first_by[key])
                else:
                    first_by[key] = i
    members: dict[int, list[int]] = {}
    for i in range(len(events)):
        members.setdefault(groups.find(i), []).append(i)
    identities = []
    for number, indices in enumerate(sorted(members.values(), key=lambda ix: min(ix)), start=1):
        timeline = [events[i] for i in indices]
        for event in timeline:
            event["identity"] = number
        organisations = list(dict.fromkeys(e["organisation"] for e in timeline if e.get("organisation")))
        codes = list(dict.fromkeys(e["region_code"] for e in timeline if e.get("region_code")))
        latest = timeline[-1]
        identities.append({
            "identity": number,
            "organisations": organisations,
            "regions": [{"region_code": c, "region": regions.get(c)} for c in codes],
            "first_date": timeline[0].get("date"),
            "last_date": latest.get("date"),
            "latest": {key: latest.get(key) for key in ("action", "position", "organisation", "date", "doc_id")},
            "timeline": timeline,
        })
    return {"name": name, "ambiguous": len(identities) > 1, "identities": identities, "timeline": events,
            "groups": memberships}


# Surnames read otherwise than their character's common reading (pypinyin reads 翟 as di).
SURNAME_READINGS = {
    "翟": "zhai2", "单": "shan4", "曾": "zeng1", "仇": "qiu2", "解": "xie4", "查": "zha1", "区": "ou1",
    "朴": "piao2", "乐": "yue4", "盖": "ge3", "覃": "qin2", "缪": "miao4", "召": "shao4", "种": "chong2",
    "员": "yun4", "尉": "yu4", "纪": "ji3", "燕": "yan1", "华": "hua4", "任": "ren2", "宁": "ning4",
}


def pinyin_order(name: str) -> tuple[list[str], str]:
    """Sort key of a person's name as a Chinese index orders it: by pinyin (tone numbers break
    ties), the surname in its surname reading, then by the characters."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)
    if syllables and name[:1] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[name[0]]
    return syllables, name


def people(store: Store) -> list[dict[str, Any]]:
    """Every person a 任免 record or a 分工 entry names, with counts, units and the latest
    action, in pinyin order (:func:`pinyin_order`). A 分工 entry's unit is its government."""
    regions = _region_names(store)
    found: dict[str, dict[str, Any]] = {}
    for layer, key in (("personnel", "person"), ("duties", "leader")):
        for r in store.list_layer(layer):
            name = r.get(key)
            if not name:
                continue
            entry = found.setdefault(name, {"name": name, "records": 0, "documents": set(), "organisations": set(),
                                            "latest": None, "url": person_url(name)})
            entry["records"] += 1
            entry["documents"].add(r["doc_id"])
            org = r.get("organisation") if layer == "personnel" else _government(r.get("region_code"), regions)
            if org:
                entry["organisations"].add(org)
            event = {"date": r.get("date"), "action": r.get("action") if layer == "personnel" else "分工",
                     "position": r.get("position") if layer == "personnel" else r.get("role"), "doc_id": r["doc_id"]}
            if entry["latest"] is None or (event["date"] or "") >= (entry["latest"]["date"] or ""):
                entry["latest"] = event
    out = []
    for entry in found.values():
        out.append({**entry, "documents": len(entry["documents"]), "organisations": sorted(entry["organisations"])})
    return sorted(out, key=lambda e: pinyin_order(e["name"]))


# -- units -----------------------------------------------------------------------------------


def _split_names(text: Optional[str]) -> list[str]:
    """Unit names of an issuer / recipients / signature line, split at ，、；: outside brackets."""
    return split_outside_brackets(text or "", "，,、；;：:\n")


def _readings(store: Store, name: str, region: Optional[str]) -> list[tuple[Any, Optional[str]]]:
    """The units ``name`` can denote: in ``region``, else in each stored region."""
    codes = [region] if region else sorted({c for c in _gazette_regions(store).values() if c}) or [None]
    seen: dict[str, tuple[Any, Optional[str]]] = {}
    for code in codes:
        unit = resolve(name, code)
        seen.setdefault(unit.canonical, (unit, code))
    readings = list(seen.values())
    scoped = [r for r in readings if r[0].region_code]
    return scoped or readings


def _unit_matches(store: Store, unit: Any, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    target = unit.canonical

    def hit(printed: Optional[str], region: Optional[str]) -> bool:
        return bool(printed) and canonical(printed, region) == target

    documents = []
    for doc in docs.values():
        region = doc.get("region_code")
        roles = [role for role, key in (("issuer", "issuer"), ("signed_by", "signed_by"), ("recipient", "recipients"))
                 if any(hit(n, region) for n in _split_names(doc.get(key)))]
        if roles:
            documents.append({**_doc_ref(docs, doc["id"]), "roles": roles})
    regions = _gazette_regions(store)
    tasks = []
    for record in store.list_layer("tasks", unit=target):
        region = regions.get(gazette_of(record["doc_id"]))
        roles = [role for role in TASK_ROLES if any(hit(n, region) for n in record.get(f"{role}_units") or [])]
        if roles:
            tasks.append({**_task_row(record, docs, region), "roles": roles})
    duties = []
    for record in store.list_layer("duties", unit=target):
        region = record.get("region_code") or regions.get(gazette_of(record["doc_id"]))
        kinds = [label for key, label in (("manages", "分管"), ("liaises", "联系"))
                 if any(hit(n, region) for n in record.get(key) or [])]
        if not kinds and any(hit(n, region) for n in record.get("units") or []):
            kinds = ["分管"]
        if kinds:
            duties.append({**_with_links(record, docs), "kinds": kinds, "person_url": person_url(record["leader"])})
    personnel = [
        {**_with_links(r, docs), "person_url": person_url(r["person"])}
        for r in store.list_layer("personnel", unit=target) if r.get("organisation") == target
    ]
    return {"documents": documents, "tasks": tasks, "duties": duties, "personnel": personnel}


def _count(matches: dict[str, Any]) -> int:
    return sum(len(v) for v in matches.values())


def unit_view(store: Store, name: str, region: Optional[str] = None) -> Optional[dict[str, Any]]:
    """One organisation: its canonical unit (``gongbao.extract.orgs.resolve`` in ``region``,
    else in the stored region where the name is found most), the documents it issued, signed
    or was sent (``roles``), the tasks naming it (``roles``: lead / responsible / cooperating),
    the leaders it is assigned to (``kinds``: 分管 / 联系) and the 任免 of its posts.

    When the name denotes different units in different stored regions (应急管理局 → 盂县应急管理局,
    阳泉市应急管理局), the others are in ``alternatives``. None when nothing names it."""
    name = _clean_name(name, "name")
    code = region_code(region)
    docs = catalogue(store)
    names = _region_names(store)
    scored = []
    for unit, home in _readings(store, name, code):
        matches = _unit_matches(store, unit, docs)
        scored.append((unit, home, matches))
    scored.sort(key=lambda item: -_count(item[2]))
    unit, home, matches = scored[0]
    if not _count(matches):
        return None
    unit_region = unit.region_code or home
    found = region_of(unit_region) if unit_region else None
    tasks = matches["tasks"]
    return {
        "name": name,
        "canonical": unit.canonical,
        "region_code": unit_region,
        "region": names.get(unit_region or "") or (found.name if found else None),
        "variants": list(unit.variants),
        "note": unit.note,
        "alternatives": [
            {"canonical": u.canonical, "region_code": u.region_code or h, "records": _count(m),
             "url": unit_url(u.canonical, u.region_code or h)}
            for u, h, m in scored[1:] if _count(m)
        ],
        "documents": matches["documents"],
        "tasks": tasks[:MAX_UNIT_TASKS],
        "tasks_total": len(tasks),
        "task_roles": dict(Counter(role for t in tasks for role in t["roles"])),
        "duties": matches["duties"],
        "personnel": matches["personnel"],
        "ledger_url": ledger_url(unit.canonical, unit_region),
    }


# -- the task ledger -------------------------------------------------------------------------

SORTS = {"document": "issue", "deadline": "deadline"}  # ledger sort → Store.list_layer order


def _matched_roles(record: dict[str, Any], unit: str, region: Optional[str]) -> list[str]:
    """The roles in which a ledger row names the ``unit`` asked for (as the store's unit filter
    reads it: part of a printed or canonical name, or the agency under any of its names)."""
    wanted = [fold(unit), fold(canonical(unit, region)), *(fold(a) for a in agency_names(unit))]
    roles = []
    for role in TASK_ROLES:
        for printed in record.get(f"{role}_units") or []:
            names = (fold(printed), fold(canonical(printed, region)))
            if any(w and w in n for w in wanted for n in names):
                roles.append(role)
                break
    return roles


def _ledger_filters(unit: Optional[str], region: Optional[str], due_from: Optional[str], due_to: Optional[str],
                    overdue_as_of: Optional[str], doc_id: Optional[str], sort: str) -> dict[str, Any]:
    if sort not in SORTS:
        raise QueryError(f"sort: expected one of {', '.join(SORTS)}")
    filters = layer_filters(unit=unit, due_from=due_from, due_to=due_to, overdue_as_of=overdue_as_of, doc_id=doc_id)
    code = region_code(region)
    return {**filters, **({"region": code} if code else {})}


def task_ledger(store: Store, *, unit: Optional[str] = None, region: Optional[str] = None,
                due_from: Optional[str] = None, due_to: Optional[str] = None,
                overdue_as_of: Optional[str] = None, doc_id: Optional[str] = None,
                sort: str = "document", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """One page of the tasks (任务分工) of every stored document, filtered: ``unit`` (lead,
    responsible or cooperating; part of a name is enough, any spelling of an agency),
    ``region``, deadline range ``due_from`` / ``due_to``, ``overdue_as_of`` (deadline before
    that day). ``sort``: document (issue and outline order) or deadline (soonest first,
    undated last). The store reads the page only (and counts the rest); :func:`task_export`
    streams them all."""
    filters = _ledger_filters(unit, region, due_from, due_to, overdue_as_of, doc_id, sort)
    page = list(store.list_layer("tasks", order=SORTS[sort], limit=limit, offset=offset, **filters))
    regions = _gazette_regions(store)
    docs = catalogue(store, (r["doc_id"] for r in page))
    rows = []
    for record in page:
        row_region = regions.get(gazette_of(record["doc_id"]))
        row = _task_row(record, docs, row_region)
        if filters.get("unit"):
            row["matched_roles"] = _matched_roles(record, filters["unit"], row_region)
        rows.append(row)
    return {
        "filters": {**filters, "sort": sort},
        "total": store.count_layer("tasks", **filters),
        "limit": limit,
        "offset": offset,
        "tasks": rows,
    }


def task_export(get_store: Callable[[], Store], *, unit: Optional[str] = None, region: Optional[str] = None,
                due_from: Optional[str] = None, due_to: Optional[str] = None,
                overdue_as_of: Optional[str] = None, doc_id: Optional[str] = None,
                sort: str = "document") -> Iterator[dict[str, Any]]:
    """Every row of the :func:`task_ledger` with these filters, as exported (the record and
    its ``region_code``), read from the store a page at a time. Malformed filters raise
    QueryError now, before anything is read."""
    filters = _ledger_filters(unit, region, due_from, due_to, overdue_as_of, doc_id, sort)
    regions = _gazette_regions(get_store())
    records = _pages(get_store, "tasks", SORTS[sort], filters)
    return ({**record, "region_code": regions.get(gazette_of(record["doc_id"]))} for record in records)


# -- the hazard registry ---------------------------------------------------------------------

STATUSES = ("open", "closed")


def hazard_registry(store: Store, *, region: Optional[str] = None, status: Optional[str] = None,
                    enterprise: Optional[str] = None, as_of: Optional[str] = None,
                    limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """挂牌督办 cases (``hazard_cases``): open ones, and closed ones with their 摘牌 / 销案;
    ``limit`` of them from ``offset``.

    Each case has ``enterprise``, ``status``, ``hazard`` and ``basis`` (of its listing, else
    of its closing), ``opened_on`` / ``closed_on`` with the ``opened_document`` /
    ``closed_document`` and their ``source_url``s, every ``listings`` record (relisted while
    open), ``deadline`` and ``overdue`` (open with a 整改期限 before ``as_of``, default
    today). ``counts`` tells open and closed cases and 挂牌 listings over the whole region,
    before ``status`` narrows the list; ``total`` the cases listed. "Open" only means no stored
    issue prints its 摘牌: ``searched_through`` is the latest issue searched (``id``, ``title``,
    ``year``, ``issue``, ``published``), so a page can say how far the gazettes were read. Cases
    are made of the region's hazard records (a 摘牌 closes a listing by its enterprise's name,
    which SQL cannot match), the documents are read for the page's cases only."""
    if status is not None and status not in STATUSES:
        raise QueryError(f"status: expected one of {', '.join(STATUSES)}")
    day = parse_day(as_of, "as_of") or _today()
    code = region_code(region)
    filters = layer_filters(enterprise=enterprise)
    searched = [g for g in store.list_gazettes() if not code or g.get("region_code") == code]
    latest = max(searched, key=lambda g: (g.get("published") or "", g.get("year") or 0, g.get("issue") or 0), default=None)
    records = list(store.list_layer("hazards", **filters, **({"region": code} if code else {})))
    budget.check("grouping the hazard records into cases")
    cases = hazard_cases(records)
    counts = {
        "open": sum(c.status == "open" for c in cases),
        "closed": sum(c.status == "closed" for c in cases),
        "listings": sum(len(c.listings) for c in cases),
        "overdue": sum(c.overdue(day) for c in cases),
    }
    shown = [c for c in cases if status is None or c.status == status]
    page = shown[offset: offset + limit]
    docs = catalogue(store, (r["doc_id"] for c in page for r in (c.opened, c.closed) if r))
    return {
        "filters": {**filters, **({"region": code} if code else {}), **({"status": status} if status else {}),
                    "as_of": day},
        "counts": counts,
        "searched_through": {key: latest.get(key) for key in ("id", "title", "year", "issue", "published")}
        if latest else None,
        "total": len(shown),
        "limit": limit,
        "offset": offset,
        "cases": [_case_view(case, docs, day) for case in page],
    }


def _case_view(case: Any, docs: dict[str, dict[str, Any]], day: str) -> dict[str, Any]:
    data = case.to_dict()
    first = case.opened or case.closed or {}
    data.update(
        hazard=first.get("hazard"),
        basis=first.get("basis"),
        articles=first.get("articles"),
        supervising_unit=first.get("supervising_unit"),
        region_code=(docs.get(first.get("doc_id")) or {}).get("region_code"),
        overdue=case.overdue(day),
        opened_document=_doc_ref(docs, (case.opened or {}).get("doc_id")),
        opened_source_url=source_url(case.opened["doc_id"], case.opened.get("span")) if case.opened else None,
        closed_document=_doc_ref(docs, (case.closed or {}).get("doc_id")),
        closed_source_url=source_url(case.closed["doc_id"], case.closed.get("span")) if case.closed else None,
    )
    return data


# -- duties ----------------------------------------------------------------------------------


def _related_fields(entry: dict[str, Any], wanted: str) -> list[str]:
    """Fields of an entry that are part of the area asked for: 安全 for 安全生产, 应急 for 应急管理."""
    return [a for a in entry.get("areas") or [] if len(fold(a)) >= 2 and fold(a) in wanted and fold(a) != wanted]


def duties_on(store: Store, on: Optional[str] = None, area: Optional[str] = None,
              region: Optional[str] = None) -> dict[str, Any]:
    """The leaders' 分工 in force on ``on`` (default today; ``in_force``: the latest full
    notice before it, changed by later adjustments), per region.

    With ``area`` (a field like 安全生产 or a unit like 县应急局): ``responsible`` are the
    leaders ``responsible_on`` finds (the field or unit named in their entry), ``related``
    those with a field that is part of the area asked for (安全 for 安全生产) — shown apart,
    as a lead, not as an answer."""
    day = parse_day(on, "on") or _today()
    code = region_code(region)
    records = list(store.list_layer("duties"))
    docs = catalogue(store)
    leaders = []
    for entry in in_force(records, day, code):
        region_entry = entry.get("region_code")
        row = _with_links(entry, docs)
        row["person_url"] = person_url(entry["leader"])
        row["unit_links"] = [{"name": u, "url": unit_url(u, region_entry)} for u in entry.get("units") or []]
        leaders.append(row)
    responsible: list[dict[str, Any]] = []
    related: list[dict[str, Any]] = []
    if area is not None and area.strip():
        wanted = fold(area.strip())
        exact = {(e["doc_id"], e["leader"]) for e in responsible_on(records, area.strip(), day, code)}
        for row in leaders:
            if (row["doc_id"], row["leader"]) in exact:
                row["matched"] = [a for a in row.get("areas") or [] if wanted in fold(a)] + [
                    u for u in row.get("units") or [] if wanted in fold(u) or
                    canonical(u, row.get("region_code")) == canonical(area.strip(), row.get("region_code"))]
                responsible.append(row)
            else:
                fields = _related_fields(row, wanted)
                if fields:
                    related.append({**row, "matched": fields})
    notices = supersedes(records)
    in_force_docs = list(dict.fromkeys(row["doc_id"] for row in leaders))
    return {
        "on": day,
        "area": area.strip() if area else None,
        "region": code,
        "leaders": leaders,
        "responsible": responsible,
        "related": related,
        "notices": [{**_doc_ref(docs, d), "supersedes": [_doc_ref(docs, s) for s in notices.get(d, []) if s in docs]}
                    for d in in_force_docs if d in docs],
    }


# -- groups (领导小组 / 工作专班 / 指挥部 / 委员会) ---------------------------------------------


def _role_key(role: str) -> tuple[int, str]:
    return (ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER), role)


def _composition(records: list[dict[str, Any]], docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document's records of a group: its members by role, and its office."""
    first = records[0]
    roles: dict[str, list[dict[str, Any]]] = {}
    offices = []
    for r in records:
        linked = _with_links(r, docs)
        if r.get("person"):
            roles.setdefault(r["role"], []).append({**linked, "person_url": person_url(r["person"])})
        elif r.get("office"):
            offices.append(linked)
    start = min(r["span"][0] for r in records)
    end = max(r["span"][1] for r in records)
    return {
        "document": _doc_ref(docs, first["doc_id"]),
        "doc_id": first["doc_id"],
        "date": first.get("date"),
        "adjustment": bool(first.get("adjustment")),
        "source_url": source_url(first["doc_id"], [start, end]),
        "offices": offices,
        "members": sum(len(m) for m in roles.values()),
        "roles": [{"role": role, "members": roles[role]} for role in sorted(roles, key=_role_key)],
    }


def group_view(store: Store, name: str) -> Optional[dict[str, Any]]:
    """A group across every stored issue: each document that set it up or changed it (人员调整),
    oldest first, with its members by role and its office; ``current`` is the latest;
    ``subgroups`` its working groups (第一组, 综合协调组…) and ``parent`` the group a working
    group belongs to. None when no record names the group."""
    name = _clean_name(name, "group")
    docs = catalogue(store)
    history = group_history(store.list_layer("groups"), name)
    if not history:
        return None
    documents = [_composition(records, docs) for _doc_id, records in history]
    group = history[-1][1][0]["group"]
    names = {fold(r["group"]): r["group"] for r in store.list_layer("groups")}
    key = fold(group)
    subgroups = [{"name": n, "url": group_url(n)} for k, n in sorted(names.items()) if k.startswith(key) and k != key]
    parents = [{"name": n, "url": group_url(n)} for k, n in names.items() if key.startswith(k) and k != key]
    return {"name": group, "documents": documents, "current": documents[-1], "subgroups": subgroups,
            "parent": max(parents, key=lambda p: len(p["name"])) if parents else None}


def groups_list(store: Store) -> list[dict[str, Any]]:
    """Every group the records name, with its documents, members and office, by name."""
    found: dict[str, dict[str, Any]] = {}
    for r in store.list_layer("groups"):
        entry = found.setdefault(fold(r["group"]), {"name": r["group"], "documents": set(), "persons": set(),
                                                    "offices": [], "latest_date": None, "url": group_url(r["group"])})
        entry["documents"].add(r["doc_id"])
        if r.get("person"):
            entry["persons"].add(r["person"])
        if r.get("office") and r["office"] not in entry["offices"]:
            entry["offices"].append(r["office"])
        if (r.get("date") or "") >= (entry["latest_date"] or ""):
            entry["latest_date"] = r.get("date")
    out = [{**e, "documents": len(e["documents"]), "persons": len(e["persons"])} for e in found.values()]
    return sorted(out, key=lambda e: e["name"])


# -- one document's layers -------------------------------------------------------------------


def document_layers(store: Store, doc_id: str, on: Optional[str] = None) -> dict[str, Any]:
    """What the extractors read out of one document, for its page: persons appointed or
    removed, tasks, hazards, leaders' duties, its validity and its citations."""
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
    }


VIEW_KEYS = ("document", "source_url", "unit_links", "matched_roles", "person_url", "group_url")


def iter_rows(records: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Records as exported: the links a view adds dropped (a ledger row keeps its region_code)."""
    for record in records:
        yield {k: v for k, v in record.items() if k not in VIEW_KEYS}

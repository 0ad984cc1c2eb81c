"""Presentation helpers for the templates: dates, 公文 body blocks, URLs that keep the search state."""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import quote, urlencode

from ..export import document_tables
from ..labels import FACET_LABELS, LEVEL_LABELS
from ..views import KIND_LABELS, ROLE_LABELS, person_url, unit_url
from ..search import facet_label as search_facet_label
from ..search.query import MAX_TERMS

SORT_LABELS = {"relevance": "相关度", "newest": "最新", "oldest": "最早"}
HEADING_MAX = 40  # longer "headings" are numbered paragraphs, not headings


def chinese_date(value: Optional[str]) -> str:
    """``2023-08-08`` → ``2023年8月8日`` (anything else is shown as it is)."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value or "")
    if not match:
        return value or ""
    year, month, day = match.groups()
    return f"{int(year)}年{int(month)}月{int(day)}日"


SHORT_TITLE = 24  # characters of a title a breadcrumb shows
# The 公文 frame of a title: 关于 … 的通知 (the 文种 says what kind, the rest what about)
_TITLE_FRAME = re.compile(r"^关于(?P<core>.+?)的(?:通知|通报|批复|决定|意见|报告|请示|函|公告|通告|命令|决议)$")


def short_title(title: Optional[str], issuer: Optional[str] = None) -> str:
    """A title as a breadcrumb shows it: without its issuer and its 关于…的通知 frame, cut to
    ``SHORT_TITLE`` characters (``盂县人民政府关于任丽鹏等同志职务任免的通知`` → ``任丽鹏等同志职务任免``)."""
    text = title or ""
    for name in filter(None, (issuer or "").split("、")):
        text = text.removeprefix(name).lstrip("、")
    match = _TITLE_FRAME.match(text)
    text = (match.group("core") if match else text) or title or ""
    return text if len(text) <= SHORT_TITLE else text[: SHORT_TITLE - 1] + "…"


def issue_label(gazette: Mapping[str, Any]) -> str:
    """``2023年第3期（总第11期）``"""
    parts = []
    if gazette.get("year") and gazette.get("issue"):
        parts.append(f"{gazette['year']}年第{gazette['issue']}期")
    if gazette.get("total_issue"):
        parts.append(f"（总第{gazette['total_issue']}期）")
    return "".join(parts)


def body_blocks(paragraphs: Iterable[Mapping[str, Any]], tables: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """Paragraphs as blocks to render: outline headings, paragraphs, tables.

    A level 1–4 paragraph that is short and has no full stop is a heading; a
    longer one is a numbered paragraph whose first sentence is its heading
    (公文 style: ``（一）建立健全信用承诺制度。全面梳理……``). A table the parser rebuilt
    (``tables``: caption, unit, header, rows, span, and ``n`` for its CSV) stands where its
    lines were; other consecutive table rows (cells separated by tabs) make one table.
    ``第X条`` paragraphs and ``第X章`` headings carry an ``anchor`` (``#第十二条``).
    """
    blocks: list[dict[str, Any]] = []
    pending = sorted(tables, key=lambda t: t["span"][0])
    shown: list[Mapping[str, Any]] = []
    for paragraph in paragraphs:
        text, level = paragraph.get("text") or "", paragraph.get("level") or 0
        span = paragraph.get("span") or [0, 0]
        table = next((t for t in pending + shown if t["span"][0] <= span[0] and span[1] <= t["span"][1]), None)
        if table is not None:
            if table in pending:  # the rebuilt table, once, where its first line was
                pending.remove(table)
                shown.append(table)
                blocks.append({"kind": "table", "caption": table.get("caption"), "unit": table.get("unit"),
                               "header": list(table.get("header") or []), "rows": [list(r) for r in table.get("rows") or []],
                               "n": table.get("n")})
            continue
        if paragraph.get("table"):
            cells = [cell.strip() for cell in text.split("\t")]
            if blocks and blocks[-1]["kind"] == "table" and blocks[-1].get("n") is None:
                blocks[-1]["rows"].append(cells)
            else:
                blocks.append({"kind": "table", "rows": [cells], "header": []})
            continue
        level = level if 1 <= level <= 4 else 0
        anchor = _anchor(text)
        if level and len(text) <= HEADING_MAX and "。" not in text:
            blocks.append({"kind": "heading", "level": level, "text": text, "anchor": anchor})
            continue
        lead, rest = "", text
        if level:
            stop = text.find("。")
            if 0 < stop < min(HEADING_MAX, len(text) - 1):  # a lone sentence has no heading of its own
                lead, rest = text[: stop + 1], text[stop + 1:]
        blocks.append({"kind": "paragraph", "level": level, "lead": lead, "text": rest, "anchor": anchor})
    for block in blocks:
        if block["kind"] == "table":  # OCR'd tables are ragged: square them up for the borders
            width = block["columns"] = max(len(row) for row in block["rows"] + [block["header"] or [""]])
            block["rows"] = [row if len(row) == 1 else row + [""] * (width - len(row)) for row in block["rows"]]
    return blocks


def document_content(record: Mapping[str, Any]) -> dict[str, Any]:
    """What the document page shows of a record's content: ``blocks`` of the body,
    ``attachments`` (number, title, omitted, blocks) and the ``outline`` of chapters (or
    articles) linking to their anchors. Tables are numbered as their CSV URLs number them."""
    numbered = document_tables(dict(record))
    body_tables = [t for t in numbered if t["where"] == "正文"]
    attachments = []
    for att in record.get("attachment_bodies") or []:
        label = f"附件{att.get('number') or ''}"
        own = [t for t in numbered if t["where"] == label and t["span"][0] >= att["span"][0] and t["span"][1] <= att["span"][1]]
        paragraphs = list(att.get("paragraphs") or [])
        # the heading and title lines are shown as the section's heading
        while paragraphs and paragraphs[0].get("text") and (paragraphs[0]["text"].startswith(("附件", "附表")) or _same(paragraphs[0]["text"], att.get("title") or "")):
            paragraphs.pop(0)
        attachments.append({**att, "blocks": body_blocks(paragraphs, own)})
    articles = record.get("articles") or []
    chapters: list[dict[str, str]] = []
    for article in articles:
        if article.get("chapter") and (not chapters or chapters[-1]["label"] != article["chapter"]):
            chapters.append({"label": article["chapter"], "anchor": article["article"]})
    return {
        "blocks": body_blocks(record.get("paragraphs") or [], body_tables),
        "attachments": attachments,
        "outline": chapters,
    }


def _same(text: str, title: str) -> bool:
    return bool(title) and re.sub(r"\s|[（(]略[)）]", "", text) in re.sub(r"\s", "", title) and len(text) >= 2


_ARTICLE_ANCHOR = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]{1,6}[条章]")


def _anchor(text: str) -> Optional[str]:
    """``第十二条…`` → ``第十二条``: the fragment a citation of an article links to."""
    m = _ARTICLE_ANCHOR.match(text)
    return m.group(0) if m else None


def search_url(params: Mapping[str, Any], path: str = "/search", **changes: Any) -> str:
    """``path`` with the search state ``params`` changed by ``changes`` (None removes a key).

    Any change but paging goes back to page 1: the old page may not exist any more.
    """
    state = {key: value for key, value in params.items() if value not in (None, "")}
    if "page" not in changes:
        state.pop("page", None)
    for key, value in changes.items():
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    if state.get("page") == 1:
        state.pop("page")
    if state.get("sort") == "relevance":
        state.pop("sort")
    if state.get("per_page") == 20:
        state.pop("per_page")
    return path + ("?" + urlencode(state) if state else "")


def page_numbers(page: int, last: int, around: int = 2) -> list[Optional[int]]:
    """Page links to show: first, last and a window around ``page``; None marks a gap."""
    shown = sorted({1, last, *range(max(1, page - around), min(last, page + around) + 1)})
    out: list[Optional[int]] = []
    for number in shown:
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def carried_by(documents: Iterable[Mapping[str, Any]]) -> dict[int, list[Mapping[str, Any]]]:
    """seq of a notice → the documents it carries (印发/转发), in reading order."""
    carried: dict[int, list[Mapping[str, Any]]] = {}
    for doc in documents:
        if doc.get("parent_seq"):
            carried.setdefault(doc["parent_seq"], []).append(doc)
    return carried


def doc_number_path(number: str) -> str:
    return "/doc/" + quote(number, safe="")


def feed_path(kind: str, value: str) -> str:
    """Path of the region or issuer feed (``gongbao.api.feeds``; names may hold any character)."""
    return f"/feeds/{kind}/{quote(value, safe='')}.atom"


def facet_label(name: str, value: Any, names: Mapping[str, str]) -> str:
    """How a facet value reads: region codes and gazette ids get their names from ``names``
    (what the store calls them), else from the search library."""
    if name == "level":
        return LEVEL_LABELS.get(value, str(value))
    return names.get(str(value)) or search_facet_label(name, str(value))


# How a status of the layer views reads, and the class that colours it.
# "open": no stored issue prints the 摘牌 (it may have happened unpublished): say only that.
STATUS_LABELS = {"open": "公报未载摘牌", "closed": "已摘牌"}
VALIDITY_CLASSES = {"现行有效": "ok", "尚未生效": "info", "已失效": "off", "已废止": "off", "未知": "unknown"}
DOC_ROLE_LABELS = {"issuer": "发文", "signed_by": "署名", "recipient": "主送"}


def span_label(span: Any) -> str:
    """``[2136, 2149]`` → ``字符 2136–2149``."""
    if isinstance(span, (list, tuple)) and len(span) == 2:
        return f"字符 {span[0]}–{span[1]}"
    return ""


def grouped(number: int) -> str:
    """A count with thousands separators (约 544,000 份文件)."""
    return f"{number:,}"


FILTERS = {"chinese_date": chinese_date, "issue_label": issue_label, "short_title": short_title, "span_label": span_label, "grouped": grouped}
GLOBALS = {
    "MAX_TERMS": MAX_TERMS,
    "search_url": search_url,
    "page_numbers": page_numbers,
    "carried_by": carried_by,
    "doc_number_path": doc_number_path,
    "facet_label": facet_label,
    "FACET_LABELS": FACET_LABELS,
    "SORT_LABELS": SORT_LABELS,
    "LEVEL_LABELS": LEVEL_LABELS,
    "person_url": person_url,
    "unit_url": unit_url,
    "ROLE_LABELS": ROLE_LABELS,
    "KIND_LABELS": KIND_LABELS,
    "STATUS_LABELS": STATUS_LABELS,
    "VALIDITY_CLASSES": VALIDITY_CLASSES,
    "DOC_ROLE_LABELS": DOC_ROLE_LABELS,
}

"""The metadata table of a policy-library page (政策文件库, 政府信息公开): its labels and how
its pairs are read back from the text.

The national library prints 索引号/主题分类/发文机关/成文日期/标题/发文字号/发布日期 above the
document; provincial and municipal 政府信息公开 pages print the same kind of table under
other labels (发布机构, 文号, 公开日期…). ``formats.html`` writes such a table as one
``label：value`` line per pair; a text copy of the page may keep two pairs per line,
tab-separated. Both are read here, with the span of every value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Span

# printed label (spaces removed) -> document key; labels not listed are kept in ``page`` only
LABELS: dict[str, str] = {
    "索引号": "index_no", "索取号": "index_no",
    "主题分类": "subject", "分类": "subject", "主题": "subject", "组配分类": "subject",
    "发文机关": "issuer", "发布部门": "issuer", "发布机构": "issuer", "发文单位": "issuer", "发布单位": "issuer", "发文机构": "issuer",
    "成文日期": "date", "生成日期": "date", "发文日期": "date",
    "标题": "title", "名称": "title", "文件名称": "title",
    "发文字号": "doc_number", "文号": "doc_number",
    "发布日期": "published", "公开日期": "published", "发布时间": "published",
}
# printed but not compared: kept beside the document as the page printed them
OTHER_LABELS = ("有效性", "时效性", "公开方式", "公开范围", "信息来源", "体裁", "公文种类", "主题词", "效力状态", "效力级别",
                "实施日期")

_ALL = sorted(list(LABELS) + list(OTHER_LABELS), key=len, reverse=True)
# ``label：value`` (a cell or a line), or ``【label】value`` as law databases print it
_PAIR = re.compile(r"(?:^|(?<=\t))(?:(?P<label>(?:%s))\s*[：:]|【(?P<bracketed>(?:%s))】)\s*(?P<value>[^\t]*?)\s*(?=\t|$)" % (
    ("|".join(r"\s*".join(map(re.escape, label)) for label in _ALL),) * 2))


def label_key(cell: str) -> str | None:
    """The printed label of a table cell (``索　引　号：`` → 索引号), or None."""
    label = re.sub(r"[\s：:]", "", cell)
    return label if label in LABELS or label in OTHER_LABELS else None


@dataclass(slots=True)
class PageMeta:
    """The pairs of a page's metadata table: printed label -> value, with spans."""

    values: dict[str, str] = field(default_factory=dict)
    spans: dict[str, Span] = field(default_factory=dict)

    def by_key(self, key: str) -> tuple[str, str, Span] | None:
        """(printed label, value, span) of the first pair whose label means ``key``."""
        for label, value in self.values.items():
            if LABELS.get(label) == key and value:
                return label, value, self.spans[label]
        return None


def read_page_meta(text: str, start: int, end: int) -> PageMeta:
    """The metadata pairs printed in ``text[start:end]`` (the front of a page); a table needs
    at least three recognised labels, so a stray ``标题：`` line is not one."""
    meta = PageMeta()
    pos = start
    for line in text[start:end].split("\n"):
        for m in _PAIR.finditer(line):
            label = re.sub(r"\s", "", m.group("label") or m.group("bracketed"))
            if label not in meta.values:
                meta.values[label] = m.group("value")
                meta.spans[label] = Span(pos + m.start(), pos + max(m.end("value"), m.start() + 1))
        pos += len(line) + 1
    return meta if len(meta.values) >= 3 else PageMeta()

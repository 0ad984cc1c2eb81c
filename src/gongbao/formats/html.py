"""HTML gazettes (an issue page or a single document page) with the standard library's parser.

What is not content is dropped — scripts and styles, ``nav``/``aside``/forms, ``header``/
``footer`` outside the article, and link-dense blocks of short links (menus, breadcrumbs,
"related links"); a TOC of long document titles stays. What is left is written one block per
line: ``<p>``, headings, list items and ``<br>`` end lines, each row of a data table is one
tab-separated line, and layout tables (cells holding paragraphs) are read as blocks.

Hostile pages (issue #15) cost linear time and memory and no recursion: the page is read in
one pass over a stack of open elements, each element deciding at its start (furniture) or at
its end (link density, data or layout table) what becomes of it, and its content goes into one
flat list of text and line breaks rather than a tree. Nesting deeper than :data:`MAX_DEPTH`
is flattened into the element at that depth, as browsers do.
"""
from __future__ import annotations

import codecs
import re
from bisect import bisect_right
from html.parser import HTMLParser
from typing import Optional, Union

from ..errors import InputError
from ..pagemeta import label_key

ENGINE = "html"

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_DROP = {"script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "svg", "button", "select",
         "textarea", "head", "object", "embed", "canvas", "video", "audio", "map", "title"}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section", "article",
          "main", "header", "footer", "blockquote", "pre", "table", "tr", "center", "address", "figure",
          "figcaption", "hr", "fieldset", "body", "html", "caption", "thead", "tbody", "tfoot"}
# Starting one of these closes an open element of the listed kinds (HTML's implied end tags).
_CLOSES = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr", "td", "th"},
           "td": {"td", "th"}, "th": {"td", "th"}, "option": {"option"}}
_SCOPE = {"table", "ul", "ol", "dl", "div", "body", "html", "td", "th"}  # implied ends do not cross these
# What a start tag closes: its implied ends, and an open <p> for a block.
_IMPLIED = {tag: frozenset(_CLOSES.get(tag, set()) | ({"p"} if tag in _BLOCK else set())) for tag in _BLOCK | set(_CLOSES)}
_STRUCTURAL = _BLOCK | {"td", "th"}  # elements that end lines; the others only hold text
_TABLE_PARTS = {"table", "thead", "tbody", "tfoot"}
_HAS_BLOCK = {"p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}  # a cell holding one is layout
_QUIET_DROPS = {"script", "style", "head", "title"}  # dropped without counting in the warning
LAYOUT_CELL_CHARS = 200  # a cell with more text than this makes its table a layout table

# Elements nested deeper are flattened into the one at this depth (Chromium's limit too).
MAX_DEPTH = 512
# Largest HTML page read, and most tags (each costs ~20 µs in html.parser): a gazette page is
# a few MB with tens of thousands of tags; past these it is not one issue.
MAX_HTML_BYTES = 32 * 1024 * 1024
MAX_HTML_TAGS = 1_000_000

# Link-dense: this share of the text in links, at least this many links, shorter than this on average.
LINK_SHARE = 0.5
LINK_MIN = 3
LINK_SHORT = 15
# Lines that are site furniture whatever the markup.
_FURNITURE = re.compile(r"^\s*(?:[【\[]?\s*)?(?:上一篇|下一篇|上一条|下一条|打印本页|打印|关闭窗口|关闭|分享到|字号|字体|【字体|相关链接|"
                        r"扫一扫|返回顶部|网站地图|当前位置|您当前的位置|您的位置|主办单位[：:]|承办单位[：:]|主办[：:]|版权所有|网站标识码|"
                        r"网站识别码|我要纠错|责任编辑[：:]|(?:附件下载|相关附件)[：:]\s*无\s*$)")
# A site footer line anywhere in a short line: 浙江省人民政府办公厅主办　浙ICP备05000000号
_SITE_FOOTER = re.compile(r"ICP备|网站标识码|版权所有|责任编辑[：:]")
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_WS_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])[ \\t\\r\\n\\f]*\\n[ \\t\\r\\n\\f]*(?=[{_CJK}])")
_WS = re.compile(r"[ \t\r\n\f\xa0]+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


class _Mark:
    """A line end in the content list: a block's edge (FLUSH) or a ``<br>`` (BREAK)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


FLUSH, BREAK = _Mark("flush"), _Mark("break")


class _Lines:
    """Lines already laid out (a ``<pre>`` or a data table), with their plain text for an enclosing cell."""

    __slots__ = ("lines", "raw")

    def __init__(self, lines: list[str], raw: str) -> None:
        self.lines, self.raw = lines, raw


Item = Union[str, _Mark, _Lines]


class _Open:
    """An open element: where its content starts in the content list, and what its subtree holds."""

    __slots__ = ("tag", "outer", "furniture", "discard", "start", "total", "linked", "links", "chars", "has_block",
                 "drops", "own_table", "row", "cells", "overflow")

    def __init__(self, tag: str, parent: Optional["_Open"], furniture: bool, start: int) -> None:
        self.tag, self.furniture, self.start = tag, furniture, start
        self.discard = furniture or (parent is not None and parent.discard)  # inside dropped furniture
        self.outer = self if parent is None or tag in _STRUCTURAL else parent.outer  # nearest line-ending element
        # link statistics of the whole subtree (before anything is dropped, as a reader sees the markup)
        self.total = self.linked = self.links = 0
        self.chars, self.has_block, self.drops = 0, False, 0  # of what is kept
        self.own_table: Optional[_Open] = None  # the table whose own row or cell this is
        self.row: Optional[_Open] = None
        self.cells: list[Cell] = []  # a table's own cells
        self.overflow: Optional[dict[str, int]] = None  # tags opened past MAX_DEPTH, still to be closed


# One of a table's own cells: its row, where its content lies in the content list, whether it holds
# blocks or much text (then the table is for layout).
Cell = tuple[_Open, int, int, bool]


class _PageReader(HTMLParser):
    """One pass over the markup: a stack of open elements and a flat list of content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Open("#root", None, False, 0)
        self.stack = [self.root]
        self.items: list[Item] = []
        self.positions: dict[str, list[int]] = {}  # stack indices of the open elements of each tag
        self.scopes = [0]  # stack indices of open _SCOPE elements
        self.hard_scopes = [0]  # the same without td/th (which a new cell or row may close)

    # -- the parser's callbacks ------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        closes = _IMPLIED.get(tag)
        if closes:
            floor = (self.hard_scopes if tag in ("td", "th", "tr") else self.scopes)[-1]
            cut = None
            for name in closes:
                where = self.positions.get(name)
                if where and where[-1] > floor:
                    index = where[bisect_right(where, floor)]
                    cut = index if cut is None else min(cut, index)
            if cut is not None:
                self._close_to(cut)
        if tag in _VOID:
            self._leaf(tag, attrs)
        elif len(self.stack) > MAX_DEPTH:
            top = self.stack[-1]
            top.overflow = top.overflow or {}
            top.overflow[tag] = top.overflow.get(tag, 0) + 1
            self._edge(tag)
        else:
            self._open(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._leaf(tag, attrs)

    def handle_endtag(self, tag):
        top = self.stack[-1]
        if top.overflow and top.overflow.get(tag):
            top.overflow[tag] -= 1
            self._edge(tag)
            return
        where = self.positions.get(tag)
        if where:  # else a stray end tag: ignored, as browsers do
            self._close_to(where[-1])

    def handle_data(self, data):
        top = self.stack[-1]
        visible = len(_WS.sub("", data))
        top.total += visible
        if not top.discard:
            top.chars += visible
            self.items.append(data)

    def close(self):
        super().close()
        self._close_to(1)

    # -- elements --------------------------------------------------------------------------------

    def _open(self, tag: str, attrs) -> None:
        parent = self.stack[-1]
        entry = _Open(tag, parent, _is_furniture(tag, attrs, self._in_article()), len(self.items))
        if tag in _STRUCTURAL:
            outer = parent.outer
            if tag == "table":
                entry.own_table = entry
            elif tag in ("thead", "tbody", "tfoot", "tr"):
                entry.own_table = outer.own_table if outer.tag in _TABLE_PARTS else None
            elif tag in ("td", "th") and outer.tag == "tr":
                entry.own_table, entry.row = outer.own_table, outer
            if not entry.discard:
                self._append(FLUSH)
        index = len(self.stack)
        self.stack.append(entry)
        self.positions.setdefault(tag, []).append(index)
        if tag in _SCOPE:
            self.scopes.append(index)
            if tag not in ("td", "th"):
                self.hard_scopes.append(index)

    def _leaf(self, tag: str, attrs) -> None:
        """An element without content (``<br>``, ``<img>``, ``<div/>``)."""
        parent = self.stack[-1]
        if _is_furniture(tag, attrs, self._in_article()):
            parent.drops += tag not in _QUIET_DROPS
            return
        if parent.discard:
            return
        if tag == "br":
            self.items.append(BREAK)
        elif tag in _STRUCTURAL:
            parent.has_block |= tag in _HAS_BLOCK
            if tag in ("td", "th") and parent.outer.tag == "tr" and parent.outer.own_table is not None:
                parent.outer.own_table.cells.append((parent.outer, len(self.items), len(self.items), False))
            self._append(FLUSH)

    def _edge(self, tag: str) -> None:
        """The start or end of an element past MAX_DEPTH: it still ends a line."""
        if tag in _STRUCTURAL and not self.stack[-1].discard:
            self._append(FLUSH)

    def _append(self, mark: _Mark) -> None:
        if not (self.items and self.items[-1] is mark is FLUSH):  # one block edge is as good as two
            self.items.append(mark)

    def _in_article(self) -> bool:
        return bool(self.positions.get("article") or self.positions.get("main"))

    def _close_to(self, depth: int) -> None:
        """Close the open elements above ``depth``, innermost first."""
        while len(self.stack) > depth:
            entry = self.stack.pop()
            index = len(self.stack)
            self.positions[entry.tag].pop()
            if self.scopes[-1] == index:
                self.scopes.pop()
            if self.hard_scopes[-1] == index:
                self.hard_scopes.pop()
            self._finish(entry, self.stack[-1])

    def _finish(self, entry: _Open, parent: _Open) -> None:
        """Decide what becomes of a closed element and add its subtree's numbers to its parent's."""
        dropped = False
        if not entry.discard:
            if _link_dense(entry):
                del self.items[entry.start:]
                if entry.own_table is not None and entry.own_table is not entry:
                    cells = entry.own_table.cells
                    while cells and cells[-1][1] >= entry.start:
                        cells.pop()
                dropped = True
            elif entry.tag == "pre":
                raw = _plain(self.items, entry.start, len(self.items))
                del self.items[entry.start:]
                self.items.append(_Lines([line.rstrip() for line in raw.split("\n")], raw))
            elif entry.tag == "table" and (pairs := _metadata_pairs(self.items, entry.cells)):
                # a policy-library metadata table: one ``label：value`` line per pair
                raw = _plain(self.items, entry.start, len(self.items))
                del self.items[entry.start:]
                self.items.append(_Lines([f"{label}：{value}" for label, value in pairs], raw))
            elif entry.tag == "table" and not _layout_table(entry):
                raw = _plain(self.items, entry.start, len(self.items))
                rows = _table_rows(self.items, entry.cells)
                del self.items[entry.start:]
                self.items.append(_Lines(rows, raw))
            elif entry.tag in _STRUCTURAL:
                if entry.row is not None and entry.own_table is not None:
                    layout = entry.has_block or entry.chars > LAYOUT_CELL_CHARS
                    entry.own_table.cells.append((entry.row, entry.start, len(self.items), layout))
                self._append(FLUSH)
        parent.total += entry.total
        if entry.tag == "a":  # all its text is linked text, and it is one link (an <a> inside it is not)
            parent.linked += entry.total
            parent.links += 1 if entry.total else 0
        else:
            parent.linked += entry.linked
            parent.links += entry.links
        if entry.furniture:
            parent.drops += entry.tag not in _QUIET_DROPS
        elif dropped:
            parent.drops += 1
        else:
            parent.drops += entry.drops
            parent.chars += entry.chars
            parent.has_block |= entry.has_block or entry.tag in _HAS_BLOCK


def extract_html(data: bytes, shown_as: str) -> tuple[str, list[str], str]:
    """(text, warnings, charset) of an HTML page. Raises InputError naming ``shown_as``."""
    if len(data) > MAX_HTML_BYTES:
        mib = 1024 * 1024
        raise InputError(f"too large: an HTML page of {len(data) / mib:.1f} MiB, the limit is {MAX_HTML_BYTES / mib:.0f} MiB",
                         shown_as)
    tags = data.count(b"<")  # an upper bound, counted before anything is parsed
    if tags > MAX_HTML_TAGS:
        raise InputError(f"an HTML page with {tags} tags, the limit is {MAX_HTML_TAGS}: not one gazette issue", shown_as)
    markup, charset = _decode(data, shown_as)
    reader = _PageReader()
    reader.feed(markup)
    reader.close()
    warnings: list[str] = []
    if reader.root.drops:
        warnings.append(f"dropped {reader.root.drops} navigation/boilerplate block(s)")
    kept = [ln for ln in _write(reader.items) if ln and not _FURNITURE.match(ln) and not (len(ln) <= 80 and _SITE_FOOTER.search(ln))]
    if not kept:
        raise InputError("an HTML page with no text content once navigation and boilerplate are removed", shown_as)
    return "\n".join(kept) + "\n", warnings, charset


def _decode(data: bytes, shown_as: str) -> tuple[str, str]:
    """Strictly decode: BOM, then the declared charset, then UTF-8, then GB18030."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as error:
                raise InputError(f"HTML page with a {name} byte-order mark but invalid bytes at {error.start}", shown_as) from None
    candidates = []
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        candidates.append("gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name)
    candidates += ["utf-8", "gb18030"]
    for name in candidates:
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputError(f"HTML page in an unknown encoding (tried {', '.join(dict.fromkeys(candidates))})", shown_as)



def _is_furniture(tag: str, attrs, in_article: bool) -> bool:
    attrs = {k: (v or "") for k, v in attrs}
    if tag in _DROP or attrs.get("role", "").lower() in _DROP_ROLES:
        return True
    if tag in ("header", "footer") and not in_article:
        return True
    style = attrs.get("style", "").replace(" ", "").lower()
    return "display:none" in style or "hidden" in attrs


def _link_dense(entry: _Open) -> bool:
    if entry.tag not in _BLOCK or entry.tag in ("html", "body"):
        return False
    return (entry.links >= LINK_MIN and entry.linked >= LINK_SHARE * entry.total
            and entry.linked < LINK_SHORT * entry.links)


def _metadata_pairs(items: list[Item], cells: list["Cell"]) -> list[tuple[str, str]]:
    """(label, value) pairs of a page's metadata table (索引号/发文机关/成文日期…: a label cell,
    then its value cell, or ``label：value`` in one cell); [] for any other table."""
    texts = [_WS.sub(" ", _WS_BETWEEN_CJK.sub("", _plain(items, start, end))).strip() for _row, start, end, _layout in cells]
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(texts):
        label = label_key(texts[i])
        inline = re.match(r"^(?P<label>[^：:]{2,8})[：:]\s*(?P<value>\S.*)$", texts[i])
        if label is not None:
            pairs.append((label, texts[i + 1] if i + 1 < len(texts) and label_key(texts[i + 1]) is None else ""))
            i += 1 + (pairs[-1][1] != "")
        elif inline and label_key(inline.group("label")):
            pairs.append((label_key(inline.group("label")), inline.group("value")))
            i += 1
        else:
            i += 1
    return pairs if len(pairs) >= 3 else []


def _layout_table(table: _Open) -> bool:
    """A table used for page layout (cells holding paragraphs or much text), not data."""
    return any(layout for _row, _start, _end, layout in table.cells)


def _table_rows(items: list[Item], cells: list["Cell"]) -> list[str]:
    rows: list[str] = []
    row: list[str] = []
    current = None
    for owner, start, end, _layout in cells + [(None, 0, 0, False)]:
        if owner is not current:
            while row and not row[-1]:
                row.pop()
            if row:
                rows.append("\t".join(row))
            row, current = [], owner
        if owner is not None:
            row.append(_WS.sub(" ", _WS_BETWEEN_CJK.sub("", _plain(items, start, end))).strip().replace("\t", " "))
    return rows


def _plain(items: list[Item], start: int, end: int) -> str:
    """The text of ``items[start:end]`` as it stands in the markup: block edges add nothing, ``<br>`` a newline."""
    parts = []
    for item in items[start:end]:
        if isinstance(item, str):
            parts.append(item)
        elif item is BREAK:
            parts.append("\n")
        elif isinstance(item, _Lines):
            parts.append(item.raw)
    return "".join(parts)


def _write(items: list[Item]) -> list[str]:
    """The content list as lines: text runs joined, whitespace between hanzi removed."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", _WS_BETWEEN_CJK.sub("", "".join(buffer))).strip()
        buffer.clear()
        if text:
            lines.append(text)

    for item in items:
        if isinstance(item, str):
            buffer.append(item)
        else:
            flush()
            if isinstance(item, _Lines):
                lines.extend(item.lines)
    return lines  # text after the last block edge is not in a block: left out, as it always was

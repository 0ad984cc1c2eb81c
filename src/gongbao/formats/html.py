"""HTML gazettes (an issue page or a single document page) with the standard library's parser.

The page is parsed into a small tree; what is not content is dropped — scripts and styles,
``nav``/``aside``/forms, ``header``/``footer`` outside the article, and link-dense blocks
of short links (menus, breadcrumbs, "related links"); a TOC of long document titles stays.
What is left is written one block per line: ``<p>``, headings, list items and ``<br>`` end
lines, each row of a data table is one tab-separated line, and layout tables (cells holding
paragraphs) are read as blocks.
"""
from __future__ import annotations

import codecs
import re
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


class _Node:
    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag: str, attrs: dict, parent: Optional["_Node"]) -> None:
        self.tag, self.attrs, self.children, self.parent = tag, attrs, [], parent


Child = Union[_Node, str]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        closes = _CLOSES.get(tag, set()) | ({"p"} if tag in _BLOCK else set())
        outermost = None  # a new <tr> closes the open <td> and the <tr> around it
        for i in range(len(self.stack) - 1, 0, -1):
            open_tag = self.stack[i].tag
            if open_tag in closes:
                outermost = i
            elif open_tag in _SCOPE:
                break
        if outermost is not None:
            del self.stack[outermost:]
        node = _Node(tag, {k: (v or "") for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = _Node(tag, {k: (v or "") for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        # a stray end tag: ignored, as browsers do

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def extract_html(data: bytes, shown_as: str) -> tuple[str, list[str], str]:
    """(text, warnings, charset) of an HTML page. Raises InputError naming ``shown_as``."""
    markup, charset = _decode(data, shown_as)
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    warnings: list[str] = []
    dropped = _prune(builder.root)
    if dropped:
        warnings.append(f"dropped {dropped} navigation/boilerplate block(s)")
    lines: list[str] = []
    _Writer(lines).block(builder.root)
    kept = [ln for ln in lines if ln and not _FURNITURE.match(ln) and not (len(ln) <= 80 and _SITE_FOOTER.search(ln))]
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


def _prune(node: _Node, in_article: bool = False) -> int:
    """Drop non-content subtrees in place; return how many went."""
    dropped = 0
    kept: list[Child] = []
    for child in node.children:
        if isinstance(child, str):
            kept.append(child)
            continue
        inside = in_article or child.tag in ("article", "main")
        if _is_furniture(child, in_article) or _link_dense(child):
            dropped += child.tag not in ("script", "style", "head", "title")
            continue
        dropped += _prune(child, inside)
        kept.append(child)
    node.children = kept
    return dropped


def _is_furniture(node: _Node, in_article: bool) -> bool:
    if node.tag in _DROP or node.attrs.get("role", "").lower() in _DROP_ROLES:
        return True
    if node.tag in ("header", "footer") and not in_article:
        return True
    style = node.attrs.get("style", "").replace(" ", "").lower()
    return "display:none" in style or "hidden" in node.attrs


def _link_dense(node: _Node) -> bool:
    if node.tag not in _BLOCK or node.tag in ("html", "body"):
        return False
    total, linked, links = _link_stats(node)
    return links >= LINK_MIN and linked >= LINK_SHARE * total and linked < LINK_SHORT * links


def _link_stats(node: _Node, in_link: bool = False) -> tuple[int, int, int]:
    total = linked = links = 0
    for child in node.children:
        if isinstance(child, str):
            n = len(_WS.sub("", child))
            total += n
            linked += n if in_link else 0
        else:
            is_link = child.tag == "a" and not in_link
            t, l_, k = _link_stats(child, in_link or is_link)
            total, linked, links = total + t, linked + l_, links + k + (1 if is_link and t else 0)
    return total, linked, links


class _Writer:
    """Walks the pruned tree and writes lines."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.buffer: list[str] = []

    def flush(self) -> None:
        raw = "".join(self.buffer)
        self.buffer = []
        text = _WS.sub(" ", _WS_BETWEEN_CJK.sub("", raw)).strip()
        if text:
            self.lines.append(text)

    def block(self, node: _Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                self.buffer.append(child)
            elif child.tag == "br":
                self.flush()
            elif child.tag == "pre":
                self.flush()
                self.lines.extend(ln.rstrip() for ln in _plain(child).split("\n"))
            elif child.tag == "table" and _metadata_pairs(child):
                self.flush()  # a policy-library metadata table: one ``label：value`` line per pair
                self.lines.extend(f"{label}：{value}" for label, value in _metadata_pairs(child))
            elif child.tag == "table" and not _layout_table(child):
                self.flush()
                self.lines.extend(_table_rows(child))
            elif child.tag in _BLOCK or child.tag in ("td", "th"):
                self.flush()
                self.block(child)
                self.flush()
            else:
                self.block(child)


def _metadata_pairs(table: _Node) -> list[tuple[str, str]]:
    """(label, value) pairs of a page's metadata table (索引号/发文机关/成文日期…: a label cell,
    then its value cell, or ``label：value`` in one cell); [] for any other table."""
    pairs: list[tuple[str, str]] = []
    cells = [_WS.sub(" ", _WS_BETWEEN_CJK.sub("", _plain(c))).strip() for c in _own_cells(table)]
    i = 0
    while i < len(cells):
        label = label_key(cells[i])
        inline = re.match(r"^(?P<label>[^：:]{2,8})[：:]\s*(?P<value>\S.*)$", cells[i])
        if label is not None:
            pairs.append((label, cells[i + 1] if i + 1 < len(cells) and label_key(cells[i + 1]) is None else ""))
            i += 1 + (pairs[-1][1] != "")
        elif inline and label_key(inline.group("label")):
            pairs.append((label_key(inline.group("label")), inline.group("value")))
            i += 1
        else:
            i += 1
    return pairs if len(pairs) >= 3 else []


def _layout_table(table: _Node) -> bool:
    """A table used for page layout (cells holding paragraphs or much text), not data."""
    for cell in _own_cells(table):
        if _has_block(cell) or len(_WS.sub("", _plain(cell))) > 200:
            return True
    return False


def _has_block(node: _Node) -> bool:
    return any(isinstance(c, _Node) and (c.tag in ("p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6")
                                         or _has_block(c)) for c in node.children)


def _own_cells(table: _Node):
    for row in _own_rows(table):
        yield from (c for c in row.children if isinstance(c, _Node) and c.tag in ("td", "th"))


def _own_rows(node: _Node):
    for child in node.children:
        if isinstance(child, _Node):
            if child.tag == "tr":
                yield child
            elif child.tag in ("thead", "tbody", "tfoot"):
                yield from _own_rows(child)


def _table_rows(table: _Node) -> list[str]:
    rows = []
    for row in _own_rows(table):
        cells = [_WS.sub(" ", _WS_BETWEEN_CJK.sub("", _plain(c))).strip().replace("\t", " ")
                 for c in row.children if isinstance(c, _Node) and c.tag in ("td", "th")]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append("\t".join(cells))
    return rows


def _plain(node: _Node) -> str:
    parts = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child)
        elif child.tag == "br":
            parts.append("\n")
        else:
            parts.append(_plain(child))
    return "".join(parts)

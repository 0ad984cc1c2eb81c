"""Render a gazette's text as it is published: an A4 PDF in 公文 layout, a DOCX, an HTML page.

Test-only. Lines of the text are classified the way a typesetter would set them — cover and
titles centred, 文号 centred, signature and date right-aligned, body paragraphs with a
2-character first-line indent and wrapped at the margin, TOC entries with their page number
at the right, runs of tab-separated lines as ruled tables — so an extractor has to undo real
layout: wrapped lines, page breaks inside documents, running headers and page numbers.
"""
from __future__ import annotations

import html
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
LEFT, RIGHT, TOP, BOTTOM = 70.0, 525.0, 80.0, 772.0
BODY, TITLE, COVER, SMALL = 12.0, 15.0, 18.0, 9.0
LEADING = 1.6

_DATE = re.compile(r"^\s*(\d{4}|[〇○零一二三四五六七八九]{4})\s*年\s*[\d〇○一二三四五六七八九十]{1,3}\s*月\s*[\d〇○一二三四五六七八九十]{1,3}\s*日\s*$")
_DOCNO = re.compile(r"^\s*[\u4e00-\u9fff]{1,12}\s*[〔\[（(【]\s*\d{4}\s*[〕\]）)】]\s*\d+\s*号\s*$")
_PAGE_NO = re.compile(r"^\s*[（(]\s*\d+\s*[)）]\s*$")
_TITLE_END = re.compile(r"(通知|决定|批复|意见|方案|办法|规定|公告|通告|函|报告|计划|要点|细则|制度|预案|清单|规则|指南|纪要|决议|命令)$")
_ISSUER_END = re.compile(r"(人民政府|办公室|委员会|办公厅|局|厅)$")
_SENTENCE = re.compile(r"[。；：:，,]")


@dataclass
class Item:
    kind: str  # gap | center | right | para | toc | table
    text: str = ""
    size: float = BODY
    bold: bool = False
    number: str = ""  # toc: the page number
    rows: Optional[list[list[str]]] = None  # table


def classify(text: str) -> list[Item]:
    """Lines of a gazette text → layout items."""
    lines = text.split("\n")
    nonblank = [i for i, ln in enumerate(lines) if ln.strip()]
    toc_at = next((i for i in nonblank if re.sub(r"\s", "", lines[i]) == "目录"), None)
    items: list[Item] = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        if not line:
            if items and items[-1].kind != "gap":
                items.append(Item("gap"))
            i += 1
            continue
        if "\t" in raw:
            cells = raw.split("\t")
            if _PAGE_NO.match(cells[-1]) and len(cells) == 2:
                items.append(Item("toc", cells[0].strip(), number=cells[-1].strip()))
                i += 1
                continue
            rows = []
            while i < len(lines) and "\t" in lines[i] and not (_PAGE_NO.match(lines[i].split("\t")[-1])):
                rows.append([c.strip() for c in lines[i].split("\t")])
                i += 1
            items.append(Item("table", rows=rows))
            continue
        nxt = next((lines[j].strip() for j in range(i + 1, min(i + 4, len(lines))) if lines[j].strip()), "")
        if toc_at is not None and i <= toc_at:
            items.append(Item("center", line, COVER if i < toc_at else TITLE, bold=True))
        elif _DATE.match(line) or (len(line) <= 24 and _DATE.match(nxt) and not _SENTENCE.search(line)):
            items.append(Item("right", line))
        elif _DOCNO.match(line) or (line.startswith("【") and line.endswith("】")):
            items.append(Item("center", line))
        elif len(line) <= 45 and not _SENTENCE.search(line) and (
            _TITLE_END.search(line) or line.startswith("关于") or (_ISSUER_END.search(line) and nxt.startswith("关于"))
        ):
            items.append(Item("center", line, TITLE, bold=True))
        else:
            items.append(Item("para", line))
        i += 1
    return items


# -- fonts ----------------------------------------------------------------------------------------


def font_file(family: str = "Serif", weight: str = "Regular") -> Path:
    path = FONT_DIR / f"Noto{family}CJK-{weight}.ttc"
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)")
    return path


@lru_cache(maxsize=None)
def font_bytes(family: str = "Serif", weight: str = "Regular") -> bytes:
    """The Simplified Chinese face of a Noto CJK collection as a standalone OpenType font
    (PyMuPDF opens the first face of a .ttc, the Japanese one)."""
    import pymupdf

    data = font_file(family, weight).read_bytes()
    (count,) = struct.unpack(">I", data[8:12])
    for index in range(count):
        member = _ttc_member(data, index)
        if " SC" in pymupdf.Font(fontbuffer=member).name:
            return member
    raise LookupError("no SC face in the Noto CJK collection")


def subset_font(family: str, weight: str, chars: str, cache_dir: Optional[Path] = None) -> bytes:
    """The SC face cut down to ``chars`` (a publisher embeds subsets; the full face is 16 MB and
    would make every test PDF 16 MB). fontTools takes ~15 s, so the result is cached on disk."""
    import hashlib

    wanted = "".join(sorted(set(chars) | set("0123456789—－-（）() 　")))
    source = font_file(family, weight)
    key = hashlib.sha256(f"{source}:{source.stat().st_size}:{wanted}".encode()).hexdigest()[:16]
    cached = cache_dir / f"{family}-{weight}-{key}.otf" if cache_dir else None
    if cached and cached.is_file():
        return cached.read_bytes()
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError:  # no fontTools: embed the whole face (slow, large files, same text)
        return font_bytes(family, weight)
    import io

    font = TTFont(io.BytesIO(font_bytes(family, weight)), recalcBBoxes=False)
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "BASE", "JSTF", "GDEF"]
    options.hinting = False
    options.retain_gids = True  # PyMuPDF writes glyph ids as CIDs: keep them those of the full face
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in wanted])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = out.getvalue()
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
    return data


def _ttc_member(data: bytes, index: int) -> bytes:
    (offset,) = struct.unpack(">I", data[12 + 4 * index:16 + 4 * index])
    (count,) = struct.unpack(">H", data[offset + 4:offset + 6])
    records, body = bytearray(), bytearray()
    start = 12 + 16 * count
    for k in range(count):
        tag, checksum, at, length = struct.unpack(">4sIII", data[offset + 12 + 16 * k: offset + 28 + 16 * k])
        records += struct.pack(">4sIII", tag, checksum, start + len(body), length)
        body += data[at:at + length] + b"\0" * (-length % 4)
    return bytes(data[offset:offset + 12] + records + body)


# -- PDF --------------------------------------------------------------------------------------------

_CLOSING = set("，。、；：？！）》」』】〕…,.;:?!)”’")


@dataclass
class Fonts:
    """Font programs for the PDF: body (serif, 宋体-like) and titles (bold sans, 黑体-like)."""

    body: bytes
    title: bytes


def make_fonts(texts: list[str], cache_dir: Optional[Path] = None) -> Fonts:
    from concurrent.futures import ProcessPoolExecutor

    body = "".join(texts)
    titles = "".join(item.text for text in texts for item in classify(text) if item.kind == "center")
    with ProcessPoolExecutor(2) as pool:  # two faces, ~20 s of fontTools each when not cached yet
        serif = pool.submit(subset_font, "Serif", "Regular", body, cache_dir)
        sans = pool.submit(subset_font, "Sans", "Bold", titles, cache_dir)
        return Fonts(serif.result(), sans.result())


class _Pdf:
    def __init__(self, running: str, fonts: Fonts) -> None:
        import pymupdf

        self.pymupdf = pymupdf
        self.doc = pymupdf.open()
        self.fonts = {False: pymupdf.Font(fontbuffer=fonts.body), True: pymupdf.Font(fontbuffer=fonts.title)}
        self.small = self.fonts[False]
        self.running = running
        self.page = None
        self.writer = None
        self.y = TOP
        self.number = 0

    def new_page(self) -> None:
        self.finish_page()
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.writer = self.pymupdf.TextWriter(self.page.rect)
        self.number += 1
        self.y = TOP
        if self.number > 1:  # the cover has no running header
            w = self.small.text_length(self.running, SMALL)
            self.writer.append(((PAGE_W - w) / 2, 52), self.running, font=self.small, fontsize=SMALL)
            self.page.draw_line((LEFT, 58), (RIGHT, 58), width=0.6)
        label = f"— {self.number} —"
        w = self.small.text_length(label, SMALL)
        self.writer.append(((PAGE_W - w) / 2, 805), label, font=self.small, fontsize=SMALL)

    def finish_page(self) -> None:
        if self.writer is not None:
            self.writer.write_text(self.page)
            self.writer = None

    def room(self, height: float) -> None:
        if self.page is None or self.y + height > BOTTOM:
            self.new_page()

    def wrap(self, text: str, width: float, size: float, bold: bool = False, indent: float = 0.0) -> list[str]:
        """Greedy line breaking: CJK anywhere, Latin words whole, closing punctuation may hang."""
        font = self.fonts[bold]
        tokens = re.findall(r"[A-Za-z0-9.%\-/]+|\s|.", text)
        rows, row, used, limit = [], "", 0.0, width - indent
        for token in tokens:
            w = font.text_length(token, size)
            if used + w > limit + 0.01 and row and not (token in _CLOSING and used + w <= limit + size):
                rows.append(row.rstrip())
                row, used, limit = "", 0.0, width
                if token.isspace():
                    continue
            row += token
            used += w
        if row.strip():
            rows.append(row.rstrip())
        return rows

    def text_row(self, x: float, text: str, size: float, bold: bool = False) -> None:
        self.room(size * LEADING)
        self.writer.append((x, self.y + size), text, font=self.fonts[bold], fontsize=size)
        self.y += size * LEADING

    def item(self, item: Item) -> None:
        if item.kind == "gap":
            self.y += BODY * LEADING * 0.5
        elif item.kind == "para":
            for k, row in enumerate(self.wrap(item.text, RIGHT - LEFT, BODY, indent=2 * BODY)):
                self.text_row(LEFT + (2 * BODY if k == 0 else 0), row, BODY)
        elif item.kind == "center":
            for row in self.wrap(item.text, RIGHT - LEFT, item.size, item.bold):
                w = self.fonts[item.bold].text_length(row, item.size)
                self.text_row(LEFT + (RIGHT - LEFT - w) / 2, row, item.size, item.bold)
        elif item.kind == "right":
            for row in self.wrap(item.text, RIGHT - LEFT - 4 * BODY, BODY):
                w = self.fonts[False].text_length(row, BODY)
                self.text_row(RIGHT - 4 * BODY - w, row, BODY)
        elif item.kind == "toc":
            self.toc(item)
        elif item.kind == "table":
            self.table(item.rows)

    def toc(self, item: Item) -> None:
        rows = self.wrap(item.text, RIGHT - LEFT, BODY)
        number_w = self.fonts[False].text_length(item.number, BODY)
        last_w = self.fonts[False].text_length(rows[-1], BODY)
        for row in rows:
            self.text_row(LEFT, row, BODY)
        if last_w + 2 * BODY + number_w > RIGHT - LEFT:
            self.room(BODY * LEADING)
            self.y += BODY * LEADING
        self.writer.append((RIGHT - number_w, self.y - BODY * LEADING + BODY), item.number, font=self.fonts[False], fontsize=BODY)

    def table(self, rows: list[list[str]]) -> None:
        cols = max(len(r) for r in rows)
        rows = [r + [""] * (cols - len(r)) for r in rows]
        size, pad = 10.5, 3.0
        font = self.fonts[False]
        longest = [max(font.text_length(r[c], size) for r in rows) + 2 * pad for c in range(cols)]
        total = RIGHT - LEFT
        widths = [total * max(w, 40) / sum(max(w, 40) for w in longest) for w in longest]
        pitch = size * 1.4
        for r in rows:
            wrapped = [self.wrap(cell, widths[c] - 2 * pad, size) or [""] for c, cell in enumerate(r)]
            height = max(len(w) for w in wrapped) * pitch + 2 * pad
            self.room(height)
            x = LEFT
            for c, cell_rows in enumerate(wrapped):
                self.page.draw_rect((x, self.y, x + widths[c], self.y + height), width=0.6)
                for k, text in enumerate(cell_rows):
                    if text:
                        self.writer.append((x + pad, self.y + pad + k * pitch + size), text, font=font, fontsize=size)
                x += widths[c]
            self.y += height
        self.y += BODY * 0.5

    def save(self, path: Path) -> None:
        self.finish_page()
        self.doc.save(path, garbage=3, deflate=True)


def running_title(text: str) -> str:
    """The running header: the gazette's name and issue, from the cover."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    name = next((ln for ln in lines if ln.endswith("公报")), lines[0])
    issue = next((ln for ln in lines if re.search(r"\d{4}\s*年?\s*第\s*\d+\s*期", ln)), "")
    return f"{name}　{issue}".strip()


def render_pdf(text: str, path: Path, fonts: Optional[Fonts] = None) -> Path:
    pdf = _Pdf(running_title(text), fonts or make_fonts([text]))
    for item in classify(text):
        pdf.item(item)
    pdf.save(path)
    return path


# -- DOCX -------------------------------------------------------------------------------------------


def render_docx(text: str, path: Path) -> Path:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = running_title(text)
    document.sections[0].footer.paragraphs[0].text = "— 页码 —"
    count = 0
    for item in classify(text):
        if item.kind == "gap":
            continue
        count += 1
        if count % 60 == 0:  # hard page breaks that fall inside documents
            document.add_page_break()
        if item.kind == "table":
            cols = max(len(r) for r in item.rows)
            table = document.add_table(rows=len(item.rows), cols=cols)
            table.style = "Table Grid"
            for r, row in enumerate(item.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
            continue
        if item.kind == "center" and item.size > BODY:
            paragraph = document.add_heading(item.text, level=1 if item.size >= TITLE else 2)
        elif item.kind == "toc":
            paragraph = document.add_paragraph(f"{item.text}\t{item.number}")
        else:
            paragraph = document.add_paragraph(item.text)
            if item.kind == "para":
                paragraph.paragraph_format.first_line_indent = Pt(2 * BODY)
        paragraph.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}.get(item.kind)
        if count % 25 == 0:  # bookmarks (Word adds them for cross-references) carry no text
            start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
            start.set(qn("w:id"), str(count))
            start.set(qn("w:name"), f"_Ref{count}")
            end.set(qn("w:id"), str(count))
            paragraph._p.insert(0, start)
            paragraph._p.append(end)
    document.save(path)
    return path


# -- HTML -------------------------------------------------------------------------------------------

NAV = """<header class="site"><div class="logo">政府门户网站</div>
<nav><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/gb">政府公报</a></li>
<li><a href="/hd">互动交流</a></li><li><a href="/fw">办事服务</a></li></ul></nav></header>
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/gb">政府公报</a> &gt; 正文</div>
<div class="toolbar"><a href="#">字号：大</a> <a href="#">中</a> <a href="#">小</a> <a href="#">打印</a> <a href="#">关闭</a></div>"""
FOOT = """<aside><h3>相关链接</h3><ul><li><a href="#">国务院</a></li><li><a href="#">省政府</a></li><li><a href="#">市政府</a></li></ul></aside>
<div class="pager">上一篇：<a href="#">关于做好冬季安全生产工作的通知</a><br>下一篇：<a href="#">关于公布权责清单的通知</a></div>
<div class="links"><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">隐私声明</a> | <a href="#">无障碍</a></div>
<footer><p>主办单位：人民政府办公室　版权所有</p><p>备案号：晋ICP备00000000号　政府网站标识码 1403000000</p></footer>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>"""


def render_html(text: str, path: Path, encoding: str = "utf-8") -> Path:
    out = [f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="{encoding}"><title>{html.escape(running_title(text))}</title>',
           "<style>.main p{text-indent:2em} .c{text-align:center} .r{text-align:right}</style></head><body>", NAV,
           '<div class="main"><article>']
    centered: list[str] = []

    def flush_centered() -> None:
        if centered:  # consecutive centred lines: one block split by <br>, as CMS editors do
            out.append('<p class="c"><strong>' + "<br>\n".join(html.escape(c) for c in centered) + "</strong></p>")
            centered.clear()

    for item in classify(text):
        if item.kind == "center":
            centered.append(item.text)
            continue
        flush_centered()
        if item.kind == "para":
            out.append(f"<p>&nbsp;&nbsp;{html.escape(item.text)}</p>")
        elif item.kind == "right":
            out.append(f'<p class="r">{html.escape(item.text)}</p>')
        elif item.kind == "toc":
            out.append(f'<table class="toc"><tr><td><a href="#doc">{html.escape(item.text)}</a></td>'
                       f"<td>{html.escape(item.number)}</td></tr></table>")
        elif item.kind == "table":
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>\n" for r in item.rows)
            out.append(f'<table border="1">\n{rows}</table>')
    flush_centered()
    out += ["</article></div>", FOOT, "</body></html>"]
    path.write_bytes("\n".join(out).encode(encoding))
    return path

"""PDF (and image) gazettes: the text layer with PyMuPDF, OCR for pages that have none.

A page is read from its text layer when it has one. A page without usable text but with a
picture covering much of it is a scan and goes to OCR; a page with neither is blank. Both
kinds become positioned lines, and :mod:`.layout` makes reading order and paragraphs out of
them, so a scanned page and a born-digital one come out the same way.
"""
from __future__ import annotations

import math
import re
import unicodedata
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Optional

import pymupdf

from ..errors import InputError
from . import grid, ocr
from .layout import PageRows, PageSpan, Row, TextLine, assemble, order_page, strip_running

ENGINE = "pymupdf"

if hasattr(pymupdf, "no_recommend_layout"):
    pymupdf.no_recommend_layout()  # find_tables would print an advertisement on stdout

# Text only: no images in the dict (PyMuPDF would copy every picture's bytes), real spaces kept.
_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP
# A page whose text layer has fewer visible characters than this, and a picture over at least
# SCAN_COVER of it, is a scan (some scans carry a digital page number or a stamp as text).
SCAN_MAX_CHARS = 20
SCAN_COVER = 0.25
# A text layer this much made of U+FFFD or private-use characters is a font without a
# Unicode map: unreadable, so the page is treated as a scan.
UNMAPPED_SHARE = 0.3

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_UNMAPPED = re.compile("[\ufffd\ue000-\uf8ff]")
# A CJK font draws 年 and the compatibility ideograph 年 (U+F98E), or ⼀ (Kangxi radical) and 一,
# with one glyph, and the PDF's ToUnicode map may name either: NFKC maps the variant back.
_VARIANTS = re.compile("[\u2f00-\u2fd5\uf900-\ufaff\U0002f800-\U0002fa1f]")
# Likewise for punctuation sharing a glyph; the text pipeline knows the usual form.
_PUNCTUATION = str.maketrans({"\u2011": "-", "\u2010": "-", "\u22ef": "…", "\u30fb": "·", "\xa0": " ", "\ufeff": ""})

# Bounds on what MuPDF is asked to decode (issue #15): a small PDF can hold a stream that inflates
# to gigabytes, or thousands of pages drawing one content stream. A gazette issue has tens of
# pages whose content streams are well under a MB; a scanned page's picture is tens of MB.
MAX_PAGES = 2000
MAX_CONTENT_STREAM_BYTES = 16 * 1024 * 1024  # a page's or form's drawing instructions, inflated
MAX_IMAGE_STREAM_BYTES = 256 * 1024 * 1024
MAX_CONTENT_BYTES = 256 * 1024 * 1024  # all pages' content streams together (a shared one counts per page)
MAX_RASTER_PIXELS = 60_000_000  # a page rendered for OCR: A4 at 200 dpi is 3.9 million
_INFLATE_CHUNK = 1024 * 1024
_DEFLATE_MAX_RATIO = 1032  # deflate never inflates more than this: smaller streams need no counting

IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"II*\x00": "tiff", b"MM\x00*": "tiff",
               b"BM": "bmp", b"GIF8": "gif"}


@dataclass
class PdfText:
    text: str
    pages: list[PageSpan]
    warnings: list[str] = field(default_factory=list)
    ocr_lines: list[ocr.OcrLine] = field(default_factory=list)
    encoding: str = f"pdf:{ENGINE}"


def extract_pdf(data: bytes, shown_as: str, *, filetype: str = "pdf", use_ocr: Optional[bool] = None,
                progress: Optional[ocr.Progress] = None, workers: Optional[int] = None,
                max_chars: Optional[int] = None) -> PdfText:
    """Text of a PDF (or an image file, ``filetype="png"`` …), with page spans and warnings.

    ``use_ocr``: None = when a page needs it and the extra is installed; False = never (a page
    that needs OCR is then an error). ``max_chars``: reading stops, refused, once the pages'
    text is longer. Raises InputError naming ``shown_as``.
    """
    what = "a PDF" if filetype == "pdf" else f"a {filetype.upper()} image"
    with _quiet_mupdf() as warnings:
        try:
            doc = pymupdf.open(stream=data, filetype=filetype)
        except Exception as error:  # PyMuPDF raises FileDataError, RuntimeError, ValueError …
            raise InputError(f"looks like {what} but cannot be opened (damaged or truncated): {error}", shown_as) from None
        with doc:
            if doc.needs_pass:
                raise InputError(f"looks like {what} but is encrypted: it needs a password to open", shown_as)
            if doc.page_count == 0:
                raise InputError(f"looks like {what} but has no pages", shown_as)
            if doc.page_count > MAX_PAGES:
                raise InputError(f"{what} of {doc.page_count} pages; the limit is {MAX_PAGES}", shown_as)
            if filetype == "pdf":
                _check_streams(doc, shown_as)
            if filetype != "pdf":  # an image (or multi-page TIFF): read it as a PDF of picture pages
                try:  # an image is opened lazily: a damaged one fails only here (found by test_fuzz_parser)
                    converted = doc.convert_to_pdf()
                except Exception as error:
                    raise InputError(f"looks like {what} but cannot be opened (damaged or truncated): {error}",
                                     shown_as) from None
                with pymupdf.open("pdf", converted) as pictures:
                    result = _extract(pictures, shown_as, use_ocr=use_ocr, progress=progress, workers=workers,
                                      max_chars=max_chars)
            else:
                result = _extract(doc, shown_as, use_ocr=use_ocr, progress=progress, workers=workers,
                                  max_chars=max_chars)
                if getattr(doc, "is_repaired", False):
                    result.warnings.insert(0, "the PDF was damaged and has been repaired: pages or text may be missing")
    result.warnings.extend(f"mupdf: {w}" for w in warnings if w)
    return result


def _check_streams(doc, shown_as: str) -> None:
    """Refuse a PDF with a stream that inflates past its limit, or whose pages together draw
    too much, before MuPDF decodes any of it. Deflated streams are inflated here in bounded
    chunks and counted (MuPDF would inflate them whole)."""
    inflated: dict[int, int] = {}
    for xref in range(1, doc.xref_length()):
        if not doc.xref_is_stream(xref):
            continue
        image = doc.xref_get_key(xref, "Subtype")[1] == "/Image"
        limit = MAX_IMAGE_STREAM_BYTES if image else MAX_CONTENT_STREAM_BYTES
        size = _inflated_size(doc, xref, limit, exact=not image)  # content is added up over the pages
        if size > limit:
            raise InputError(f"a{'n image' if image else ' content'} stream (object {xref}) inflates to more than "
                             f"{limit // (1024 * 1024)} MiB: refused, the PDF is a decompression bomb or not a gazette",
                             shown_as)
        inflated[xref] = size
    drawn = 0
    for page in doc:
        drawn += sum(inflated.get(xref, 0) for xref in page.get_contents())
        if drawn > MAX_CONTENT_BYTES:
            raise InputError(f"pages up to {page.number + 1} draw more than {MAX_CONTENT_BYTES // (1024 * 1024)} MiB "
                             "of content: refused", shown_as)


def _inflated_size(doc, xref: int, limit: int, exact: bool) -> int:
    """The size of a stream once decoded, counted no further than ``limit`` + 1 chunk. Filters
    other than FlateDecode (images' DCT, JBIG2 …) are counted at their stored size; unless
    ``exact``, a deflated stream too small to inflate past ``limit`` is not inflated."""
    raw = doc.xref_stream_raw(xref) or b""
    kind, value = doc.xref_get_key(xref, "Filter")
    first = value.strip("[] ").split("/")[1:2] if kind in ("name", "array") else []
    if first != ["FlateDecode"] or (not exact and len(raw) * _DEFLATE_MAX_RATIO <= limit):
        return len(raw)
    inflater = zlib.decompressobj()
    size = 0
    try:
        while raw and size <= limit:
            size += len(inflater.decompress(raw, _INFLATE_CHUNK))
            raw = inflater.unconsumed_tail
    except zlib.error:  # damaged: MuPDF decodes what it can, no more than was counted so far
        pass
    return size


def _extract(doc, shown_as: str, *, use_ocr: Optional[bool], progress, workers,
             max_chars: Optional[int] = None) -> PdfText:
    total = doc.page_count
    pages: list[Optional[PageRows]] = [None] * total
    scans: list[int] = []
    warnings: list[str] = []
    done = chars = 0
    for index in range(total):
        page = doc[index]
        try:
            lines, tables, verdict = _read_page(page)
        except Exception as error:  # one broken content stream must not lose the other pages
            warnings.append(f"page {index + 1}: cannot read its text ({error}); page skipped")
            lines, tables, verdict = [], [], "blank"
        chars += sum(len(line.text) for line in lines) + sum(len(row.text) for row in tables)
        if max_chars is not None and chars > max_chars:
            raise InputError(f"too large: more than {max_chars} characters of text by page {index + 1} of the PDF",
                             shown_as)
        if verdict == "scan":
            scans.append(index)
            continue
        rows, columns = order_page(lines, tables, page.rect.width)
        pages[index] = PageRows(index + 1, page.rect.width, page.rect.height, rows, columns)
        done += 1
        if progress:
            progress(done, total)

    ocr_lines: list[ocr.OcrLine] = []
    if scans:
        if use_ocr is False or not ocr.available():
            raise InputError(
                f"page {scans[0] + 1} has no text layer and OCR is "
                + ("turned off" if use_ocr is False else f"not installed ({ocr.INSTALL_HINT})"),
                shown_as,
            )
        # rendered one by one as the workers ask (a 100-page scan is 400 MB of pixels at 200 dpi)
        images = (_raster(doc[i], i + 1) for i in scans)
        found = ocr.recognize(images, workers=workers, progress=progress, done=done, total=total, count=len(scans))
        for index in scans:
            page = doc[index]
            lines_read = found.get(index + 1, [])
            ocr_lines.extend(lines_read)
            text_lines = [_ocr_text_line(line) for line in lines_read if line.text.strip()]
            rows, columns = order_page(text_lines, [], page.rect.width)
            pages[index] = PageRows(index + 1, page.rect.width, page.rect.height, rows, columns)
        for line in ocr_lines:
            if line.confidence < ocr.LOW_CONFIDENCE:
                warnings.append(f"page {line.page}: OCR confidence {line.confidence:.2f}: «{line.text}»")

    kept = [p for p in pages if p is not None]
    strip_running(kept)
    text, spans = assemble(kept)
    if scans:
        encoding = f"pdf:ocr:{ocr.ENGINE}" if len(scans) == total else f"pdf:{ENGINE}+ocr:{ocr.ENGINE}"
        warnings.insert(0, f"{len(scans)} of {total} page(s) read by OCR ({ocr.ENGINE}): pages "
                        + ", ".join(str(i + 1) for i in scans))
    else:
        encoding = f"pdf:{ENGINE}"
    return PdfText(text, spans, warnings, ocr_lines, encoding)


def _read_page(page) -> tuple[list[TextLine], list[Row], str]:
    """Lines and tables of one page's text layer, and the verdict: text, scan or blank."""
    lines: list[TextLine] = []
    visible = unmapped = 0
    for block in page.get_text("dict", flags=_FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            dx, dy = line["dir"]
            if abs(dy) > 0.1 * abs(dx):
                continue  # rotated or vertical text: stamps, margin notes
            text = _clean("".join(span["text"] for span in line["spans"])).strip()
            if not text:
                continue
            visible += len(text)
            unmapped += len(_UNMAPPED.findall(text))
            lines.append(TextLine(*line["bbox"], text, max(span["size"] for span in line["spans"])))
    readable = visible and unmapped <= UNMAPPED_SHARE * visible
    if readable and visible >= SCAN_MAX_CHARS:
        return (*_with_tables(page, lines), "text")
    if _picture_cover(page) >= SCAN_COVER:
        return [], [], "scan"
    if readable:
        return (*_with_tables(page, lines), "text")
    return [], [], "scan" if visible else "blank"


def _with_tables(page, lines: list[TextLine]) -> tuple[list[TextLine], list[Row]]:
    """(lines outside tables, ruled tables as rows). The top and bottom 8% are left out: the
    rule under a running header is not a table."""
    height = page.rect.height
    rules = grid.rules_from_drawings(page.get_cdrawings(), 0.08 * height, 0.92 * height)
    if not rules:
        return lines, []
    tables, free = grid.find_tables(rules, lines)
    return free, tables


def _clean(text: str) -> str:
    text = _CONTROL.sub("", text.translate(_PUNCTUATION))
    return _VARIANTS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def _picture_cover(page) -> float:
    """Share of the page covered by its largest picture."""
    area = abs(page.rect) or 1.0
    best = 0.0
    for info in page.get_image_info():
        rect = pymupdf.Rect(info["bbox"]) & page.rect
        best = max(best, abs(rect) / area)
    return best


def _raster(page, number: int) -> ocr.PageImage:
    # a page far larger than paper is rendered at a lower resolution, not into gigabytes of pixels
    pixels = (page.rect.width / 72 * ocr.DPI) * (page.rect.height / 72 * ocr.DPI)
    dpi = min(ocr.DPI, int(ocr.DPI * math.sqrt(MAX_RASTER_PIXELS / pixels))) if pixels > 0 else ocr.DPI
    pix = page.get_pixmap(dpi=max(dpi, 1), colorspace=pymupdf.csGRAY, alpha=False)
    return ocr.PageImage(number, pix.width, pix.height, bytes(pix.samples), 72 / max(dpi, 1))


def _ocr_text_line(line: ocr.OcrLine) -> TextLine:
    x0, y0, x1, y1 = line.bbox
    # The detector's box is taller than the glyphs (it is dilated by 1.6); about 1.25× the size.
    return TextLine(x0, y0, x1, y1, line.text.strip(), (line.height or y1 - y0) / 1.25)


@contextmanager
def _quiet_mupdf() -> Iterator[list[str]]:
    """MuPDF prints errors and warnings to stderr; collect them as warnings instead."""
    shown_errors = pymupdf.TOOLS.mupdf_display_errors()
    shown_warnings = pymupdf.TOOLS.mupdf_display_warnings()
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    pymupdf.TOOLS.reset_mupdf_warnings()
    collected: list[str] = []
    try:
        yield collected
    finally:
        collected.extend(w for w in pymupdf.TOOLS.mupdf_warnings().splitlines()[:20] if w.strip())
        pymupdf.TOOLS.reset_mupdf_warnings()
        pymupdf.TOOLS.mupdf_display_errors(shown_errors)
        pymupdf.TOOLS.mupdf_display_warnings(shown_warnings)

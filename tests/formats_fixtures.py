"""Generated gazette files for the format tests, made once per session.

Both format test modules import these fixtures; the files live in one session folder and
are made only when missing, so the second module reuses the first one's.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from . import formats_render as render
from .conftest import CORPUS, gold_files, load_gold

FORMATS = ("pdf", "docx", "html")
GOLD = [p.name for p in gold_files()]


@pytest.fixture(scope="session")
def formats_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.getbasetemp() / "formats"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def pdf_fonts(request, tmp_path_factory) -> render.Fonts:
    """Noto CJK cut down to the corpus' characters (fontTools takes ~15 s a face, so the
    subsets are kept in pytest's cache between sessions)."""
    try:
        render.font_file("Serif")
        render.font_file("Sans", "Bold")
    except FileNotFoundError as error:
        pytest.fail(str(error))
    texts = [(CORPUS / load_gold(CORPUS / "gold" / name)["source"]).read_text(encoding="utf-8") for name in GOLD]
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    folder = Path(cache.mkdir("gongbao-noto-subsets")) if cache else tmp_path_factory.mktemp("fonts")
    return render.make_fonts(texts, folder)


def rendered(formats_dir: Path, fonts: render.Fonts, gold_name: str, fmt: str) -> Path:
    gold = load_gold(CORPUS / "gold" / gold_name)
    path = formats_dir / f"{Path(gold_name).stem}.{fmt}"
    if not path.exists():
        text = (CORPUS / gold["source"]).read_text(encoding="utf-8")
        if fmt == "pdf":
            render.render_pdf(text, path, fonts)
        else:
            getattr(render, f"render_{fmt}")(text, path)
    return path


def docnumber_pages(pdf: Path, count: int = 3) -> list[int]:
    """0-based pages past the TOC that print a 文号 line: pages where documents start."""
    import pymupdf

    pages = []
    with pymupdf.open(pdf) as doc:
        for index in range(3, doc.page_count):
            if re.search(r"^\s*\S{1,10}〔\d{4}〕\d+号\s*$", doc[index].get_text(), re.M):
                pages.append(index)
            if len(pages) == count:
                break
    return pages


def page_subset(pdf: Path, pages: list[int]) -> bytes:
    """A PDF of just these pages, still born-digital."""
    import pymupdf

    out = pymupdf.open()
    with pymupdf.open(pdf) as doc:
        for index in pages:
            out.insert_pdf(doc, from_page=index, to_page=index)
    return out.tobytes()


def scanned(pdf: Path, pages: list[int], *, dpi: int = 200, noise: float = 12.0, angle: float = 0.5, seed: int = 7) -> bytes:
    """These pages as a scanner would give them: grayscale at ``dpi``, sensor noise, the sheet
    a little askew; as an image-only PDF (no text layer)."""
    import numpy as np
    import pymupdf
    from PIL import Image

    rng = np.random.default_rng(seed)
    out = pymupdf.open()
    with pymupdf.open(pdf) as doc:
        for index in pages:
            page = doc[index]
            pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
            pixels = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w).astype(np.float32)
            pixels = np.clip(pixels + rng.normal(0, noise, pixels.shape), 0, 255).astype(np.uint8)
            image = Image.fromarray(pixels).rotate(angle, resample=Image.BICUBIC, fillcolor=255)
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            target = out.new_page(width=page.rect.width, height=page.rect.height)
            target.insert_image(target.rect, stream=buffer.getvalue())
    return out.tobytes()

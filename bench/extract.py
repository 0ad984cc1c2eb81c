"""Extraction speed: born-digital PDF pages/s and OCR pages/s (with CER), each against
PyMuPDF's raw ``page.get_text()`` on the same file as the baseline.

    .venv/bin/python bench/extract.py [--issue 004] [--ocr-pages 3] [--repeat 3]

The PDF is generated from the shared corpus text the way tests/test_formats.py does it
(A4 公文 layout, Noto CJK), so nothing is downloaded. Targets: ≥ 50 pages/s for born-digital
extraction on 2 cores. Figures are printed, one line each.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import formats_render as render  # noqa: E402
from tests.formats_fixtures import docnumber_pages, page_subset, scanned  # noqa: E402
from tests.test_formats_ocr import cer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def raw_pages_per_second(data: bytes, repeat: int) -> tuple[float, int]:
    import pymupdf

    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            pages = doc.page_count
            for page in doc:
                page.get_text()
        best = min(best, time.perf_counter() - started)
    return pages / best, pages


def extract_pages_per_second(data: bytes, repeat: int) -> float:
    from gongbao.formats import read_bytes

    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        extracted = read_bytes(data, "bench.pdf")
        best = min(best, time.perf_counter() - started)
    return len(extracted.pages) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issue", default="004", help="corpus issue to render (000, 001, 004)")
    parser.add_argument("--ocr-pages", type=int, default=3, help="pages to OCR (0 to skip OCR)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from gongbao.formats import ocr, read_bytes

    source = next(CORPUS.glob(f"{args.issue}_*.txt"))
    text = source.read_text(encoding="utf-8")
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("00*.txt"))]
    cache = ROOT / ".pytest_cache" / "d" / "gongbao-noto-subsets"  # shared with the tests
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / f"{args.issue}.pdf"
        render.render_pdf(text, pdf, render.make_fonts(texts, cache))
        data = pdf.read_bytes()

        raw, pages = raw_pages_per_second(data, args.repeat)
        ours = extract_pages_per_second(data, args.repeat)
        print(f"born-digital {source.name}: {pages} pages, {len(data) / 1e6:.1f} MB")
        print(f"  raw page.get_text():     {raw:7.1f} pages/s")
        print(f"  formats.read_bytes():    {ours:7.1f} pages/s  ({ours / raw:.2f}× the raw baseline; target ≥ 50)")

        if args.ocr_pages and ocr.available():
            chosen = docnumber_pages(pdf, args.ocr_pages)
            digital = read_bytes(page_subset(pdf, chosen), "digital.pdf")
            scan = scanned(pdf, chosen)
            raw_scan, _ = raw_pages_per_second(scan, 1)
            started = time.perf_counter()
            extracted = read_bytes(scan, "scan.pdf")
            seconds = time.perf_counter() - started
            print(f"OCR ({ocr.ENGINE}, {ocr.DPI} dpi, noise + 0.5° skew), pages {[p + 1 for p in chosen]}:")
            print(f"  raw page.get_text():     {raw_scan:7.1f} pages/s (finds no text: image-only pages)")
            print(f"  formats.read_bytes():    {len(chosen) / seconds:7.3f} pages/s  ({seconds / len(chosen):.1f} s a page, "
                  f"{ocr.os.cpu_count()} workers)")
            reference, read = digital.source.text, extracted.source.text
            print(f"  CER vs the text layer:   {cer(reference, read):.4f} raw, {cer(reference, read, fold_width=True):.4f} "
                  "width-folded (as gold is scored)")
        elif args.ocr_pages:
            print(f"OCR skipped: the extra is not installed ({ocr.INSTALL_HINT})")


if __name__ == "__main__":
    main()

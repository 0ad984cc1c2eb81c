"""OCR speed of scanned pages: the settings before issue #17 (baseline) and today's, in one run.

    .venv/bin/python bench/ocr.py [--pages 6] [--repeat 2] [--issue 001] [--workers 2] [--profile]

N pages of a corpus issue where documents start are rendered as the tests make scans (A4
公文 layout, 200 dpi grayscale, sensor noise, 0.5° skew, image-only PDF) and read with
``formats.read_bytes`` — page rendering, the OCR worker processes and layout included — once
with the baseline recognizer (RapidOCR's own pipeline, the page reduced to 2000 px for
detection and recognition, as ``formats.ocr`` did before) and once with today's, alternating
``--repeat`` times, so both see the same load of a shared machine. Prints pages/s (best run),
CPU seconds a page (the OCR workers' and the main process's: less sensitive to the load than
wall time), the ratio new/baseline and the CER of each against the pages' text layer.
``--profile``: where the time goes, one page after the other in this process (render,
detection, recognition; classification is off in both).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests import formats_render as render  # noqa: E402
from tests.formats_fixtures import docnumber_pages, page_subset, scanned  # noqa: E402
from tests.test_formats_ocr import cer  # noqa: E402

from gongbao.formats import ocr, pdf, read_bytes  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BASELINE_MAX_SIDE = 2000  # formats.ocr.DET_MAX_SIDE before: the whole page reduced to it


@lru_cache(maxsize=2)
def baseline_engine(threads: int):
    from rapidocr_onnxruntime import RapidOCR

    options = {"max_side_len": BASELINE_MAX_SIDE}
    if threads:
        options.update(intra_op_num_threads=threads, inter_op_num_threads=1)
    return RapidOCR(**options)


def baseline_recognize(image: ocr.PageImage, threads: int) -> list[ocr.Box]:
    """``formats.ocr._recognize`` as it was: RapidOCR's whole pipeline on the page."""
    import numpy as np

    pixels = np.frombuffer(image.samples, dtype=np.uint8).reshape(image.height, image.width)
    pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    result, _ = baseline_engine(threads)(pixels, use_cls=False)
    boxes = []
    for points, text, confidence in result or []:
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        (ax, ay), (dx, dy) = points[0], points[3]
        height = ((ax - dx) ** 2 + (ay - dy) ** 2) ** 0.5
        boxes.append((text, float(confidence), (min(xs), min(ys), max(xs), max(ys)), float(height)))
    return boxes


SETTINGS = {"baseline": baseline_recognize, "new": ocr._recognize}


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(name: str, scan: bytes, workers: int) -> tuple[float, float, str, int]:
    """(wall s, CPU s, text, low-confidence lines) of one read of the scan with these settings.
    The worker processes are forked, so they run the recognizer patched in here."""
    ocr._recognize = SETTINGS[name]
    try:
        wall, cpu = time.perf_counter(), cpu_seconds()
        extracted = read_bytes(scan, "bench-scan.pdf", workers=workers)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    finally:
        ocr._recognize = SETTINGS["new"]
    doubtful = sum(line.confidence < ocr.LOW_CONFIDENCE for line in extracted.ocr_lines)
    return wall, cpu, extracted.source.text, doubtful


def profile(scan: bytes) -> None:
    """CPU seconds a page per phase, one process, one onnxruntime thread (CPU time, not wall:
    other processes on the machine inflate it less)."""
    import pymupdf

    timed: dict[str, float] = {}

    def timer(phase, function):
        def wrapped(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                timed[phase] = timed.get(phase, 0.0) + time.process_time() - started
        return wrapped

    with pymupdf.open("pdf", scan) as doc:
        started = time.process_time()
        images = [pdf._raster(page, page.number + 1) for page in doc]
        rendering = (time.process_time() - started) / len(images)
    for name, engine in (("baseline", baseline_engine(1)), ("new", ocr._engine(1))):
        timed.clear()
        engine.text_det.infer = timer("detection (model)", engine.text_det.infer)
        engine.text_rec.session = timer("recognition (model)", engine.text_rec.session)
        started = time.process_time()
        for image in images:
            SETTINGS[name](image, 1)
        total = (time.process_time() - started) / len(images)
        model = {phase: seconds / len(images) for phase, seconds in timed.items()}
        rest = total - sum(model.values())
        print(f"  {name:8s} render {rendering:5.2f} s  " + "  ".join(f"{p} {s:5.2f} s" for p, s in model.items())
              + f"  rest (box post-processing, crops, resizing) {rest:5.2f} s  = {rendering + total:5.2f} s a page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6, help="scanned pages to OCR")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each setting, alternating")
    parser.add_argument("--issue", default="001", help="corpus issue to render (000, 001, 004)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="OCR processes (default: one per core)")
    parser.add_argument("--profile", action="store_true", help="also time each phase, one page after the other")
    args = parser.parse_args()
    if not ocr.available():
        sys.exit(f"the OCR extra is not installed ({ocr.INSTALL_HINT})")

    import subprocess

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "src", "bench"], capture_output=True, text=True).stdout.strip()
    print(f"commit {commit}{' + uncommitted changes' if dirty else ''}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (uptime) at start")
    source = next(CORPUS.glob(f"{args.issue}_*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("00*.txt"))]
    cache = ROOT / ".pytest_cache" / "d" / "gongbao-noto-subsets"  # shared with the tests
    with tempfile.TemporaryDirectory() as tmp:
        rendered = Path(tmp) / f"{args.issue}.pdf"
        render.render_pdf(source.read_text(encoding="utf-8"), rendered, render.make_fonts(texts, cache))
        pages = docnumber_pages(rendered, args.pages)
        reference = read_bytes(page_subset(rendered, pages), "digital.pdf").source.text
        scan = scanned(rendered, pages)
    print(f"{len(pages)} scanned pages of {source.name} (pages {', '.join(str(p + 1) for p in pages)}): "
          f"{ocr.DPI} dpi, noise σ 12, 0.5° skew; {args.workers} worker processes")

    results: dict[str, list[tuple[float, float]]] = {name: [] for name in SETTINGS}
    texts_read: dict[str, tuple[str, int]] = {}
    for round_ in range(args.repeat):
        for name in SETTINGS:
            wall, cpu, text, doubtful = run(name, scan, args.workers)
            results[name].append((wall, cpu))
            texts_read[name] = (text, doubtful)
            print(f"  run {round_ + 1} {name:8s} {wall:6.1f} s wall, {cpu:6.1f} s CPU, load {os.getloadavg()[0]:.2f}",
                  flush=True)

    print(f"{'settings':8s} {'pages/s':>8s} {'s/page':>7s} {'CPU s/page':>10s} {'CER':>7s} {'CER NFKC':>8s} {'<0.85':>5s}")
    best = {}
    for name, runs in results.items():
        wall = min(w for w, _ in runs)
        cpu = min(c for _, c in runs)
        best[name] = (len(pages) / wall, cpu / len(pages))
        text, doubtful = texts_read[name]
        print(f"{name:8s} {len(pages) / wall:8.3f} {wall / len(pages):7.2f} {cpu / len(pages):10.2f} "
              f"{cer(reference, text):7.4f} {cer(reference, text, fold_width=True):8.4f} {doubtful:5d}")
    print(f"ratio new / baseline: {best['new'][0] / best['baseline'][0]:.2f}× pages/s, "
          f"{best['baseline'][1] / best['new'][1]:.2f}× less CPU a page; load {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} at the end")
    if args.profile:
        print("where the time goes (one process, one thread, CPU seconds a page; the 180° classifier is off in both):")
        profile(scan)


if __name__ == "__main__":
    main()

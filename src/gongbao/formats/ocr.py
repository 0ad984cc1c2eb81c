"""OCR of page images with RapidOCR (PP-OCRv4 models run by onnxruntime).

Optional: ``pip install gongbao[ocr]``. The wheel ships its three ONNX models, so nothing is
downloaded at run time. Why RapidOCR and not Tesseract: on a clean 200 dpi page of a real
issue it read 812 of 812 characters right (CER 0.000) where Tesseract 5.3 ``chi_sim`` got
CER 0.028, at a similar speed (about 29 s vs 22 s a dense A4 page on one core of the
2-core reference machine), and it needs no system packages.

Pages are recognized in parallel, one process per core, each with a single-threaded
onnxruntime session (more threads per session only fight over the same cores).
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Callable, Iterable, Optional

ENGINE = "rapidocr"
INSTALL_HINT = "pip install gongbao[ocr]"
# Pages are rendered at this resolution for OCR: body text of 10.5–16 pt is 30–45 px tall,
# what the recognizer (48 px input height) reads best.
DPI = 200
# Lines the recognizer is less sure of than this are listed for a person to check.
LOW_CONFIDENCE = 0.85
# The detector sees the page at most this many pixels along its longest side (A4 at 200 dpi:
# 137 dpi). Detection cost grows with the area, and the boxes found at this scale read as well
# as those found at 2000 px (bench/ocr.py); 9 pt text is still 12 px tall.
DET_MAX_SIDE = 1600
# ... and only the part of it holding ink: pixels darker than INK_LEVEL, in rows and columns
# with at least INK_MIN of them (a stray dark pixel of scanner noise is no text), plus
# INK_MARGIN pixels around so that the detector sees whole glyphs with their margin.
INK_LEVEL = 128
INK_MIN = 2
INK_MARGIN = 32
# Text lines are narrowed to this share of their width before recognition. The recognizer
# works column by column on a 48 px tall strip (cost ∝ width) and still has ~3 columns of its
# output per square CJK glyph at 0.6; narrower, its errors grow (0.5: CER +0.0013).
REC_SQUEEZE = 0.6
# Lines recognized one at a time: a batch is padded to its widest line; on the reference
# machine a page's 29 lines took 2.25 CPU seconds in RapidOCR's batches of 6, 1.40 one by one.
REC_BATCH = 1
# Recognized lines scoring below this are dropped as noise (RapidOCR's own default).
MIN_SCORE = 0.5

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One line the OCR engine read: page (1-based), text, confidence 0–1, box in PDF points.

    ``height`` is the text box's height across the baseline: on a skewed scan the upright
    ``bbox`` of a long line is taller than its text.
    """

    page: int
    text: str
    confidence: float
    bbox: tuple[float, float, float, float]
    height: float = 0.0


@dataclass(frozen=True, slots=True)
class PageImage:
    """A grayscale page raster to recognize; ``scale`` converts its pixels to PDF points."""

    page: int
    width: int
    height: int
    samples: bytes
    scale: float


def available() -> bool:
    """Is the OCR extra installed?"""
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def recognize(images: Iterable[PageImage], *, workers: Optional[int] = None, progress: Optional[Progress] = None,
              done: int = 0, total: Optional[int] = None, count: Optional[int] = None) -> dict[int, list[OcrLine]]:
    """OCR every image; lines per page number. ``progress(done, total)`` after each page.

    ``images`` may be a generator: at most two pages per worker are rendered and in flight at
    once, so memory does not grow with the number of pages.
    """
    if count is None:
        images = list(images)
        count = len(images)
    total = count if total is None else total
    workers = max(1, min(workers or os.cpu_count() or 1, count))
    out: dict[int, list[OcrLine]] = {}
    if workers == 1:
        for image in images:
            out[image.page] = _to_lines(image, _recognize(image, threads=0))
            done += 1
            if progress:
                progress(done, total)
        return out
    # fork on Linux: spawn would re-import the caller's __main__, which breaks any script without
    # an ``if __name__ == "__main__"`` guard. Workers build their own engine (``_engine(1)``), so
    # nothing of the parent's onnxruntime state is used after the fork.
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    pending = iter(images)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        running = {}
        for image in islice(pending, 2 * workers):
            running[pool.submit(_recognize, image, 1)] = image
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                image = running.pop(future)
                out[image.page] = _to_lines(image, future.result())
                done += 1
                if progress:
                    progress(done, total)
                for follower in islice(pending, 1):
                    running[pool.submit(_recognize, follower, 1)] = follower
    return out


Box = tuple[str, float, tuple[float, float, float, float], float]


def _to_lines(image: PageImage, boxes: list[Box]) -> list[OcrLine]:
    s = image.scale
    return [OcrLine(image.page, text, conf, (x0 * s, y0 * s, x1 * s, y1 * s), height * s)
            for text, conf, (x0, y0, x1, y1), height in boxes]


def _recognize(image: PageImage, threads: int) -> list[Box]:
    """Runs in a worker process: (text, confidence, pixel box, box height) of each line found."""
    import cv2
    import numpy as np

    pixels = np.frombuffer(image.samples, dtype=np.uint8).reshape(image.height, image.width)
    ink = _ink_box(pixels)
    if ink is None:
        return []  # a blank page: nothing to detect
    x0, y0, x1, y1 = ink
    engine = _engine(threads)
    region = pixels[y0:y1, x0:x1]
    scale = min(1.0, DET_MAX_SIDE / max(image.width, image.height))
    if scale < 1:
        region = cv2.resize(region, (max(1, round(region.shape[1] * scale)), max(1, round(region.shape[0] * scale))),
                            interpolation=cv2.INTER_AREA)
    found, _ = engine.text_det(cv2.cvtColor(region, cv2.COLOR_GRAY2BGR))  # the models take BGR
    if found is None or not len(found):
        return []
    back = np.array([(x1 - x0) / region.shape[1], (y1 - y0) / region.shape[0]], dtype=np.float32)
    quads = engine.sorted_boxes(found * back + np.array([x0, y0], dtype=np.float32))
    # cut from the full-resolution page: the recognizer reads glyphs better than the detector needs them
    crops = [_narrowed(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)) for crop in engine.get_crop_img_list(pixels, quads)]
    read, _ = engine.text_rec(crops)  # upright scans: no 180° classifier
    boxes = []
    for points, (text, confidence, *_) in zip(quads, read):
        if confidence < MIN_SCORE:
            continue
        xs, ys = points[:, 0], points[:, 1]
        (ax, ay), (dx, dy) = points[0], points[3]  # top-left and bottom-left corners of the quad
        height = ((ax - dx) ** 2 + (ay - dy) ** 2) ** 0.5
        boxes.append((text, float(confidence), (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())),
                      float(height)))
    return boxes


def _ink_box(pixels) -> Optional[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of the page's ink with INK_MARGIN around it; None for a blank page."""
    import numpy as np

    dark = pixels < INK_LEVEL
    rows = np.flatnonzero(np.count_nonzero(dark, axis=1) >= INK_MIN)
    columns = np.flatnonzero(np.count_nonzero(dark, axis=0) >= INK_MIN)
    if not len(rows) or not len(columns):
        return None
    height, width = pixels.shape
    return (max(0, int(columns[0]) - INK_MARGIN), max(0, int(rows[0]) - INK_MARGIN),
            min(width, int(columns[-1]) + INK_MARGIN + 1), min(height, int(rows[-1]) + INK_MARGIN + 1))


def _narrowed(crop):
    import cv2

    width = max(1, round(crop.shape[1] * REC_SQUEEZE))
    return cv2.resize(crop, (width, crop.shape[0]), interpolation=cv2.INTER_AREA)


@lru_cache(maxsize=2)
def _engine(threads: int):
    """One RapidOCR per process (loading the models takes a second or two). Its detector is
    given the page already scaled (``det_limit_side_len`` 32: no resizing of its own but the
    rounding to its 32 px grid)."""
    from rapidocr_onnxruntime import RapidOCR

    options = {"det_limit_type": "min", "det_limit_side_len": 32, "rec_batch_num": REC_BATCH}
    if threads:
        options.update(intra_op_num_threads=threads, inter_op_num_threads=1)
    return RapidOCR(**options)

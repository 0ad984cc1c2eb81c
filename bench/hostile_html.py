"""HTML reader time against nesting (issue #15): doubling the nesting should double the time.

    .venv/bin/python bench/hostile_html.py [--sizes 15000,30000,60000,120000]

For each size, three pages made from the shared corpus: a gazette followed by that many
unclosed nested ``<span>`` (the 60,000-span page took 66 s before, quadratic), that many nested
``<div>`` lines, and a table of that many rows of two cells. Prints seconds and µs per tag; the
target is a flat µs-per-tag column (linear time): 25–70 µs per tag on 2 busy cores, most of it
in the standard library's tokenizer.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from gongbao.formats.html import extract_html  # noqa: E402
from tests import hostile_inputs as hostile  # noqa: E402

PAGES = {
    "nested spans": lambda n: hostile.many_spans_html(n),
    "nested div lines": lambda n: ("<html><body>" + "<div>第一条　本办法自公布之日起施行。\n" * n).encode("utf-8"),
    "table rows": lambda n: ("<html><body><table>" + "<tr><td>平定县<td>人民政府" * n).encode("utf-8"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="15000,30000,60000,120000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    for name, make in PAGES.items():
        for size in sizes:
            page = make(size)
            tags = page.count(b"<")
            start = time.perf_counter()
            extract_html(page, f"{name}.html")
            seconds = time.perf_counter() - start
            print(f"{name:17s} {size:>7,d}: {seconds:6.2f} s, {tags:>8,d} tags, {seconds / tags * 1e6:5.1f} µs/tag")


if __name__ == "__main__":
    main()

"""Helpers of the layer quality tests: corpus parses (cached) and precision / recall of
extracted records against hand-checked expected ones."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Callable, Iterable

from gongbao.model import LayerRecord, ParseResult

from .conftest import CORPUS

MIN_PR = 0.95
FILES = {
    "000": "000_4079e62c8a753c5e.txt",
    "001": "001_c4221d5962f1b0b2.txt",
    "004": "004_b3b576dd858a0076.txt",
}
GAZETTE = """平定县人民政府公报
2024年第{issue}期

平定县人民政府文件

{number}

平定县人民政府{office}
关于{title}的通知

各乡（镇）人民政府，县直各有关单位：

{body}

平定县人民政府{office}

{date}

（此件公开发布）
"""


@lru_cache(maxsize=None)
def parsed(key: str) -> ParseResult:
    """The corpus issue ``000`` / ``001`` / ``004``, parsed once per test session."""
    from gongbao.decode import read_source
    from gongbao.pipeline import parse

    return parse(read_source(CORPUS / FILES[key]))


def synthetic(title: str, body: str, *, number: str = "平政发〔2024〕9号", office: str = "",
              date: str = "2024年3月5日", issue: int = 1) -> ParseResult:
    """A one-document gazette of 平定县 (a county the corpus does not have)."""
    from gongbao.pipeline import parse_text

    text = GAZETTE.format(issue=issue, number=number, office=office, title=title, body=body, date=date)
    return parse_text(text, f"synthetic-{issue}.txt")


def score(name: str, predicted: Iterable[tuple], expected: Iterable[tuple]) -> tuple[float, float]:
    """Precision and recall of ``predicted`` against ``expected`` (multisets of comparable
    tuples), printed with the differences so a failing run says what went wrong."""
    got, want = Counter(predicted), Counter(expected)
    hits = sum((got & want).values())
    precision = hits / sum(got.values()) if got else (1.0 if not want else 0.0)
    recall = hits / sum(want.values()) if want else 1.0
    print(f"{name}: {sum(want.values())} expected, {sum(got.values())} extracted, "
          f"{hits} right — precision {precision:.3f}, recall {recall:.3f}")
    for record in sorted((want - got).elements(), key=str):
        print("  missed:", record)
    for record in sorted((got - want).elements(), key=str):
        print("  extra: ", record)
    return precision, recall


def records(result: ParseResult, extract: Callable[[ParseResult], list[LayerRecord]]) -> list[LayerRecord]:
    found = extract(result)
    text = result.source.text
    for rec in found:  # every record points at real source text
        assert 0 <= rec.span.start < rec.span.end <= len(text), rec
    return found

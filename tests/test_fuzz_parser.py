"""Fuzzing the parser: whatever text comes in, ``parse_text`` returns a sane ParseResult or
raises a GongbaoError — never another exception, never a hang.

Each example runs under a hard 5 s limit (``signal.alarm``; a faulthandler watchdog kills the
process if a C-level loop ignores the signal). Three families, 300+ examples each:

* random Unicode text;
* real gazette text (windows of the three shared issues, with or without cover + TOC) mutated
  line- and character-wise: lines deleted, duplicated, swapped; random CJK, control, zero-width
  and bidi characters inserted;
* deep repetition: a 200 KB single line, 10,000 ``（``, 5,000 lines of ``关于的通知`` and a few
  more named cases, then random repeats of tricky units up to ~40 K characters
  (``@pytest.mark.slow``, with the repeated real issue heads).

``pytest -m "not slow"`` skips the repetition family; the whole file takes well under 3 minutes
on 2 cores.
"""
from __future__ import annotations

import faulthandler
import signal
import sys
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from gongbao.errors import GongbaoError
from gongbao.model import ParseResult
from gongbao.pipeline import parse_text

from .conftest import CORPUS

TIME_LIMIT = 5  # seconds per example
EXAMPLES = 300

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # no explain phase: it re-runs a failing example under sys.settrace, 5–10× slower, which
    # turns a 1 s parse into a spurious 5 s "hang"
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs signal.alarm (POSIX)")


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so no ``except Exception`` in the parser swallows it."""


def _on_alarm(signum, frame):  # noqa: ARG001
    raise Hang(f"parse_text did not return within {TIME_LIMIT} s")


@contextmanager
def time_limit(seconds: int = TIME_LIMIT):
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    # backstop: a loop in C (a regex) does not see SIGALRM; dump the stack and stop the run
    faulthandler.dump_traceback_later(seconds * 6, exit=True, file=sys.stderr)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


def check_parse(text: str) -> None:
    """The property: a sane ParseResult or a GongbaoError, within the time limit."""
    try:
        with time_limit():
            result = parse_text(text)
    except GongbaoError:
        return
    except Hang as hang:
        pytest.fail(f"{hang}: {len(text)} characters, starting {text[:80]!r}")
    assert isinstance(result, ParseResult)
    source = result.source.text
    n = len(source)
    assert n == len(text.replace("\r\n", "\n").replace("\r", "\n"))
    previous_end = 0
    seqs = []
    for doc in result.documents:
        assert 0 <= doc.span.start < doc.span.end <= n, (doc.seq, doc.span, n)
        assert doc.span.start >= previous_end, ("documents overlap or are out of order", doc.seq, doc.span, previous_end)
        previous_end = doc.span.end
        seqs.append(doc.seq)
        if doc.parent_seq is not None:
            assert doc.parent_seq in seqs, (doc.seq, doc.parent_seq)
        for name, span in doc.spans.items():
            assert 0 <= span.start <= span.end <= n, (doc.seq, name, span)
    assert seqs == list(range(1, len(seqs) + 1))
    for u in result.unplaced:
        assert 0 <= u.span.start <= u.span.end <= n
    for r in result.repairs:
        assert 0 <= r.start <= r.end <= n, r
    for e in result.toc:
        assert 0 <= e.span.start <= e.span.end <= n


# --- random unicode -------------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=3000))
@example("")
@example("\n" * 50)
@example("目 录\n【人事任免】\n")
@example("关于的通知\n盂政发〔2023〕48号\n各乡镇：\n")
def test_random_unicode(text):
    check_parse(text)


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
GAZETTE_ALPHABET = st.one_of(
    CJK,
    st.sampled_from(list("〔〕（）()【】《》、，。；：:“”…—-·．.0123456789 \t\n\u3000号年月日第期关于的通知印发附件此件公开发布政办发县人民政府")),
)


@FUZZ
@given(st.text(alphabet=GAZETTE_ALPHABET, max_size=3000))
def test_random_gazette_alphabet(text):
    check_parse(text)


# --- mutated real text ------------------------------------------------------------------------


SOURCE_LINES = [p.read_text(encoding="utf-8").split("\n") for p in sorted(CORPUS.glob("*.txt"))]
SPECIAL = (
    [chr(c) for c in range(0x00, 0x20) if chr(c) != "\n"] + ["\x7f", "\x85", "\xa0", "\u2028", "\u2029"]
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]  # zero-width, BOM, soft hyphen
    + ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]  # bidi
    + ["\u3000", "\ufffd", "\U0002a6a5", "\u0301", "\ufe35"]
)


@st.composite
def mutated_gazette(draw) -> str:
    lines = draw(st.sampled_from(SOURCE_LINES))
    start = draw(st.integers(0, len(lines) - 1))
    window = lines[start: start + draw(st.integers(1, 200))]
    head = lines[: draw(st.integers(0, 120))] if draw(st.booleans()) else []  # cover + TOC
    doc = head + window
    for _ in range(draw(st.integers(0, 25))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "cjk", "special", "split", "join"]))
        i = draw(st.integers(0, len(doc) - 1)) if doc else 0
        if not doc:
            doc = [""]
        if op == "delete" and len(doc) > 1:
            del doc[i]
        elif op == "duplicate":
            doc[i:i] = [doc[i]] * draw(st.integers(1, 3))
        elif op == "swap":
            j = draw(st.integers(0, len(doc) - 1))
            doc[i], doc[j] = doc[j], doc[i]
        elif op in ("cjk", "special"):
            insert = draw(st.text(alphabet=CJK, min_size=1, max_size=12)) if op == "cjk" else draw(st.sampled_from(SPECIAL))
            line = doc[i]
            k = draw(st.integers(0, len(line)))
            doc[i] = line[:k] + insert + line[k:]
        elif op == "split":
            line = doc[i]
            k = draw(st.integers(0, len(line)))
            doc[i: i + 1] = [line[:k], line[k:]]
        elif op == "join" and i + 1 < len(doc):
            doc[i: i + 2] = [doc[i] + doc[i + 1]]
    return "\n".join(doc)


@FUZZ
@given(mutated_gazette())
def test_mutated_gazette_text(text):
    check_parse(text)


# --- deep repetition --------------------------------------------------------------------------


UNITS = [
    "（", "(", "〔", "【", "《", "“", "关于的通知\n", "关于", "的通知", "通知\n", "盂政办发〔2023〕1号\n",
    "〔2023〕", "各乡镇人民政府：\n", "附件：\n", "附件1：关于\n", "一、", "（一）", "1.", "此件公开发布\n",
    "2023年1月1日\n", "盂县人民政府\n", "目录\n", "……（1）\n", ".....", "县政府文件\n", "\t", " ", "\u3000",
    "孟", "孟县", "第1期", "公报", "令\n", "第1号\n", "\n", "\n\n", "人民政府办公室关于印发", "实施方案", "》的通知",
]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("盂县人民政府关于任丽鹏等同志职务任免的通知" * 10_000, id="200KB-single-line"),
        pytest.param("（" * 10_000, id="10000-open-parens"),
        pytest.param("关于的通知\n" * 5_000, id="5000-lines-guanyu-de-tongzhi"),
        pytest.param("（" * 200_000, id="200000-open-parens"),
        pytest.param("\n".join(["关于的通知", "盂政发〔2023〕48号", "各乡镇：", "正文。", "盂县人民政府", "2023年1月1日"] * 2_000), id="2000-documents"),
        pytest.param("目录\n" * 20_000, id="20000-toc-heads"),
        pytest.param("a" * 200_000, id="200KB-ascii-line"),
        # found by this file: grammar.TOC_LEADER backtracking (fixed in 0a1c477)
        pytest.param("关于" + "\t" * 800 + "的通知", id="800-tabs-in-a-line"),
        pytest.param("." * 20_000, id="20000-dots"),
        pytest.param("…" * 10_000, id="10000-ellipses"),
    ],
)
def test_deep_repetition_named(text):
    check_parse(text)


# The repetition families are not shrunk: their inputs are already ``unit × times`` (shrinking a
# hang re-runs 5 s examples for minutes); the failure message gives unit, count and length.
REPEAT = settings(FUZZ, phases=[Phase.explicit, Phase.reuse, Phase.generate])
EDGES = ["", "关于", "目录\n", "盂县人民政府关于", "1", "（", "第", "附件：", "\n", "\t", "各乡镇："]


@pytest.mark.slow
@REPEAT
@given(
    st.sampled_from(EDGES),
    st.lists(st.sampled_from(UNITS), min_size=1, max_size=4).map("".join),
    st.integers(1, 20_000),
    st.sampled_from(["", "\n", "\n\n"]),
    st.sampled_from(EDGES),
)
def test_deep_repetition(prefix, unit, times, separator, suffix):
    times = min(times, max(1, 40_000 // (len(unit) + len(separator))))  # up to ~40 K characters
    note(f"prefix={prefix!r} + separator={separator!r}.join([{unit!r}] * {times}) + suffix={suffix!r}")
    check_parse(prefix + separator.join([unit] * times) + suffix)


@pytest.mark.slow
@REPEAT
@given(st.sampled_from(SOURCE_LINES), st.integers(2, 6))
def test_repeated_real_issue_head(lines, times):
    """Cover + TOC + first documents printed several times over (a bound volume)."""
    check_parse("\n".join(lines[:400]) * times)


# --- inputs found by this file (kept as regressions) ------------------------------------------------
#
# * grammar.TOC_LEADER backtracked polynomially on a long run of leader characters or tabs with no
#   page number after it: ``"关于" + "\t" * 800 + "的通知"`` took ~9 s, ``"." * 20_000`` ~67 s,
#   ``"…" * 10_000`` ~41 s. Fixed in 0a1c477; the cases are in test_deep_repetition_named.
# * test_lone_surrogate below: a str that is not valid Unicode text (fixed: InputError).


def test_lone_surrogate():
    """A lone surrogate (a str the API could build with surrogateescape) is refused cleanly."""
    check_parse("关于\ud800的通知")

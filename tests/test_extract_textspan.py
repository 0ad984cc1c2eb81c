"""Aligning cleaned text with its source, stretch by stretch (``textspan.stretches`` and
``same_prefix``, the alignment of ``groups`` and ``citations.SpanMap``): on generated text laid
out with spaces, ``|`` borders and line breaks, each character points at itself in the source,
in order."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.extract import groups
from gongbao.extract.citations import SpanMap
from gongbao.extract.textspan import same_prefix
from gongbao.model import Paragraph, Span

WORDS = st.text(alphabet="王李组长副县局政府办公室主任成员：，。12", min_size=1, max_size=12)
LAYOUT = st.sampled_from([" ", "\u3000\u3000", "\n", "\t", " | ", "\n| ", "\n  - "])
EXAMPLES = settings(max_examples=200, deadline=None)


@EXAMPLES
@given(st.text(alphabet="ab", max_size=40), st.text(alphabet="ab", max_size=40), st.data())
def test_same_prefix_is_the_common_prefix_within_bounds(text: str, source: str, data) -> None:
    i = data.draw(st.integers(0, len(text)))
    stop = data.draw(st.integers(i, len(text)))
    j = data.draw(st.integers(0, len(source)))
    end = data.draw(st.integers(j, len(source)))
    common = 0
    while i + common < stop and j + common < end and text[i + common] == source[j + common]:
        common += 1
    assert same_prefix(text, i, stop, source, j, end) == common


@st.composite
def laid_out(draw) -> tuple[str, str]:
    """(source, text): words printed with layout between them, and the words run together."""
    words = draw(st.lists(WORDS, min_size=1, max_size=12))
    gaps = [draw(LAYOUT) for _ in words[1:]]
    source = words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:]))
    return source, "".join(words)


@EXAMPLES
@given(laid_out(), st.integers(0, 5))
def test_groups_align_points_each_character_at_itself_in_order(case: tuple[str, str], margin: int) -> None:
    source, text = case
    source = "前" * margin + source  # the paragraph does not start the issue
    where = groups._align(source, text, Span(margin, len(source)))
    assert len(where) == len(text)
    assert [source[k] for k in where] == list(text)
    assert where == sorted(set(where))


@EXAMPLES
@given(laid_out())
def test_groups_layout_puts_line_breaks_back(case: tuple[str, str]) -> None:
    source, text = case
    piece = groups._layout(source, text, Span(0, len(source)))
    assert "".join(piece.text.split()) == text
    assert piece.text.count("\n") == source.count("\n")
    assert all(source[k] == ch for ch, k in zip(piece.text, piece.offsets) if not ch.isspace())


@EXAMPLES
@given(laid_out())
def test_span_map_finds_each_clause_where_it_is_printed(case: tuple[str, str]) -> None:
    source, text = case
    source = source.replace("|", " ").replace("-", " ")  # cleaning drops only whitespace here
    paragraph = Paragraph(text=text, span=Span(0, len(source)))
    spans = SpanMap(source)
    for i, ch in enumerate(text):
        span = spans.span(paragraph, i, i + 1)
        assert source[span.start:span.end] == ch

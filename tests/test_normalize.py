"""normalize: ``printed_text`` quotes the page as printed (extraction residue removed), and its
limited forms, read from either end only as far as they need, are the ends of the whole."""
from __future__ import annotations

import pytest

from gongbao.pipeline.normalize import printed_text

PAGE = "\n".join([
    "## 第一章　总则",
    "**第一条**　为了规范管理，根据有关规定(试行)，制定本办法。",
    "",
    "| 序号 | 名称 |",
    "|---|---|",
    "| 1 | 东区 |",
    "第二条　本办法自2024年1月1日起施行。\\",
])


def test_the_printed_page_has_no_markup_and_full_width_punctuation():
    assert printed_text(PAGE, 0, len(PAGE)) == "第一章总则第一条为了规范管理，根据有关规定（试行），制定本办法。序号名称1东区第二条本办法自2024年1月1日起施行。"


RANGES = [
    (0, len(PAGE)),
    (5, len(PAGE) - 3),  # starting and ending inside a line
    (PAGE.index("为了"), PAGE.index("名称")),
    (0, PAGE.index("\n\n") + 1),  # ending right after a line break: the last line is empty
    (PAGE.index("\n\n") + 1, PAGE.index("东区") + 1),  # starting on an empty line
    (PAGE.index("规定"), PAGE.index("规定") + 2),  # inside one line
]


@pytest.mark.parametrize(("start", "end"), RANGES)
def test_the_printed_start_and_end_are_the_ends_of_the_whole_printed_text(start, end):
    whole = printed_text(PAGE, start, end)
    assert whole
    for limit in (1, 4, 15, 500):
        assert printed_text(PAGE, start, end, limit) == whole[:limit]
        assert printed_text(PAGE, start, end, limit, from_end=True) == whole[-limit:]

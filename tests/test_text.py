"""Character-level helpers: the comparison key and the differing characters of two titles."""
from gongbao.text import differing, fold


def test_bracket_shapes_fold_alike():
    assert fold("贯彻落实<阳泉市行动计划>的方案") == fold("贯彻落实〈阳泉市行动计划〉的方案") == fold("贯彻落实《阳泉市行动计划》的方案")
    assert fold("（试行）") == fold("(试行)") == fold("〔试行〕")
    assert fold("行动计划") != fold("行动方案")


def test_differing_marks_only_the_characters_one_side_lacks():
    toc, body = differing("关于祥益铁矿业有限公司的通知", "关于祥益铁业有限公司的通知")
    assert toc == [("关于祥益铁", False), ("矿", True), ("业有限公司的通知", False)]
    assert body == [("关于祥益铁", False), ("业有限公司的通知", False)]
    toc, body = differing("落实<计划>的 方案", "落实〈计划〉的方案")
    assert not any(differs for _, differs in toc + body)  # bracket shapes and a space are no difference
    assert "".join(text for text, _ in toc) == "落实<计划>的 方案"

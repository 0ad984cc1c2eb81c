"""Tests for the GB/T 2260 gazetteer and gazette region detection."""
from pathlib import Path

import pytest

from gongbao.gazetteer import (
    PROVINCE_ABBREVIATIONS,
    PROVINCE_BY_ABBREVIATION,
    all_regions,
    by_code,
    by_name,
    children,
    find_in_text,
    guess_region,
    weigh_region,
)
from gongbao.pipeline import parse_text

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_text(name: str) -> str:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {path} not available")
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------ the data

def test_codes_of_the_yangquan_area():
    assert by_name("山西省")[0].code == "140000"
    assert by_name("阳泉市")[0].code == "140300"
    assert by_name("盂县")[0].code == "140322"
    assert by_name("平定县")[0].code == "140321"
    assert {r.name: r.code for r in children("140300")} == {
        "城区": "140302", "矿区": "140303", "郊区": "140311", "平定县": "140321", "盂县": "140322",
    }


def test_table_covers_all_levels_with_consistent_parents():
    regions = all_regions()
    codes = [r.code for r in regions]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    counts = {level: sum(r.level == level for r in regions) for level in (1, 2, 3)}
    assert counts[1] == 34
    assert 330 <= counts[2] <= 340
    assert 2800 <= counts[3] <= 2900
    for region in regions:
        if region.level == 1:
            assert region.parent_code is None
        else:
            parent = by_code(region.parent_code)
            assert parent is not None and parent.level < region.level


def test_former_and_statistical_only_names_are_absent():
    assert by_name("孟县") == []  # renamed 孟州市 in 1996
    assert by_name("孟州市")[0].code == "410883"
    assert by_name("市辖区") == []
    assert not [r for r in all_regions() if "开发区" in r.name]


def test_region_properties():
    yuxian = by_code("140322")
    assert (yuxian.name, yuxian.level, yuxian.parent_code) == ("盂县", 3, "140300")
    assert (yuxian.province, yuxian.city) == ("山西省", "阳泉市")
    assert (yuxian.short, yuxian.stem, yuxian.pinyin) == ("盂", "盂县", "yuxian")

    yangquan = by_code("140300")
    assert (yangquan.short, yangquan.stem, yangquan.city) == ("阳", "阳泉", "阳泉市")
    assert by_code("140321").stem == "平定"

    shanxi = by_code("140000")
    assert (shanxi.short, shanxi.stem, shanxi.province, shanxi.city) == ("晋", "山西", "山西省", None)

    assert by_code("450000").stem == "广西"  # 广西壮族自治区
    assert by_code("150000").stem == "内蒙古"
    assert by_code("422800").stem == "恩施"  # 恩施土家族苗族自治州
    assert by_code("140109").stem == "万柏林"  # 万柏林区: 林 belongs to the name
    assert by_code("140302").stem == "城区"  # 城 alone would be too short
    assert by_code("110101").city is None  # a district directly under 北京市
    assert by_code("110101").province == "北京市"


def test_place_name_readings_of_polyphonic_characters():
    assert by_code("130726").pinyin == "yuxian"  # 蔚县, not weixian
    assert by_code("140400").pinyin == "changzhishi"  # 长治市, not zhangzhi
    assert by_code("140428").pinyin == "zhangzixian"  # 长子县
    assert by_code("610000").pinyin == "shaanxisheng"  # 陕西省, kept apart from 山西
    assert by_code("371722").pinyin == "shanxian"  # 单县


def test_by_name_finds_stems_and_shared_names():
    assert [r.code for r in by_name("阳泉")] == ["140300"]
    assert [r.code for r in by_name("山西")] == ["140000"]
    shared = {r.code for r in by_name("城区")}
    assert {"140302", "140502"} <= shared and len(shared) >= 3
    # Full-name matches come before stem matches: 吉林省/吉林市 share the stem 吉林.
    assert by_name("吉林市")[0].code == "220200"


def test_province_abbreviations():
    assert len(PROVINCE_ABBREVIATIONS) == 34
    assert PROVINCE_BY_ABBREVIATION["晋"] == "140000"
    assert PROVINCE_BY_ABBREVIATION["冀"] == "130000"
    assert PROVINCE_BY_ABBREVIATION["蜀"] == PROVINCE_BY_ABBREVIATION["川"] == "510000"
    assert PROVINCE_BY_ABBREVIATION["黔"] == "520000"
    assert all(by_code(code).level == 1 for code in PROVINCE_ABBREVIATIONS)


# -------------------------------------------------------------------- find_in_text

def names(found):
    return [(start, end, region.code) for start, end, region in found]


def test_find_in_text_longest_non_overlapping():
    text = "山西省阳泉市盂县人民政府"
    assert names(find_in_text(text)) == [(0, 3, "140000"), (3, 6, "140300"), (6, 8, "140322")]
    assert names(find_in_text("山西和阳泉")) == [(0, 2, "140000"), (3, 5, "140300")]


def test_find_in_text_resolves_shared_names_from_context():
    assert names(find_in_text("阳泉市城区人民政府")) == [(0, 3, "140300"), (3, 5, "140302")]
    assert names(find_in_text("晋城市城区"))[-1] == (3, 5, "140502")


def test_find_in_text_skips_words_that_only_look_like_places():
    # 和县 in 部门和县直, 安阳 in 平安阳泉: no ancestor of 和县/安阳市 is mentioned.
    found = find_in_text("山西省要求有关部门和县直单位推进平安阳泉建设")
    assert [r.name for _, _, r in found] == ["山西省", "阳泉市"]
    assert found[1][:2] == (18, 20)


# -------------------------------------------------------------------- guess_region

def test_yu_county_gazette_misprinted_as_meng():
    text = corpus_text("000_4079e62c8a753c5e.txt")
    guess = guess_region(text[:2000], text)
    assert (guess.name, guess.code, guess.province, guess.city, guess.short) == (
        "盂县", "140322", "山西省", "阳泉市", "盂")
    assert guess.misprints == {"孟县": "盂县", "孟": "盂"}
    assert "pinyin YUXIAN" in guess.evidence
    assert "title 孟县人民政府公报" in guess.evidence
    assert any(e.startswith("parent 阳泉市 mentioned") for e in guess.evidence)
    assert guess.confidence >= 0.8


def test_yangquan_city_gazette():
    text = corpus_text("004_b3b576dd858a0076.txt")
    guess = guess_region(text[:2000], text)
    assert (guess.name, guess.code, guess.city) == ("阳泉市", "140300", "阳泉市")
    assert guess.misprints == {"孟县": "盂县"}  # 孟县 is no county: 盂县, a county of 阳泉市, misprinted
    assert "孟县 read as 盂县, a region of 阳泉市" in guess.evidence
    assert guess.confidence >= 0.9


YANGQUAN_TEXT = "根据阳泉市人民政府要求，山西省各有关单位，阳泉市发展和改革委员会，阳泉市财政局。"


def test_county_gazette_without_pinyin():
    cover = "平定县人民政府公报\n\n2022年第1期\n\n平定县人民政府办公室 主管主办\n"
    guess = guess_region(cover, cover + YANGQUAN_TEXT)
    assert (guess.code, guess.short, guess.misprints) == ("140321", "平", {})
    assert 0.6 <= guess.confidence < 0.9  # no pinyin line to confirm it


def test_city_gazette_with_pinyin_on_the_title_line():
    cover = "太原市人民政府公报 TAIYUANSHI RENMIN ZHENGFU GONGBAO\n2021年第5期\n"
    guess = guess_region(cover, cover + "山西省太原市人民政府办公室")
    assert (guess.name, guess.code, guess.province) == ("太原市", "140100", "山西省")
    assert guess.confidence >= 0.9


def test_hebei_yu_county_is_not_taken_for_shanxi_yu_county():
    cover = "蔚县人民政府公报\nYUXIAN RENMIN ZHENGFU GONGBAO\n2023年第2期\n蔚县人民政府办公室 主管主办\n"
    sample = cover + "张家口市人民政府：河北省张家口市蔚县人民政府关于……张家口市生态环境局蔚县分局"
    guess = guess_region(cover, sample)
    assert (guess.name, guess.code, guess.city, guess.province) == ("蔚县", "130726", "张家口市", "河北省")
    assert guess.misprints == {}


def test_meng_misprint_in_a_hebei_text_is_corrected_to_yu_of_hebei():
    cover = "孟县人民政府公报\nYUXIAN RENMIN ZHENGFU GONGBAO\n"
    sample = cover + "河北省张家口市孟县人民政府，张家口市人民政府办公室"
    guess = guess_region(cover, sample)
    assert guess.code == "130726"
    assert guess.misprints == {"孟县": "蔚县", "孟": "蔚"}


def test_ocr_damaged_county_name_is_repaired_from_parent_mentions():
    cover = "平走县人民政府公报\n\n2021年第4期\n"
    guess = guess_region(cover, cover + YANGQUAN_TEXT)
    assert (guess.name, guess.code) == ("平定县", "140321")
    # the short form 平 was printed right; the stem carries the misprint into 平走镇-style names
    assert guess.misprints == {"平走县": "平定县", "平走": "平定"}
    assert "平走县 is not a current region" in guess.evidence


def test_province_gazette():
    cover = "山西省人民政府公报\nSHANXISHENG RENMIN ZHENGFU GONGBAO\n2020年第12期\n"
    guess = guess_region(cover, cover + "山西省人民政府办公厅")
    assert (guess.code, guess.short, guess.province, guess.city) == ("140000", "晋", "山西省", None)


def test_shaanxi_is_told_apart_from_shanxi_by_pinyin():
    cover = "陕西省人民政府公报\nSHAANXI SHENG RENMIN ZHENGFU GONGBAO\n"
    guess = guess_region(cover, cover)
    assert (guess.code, guess.short) == ("610000", "陕")


def test_province_政报_title_uses_the_stem():
    cover = "山西政报\n2019年第3期\n"
    assert guess_region(cover, cover).code == "140000"


def test_shared_district_name_resolved_by_parent_mentions():
    cover = "城区人民政府公报\nCHENGQU RENMIN ZHENGFU GONGBAO\n"
    guess = guess_region(cover, cover + YANGQUAN_TEXT)
    assert (guess.code, guess.city) == ("140302", "阳泉市")
    assert any(e.startswith("candidates ") for e in guess.evidence)

    guess = guess_region(cover, cover + "晋城市城区人民政府，晋城市财政局，晋城市教育局")
    assert guess.code == "140502"


def test_spaced_title_and_sponsor_fallback():
    cover = "盂 县 人 民 政 府 公 报\n\nYU XIAN RENMIN ZHENGFU GONGBAO\n"
    assert guess_region(cover, cover + YANGQUAN_TEXT).code == "140322"

    sponsor_only = "2022年第1期\n平定县人民政府办公室 主管主办\n"
    guess = guess_region(sponsor_only, sponsor_only + YANGQUAN_TEXT)
    assert guess.code == "140321"
    assert guess.evidence[0].startswith("sponsor ")


def test_no_region_on_the_cover():
    assert guess_region("国务院公报\n2020年第1期\n", "国务院办公厅") is None
    assert guess_region("目录\n关于印发方案的通知", "") is None


# A city gazette naming its counties, one misprinted with a look-alike (汩 for 汨): generated,
# so the rule is seen to hold for a county other than 盂县 and a city other than 阳泉市.
YUEYANG_GAZETTE = """岳阳市人民政府公报
YUEYANGSHI RENMIN ZHENGFU GONGBAO
2022年第2期
岳阳市人民政府办公室 主管主办

岳阳市人民政府办公室关于做好防汛工作的通知

岳政办发〔2022〕7号

各县（市、区）人民政府，岳阳市直各有关单位：

　　汩罗市、平江县、华容县要落实防汛责任，全县上下要加强巡查。汨罗市要加固堤防。

岳阳市人民政府办公室
2022年5月6日
"""


@pytest.mark.parametrize("text, code, expected", [
    (YUEYANG_GAZETTE, "430600", {"汩罗市": "汨罗市"}),  # a county-level city of 岳阳市
    ("山西省人民政府公报\nSHANXISHENG RENMIN ZHENGFU GONGBAO\n2020年第12期\n"
     "山西省人民政府关于吕粱市、太原市城市总体规划的批复\n吕梁市人民政府、太原市人民政府：",
     "140000", {"吕粱市": "吕梁市"}),  # a city of 山西省
])
def test_misprinted_names_of_regions_under_the_issuer_are_repaired(text, code, expected):
    guess = guess_region(text[:2000], text)
    assert guess.code == code and guess.misprints == expected
    result = parse_text(text, "generated.txt")
    repairs = [r for r in result.repairs if r.rule == "ocr.region"]
    assert [(r.before, r.after) for r in repairs] == list(expected.items())
    for repair in repairs:  # each repair points at the misprint as printed
        assert text[repair.start:repair.end] == repair.before


@pytest.mark.parametrize("sample", [
    "岳阳市各县、全县、本县要加强巡查",  # one character from 华容县-like names, but words
    "岳阳市汨罗市、临湘市",  # spelt right
    "岳阳市与孟县交流",  # 孟县 names no county of 岳阳市: nothing to say about it
])
def test_words_and_right_names_under_the_issuer_are_left_alone(sample):
    cover = "岳阳市人民政府公报\nYUEYANGSHI RENMIN ZHENGFU GONGBAO\n"
    guess = guess_region(cover, cover + sample)
    assert guess.code == "430600" and guess.misprints == {}


# ------------------------------------------------- how sure: confidence, evidence, refusal

MENG_COVER = "孟县人民政府公报\nYUXIAN RENMIN ZHENGFU GONGBAO\n2024年第2期\n"


def test_no_guess_when_the_text_cannot_tell_the_candidates_apart():
    # 孟县 is no current region; 盂县 (山西) and 蔚县 (河北) both read yuxian, and two documents
    # naming no place (a truncated issue) back neither: no guess, and the reason why.
    sample = MENG_COVER + "孟县人民政府关于李云峰等同志职务任免的通知\n孟政发〔2024〕36号\n各乡镇人民政府：\n特此通知。"
    verdict = weigh_region(MENG_COVER, sample)
    assert verdict.guess is None and guess_region(MENG_COVER, sample) is None
    assert "region uncertain: 孟县 could be" in verdict.doubt
    assert "盂县 140322 (山西省阳泉市)" in verdict.doubt and "蔚县 130726 (河北省张家口市)" in verdict.doubt
    # half a mention (the province, once) is still too little
    assert weigh_region(MENG_COVER, sample + "山西省").guess is None


def test_confidence_grows_with_the_margin_the_text_gives_the_winner():
    thin = weigh_region(MENG_COVER, MENG_COVER + "阳泉市财政局").guess  # one mention of 阳泉市
    clear = weigh_region(MENG_COVER, MENG_COVER + YANGQUAN_TEXT * 2).guess
    assert thin.code == clear.code == "140322"
    assert 0.6 < thin.confidence < clear.confidence
    assert "candidates 盂县 140322 (1), 蔚县 130726 (0)" in thin.evidence
    assert weigh_region(MENG_COVER, MENG_COVER + YANGQUAN_TEXT).doubt is None

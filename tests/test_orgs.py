"""gongbao.extract.orgs: printed organisation names → one canonical unit per region, by the
national table of agency names and the region-prefix rules (no list per county)."""
from __future__ import annotations

import pytest

from gongbao.extract.orgs import agencies, agency_names, compounds_with_he, group_units, normalize_unit, resolve
from gongbao.model import RegionGuess

YU = "140322"  # 盂县, 阳泉市, 山西省
PINGDING = "140321"  # 平定县, same city
YANGQUAN = "140300"
HAIDIAN = "110108"  # a district of a 直辖市


@pytest.mark.parametrize("printed", ["县发改局", "县发展改革局", "盂县发展和改革局", "发改局", "县发展和改革委员会", "县发改委",
                                     "盂县发改局", "县发展和改革委员会（县粮食局、县数据局）"])
def test_variants_of_one_county_unit(printed: str) -> None:
    assert normalize_unit(printed, YU) == "盂县发展和改革局"


@pytest.mark.parametrize(
    "printed, region, canonical",
    [
        ("县应急局", YU, "盂县应急管理局"),
        ("县安监局", YU, "盂县应急管理局"),  # the 2018 reform's predecessor
        ("县住建局", YU, "盂县住房和城乡建设局"),
        ("县住房和城乡建设管理局（县城市管理综合行政执法局）", YU, "盂县住房和城乡建设局"),
        ("县人社局", YU, "盂县人力资源和社会保障局"),
        ("县市场监管局", YU, "盂县市场监督管理局"),
        ("县工商局", YU, "盂县市场监督管理局"),
        ("市场监管局", YU, "盂县市场监督管理局"),  # 市场 is no 市 prefix
        ("县卫健局", YU, "盂县卫生健康局"),
        ("县规划和自然资源局", YU, "盂县自然资源局"),
        ("县国土资源局", YU, "盂县自然资源局"),
        ("县疾控中心", YU, "盂县疾病预防控制中心"),
        ("县政府办公室", YU, "盂县人民政府办公室"),
        ("县城管局", PINGDING, "平定县城市管理局"),  # 县 + 城管局, not 县城 + 管局
        ("县发改局", PINGDING, "平定县发展和改革局"),  # another county, same rules
        # in a county gazette 市 is the prefecture city
        ("市政府办公室", YU, "阳泉市人民政府办公室"),
        ("市生态环境局盂县分局", YU, "阳泉市生态环境局盂县分局"),
        # a prefecture kept its 委员会
        ("市发改委", YANGQUAN, "阳泉市发展和改革委员会"),
        ("阳泉市发展和改革委员会", YANGQUAN, "阳泉市发展和改革委员会"),
        ("市卫健委", YANGQUAN, "阳泉市卫生健康委员会"),
        ("市卫计委", YANGQUAN, "阳泉市卫生健康委员会"),
        ("阳泉市政府", YANGQUAN, "阳泉市人民政府"),
        ("区发改委", HAIDIAN, "海淀区发展和改革委员会"),  # 直辖市 districts rank as prefectures
        ("省发改委", YU, "山西省发展和改革委员会"),
        # unknown agencies keep their name, with the region's prefix resolved
        ("县中医院", YU, "盂县中医院"),
        ("龙华口水库管理中心", YU, "龙华口水库管理中心"),
        ("阳泉北站", YU, "阳泉北站"),  # 阳泉 here is a station's name, not the city's office
    ],
)
def test_rules(printed: str, region: str, canonical: str) -> None:
    assert normalize_unit(printed, region) == canonical


def test_region_given_in_any_form() -> None:
    guess = RegionGuess(name="盂县", code=YU, province="山西省", city="阳泉市", short="盂")
    assert normalize_unit("县发改局", guess) == normalize_unit("县发改局", "盂县") == normalize_unit("县发改局", YU)
    assert normalize_unit("县发改局") == "县发改局"  # no region: 县 is no one's
    assert normalize_unit("发改局") == "发展和改革局"


def test_unit_record_and_reform_note() -> None:
    unit = resolve("县发改委", YU, "2018-06-01")
    assert (unit.canonical, unit.region_code) == ("盂县发展和改革局", YU)
    assert "2019-03-31" in unit.note and "before" in unit.note
    assert "after" in resolve("县发改委", YU, "2024-04-26").note
    assert resolve("县发改局", YU).note is None
    assert {"县发改局", "县发展改革局", "盂县发展和改革局", "县发改委"} <= set(unit.variants)


def test_group_units_collects_printed_variants() -> None:
    groups = group_units(["县发改局", "县发展改革局", "盂县发展和改革局", "县发改委", "县应急局", "县应急管理局"], YU)
    assert [(g.canonical, g.variants) for g in groups] == [
        ("盂县发展和改革局", ("县发展改革局", "县发改委", "县发改局", "盂县发展和改革局")),
        ("盂县应急管理局", ("县应急局", "县应急管理局")),
    ]
    assert groups[0].note is not None  # a former name was among them


def test_table_is_consistent() -> None:
    seen: dict[str, str] = {}
    for agency in agencies():
        for form in (agency.canonical, *agency.forms, *agency.upper_forms, *agency.former):
            assert seen.setdefault(form, agency.canonical) == agency.canonical, form  # one agency per form
    assert "人力资源和社会保障" in compounds_with_he() and "住房和城乡建设" in compounds_with_he()
    assert agency_names("县发改局") == ("发展和改革局", "发展和改革委员会")
    assert agency_names("县中医院") == ()

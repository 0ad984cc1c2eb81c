"""duties layer: 001's 盂政办发〔2024〕30号 (县长、副县长和县政府党组成员工作分工), every leader
hand-checked against the source, and a synthetic 分工调整 superseding part of it.

Conventions: ``role`` is the government post among the printed titles (副县长), else the last
title; ``areas`` split the 负责/主持 lists into single fields (``统计和民营经济`` is two,
``人力资源和社会保障`` one) without ``等方面的工作``; ``协助县长工作`` stays whole; ``units``
are the 分管 / 主管 / 联系 / 协助分管 units as printed, brackets included.
"""
from __future__ import annotations

from gongbao.export import layer_records
from gongbao.extract import duties
from gongbao.extract.duties import in_force, responsible_on, supersedes

from .layer_scoring import MIN_PR, parsed, records, score, synthetic

# leader: (role, areas, units)
EXPECTED = {
    "王拥国": ("县长", {"县人民政府全面工作"}, {"县审计局"}),
    "郭华": (
        "县政府党组副书记",
        {"县人民政府常务工作", "法治政府建设", "政务公开", "县政府机关", "外事", "台港澳事务", "发展改革", "粮食",
         "财政", "税收", "统计", "民营经济", "大数据", "应急", "消防", "安全", "行政审批", "营商环境", "自然资源",
         "国防动员", "人民防空"},
        {"县审计局", "县政府办公室（县政府外事办公室、县政府台港澳事务办公室）",
         "县发展和改革委员会（县粮食局、县数据局、县政府国防动员办公室、县人民防空办公室）", "县财政局",
         "县应急管理局（县地方煤矿安全监督管理局）", "县统计局", "县行政审批服务管理局（县政务信息管理局）",
         "县自然资源局（土地和国土空间规划等方面）", "县中小企业发展中心", "县项目推进中心",
         "县人武部", "县武警中队", "县消防大队", "县总工会", "县工商联", "县税务局", "县住房公积金管理中心"},
    ),
    "王占山": ("盂县经开区管委会主任", {"开发区建设管理", "商务", "招商引资"}, {"盂县经开区管委会", "县商务局", "县招商服务中心"}),
    "白雪莲": ("副县长", {"协助县长工作"}, set()),
    "王珂": (
        "副县长",
        {"民生", "市场监管", "退役军人事务", "金融"},
        {"县民政局", "县市场监督管理局", "县退役军人事务局", "县金融事务服务中心", "县残联", "县烟草专卖局（县烟草公司）",
         "国家金融监督管理总局盂县监管支局", "辖内各金融企业及银行、保险、证券等机构"},
    ),
    "李佩斯": (
        "副县长",
        {"工业", "科技", "能源", "煤矿安全", "国企国资监管", "国有资本运营", "企业改制"},
        {"县工信和科技局", "县能源局", "城镇集体工业联合社", "盂县国有资本运营有限公司及其子公司", "县科协", "县供电公司",
         "联通盂县分公司", "移动盂县分公司", "电信盂县分公司", "中石化盂县石油分公司", "山西煤炭运销集团阳泉盂县有限公司",
         "山西国际能源盂县裕光煤电有限责任公司", "驻盂各类煤炭企业", "山西建科天然气有限公司"},
    ),
    "李东亮": (
        "副县长",
        {"水利", "农业农村", "乡村振兴", "交通运输", "生态环境"},
        {"县交通运输局", "县水利局", "县农业农村局（县乡村振兴局）", "县供销合作社联合社", "县龙华口水库管理中心",
         "县乡村振兴服务中心", "市生态环境局盂县分局", "县气象局", "县公路管理段", "县东公路管理段", "县邮政公司", "阳泉北站",
         "山西交控集团太旧高速公路有限公司（京昆高速平阳段、天黎高速盂县段）"},
    ),
    "王雪梅": (
        "副县长",
        {"教育", "文化旅游", "文物保护", "广播电视"},
        {"县教育局", "县文化和旅游局（县文物局）", "阳泉市藏山旅游发展中心", "县融媒体中心", "团县委", "县妇联", "县文联",
         "县党史研究室", "县新华书店"},
    ),
    "张爱军": (
        "副县长",
        {"公安", "司法", "信访", "矿产资源管理", "打击非法违法采矿"},
        {"县公安局", "县司法局（县政府行政复议局）", "县信访局", "县自然资源局（矿政方面）", "县法院", "县检察院", "县法学会"},
    ),
    "韩秀山": (
        "副县长",
        {"人力资源和社会保障", "住房和城乡建设", "城市管理", "社区建设", "卫生", "健康", "体育", "人居环境整治", "林业", "护林防火"},
        {"县人力资源和社会保障局（县医疗保障局）", "县住房和城乡建设管理局（县城市管理综合行政执法局）",
         "县卫生健康和体育局（县疾病预防控制中心）", "县林业局", "城镇社区办事处", "县医疗集团", "县红十字会", "县计生协会"},
    ),
    "罗树东": ("政府办主任", {"县政府办公室全面工作"}, set()),
}

ADJUSTMENT = """根据工作需要，现将县长、副县长和县政府党组成员工作分工调整如下：

县委常委、县政府党组成员、副县长白雪莲：协助县长工作，负责教育、文物保护等方面的工作。

分管：县教育局、县文化和旅游局（县文物局）。

完成县长交办的其他工作。

副县长王雪梅：负责文化旅游、广播电视等方面的工作。

分管：阳泉市藏山旅游发展中心、县融媒体中心。

联系：团县委、县妇联、县文联、县党史研究室、县新华书店。

完成县长交办的其他工作。"""


def _flat(expected: dict) -> list[tuple]:
    rows = []
    for leader, (role, areas, units) in expected.items():
        rows += [(leader, role, "area", a) for a in areas] + [(leader, role, "unit", u) for u in units]
        rows.append((leader, role, "leader", leader))
    return rows


def _duties_001():
    result = parsed("001")
    return result, records(result, duties.extract)


def test_duties_corpus_precision_recall() -> None:
    result, found = _duties_001()
    predicted = []
    for rec in found:
        f = rec.fields
        assert rec.doc_seq == 11 and f["date"] == "2024-04-26" and f["region_code"] == "140322" and not f["adjustment"]
        assert f["leader"] in result.source.text[rec.span.start:rec.span.end]
        predicted.append((f["leader"], f["role"], "leader", f["leader"]))
        predicted += [(f["leader"], f["role"], "area", a) for a in f["areas"]]
        predicted += [(f["leader"], f["role"], "unit", u) for u in f["units"]]
    # scored per fact (leader, each area, each unit): a record with one wrong area is one miss
    precision, recall = score("duties facts (001 盂政办发〔2024〕30号)", predicted, _flat(EXPECTED))
    leaders = score("duties leaders", [r.fields["leader"] for r in found], list(EXPECTED))
    assert min(precision, recall, *leaders) >= MIN_PR
    for corpus_key in ("000", "004"):  # no 分工 notice there
        assert duties.extract(parsed(corpus_key)) == []


def test_manages_and_liaises_are_kept_apart() -> None:
    _result, found = _duties_001()
    wang = next(r.fields for r in found if r.fields["leader"] == "王珂")
    assert wang["manages"] == ["县民政局", "县市场监督管理局", "县退役军人事务局", "县金融事务服务中心"]
    assert wang["liaises"][0] == "县残联"


def test_adjustment_supersedes_and_responsible_on() -> None:
    full = layer_records(parsed("001"), "duties")
    adjusted = synthetic(
        "调整县长、副县长和县政府党组成员工作分工", ADJUSTMENT,
        number="平政办发〔2024〕50号", office="办公室", date="2024年9月2日", issue=3,
    )
    # the synthetic issue is 平定县's: give its records 盂县's region to supersede 001's notice
    changes = [{**r, "region_code": "140322"} for r in layer_records(adjusted, "duties")]
    adjusting = changes[0]["doc_id"]
    assert [c["leader"] for c in changes] == ["白雪莲", "王雪梅"] and all(c["adjustment"] for c in changes)
    assert changes[0]["areas"] == ["协助县长工作", "教育", "文物保护"]
    records_ = full + changes

    assert supersedes(records_)[adjusting] == ["140322/2024/2/11"]

    def who(area: str, day: str) -> list[str]:
        return sorted(e["leader"] for e in responsible_on(records_, area, day))

    assert who("教育", "2024-05-01") == ["王雪梅"]
    assert who("教育", "2024-10-01") == ["白雪莲"]
    assert who("县教育局", "2024-10-01") == ["白雪莲"]
    assert who("广播电视", "2024-10-01") == ["王雪梅"]
    assert who("公安", "2024-10-01") == ["张爱军"]  # not adjusted: still the April notice
    assert who("县应急局", "2024-05-01") == ["郭华"]  # a unit under another of its names
    assert who("教育", "2024-01-01") == []  # before any notice
    before = {e["leader"] for e in in_force(records_, "2024-05-01")}
    after = {e["leader"] for e in in_force(records_, "2024-10-01")}
    assert before == after == set(EXPECTED)


def test_a_new_full_notice_replaces_the_old_one() -> None:
    full = layer_records(parsed("001"), "duties")
    later = [{**r, "doc_id": "140322/2025/1/5", "date": "2025-03-01"} for r in full if r["leader"] in ("王拥国", "郭华")]
    assert supersedes(full + later)["140322/2025/1/5"] == ["140322/2024/2/11"]
    assert {e["leader"] for e in in_force(full + later, "2025-06-01")} == {"王拥国", "郭华"}

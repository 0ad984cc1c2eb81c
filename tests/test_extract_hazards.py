"""hazards layer: every 挂牌督办 case of 000 (the 3-, 8- and 30-enterprise notices list their
enterprises in the body) and its 销案摘牌 notice, hand-checked against the source text;
synthetic notices for a printed 督办单位 and 整改期限; the case lifecycle.

Conventions: ``basis`` is the cited title without 《》, ``articles`` the articles as printed
(None for ``有关条款`` / none); ``supervising_unit`` the issuing office when no 督办单位 is
printed; for ``X管理的Y小区`` the enterprise is Y and X the ``operator``; a 销案摘牌 is ``摘牌``.
"""
from __future__ import annotations

from gongbao.export import layer_records
from gongbao.extract import hazards
from gongbao.extract.hazards import hazard_cases, same_enterprise

from .layer_scoring import MIN_PR, parsed, records, score, synthetic

OFFICE = "盂县人民政府办公室"
SAFETY, FIRE = "重大生产安全事故隐患", "重大火灾隐患"
CHEM = "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）"
TRADE = "工贸企业重大事故隐患判定标准"
FIRE_STD = "重大火灾隐患判定方法"
UNDERGROUND = "金属非金属矿山重大事故隐患判定标准金属非金属地下矿山重大事故隐患"
OPEN_PIT = "金属非金属矿山重大事故隐患判定标准金属非金属露天矿山重大事故隐患"

# (doc seq, enterprise, action, hazard, basis, articles, operator, date); every record of 000
# has supervising_unit = the office and no deadline (none is printed).
EXPECTED = [
    (3, "大鑫气体经销部", "挂牌", SAFETY, CHEM, "第一条、第十六条、第十七条、第十八条、第二十条", None, "2023-07-14"),
    (4, "山西西小坪福跃耐火材料有限公司", "挂牌", SAFETY, TRADE, "第三条第二项", None, "2023-07-14"),
    (5, "盂县蓝天燃气经销部", "挂牌", SAFETY, None, None, None, "2023-07-20"),  # 按照有关规定
    (6, "盂县新城壹號建设项目A7号楼", "挂牌", SAFETY, "房屋市政工程生产安全重大事故隐患判定标准（2022版）", None, None, "2023-07-20"),
    (7, "盂县佳悦商务酒店", "挂牌", FIRE, FIRE_STD, "第6.6条", None, "2023-07-25"),
    (10, "盂县汇锋钢构科技有限公司", "挂牌", SAFETY, TRADE, "第三条第二项", None, "2023-07-27"),
    (30, "盂县香河湾小区", "挂牌", FIRE, FIRE_STD, "第7.4.1条、第7.4.2条、第7.4.3条、第7.4.6条、第7.5条、第7.7.1条",
     "阳泉容舒物业服务有限公司盂县分公司", "2023-08-14"),
    (44, "盂县人民医院", "摘牌", FIRE, FIRE_STD, None, None, "2023-09-12"),
    # 盂政办发〔2023〕76号: 3 enterprises, each judged by its own standard
    (45, "盂县祥益铁业有限公司", "挂牌", SAFETY, UNDERGROUND, "第4条第1项、第19条、第28条第2项，第32条", None, "2023-09-18"),
    (45, "盂县石鑫矿业有限公司", "挂牌", SAFETY, OPEN_PIT, "第13条", None, "2023-09-18"),
    (45, "盂县芝角石料厂", "挂牌", SAFETY, OPEN_PIT, "第12条", None, "2023-09-18"),
] + [
    # 盂政办发〔2023〕77号: 8 冶金工贸企业
    (46, name, "挂牌", SAFETY, TRADE, None, None, "2023-09-18")
    for name in ("山西南娄集团耐火材料有限公司", "盂县金刚玉石油压裂支撑剂有限公司", "哈德托普华亨（山西）耐磨铸业有限公司",
                 "山西南娄集团水泥有限公司", "山西诺扬耐火材料有限公司", "盂县丽昌有色金属制造有限公司",
                 "山西西小坪福跃耐火材料有限公司", "山西盂县西小坪耐火材料有限公司")
] + [
    # 盂政办发〔2023〕78号: 30 危化企业
    (47, name, "挂牌", SAFETY, CHEM, None, None, "2023-09-18")
    for name in (
        "盂县永泰加油站", "盂县恒泰成品油经销有限公司", "盂县滴流磴加油站", "盂县中海油销售天津有限公司盂县水神山路加油站",
        "盂县牛村新合作成品油销售有限公司", "盂县钰杰气体有限公司", "盂县四通能源服务有限公司", "阳泉市茂泉石油销售有限公司",
        "盂县小横沟成品油销售有限公司", "盂县杏山加油站", "盂县玉鑫成品油销售有限公司", "盂县盛达商贸有限公司",
        "阳泉盛浩海成品油销售有限公司", "中石油西宋加油站", "中石油西山头加油站", "中石油榆林脑加油站", "中石油泥河加油站",
        "中石油滴水崖加油站", "中石油东梁加油站", "中石油阳泉北站加油站", "中石化东庄头加油站", "中石化路家村加油站",
        "中石化桃园加油站", "中石化东兰加油站", "中石化秀水加油站", "中石化孙家庄加油站", "中石化南村加油站",
        "中石化芝角加油站", "中石化金龙桥加油站", "中石化七里沟加油站",
    )
]

LISTING = """为进一步加强消防安全工作，根据《重大火灾隐患判定方法》（GB35181-2017）第6.2条之规定，现对盂县人民医院存在的重大火灾隐患进行挂牌督办。督办单位：县消防救援大队。整改期限：2023年8月31日。

特此通知。"""
LISTING_2 = """为进一步加强企业安全生产管理工作，根据《工贸企业重大事故隐患判定标准》之规定，现对平定县甲乙化工有限公司、平定县丙丁建材厂共2家企业存在的重大生产安全事故隐患进行挂牌督办，由县应急管理局负责督办，请于2024年6月30日前完成整改。

特此通知。"""
CLOSING_2 = """经复查，平定县甲乙化工有限责任公司重大生产安全事故隐患已整改完毕。县政府曾对平定县甲乙化工有限责任公司存在的重大生产安全事故隐患进行了挂牌督办，现决定予以销案。

特此通知。"""


def _row(rec) -> tuple:
    f = rec.fields
    return (rec.doc_seq, f["enterprise"], f["action"], f["hazard"], f["basis"], f["articles"], f["operator"], f["date"])


def test_hazards_corpus_precision_recall() -> None:
    result = parsed("000")
    found = records(result, hazards.extract)
    for rec in found:
        assert rec.fields["supervising_unit"] == OFFICE and rec.fields["deadline"] is None
    precision, recall = score("hazards (000)", [_row(r) for r in found], EXPECTED)
    assert precision >= MIN_PR and recall >= MIN_PR
    # 004's 调整煤矿企业安全生产挂牌责任人 is no 挂牌督办; 001 has none
    assert hazards.extract(parsed("001")) == [] and hazards.extract(parsed("004")) == []


def test_printed_supervisor_and_deadline() -> None:
    first = synthetic("对盂县人民医院重大火灾隐患进行挂牌督办", LISTING, number="平政办发〔2023〕50号",
                      office="办公室", date="2023年7月1日")
    (rec,) = hazards.extract(first)
    assert (rec.fields["enterprise"], rec.fields["supervising_unit"], rec.fields["deadline"], rec.fields["deadline_text"]) == (
        "盂县人民医院", "县消防救援大队", "2023-08-31", "2023年8月31日")
    second = synthetic("对平定县甲乙化工有限公司等2家企业存在重大生产安全事故隐患进行挂牌督办", LISTING_2,
                       number="平政办发〔2024〕20号", office="办公室", date="2024年4月1日", issue=2)
    got = [(r.fields["enterprise"], r.fields["supervising_unit"], r.fields["deadline"]) for r in hazards.extract(second)]
    assert got == [("平定县甲乙化工有限公司", "县应急管理局", "2024-06-30"), ("平定县丙丁建材厂", "县应急管理局", "2024-06-30")]


def test_closing_notice_closes_the_open_case() -> None:
    corpus = layer_records(parsed("000"), "hazards")
    listing = layer_records(synthetic("对盂县人民医院重大火灾隐患进行挂牌督办", LISTING, number="平政办发〔2023〕50号",
                                      office="办公室", date="2023年7月1日"), "hazards")
    # the synthetic issue is 平定县's: cases pair within one region only
    assert not any(c.closed for c in hazard_cases(corpus + listing) if c.opened and c.enterprise == "盂县人民医院")
    listing = [{**r, "doc_id": "140322/2023/2/9"} for r in listing]  # as if 盂县 had printed it
    cases = hazard_cases(corpus + listing)
    by_name = {}
    for case in cases:
        by_name.setdefault(case.enterprise, []).append(case)
    hospital = by_name["盂县人民医院"]
    assert len(hospital) == 1 and hospital[0].status == "closed"
    assert (hospital[0].opened["date"], hospital[0].closed["date"]) == ("2023-07-01", "2023-09-12")
    assert hospital[0].overdue("2023-09-01") is False  # closed cases are never overdue
    # listed twice (盂政办发〔2023〕37号 and 77号) while open: one case, two listings
    fuyue = by_name["山西西小坪福跃耐火材料有限公司"]
    assert len(fuyue) == 1 and len(fuyue[0].listings) == 2 and fuyue[0].status == "open"
    # a similar name is another enterprise (two characters apart)
    assert by_name["山西盂县西小坪耐火材料有限公司"][0] is not fuyue[0]
    open_cases = [c for c in cases if c.status == "open"]
    assert len(open_cases) == len(cases) - 1 == 47  # 48 distinct listed enterprises, one closed
    # without the listing, the 摘牌 is a closed case of its own
    alone = [c for c in hazard_cases(corpus) if c.enterprise == "盂县人民医院"]
    assert len(alone) == 1 and alone[0].opened is None and alone[0].status == "closed"


def test_closing_matches_a_loosely_written_name() -> None:
    listed = layer_records(synthetic("对平定县甲乙化工有限公司等2家企业存在重大生产安全事故隐患进行挂牌督办", LISTING_2,
                                     number="平政办发〔2024〕20号", office="办公室", date="2024年4月1日", issue=2), "hazards")
    closed = layer_records(synthetic("对平定县甲乙化工有限责任公司重大生产安全事故隐患销案", CLOSING_2,
                                     number="平政办发〔2024〕40号", office="办公室", date="2024年7月10日", issue=3), "hazards")
    assert [r["action"] for r in closed] == ["销案"]
    cases = hazard_cases(listed + closed)
    status = {c.enterprise: c.status for c in cases}
    assert status == {"平定县甲乙化工有限公司": "closed", "平定县丙丁建材厂": "open"}
    still_open = [c for c in cases if c.overdue("2024-07-15")]
    assert [c.enterprise for c in still_open] == ["平定县丙丁建材厂"]


def test_same_enterprise() -> None:
    assert same_enterprise("盂县祥益铁业有限公司", "孟县祥益铁矿业有限公司".replace("孟", "盂"))  # the TOC's slip
    assert same_enterprise("盂县永泰加油站", "永泰加油站")
    assert not same_enterprise("山西西小坪福跃耐火材料有限公司", "山西盂县西小坪耐火材料有限公司")
    assert same_enterprise("中石化东兰加油站", "中石化东梁加油站")  # one edit: loosely the same…


def test_one_notice_lists_distinct_enterprises_and_exact_names_win() -> None:
    # …but two names of one notice are two enterprises, and a closing takes the exact name.
    body = """根据《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》之规定，现对中石化东兰加油站、中石化东梁加油站共2家企业存在的重大生产安全事故隐患进行挂牌督办。

特此通知。"""
    listed = layer_records(synthetic("对中石化东兰加油站等2家危化企业存在重大生产安全事故隐患进行挂牌督办", body,
                                     number="平政办发〔2024〕21号", office="办公室", date="2024年4月2日"), "hazards")
    closing = {**listed[1], "action": "摘牌", "date": "2024-05-01", "doc_id": "140321/2024/9/1"}
    cases = hazard_cases(listed + [closing])
    assert {c.enterprise: c.status for c in cases} == {"中石化东兰加油站": "open", "中石化东梁加油站": "closed"}

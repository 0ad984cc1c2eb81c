"""personnel layer: every 任免 person-action of the corpus, hand-checked against the source
text, and synthetic fragments for the layouts the corpus lacks.

Conventions (SCHEMA.md leaves room): one record per person × action × position; a position
printed as ``A秘书长、B主任`` is two; ``organisation`` is normalized (gongbao.extract.orgs);
``正式任用`` for appointments confirmed after the 试用期; in a 提名 notice the appointment is
``提名`` and the removal ``提名免去``; ``（兼）`` is the condition ``兼任``.
"""
from __future__ import annotations

import pytest

from gongbao.extract import personnel

from .layer_scoring import MIN_PR, parsed, records, score, synthetic

Y23A, Y23B = "2023-07-25", "2023-08-03"
Y24A, Y24B = "2024-04-08", "2024-05-20"
SY = "阳泉市"

# (issue, doc seq, person, action, position, organisation, post, conditions, date)
EXPECTED = [
    # 000 盂政发〔2023〕48号
    ("000", 1, "任丽鹏", "任", "县发改局副局长", "盂县发展和改革局", "副局长", (), Y23A),
    ("000", 1, "郑晓宁", "任", "县民政局副局长", "盂县民政局", "副局长", (), Y23A),
    ("000", 1, "翟玉涵", "任", "县商务局副局长", "盂县商务局", "副局长", (), Y23A),
    ("000", 1, "郑晓宁", "免", "县商务局副局长", "盂县商务局", "副局长", (), Y23A),
    # 000 盂政发〔2023〕57号 — （试用期一年） printed on the next line
    ("000", 2, "聂计花", "任", "龙华口水库管理中心副主任", "龙华口水库管理中心", "副主任", ("试用期一年",), Y23B),
    ("000", 2, "王斌杰", "免", "县政府办公室副主任", "盂县人民政府办公室", "副主任", (), Y23B),
    # 001 盂政发〔2024〕36号
    ("001", 1, "李云峰", "任", "县中医院院长", "盂县中医院", "院长", (), Y24A),
    ("001", 1, "崔志红", "任", "县医疗集团、人民医院副院长", "盂县医疗集团、人民医院", "副院长", ("试用期一年",), Y24A),
    ("001", 1, "胡波", "免", "县市场监督管理局副局长", "盂县市场监督管理局", "副局长", (), Y24A),
    ("001", 1, "赵崇璧", "免", "县中医院院长", "盂县中医院", "院长", (), Y24A),
    # 001 盂政发〔2024〕46号
    ("001", 2, "赵世光", "任", "县政府办公室副主任", "盂县人民政府办公室", "副主任", (), Y24B),
    ("001", 2, "梁俊宏", "任", "县应急管理局副局长", "盂县应急管理局", "副局长", (), Y24B),
    ("001", 2, "韩瑞国", "任", "县医疗保险中心主任", "盂县医疗保险中心", "主任", (), Y24B),
    ("001", 2, "高永红", "任", "县疾控中心副主任", "盂县疾病预防控制中心", "副主任", (), Y24B),
    ("001", 2, "高永红", "免", "县卫生健康综合行政执法队队长", "盂县卫生健康综合行政执法队", "队长", (), Y24B),
    # 004 阳政任字〔2020〕10号: 试用期满, 正式任用
    ("004", 38, "陈波", "正式任用", "阳泉市政府办公室副主任", "阳泉市人民政府办公室", "副主任", (), "2020-05-19"),
    ("004", 38, "刘广顺", "正式任用", "阳泉市退役军人事务局副局长", "阳泉市退役军人事务局", "副局长", (), "2020-05-19"),
    # 004 阳政任字〔2020〕11号
    ("004", 39, "武雪", "任", "阳泉市经济信息中心（阳泉市信息化中心）主任", "阳泉市经济信息中心", "主任", ("兼任",), "2020-05-19"),
    ("004", 39, "张谦琦", "免", "阳泉市经济信息中心（阳泉市信息化中心）主任", "阳泉市经济信息中心", "主任", (), "2020-05-19"),
    # 004 阳政任字〔2020〕12号: 提名
    ("004", 40, "王珍云", "提名", "阳泉市商业银行行长", "阳泉市商业银行", "行长", (), "2020-06-26"),
    ("004", 40, "赵建涛", "提名免去", "阳泉市商业银行行长", "阳泉市商业银行", "行长", (), "2020-06-26"),
    # 004 阳政任字〔2020〕13号
    ("004", 41, "魏京军", "正式任用", "阳泉市行政审批服务管理局副局长", "阳泉市行政审批服务管理局", "副局长", (), "2020-06-30"),
    ("004", 41, "张皓", "正式任用", "阳泉市投资促进局副局长", "阳泉市投资促进局", "副局长", (), "2020-06-30"),
    ("004", 41, "郭勤琳", "正式任用", "阳泉市园林管理局副局长", "阳泉市园林管理局", "副局长", (), "2020-06-30"),
    # 004 阳政任字〔2020〕14号: the item is printed beside （此件公开发布）, its 期一年) under the 文号
    ("004", 42, "董增寿", "任", "阳泉市科学技术局副局长", "阳泉市科学技术局", "副局长", ("试用期一年",), "2020-06-30"),
    # 004 阳政任字〔2020〕15号: two posts each
    ("004", 43, "张俊堂", "任", "阳泉市政府秘书长", "阳泉市人民政府", "秘书长", (), "2020-06-30"),
    ("004", 43, "张俊堂", "任", "市政府办公室主任", "阳泉市人民政府办公室", "主任", (), "2020-06-30"),
    ("004", 43, "郑清明", "免", "阳泉市政府秘书长", "阳泉市人民政府", "秘书长", (), "2020-06-30"),
    ("004", 43, "郑清明", "免", "市政府办公室主任", "阳泉市人民政府办公室", "主任", (), "2020-06-30"),
]

SYNTHETIC_BODY = """经2024年3月1日县政府常务会议研究决定：

提名张三同志为县农村商业银行董事长人选；

聘任李四同志为县人民医院总会计师，聘期三年；

王五同志挂职任县发展和改革局副局长（挂职期限一年）；

赵六同志兼任县应急局局长；

孙一、钱二同志为县政府办公室副主任（试用期一年）；

任命周八同志为县住建局局长，免去其县城管局局长职务；

解聘：

吴九同志的县中医院副院长职务。"""
SD = "2024-03-05"
SYNTHETIC_EXPECTED = [
    ("张三", "提名", "县农村商业银行董事长", "平定县农村商业银行", "董事长", (), SD),
    ("李四", "聘任", "县人民医院总会计师", "平定县人民医院", "总会计师", ("聘期三年",), SD),
    ("王五", "挂职", "县发展和改革局副局长", "平定县发展和改革局", "副局长", ("挂职期限一年",), SD),
    ("赵六", "任", "县应急局局长", "平定县应急管理局", "局长", ("兼任",), SD),
    ("孙一", "任", "县政府办公室副主任", "平定县人民政府办公室", "副主任", ("试用期一年",), SD),
    ("钱二", "任", "县政府办公室副主任", "平定县人民政府办公室", "副主任", ("试用期一年",), SD),
    ("周八", "任", "县住建局局长", "平定县住房和城乡建设局", "局长", (), SD),
    ("周八", "免", "县城管局局长", "平定县城市管理局", "局长", (), SD),
    ("吴九", "解聘", "县中医院副院长", "平定县中医院", "副院长", (), SD),
]


def _row(rec) -> tuple:
    f = rec.fields
    return (f["person"], f["action"], f["position"], f["organisation"], f["post"], tuple(f["conditions"]), f["date"])


def test_personnel_corpus_precision_recall() -> None:
    predicted = []
    for key in ("000", "001", "004"):
        result = parsed(key)
        for rec in records(result, personnel.extract):
            predicted.append((key, rec.doc_seq, *_row(rec)))
            assert rec.fields["person"] in result.source.text[rec.span.start:rec.span.end]
    precision, recall = score("personnel (corpus)", predicted, EXPECTED)
    assert precision >= MIN_PR and recall >= MIN_PR


def test_personnel_synthetic_layouts() -> None:
    result = synthetic("张三等同志职务任免", SYNTHETIC_BODY)
    predicted = [_row(rec) for rec in records(result, personnel.extract)]
    precision, recall = score("personnel (synthetic)", predicted, SYNTHETIC_EXPECTED)
    assert precision >= MIN_PR and recall >= MIN_PR


@pytest.mark.parametrize(
    "body, expected",
    [
        # a list split over lines and blank lines comes joined into paragraphs
        ("任命：\n\n张三同志任县\n\n民政局副局长；\n\n李四同志任县财政局局长。",
         [("张三", "任", "县民政局副局长"), ("李四", "任", "县财政局局长")]),
        # inline removal, no block header
        ("免去王五同志的县审计局局长职务。", [("王五", "免", "县审计局局长")]),
        # ``XX为…`` without 同志, under 任命：
        ("任命：\n\n赵六为县统计局副局长。", [("赵六", "任", "县统计局副局长")]),
        # several persons removed at once
        ("免去：\n\n孙一、钱二同志的县林业局副局长职务。", [("孙一", "免", "县林业局副局长"), ("钱二", "免", "县林业局副局长")]),
    ],
)
def test_personnel_fragments(body: str, expected: list[tuple]) -> None:
    result = synthetic("同志职务任免", body)
    got = [(r.fields["person"], r.fields["action"], r.fields["position"]) for r in personnel.extract(result)]
    assert got == expected


def test_non_personnel_documents_give_nothing() -> None:
    result = synthetic("做好安全生产工作", "各单位要高度重视，张三同志为联系人。\n\n县应急局负责督导。")
    assert personnel.extract(result) == []

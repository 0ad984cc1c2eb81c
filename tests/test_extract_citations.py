"""extract/citations.py: cited documents, laws, regulations and standards.

Expected records were written by reading the source text of nine documents of the corpus
(title as printed without 《》 — with the OCR fix 孟→盂 the parser applies —, number
normalized to 机关代字〔年〕N号 / ``GB/T 51313-2018``, and the kind by the rules of the module:
law / regulation / standard / document / other). One record per distinct cited text per
document; a later mention of the same text (or of the same law without 中华人民共和国) is the
same record.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import pytest

from gongbao.extract import citations
from gongbao.text import fold

from tests.test_extract_tasks import corpus_result, synthetic_result


class C(NamedTuple):
    title: Optional[str]
    number: Optional[str]
    kind: str


EXPECTED: dict[tuple[str, int], list[C]] = {
    # 挂牌督办 notice: a standard with its number in parentheses
    ("000", 7): [C("重大火灾隐患判定方法", "GB 35181-2017", "standard")],
    # 工作要点: provincial 条例 and 办法 (regulations), a 令 number, title + 文号 pairs
    ("000", 24): [
        C("山西省消防条例", None, "regulation"),
        C("山西省消防安全责任制实施办法", None, "regulation"),
        C("阳泉市火灾事故调查处理规定", "阳政办发〔2022〕49号", "document"),
        C("阳泉市贯彻落实“十四五”国家消防工作规划实施方案", None, "document"),
        C("阳泉市消防事业发展“十四五”规划", None, "document"),
        C("山西省人民政府办公厅关于进一步加强基层消防安全工作的实施意见", None, "document"),
        C("阳泉市人民政府办公室关于印发阳泉市进一步加强基层消防安全工作实施方案的通知", None, "document"),
        C("山西省专职消防队伍建设管理办法", "山西省人民政府令第294号", "regulation"),
        C("阳泉市消防站建设规划（2021-2025年）", "阳政办发〔2021〕74号", "document"),
    ],
    # 应急预案 编制依据: laws, national and provincial regulations, plans
    ("000", 29): [
        C("中华人民共和国突发事件应对法", None, "law"),
        C("中华人民共和国道路交通安全法", None, "law"),
        C("中华人民共和国公路法", None, "law"),
        C("中华人民共和国安全生产法", None, "law"),
        C("中华人民共和国道路交通安全法实施条例", None, "regulation"),
        C("中华人民共和国危险化学品安全管理条例", None, "regulation"),
        C("中华人民共和国生产安全事故报告和调查处理条例", None, "regulation"),
        C("山西省安全生产条例", None, "regulation"),
        C("山西省突发事件应对条例", None, "regulation"),
        C("山西省实施〈中华人民共和国道路交通安全法〉办法", None, "regulation"),
        C("山西省道路交通安全应急预案", None, "document"),
        C("阳泉市突发事件总体应急预案", None, "document"),
        C("阳泉市道路交通安全应急预案", None, "document"),
    ],
    # a ministry order (部令), a State Council document, the county's own earlier notice, and
    # certificates / contracts in 《》 (kind other)
    ("000", 34): [
        C("关于深化改革推进出租汽车行业健康发展的指导意见", "国办发〔2016〕58号", "document"),
        C("关于修改〈巡游出租汽车经营服务管理规定〉的决定", "交通运输部令2021年第16号", "regulation"),
        C("关于印发盂县出租汽车报废更新工作方案的通知", "盂政办发〔2015〕86号", "document"),
        C("巡游出租汽车经营行政许可决定书", None, "other"),
        C("山西省城市出租汽车运营证", None, "other"),
        C("从业资格证", None, "other"),
        C("上岗服务证", None, "other"),
        C("出租汽车客运服务资格证", None, "other"),
        C("公司化管理合同", None, "other"),
        C("服务质量承诺书", None, "other"),
    ],
    # 〈〉 nested titles, （试行） after 》, and bare standard numbers in running text
    ("001", 4): [
        C("国务院关于促进旅游业改革的若干意见", None, "document"),
        C("国家全域旅游示范区验收、认定和管理实施办法（试行）", None, "document"),
        C("国家全域旅游示范区验收标准（试行）", "办资源发〔2020〕30号", "document"),
        C("山西省人民政府办公厅关于创建国家全域旅游示范区的实施意见", "晋政办发〔2021〕57号", "document"),
        C("山西省旅游改革发展领导小组办公室关于印发山西省全域旅游发展规划纲要的通知", "晋旅改发组办〔2022〕4号", "document"),
        C("关于印发〈山西省全域旅游示范区管理办法（试行）〉〈山西省全域旅游示范区标准〉（试行）的通知", None, "document"),
        C(None, "GB 3838", "standard"),
        C(None, "GB 5749", "standard"),
        C(None, "GB 3096", "standard"),
    ],
    # 办法: laws (《安全生产法》 later is the same law), documents with numbers, national,
    # trade and local standards
    ("001", 8): [
        C("中华人民共和国安全生产法", None, "law"),
        C("山西省安全生产条例", None, "regulation"),
        C("山西省电动汽车充（换）电基础设施建设运营管理办法", "晋政办发〔2023〕22号", "document"),
        C("新能源汽车产业发展规划（2021—2035年）的通知", "国办发〔2020〕39号", "document"),
        C("关于进一步提升电动汽车充电基础设施服务保障能力的实施意见", "发改能源〔2022〕53号", "document"),
        C("国务院办公厅关于进一步构建高质量充电基础设施体系的指导意见", "国办发〔2023〕19号", "document"),
        C("阳泉市“十四五”电动汽车充换电基础设施规划", None, "document"),
        C("盂县“十四五”电动汽车充换电基础设施规划", None, "document"),
        C("盂县电动汽车充（换）电基础设施建设三年行动计划（2023-2025年）", None, "document"),
        C("建筑防火通用规范", "GB 55037-2022", "standard"),
        C("电动汽车分散充电设施工程技术标准", "GB/T 51313-2018", "standard"),
        C("汽车加油加气加氢站技术标准", "GB 50156-2021", "standard"),
        C("电动汽车充换电设施建设技术导则", "NB/T 33009", "standard"),
        C("电动汽车充换电设施供电系统技术规范", "NB/T 33018", "standard"),
        C("电动汽车充电基础设施技术标准", "DBJ04/T 398-2019", "standard"),
        C("图形标志电动汽车充换电设施标志", None, "document"),
        C("山西省发展和改革委员会关于电动汽车充换电服务费及用电价格有关事项的通知", "晋发改商品发〔2023〕134号", "document"),
        C("山西省自然资源厅关于加强电动汽车充（换）电基础设施用地保障的通知", "晋自然资函〔2022〕1073号", "document"),
    ],
    # 印发《…》的通知精神（盂政安〔2021〕1号）: the notice's number goes with the title; a form; a
    # standard printed bare (GBZ1-2002)
    ("001", 18): [
        C("中华人民共和国安全生产法", None, "law"),
        C("盂县管行业必须管安全、管业务必须管安全、管生产经营必须管安全实施办法", "盂政安〔2021〕1号", "document"),
        C("有限空间作业审批表", None, "other"),
        C(None, "GBZ 1-2002", "standard"),
    ],
    # title + 文号 pairs, a 文号 printed with （） around the year, and a bare 国办发〔2019〕35号
    # (split over two paragraphs by the parser) that repeats the first citation
    ("004", 2): [
        C("国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见", "国办发〔2019〕35号", "document"),
        C("山西省人民政府办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的实施意见", "晋政办发〔2020〕10号", "document"),
        C("山西省文明委关于集中治理诚信缺失突出问题提高全社会诚信水平的实施办法", "晋文明委〔2019〕10号", "document"),
    ],
    # laws cited by short names; 《政府信息公开条例》 is the 条例 cited in full before
    ("004", 33): [
        C("中华人民共和国政府信息公开条例", None, "regulation"),
        C("山西省人民政府办公厅关于全面推进基层政务公开标准化规范化进一步做好政务公开工作的实施意见", "晋政办发〔2020〕38号", "document"),
        C("中华人民共和国档案法", None, "law"),
        C("行政诉讼法", None, "law"),
        C("行政复议法", None, "law"),
        C("网络安全法", None, "law"),
        C("政府网站发展指引", "国办发〔2017〕47号", "document"),
        C("国务院办公厅关于推进政务新媒体健康有序发展的意见", "国办发〔2018〕123号", "document"),
    ],
}


def _key(c: C) -> tuple:
    return (fold(c.title) if c.title else None, c.number, c.kind)


def test_citations_precision_recall():
    matched = predicted = expected = 0
    problems = []
    for (prefix, seq), want in EXPECTED.items():
        result = corpus_result(prefix)
        got = [C(r.fields["cited_title"], r.fields["cited_number"], r.fields["kind"])
               for r in citations.extract(result) if r.doc_seq == seq]
        pool = [_key(w) for w in want]
        for g in got:
            if _key(g) in pool:
                pool.remove(_key(g))
                matched += 1
            else:
                problems.append((prefix, seq, "unexpected", g))
        problems += [(prefix, seq, "missing", w) for w in pool]
        predicted += len(got)
        expected += len(want)
    precision, recall = matched / predicted, matched / expected
    print(f"\n[citations] {len(EXPECTED)} documents: {predicted} records, {expected} expected, "
          f"precision {precision:.3f}, recall {recall:.3f}")
    for p in problems:
        print("   ", p)
    assert precision >= 0.95 and recall >= 0.95


def test_citation_records_carry_schema_fields_and_spans():
    result = corpus_result("004")
    recs = [r for r in citations.extract(result) if r.doc_seq == 2]
    for r in recs:
        assert set(r.fields) == {"cited_title", "cited_number", "kind", "resolved_doc_id", "score"}
        assert r.fields["resolved_doc_id"] is None and r.fields["score"] is None
        printed = fold(result.source.text[r.span.start: r.span.end])
        assert fold(r.fields["cited_title"][:8]) in printed


@pytest.mark.parametrize("printed, normalized", [
    ("晋政办发〔2021〕57号", "晋政办发〔2021〕57号"),
    ("晋政办发[2021]57号", "晋政办发〔2021〕57号"),
    ("晋政办发（2021）57号", "晋政办发〔2021〕57号"),
    ("晋政办发(2021) 第57号", "晋政办发〔2021〕57号"),
    ("晋政办发 〔 2021 〕 57 号", "晋政办发〔2021〕57号"),
    ("山西省人民政府令第294号", "山西省人民政府令第294号"),
    ("应急部 10 号令", "应急部10号令"),
    ("GB/T51313—2018", "GB/T 51313-2018"),
    ("GB 29620—2013", "GB 29620-2013"),
    ("DB14/T 1733—2018", "DB14/T 1733-2018"),
    ("试行", None),
    ("2023—2025年", None),
])
def test_normalize_number(printed, normalized):
    assert citations.normalize_number(printed) == normalized


@pytest.mark.parametrize("title, number, kind", [
    ("中华人民共和国安全生产法", None, "law"),
    ("安全生产法", None, "law"),
    ("促进个体工商户发展条例", None, "regulation"),
    ("山西省企业投资项目承诺制规定", None, "regulation"),
    ("国务院关于加强地质灾害防治工作的决定", None, "document"),
    ("阳泉市非法集资举报奖励办法", None, "document"),
    ("山西省非法集资举报奖励实施细则（试行）", "晋处非发〔2016〕5号", "document"),
    ("工贸企业重大事故隐患判定标准", "应急部10号令", "regulation"),
    ("砖瓦工业大气污染物排放标准", "GB 29620-2013", "standard"),
    ("施工许可证", None, "other"),
    ("重大火灾隐患判定方法", None, "document"),
])
def test_citation_kind(title, number, kind):
    assert citations.citation_kind(title, number) == kind


def test_find_citations_pairs_title_with_number():
    found = citations.find_citations("根据《山西省人民政府办公厅关于创建国家全域旅游示范区的实施意见》（晋政办发[2021] 57号）和晋政发〔2022〕27号文件精神，参照GB/T 50378-2019执行。")
    assert [(c.title, c.number) for c in found] == [
        ("山西省人民政府办公厅关于创建国家全域旅游示范区的实施意见", "晋政办发〔2021〕57号"),
        (None, "晋政发〔2022〕27号"),
        (None, "GB/T 50378-2019"),
    ]


# --- resolution -------------------------------------------------------------------------------

CANDIDATES = [
    # same 文号 in another spelling: exact match, score 1.0
    {"id": "140000/2019/12/3", "title": "国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见",
     "doc_number": "国办发[2019] 35号"},
    # no number stored, title printed with a small difference: fuzzy match
    {"id": "140000/2020/4/7", "title": "山西省人民政府办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制实施意见",
     "doc_number": None},
    # an embedded document of the same issue: found by its title
    {"id": "140322/2023/3/20", "title": "盂县非法集资线索举报奖励办法（试行）", "doc_number": None},
    # a different 细则: too far from 《阳泉市非法集资举报奖励办法》 to count
    {"id": "140300/2016/2/5", "title": "阳泉市非法集资举报奖励实施细则", "doc_number": "阳政办发〔2016〕3号"},
]


def test_resolve_citations():
    recs = citations.extract(corpus_result("004")) + citations.extract(corpus_result("000"))
    mine = [r for r in recs if r.fields["cited_title"] and (
        "社会信用体系建设构建" in r.fields["cited_title"] or "非法集资" in r.fields["cited_title"])]
    citations.resolve_citations(mine, CANDIDATES)
    by_title = {(r.doc_seq, r.fields["cited_title"]): r.fields for r in mine}
    exact = by_title[(2, "国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见")]
    assert exact["resolved_doc_id"] == "140000/2019/12/3" and exact["score"] == 1.0
    fuzzy = by_title[(2, "山西省人民政府办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的实施意见")]
    assert fuzzy["resolved_doc_id"] == "140000/2020/4/7" and 0.85 <= fuzzy["score"] < 1.0
    carried = by_title[(19, "盂县非法集资线索举报奖励办法（试行）")]
    assert carried["resolved_doc_id"] == "140322/2023/3/20" and carried["score"] == 1.0
    other = by_title[(20, "阳泉市非法集资举报奖励办法")]
    assert other["resolved_doc_id"] is None and other["score"] == 0.0
    # unresolved citations keep their normalized number
    numbered = by_title[(20, "山西省非法集资举报奖励实施细则（试行）")]
    assert numbered["resolved_doc_id"] is None and numbered["cited_number"] == "晋处非发〔2016〕5号"
    # who cites 140000/2019/12/3: 004 seq 2 (once, though it names the document twice)
    citing = citations.cited_by(mine, "140000/2019/12/3")
    assert [(r.doc_seq, r.fields["cited_number"]) for r in citing] == [(2, "国办发〔2019〕35号")]


def test_resolve_exported_dicts():
    exported = [{"doc_id": "x/1", "cited_title": None, "cited_number": "国办发〔2019〕35号", "kind": "document",
                 "resolved_doc_id": None, "score": None}]
    citations.resolve_citations(exported, CANDIDATES)
    assert exported[0]["resolved_doc_id"] == "140000/2019/12/3" and exported[0]["score"] == 1.0
    assert citations.cited_by(exported, "140000/2019/12/3") == exported


def test_citations_in_a_synthetic_notice():
    result = synthetic_result([{
        "title": "某县人民政府关于废止部分规范性文件的决定", "doc_type": "决定", "date": "2024-01-10",
        "lines": ["根据《中华人民共和国立法法》和国务院令第708号，县政府决定废止某政发[2015] 第12号、某政办发（2016）3号文件。",
                  "本决定自公布之日起施行。"],
    }])
    got = [(r.fields["cited_title"], r.fields["cited_number"], r.fields["kind"]) for r in citations.extract(result)]
    assert got == [
        ("中华人民共和国立法法", None, "law"),
        (None, "国务院令第708号", "regulation"),
        (None, "某政发〔2015〕12号", "document"),
        (None, "某政办发〔2016〕3号", "document"),
    ]


def test_counts_over_the_corpus():
    for prefix in ("000", "001", "004"):
        recs = citations.extract(corpus_result(prefix))
        kinds: dict[str, int] = {}
        for r in recs:
            kinds[r.fields["kind"]] = kinds.get(r.fields["kind"], 0) + 1
        print(f"\n[citations] {prefix}: {len(recs)} records {kinds}")
        assert recs

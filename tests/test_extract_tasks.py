"""extract/tasks.py: the task ledger, against hand-checked records.

The expected records below were written by reading the source text of two plans of the
corpus (not by copying extractor output):

* 004 seq 2 — 社会信用体系 实施方案: 27 numbered items ``（…牵头，…按职责分别负责）``; items 6, 7,
  8 and 21 carry two annotations each, so they are two tasks (``part`` 1 and 2): 31 records.
* 000 seq 11/12 — 盂县2023年市场主体提升年行动计划 (dated by its notice, 2023-07-31): the items
  of 二、重点任务 with ``（…牵头，…配合）``; several items hold several annotated runs: 18 records.

Synthetic fragments cover what the corpus lacks: a table with a 完成时限 column, trailing
``责任单位：`` / ``完成时限：`` lines, units on a parent heading, 每季度 / 长期坚持 / 三年内 / 年内 /
``2023—2025年`` deadlines, and a plan dated by its carrying notice.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Optional

import pytest

from gongbao.extract import tasks
from gongbao.model import DocNumber, Document, GazetteMeta, Paragraph, ParseResult, SourceText, Span
from gongbao.grammar import heading_level
from gongbao.text import fold

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@lru_cache(maxsize=None)
def corpus_result(prefix: str) -> ParseResult:
    from gongbao.pipeline import parse_file

    return parse_file(next(CORPUS.glob(f"{prefix}_*.txt")))


def synthetic_result(docs: list[dict], region_code: str = "140322", year: int = 2024, issue: int = 1) -> ParseResult:
    """A ParseResult holding hand-made documents: each dict has ``title``, ``lines`` and
    optionally ``seq``, ``parent_seq``, ``doc_type``, ``date``, ``doc_number``. Body lines
    become paragraphs with the heading level of their marker; a line with tabs is a table row."""
    text = ""
    documents = []
    for n, spec in enumerate(docs, 1):
        start = len(text)
        text += spec["title"] + "\n"
        paragraphs = []
        for line in spec["lines"]:
            span = Span(len(text), len(text) + len(line))
            text += line + "\n"
            if "\t" in line:
                paragraphs.append(Paragraph(line, span, 0, None, table=True))
            else:
                level, marker = heading_level(line)
                paragraphs.append(Paragraph(line, span, level, marker))
        num = spec.get("doc_number")
        documents.append(Document(
            seq=spec.get("seq", n), parent_seq=spec.get("parent_seq"), section=None, issuer=None,
            doc_number=DocNumber.parse(num) if num else None, title=spec["title"],
            doc_type=spec.get("doc_type"), recipients=None, signed_by=None, date=spec.get("date"),
            disclosure=None, attachments=[], paragraphs=paragraphs, span=Span(start, len(text)),
            body_span=None, body_start="", body_end="",
        ))
    data = text.encode("utf-8")
    source = SourceText("synthetic.txt", text, hashlib.sha256(data).hexdigest(), "utf-8", len(data))
    gazette = GazetteMeta(region_code=region_code, year=year, issue=issue)
    return ParseResult(source, gazette, [], documents, [], [], [], None)


class T(NamedTuple):
    task_no: Optional[str]
    part: Optional[int]
    lead: list
    responsible: list
    cooperating: list
    deadline: Optional[str] = None
    deadline_text: Optional[str] = None
    recurrence: Optional[str] = None
    inherited: bool = False
    text_start: str = ""


def actual(rec) -> T:
    f = rec.fields
    return T(f["task_no"], f.get("part"), f["lead_units"], f["responsible_units"], f["cooperating_units"],
             f["deadline"], f["deadline_text"], f["recurrence"], f["inherited"], f["text"])


def same(got: T, want: T) -> bool:
    return got._replace(text_start="") == want._replace(text_start="") and got.text_start.startswith(want.text_start)


# --- 004 seq 2: 社会信用体系 实施方案 ---------------------------------------------------------

XQ = ["各县（区）", "各部门"]  # 各县（区）、各部门按职责分别负责
FGW_RH = ["市发展改革委", "人行阳泉中心支行"]
CREDIT = [
    T("一.（一）.1", None, ["市行政审批局", "市发展改革委", "市市场监管局"], XQ, [], text_start="有效衔接行政审批制度改革"),
    T("一.（一）.2", None, [], ["市税务局", "市能源局", "市科技局", "市财政局", "市市场监管局", "市行政审批局"], [], text_start="在纳税服务、电力"),
    # the annotation of item 3 is printed on a line of its own after the item
    T("一.（一）.3", None, [], ["市发展改革委", "市行政审批局", "市住建局", "市生态环境局", "市水利局", "市气象局", "各县（区）政府"], [], text_start="深化企业投资项目承诺制改革"),
    T("一.（一）.4", None, [], XQ, [], text_start="鼓励市场主体主动向社会公示"),
    T("一.（二）.5", None, ["市行政审批局"], ["人行阳泉中心支行", "市市场监管局", "市民政局", "市规划和自然资源局", "阳泉海关", "市税务局", "各县（区）政府"], [], text_start="在信用报告查询"),
    T("一.（三）.6", 1, [], ["市行政审批局", "市市场监管局", "市财政局", "市住建局"], [], text_start="在政府采购、招标投标"),
    T("一.（三）.6", 2, FGW_RH, XQ, [], text_start="鼓励各类市场主体在生产经营活动中"),
    T("二.（四）.7", 1, [], XQ, [], text_start="根据权责清单建立信用信息采集目录"),
    T("二.（四）.7", 2, [], ["市民政局", "市商务局", "市生态环境局", "市市场监管局", "市应急局"], [], text_start="在家政、养老"),
    T("二.（四）.8", 1, [], ["市行政审批局", "市市场监管局", "市民政局", "市司法局", "市住建局"], [], text_start="全面实施统一社会信用代码制度"),
    T("二.（四）.8", 2, ["市发展改革委", "市市场监管局", "市行政审批局"], XQ, [], text_start="以统一社会信用代码为标识"),
    T("二.（五）.9", None, [], XQ, [], text_start="建立行政许可、行政处罚"),
    T("二.（六）.10", None, ["市行政审批局", "市发展改革委"], XQ, [], text_start="依托市信用信息共享平台，定期"),
    T("二.（六）.11", None, [], ["市税务局", "市能源局", "市文旅局", "市住建局", "市生态环境局", "市交通局", "市市场监管局",
                               "市卫健委", "市人社局", "市应急局", "市人防办", "市行政审批局"], [], text_start="以纳税服务、电力、文化旅游"),
    T("三.（七）.12", None, [], XQ, [], text_start="依法依规落实联合奖惩对象名单制度"),
    T("三.（八）.13", None, [], XQ, [], text_start="失信市主体应当在规定期限内"),
    T("三.（八）.14", None, ["市文明办"], XQ, [], text_start="落实《山西省文明委"),
    T("三.（九）.15", None, [], ["市行政审批局", "市发展改革委", "市住建局", "市财政局", "市交通局", "市卫健委", "市文旅局",
                               "市税务局", "人行阳泉中心支行", "山西银保监局阳泉分局"], [], text_start="对守信主体依法依规实施"),
    T("三.（十）.16", None, [], ["市市场监管局", "市生态环境局", "市住建局", "市应急局", "市民政局", "市教育局", "市卫健委", "市交通局"], [],
      text_start="将信用监管与市场准入负面清单"),
    T("三.（十一）.17", None, ["市发展改革委"], XQ, [], text_start="失信市场主体在规定期限内纠正"),
    T("三.（十二）.18", None, ["市行政审批局", "市发展改革委", "市市场监管局"], XQ, [], text_start="充分发挥市信用信息共享平台"),
    T("三.（十三）.19", None, ["市行政审批局"], XQ, [], text_start="依托市信用信息共享平台系统"),
    T("三.（十四）.20", None, [], XQ, [], text_start="严肃查处违规泄露"),
    T("三.（十五）.21", 1, [], ["市民政局"], [], text_start="支持有关部门授权的行业协会"),
    T("三.（十五）.21", 2, FGW_RH, XQ, [], text_start="积极引导和培育信用服务市场"),
    # the parser breaks item 22 inside 国办发〔2019〕35号: the two pieces are one task
    T("四.（十六）.22", None, FGW_RH, XQ, [], text_start="各县（区）、各部门要认真贯彻落实国办发〔2019〕35号文件"),
    T("四.（十七）.23", None, FGW_RH, XQ, [], text_start="围绕信用承诺、信用修复"),
    T("四.（十八）.24", None, ["市行政审批局", "市发展改革委", "人行阳泉中心支行", "市市场监管局"], XQ, [], text_start="加大信用信息共享平台"),
    T("四.（十九）.25", None, ["市发展改革委", "市司法局", "人行阳泉中心支行"], XQ, [], text_start="加强社会信用体系制度建设"),
    T("四.（二十）.26", None, FGW_RH, XQ, [], text_start="各县（区）、各部门要广泛开展宣传活动"),
    T("四.（二十一）.27", None, FGW_RH, XQ, [], text_start="各县（区）、各部门要将构建以信用为基础"),
]

# --- 000 seq 12: 市场主体提升年行动计划 (notice of 2023-07-31) ------------------------------

C3 = ["县经开区管委会", "县直有关部门", "各镇人民政府"]
C3X = ["县经开区管委会", "县直有关部门", "各乡镇人民政府"]
END23 = ("2023-12-31", "2023年底前")
END23B = ("2023-12-31", "2023年底")
MARKET = [
    # 转企后三年内 is a privilege period, not a deadline; 2023年底前 is
    T("二.（一）", None, ["县市场监管局"], [], C3, *END23, text_start="贯彻落实《促进个体工商户发展条例》"),
    T("二.（二）", 1, ["县中小企业发展中心"], [], ["县经开区管委会", "县自然资源局", "县直有关部门", "各镇人民政府"], *END23, text_start="认真落实《关于2023年全县规上工业企业净增工作方案》"),
    T("二.（二）", 2, ["县商务局"], [], C3, *END23, text_start="建立限额以上商贸流通企业重点企业名录"),
    T("二.（二）", 3, ["县中小企业发展中心"], [], C3, text_start="培育规模以上服务业企业"),
    T("二.（三）", None, ["县中小企业发展中心"], [], C3, *END23, text_start="鼓励中小企业进行规范化股份制改造"),
    T("二.（四）", None, ["县金融事务服务中心"], [], C3, "2023-12-31", "2023年", text_start="实施企业上市“倍增”计划"),
    T("二.（五）", 1, ["县中小企业发展中心"], [], ["县经开区管委会", "各乡镇人民政府"], *END23, text_start="加强对“专精特新”企业的培育"),
    T("二.（五）", 2, ["县教科局"], [], C3X, *END23, text_start="落实科技型企业相关扶持政策"),
    T("二.（六）", 1, ["县工信局"], [], C3X, *END23, text_start="巩固提升链长制延链强链"),
    T("二.（六）", 2, ["县工信局"], [], C3X, *END23, text_start="巩固提升专业镇梯次培育"),
    T("二.（六）", 3, ["县商务局"], [], C3X, *END23, text_start="重点推动乡村e镇建设"),
    T("二.（六）", 4, ["县文旅局", "县民政局", "县商务局"], [], ["县直有关部门", "各乡镇人民政府"], *END23, text_start="重点打造文旅康养集聚区"),
    # …县人社局、县中小企业发展中心，各乡镇人民政府配合: the clause without a verb shares 配合
    T("二.（六）", 5, ["县教科局"], [], ["县经开区管委会", "县工信局", "县人社局", "县中小企业发展中心", "各乡镇人民政府"], *END23,
      text_start="高质量打造“双创”平台"),
    T("二.（六）", 6, ["县农业农村局"], [], C3X, *END23, text_start="重点培育壮大农业龙头企业"),
    # 县民政局、县教科局等县直部门: names as printed, without the "and others" tail
    T("二.（六）", 7, ["县商务局"], [], ["县经开区管委会", "县民政局", "县教科局", "各乡镇人民政府"], *END23B, text_start="持续打造城市“烟火气”集聚区"),
    T("二.（六）", 8, ["县经开区管委会"], [], ["县直有关部门", "各乡镇人民政府"], *END23B, text_start="持续打造开发区升级版"),
    T("二.（六）", 9, ["县工信局", "县交通局"], [], C3X, *END23B, text_start="加快培育数字经济市场主体"),
    T("二.（六）", 10, ["县发改局"], [], ["县经开区管委会", "县商务局", "县招商服务中心", "各乡镇人民政府"], *END23B, text_start="发展壮大楼宇经济"),
]


def _score(pred: list, expected: list[T], label: str) -> tuple[float, float]:
    got = [actual(r) for r in pred]
    matched = 0
    misses = []
    pool = list(expected)
    for g in got:
        hit = next((w for w in pool if same(g, w)), None)
        if hit is not None:
            pool.remove(hit)
            matched += 1
        else:
            misses.append(("unexpected", g))
    misses += [("missing", w) for w in pool]
    precision = matched / len(got) if got else 0.0
    recall = matched / len(expected) if expected else 0.0
    print(f"\n[tasks] {label}: {len(got)} records, {len(expected)} expected, precision {precision:.3f}, recall {recall:.3f}")
    for kind, t in misses:
        print("   ", kind, t)
    return precision, recall


def test_tasks_credit_plan_004():
    result = corpus_result("004")
    pred = [r for r in tasks.extract(result) if r.doc_seq == 2]
    p, r = _score(pred, CREDIT, "004 seq 2 社会信用体系实施方案")
    assert p >= 0.95 and r >= 0.95


def test_tasks_market_plan_000():
    result = corpus_result("000")
    pred = [r for r in tasks.extract(result) if r.doc_seq == 12]
    p, r = _score(pred, MARKET, "000 seq 12 市场主体提升年行动计划")
    assert p >= 0.95 and r >= 0.95


def test_tasks_spans_point_at_the_source():
    result = corpus_result("004")
    for rec in (r for r in tasks.extract(result) if r.doc_seq == 2):
        printed = result.source.text[rec.span.start: rec.span.end]
        head = rec.fields["text"][:6]
        assert fold(head) in fold(printed), (rec.fields["task_no"], printed[:40])
        # the annotation is not part of the task text
        assert "按职责分别负责" not in rec.fields["text"]


# --- synthetic layouts ------------------------------------------------------------------------

TABLE_PLAN = {
    "title": "某县2023年营商环境优化提升工作方案",
    "doc_type": "方案",
    "date": "2023-03-15",
    "lines": [
        "为持续优化营商环境，制定本方案。",
        "一、重点任务",
        "序号\t重点任务\t牵头单位\t责任单位\t完成时限",
        "1\t全面推行企业开办“一日办结”。\t县行政审批局\t县市场监管局、县税务局\t2023年底前",
        "2\t开展涉企收费专项清理。\t县发改局\t县财政局、各乡镇人民政府\t6月30日前",
        "3\t落实“双随机、一公开”监管。\t县市场监管局\t县直有关部门\t长期坚持",
        "4\t召开政银企对接会。\t县金融事务服务中心\t各银行业金融机构\t每季度",
        "5\t建成县域信用信息平台，实现与市级平台互联互通\t县发改局\t县工信局\t10月底前",
        "\t并完成历史数据归集。",
        "6\t实施营商环境三年提升行动。\t县政府办\t县直各部门\t2023—2025年",
        "7\t完成政务服务大厅改造。\t县行政审批局\t\t2025年",
        "8\t建立企业诉求“接诉即办”机制。\t县营商办\t县12345热线中心\t年内",
    ],
}

LINES_PLAN = {
    "title": "某县安全生产专项整治实施方案",
    "doc_type": "方案",
    "date": "2023-03-15",
    "lines": [
        "一、主要任务",
        "（一）加强组织领导",
        "牵头单位：县应急局",
        "责任单位：各乡镇人民政府",
        "1.建立专项整治工作专班，每季度召开一次调度会议。",
        "2.制定专项整治实施细则。",
        "完成时限：2023年6月30日前",
        "（二）强化督查考核",
        "1.开展专项督查，督促问题整改。",
        "责任单位：县政府督查室、县委组织部",
        "完成时限：长期坚持",
        "2.健全隐患排查治理体系，三年内实现重点行业全覆盖。",
        "责任单位：县应急局",
        "二、重点工作",
        "（一）加强应急宣传（县应急局、县委宣传部分工负责；各乡镇党委政府）",
        "1.开展“安全生产月”活动，每年6月集中宣传。",
        "2.推进应急科普进社区，年内覆盖全部社区。",
        "（二）推进数字化转型。支持企业上云用数赋智，2024年10月底前新增上云企业50户。（县工信局、县交通局牵头，县经开区管委会、县直有关部门、各乡镇人民政府配合）",
        "（三）完善信用体系。推广信用承诺制度，按月通报进展。（市发展改革委、人行阳泉中心支行牵头，各县（区）、各部门按职责分别负责）",
        "三、保障措施",
        "（一）加强组织领导。各单位要高度重视，确保各项任务落到实处。",
    ],
}


def test_tasks_table_with_deadline_column():
    result = synthetic_result([TABLE_PLAN])
    got = [actual(r) for r in tasks.extract(result)]
    want = [
        T("一.1", None, ["县行政审批局"], ["县市场监管局", "县税务局"], [], "2023-12-31", "2023年底前", text_start="全面推行企业开办"),
        T("一.2", None, ["县发改局"], ["县财政局", "各乡镇人民政府"], [], "2023-06-30", "6月30日前", text_start="开展涉企收费专项清理"),
        T("一.3", None, ["县市场监管局"], ["县直有关部门"], [], None, "长期坚持", "长期", text_start="落实“双随机"),
        T("一.4", None, ["县金融事务服务中心"], ["各银行业金融机构"], [], None, None, "每季度", text_start="召开政银企对接会"),
        # a wrapped row continues the task of the row before it
        T("一.5", None, ["县发改局"], ["县工信局"], [], "2023-10-31", "10月底前", text_start="建成县域信用信息平台"),
        T("一.6", None, ["县政府办"], ["县直各部门"], [], "2025-12-31", "2023—2025年", text_start="实施营商环境三年提升行动"),
        T("一.7", None, ["县行政审批局"], [], [], "2025-12-31", "2025年", text_start="完成政务服务大厅改造"),
        T("一.8", None, ["县营商办"], ["县12345热线中心"], [], "2023-12-31", "年内", text_start="建立企业诉求"),
    ]
    assert [g._replace(text_start="") for g in got] == [w._replace(text_start="") for w in want]
    assert got[4].text_start == "建成县域信用信息平台，实现与市级平台互联互通并完成历史数据归集。"
    assert all(g.text_start.startswith(w.text_start) for g, w in zip(got, want))
    p, r = _score(tasks.extract(result), want, "synthetic table")
    assert p >= 0.95 and r >= 0.95


def test_tasks_label_lines_parent_units_and_annotations():
    result = synthetic_result([LINES_PLAN])
    want = [
        # units on the heading (label lines under it) are inherited by its items
        T("一.（一）.1", None, ["县应急局"], ["各乡镇人民政府"], [], None, None, "每季度", True, "建立专项整治工作专班"),
        T("一.（一）.2", None, ["县应急局"], ["各乡镇人民政府"], [], "2023-06-30", "2023年6月30日前", None, True, "制定专项整治实施细则"),
        T("一.（二）.1", None, [], ["县政府督查室", "县委组织部"], [], None, "长期坚持", "长期", False, "开展专项督查"),
        # 三年内 counts from the document date (2023-03-15)
        T("一.（二）.2", None, [], ["县应急局"], [], "2026-03-15", "三年内", None, False, "健全隐患排查治理体系"),
        # （县应急局、县委宣传部分工负责；各乡镇党委政府）on the heading: both items inherit it
        T("二.（一）.1", None, [], ["县应急局", "县委宣传部", "各乡镇党委政府"], [], None, None, "每年", True, "开展“安全生产月”活动"),
        T("二.（一）.2", None, [], ["县应急局", "县委宣传部", "各乡镇党委政府"], [], "2023-12-31", "年内", None, True, "推进应急科普进社区"),
        T("二.（二）", None, ["县工信局", "县交通局"], [], ["县经开区管委会", "县直有关部门", "各乡镇人民政府"], "2024-10-31", "2024年10月底前",
          None, False, "推进数字化转型。支持企业上云"),
        T("二.（三）", None, ["市发展改革委", "人行阳泉中心支行"], ["各县（区）", "各部门"], [], None, None, "每月", False, "完善信用体系"),
        # 三、保障措施 carries no units in a plan that has them elsewhere: not a task
    ]
    p, r = _score(tasks.extract(result), want, "synthetic label lines / inherited units")
    assert p >= 0.95 and r >= 0.95


def test_tasks_deadline_relative_to_carrying_notice():
    notice = {"title": "某县人民政府办公室关于印发某县节水行动方案的通知", "doc_type": "通知", "date": "2024-02-20",
              "doc_number": "某政办发〔2024〕3号", "lines": ["现将《某县节水行动方案》印发给你们，请认真贯彻执行。"]}
    plan = {"title": "某县节水行动方案", "doc_type": "方案", "parent_seq": 1, "date": None,
            "lines": ["一、建设节水型机关。6月30日前，县直机关全部建成节水型单位。（县水利局牵头，县直各单位配合）",
                      "二、推进农业节水。三年内完成灌区改造。（县农业农村局负责）"]}
    recs = tasks.extract(synthetic_result([notice, plan]))
    assert [r.doc_seq for r in recs] == [2, 2]
    assert recs[0].fields["deadline"] == "2024-06-30" and recs[0].fields["task_no"] == "一"
    assert recs[1].fields["deadline"] == "2027-02-20" and recs[1].fields["responsible_units"] == ["县农业农村局"]


@pytest.mark.parametrize("text, base, want", [
    ("2023年底前", "2023-03-01", ("2023-12-31", "2023年底前", None)),
    ("6月30日前", "2024-02-01", ("2024-06-30", "6月30日前", None)),
    ("长期坚持", "2023-03-01", (None, "长期坚持", "长期")),
    ("每季度", "2023-03-01", (None, None, "每季度")),
    ("三年内", "2023-03-15", ("2026-03-15", "三年内", None)),
    ("年内", "2023-03-15", ("2023-12-31", "年内", None)),
    ("2025年", "2023-03-15", ("2025-12-31", "2025年", None)),
    ("10月底前", "2023-03-15", ("2023-10-31", "10月底前", None)),
    ("2023—2025年", "2023-03-15", ("2025-12-31", "2023—2025年", None)),
    ("2024年上半年", "2023-03-15", ("2024-06-30", "2024年上半年", None)),
    ("2023年第三季度前", "2023-03-15", ("2023-09-30", "2023年第三季度前", None)),
])
def test_parse_deadline_cell(text, base, want):
    from datetime import date

    assert tasks.parse_deadline(text, date.fromisoformat(base), strict=False) == want


def test_parse_deadline_running_text_is_strict():
    from datetime import date

    base = date(2023, 7, 31)
    # a year that is not a target, and a period after another event, are not deadlines
    assert tasks.parse_deadline("我县2015年更新购置的72辆出租汽车已达到报废年限。", base)[0] is None
    assert tasks.parse_deadline("转企后三年内仍享受原个体工商户税费优惠政策。", base)[0] is None
    assert tasks.parse_deadline("2023年，力争新增挂牌企业2家。", base)[:2] == ("2023-12-31", "2023年")
    # several deadlines: the most explicit kind, then the latest
    assert tasks.parse_deadline("2023年8月底前完成一期，2023年底前全部完成。", base)[:2] == ("2023-12-31", "2023年底前")


@pytest.mark.parametrize("annotation, lead, responsible, cooperating", [
    ("（牵头单位：县发改局；责任单位：各乡镇）", ["县发改局"], ["各乡镇"], []),
    ("（县应急局、县委宣传部分工负责；各乡镇党委政府）", [], ["县应急局", "县委宣传部", "各乡镇党委政府"], []),
    ("（县工信局、县交通局牵头，县经开区管委会、县直有关部门、各乡镇人民政府配合）", ["县工信局", "县交通局"], [],
     ["县经开区管委会", "县直有关部门", "各乡镇人民政府"]),
    ("（市发展改革委、人行阳泉中心支行牵头，各县（区）、各部门按职责分别负责）", ["市发展改革委", "人行阳泉中心支行"], ["各县（区）", "各部门"], []),
    ("（责任单位：县卫健局负责，各乡镇、县城镇办、各单位落实）", [], ["县卫健局", "各乡镇", "县城镇办", "各单位"], []),
    ("（市生态环境局盂县分局牵头，县自然资源局等配合）", ["市生态环境局盂县分局"], [], ["县自然资源局"]),
    ("（县消专委办公室牵头，县直有关部门、各乡镇人民政府、城镇办分工负责落实）", ["县消专委办公室"], ["县直有关部门", "各乡镇人民政府", "城镇办"], []),
    ("牵头单位：县发改局  配合单位：县财政局、县统计局  完成时限：2023年12月底前", ["县发改局"], [], ["县财政局", "县统计局"]),
])
def test_parse_units(annotation, lead, responsible, cooperating):
    u = tasks.parse_units(annotation)
    assert (u.lead, u.responsible, u.cooperating) == (lead, responsible, cooperating)


def test_parentheticals_that_are_not_annotations():
    for content, after_sentence in [("防尘、防蝇、防鼠", False), ("含县经开区", False), ("盂促企组办发〔2023〕1号", False),
                                    ("以签订就业协议或提供就业证明为准", False), ("2023—2025年", False)]:
        assert not tasks.is_annotation(content, after_sentence), content


def test_non_plan_documents_have_no_tasks():
    result = corpus_result("000")
    seqs = {r.doc_seq for r in tasks.extract(result)}
    # personnel notices, 挂牌督办 notices and the carrying notices are not plans
    assert not seqs & {1, 2, 3, 4, 8, 11, 19, 20}


# --- queries ----------------------------------------------------------------------------------

def test_queries():
    recs = tasks.extract(synthetic_result([TABLE_PLAN, LINES_PLAN]))
    lead_fgj = tasks.tasks_of_unit(recs, "县发改局", role="lead")
    assert [r.fields["task_no"] for r in lead_fgj] == ["一.2", "一.5"]
    assert {r.fields["task_no"] for r in tasks.tasks_of_unit(recs, "县应急局")} == {"一.（一）.1", "一.（一）.2", "一.（二）.2", "二.（一）.1", "二.（一）.2"}
    due = tasks.due_between(recs, "2023-06-01", "2023-12-31")
    assert sorted(r.fields["deadline_text"] for r in due) == sorted(["2023年底前", "6月30日前", "10月底前", "年内", "2023年6月30日前", "年内"])
    late = tasks.overdue(recs, "2023-07-01")
    assert sorted(r.fields["deadline"] for r in late) == ["2023-06-30", "2023-06-30"]
    closed = {tasks.task_key(late[0])}
    assert len(tasks.overdue(recs, "2023-07-01", closed=closed)) == 1
    # exported dicts work the same
    exported = [{"doc_id": f"x/{r.doc_seq}", **r.fields} for r in recs]
    assert len(tasks.overdue(exported, "2023-07-01")) == 2
    assert len(tasks.tasks_of_unit(exported, "各部门")) == 1


def test_counts_over_the_corpus():
    """Not a quality gate: prints how many tasks each plan of the corpus yields."""
    for prefix in ("000", "001", "004"):
        recs = tasks.extract(corpus_result(prefix))
        by_doc: dict[int, int] = {}
        for r in recs:
            by_doc[r.doc_seq] = by_doc.get(r.doc_seq, 0) + 1
        print(f"\n[tasks] {prefix}: {len(recs)} records in {len(by_doc)} documents {by_doc}")
        assert recs

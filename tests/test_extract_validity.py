"""extract/validity.py: effective dates, expiry, trial status, repeals, and status_on.

Expected records were written from the source text of the corpus: every 办法 / 规定 / 政策 /
预案 / 方案 with a 施行 / 实施 / 有效期 / 试行 sentence or a （试行） title. 印发之日 / 发布之日 is
the date printed on the carrying notice (checked in the text: 000 seq 17 2023年8月2日, seq 25
and 28 2023年8月8日; 001 seq 7 2024年4月8日; 004 seq 28 2020年6月19日, seq 34 2020年6月29日).
expires_on is the last day of validity (``有效期两年`` from 2023-09-01 → 2025-08-31).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import pytest

from gongbao.extract import validity

from tests.test_extract_tasks import corpus_result, synthetic_result


class V(NamedTuple):
    prefix: str
    seq: int
    effective_from: Optional[str]
    expires_on: Optional[str]
    trial: bool
    repeals: tuple = ()
    evidence: str = ""  # a piece of the evidence sentence


EXPECTED = [
    # 以上政策自发布之日起30日后施行，有效期至2025年12月31日 (notice of 2023-08-02 + 30 days)
    V("000", 18, "2023-09-01", "2025-12-31", False, evidence="自发布之日起30日后施行"),
    # 第十四条 本办法自2023年9月1日起施行，有效期两年。 — title （试行）
    V("000", 20, "2023-09-01", "2025-08-31", True, evidence="本办法自2023年9月1日起施行，有效期两年"),
    # 第二十三条 本规定自发布之日起施行。 — 指南（试行）, notice of 2023-08-08
    V("000", 26, "2023-08-08", None, True, evidence="本规定自发布之日起施行"),
    # 考核办法（试行）: the title is all it says
    V("000", 27, None, None, True),
    # 9.4 预案实施时间 本预案自印发之日起施行。 — notice of 2023-08-08
    V("000", 29, "2023-08-08", None, False, evidence="本预案自印发之日起施行"),
    # 第二十七条 本办法自印发之日起实施，有效期2年。 — notice of 2024-04-08
    V("001", 8, "2024-04-08", "2026-04-07", True, evidence="本办法自印发之日起实施，有效期2年"),
    # 工作方案（试行）: title only
    V("001", 13, None, None, True),
    # 第三十一条 本办法自2024年6月1日起施行，试工期两年。 (试工期: OCR for 试行期)
    V("001", 18, "2024-06-01", "2026-05-31", True, evidence="试工期两年"),
    # 本办法自印发之日起试行 — notice of 2020-06-19
    V("004", 29, "2020-06-19", None, True, evidence="本办法自印发之日起试行"),
    # 本预案自发布之日起实施。2017年10月11日印发的《…》（阳政办发〔2017〕105号）同时废止。
    V("004", 35, "2020-06-29", None, False, (("阳泉市突发地质灾害应急预案", "阳政办发〔2017〕105号"),), evidence="同时废止"),
]


def actual(prefix: str, rec) -> V:
    f = rec.fields
    return V(prefix, rec.doc_seq, f["effective_from"], f["expires_on"], f["trial"],
             tuple((r["title"], r["number"]) for r in f["repeals"]), f["evidence"] or "")


def same(got: V, want: V) -> bool:
    return got._replace(evidence="") == want._replace(evidence="") and want.evidence in got.evidence


def test_validity_precision_recall():
    got = []
    for prefix in ("000", "001", "004"):
        for rec in validity.extract(corpus_result(prefix)):
            assert rec.fields["repealed_by"] is None  # nothing repealed within one corpus issue
            got.append(actual(prefix, rec))
    pool = list(EXPECTED)
    matched, problems = 0, []
    for g in got:
        hit = next((w for w in pool if same(g, w)), None)
        if hit:
            pool.remove(hit)
            matched += 1
        else:
            problems.append(("unexpected", g))
    problems += [("missing", w) for w in pool]
    precision, recall = matched / len(got), matched / len(EXPECTED)
    print(f"\n[validity] corpus: {len(got)} records, {len(EXPECTED)} expected, precision {precision:.3f}, recall {recall:.3f}")
    for p in problems:
        print("   ", p)
    assert precision >= 0.95 and recall >= 0.95


def test_evidence_span_is_the_sentence():
    result = corpus_result("000")
    rec = next(r for r in validity.extract(result) if r.doc_seq == 20)
    assert result.source.text[rec.span.start: rec.span.end] == "本办法自2023年9月1日起施行，有效期两年。"


@pytest.mark.parametrize("on, status", [
    ("2023-08-15", "尚未生效"),
    ("2023-09-01", "现行有效"),
    ("2025-08-31", "现行有效"),
    ("2025-09-01", "已失效"),
])
def test_status_on_corpus_record(on, status):
    rec = next(r for r in validity.extract(corpus_result("000")) if r.doc_seq == 20)
    assert validity.status_on(rec, on) == status


def test_status_on_unknown_and_open_ended():
    recs = {r.doc_seq: r for r in validity.extract(corpus_result("000"))}
    assert validity.status_on(recs[27], "2024-01-01") == "未知"  # no date stated
    assert validity.status_on(recs[29], "2030-01-01") == "现行有效"  # no expiry stated
    from datetime import date

    assert validity.status_on(recs[29], date(2023, 8, 7)) == "尚未生效"


# --- repeals (synthetic: the corpus repeals nothing within one issue) --------------------------

OLD = {
    "title": "某县人民政府关于印发某县城市道路挖掘管理办法的通知", "doc_type": "通知", "date": "2019-05-10",
    "doc_number": "某政发〔2019〕12号", "lines": ["现将《某县城市道路挖掘管理办法》印发给你们，请认真贯彻执行。"],
}
OLD_RULES = {
    "title": "某县城市道路挖掘管理办法", "doc_type": "办法", "parent_seq": 1,
    "lines": ["第一条 为加强城市道路管理，制定本办法。", "第二十条 本办法自印发之日起施行。"],
}
NEW = {
    "title": "某县人民政府关于印发某县城市道路挖掘管理办法（修订）的通知", "doc_type": "通知", "date": "2024-01-15",
    "doc_number": "某政发〔2024〕2号", "lines": ["现将《某县城市道路挖掘管理办法（修订）》印发给你们，请认真贯彻执行。"],
}
NEW_RULES = {
    "title": "某县城市道路挖掘管理办法（修订）", "doc_type": "办法", "parent_seq": 3,
    "lines": ["第一条 为加强城市道路管理，制定本办法。",
              "第二十一条 本办法自2024年3月1日起施行，有效期5年。《某县人民政府关于印发某县城市道路挖掘管理办法的通知》（某政发[2019]12号）同时废止。"],
}
INTERIM = {
    "title": "某县农村公路养护暂行办法", "doc_type": "办法", "date": "2024-02-01",
    "lines": ["第一条 为规范农村公路养护，制定本办法。",
              "第十五条 本办法自发布之日起施行，有效期至2025年12月31日。原《某县农村公路养护管理规定》停止执行。"],
}


def test_repeal_in_the_same_issue():
    result = synthetic_result([OLD, OLD_RULES, NEW, NEW_RULES, INTERIM], region_code="140322", year=2024, issue=1)
    recs = {r.doc_seq: r.fields for r in validity.extract(result)}
    # the repealing document
    assert recs[4]["effective_from"] == "2024-03-01" and recs[4]["expires_on"] == "2029-02-28"
    assert recs[4]["repeals"] == [{"title": "某县人民政府关于印发某县城市道路挖掘管理办法的通知", "number": "某政发〔2019〕12号"}]
    assert recs[4]["trial"] is False and "同时废止" in recs[4]["evidence"]
    # the repealed notice (matched by its 文号) records who repealed it and from when
    assert recs[1]["repealed_by"] == "140322/2024/1/4" and recs[1]["repealed_on"] == "2024-03-01"
    assert recs[2]["effective_from"] == "2019-05-10" and recs[2]["repealed_by"] is None
    # 暂行 in the title, 有效期至 a date, and 原《…》停止执行 with a document not in the issue
    assert recs[5]["trial"] is True and recs[5]["effective_from"] == "2024-02-01" and recs[5]["expires_on"] == "2025-12-31"
    assert recs[5]["repeals"] == [{"title": "某县农村公路养护管理规定", "number": None}]
    # status of the repealed notice before and after the new 办法 takes effect
    assert validity.status_on(recs[1], "2024-02-01") == "未知"
    assert validity.status_on(recs[1], "2024-03-01") == "已废止"
    assert validity.status_on(recs[4], "2024-02-29") == "尚未生效"
    assert validity.status_on(recs[4], "2029-02-28") == "现行有效"
    assert validity.status_on(recs[4], "2029-03-01") == "已失效"
    assert validity.status_on(recs[5], "2026-01-01") == "已失效"


def test_repeal_by_title_without_number():
    old = {"title": "某县城镇供热管理办法", "doc_type": "办法", "date": "2018-10-01",
           "lines": ["第一条 为规范供热，制定本办法。", "第三十条 本办法自2018年11月1日起施行。"]}
    new = {"title": "某县城镇供热管理办法", "doc_type": "办法", "date": "2024-09-01",
           "lines": ["第三十二条 本办法自2024年10月1日起施行。2018年10月1日印发的《某县城镇供热管理办法》同时废止。"]}
    recs = {r.doc_seq: r.fields for r in validity.extract(synthetic_result([old, new], "140322", 2024, 4))}
    assert recs[1]["repealed_by"] == "140322/2024/4/2" and recs[1]["repealed_on"] == "2024-10-01"
    assert validity.status_on(recs[1], "2024-09-30") == "现行有效"
    assert validity.status_on(recs[1], "2024-10-01") == "已废止"
    assert recs[2]["repealed_by"] is None  # a document does not repeal itself


def test_notice_clause_covers_the_carried_document():
    notice = {"title": "某县人民政府办公室关于印发某县停车管理办法的通知", "doc_type": "通知", "date": "2024-05-06",
              "lines": ["现将《某县停车管理办法》印发给你们，自2024年6月1日起施行，请认真贯彻执行。"]}
    rules = {"title": "某县停车管理办法", "doc_type": "办法", "parent_seq": 1, "lines": ["第一条 为规范停车管理，制定本办法。"]}
    recs = {r.doc_seq: r.fields for r in validity.extract(synthetic_result([notice, rules]))}
    assert recs[2]["effective_from"] == "2024-06-01"


def test_clauses_about_other_things_are_not_validity():
    doc = {"title": "某县出租汽车管理办法", "doc_type": "办法", "date": "2024-01-01",
           "lines": ["第一条 为规范出租汽车经营，制定本办法。",
                     "第五条 道路运输证有效期3年，自2024年1月1日起实施分类管理。",
                     "第六条 驾驶员应当持证上岗。",
                     "第七条 经营者应当建立安全生产制度。",
                     "第八条 经营者应当公开服务标准。",
                     "第九条 各部门按职责做好监管。"]}
    assert validity.extract(synthetic_result([doc])) == []

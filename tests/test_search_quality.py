"""Search quality on the shared corpus: queries with the documents a reader expects first.

Expected documents were chosen by reading the three corpus issues (titles and bodies), not
by running the search: for a topic word, the documents *about* it (in practice: its title
names it), not every document that mentions it once.

Measures, per query (``relevant`` = the expected documents):
- **P@10** — precision of the first min(10, |relevant|) hits (R-precision capped at 10: a
  query with three relevant documents is judged on its first three hits, so finding
  more matching documents further down is no penalty);
- **recall** — the share of relevant documents among all hits (every page).

Thresholds asserted: mean P@10 ≥ 0.95, every query's P@10 ≥ 0.5, mean recall = 1.0 (each
relevant document found), and ``doc_number_match`` right for every 文号 spelling.

Phrase queries (``PHRASE_CASES``) are measured apart: a term typed in one piece that the
tokenizer cuts into words (安全生产 → 安全, 生产). Their relevant documents are those that
print the phrase, found by reading the three texts (a phrase broken only by a line break
counts; the cover and table of contents do not; an attachment belongs to the document it
follows), not by running the parser or the search. Each query also matches documents that
hold the words apart (粮食安全 … 农业生产): those must come after.
"""
from __future__ import annotations

import statistics

import pytest

from gongbao.ingest import ingest_file
from gongbao.search import SearchQuery, search
from gongbao.store import open_store

from .conftest import BACKENDS

MEAN_PRECISION = 0.95
MIN_PRECISION = 0.5
MEAN_RECALL = 1.0

Y23, Y24, YQ = "140322/2023/3/", "140322/2024/2/", "140300/2020/3/"


def docs(prefix: str, *seqs: int) -> set[str]:
    return {f"{prefix}{seq}" for seq in seqs}


# (query, relevant documents, the 文号 document when q is one)
CASES: list[tuple[dict, set[str], str | None]] = [
    # two-character words
    ({"q": "任免"}, docs(Y23, 1, 2) | docs(Y24, 1, 2) | docs(YQ, 39, 40, 43), None),
    ({"q": "煤矿"}, docs(YQ, 3), None),  # 煤矿企业…挂牌责任人; 非煤矿山 is not about coal mines
    ({"q": "燃气"}, docs(Y23, 5), None),  # 蓝天燃气经销部
    ({"q": "安全"}, docs(Y23, 3, 4, 5, 6, 10, 13, 14, 23, 24, 28, 29, 45, 46, 47) | docs(Y24, 17, 18) | docs(YQ, 3, 28, 29), None),
    ({"q": "消防"}, docs(Y23, 23, 24, 25, 26, 27), None),
    ({"q": "电梯"}, docs(YQ, 13), None),
    ({"q": "甲醇"}, docs(YQ, 28, 29), None),
    ({"q": "秸秆"}, docs(Y24, 12, 13), None),
    ({"q": "节水"}, docs(YQ, 14, 15), None),
    ({"q": "陈波"}, docs(YQ, 38), None),
    # longer words and names
    ({"q": "加装电梯"}, docs(YQ, 13), None),
    ({"q": "非法集资"}, docs(Y23, 19, 20), None),
    ({"q": "DRG"}, docs(YQ, 18, 19), None),
    ({"q": "全域旅游"}, docs(Y24, 3, 4), None),
    ({"q": "司法协理员"}, docs(Y24, 9, 10), None),
    ({"q": "人工影响天气"}, docs(Y24, 14, 15), None),
    ({"q": "任丽鹏"}, docs(Y23, 1), None),
    ({"q": "王斌杰"}, docs(Y23, 2), None),  # only in the body: 免去王斌杰同志的…职务
    ({"q": "张俊堂"}, docs(YQ, 43), None),
    ({"q": "蓝天燃气"}, docs(Y23, 5), None),
    ({"q": "消费券"}, docs(YQ, 11, 12), None),
    ({"q": "标准地"}, docs(YQ, 4, 5), None),
    ({"q": "地质灾害"}, docs(YQ, 34, 35), None),
    ({"q": "有限空间"}, docs(Y24, 17, 18), None),
    ({"q": "起重伤害"}, docs(Y24, 16), None),
    ({"q": "高处坠落"}, docs(Y24, 19), None),
    ({"q": "爱国卫生"}, docs(Y23, 8, 9), None),
    ({"q": "出租汽车"}, docs(Y23, 33, 34), None),
    ({"q": "疾病诊断"}, docs(YQ, 18, 19), None),
    ({"q": "货运源头"}, docs(Y24, 21), None),
    ({"q": "大气污染"}, docs(YQ, 16, 17), None),
    # phrases, OR, several words
    ({"q": '"重大火灾隐患"'}, docs(Y23, 7, 30, 44), None),
    ({"q": '"重大生产安全事故隐患"'}, docs(Y23, 3, 4, 5, 6, 10, 45, 46, 47), None),
    ({"q": "燃气 OR 甲醇"}, docs(Y23, 5) | docs(YQ, 28, 29), None),
    ({"q": "挂牌督办 火灾"}, docs(Y23, 7, 30, 44), None),
    ({"q": "县长 分工"}, docs(Y24, 11), None),
    # 文号 in four spellings, the 孟 misprint among them
    ({"q": "盂政发〔2023〕48号"}, docs(Y23, 1), Y23 + "1"),
    ({"q": "孟政发(2023)48号"}, docs(Y23, 1), Y23 + "1"),
    ({"q": "盂政办发[2023]43号"}, docs(Y23, 8), Y23 + "8"),
    ({"q": "盂政办发 2023 43"}, docs(Y23, 8), Y23 + "8"),
    ({"q": "阳政办发〔2020〕44号"}, docs(YQ, 1), YQ + "1"),
    ({"q": "阳政任字〔2020〕12号"}, docs(YQ, 40), YQ + "40"),
    # filters
    ({"q": "任免", "region": "盂县"}, docs(Y23, 1, 2) | docs(Y24, 1, 2), None),
    ({"q": "任免", "region": "140300"}, docs(YQ, 39, 40, 43), None),
    ({"doc_type": "批复"}, docs(Y24, 16, 19, 20), None),
    ({"q": "事故", "doc_type": "批复"}, docs(Y24, 16, 19, 20), None),
    ({"q": "安全", "year": 2020}, docs(YQ, 3, 28, 29), None),
    ({"q": "消防", "level": "carried"}, docs(Y23, 24, 26, 27), None),
    ({"section": "人事任免"}, docs(Y23, 1, 2) | docs(Y24, 1, 2) | docs(YQ, 38, 39, 40, 41, 42, 43), None),
    ({"issuer": "阳泉市人民政府"}, docs(YQ, 38, 39, 40, 41, 42, 43), None),
    ({"q": "方案", "gazette": "140322/2024/2", "level": "carried"}, docs(Y24, 4, 10, 13), None),
]


# (query, the documents printing the phrase): every word matched apart in other documents
PHRASE_CASES: list[tuple[dict, set[str]]] = [
    ({"q": "安全生产"}, docs(Y23, 3, 4, 10, 27, 29, 45, 46, 47) | docs(Y24, 4, 6, 8, 18) | docs(YQ, 2, 3, 23, 29, 33)),
    ({"q": "应急管理"}, docs(Y23, 24, 29, 41) | docs(Y24, 2, 11, 16, 19, 20) | docs(YQ, 8, 35)),
    ({"q": "营商环境"}, docs(Y23, 12, 16) | docs(Y24, 6, 11) | docs(YQ, 5, 21, 33)),
    ({"q": "社会信用"}, docs(Y24, 4) | docs(YQ, 1, 2)),
    ({"q": "信用体系"}, docs(Y24, 4, 23) | docs(YQ, 1, 2, 5, 12)),
    ({"q": "政务公开"}, docs(Y24, 11) | docs(YQ, 32, 33)),
    ({"q": "污染防治"}, docs(Y23, 39, 40, 41, 42, 43) | docs(Y24, 13, 15) | docs(YQ, 37)),
    ({"q": "经济发展"}, docs(Y23, 12, 16, 26, 27, 32) | docs(Y24, 23) | docs(YQ, 7, 25)),
    ({"q": "风险防控"}, docs(Y23, 14, 24, 29, 43) | docs(YQ, 35)),
    ({"q": "农业生产"}, docs(Y23, 32, 37, 38, 43) | docs(Y24, 15, 23)),
    ({"q": "服务企业"}, docs(Y23, 16, 21, 22, 32) | docs(Y24, 6, 23) | docs(YQ, 8, 10, 15)),
    ({"q": "城乡融合"}, docs(YQ, 24, 25)),
    ({"q": "文化旅游"}, docs(Y23, 32) | docs(Y24, 11, 23) | docs(YQ, 2)),
    ({"q": "绿色发展"}, docs(Y23, 38, 41) | docs(Y24, 13)),
    ({"q": "质量安全"}, docs(Y23, 12)),
    ({"q": "信用信息"}, docs(YQ, 2, 15)),
    ({"q": "联合惩戒"}, docs(YQ, 2)),
    ({"q": "督查考核"}, docs(Y23, 16) | docs(YQ, 27)),
    ({"q": "风险评估"}, docs(Y23, 9, 24, 42)),
    ({"q": "应急处置"}, docs(Y23, 29, 36, 40) | docs(Y24, 15, 18) | docs(YQ, 29, 35)),
    ({"q": "资金保障"}, docs(Y23, 27, 36, 40, 42, 43) | docs(YQ, 10, 23, 35)),
]


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, new_store_url, corpus):
    with open_store(new_store_url(request.param)) as opened:
        for source in sorted(corpus.glob("00*.txt")):
            assert ingest_file(opened, source).status == "added"
        yield opened


def all_hits(store, params: dict) -> tuple[list[str], str | None]:
    found, page = [], 1
    while True:
        result = search(store, SearchQuery(per_page=100, page=page, **params))
        found += [hit.id for hit in result.hits]
        if len(result.hits) < 100:
            return found, result.doc_number_match
        page += 1


def evaluate(store) -> list[tuple[dict, float, float, int, list[str]]]:
    rows = []
    for params, relevant, number_match in CASES:
        hits, matched = all_hits(store, params)
        k = min(10, len(relevant))
        precision = len(set(hits[:k]) & relevant) / k
        recall = len(set(hits) & relevant) / len(relevant)
        assert matched == number_match, (params, matched)
        rows.append((params, precision, recall, len(hits), hits[:k]))
    return rows


def test_search_quality(store, capsys):
    rows = evaluate(store)
    mean_p = statistics.mean(r[1] for r in rows)
    mean_r = statistics.mean(r[2] for r in rows)
    with capsys.disabled():
        print(f"\nsearch quality on the corpus: {len(rows)} queries")
        print(f"{'query':44s} {'P@10':>5s} {'recall':>6s} {'hits':>5s}")
        for params, p, r, n, _ in rows:
            label = " ".join(f"{k}={v}" for k, v in params.items())
            print(f"{label[:44]:44s} {p:5.2f} {r:6.2f} {n:5d}")
        print(f"{'mean':44s} {mean_p:5.3f} {mean_r:6.3f}   (thresholds: mean P@10 ≥ {MEAN_PRECISION},"
              f" each ≥ {MIN_PRECISION}, mean recall ≥ {MEAN_RECALL})")
    weak = [(r[0], r[1], r[4]) for r in rows if r[1] < MIN_PRECISION]
    assert not weak, weak
    assert mean_p >= MEAN_PRECISION
    assert mean_r >= MEAN_RECALL, [(r[0], r[2]) for r in rows if r[2] < 1]


def test_there_are_at_least_30_queries():
    assert len(CASES) >= 30
    assert len(PHRASE_CASES) >= 20


def test_phrase_queries_rank_the_phrase_first(store, capsys):
    """P@10 and recall of the phrase queries, and what the result says of the phrase:
    ``phrase_total`` counts exactly the documents printing it, which come first."""
    rows = []
    for params, relevant in PHRASE_CASES:
        hits, _ = all_hits(store, params)
        result = search(store, SearchQuery(per_page=100, **params))
        k = min(10, len(relevant))
        rows.append((params, len(set(hits[:k]) & relevant) / k, len(set(hits) & relevant) / len(relevant),
                     len(hits), result))
    mean_p = statistics.mean(r[1] for r in rows)
    with capsys.disabled():
        print(f"\nphrase queries: {len(rows)}")
        print(f"{'query':12s} {'P@10':>5s} {'recall':>6s} {'hits':>5s} {'phrase':>6s}")
        for params, p, r, n, result in rows:
            print(f"{params['q']:12s} {p:5.2f} {r:6.2f} {n:5d} {result.phrase_total:6d}")
        print(f"{'mean':12s} {mean_p:5.3f} {statistics.mean(r[2] for r in rows):6.3f}")
    assert mean_p >= MEAN_PRECISION
    assert all(r[1] >= MIN_PRECISION for r in rows), [(r[0], r[1]) for r in rows]
    assert all(r[2] >= MEAN_RECALL for r in rows), [(r[0], r[2]) for r in rows if r[2] < 1]
    for (params, relevant), (_, _, _, _, result) in zip(PHRASE_CASES, rows):
        assert result.phrases == [params["q"]]
        exact = [hit.id for hit in result.hits if hit.exact_phrase]
        assert [hit.exact_phrase for hit in result.hits] == [True] * len(exact) + [False] * (len(result.hits) - len(exact))
        assert set(exact) == relevant and result.phrase_total == len(relevant) < result.total, params

"""gongbao.search: query syntax, tokens, excerpts, the SQLite index and its consistency,
filters, facets, pages, 文号 lookup, hostile input, and the CLI command."""
from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongbao.errors import QueryError
from gongbao.export import document_records
from gongbao.ingest import ingest_file
from gongbao.pipeline import parse_text
from gongbao.search import SearchQuery, lookup_doc_number, parse_query, search
from gongbao.search import backend as policy
from gongbao.search.excerpt import excerpts, highlight, pattern
from gongbao.search.plan import Conjunction, QueryPlan, Unit, phrase_implies_words, plan
from gongbao.search.query import Term
from gongbao.search.tokenize import Tokenizer, bigram_text, bigrams, normalize
from gongbao.store import open_store
from gongbao.store import postgres_search, sqlite_search
from gongbao.store import sqlite as sqlite_store

from .conftest import BACKENDS


def search_module(store):
    """The module running ``store``'s searches (its limits are monkeypatched below)."""
    return sqlite_search if isinstance(store, sqlite_store.SQLiteStore) else postgres_search

HOSTILE = """平定县人民政府公报
2024年第1期

平定县人民政府文件

平政发〔2024〕9号

平定县人民政府
关于<script>alert(1)</script>“引号”"双引号" AND OR NEAR * 安全检查的通知

各乡（镇）人民政府，县直各有关单位：

　　为做好<script>alert(1)</script>安全检查工作，"NEAR(安全 检查)" OR 安全* -生产 title:^ <img src=x onerror=alert(2)> 现通知如下。

　　一、加强&amp;领导

　　各单位要高度重视。

平定县人民政府

2024年1月5日
"""


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, new_store_url, corpus):
    """The three corpus issues in a store of each backend, plus one hostile document."""
    with open_store(new_store_url(request.param)) as opened:
        for source in sorted(corpus.glob("00*.txt")):
            assert ingest_file(opened, source).status == "added"
        result = parse_text(HOSTILE, "hostile.txt")
        opened.save_parse(result, document_records(result))
        yield opened


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def everything(store, **kwargs) -> list[str]:
    """Ids of every hit, page after page."""
    found, page = [], 1
    while True:
        hits = ids(search(store, SearchQuery(per_page=100, page=page, **kwargs)))
        found += hits
        if len(hits) < 100:
            return found
        page += 1


# -- query syntax (pure) --------------------------------------------------------------


def test_words_are_anded_phrases_exact_minus_excludes_or_joins():
    parsed = parse_query('安全 "重大火灾隐患" -燃气 煤矿 OR 甲醇')
    assert parsed.groups == (
        (Term("安全"),), (Term("重大火灾隐患", exact=True),), (Term("煤矿"), Term("甲醇")),
    )
    assert parsed.excluded == (Term("燃气"),)


@pytest.mark.parametrize("q", ['"', "(", "NEAR(", "*", "-", "OR", "AND", ":", "^", "", "   ", "“", "--", "OR OR", "-OR"])
def test_stray_operators_are_plain_text_or_nothing(q):
    parsed = parse_query(q)
    assert all(t.text.isalnum() for t in parsed.terms)


def test_a_query_over_500_characters_is_the_only_error():
    parse_query("安" * 500)
    with pytest.raises(QueryError) as caught:
        parse_query("安" * 501)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "q", ["盂政发〔2023〕48号", "孟政发(2023)48号", "盂政发 2023 48", "盂政发[2023]48号", "盂政发（2023）第48号", "盂政发〔2023〕48"],
)
def test_a_doc_number_in_any_spelling_is_recognised(q):
    number = parse_query(q).doc_number
    assert number is not None and (number.year, number.serial) == (2023, 48)


def test_a_word_with_punctuation_inside_is_one_exact_string():
    assert parse_query("A7-2 号楼").groups == ((Term("a7-2", exact=True),), (Term("号楼"),))


# -- tokens ----------------------------------------------------------------------------


def test_bigrams_cover_every_substring_and_stop_at_punctuation():
    assert bigrams("安全生产") == ["安全", "全生", "生产"]
    assert bigram_text("安全，生产").split() == ["安全", "全", "生", "生产"]  # 全 and 生 end their runs
    assert bigrams("县") == []
    assert normalize("Ａ７号楼") == "a7号楼"


def test_the_user_dictionary_makes_names_one_word():
    tokenizer = Tokenizer(["盂县人民政府办公室"])
    assert tokenizer.words("盂县人民政府办公室关于") == ["盂县人民政府办公室", "关于"]
    assert Tokenizer().words("盂县人民政府办公室") != ["盂县人民政府办公室"]


def test_unquoted_chinese_is_cut_into_words_single_characters_glued():
    query_plan = plan(parse_query("盂县的煤矿 任丽鹏同志"), Tokenizer())
    texts = [[u.text for u in c] for group in query_plan.groups for c in group]
    assert texts == [["盂县", "煤矿"], ["任丽鹏同志"]]


# -- excerpts ------------------------------------------------------------------------


def test_excerpts_escape_everything_and_mark_matches():
    units = plan(parse_query("script 安全"), Tokenizer()).units
    text = "前言。" * 40 + "<script>alert('x')</script> & \"安全\"" + "。后记" * 40
    [excerpt] = excerpts(text, pattern(units), 60, 3)
    assert "<script>" not in excerpt and "&lt;<mark>script</mark>&gt;" in excerpt
    assert "&quot;<mark>安全</mark>&quot;" in excerpt and "&amp;" in excerpt
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert re.sub(r"</?mark>", "", excerpt).count("<") == 0


def test_excerpts_are_windows_merged_when_they_overlap():
    units = plan(parse_query("消防 安全"), Tokenizer()).units
    text = "消防" + "中" * 300 + "安全" + "后" * 300 + "消防安全"
    found = excerpts(text, pattern(units), 40, 3)
    assert len(found) == 3 and all(e.count("<mark>") >= 1 for e in found)
    assert "<mark>消防安全</mark>" in found[-1]  # touching matches are one mark
    close = excerpts("消防。安全", pattern(units), 40, 3)
    assert close == ["<mark>消防</mark>。<mark>安全</mark>"]


def test_no_match_in_the_body_shows_its_opening():
    units = plan(parse_query("燃气"), Tokenizer()).units
    assert excerpts("正文" * 100, pattern(units), 10, 3) == ["正文正文正文正文正文…"]
    assert highlight("蓝天燃气经销部", pattern(units)) == "蓝天<mark>燃气</mark>经销部"


# -- searching the corpus ----------------------------------------------------------------


def test_two_character_words_are_found(store):
    for word in ("安全", "煤矿", "任免", "燃气"):
        result = search(store, SearchQuery(q=word))
        assert result.total > 0 and all(word in h.title_html or h.excerpts for h in result.hits)


def test_a_substring_the_tokenizer_cut_differently_is_found(store):
    # rjieba cuts 非煤矿山 into 非/煤矿/山 and 消防工作站 into 消防工作/站: bigrams still find them.
    assert "140322/2023/3/45" in everything(store, q="非煤矿山")
    assert {"140322/2023/3/26", "140322/2023/3/27"} <= set(everything(store, q="防工"))


def test_title_matches_rank_above_body_matches(store):
    result = search(store, SearchQuery(q="消防", per_page=100))
    in_title = [("消防" in h.title) for h in result.hits]
    assert in_title == sorted(in_title, reverse=True)


def test_a_real_word_ranks_above_two_characters_inside_another_word(store):
    first, second = ids(search(store, SearchQuery(q="煤矿")))[:2]
    assert first == "140300/2020/3/3"  # 煤矿企业, before 非煤矿山企业
    assert second == "140322/2023/3/45"


def test_exclusion_and_or(store):
    with_gas = set(everything(store, q="燃气"))
    assert not with_gas & set(everything(store, q="安全 -燃气"))
    assert set(everything(store, q="燃气 OR 甲醇")) == with_gas | set(everything(store, q="甲醇"))
    assert set(everything(store, q="-燃气")) == set(everything(store)) - with_gas


def test_operators_of_the_index_are_plain_text(store):
    for q in ['"', "(", "NEAR(", "*", "-", "OR", "AND", ":", "^", "NEAR(安全 检查)", "安全*", "title:^", '"安全', "安全)"]:
        result = search(store, SearchQuery(q=q))
        assert result.total >= 0


def test_an_empty_query_browses_newest_first(store):
    result = search(store, SearchQuery(per_page=100))
    assert result.total == store.stats()["documents"]
    keys = [(h.date or h.published or "") for h in result.hits]
    assert keys == sorted(keys, reverse=True)


def test_pages_split_the_result_and_the_total_holds(store):
    full = everything(store, q="安全")
    total = search(store, SearchQuery(q="安全")).total
    pages = [ids(search(store, SearchQuery(q="安全", page=p, per_page=7))) for p in range(1, 10)]
    assert total == len(full) and sum(pages, []) == full
    assert search(store, SearchQuery(q="安全", page=999)).hits == []


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_by_date(store, sort):
    hits = search(store, SearchQuery(q="安全", sort=sort, per_page=100)).hits
    keys = [h.date or "" for h in hits]
    assert keys == sorted(keys, reverse=sort == "newest")


def test_filters(store):
    def docs(**kwargs):
        return [store.get_document(i) for i in everything(store, **kwargs)]

    assert {d["gazette"]["region_code"] for d in docs(q="安全", region="盂县")} == {"140322"}
    assert {d["gazette"]["region_code"] for d in docs(q="安全", region="140300")} == {"140300"}
    assert {d["gazette"]["region_code"] for d in docs(q="安全", region="阳泉")} == {"140300"}
    assert {d["doc_type"] for d in docs(doc_type="批复")} == {"批复"}
    assert {d["parent_seq"] is not None for d in docs(q="消防", level="carried")} == {True}
    assert {d["section"] for d in docs(section="人事任免")} == {"人事任免"}
    assert {d["issuer"] for d in docs(issuer="阳泉市人民政府")} == {"阳泉市人民政府"}
    assert {issuer_of(store, d) for d in docs(issuer="人民政府办公室")} == {"盂县人民政府办公室", "阳泉市人民政府办公室"}
    assert {d["agency_code"] for d in docs(agency_code="盂政发")} == {"盂政发"}
    assert all(d["date"].startswith("2023-08") for d in docs(q="通知", date_from="2023-08", date_to="2023-08") if d["date"])
    assert {d["gazette"]["published"] for d in docs(published_from="2024-01-01")} == {"2024-07-04"}
    assert set(everything(store, gazette="140300/2020/3")) == {f"140300/2020/3/{n}" for n in range(1, 44)}
    assert everything(store, region="北京市") == []


def issuer_of(store, record: dict) -> str:
    """A document's issuer as a reader reads it: its own, else its carrying notice's."""
    while not record["issuer"] and record["parent_seq"]:
        record = store.get_document(record["id"].rsplit("/", 1)[0] + f"/{record['parent_seq']}")
    return record["issuer"]


def test_a_region_name_is_looked_up_in_the_index_of_issue_regions(store):
    """region=盂县 (a name) finds the stored issues' codes through ``gazettes_region`` (SQLite
    migration 0008), reading the index alone: not every issue row, whose count grows with the store."""
    if search_module(store) is not sqlite_search:
        pytest.skip("SQLite's query plans")
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    try:
        assert search(store, SearchQuery(region="盂县")).total == search(store, SearchQuery(region="140322")).total > 0
    finally:
        store._db.set_trace_callback(None)
    [lookup] = [s for s in statements if "FROM gazettes WHERE region =" in s]
    steps = " ".join(row[3] for row in store._db.execute(f"EXPLAIN QUERY PLAN {lookup}"))
    assert "COVERING INDEX gazettes_region" in steps, steps


def test_carried_documents_take_their_notices_issuer_and_date(store):
    """A 方案 carried by a 印发 notice has no issuer or date of its own (its record keeps
    null): facets, filters, sorting and hits use the notice's, flagged as inherited."""
    result = search(store, SearchQuery(q="安全生产", per_page=100))
    assert sum(count for _, count in result.facets["issuer"]) == result.total
    carried = [hit for hit in result.hits if hit.parent_id]
    assert carried and all(hit.issuer_inherited and hit.date_inherited for hit in carried)
    for hit in carried:
        record, notice = store.get_document(hit.id), store.get_document(hit.parent_id)
        assert record["issuer"] is None and record["date"] is None  # SCHEMA.md: the record keeps null
        assert (hit.issuer, hit.date) == (notice["issuer"], notice["date"])
    assert not any(hit.issuer_inherited or hit.date_inherited for hit in result.hits if not hit.parent_id)
    # filters and sorting: a carried document is found by its notice's issuer and date
    notice = store.get_document(carried[0].parent_id)
    by_issuer = everything(store, q="安全生产", issuer=notice["issuer"])
    by_day = everything(store, date_from=notice["date"], date_to=notice["date"])
    assert carried[0].id in by_issuer and carried[0].id in by_day
    newest = search(store, SearchQuery(q="安全生产", sort="newest", per_page=100)).hits
    for exact in (True, False):  # the phrase first, each part newest first
        dates = [hit.date for hit in newest if hit.exact_phrase is exact]
        assert None not in dates and dates == sorted(dates, reverse=True)


def test_year_falls_back_to_the_notice_of_a_carried_document(store):
    carried = everything(store, year=2020, level="carried")
    assert carried and all(i.startswith("140300/2020/3/") for i in carried)


def test_facets_drill_down_with_the_other_filters(store):
    both = search(store, SearchQuery(q="安全", region="140322", doc_type="方案"))
    assert both.total == sum(1 for _ in everything(store, q="安全", region="140322", doc_type="方案"))
    regions = dict(both.facets["region"])  # region counted without the region filter
    assert regions == {
        code: search(store, SearchQuery(q="安全", region=code, doc_type="方案")).total for code in regions
    }
    doc_types = dict(both.facets["doc_type"])  # 文种 counted without the 文种 filter
    assert doc_types["方案"] == both.total and len(doc_types) > 1
    years = dict(both.facets["year"])  # unfiltered keys: the result itself
    assert sum(years.values()) == both.total
    assert set(both.facets) == {"region", "issuer", "agency_code", "doc_type", "year", "gazette", "section", "level"}
    assert not both.facets_estimated


def test_facets_list_at_most_20_values_most_frequent_first(store):
    facets = search(store, SearchQuery()).facets
    for values in facets.values():
        assert len(values) <= 20
        assert [n for _, n in values] == sorted((n for _, n in values), reverse=True)


@pytest.mark.parametrize(
    "q", ["盂政发〔2023〕48号", "孟政发(2023)48号", "盂政发 2023 48", "盂政发[2023]48号", "盂政发（2023）48号"],
)
def test_a_doc_number_query_pins_its_document_first(store, q):
    result = search(store, SearchQuery(q=q))
    assert result.doc_number_match == "140322/2023/3/1" == result.hits[0].id


def test_lookup_doc_number_spellings_misprints_and_one_character_away(store):
    assert lookup_doc_number(store, "盂政办发〔2023〕43号") == ["140322/2023/3/8"]
    assert lookup_doc_number(store, "孟政办发（2023）43号") == ["140322/2023/3/8"]  # gazetteer misprint 孟 → 盂
    assert lookup_doc_number(store, "盂政か发 2023 43") == []  # not a 文号 at all
    assert lookup_doc_number(store, "盂政亦发〔2023〕43号") == ["140322/2023/3/8"]  # one character off
    assert lookup_doc_number(store, "盂政办发〔2023〕999号") == []
    assert lookup_doc_number(store, "安全") == []


def test_the_same_doc_number_in_two_documents_pins_both(tmp_path):
    with open_store(tmp_path / "twice.db") as twice:
        for issue in (1, 2):
            result = parse_text(HOSTILE.replace("第1期", f"第{issue}期"), f"h{issue}.txt")
            twice.save_parse(result, document_records(result))
        result = search(twice, SearchQuery(q="平政发〔2024〕9号"))
        assert result.total == 2 and set(ids(result)) == set(lookup_doc_number(twice, "平政发〔2024〕9号"))


# -- hostile text ------------------------------------------------------------------------


def test_a_document_full_of_markup_and_operators_is_found_and_shown_inert(store):
    for q in ("script", "alert", '"NEAR(安全 检查)"', "onerror"):
        result = search(store, SearchQuery(q=q))
        assert result.total == 1, q
        hit = result.hits[0]
        shown = hit.title_html + "".join(hit.excerpts)
        assert "<script>" not in shown and "<img" not in shown
        assert re.sub(r"</?mark>", "", shown).count("<") == 0
    hit = search(store, SearchQuery(q="script")).hits[0]
    assert "&lt;<mark>script</mark>&gt;" in "".join(hit.excerpts)
    assert "&lt;<mark>script</mark>&gt;" in hit.title_html


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(max_size=60) | st.sampled_from(['"', "NEAR(", "a OR", "-", "安全*", "盂政发〔2023〕48号", "孟政发(2023)48"]),
    region=st.none() | st.text(max_size=8) | st.sampled_from(["盂县", "140300", "阳泉"]),
    issuer=st.none() | st.text(max_size=8),
    doc_type=st.none() | st.text(max_size=4) | st.just("批复"),
    year=st.none() | st.integers(-10**12, 10**12),
    date_from=st.none() | st.text(max_size=12) | st.just("2023-07"),
    level=st.none() | st.text(max_size=8) | st.sampled_from(["top", "carried"]),
    sort=st.sampled_from(["relevance", "newest", "oldest", "best"]),
    page=st.integers(-5, 10**9),
    per_page=st.integers(-5, 10**6),
    excerpt_size=st.integers(-5, 10**6),
)
def test_any_query_returns_a_result_or_a_query_error(store, q, region, issuer, doc_type, year, date_from, level, sort,
                                                      page, per_page, excerpt_size):
    query = SearchQuery(q=q, region=region, issuer=issuer, doc_type=doc_type, year=year, date_from=date_from,
                        level=level, sort=sort, page=page, per_page=per_page, excerpt_size=excerpt_size)
    try:
        result = search(store, query)
    except QueryError:
        return
    assert 0 <= len(result.hits) <= 100 and result.total >= len(result.hits)
    for hit in result.hits:
        assert "<script" not in hit.title_html + "".join(hit.excerpts)


def test_surrogates_and_nul_are_plain_text(store):
    assert search(store, SearchQuery(q="关于\ud800的\x00通知", issuer="\udfff")).total == 0
    assert search(store, SearchQuery(q="\x00")).total == store.stats()["documents"]


@pytest.mark.parametrize(
    "change", [{"level": "middle"}, {"sort": "best"}, {"date_from": "soon"}, {"year": 12}, {"page": "two"}, {"q": "x" * 501}],
)
def test_impossible_values_are_query_errors(store, change):
    with pytest.raises(QueryError):
        search(store, SearchQuery(**change))


# -- the index stays in step with the documents --------------------------------------------


def _index_rows(path: Path) -> tuple[int, int]:
    with closing(sqlite3.connect(path)) as db:
        return (db.execute("SELECT count(*) FROM search_docs").fetchone()[0],
                db.execute("SELECT count(*) FROM documents").fetchone()[0])


def _integrity(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 0)")


def test_replace_reparse_and_rebuild_keep_the_index_in_step(tmp_path, corpus):
    path = tmp_path / "replace.db"
    source = next(iter(sorted(corpus.glob("00*.txt"))))
    with open_store(path) as s:
        assert ingest_file(s, source).status == "added"
        before = everything(s, q="燃气")
        text = source.read_text(encoding="utf-8").replace("蓝天燃气经销部", "蓝天天然气站")
        result = parse_text(text, source.name)  # same gazette id, another sha256: replaces
        assert s.save_parse(result, document_records(result)).status == "replaced"
        assert everything(s, q='"蓝天燃气经销部"') == [] and everything(s, q="蓝天天然气站") == ["140322/2023/3/5"]
        assert _index_rows(path)[0] == _index_rows(path)[1]
        _integrity(path)
        for outcome in __import__("gongbao.ingest", fromlist=["reparse_all"]).reparse_all(s):
            assert outcome.status in ("unchanged", "replaced")
        assert everything(s, q="蓝天天然气站") == ["140322/2023/3/5"] and set(before) - {"140322/2023/3/5"} <= set(everything(s, q="燃气"))
        assert s.rebuild_search_index() == s.stats()["documents"]
        assert everything(s, q="蓝天天然气站") == ["140322/2023/3/5"]
        _integrity(path)


def test_a_failed_save_leaves_no_index_rows(tmp_path, corpus, monkeypatch):
    path = tmp_path / "failed.db"
    with open_store(path) as s:
        def boom(*args, **kwargs):
            raise sqlite3.OperationalError("disk on fire")

        monkeypatch.setattr(s._search, "insert", boom)
        outcome = ingest_file(s, sorted(corpus.glob("00*.txt"))[0])
        assert outcome.status == "error"
        assert _index_rows(path) == (0, 0) and s.stats()["gazettes"] == 0


def test_a_store_from_before_search_is_indexed_when_opened(tmp_path, corpus):
    """A schema-1 store (documents, no search tables) gets migrated and indexed."""
    full = tmp_path / "full.db"
    with open_store(full) as s:
        ingest_file(s, sorted(corpus.glob("00*.txt"))[1])
    old = tmp_path / "old.db"
    with closing(sqlite3.connect(old)) as db:
        [first] = [m for m in sqlite_store.load_migrations() if m.version == 1]
        for statement in sqlite_store._statements(first.sql):
            db.execute(statement)
        db.execute("INSERT INTO schema_version VALUES (1, 'initial', '2024-01-01')")
        db.execute("ATTACH DATABASE ? AS full", (str(full),))
        for table in ("gazettes", "sources", "documents", "toc_entries", "repairs", "unplaced", "warnings"):
            db.execute(f"INSERT INTO {table} SELECT * FROM full.{table}")
        db.commit()
    with open_store(old) as s:
        assert s.schema_version >= 2
        assert everything(s, q='"全域旅游"')[:2] == ["140322/2024/2/3", "140322/2024/2/4"]
        assert _index_rows(old)[0] == _index_rows(old)[1] == 23


# -- CLI -----------------------------------------------------------------------------------


def test_cli_search_prints_hits_and_facets_or_json(store):
    from typer.testing import CliRunner

    from gongbao.cli import app

    runner = CliRunner()
    shown = runner.invoke(app, ["search", "燃气", "--db", store.path, "--limit", "3"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "140322/2023/3/5" in shown.output and "文种：" in shown.output and "<mark>" not in shown.output
    as_json = runner.invoke(app, ["search", "孟政发(2023)48号", "--db", store.path, "--json"])
    data = json.loads(as_json.output)
    assert data["doc_number_match"] == "140322/2023/3/1" and data["hits"][0]["id"] == "140322/2023/3/1"
    assert set(data) == {f.name for f in dataclasses.fields(type(search(store, SearchQuery())))}
    bad = runner.invoke(app, ["search", "x", "--level", "middle", "--db", store.path])
    assert bad.exit_code == 2 and "level must be one of" in bad.output


def test_beyond_rank_limit_title_matches_come_first_and_pages_hold(store, monkeypatch):
    """More matches than RANK_LIMIT: the newest RANK_LIMIT matches with the word in their
    title first, then all the others newest first; every match exactly once across pages."""
    full = set(everything(store, q="安全"))
    monkeypatch.setattr(search_module(store), "RANK_LIMIT", 7)
    pages = [search(store, SearchQuery(q="安全", page=p, per_page=5)).hits for p in range(1, 20)]
    flat = [h.id for page in pages for h in page]
    assert len(flat) == len(set(flat)) == len(full) and set(flat) == full
    in_title = ["安全" in h.title for page in pages for h in page]
    leading = in_title.index(False)
    assert leading >= 1 and all(in_title[:leading])
    rest = flat[leading:]  # the others, most recently stored first
    assert len(rest) == len(full) - leading
    pinned = search(store, SearchQuery(q="盂政发〔2023〕48号"))
    assert pinned.hits[0].id == "140322/2023/3/1"


def test_newest_first_through_the_date_index(store, monkeypatch):
    newest = everything(store, q="安全", sort="newest")
    oldest = everything(store, q="安全", sort="oldest", date_from="2023")
    monkeypatch.setattr(search_module(store), "DATE_INDEX_MIN", 1, raising=False)  # SQLite's strategy
    assert everything(store, q="安全", sort="newest") == newest
    assert everything(store, q="安全", sort="oldest", date_from="2023") == oldest


def test_facets_of_a_large_result_are_estimated_from_a_sample(store, monkeypatch):
    exact = search(store, SearchQuery(q="通知"))
    monkeypatch.setattr(search_module(store), "FACET_EXACT_MAX", 20)
    sampled = search(store, SearchQuery(q="通知"))
    assert sampled.facets_estimated and not exact.facets_estimated
    assert sampled.total == exact.total  # the total is always exact
    estimate = dict(sampled.facets["region"])
    truth = dict(exact.facets["region"])
    assert set(estimate) <= set(truth)
    assert abs(sum(estimate.values()) - exact.total) <= exact.total * 0.1


def test_in_force_on_keeps_only_documents_whose_validity_says_so(store):
    """The 办法 of 000 (施行 2023-09-01, 有效期两年) is in force in 2024, not before nor after."""
    from gongbao.search import SearchQuery, search

    def ids(day):
        return {h.id for h in search(store, SearchQuery(q="", in_force_on=day, per_page=100)).hits}

    assert "140322/2023/3/20" in ids("2024-01-01")
    assert "140322/2023/3/20" not in ids("2023-08-01")
    assert "140322/2023/3/20" not in ids("2026-01-01")
    with pytest.raises(QueryError):
        search(store, SearchQuery(q="", in_force_on="2024-02-30"))


@pytest.mark.parametrize("q", ['"实施方案"', '"人民政府" -"安全生产"', '"实施方案" OR 地质灾害', "人民政府 -煤矿"])
def test_phrase_candidates_beyond_the_check_limit_give_an_estimated_total_and_checked_hits(store, q, monkeypatch):
    """PostgreSQL checks a phrase's text for at most VERIFY_MAX index candidates up front;
    past that the total counts the candidates (flagged), and only the hits shown are checked."""
    if search_module(store) is not postgres_search:
        pytest.skip("SQLite's index matches phrases exactly")
    exact = search(store, SearchQuery(q=q, per_page=100))
    assert 30 < exact.total < 100
    monkeypatch.setattr(postgres_search, "VERIFY_MAX", 0)
    first = search(store, SearchQuery(q=q, per_page=2))
    assert not exact.total_estimated and first.total_estimated
    assert first.total >= exact.total
    for per_page in (2, 7):  # page by page, the same documents in the same order
        pages = [search(store, SearchQuery(q=q, per_page=per_page, page=p)).hits
                 for p in range(1, exact.total // per_page + 2)]
        assert [h.id for page in pages for h in page] == [h.id for h in exact.hits]


def test_candidates_that_only_share_bigrams_are_not_hits(store, monkeypatch):
    """Documents with 安全 and 全县 but not 安全县 are candidates for "安全县", never hits;
    when paging has checked every candidate, the total is exact again."""
    if search_module(store) is not postgres_search:
        pytest.skip("SQLite's index matches phrases exactly")
    q = '"安全县"'
    candidates = search(store, SearchQuery(q="安全 全县")).total
    exact = search(store, SearchQuery(q=q))
    monkeypatch.setattr(postgres_search, "VERIFY_MAX", 0)
    checked = search(store, SearchQuery(q=q))  # 20 a page: every candidate is looked at
    assert candidates > exact.total + 5
    assert [h.id for h in checked.hits] == [h.id for h in exact.hits]
    assert checked.total == exact.total and not checked.total_estimated
    assert checked.facets == exact.facets


# -- PostgreSQL at scale: sampled totals, words tested row by row, the newest window ----------


def _pg_only(store):
    if search_module(store) is not postgres_search:
        pytest.skip("PostgreSQL's strategies for a million documents")


@pytest.mark.parametrize("params", [
    {"q": "安全", "doc_type": "通知"}, {"q": "安全 -生产", "year": 2023}, {"q": '"实施方案"', "level": "carried"},
    {"q": "任免", "region": "盂县"}, {"q": "消防 OR 燃气", "section": "人事任免"}, {"q": "煤矿", "sort": "newest", "year": 2024},
])
def test_words_tested_row_by_row_on_few_filtered_rows_find_what_the_index_finds(store, monkeypatch, params):
    _pg_only(store)
    monkeypatch.setattr(postgres_search, "PER_ROW_MAX", 0)
    by_index = search(store, SearchQuery(per_page=100, **params))
    monkeypatch.setattr(postgres_search, "PER_ROW_MAX", 10**9)
    monkeypatch.setattr(postgres_search, "PER_ROW_SHARE", 1)
    row_by_row = search(store, SearchQuery(per_page=100, **params))
    assert [h.id for h in row_by_row.hits] == [h.id for h in by_index.hits]
    assert (row_by_row.total, row_by_row.facets) == (by_index.total, by_index.facets)


def test_beyond_rank_limit_both_backends_give_the_same_order(new_store_url, corpus, monkeypatch):
    """Those of the newest RANK_LIMIT matches with the words in the title, then the others
    newest first: PostgreSQL (reading a window of the newest documents when matches are
    dense) pages through 安全 exactly as SQLite does."""
    orders = []
    for backend, module in (("sqlite", sqlite_search), ("postgresql", postgres_search)):
        monkeypatch.setattr(module, "RANK_LIMIT", 7)
        with open_store(new_store_url(backend)) as opened:
            for source in sorted(corpus.glob("00*.txt")):
                assert ingest_file(opened, source).status == "added"
            orders.append([[h.id for h in search(opened, SearchQuery(q=q, page=p, per_page=5)).hits]
                           for q in ("安全", "通知", "人民政府 -安全", "安全生产") for p in range(1, 12)])
    assert orders[0] == orders[1]
    assert sum(map(len, orders[0])) > 60


@pytest.mark.parametrize("params", [
    {"q": "安全"}, {"q": "通知", "doc_type": "通知"}, {"q": "人民政府 -安全"}, {"q": "盂政发〔2023〕48号"},
    {"q": "安全", "sort": "newest"}, {"q": "任免", "region": "盂县"}, {"q": "安全生产"}, {"q": "安全生产", "sort": "oldest"},
    {"q": "安全生产 -燃气", "region": "盂县"}, {"q": "安全生产", "doc_type": "通知", "sort": "newest"},
])
def test_matches_counted_after_a_first_sample_are_read_back_by_key(store, monkeypatch, params):
    """A large store first counts matches on a sample; when they are few enough to count, they
    are kept (newest first) and the order, facets and pages come from them by key: the same
    answers as reading them through the index."""
    _pg_only(store)
    monkeypatch.setattr(postgres_search, "RANK_LIMIT", 7)
    through_index = [search(store, SearchQuery(page=p, per_page=6, **params)) for p in (1, 2, 3)]
    looked_up = []
    listed = postgres_search._listed
    monkeypatch.setattr(postgres_search, "_listed", lambda sids: looked_up.append(sids) or listed(sids))
    monkeypatch.setattr(policy, "PROBE_ROWS", 8)  # a first sample of ~8 of the ~100 documents
    monkeypatch.setattr(policy, "TOTAL_EXACT_MAX", store.stats()["documents"] - 1)  # "a large store"
    by_key = [search(store, SearchQuery(page=p, per_page=6, **params)) for p in (1, 2, 3)]
    assert looked_up
    for index, key in zip(through_index, by_key):
        assert [(h.id, h.exact_phrase) for h in key.hits] == [(h.id, h.exact_phrase) for h in index.hits]
        assert (key.total, key.facets, key.total_estimated) == (index.total, index.facets, False)
        assert key.phrase_total == index.phrase_total


@pytest.mark.parametrize("params", [
    {"q": "政府 -安全"}, {"q": "安全生产 -燃气", "region": "盂县"}, {"q": "通知 -安全 -消防"},
    {"q": "安全 -生产", "year": 2023}, {"q": "方案 -煤矿 -安全生产"}, {"q": "任免 OR 安全 -消防", "sort": "newest"},
])
def test_excluded_words_read_once_by_the_index_give_the_same_answers(store, monkeypatch, params):
    """Where the matches are read one by one (a large store, counted after a first sample),
    the rows of excluded words may be found once by the index and left out (an anti-join)
    rather than tested on each match: the same pages, totals and facets either way."""
    _pg_only(store)
    monkeypatch.setattr(postgres_search, "RANK_LIMIT", 7)
    monkeypatch.setattr(policy, "PROBE_ROWS", 8)
    monkeypatch.setattr(policy, "TOTAL_EXACT_MAX", store.stats()["documents"] - 1)
    answers, joined = {}, []
    choose = postgres_search.PgBackend._anti_joined

    def spied(backend, parts, matches):
        where = choose(backend, parts, matches)
        joined.append(where is not None and "NOT IN (SELECT x.sid" in where.sql)
        return where

    monkeypatch.setattr(postgres_search.PgBackend, "_anti_joined", spied)
    for ratio in (-1, 10**9):  # never, always
        monkeypatch.setattr(postgres_search, "ANTI_JOIN_RATIO", ratio)
        joined.clear()
        answers[ratio] = [search(store, SearchQuery(page=p, per_page=6, **params)) for p in (1, 2, 3)]
        assert any(joined) == (ratio > 0)
    for never, always in zip(answers[-1], answers[10**9]):
        assert [(h.id, h.exact_phrase) for h in always.hits] == [(h.id, h.exact_phrase) for h in never.hits]
        assert (always.total, always.facets, always.phrase_total) == (never.total, never.facets, never.phrase_total)
    assert answers[-1][0].total


@pytest.mark.parametrize("params", [
    {"q": "盂政发〔2023〕48号"}, {"q": "盂政办发[2024]23号"}, {"q": "安全", "region": "盂县"}, {"q": "任免", "year": 2024},
    {"q": "安全生产 -燃气"}, {"q": '"安全生产"', "doc_type": "通知"},
])
def test_a_small_result_listed_once_gives_the_facets_and_the_doc_number_match_of_the_index(store, monkeypatch, params):
    """SQLite, a store sampled first: a result the sample puts at LIST_MAX or fewer is listed
    once, and its facets and its pinned 文号 match come from the list: the same answers as
    running its MATCH for each."""
    if search_module(store) is not sqlite_search:
        pytest.skip("SQLite's listed result set")
    monkeypatch.setattr(policy, "PROBE_ROWS", 8)
    monkeypatch.setattr(policy, "TOTAL_EXACT_MAX", store.stats()["documents"] - 1)
    listed = []
    size = sqlite_search.SQLiteBackend._size

    def spied(backend, *args, **kwargs):
        found = size(backend, *args, **kwargs)
        listed.append(backend.listed is not None)
        return found

    monkeypatch.setattr(sqlite_search.SQLiteBackend, "_size", spied)
    answers = {}
    for list_max in (-1, 10**9):  # never, always
        monkeypatch.setattr(sqlite_search, "LIST_MAX", list_max)
        listed.clear()
        answers[list_max] = [search(store, SearchQuery(page=p, per_page=4, **params)) for p in (1, 2)]
        assert any(listed) == (list_max > 0)
    for counted, from_list in zip(answers[-1], answers[10**9]):
        assert [(h.id, h.score) for h in from_list.hits] == [(h.id, h.score) for h in counted.hits]
        assert (from_list.total, from_list.facets, from_list.phrase_total, from_list.doc_number_match) == \
            (counted.total, counted.facets, counted.phrase_total, counted.doc_number_match)
    assert answers[-1][0].total


@pytest.mark.parametrize("params", [
    {"doc_type": "通知", "sort": "newest"}, {"region": "盂县", "sort": "oldest"}, {"year": 2023, "sort": "newest"},
    {"section": "人事任免", "sort": "oldest"}, {"date_from": "2023-03", "date_to": "2024-09", "sort": "newest"},
    {"level": "carried", "doc_type": "方案", "sort": "oldest"},
])
def test_a_large_browse_walks_its_filters_in_date_order_as_the_listed_documents_sort(store, monkeypatch, params):
    """A browse counted one by one (a large store) is put in date order by its filters' index
    past DATE_WALK_MIN documents, by its listed documents below: the same pages."""
    _pg_only(store)
    monkeypatch.setattr(policy, "PROBE_ROWS", 8)
    monkeypatch.setattr(policy, "TOTAL_EXACT_MAX", store.stats()["documents"] - 1)
    walked = []
    plan_all = postgres_search.PgBackend._all
    monkeypatch.setattr(postgres_search.PgBackend, "_all",
                        lambda backend, parts: walked.append(parts is backend.filters) or plan_all(backend, parts))
    pages = {}
    for walk_min in (10**9, 0):
        monkeypatch.setattr(postgres_search, "DATE_WALK_MIN", walk_min)
        walked.clear()
        pages[walk_min] = [search(store, SearchQuery(page=p, per_page=6, **params)) for p in (1, 2, 3)]
        assert any(walked) == (walk_min == 0)
    assert [ids(r) for r in pages[0]] == [ids(r) for r in pages[10**9]]
    assert [r.total for r in pages[0]] == [r.total for r in pages[10**9]]
    assert pages[0][0].total > 6


def test_the_window_of_the_newest_matches_is_read_through_bitmaps_and_the_setting_put_back(store, monkeypatch):
    """PgBackend._newest reads its window of the newest sids through bitmaps (at 100k
    documents the AND of the word's GIN rows and the sid range), never walking the primary key
    testing each row's bigram vector; it leaves the transaction's planner settings as they
    were, and the pages are those of a full pass."""
    _pg_only(store)
    windows = []
    by_bitmaps = postgres_search.PgBackend._by_bitmaps

    def spied(backend, sql, params):
        steps = " ".join(row["QUERY PLAN"] for row in by_bitmaps(backend, f"EXPLAIN {sql}", params))
        [during] = by_bitmaps(backend, "SELECT current_setting('enable_indexscan') AS now", ())
        after = backend.conn.execute("SELECT current_setting('enable_indexscan') AS now").fetchone()
        windows.append((steps, during["now"], after["now"]))
        return by_bitmaps(backend, sql, params)

    monkeypatch.setattr(postgres_search, "RANK_LIMIT", 7)
    full_pass = [ids(search(store, SearchQuery(q="安全", page=p, per_page=5))) for p in (1, 2, 3)]
    monkeypatch.setattr(postgres_search.PgBackend, "_by_bitmaps", spied)
    assert [ids(search(store, SearchQuery(q="安全", page=p, per_page=5))) for p in (1, 2, 3)] == full_pass
    assert windows
    for steps, during, after in windows:
        assert "Bitmap Heap Scan on search_docs" in steps and "Index Scan using" not in steps, steps
        assert (during, after) == ("off", "on")


def test_an_excluded_word_is_read_by_the_index_only_when_fewer_rows_than_the_matches():
    """The rule of PgBackend._anti_joined, on the planner's estimate of the excluded rows."""
    def backend_planning(rows: dict[str, float]) -> postgres_search.PgBackend:
        backend = postgres_search.PgBackend(None, None, None)
        backend.match = postgres_search._Where("d.grams @@ %s::tsquery", ("'安全'",), words=True)
        backend.anti_joined = (postgres_search._Where("anti"), postgres_search._Where("words"),
                               postgres_search._Where("excluded"))
        backend._all = lambda parts: parts[0]
        backend._planned_rows = lambda where: planned.append(where.sql) or rows[where.sql]
        return backend

    # (rows of the excluded words, of the words, matches seen by the sample, anti-join?)
    for excluded, words, matches, anti in ((8_000, 10, 1_000, True), (8_001, 10, 1_000, False),
                                           (8_001, 1_001, 10, True), (160_000, 10, 20_000, True),
                                           (10, 0, 0, False)):
        planned: list[str] = []
        backend = backend_planning({"excluded": excluded, "words": words})
        for _ in range(3):  # each count of one search: the planner asked once
            assert (backend._anti_joined([backend.match], matches) is not None) == anti, (excluded, words, matches)
        assert sorted(planned) == ["excluded", "words"]
    assert backend._anti_joined([postgres_search._Where("other")], 1_000) is None


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("rank_limit", [None, 7])
def test_a_term_cut_into_words_matches_as_a_phrase_first_on_every_page(store, monkeypatch, sort, rank_limit):
    """安全生产 (cut 安全 / 生产): the documents printing it first, then those holding both
    words apart; pages cut across the two parts without losing or repeating a document,
    whether the matches are ranked by BM25 or (beyond RANK_LIMIT) by title and age."""
    if rank_limit:
        monkeypatch.setattr(search_module(store), "RANK_LIMIT", rank_limit)
    whole = search(store, SearchQuery(q="安全生产", sort=sort, per_page=100, excerpt_size=0))
    assert whole.phrases == ["安全生产"] and 0 < whole.phrase_total < whole.total == len(whole.hits)
    flags = [hit.exact_phrase for hit in whole.hits]
    assert flags == [True] * whole.phrase_total + [False] * (whole.total - whole.phrase_total)
    for hit in whole.hits:
        text = normalize(hit.title + "".join(p["text"] for p in store.get_document(hit.id)["paragraphs"]))
        assert ("安全生产" in re.sub(r"\s", "", text)) is hit.exact_phrase, hit.id
    paged = [hit for page in range(1, 9)
             for hit in search(store, SearchQuery(q="安全生产", sort=sort, per_page=4, page=page, excerpt_size=0)).hits]
    assert [(h.id, h.exact_phrase) for h in paged] == [(h.id, h.exact_phrase) for h in whole.hits]
    for hit in search(store, SearchQuery(q="安全生产", sort=sort, per_page=100)).hits:
        marked = {re.sub(r"\s", "", m) for m in re.findall(r"<mark>(.*?)</mark>", hit.title_html + "".join(hit.excerpts))}
        # a hit printing the phrase marks the phrase; one holding the words apart, the words
        # (touching marks join: 生产 + 安全 is one mark)
        if hit.exact_phrase:
            assert marked == {"安全生产"}, (hit.id, marked)
        else:
            assert marked and all(re.fullmatch("(安全|生产)+", m) for m in marked), (hit.id, marked)
    without = search(store, SearchQuery(q="安全生产 -燃气 -消防", sort=sort, per_page=100, excerpt_size=0))
    assert 0 < without.phrase_total == sum(h.exact_phrase for h in without.hits) < whole.phrase_total
    assert {h.id for h in without.hits} < {h.id for h in whole.hits}
    quoted = search(store, SearchQuery(q='"安全生产"', per_page=100))  # quoted: the phrase only
    assert quoted.phrases == [] and quoted.phrase_total is None
    assert {h.id for h in quoted.hits} == {h.id for h in whole.hits if h.exact_phrase}


def test_a_term_in_one_piece_implies_its_words_only_when_their_bigrams_run_inside_it():
    """``phrase_implies_words``: 安全生产 holds 安全 and 生产; a word whose bigrams are not
    a run of the term's own (or a term of one bigram) is not implied."""
    tokenizer = Tokenizer()
    assert phrase_implies_words(plan(parse_query("安全生产 盂县的煤矿 电梯"), tokenizer))
    assert phrase_implies_words(plan(parse_query('"安全生产" 安全 OR 消防'), tokenizer))
    whole = Unit("甲乙丙丁", ("甲乙丙丁",), ("甲乙", "乙丙", "丙丁"))
    inside, apart = Unit("乙丙丁", ("乙丙丁",), ("乙丙", "丙丁")), Unit("甲丙", ("甲丙",), ("甲丙",))
    assert phrase_implies_words(QueryPlan(((Conjunction((inside, Unit("甲乙", ("甲乙",), ("甲乙",))), whole),),), ()))
    assert not phrase_implies_words(QueryPlan(((Conjunction((inside, apart), whole),),), ()))
    assert not phrase_implies_words(QueryPlan(((Conjunction((inside,), Unit("甲乙", ("甲乙",), ("甲乙",))),),), ()))
    assert not phrase_implies_words(QueryPlan(((Conjunction((inside, Unit("戊", ("戊",), ())), whole),),), ()))


@pytest.mark.parametrize("rank_limit", [None, 3])
def test_the_phrase_alone_finds_the_part_in_one_piece_as_words_and_phrase_do(store, monkeypatch, rank_limit):
    """SQLite counts and pages the matches holding a cut term in one piece by its phrase alone
    when that implies the words (one phrase for FTS5 to check, not two): the same totals,
    pages, flags and scores as with both."""
    if search_module(store) is not sqlite_search:
        pytest.skip("SQLite's MATCH expressions")
    if rank_limit:
        monkeypatch.setattr(sqlite_search, "RANK_LIMIT", rank_limit)
    queries = [
        {"q": "安全生产"}, {"q": "安全生产", "sort": "newest"}, {"q": "安全生产 -燃气", "region": "盂县"},
        {"q": "安全生产 OR 消防工作", "sort": "oldest"}, {"q": "人民政府 安全生产", "doc_type": "通知"},
        {"q": "各有关单位 -安全", "per_page": 3, "page": 2}, {"q": "应急管理局", "sort": "newest"},
        {"q": "煤矿通知"},  # never in one piece: an empty part
    ]

    def answers():
        out = []
        for params in queries:
            result = search(store, SearchQuery(**{"per_page": 7, **params}))
            out.append((result.total, result.phrase_total, result.facets,
                         [(h.id, h.score, h.exact_phrase) for h in result.hits]))
        return out

    shortened = []
    expression_of = sqlite_search.SQLiteBackend._expression_of

    def spy(self, part, **kwargs):
        found = expression_of(self, part, **kwargs)
        shortened.append(found == self.one_piece is not None)
        return found

    monkeypatch.setattr(sqlite_search.SQLiteBackend, "_expression_of", spy)
    alone = answers()
    assert any(shortened)
    monkeypatch.setattr(sqlite_search, "phrase_implies_words", lambda query_plan: False)
    assert alone == answers()
    assert all(phrase_total is not None for _, phrase_total, _, _ in alone)
    assert sum(bool(phrase_total) for _, phrase_total, _, _ in alone) == len(queries) - 1


def test_a_misspelt_doc_number_says_what_it_was_read_as(store):
    """孟政发(2023)48号 finds 盂政发〔2023〕48号 and says so: library, CLI, API and web page."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from gongbao.http import create_app
    from gongbao.cli import app

    misspelt = search(store, SearchQuery(q="孟政发(2023)48号"))
    assert misspelt.doc_number_match == "140322/2023/3/1" and misspelt.doc_number_read_as == "盂政发〔2023〕48号"
    assert search(store, SearchQuery(q="盂政发〔2023〕48号")).doc_number_read_as is None  # as stored: nothing to say
    assert search(store, SearchQuery(q="安全")).doc_number_read_as is None
    shown = CliRunner().invoke(app, ["search", "孟政发(2023)48号", "--db", store.path], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "已按 盂政发〔2023〕48号 查找" in shown.output
    with TestClient(create_app(store.path)) as client:
        body = client.get("/api/documents", params={"q": "孟政发(2023)48号"}).json()
        assert body["doc_number_read_as"] == "盂政发〔2023〕48号" and body["doc_number_match"] == "140322/2023/3/1"
        page = client.get("/search", params={"q": "孟政发(2023)48号"}).text
        assert re.search(r"已按 <strong[^>]*>盂政发〔2023〕48号</strong> 查找", page)


def test_the_api_the_page_and_the_cli_say_how_many_hold_the_phrase_and_what_is_inherited(store):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from gongbao.http import create_app
    from gongbao.cli import app

    result = search(store, SearchQuery(q="安全生产", per_page=100))
    shown = CliRunner().invoke(app, ["search", "安全生产", "--db", store.path, "--limit", "100"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and f"其中 {result.phrase_total} 份包含完整的「安全生产」（列在前面）" in shown.output
    assert shown.output.count("（词语不相连）") == result.total - result.phrase_total
    with TestClient(create_app(store.path)) as client:
        api = client.get("/api/documents", params={"q": "安全生产", "per_page": 100}).json()
        assert api["phrases"] == ["安全生产"] and api["phrase_total"] == sum(h["exact_phrase"] for h in api["hits"])
        assert any(h["issuer_inherited"] for h in api["hits"])
        page = client.get("/search", params={"q": "安全生产", "per_page": 100}).text
        assert f'其中 <b class="phrase-count">{api["phrase_total"]}</b> 份包含完整的「安全生产」' in page
        assert f"另有 {api['total'] - api['phrase_total']} 份文件包含全部词语" in page
        inherited = [h for h in api["hits"] if h["date_inherited"]]
        assert page.count("（据印发通知）") == len(inherited) > 0  # once a hit, after the notice's date


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_store_from_before_inherited_issuers_is_migrated_and_reindexed(backend, new_store_url, corpus):
    """A schema-3 store (search rows without the inherited flags, carried documents without
    an issuer) gets migration 0004 and its index rebuilt when opened: facets then count
    every hit, carried ones by their notice's issuer."""
    url = new_store_url(backend)
    with open_store(url) as s:
        assert ingest_file(s, sorted(corpus.glob("00*.txt"))[1]).status == "added"
        version = s.schema_version
    statements = [
        "ALTER TABLE search_docs DROP COLUMN issuer_inherited",
        "ALTER TABLE search_docs DROP COLUMN date_inherited",
        "UPDATE search_docs SET issuer = NULL WHERE level = 'carried'",  # as schema 3 indexed them
        "DROP TABLE validity_repeals",  # and without 0005
        "DROP TABLE repeal_numbers", "DROP TABLE repeal_title_grams", "DROP TABLE repeal_citations",  # and 0006
        *(["ALTER TABLE layer_records DROP COLUMN effective_from", "ALTER TABLE layer_records DROP COLUMN expires_on",
           *(f"DROP INDEX search_combos_{name}" for name in  # and without 0007
             ("region", "issuer", "agency", "doc_type", "year", "gazette", "section", "level"))]
          if backend == "sqlite" else []),
        "DELETE FROM schema_version WHERE version >= 4",
    ]
    if backend == "sqlite":
        with closing(sqlite3.connect(url)) as db:
            for statement in statements:
                db.execute(statement)
            db.commit()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            for statement in statements:
                conn.execute(statement)
    with open_store(url) as s:
        assert s.schema_version == version
        result = search(s, SearchQuery(q="方案", level="carried", per_page=100))
        assert result.total and sum(count for _, count in result.facets["issuer"]) == result.total
        assert all(hit.issuer and hit.issuer_inherited for hit in result.hits)
        assert s.check_integrity() == []


def test_feeds_list_carried_documents_under_their_notices_issuer(store):
    """An issuer's feed holds the 方案 its 印发 notices carry, dated and authored as the notice."""
    import xml.etree.ElementTree as ET

    from fastapi.testclient import TestClient

    from gongbao.http import create_app

    atom = "{http://www.w3.org/2005/Atom}"
    expected = search(store, SearchQuery(q="安全生产", issuer="盂县人民政府办公室", sort="newest", per_page=50))
    carried = {hit.id for hit in expected.hits if hit.issuer_inherited}
    assert carried
    with TestClient(create_app(store.path)) as client:
        response = client.get("/feeds/search.atom", params={"q": "安全生产", "issuer": "盂县人民政府办公室"})
    entries = ET.fromstring(response.content).findall(f"{atom}entry")
    by_id = {"/".join(entry.find(f"{atom}id").text.split("/")[-4:]): entry for entry in entries}  # …/140322/2024/2/18
    assert carried <= set(by_id)
    for doc_id in carried:
        entry = by_id[doc_id]
        assert entry.find(f"{atom}author/{atom}name").text == "盂县人民政府办公室"
        assert "盂县人民政府办公室（据印发通知）" in entry.find(f"{atom}summary").text



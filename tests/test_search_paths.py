"""The faster paths of a search give the answers of the slower ones (issue #17).

- A date range of whole months is matched by index tokens (``search.index.date_range_tokens``)
  instead of comparing dates in SQL: the same documents, bound by bound.
- SQLite counts facets through an in-memory map of combinations (``store.sqlite_facets``):
  every count equals the total of the search filtered on that value, also after an issue is
  replaced and its sids reused; every document is counted from that map, as of each snapshot.
- Beyond TOTAL_EXACT_MAX matches both backends estimate the total on a sample, and say so.
- SQLite gives its planner statistics once the index is big enough, and again as it doubles.
- ``explain_search`` times every phase (``bench/search.py --profile`` prints them).
"""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongbao.ingest import ingest_file
from gongbao.search import SearchQuery, search
from gongbao.search import backend as policy
from gongbao.search.index import date_range_tokens, year_filter_token, year_token
from gongbao.search.validate import validated
from gongbao.store import open_store
from gongbao.store import postgres_search, sqlite_search

from .test_search import everything, search_module
from .test_search_quality import store  # noqa: F401  (the three corpus issues, each backend)


# -- dates as tokens ------------------------------------------------------------------------

days = st.dates().filter(lambda d: 1900 <= d.year <= 2100).map(lambda d: d.isoformat())
bounds = st.one_of(
    st.none(),
    st.integers(1990, 2030).map(str),
    st.tuples(st.integers(1990, 2030), st.integers(1, 12)).map(lambda ym: f"{ym[0]}-{ym[1]:02d}"),
    st.dates().filter(lambda d: 1990 <= d.year <= 2030).map(lambda d: d.isoformat()),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(days, min_size=1, max_size=30), bounds, bounds)
def test_a_range_of_whole_months_as_tokens_selects_what_comparing_dates_selects(dates, date_from, date_to):
    query = validated(SearchQuery(date_from=date_from, date_to=date_to))
    first, last = min(int(d[:4]) for d in dates), max(int(d[:4]) for d in dates)
    tokens = date_range_tokens(query.date_from, query.date_to, first, last)
    if tokens is None:  # a bound inside a month: SQL compares the dates
        assert (query.date_from or "")[8:] not in ("", "01") or (query.date_to or "")[8:] not in ("", "31")
        return
    for day in dates:
        compared = (query.date_from is None or day >= query.date_from) and (query.date_to is None or day <= query.date_to)
        indexed = year_token(int(day[:4]), day)
        assert any(_matches(indexed, t) for t in tokens) is compared, (day, query.date_from, query.date_to)
    start = int(query.date_from[:4]) if query.date_from else first
    end = int(query.date_to[:4]) if query.date_to else last
    assert len(tokens) <= 24 + max(0, end - start + 1)  # months of the two edge years, one token a year between


def _matches(token: str, pattern: str) -> bool:
    """Whether FTS5 matches ``token`` by ``pattern`` (``fyear2023*``: a prefix)."""
    return token.startswith(pattern[:-1]) if pattern.endswith("*") else token == pattern


@given(st.integers(1900, 2100), st.one_of(st.none(), days, st.just("2023-07"), st.just("二〇二三年")))
def test_one_year_token_per_document_the_year_filter_finds_with_or_without_a_date(year, date):
    """The month rides on the year token (no token more: bm25 scores stay as they were); the
    year filter's prefix finds the year's documents whatever their date, and only those."""
    token = year_token(year, date)
    assert _matches(token, year_filter_token(year)) and not _matches(token, year_filter_token(year + 1))
    assert token.endswith("n") is not (date is not None and len(date) == 10 and int(date[:4]) == year)


@pytest.mark.parametrize("words", [{}, {"q": "安全"}, {"q": "通知", "doc_type": "通知"}, {"region": "140322"}])
@pytest.mark.parametrize("date_from, date_to", [
    ("2023", "2023"), ("2023-08", "2023-09"), ("2020-03", None), (None, "2023-07"), ("2023-08-01", "2023-08-31"),
    ("2023-08-15", "2024"), ("2019", "2020-06-15"), ("2030", None), ("2024-02", "2023-01"),
])
def test_date_filters_keep_exactly_the_documents_dated_within(store, words, date_from, date_to):
    query = validated(SearchQuery(date_from=date_from, date_to=date_to))
    unfiltered = search(store, SearchQuery(per_page=100, excerpt_size=0, **words))
    hits = list(unfiltered.hits)
    page = 2
    while len(hits) < unfiltered.total:
        hits += search(store, SearchQuery(per_page=100, page=page, excerpt_size=0, **words)).hits
        page += 1
    within = {h.id for h in hits if h.date and (query.date_from is None or h.date >= query.date_from)
              and (query.date_to is None or h.date <= query.date_to)}
    filtered = search(store, SearchQuery(date_from=date_from, date_to=date_to, **words))
    assert set(everything(store, date_from=date_from, date_to=date_to, **words)) == within
    assert filtered.total == len(within)
    for key in ("doc_type", "region", "level"):  # drill-down facets of the dated set
        for value, count in filtered.facets[key]:
            assert count == search(store, SearchQuery(date_from=date_from, date_to=date_to,
                                                      **{**words, key: value})).total, (key, value)


# -- facets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"q": "安全"}, {"q": "方案", "level": "carried"}, {"q": "任免 OR 安全"},
                                    {"date_from": "2023-08", "date_to": "2023-12"}])
def test_each_facet_count_is_the_total_of_the_search_filtered_on_it(store, params):
    result = search(store, SearchQuery(**params))
    assert result.total and not result.facets_estimated
    for key in ("region", "doc_type", "year", "level", "section", "gazette", "agency_code"):
        if key in params:
            continue
        assert sum(n for _, n in result.facets[key]) <= result.total
        for value, count in result.facets[key]:
            assert count == search(store, SearchQuery(**{**params, key: value})).total, (key, value)


def test_facets_follow_an_issue_replaced_in_the_sids_it_freed(tmp_path, corpus):
    """A new version of the last issue stored frees its sids and takes them again, with other
    facet values (its notices printed as 决定): the facet map loads anew (the index counted a
    removal) instead of reading the old version's combinations."""
    path = tmp_path / "facets.db"
    first, last = sorted(corpus.glob("00*.txt"))[:2]
    changed = tmp_path / last.name
    changed.write_text(last.read_text(encoding="utf-8").replace("的通知", "的决定"), encoding="utf-8")
    with open_store(path) as store:
        for source in (first, last):
            assert ingest_file(store, source).status == "added"
        with closing(sqlite3.connect(path)) as db:
            sids = db.execute("SELECT sid FROM search_docs WHERE gazette_id = (SELECT gazette_id FROM search_docs"
                              " ORDER BY sid DESC LIMIT 1) ORDER BY sid").fetchall()
        before = dict(search(store, SearchQuery()).facets["doc_type"])
        assert ingest_file(store, changed).status == "replaced"
        after = search(store, SearchQuery(q="", per_page=1))
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("SELECT min(sid) FROM search_docs WHERE sid >= ?", (sids[0][0],)).fetchone()[0] == sids[0][0]
        doc_types = dict(after.facets["doc_type"])
        assert doc_types.get("通知", 0) < before["通知"] and doc_types.get("决定", 0) > before.get("决定", 0)
        for key in ("doc_type", "gazette", "section"):
            for value, count in after.facets[key]:
                assert count == search(store, SearchQuery(**{key: value})).total, (key, value)


def test_every_document_is_counted_from_the_facet_map_as_of_each_snapshot(tmp_path, corpus):
    """SQLite: a browse of everything counts the documents from the facet map (as does the
    drill-down of a browse with one filter), not by summing search_combos: the same number,
    also for a snapshot older than the shared map's and after an issue is replaced."""
    path = tmp_path / "documents.db"
    sources = sorted(corpus.glob("00*.txt"))
    with open_store(path) as store:
        for source in sources[:2]:
            assert ingest_file(store, source).status == "added"
        with closing(sqlite3.connect(path)) as db:
            older = db.execute("SELECT count(*), max(sid) FROM search_docs").fetchone()
        assert ingest_file(store, sources[2]).status == "added"
        with closing(sqlite3.connect(path)) as db:
            counted, newest = db.execute("SELECT count(*), max(sid) FROM search_docs").fetchone()
            summed = db.execute("SELECT sum(documents) FROM search_combos").fetchone()[0]
        assert search(store, SearchQuery()).total == counted == summed > older[0]
        facet_map = store._search.facet_maps.current(store._db)
        assert facet_map.documents_up_to(newest) == counted
        assert facet_map.documents_up_to(older[1]) == older[0]
        replaced = tmp_path / sources[0].name
        replaced.write_text(sources[0].read_text(encoding="utf-8").replace("的通知", "的决定"), encoding="utf-8")
        assert ingest_file(store, replaced).status == "replaced"
        with closing(sqlite3.connect(path)) as db:
            assert search(store, SearchQuery()).total == db.execute("SELECT count(*) FROM search_docs").fetchone()[0]


# -- totals ---------------------------------------------------------------------------------


def test_beyond_total_exact_max_the_total_is_estimated_on_a_sample_and_said_so(store, monkeypatch):
    exact = search(store, SearchQuery(q="通知"))
    rare = search(store, SearchQuery(q="地质灾害"))
    module = search_module(store)
    monkeypatch.setattr(policy, "PROBE_ROWS", 16)  # the totals policy both backends follow
    monkeypatch.setattr(policy, "TOTAL_EXACT_MAX", 10)
    monkeypatch.setattr(policy, "SAMPLE_TARGET", 40)
    sampled = search(store, SearchQuery(q="通知"))
    assert exact.total > 40 and not exact.total_estimated
    assert sampled.total_estimated
    # PostgreSQL counts the facets on the same sample; SQLite counts those few matches one by one
    assert sampled.facets_estimated if module is postgres_search else sampled.facets == exact.facets
    assert set(dict(sampled.facets["doc_type"])) <= set(dict(exact.facets["doc_type"]))
    assert exact.total / 3 <= sampled.total <= exact.total * 3
    assert [h.id for h in sampled.hits] == [h.id for h in exact.hits]
    few = search(store, SearchQuery(q="地质灾害"))  # fewer than TOTAL_EXACT_MAX: counted
    assert 0 < rare.total <= 10 and few.total == rare.total and not few.total_estimated
    if module is sqlite_search:  # SQLite counts a browse exactly (search_combos, or its indexes)
        assert not search(store, SearchQuery(doc_type="通知")).total_estimated


# -- SQLite: planner statistics, phase timings ---------------------------------------------------


def test_sqlite_gives_its_planner_statistics_as_the_index_doubles(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(sqlite_search, "STATISTICS_FROM", 40)
    path = tmp_path / "stats.db"
    analyzed = []
    with open_store(path) as store:
        for source in sorted(corpus.glob("00*.txt")):
            ingest_file(store, source)
            with closing(sqlite3.connect(path)) as db:
                row = db.execute("SELECT value FROM search_meta WHERE key = 'analyzed_at'").fetchone()
                analyzed.append(int(row[0]) if row else None)
                stats = {r[0] for r in db.execute("SELECT tbl FROM sqlite_stat1")} if row else set()
        documents = store.stats()["documents"]
    assert analyzed[-1] is not None and analyzed[-1] >= 40
    assert {"search_docs", "search_combos"} <= stats
    assert all(a is None or b is None or b == a or b >= 2 * a for a, b in zip(analyzed, analyzed[1:]))
    assert documents >= 40


def test_explain_search_times_every_phase(tmp_path, corpus):
    with open_store(tmp_path / "x.db") as store:
        ingest_file(store, sorted(corpus.glob("00*.txt"))[0])
        explained = store.explain_search(SearchQuery(q="安全生产"))
    timings = explained["timings"]
    assert {"parse", "plan", "count", "facets", "phrase", "rank", "hits", "excerpts"} <= set(timings)
    assert all(ms >= 0 for ms in timings.values())
    assert explained["total"] == explained["result"].total > 0

"""The HTTP layer: JSON API, web pages, feeds and errors, through FastAPI's TestClient."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from gongbao.http import create_app
from gongbao.errors import StoreError
from gongbao.store import open_store

ATOM = "{http://www.w3.org/2005/Atom}"
SCRIPT = "<script>alert"


@pytest.fixture(scope="module")
def client(corpus_db):
    with TestClient(create_app(str(corpus_db))) as client:
        yield client


@pytest.fixture(scope="module")
def hostile(hostile_db):
    with TestClient(create_app(str(hostile_db))) as client:
        yield client


@pytest.fixture(scope="module")
def stats(corpus_db):
    with open_store(corpus_db) as store:
        return store.stats()


def hostile_id(store_path) -> str:
    with open_store(store_path) as store:
        return store.find_by_doc_number("平政发〔2024〕9号")[0]["id"]


# -- JSON API -----------------------------------------------------------------------


def test_api_documents_search_returns_hits_and_facets(client):
    body = client.get("/api/documents", params={"q": "安全"}).json()
    assert body["total"] > 0
    assert body["hits"] and all(hit["url"] == "/" + hit["id"] for hit in body["hits"])
    assert body["query"]["q"] == "安全"
    assert body["facets"], "facets with counts"
    for values in body["facets"].values():
        assert all(isinstance(v["count"], int) and v["count"] > 0 for v in values)


def test_api_documents_filters_narrow_the_result(client):
    everything = client.get("/api/documents", params={"q": "安全"}).json()
    regions = {v["value"]: v["count"] for v in everything["facets"]["region"]}
    code, count = next(iter(regions.items()))
    narrowed = client.get("/api/documents", params={"q": "安全", "region": code}).json()
    assert narrowed["total"] == count < everything["total"] or len(regions) == 1
    assert all(hit["gazette_id"].startswith(code + "/") for hit in narrowed["hits"])
    assert sum(v["count"] for v in narrowed["facets"]["level"]) == narrowed["total"]


def test_api_documents_pages(client):
    first = client.get("/api/documents", params={"per_page": 5}).json()
    second = client.get("/api/documents", params={"per_page": 5, "page": 2}).json()
    assert first["per_page"] == 5 and len(first["hits"]) == 5 and second["page"] == 2
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_api_document_is_the_full_record(client):
    record = client.get("/api/documents/140322/2023/3/1").json()
    assert record["id"] == "140322/2023/3/1"
    assert record["doc_number"] == "盂政发〔2023〕48号"
    assert record["gazette"]["region_code"] == "140322"
    assert record["paragraphs"] and "span" in record and "confidence" in record


def test_api_gazettes_list_and_detail(client, stats):
    listing = client.get("/api/gazettes").json()
    assert {g["id"] for g in listing} == {"140322/2023/3", "140322/2024/2", "140300/2020/3"}
    detail = client.get("/api/gazettes/140322/2023/3").json()
    assert detail["title"] == "盂县人民政府公报" and detail["issue"] == 3
    assert len(detail["documents"]) == detail["document_count"]
    assert all(entry["document_id"] for entry in detail["toc"] if entry["matched_seq"])
    flagged = [entry for entry in detail["toc"] if entry["problems"]]
    assert flagged and flagged[0]["problems"][0]["code"].startswith("toc.")
    assert detail["warnings"] and detail["repair_count"] > 0


def test_api_regions_and_issuers_count_documents(client, stats):
    regions = client.get("/api/regions").json()
    assert {r["region_code"]: r["gazettes"] for r in regions} == {"140300": 1, "140322": 2}
    assert sum(r["documents"] for r in regions) == stats["documents"]
    assert regions[1]["latest"]["id"] == "140322/2024/2"
    issuers = client.get("/api/issuers").json()
    counts = {i["issuer"]: i["documents"] for i in issuers}
    assert counts["盂县人民政府办公室"] > counts.get("盂县人民政府", 0) > 0
    assert [i["documents"] for i in issuers] == sorted((i["documents"] for i in issuers), reverse=True)


def test_api_export_streams_every_record_as_jsonl(client, stats):
    with client.stream("GET", "/api/export", params={"format": "jsonl"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [line for line in response.iter_lines() if line]
    records = [json.loads(line) for line in lines]
    assert len(records) == stats["documents"]
    assert len({r["id"] for r in records}) == len(records)


def test_api_export_csv_with_filters_matches_the_search(client):
    total = client.get("/api/documents", params={"region": "140322"}).json()["total"]
    response = client.get("/api/export", params={"format": "csv", "region": "140322"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # a download: Excel and WPS need the BOM
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "id" and len(rows) == total + 1
    assert all(row[0].startswith("140322/") for row in rows[1:])
    plain = client.get("/api/export", params={"format": "csv", "region": "140322", "bom": "false", "headers": "zh"})
    chinese = list(csv.reader(io.StringIO(plain.text)))
    assert chinese[0][:2] == ["编号", "序号"] and "发文机关" in chinese[0] and chinese[1:] == rows[1:]


@pytest.mark.parametrize(
    "url, error",
    [
        ("/api/documents/140322/2023/3/999", "not_found"),
        ("/api/documents/nothing", "not_found"),
        ("/api/gazettes/999999/2000/1", "not_found"),
        ("/api/nothing", "not_found"),
        ("/feeds/region/999999.atom", "not_found"),
    ],
)
def test_api_unknown_ids_are_404_json(client, url, error):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["error"] == error and response.json()["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"per_page": "101"},
        {"year": "twenty"},
        {"date_from": "2023-13-40"},
        {"level": "middle"},
        {"sort": "random"},
        {"q": "x" * 501},
    ],
)
def test_api_bad_parameters_are_400_json(client, params):
    response = client.get("/api/documents", params=params)
    assert response.status_code == 400
    body = response.json()
    # bad_parameter: refused by the API's parameter types; query_error: by the search library.
    assert body["error"] in ("bad_parameter", "query_error") and next(iter(params)) in body["message"]


def test_api_bad_export_format_is_400(client):
    assert client.get("/api/export", params={"format": "xml"}).status_code == 400


def test_openapi_documents_the_api(client):
    schema = client.get("/openapi.json").json()
    for path in ("/api/documents", "/api/documents/{document_id}", "/api/gazettes/{gazette_id}",
                 "/api/regions", "/api/issuers", "/api/export", "/feeds/search.atom"):
        assert path in schema["paths"], path
    ok = schema["paths"]["/api/documents"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/SearchResponse")
    assert client.get("/docs").status_code == 200


def test_cors_header_only_when_configured(client, corpus_db):
    origin = {"Origin": "https://example.org"}
    assert "access-control-allow-origin" not in client.get("/api/gazettes", headers=origin).headers
    with TestClient(create_app(str(corpus_db), cors_origins=["https://example.org"])) as cors:
        response = cors.get("/api/gazettes", headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_create_app_refuses_a_store_it_cannot_open(tmp_path):
    with pytest.raises(StoreError):
        create_app(str(tmp_path / "missing" / "gongbao.db"))
    with pytest.raises(StoreError):
        create_app(":memory:")


# -- web pages -----------------------------------------------------------------------


def test_home_lists_regions_and_latest_issues(client):
    page = client.get("/")
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    assert "盂县" in page.text and "阳泉市" in page.text
    assert 'href="/140322/2024/2"' in page.text
    assert '<label for="home-q">' in page.text


def test_issue_page_links_its_toc_and_flags_disagreements(client):
    page = client.get("/140322/2023/3")
    assert page.status_code == 200
    assert "盂县人民政府公报" in page.text and "2023年第3期" in page.text
    assert 'href="/140322/2023/3/1"' in page.text
    assert "目录标题与正文不一致" in page.text
    assert 'href="/source/140322/2023/3"' in page.text


def test_issue_toc_disagreements_mark_the_characters_that_differ(client):
    """Each title disagreement shows both titles with the differing characters marked; a TOC that
    prints <…> where the body has 〈…〉 is no disagreement."""
    detail = client.get("/api/gazettes/140322/2023/3").json()
    titles = {d["seq"]: d["title"] for d in detail["documents"]}
    diffs = [(entry, problem["diff"]) for entry in detail["toc"] for problem in entry["problems"]
             if problem["code"] == "toc.title_mismatch"]
    assert diffs
    for entry, diff in diffs:
        assert "".join(text for text, _ in diff["toc"]) == entry["title"]
        assert "".join(text for text, _ in diff["body"]) == titles[entry["matched_seq"]]
        marked = [text for text, differs in diff["toc"] + diff["body"] if differs]
        assert marked and all(len(text) < len(entry["title"]) / 4 for text in marked)
    angled = [entry for entry in detail["toc"] if "<" in entry["title"]]
    assert angled and all(entry["matched_seq"] and not entry["problems"] for entry in angled)
    page = client.get("/140322/2023/3").text
    toc_entry, diff = diffs[0]
    first_marked = next(text for text, differs in diff["toc"] + diff["body"] if differs)
    assert f"<mark>{first_marked}</mark>" in page and "目录：" in page and "正文：" in page


def test_document_page_in_gongwen_layout(client):
    page = client.get("/140322/2023/3/1")
    assert page.status_code == 200
    text = page.text
    assert '<h1 id="doc-title" class="gw-title">盂县人民政府关于任丽鹏等同志职务任免的通知</h1>' in text
    assert '<p class="gw-number">盂政发〔2023〕48号</p>' in text
    assert 'class="gw-sign"' in text and "2023年" in text
    assert 'href="/source/140322/2023/3#d1"' in text
    assert "http://testserver/140322/2023/3/1" in text and "[J/OL]" in text  # cite this
    assert '<span aria-current="page">任丽鹏等同志职务任免</span>' in text  # the short title, not 「文件 1」
    assert "<dt>公开属性</dt><dd><span class=\"muted\">公报未标注</span>" in text


def test_carried_document_shows_its_notices_disclosure(client):
    """A 方案 printed after its 印发 notice shares the notice's 公开属性 (marked as the notice's)."""
    for summary in client.get("/api/gazettes/140300/2020/3").json()["documents"]:
        if summary["parent_seq"]:
            notice = client.get(f"/api/documents/140300/2020/3/{summary['parent_seq']}").json()
            carried = client.get(f"/api/documents/{summary['id']}").json()
            if notice["disclosure"] and not carried["disclosure"]:
                break
    else:
        pytest.fail("no carried document without a 公开属性 of its own under a notice with one")
    page = client.get("/" + summary["id"]).text
    assert f"<dt>公开属性</dt><dd>{notice['disclosure']}<span class=\"muted small\">（随印发通知）</span>" in page


def test_document_page_links_carrying_notice_and_carried_documents(client):
    notice = client.get("/140300/2020/3/1").text
    assert 'href="/140300/2020/3/2"' in notice
    carried = client.get("/140300/2020/3/2").text
    assert 'href="/140300/2020/3/1"' in carried


def test_source_page_marks_document_spans(client):
    page = client.get("/source/140322/2023/3")
    assert page.status_code == 200
    assert 'id="d12"' in page.text


@pytest.mark.parametrize("spelling", ["盂政发〔2023〕48号", "盂政发[2023]48号", "盂政发 (2023) 48号"])
def test_doc_number_url_redirects_to_the_document(client, spelling):
    response = client.get("/doc/" + quote(spelling), follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == "/140322/2023/3/1"


def test_doc_number_url_with_several_documents_lists_them(hostile):
    page = hostile.get("/doc/" + quote("平政发〔2024〕9号"), follow_redirects=False)
    assert page.status_code == 200
    assert len(re.findall(r'class="hit"', page.text)) == 2


def test_unknown_pages_are_404_html(client):
    for url in ("/999999/2000/1", "/doc/" + quote("无此文〔1900〕1号"), "/source/nothing"):
        page = client.get(url)
        assert page.status_code == 404, url
        assert page.headers["content-type"].startswith("text/html")
        assert "找不到页面" in page.text


def test_bad_search_parameters_are_400_html(client):
    page = client.get("/search", params={"page": "-1"})
    assert page.status_code == 400 and "请求参数有误" in page.text


def test_search_page_state_lives_in_the_url(client):
    page = client.get("/search", params={"q": "安全"})
    assert page.status_code == 200
    assert "<mark>安全</mark>" in page.text
    # Facet links add a filter and keep the query; the page links its own feed.
    facet = re.search(r'href="(/search\?q=%E5%AE%89%E5%85%A8&amp;issuer=[^"]+)"', page.text)
    assert facet, "an issuer facet link"
    assert 'rel="alternate" type="application/atom+xml"' in page.text
    assert 'href="/feeds/search.atom?q=%E5%AE%89%E5%85%A8"' in page.text
    csv_link = re.search(r'href="(/api/export\?[^"]+)" type="text/csv"', page.text).group(1).replace("&amp;", "&")
    download = client.get(csv_link)  # the search's records, for Excel: BOM, Chinese headers
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert download.content.startswith(b"\xef\xbb\xbf") and rows[0][:2] == ["编号", "序号"]
    assert len(rows) - 1 == client.get("/api/documents", params={"q": "安全"}).json()["total"]
    filtered = client.get(facet.group(1).replace("&amp;", "&"))
    assert filtered.status_code == 200 and "移除筛选" in filtered.text


def test_search_page_paginates(client):
    page = client.get("/search", params={"per_page": 5})
    assert 'aria-label="分页"' in page.text and "page=2" in page.text


def test_security_headers_on_html_responses(client):
    for url in ("/", "/search?q=安全", "/140322/2023/3/1", "/nothing/here"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp, url
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"]


# -- feeds ---------------------------------------------------------------------------


def _entries(response) -> list:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def test_region_feed(client):
    entries = _entries(client.get("/feeds/region/140322.atom"))
    assert entries
    link = entries[0].find(f"{ATOM}link").get("href")
    assert re.fullmatch(r"http://testserver/140322/\d{4}/\d+/\d+", link)


def test_feed_entries_are_dated_by_their_issue_not_their_signing(client):
    """updated = the issue's publication date (a reader sees a new issue as new); the 成文日期,
    often months earlier, is in the summary."""
    published = {g["id"]: g["published"] for g in client.get("/api/gazettes").json()}
    signed_earlier = 0
    for entry in _entries(client.get("/feeds/region/140322.atom")):
        doc_id = entry.find(f"{ATOM}link").get("href").removeprefix("http://testserver/")
        signed = client.get(f"/api/documents/{doc_id}").json()["date"]
        updated = entry.find(f"{ATOM}updated").text
        assert updated.startswith(published[doc_id.rsplit("/", 1)[0]])
        if signed:
            assert "成文日期 " + signed in entry.find(f"{ATOM}summary").text
            signed_earlier += signed < updated[:10]
    assert signed_earlier  # the corpus has documents signed before their issue came out


def test_feed_entry_of_an_undated_issue_is_dated_by_its_ingest():
    from gongbao.atom import atom_feed
    from gongbao.search import SearchQuery, SearchResult
    from gongbao.search.types import SearchHit

    hit = SearchHit(id="140322/2023/3/1", title="关于…的通知", doc_number=None, issuer=None, date="2023-07-25",
                    doc_type=None, section=None, gazette_id="140322/2023/3", gazette_title=None, published=None,
                    parent_id=None, score=1.0, excerpts=[], title_html="关于…的通知")
    result = SearchResult(total=1, hits=[hit], query=SearchQuery(), facets={}, doc_number_match=None)
    feed = ET.fromstring(atom_feed(result, title="t", feed_url="http://x/f", page_url="http://x/", base_url="http://x/",
                                   ingested={"140322/2023/3": "2026-12-06T12:37:17+00:00"}))
    assert feed.find(f"{ATOM}entry/{ATOM}updated").text == "2026-12-06T12:37:17+00:00"


def test_issuer_feed(client):
    entries = _entries(client.get("/feeds/issuer/" + quote("盂县人民政府") + ".atom"))
    assert entries and all(e.find(f"{ATOM}author/{ATOM}name").text == "盂县人民政府" for e in entries)


def test_search_feed(client):
    assert _entries(client.get("/feeds/search.atom", params={"q": "安全", "region": "140322"}))


# -- hostile content -------------------------------------------------------------------


def test_hostile_document_renders_inert_on_its_page(hostile, hostile_db):
    page = hostile.get("/" + hostile_id(hostile_db))
    assert page.status_code == 200
    assert SCRIPT not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert" in page.text


@pytest.mark.parametrize(
    "q", ["alert", "script", '"NEAR(安全 检查)" OR 安全* -生产', "title:^", '"', "NEAR(", "安全 AND", "*", "<script>"],
)
def test_hostile_queries_never_break_search(hostile, q):
    for url in ("/search", "/api/documents", "/feeds/search.atom"):
        response = hostile.get(url, params={"q": q})
        assert response.status_code in (200, 400), (url, q)
        if url.startswith("/api/"):  # JSON holds the text as it is, served as data, never sniffed as HTML
            assert response.headers["content-type"] == "application/json"
            assert response.headers["x-content-type-options"] == "nosniff"
        else:
            assert SCRIPT not in response.text and "<img src=x" not in response.text


def test_hostile_document_is_escaped_in_search_results(hostile):
    page = hostile.get("/search", params={"q": "安全检查", "region": "140321"})
    assert page.status_code == 200
    assert "平政发〔2024〕9号" in page.text
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text


def test_hostile_document_is_inert_in_feeds(hostile):
    response = hostile.get("/feeds/region/140321.atom")
    root = ET.fromstring(response.content)
    assert not root.iter("script") or not list(root.iter("script"))
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert any("<script>alert" in title for title in titles)  # as text, escaped in the XML
    assert SCRIPT not in response.text


def test_hostile_source_text_is_escaped(hostile, hostile_db):
    gazette = hostile_id(hostile_db).rpartition("/")[0]
    page = hostile.get("/source/" + gazette)
    assert page.status_code == 200 and SCRIPT not in page.text and "&lt;script&gt;alert(1)" in page.text


def test_head_requests_answer_like_get_without_a_body(client):
    response = client.head("/140322/2023/3/1")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("text/html")
    assert client.head("/api/documents/nothing").status_code == 404


# -- gongbao serve -------------------------------------------------------------------


def test_serve_runs_uvicorn_on_the_app(corpus_db, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from gongbao.cli import app

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: calls.append((application, kwargs)))
    result = CliRunner().invoke(app, ["serve", "--db", str(corpus_db), "--port", "8123", "--cors", "https://example.org"])
    assert result.exit_code == 0, result.output
    application, kwargs = calls[0]
    assert kwargs == {"host": "127.0.0.1", "port": 8123}
    with TestClient(application) as served:
        response = served.get("/api/gazettes", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "https://example.org"


def test_serve_refuses_a_store_it_cannot_open(tmp_path):
    from typer.testing import CliRunner

    from gongbao.cli import app

    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "missing" / "x.db")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_large_counts_are_printed_with_thousands_separators(client, monkeypatch):
    """约 544,000 份文件 on a large PostgreSQL store: the count line groups digits."""
    import dataclasses

    from gongbao.web import routes

    real = routes.search

    def inflated(store, query):  # the page as it renders a sampled total of a million-document store
        return dataclasses.replace(real(store, query), total=544_000, total_estimated=True)

    monkeypatch.setattr(routes, "search", inflated)
    page = client.get("/search", params={"q": "安全"}).text
    assert "约 <strong>544,000</strong> 份文件，第 1 / 27,200 页" in page


def test_a_documents_table_downloads_as_csv_for_excel(client):
    """/api/documents/{id}/tables/{n}.csv: the table's header and rows, after a BOM (bom=false: none)."""
    from gongbao.export import document_tables

    for summary in client.get("/api/documents", params={"per_page": 100}).json()["hits"]:
        record = client.get(f"/api/documents/{summary['id']}").json()
        if document_tables(record):
            break
    else:
        pytest.fail("no document with a table in the corpus")
    table = document_tables(record)[0]
    response = client.get(f"/api/documents/{record['id']}/tables/1.csv")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == ([table["header"]] if table.get("header") else []) + table["rows"]
    plain = client.get(f"/api/documents/{record['id']}/tables/1.csv", params={"bom": "false"})
    assert list(csv.reader(io.StringIO(plain.text))) == rows
    assert client.get(f"/api/documents/{record['id']}/tables/999.csv").status_code == 404


def test_carried_document_sidebar_shows_the_notices_issuer_and_date(client):
    """A 方案 with no 发文机关 or 成文日期 of its own shows its 印发 notice's, marked as inherited."""
    for summary in client.get("/api/gazettes/140300/2020/3").json()["documents"]:
        carried = client.get(f"/api/documents/{summary['id']}").json()
        if summary["parent_seq"] and not carried["issuer"] and not carried["date"]:
            notice = client.get(f"/api/documents/140300/2020/3/{summary['parent_seq']}").json()
            break
    else:
        pytest.fail("no carried document without an issuer and a date of its own")
    assert notice["issuer"] and notice["date"]
    page = client.get("/" + summary["id"]).text
    assert f">{notice['issuer']}</a><span class=\"muted small\">（据印发通知）</span>" in page
    year, month, day = (int(x) for x in notice["date"].split("-"))
    assert f"{year}年{month}月{day}日<span class=\"muted small\">（据印发通知）</span>" in page

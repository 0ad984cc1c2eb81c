"""The layer records exposed: library views (gongbao.views), JSON endpoints and web pages,
on a store holding the three corpus issues (``corpus_db``: ingested with ``ingest_file``)."""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from contextlib import closing
from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from gongbao import views
from gongbao.views import pinyin_order
from gongbao.http import create_app
from gongbao.errors import QueryError
from gongbao.store import open_store

from .conftest import save_text

SCRIPT = "<script>alert"

# A second 任丽鹏, in another county's 教育局: same name, different organisation. And a position
# carrying markup, which must come out inert on every page that shows it.
PINGDING_APPOINTMENTS = """平定县人民政府公报
2024年第3期

平定县人民政府文件

平政发〔2024〕12号

平定县人民政府
关于任丽鹏等同志职务任免的通知

各乡（镇）人民政府，县直各有关单位：

　　经县人民政府研究决定：

　　任丽鹏同志任县教育局副局长；

　　王小明同志任县<script>alert(1)</script>中心主任。

平定县人民政府

2024年3月5日

（此件公开发布）
"""


# A later 盂县 issue whose 办法 repeals the 试行 one of 2023 (140322/2023/3/20): a repeal across issues.
YUXIAN_REPEAL = """盂县人民政府公报
2024年第4期

盂县人民政府办公室文件

盂政办发〔2024〕99号

盂县人民政府办公室
关于印发盂县非法集资线索举报奖励办法的通知

各乡（镇）人民政府，县直各有关单位：

　　《盂县非法集资线索举报奖励办法》已经县人民政府同意，现印发给你们，请认真贯彻执行。

盂县人民政府办公室

2024年4月20日

（此件公开发布）

盂县非法集资线索举报奖励办法

　　第一条　为鼓励举报非法集资线索，制定本办法。

　　第二条　本办法由县金融事务服务中心负责解释。

　　第三条　本办法自2024年5月1日起施行。《盂县非法集资线索举报奖励办法（试行）》同时废止。
"""


@pytest.fixture(scope="module")
def client(corpus_db):
    with TestClient(create_app(str(corpus_db))) as client:
        yield client


@pytest.fixture(scope="module")
def store(corpus_db):
    with open_store(corpus_db) as store:
        yield store


@pytest.fixture(scope="module")
def namesakes_db(tmp_path_factory, corpus_db):
    """The corpus store plus a 平定县 issue naming a second 任丽鹏 and a hostile position, and a
    later 盂县 issue repealing a document of the corpus."""
    path = tmp_path_factory.mktemp("store") / "namesakes.db"
    with closing(sqlite3.connect(corpus_db)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    with open_store(path) as store:
        assert save_text(store, PINGDING_APPOINTMENTS, "pingding_2024_3.txt").status == "added"
        assert save_text(store, YUXIAN_REPEAL, "yuxian_2024_4.txt").status == "added"
    return path


@pytest.fixture(scope="module")
def namesakes(namesakes_db):
    with TestClient(create_app(str(namesakes_db))) as client:
        yield client


def get_json(client, url, **params):
    response = client.get(url, params=params)
    assert response.status_code == 200, (url, response.text[:300])
    assert response.headers["content-type"] == "application/json"
    return response.json()


# -- /api/layers/{layer} ------------------------------------------------------------------


def test_layers_lists_filtered_records_with_paging(client, store):
    every = list(store.list_layer("tasks"))
    first = get_json(client, "/api/layers/tasks", limit=10)
    second = get_json(client, "/api/layers/tasks", limit=10, offset=10)
    assert first["total"] == second["total"] == len(every) > 100
    assert [r["span"] for r in first["records"] + second["records"]] == [r["span"] for r in every[:20]]
    assert all(r["source_url"].startswith("/source/") for r in first["records"])
    one = get_json(client, "/api/layers/personnel", person="任丽鹏")
    assert one["total"] == 1 and one["records"][0]["position"] == "县发改局副局长"
    due = get_json(client, "/api/layers/tasks", due_from="2023-12", due_to="2023-12", limit=1000)
    assert due["total"] > 0 and all(r["deadline"].startswith("2023-12") for r in due["records"])
    assert due["filters"] == {"due_from": "2023-12-01", "due_to": "2023-12-31"}


def test_layers_export_streams_every_matching_record(client):
    total = get_json(client, "/api/layers/tasks", unit="县住建局")["total"]
    with client.stream("GET", "/api/layers/tasks", params={"unit": "县住建局", "format": "jsonl"}) as response:
        assert response.headers["content-type"].startswith("application/x-ndjson")
        rows = [json.loads(line) for line in response.iter_lines() if line]
    assert len(rows) == total > 0 and all("task_no" in r and "source_url" not in r for r in rows)
    response = client.get("/api/layers/tasks", params={"unit": "县住建局", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="gongbao-tasks.csv"' in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:7] == ["doc_id", "doc_number", "doc_seq", "span", "task_no", "text", "lead_units"]
    assert len(table) == total + 1


@pytest.mark.parametrize("url, params", [
    ("/api/layers/nonsense", {}),
    ("/api/layers/tasks", {"limit": "0"}),
    ("/api/layers/tasks", {"offset": "-1"}),
    ("/api/layers/tasks", {"due_from": "2023-02-30"}),
    ("/api/layers/tasks", {"due_to": "next week"}),
    ("/api/layers/tasks", {"format": "xml"}),
    ("/api/layers/tasks", {"unit": "县" * 201}),
])
def test_layers_bad_parameters_are_400_json(client, url, params):
    response = client.get(url, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("bad_parameter", "query_error")


# -- citations ----------------------------------------------------------------------------


def test_citations_of_an_implementation_plan_name_a_state_council_document(client):
    plan = get_json(client, "/api/documents/140322/2023/3/9/citations")
    assert plan["document"]["title"] == "盂县深入开展爱国卫生运动实施方案"
    state_council = [c for c in plan["cites"] if (c["cited_title"] or "").startswith("国务院")]
    assert state_council, [c["normalized"] for c in plan["cites"]]
    cited = state_council[0]
    assert cited["cited_number"] == "国发〔2020〕15号" and cited["kind"] == "document"
    assert cited["external"] is True and cited["resolved"] is None  # not in the store: shown normalized
    assert cited["normalized"] == "《国务院关于深入开展爱国卫生运动的意见》（国发〔2020〕15号）"
    assert cited["source_url"].startswith("/source/140322/2023/3?start=")
    # the notice that issues the plan cites it: the plan is cited by it
    assert [c["document"]["id"] for c in plan["cited_by"]] == ["140322/2023/3/8"]


def test_citations_resolve_to_stored_documents_and_never_to_the_wrong_one(client):
    notice = get_json(client, "/api/documents/140300/2020/3/1/citations")
    resolved = [c for c in notice["cites"] if c["resolved"]]
    assert resolved and resolved[0]["resolved"]["id"] == "140300/2020/3/2" and resolved[0]["score"] == 1.0
    # 盂县's plan cites 阳泉市's plan of the same name: not itself, however alike the titles
    county = get_json(client, "/api/documents/140322/2023/3/32/citations")
    city = next(c for c in county["cites"] if c["cited_title"] == "阳泉市推进服务业提质增效2023年行动计划")
    assert city["resolved_doc_id"] is None and city["external"]
    for doc_id in ("140322/2023/3/32", "140300/2020/3/35", "140322/2024/2/16"):
        body = get_json(client, f"/api/documents/{doc_id}/citations")
        assert all(c["resolved_doc_id"] != doc_id for c in body["cites"]), doc_id
        assert all(c["document"]["id"] != doc_id for c in body["cited_by"])


def test_citations_of_an_unknown_document_are_404(client):
    response = client.get("/api/documents/140322/2023/3/999/citations")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


# -- validity -----------------------------------------------------------------------------


@pytest.mark.parametrize("on, status", [
    ("2023-08-31", "尚未生效"), ("2024-01-01", "现行有效"), ("2025-08-31", "现行有效"), ("2025-09-01", "已失效"),
])
def test_validity_status_on_a_day(client, on, status):
    body = get_json(client, "/api/documents/140322/2023/3/20/validity", on=on)
    assert body["status"] == status and body["on"] == on
    record = body["record"]
    assert record["effective_from"] == "2023-09-01" and record["expires_on"] == "2025-08-31"
    assert record["trial"] is True and "有效期两年" in record["evidence"]
    assert body["source_url"].startswith("/source/140322/2023/3?start=")


def test_validity_defaults_to_today_and_knows_when_nothing_is_said(client):
    body = get_json(client, "/api/documents/140322/2023/3/1/validity")
    assert body["on"] == date.today().isoformat()
    assert body["status"] == "未知" and body["record"] is None
    assert client.get("/api/documents/140322/2023/3/20/validity", params={"on": "2023-13-01"}).status_code == 400
    assert client.get("/api/documents/nothing/validity").status_code == 404


def test_documents_in_force_on(store):
    in_2024 = views.documents_in_force_on(store, "2024-01-01")
    assert "140322/2023/3/20" in in_2024 and "140322/2023/3/18" in in_2024
    assert "140322/2024/2/8" not in in_2024  # in force from 2024-04-08
    assert "140322/2023/3/20" not in views.documents_in_force_on(store, date(2026, 1, 1))
    assert "140322/2024/2/8" in views.documents_in_force_on(store, date(2024, 5, 1))
    with pytest.raises(QueryError):
        views.documents_in_force_on(store, "someday")


def test_a_repeal_in_a_later_issue_ends_validity(namesakes, namesakes_db):
    before = get_json(namesakes, "/api/documents/140322/2023/3/20/validity", on="2024-04-30")
    after = get_json(namesakes, "/api/documents/140322/2023/3/20/validity", on="2024-06-01")
    assert before["status"] == "现行有效" and after["status"] == "已废止"
    assert after["repealed_by"]["id"] == "140322/2024/4/2" and after["record"]["repealed_on"] == "2024-05-01"
    with open_store(namesakes_db) as store:
        in_force = views.documents_in_force_on(store, "2024-06-01")
    assert "140322/2024/4/2" in in_force and "140322/2023/3/20" not in in_force
    page = namesakes.get("/140322/2023/3/20").text
    assert "已由" in page and 'href="/140322/2024/4/2"' in page


# -- people -------------------------------------------------------------------------------


def test_person_has_one_appointment(client):
    person = get_json(client, "/api/people/" + quote("任丽鹏"))
    assert person["ambiguous"] is False and len(person["identities"]) == 1
    [event] = person["timeline"]
    assert (event["action"], event["position"], event["date"]) == ("任", "县发改局副局长", "2023-07-25")
    assert event["organisation"] == "盂县发展和改革局"
    assert event["document"]["id"] == "140322/2023/3/1" and event["source_url"].startswith("/source/140322/2023/3?")


def test_person_appointed_and_removed_in_one_notice_is_one_person(client):
    person = get_json(client, "/api/people/" + quote("郑晓宁"))
    assert not person["ambiguous"]
    assert sorted(e["action"] for e in person["timeline"]) == ["任", "免"]
    assert set(person["identities"][0]["organisations"]) == {"盂县民政局", "盂县商务局"}


def test_leaders_timeline_includes_their_duties(client):
    person = get_json(client, "/api/people/" + quote("郭华"))
    [event] = person["timeline"]
    assert event["kind"] == "duties" and event["action"] == "分工" and "安全" in event["areas"]


def test_namesakes_in_different_organisations_are_shown_apart(namesakes):
    person = get_json(namesakes, "/api/people/" + quote("任丽鹏"))
    assert person["ambiguous"] is True
    assert [i["organisations"] for i in person["identities"]] == [["盂县发展和改革局"], ["平定县教育局"]]
    page = namesakes.get("/people/" + quote("任丽鹏")).text
    assert "同名" in page and "平定县教育局" in page and "盂县发展和改革局" in page


def test_people_index_and_unknown_person(client):
    everyone = get_json(client, "/api/people")
    names = {p["name"] for p in everyone}
    assert {"任丽鹏", "郭华", "张俊堂"} <= names
    assert client.get("/api/people/" + quote("无此人")).status_code == 404
    # A Chinese index: by pinyin, not code point (郭 U+90ED sorts after 张 U+5F20 by code point);
    # a surname in its surname reading (翟 zhái, not dí).
    order = [p["name"] for p in everyone]
    assert order.index("郭华") < order.index("任丽鹏") < order.index("张俊堂")
    initials = [pinyin_order(name)[0][0][0] for name in order]
    assert initials == sorted(initials) and pinyin_order("翟玉涵")[0][0] == "zhai2"
    # 分工 entries name their unit: the government the leader serves in
    guo = next(p for p in everyone if p["name"] == "郭华")
    assert guo["organisations"] == ["盂县人民政府"]


# -- units --------------------------------------------------------------------------------


def test_unit_view_gathers_tasks_duties_and_appointments(client):
    unit = get_json(client, "/api/units/" + quote("县应急局"))
    assert unit["canonical"] == "盂县应急管理局" and unit["region_code"] == "140322"
    assert unit["tasks_total"] == len(unit["tasks"]) > 0
    assert all(t["roles"] and set(t["roles"]) <= {"lead", "responsible", "cooperating"} for t in unit["tasks"])
    assert [d["leader"] for d in unit["duties"]] == ["郭华"] and unit["duties"][0]["kinds"] == ["分管"]
    assert [p["person"] for p in unit["personnel"]] == ["梁俊宏"]
    assert unit["ledger_url"].startswith("/tasks?unit=")


def test_unit_name_meaning_different_units_in_different_regions_lists_the_others(client):
    unit = get_json(client, "/api/units/" + quote("应急管理局"))
    others = {a["canonical"] for a in unit["alternatives"]}
    assert {unit["canonical"]} | others == {"盂县应急管理局", "阳泉市应急管理局"}
    city = get_json(client, "/api/units/" + quote("应急管理局"), region="阳泉市")
    assert city["canonical"] == "阳泉市应急管理局" and city["region_code"] == "140300"


def test_unit_documents_by_issuer_signature_and_recipients(client):
    office = get_json(client, "/api/units/" + quote("县政府办"), region="140322")
    assert office["canonical"] == "盂县人民政府办公室"
    roles = {role for d in office["documents"] for role in d["roles"]}
    assert {"issuer", "signed_by"} <= roles
    assert any(d["id"] == "140322/2023/3/3" for d in office["documents"])


def test_unknown_unit_is_404_and_unknown_region_400(client):
    assert client.get("/api/units/" + quote("无此单位")).status_code == 404
    response = client.get("/api/units/" + quote("县应急局"), params={"region": "火星"})
    assert response.status_code == 400 and response.json()["error"] == "query_error"


# -- tasks --------------------------------------------------------------------------------


def test_task_ledger_by_unit_and_overdue(client):
    ledger = get_json(client, "/api/tasks", unit="县住建局", limit=1000)
    assert ledger["total"] == len(ledger["tasks"]) > 10
    assert all(t["matched_roles"] for t in ledger["tasks"])
    overdue = get_json(client, "/api/tasks", unit="县住建局", overdue_as_of="2024-01-01", limit=1000)
    assert 0 < overdue["total"] < ledger["total"]
    assert all(t["deadline"] < "2024-01-01" for t in overdue["tasks"])
    row = overdue["tasks"][0]
    assert row["document"]["url"] == "/" + row["doc_id"] and row["unit_links"]["lead"] is not None


def test_task_ledger_due_range_region_and_sort(client):
    ledger = get_json(client, "/api/tasks", due_from="2023-01-01", due_to="2025-12-31", region="盂县",
                      sort="deadline", limit=1000)
    deadlines = [t["deadline"] for t in ledger["tasks"]]
    assert deadlines and deadlines == sorted(deadlines)
    assert all("2023-01-01" <= d <= "2025-12-31" for d in deadlines)
    assert all(t["doc_id"].startswith("140322/") for t in ledger["tasks"])
    assert ledger["filters"]["region"] == "140322"


def test_task_ledger_csv_export(client):
    total = get_json(client, "/api/tasks", unit="县住建局")["total"]
    response = client.get("/api/tasks", params={"unit": "县住建局", "format": "csv", "headers": "zh"})
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][4:7] == ["任务序号", "任务内容", "牵头单位"] and len(table) == total + 1
    assert "unit_links" not in table[0] and "source_url" not in table[0]


# -- hazards ------------------------------------------------------------------------------


def test_hazard_registry_open_and_closed_cases(client):
    registry = get_json(client, "/api/hazards", region="140322")
    # 48 挂牌 listings; 山西西小坪福跃耐火材料有限公司 is listed twice while open: one case
    assert registry["counts"] == {"open": 47, "closed": 1, "listings": 48, "overdue": 0}
    relisted = [c for c in registry["cases"] if len(c["listings"]) == 2]
    assert [c["enterprise"] for c in relisted] == ["山西西小坪福跃耐火材料有限公司"]
    [hospital] = [c for c in registry["cases"] if c["status"] == "closed"]
    assert hospital["enterprise"] == "盂县人民医院" and hospital["closed_on"] == "2023-09-12"
    assert hospital["closed_document"]["id"] == "140322/2023/3/44" and hospital["closed"]["action"] == "摘牌"
    assert hospital["opened"] is None  # its 挂牌 notice is not in the corpus
    listed = next(c for c in registry["cases"] if c["enterprise"] == "盂县佳悦商务酒店")
    assert listed["opened_on"] == "2023-07-25" and listed["basis"] == "重大火灾隐患判定方法"
    assert listed["opened_document"]["id"] == "140322/2023/3/7"
    assert get_json(client, "/api/hazards", status="closed")["total"] == 1
    assert get_json(client, "/api/hazards", region="140300")["total"] == 0
    assert client.get("/api/hazards", params={"status": "maybe"}).status_code == 400


# -- duties -------------------------------------------------------------------------------


def test_duties_give_a_leader_for_work_safety(client):
    duties = get_json(client, "/api/duties", area="安全生产", on="2024-06-01")
    assert len(duties["leaders"]) == 11
    leaders = {d["leader"] for d in duties["responsible"] + duties["related"]}
    assert "郭华" in leaders  # 负责……应急、消防、安全……
    guo = next(d for d in duties["related"] + duties["responsible"] if d["leader"] == "郭华")
    assert guo["role"] and "安全" in guo["matched"] and guo["source_url"].startswith("/source/140322/2024/2?")
    by_unit = get_json(client, "/api/duties", area="县应急局", on="2024-06-01")
    assert [d["leader"] for d in by_unit["responsible"]] == ["郭华"]
    assert by_unit["notices"][0]["id"] == "140322/2024/2/11"


def test_duties_before_any_notice_are_empty(client):
    duties = get_json(client, "/api/duties", on="2024-01-01", area="安全生产")
    assert duties["leaders"] == [] and duties["responsible"] == [] and duties["on"] == "2024-01-01"


# -- hostile input ------------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "' OR 1=1 --", "%", "_", "\\", "县%局", "🙂" * 50, "a" * 200]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameters_never_break_anything(client, value):
    urls = [
        ("/api/people/" + quote(value, safe=""), {}),
        ("/api/units/" + quote(value, safe=""), {}),
        ("/api/tasks", {"unit": value}),
        ("/api/hazards", {"enterprise": value}),
        ("/api/duties", {"area": value}),
        ("/api/layers/hazards", {"enterprise": value, "unit": value, "person": value}),
        ("/people/" + quote(value, safe=""), {}),
        ("/units/" + quote(value, safe=""), {}),
        ("/tasks", {"unit": value}),
        ("/hazards", {"enterprise": value}),
        ("/duties", {"area": value}),
    ]
    for url, params in urls:
        response = client.get(url, params=params)
        assert response.status_code in (200, 400, 404), (url, params, response.status_code)
        if not url.startswith("/api/"):
            assert SCRIPT not in response.text
    assert get_json(client, "/api/tasks", unit="%")["total"] == 0  # LIKE wildcards are literal


@pytest.mark.parametrize("params", [{"on": "2024-02-30"}, {"region": "<script>"}, {"on": "x" * 30}])
def test_hostile_page_parameters_are_400_pages(client, params):
    response = client.get("/duties", params=params)
    assert response.status_code == 400 and "请求参数有误" in response.text
    assert SCRIPT not in response.text


def test_hostile_record_content_is_escaped_on_every_page(namesakes, namesakes_db):
    with open_store(namesakes_db) as store:
        [record] = store.list_layer("personnel", person="王小明")
    assert "<script>" in record["position"]
    doc_page = namesakes.get("/" + record["doc_id"]).text
    person_page = namesakes.get("/people/" + quote("王小明")).text
    unit_page = namesakes.get("/units/" + quote(record["organisation"], safe="")).text
    for page in (doc_page, person_page, unit_page):
        assert SCRIPT not in page and "&lt;script&gt;alert" in page


# -- web pages ----------------------------------------------------------------------------


def test_navigation_links_the_layer_pages(client):
    page = client.get("/").text
    for href in ("/people", "/tasks", "/hazards", "/duties", "/groups"):
        assert f'href="{href}"' in page


def test_document_page_shows_citations_validity_and_its_records(client):
    page = client.get("/140322/2023/3/1").text
    assert '<h2 id="cites-h">引用</h2>' in page
    assert 'id="validity-h"' not in page  # a 任免 notice has no validity: no 「时效：未知」
    assert get_json(client, "/api/documents/140322/2023/3/1/validity")["applies"] is False
    unknown = client.get("/140322/2023/3/9")  # a 方案 that states no validity: 未知 is worth saying
    assert '<h2 id="validity-h">时效</h2>' in unknown.text and "状态：未知" in unknown.text
    assert f'href="/people/{quote("任丽鹏")}"' in page
    assert re.search(r'href="/source/140322/2023/3\?start=\d+&amp;end=\d+#mark"', page)
    plan = client.get("/140322/2023/3/9").text
    assert "《国务院关于深入开展爱国卫生运动的意见》（国发〔2020〕15号）" in plan
    assert 'href="/140322/2023/3/8"' in plan  # cited by the notice issuing it
    measure = client.get("/140322/2023/3/20").text
    assert "2023年9月1日" in measure and "2025年8月31日" in measure and "有效期两年" in measure
    hazard = client.get("/140322/2023/3/44").text
    assert "摘牌" in hazard and "盂县人民医院" in hazard


def test_person_page_is_a_timeline(client):
    page = client.get("/people/" + quote("任丽鹏")).text
    assert '<ol class="timeline">' in page and "县发改局副局长" in page and "2023年7月25日" in page
    assert 'href="/140322/2023/3/1"' in page and "同名" not in page


def test_unit_page(client):
    page = client.get("/units/" + quote("县应急局")).text
    assert "<h1>盂县应急管理局</h1>" in page and "郭华" in page and "梁俊宏" in page
    assert 'href="/tasks?unit=' in page


def test_task_ledger_page_filters_and_links_units(client):
    page = client.get("/tasks", params={"unit": "县住建局", "overdue_as_of": "2024-01-01"})
    assert page.status_code == 200
    text = page.text
    assert 'value="县住建局"' in text and 'value="2024-01-01"' in text
    assert re.search(r'href="/units/[^"]+\?region=140322"', text)
    assert 'href="/api/tasks?unit=' in text and "format=csv&amp;headers=zh" in text  # Chinese headers for Excel
    assert client.get("/tasks", params={"unit": "", "due_from": "", "sort": ""}).status_code == 200  # blank form


def test_hazard_registry_page(client):
    text = client.get("/hazards").text
    assert "盂县人民医院" in text and "已摘牌" in text and "公报未载摘牌 47 件" in text and "督办中" not in text
    latest = max(get_json(client, "/api/gazettes"), key=lambda g: g["published"])
    assert get_json(client, "/api/hazards")["searched_through"]["id"] == latest["id"]
    assert "已查至" in text and latest["published"][:4] + "年" in text  # how far the gazettes were read
    assert 'href="/140322/2023/3/44"' in text


def test_duties_page_has_a_date_picker(client):
    text = client.get("/duties", params={"on": "2024-06-01", "area": "安全生产"}).text
    assert '<input id="d-on" name="on" type="date" value="2024-06-01">' in text
    assert "郭华" in text and "县人民政府全面工作" in text


def test_source_page_marks_a_span(client):
    text = client.get("/source/140322/2023/3", params={"start": 2136, "end": 2149}).text
    marked = re.search(r'<mark class="src-mark" id="mark">(.*?)</mark>', text, re.S)
    assert marked and "任丽鹏" in marked.group(1)
    assert client.get("/source/140322/2023/3", params={"start": 5}).status_code == 400
    assert client.get("/source/140322/2023/3", params={"start": 9, "end": 3}).status_code == 400


def test_openapi_documents_the_layer_endpoints(client):
    schema = client.get("/openapi.json").json()
    models = {"/api/layers/{layer}": "LayerPage", "/api/documents/{document_id}/citations": "Citations",
              "/api/documents/{document_id}/validity": "Validity", "/api/people/{name}": "Person",
              "/api/units/{name}": "Unit", "/api/tasks": "TaskLedger", "/api/hazards": "HazardRegistry",
              "/api/duties": "Duties", "/api/groups/{name}": "Group"}
    for path, model in models.items():
        ok = schema["paths"][path]["get"]["responses"]["200"]
        assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/" + model), path
    for path in ("/people/{name}", "/units/{name}", "/tasks", "/hazards", "/duties", "/groups", "/groups/{name}"):
        assert path in schema["paths"], path


# -- in force: one definition ---------------------------------------------------------------

REPEALED = "140322/2023/3/20"  # the 试行 办法 of 000, repealed from 2024-05-01 by YUXIAN_REPEAL
DAYS = ("2023-08-31", "2024-04-30", "2024-05-01", "2024-06-01", "2025-09-01")


def in_force_by_search(store, day):
    from gongbao.search import SearchQuery, search

    first = search(store, SearchQuery(q="", in_force_on=day, per_page=100))
    assert first.total <= 100
    return {hit.id for hit in first.hits}


@pytest.mark.parametrize("repeal_first", [False, True], ids=["repeal-stored-last", "repeal-stored-first"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_search_api_and_view_agree_on_a_repeal_across_issues(new_store_url, corpus, backend, repeal_first):
    """Whichever issue is stored first, search (in_force_on), the validity endpoint and the
    views read one definition: the 办法 is in force until the later issue's repeal takes
    effect, and again once a new version of that issue no longer repeals it."""
    from gongbao.ingest import ingest_file

    url = new_store_url(backend)
    with open_store(url) as store:
        steps = [lambda: save_text(store, YUXIAN_REPEAL, "yuxian_2024_4.txt"),
                 lambda: ingest_file(store, corpus / "000_4079e62c8a753c5e.txt")]
        for step in steps if repeal_first else steps[::-1]:
            assert step().status == "added"
        assert store.validity_repeals() == {REPEALED: ("140322/2024/4/2", "2024-05-01")}
        for day in DAYS:
            by_view = views.documents_in_force_on(store, day)
            assert in_force_by_search(store, day) == by_view
            assert (REPEALED in by_view) == ("2023-09-01" <= day < "2024-05-01"), day
        with TestClient(create_app(url)) as client:
            statuses = {day: get_json(client, f"/api/documents/{REPEALED}/validity", on=day)["status"] for day in DAYS}
            assert statuses == {"2023-08-31": "尚未生效", "2024-04-30": "现行有效", "2024-05-01": "已废止",
                                "2024-06-01": "已废止", "2025-09-01": "已废止"}
            assert get_json(client, "/api/documents", in_force_on="2024-06-01")["total"] == \
                len(views.documents_in_force_on(store, "2024-06-01"))
        # A new version of the repealing issue without the repeal: the 办法 is in force again.
        kept = YUXIAN_REPEAL.replace("《盂县非法集资线索举报奖励办法（试行）》同时废止。", "")
        assert save_text(store, kept, "yuxian_2024_4_v2.txt").status == "replaced"
        assert store.validity_repeals() == {}
        assert REPEALED in in_force_by_search(store, "2024-06-01") == views.documents_in_force_on(store, "2024-06-01")
        assert views.validity_view(store, REPEALED, "2024-06-01")["status"] == "现行有效"


def test_a_store_from_before_recorded_repeals_records_them_when_opened(namesakes_db, tmp_path):
    """A schema-4 store (no validity_repeals) holding both issues: opening it migrates and
    matches the repeal, so search no longer calls the repealed 办法 in force."""
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(namesakes_db)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("DROP TABLE repeal_numbers")  # and without 0006
        db.execute("DROP TABLE repeal_title_grams")
        db.execute("DROP TABLE repeal_citations")
        db.execute("DROP TABLE validity_repeals")
        db.execute("ALTER TABLE layer_records DROP COLUMN effective_from")
        db.execute("ALTER TABLE layer_records DROP COLUMN expires_on")
        for column in ("region", "issuer", "agency", "doc_type", "year", "gazette", "section", "level"):
            db.execute(f"DROP INDEX search_combos_{column}")  # and without 0007
        db.execute("DELETE FROM schema_version WHERE version >= 5")
    with open_store(path) as store:
        assert store.schema_version == 8
        assert store.validity_repeals() == {REPEALED: ("140322/2024/4/2", "2024-05-01")}
        assert REPEALED not in in_force_by_search(store, "2024-06-01")
        assert REPEALED in in_force_by_search(store, "2024-04-30")

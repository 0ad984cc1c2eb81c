"""The groups layer stored, exported and shown: ``list_layer("groups")`` on both backends,
``gongbao export --layer groups``, ``/api/layers/groups``, ``/api/groups`` and
``/api/groups/{name}``, the ``/groups`` pages and the groups on a person's page — on two
平定县 issues, one setting a 领导小组 up and one adjusting it (人员调整)."""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gongbao.http import create_app
from gongbao.cli import app
from gongbao.store import open_store

from .conftest import BACKENDS, save_text
from .layer_scoring import GAZETTE

GROUP = "平定县森林防火工作领导小组"
SETUP = GAZETTE.format(issue=2, number="平政发〔2024〕20号", office="", title=f"成立{GROUP}", date="2024年4月1日", body="""\
经县政府研究，决定成立平定县森林防火工作领导小组。组成人员如下：

组　长：王建国　副县长
副组长：李　明　县政府办公室主任
成　员：赵　刚　县财政局副局长
　　　　孙丽华　县应急管理局副局长

领导小组办公室设在县林业局，办公室主任由赵刚同志兼任。

成员单位：县发改局、县公安局。""")
ADJUSTMENT = GAZETTE.format(issue=3, number="平政发〔2024〕40号", office="", title=f"调整{GROUP}组成人员",
                            date="2024年7月10日", body="""\
因人事变动，经县政府研究，决定对县森林防火工作领导小组组成人员进行调整。调整后的组成人员如下：

组　长：王建国　副县长
副组长：钱　进　县林业局局长
成　员：赵　刚　县财政局副局长
　　　　冯　涛　县应急管理局局长""")


def _fill(url: str) -> str:
    with open_store(url) as store:
        assert save_text(store, SETUP, "pingding_2024_2.txt").status == "added"
        assert save_text(store, ADJUSTMENT, "pingding_2024_3.txt").status == "added"
    return url


@pytest.fixture(scope="module")
def groups_db(new_store_url) -> str:
    return _fill(new_store_url("sqlite"))


@pytest.fixture(scope="module")
def client(groups_db):
    with TestClient(create_app(groups_db)) as client:
        yield client


@pytest.mark.parametrize("backend", BACKENDS)
def test_stored_records_filter_by_person_and_document(new_store_url, backend):
    with open_store(_fill(new_store_url(backend))) as store:
        records = list(store.list_layer("groups"))
        assert [(r["role"], r["person"] or r["office"] or r["position"]) for r in records] == [
            ("组长", "王建国"), ("副组长", "李明"), ("成员", "赵刚"), ("成员", "孙丽华"), ("办公室", "县林业局"),
            ("办公室主任", "赵刚"), ("成员单位", "县发改局"), ("成员单位", "县公安局"),
            ("组长", "王建国"), ("副组长", "钱进"), ("成员", "赵刚"), ("成员", "冯涛"),
        ]
        assert {r["group"] for r in records} == {GROUP}
        assert [r["doc_id"] for r in store.list_layer("groups", person="冯涛")] == ["140321/2024/3/1"]
        assert [r["role"] for r in store.list_layer("groups", person="赵刚", gazette_id="140321/2024/2")] == \
            ["成员", "办公室主任"]
        assert [r["person"] for r in store.list_layer("groups", unit="县应急局")] == ["孙丽华", "冯涛"]


def test_export_layer_groups(groups_db):
    result = CliRunner().invoke(app, ["export", "--layer", "groups", "--format", "csv", "--no-bom", "--db", groups_db])
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0][:11] == ["doc_id", "doc_number", "doc_seq", "span", "group", "role", "person", "position",
                             "organisation", "office", "date"]
    assert ["王建国", "副县长", "平定县人民政府"] == table[1][6:9] and len(table) == 13
    lines = CliRunner().invoke(app, ["export", "--layer", "groups", "--db", groups_db]).stdout.splitlines()
    assert json.loads(lines[4])["office"] == "县林业局" and json.loads(lines[4])["person"] is None


def test_api_group_history_members_by_role_and_office(client):
    page = client.get("/api/layers/groups", params={"person": "钱进"}).json()
    assert page["total"] == 1 and page["records"][0]["adjustment"] is True
    listing = client.get("/api/groups").json()
    assert listing == [{"name": GROUP, "documents": 2, "persons": 6, "offices": ["县林业局"],
                        "latest_date": "2024-07-10", "url": "/groups/" + quote(GROUP)}]
    view = client.get("/api/groups/" + quote(GROUP)).json()
    assert [(d["date"], d["adjustment"], d["members"]) for d in view["documents"]] == [
        ("2024-04-01", False, 5), ("2024-07-10", True, 4)]
    setup, later = view["documents"]
    assert [(r["role"], [m["person"] for m in r["members"]]) for r in setup["roles"]] == [
        ("组长", ["王建国"]), ("副组长", ["李明"]), ("成员", ["赵刚", "孙丽华"]), ("办公室主任", ["赵刚"])]
    assert [o["office"] for o in setup["offices"]] == ["县林业局"]
    assert view["current"] == later and later["document"]["doc_number"] == "平政发〔2024〕40号"
    assert view["subgroups"] == [] and view["parent"] is None
    units = client.get("/api/layers/groups", params={"doc_id": "140321/2024/2/1"}).json()["records"][-2:]
    assert [(u["role"], u["position"], u["organisation"]) for u in units] == [
        ("成员单位", "县发改局", "平定县发展和改革局"), ("成员单位", "县公安局", "平定县公安局")]
    assert client.get("/api/groups/" + quote("没有这个领导小组")).status_code == 404


def test_group_page_shows_the_latest_composition_first_and_links_the_source(client):
    response = client.get("/groups/" + quote(GROUP))
    assert response.status_code == 200
    text = response.text
    assert f"<h1>{GROUP}</h1>" in text
    latest, earlier = text.index("现组成"), text.index("以往组成")
    assert latest < text.index("钱进") < earlier < text.index("李明")
    assert "人员调整" in text and "办公室设在 <strong>县林业局</strong>" in text
    assert 'href="/source/140321/2024/3?start=' in text and f'href="/people/{quote("冯涛")}"' in text
    assert client.get("/groups").text.count(f'href="/groups/{quote(GROUP)}"') == 1
    assert client.get("/groups/" + quote("没有这个领导小组")).status_code == 404


def test_person_page_lists_the_groups_of_someone_with_no_appointment(client):
    text = client.get("/people/" + quote("赵刚")).text
    assert "所在领导小组与工作机构（3）" in text and text.count(f'href="/groups/{quote(GROUP)}"') == 3
    assert "办公室主任" in text and "公报中没有此人的任免或分工记录" in text
    api = client.get("/api/people/" + quote("赵刚")).json()
    assert [(g["role"], g["date"]) for g in api["groups"]] == [
        ("成员", "2024-04-01"), ("办公室主任", "2024-04-01"), ("成员", "2024-07-10")]


def test_document_page_shows_its_groups(client):
    text = client.get("/140321/2024/2/1").text
    assert "领导小组与工作机构（8）" in text and f'href="/groups/{quote(GROUP)}"' in text


def test_markup_in_a_list_is_shown_inert(new_store_url):
    hostile = SETUP.replace("县政府办公室主任", "<script>alert(1)</script>主任")
    url = new_store_url("sqlite")
    with open_store(url) as store:
        assert save_text(store, hostile, "hostile.txt").status == "added"
    with TestClient(create_app(url)) as client:
        (member,) = client.get("/api/layers/groups", params={"person": "李明"}).json()["records"]
        assert member["position"].startswith("<script>alert") and member["position"].endswith("</script>主任")
        for path in ("/groups/" + quote(GROUP), "/people/" + quote("李明"), "/140321/2024/2/1"):
            page = client.get(path)
            assert page.status_code == 200
            assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text, path

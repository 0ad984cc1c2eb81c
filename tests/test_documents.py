"""Documents as governments publish them (issue #13): single documents, 令, replies to
proposals, policy-library pages, issues without a cover, run-together duties.

* ``test_document_fixture`` runs every pair in ``tests/fixtures/documents/`` (``NN_slug.txt``
  or ``.html`` + ``NN_slug.json``, written blind to the parser; see its README) through the
  public API and compares every key the truth file gives, as ``tests/test_synthetic.py``
  does; ``duties`` are compared with the duties layer. The folder may not exist yet.
* The other tests each pin one rule on a small generated input.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongbao.export import document_records
from gongbao.formats import read_bytes
from gongbao.model import DocNumber, gazette_id
from gongbao.pipeline import parse, parse_text

from .test_synthetic import _compare_documents, norm

FIXTURES = Path(__file__).parent / "fixtures" / "documents"
PAIRS = sorted(FIXTURES.glob("*.json")) if FIXTURES.is_dir() else []


def _parse_fixture(truth: Path):
    data = json.loads(truth.read_text(encoding="utf-8"))
    source = truth.with_name(data["source"])
    return data, parse(read_bytes(source.read_bytes(), source.name).source)


def _duties(result) -> list[dict]:
    return [
        {"doc_seq": r.doc_seq, "leader": r.fields.get("leader"), "role": r.fields.get("role"),
         "areas": r.fields.get("areas"), "units": r.fields.get("units")}
        for r in result.layers if r.layer == "duties"
    ]


@pytest.mark.parametrize("truth", PAIRS, ids=[p.stem for p in PAIRS])
def test_document_fixture(truth: Path):
    data, result = _parse_fixture(truth)
    problems = _compare_documents(data["documents"], document_records(result))
    for key, want in (data.get("gazette") or {}).items():
        got = getattr(result.gazette, key, None)
        if norm(got) != norm(want):
            problems.append(f"  gazette.{key}: expected {want!r}, got {got!r}")
    if "duties" in data:
        got = _duties(result)
        want_keys = [{k: d.get(k) for k in ("doc_seq", "leader", "role", "areas", "units")} for d in data["duties"]]
        if [norm(json.dumps(d, ensure_ascii=False)) for d in got] != [norm(json.dumps(d, ensure_ascii=False)) for d in want_keys]:
            problems.append(f"  duties: expected {want_keys}, got {got}")
    if problems:
        pytest.fail(f"{truth.stem}:\n" + "\n".join(problems), pytrace=False)


# --- single documents ------------------------------------------------------------------------

SINGLE = """国务院办公厅关于加强
城市内涝治理的实施意见

国办发〔2021〕11号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：

城市内涝治理是系统工程。为加快推进城市内涝治理，经国务院同意，现提出以下意见。

国务院办公厅

2021年4月8日

（此件公开发布）
"""


def test_a_document_at_the_top_of_a_file_is_one_document_source():
    result = parse_text(SINGLE, "single.txt")
    (doc,) = result.documents
    assert (doc.title, doc.doc_number.text, doc.issuer) == ("国务院办公厅关于加强城市内涝治理的实施意见", "国办发〔2021〕11号", "国务院办公厅")
    assert result.gazette.kind == "document"
    # the central government's region, the year of its date, its 文号: never an issue's integer
    assert gazette_id(result) == "100000/2021/国办发〔2021〕11号"
    assert any("central organ" in e for e in result.gazette.evidence)


def test_a_county_document_takes_its_region_from_the_issuer():
    text = SINGLE.replace("国务院办公厅", "平遥县人民政府办公室").replace("国办发", "平政办发")
    result = parse_text(text, "county.txt")
    assert gazette_id(result) == "140728/2021/平政办发〔2021〕11号"
    assert result.gazette.region == "平遥县"


def test_an_issue_keeps_its_issue_id():
    text = "平遥县人民政府公报\n\n2023年第3期\n\n" + SINGLE.replace("国务院办公厅", "平遥县人民政府办公室").replace("国办发", "平政办发")
    result = parse_text(text, "issue.txt")
    assert result.gazette.kind == "issue" and gazette_id(result) == "140728/2023/3"


# --- 令 ----------------------------------------------------------------------------------------

ORDER = """浙江省人民政府令

第388号

《浙江省公共数据条例实施办法》已经省人民政府第10次常务会议审议通过，现予公布，自2022年3月1日起施行。

省长　王浩

2022年1月20日

浙江省公共数据条例实施办法

第一条　为了规范公共数据管理，制定本办法。

第二条　本办法自2022年3月1日起施行。
"""


def test_an_order_is_numbered_and_carries_its_regulation():
    result = parse_text(ORDER, "order.txt")
    order, regulation = document_records(result)
    assert (order["title"], order["doc_type"], order["doc_number"], order["issuer"]) == (
        "浙江省人民政府令", "令", "浙江省人民政府令第388号", "浙江省人民政府")
    assert order["signed_by"] == "省长王浩"
    assert (regulation["title"], regulation["doc_type"], regulation["parent_seq"]) == ("浙江省公共数据条例实施办法", "办法", 1)
    assert (regulation["promulgated"], regulation["effective"]) == ("2022-01-20", "2022-03-01")
    validity = [r.fields for r in result.layers if r.layer == "validity" and r.doc_seq == 2]
    assert validity and validity[0].get("effective_from") == "2022-03-01"


@pytest.mark.parametrize("typed", ["国务院令第707号", "国令第707号", "中华人民共和国国务院令（第707号）", "国令 第 707 号"])
def test_order_numbers_are_read_in_any_spelling(typed):
    assert DocNumber.parse(typed, loose=True).text == "国令第707号"


# --- replies, notes, forwarded documents --------------------------------------------------------

def test_a_reply_to_a_proposal_has_one_person_as_recipient():
    text = """关于政协十三届全国委员会第1234号提案答复的函

教提案〔2020〕第256号

王某某委员：

您提出的《关于加强农村义务教育学校建设的提案》收悉，现答复如下。

感谢您对教育工作的关心和支持。

教育部

2020年9月10日
"""
    (doc,) = document_records(parse_text(text, "reply.txt"))
    assert (doc["recipients"], doc["doc_type"], doc["body_start"][:4]) == ("王某某委员", "函", "您提出的")


def test_an_editorial_note_is_not_glued_to_the_next_title():
    text = SINGLE.replace("（此件公开发布）\n", "（本文有删减）\n\n城市内涝治理实施方案\n\n一、目标\n\n到2025年，内涝治理取得明显成效。\n").replace(
        "国务院办公厅关于加强\n城市内涝治理的实施意见", "国务院办公厅关于印发\n城市内涝治理实施方案的通知")
    records = document_records(parse_text(text, "note.txt"))
    assert [r["title"] for r in records] == ["国务院办公厅关于印发城市内涝治理实施方案的通知", "城市内涝治理实施方案"]
    assert records[1]["parent_seq"] == 1


# --- policy-library pages ------------------------------------------------------------------------

PAGE = """<html><head><meta charset="utf-8"><title>t</title></head><body>
<table><tr><td>索引号：</td><td>000014349/2021-00036</td><td>主题分类：</td><td>城乡建设、环境保护\\城市规划管理</td></tr>
<tr><td>发文机关：</td><td>国务院办公厅</td><td>成文日期：</td><td>2021年04月{day}日</td></tr>
<tr><td>标题：</td><td>国务院办公厅关于加强城市内涝治理的实施意见</td></tr>
<tr><td>发文字号：</td><td>国办发〔2021〕11号</td><td>发布日期：</td><td>2021年04月25日</td></tr></table>
<div>{body}</div></body></html>"""


def _page(day: str) -> bytes:
    body = "".join(f"<p>{line}</p>" for line in SINGLE.splitlines() if line)
    return PAGE.format(day=day, body=body).encode("utf-8")


def test_a_policy_library_table_is_stored_and_checked():
    result = parse(read_bytes(_page("08"), "page.html").source)
    (doc,) = document_records(result)
    assert (doc["index_no"], doc["subject"], doc["published"]) == ("000014349/2021-00036", "城乡建设、环境保护\\城市规划管理", "2021-04-25")
    assert doc["metadata_disagrees"] == [] and not [w for w in result.warnings if w.code == "page.disagrees"]
    assert not result.unplaced  # the table is evidence, not unplaced text


def test_the_text_wins_over_a_disagreeing_table_date():
    result = parse(read_bytes(_page("05"), "page.html").source)
    (doc,) = document_records(result)
    assert doc["date"] == "2021-04-08" and doc["page"]["成文日期"] == "2021年04月05日"
    assert doc["metadata_disagrees"] == ["date"]
    assert [w.code for w in result.warnings if w.seq == 1] == ["page.disagrees"]


# --- issues without a cover --------------------------------------------------------------------

def test_an_excerpt_without_cover_reads_its_identity_from_running_headers():
    body = SINGLE.replace("国务院办公厅", "平遥县人民政府办公室").replace("国办发", "平政办发")
    pages = []
    for n, chunk in enumerate(body.split("\n\n")):
        pages.append(chunk + f"\n\n3/2023 平遥县人民政府公报\n\n— {n + 1} —\n")
    result = parse_text("\n\n".join(pages), "excerpt.txt")
    gz = result.gazette
    assert (gz.kind, gz.year, gz.issue, gz.region_code) == ("issue", 2023, 3, "140728")
    assert any("running header" in e for e in gz.evidence)
    assert gazette_id(result) == "140728/2023/3"


# --- duties written run-together --------------------------------------------------------------

def test_run_together_duties_give_a_record():
    text = """平遥县人民政府关于县政府领导工作分工的通知

平政发〔2024〕5号

各乡（镇）人民政府，县直各有关单位：

现将县政府领导工作分工通知如下：

任某某县委常委、政府党组副书记、副县长:负责县政府日常工作,负责财政、审计方面工作。

分管:县财政局、县审计局。

联系：县税务局。

平遥县人民政府

2024年3月1日
"""
    result = parse_text(text, "duties.txt")
    (rec,) = _duties(result)
    assert (rec["leader"], rec["role"]) == ("任某某", "副县长")
    assert rec["units"] == ["县财政局", "县审计局", "县税务局"]


# --- ingest: a single document as text, DOCX and HTML, stored, browsable, searchable ----------

def test_ingest_stores_single_documents_beside_issues(tmp_path):
    from typer.testing import CliRunner

    from gongbao.cli import app
    from gongbao.search import lookup_doc_number
    from gongbao.store import open_store

    from .formats_render import render_docx

    order = tmp_path / "order.txt"
    order.write_text(ORDER, encoding="utf-8")
    notice = render_docx(SINGLE, tmp_path / "notice.docx")
    page = tmp_path / "page.html"
    page.write_bytes(_page("08"))
    db = tmp_path / "store.db"
    result = CliRunner().invoke(app, ["ingest", str(order), str(notice), "--db", str(db)], env={"GONGBAO_DB": None})
    assert result.exit_code == 0, result.output
    with open_store(db) as store:
        ids = {g["id"] for g in store.list_gazettes()}
        assert ids == {"330000/2022/浙江省人民政府令第388号", "100000/2021/国办发〔2021〕11号"}
        assert lookup_doc_number(store, "省政府令第388号") == ["330000/2022/浙江省人民政府令第388号/1"]
        assert lookup_doc_number(store, "国办发(2021)11号") == ["100000/2021/国办发〔2021〕11号/1"]
    # the same document from its policy-library page replaces the DOCX parse, now with the table's keys
    result = CliRunner().invoke(app, ["ingest", str(page), "--db", str(db)], env={"GONGBAO_DB": None})
    assert result.exit_code == 0 and "replaced" in result.output, result.output
    with open_store(db) as store:
        record = store.get_document("100000/2021/国办发〔2021〕11号/1")
        assert record["index_no"] == "000014349/2021-00036"
        from gongbao.search import search
        from gongbao.search.types import SearchQuery

        hits = search(store, SearchQuery(q="内涝治理")).hits
        assert [h.id for h in hits] == ["100000/2021/国办发〔2021〕11号/1"]


# --- one rule each, on small texts -----------------------------------------------------------------

def _records(text: str) -> list[dict]:
    return document_records(parse_text(text, "t.txt"))


@pytest.mark.parametrize("number_line, expected", [
    ("〔2005〕第5号", "河北省人民政府令〔2005〕第5号"),
    ("2021年第5号", "河北省人民政府令2021年第5号"),
    ("（第12号）", "河北省人民政府令第12号"),
])
def test_order_numbers_keep_their_printed_year_form(number_line, expected):
    text = ORDER.replace("浙江省", "河北省").replace("第388号", number_line)
    assert _records(text)[0]["doc_number"] == expected


def test_announcement_numbers_by_year_and_di_inside_brackets():
    text = """国家税务总局关于简化增值税发票领用有关事项的公告

国家税务总局公告2021年第8号

为进一步优化税收营商环境，现将有关事项公告如下：

一、纳税人领用发票时可以在线办理。

特此公告。

国家税务总局

2021年3月31日
"""
    (doc,) = _records(text)
    assert (doc["doc_number"], doc["doc_type"]) == ("国家税务总局公告2021年第8号", "公告")
    reply = _records(SINGLE.replace("国办发〔2021〕11号", "国办发〔2021〕第11号"))[0]
    assert reply["doc_number"] == "国办发〔2021〕第11号"


def test_a_reply_without_issuer_in_its_title_is_issued_by_its_signer():
    text = """关于市十六届人大三次会议第56号建议的答复

赵某某等5名代表：

你们提出的《关于加快农村供水保障的建议》收悉，现答复如下。

我局将继续推进农村供水工程建设。

永康市农业农村局

2024年6月20日
"""
    (doc,) = _records(text)
    assert (doc["doc_type"], doc["recipients"], doc["issuer"]) == ("答复", "赵某某等5名代表", "永康市农业农村局")


def test_an_appointment_list_is_a_document():
    text = """国务院任免国家工作人员

（2020年7月10日）

任命张某某为国家发展和改革委员会副主任。

免去王某某的教育部副部长职务。
"""
    (doc,) = _records(text)
    assert (doc["doc_type"], doc["issuer"], doc["date"]) == ("任免", "国务院", "2020-07-10")


def test_a_note_between_title_and_number_belongs_to_neither():
    text = SINGLE.replace("\n\n国办发", "\n\n（本文有删减）\n\n国办发")
    result = parse_text(text, "t.txt")
    (doc,) = document_records(result)
    assert doc["title"] == "国务院办公厅关于加强城市内涝治理的实施意见" and doc["doc_number"] == "国办发〔2021〕11号"
    assert "editorial_note" in doc["spans"] and not result.unplaced


def test_a_page_without_title_in_its_text_takes_the_tables():
    body = "".join(f"<p>{line}</p>" for line in SINGLE.splitlines()[5:] if line)  # from the 主送 on
    result = parse(read_bytes(PAGE.format(day="08", body=body).encode("utf-8"), "page.html").source)
    (doc,) = document_records(result)
    assert (doc["title"], doc["doc_number"], doc["recipients"]) == (
        "国务院办公厅关于加强城市内涝治理的实施意见", "国办发〔2021〕11号", "各省、自治区、直辖市人民政府，国务院各部委、各直属机构")


def test_law_database_fields_are_page_metadata_not_title():
    text = "【标题】浙江省公共数据条例实施办法\n【发布部门】浙江省人民政府\n【发文字号】浙江省人民政府令第388号\n【发布日期】2022.01.20\n\n" + ORDER
    records = _records(text)
    assert [r["title"] for r in records] == ["浙江省人民政府令", "浙江省公共数据条例实施办法"]
    assert records[0]["page"]["发布部门"] == "浙江省人民政府" and records[0]["published"] == "2022-01-20"


def test_sections_come_from_running_headers():
    body = SINGLE.replace("国务院办公厅", "平遥县人民政府办公室").replace("国办发", "平政办发")
    text = "3/2023 平遥县人民政府公报 ·县政府办公室文件·\n\n" + body + "\n\n3/2023 平遥县人民政府公报 ·县政府办公室文件·\n"
    result = parse_text(text, "t.txt")
    assert [d.section for d in result.documents] == ["县政府办公室文件"]
    assert (result.gazette.year, result.gazette.issue) == (2023, 3)


def test_site_footers_are_no_text_of_a_page():
    page = _page("08").replace(b"</body>", "<p>责任编辑：王某</p><p>某某省人民政府办公厅主办　京ICP备05000000号</p></body>".encode())
    text = read_bytes(page, "page.html").source.text
    assert "责任编辑" not in text and "ICP" not in text


def test_an_order_with_its_number_on_the_title_line():
    text = ORDER.replace("浙江省人民政府令\n\n第388号", "浙江省人民政府令　第388号").replace("省长　王浩", "省长：王浩")
    order, regulation = _records(text)
    assert (order["title"], order["doc_number"], order["signed_by"]) == ("浙江省人民政府令", "浙江省人民政府令第388号", "省长王浩")
    assert regulation["parent_seq"] == 1
    # the same line in a TOC (a title follows, not a sentence) starts no document
    toc = "目　　录\n\n浙江省人民政府令（第388号）\n浙江省公共数据条例实施办法…………（2）\n\n" + ORDER
    assert [r["title"] for r in _records(toc)] == ["浙江省人民政府令", "浙江省公共数据条例实施办法"]


def test_a_national_gazette_cover_numbers_its_issues_with_hao():
    cover = "中华人民共和国国务院公报\n\n2020年　第20号\n\n（总号：1703）\n\n国务院办公厅　　2020年7月20日\n\n"
    result = parse_text(cover + SINGLE, "gazette.txt")
    gz = result.gazette
    assert (gz.kind, gz.year, gz.issue, gz.total_issue, gz.published) == ("issue", 2020, 20, 1703, "2020-07-20")
    assert (gz.region, gazette_id(result)) == ("中华人民共和国", "100000/2020/20")


def test_a_forwarded_report_with_its_own_header_is_carried():
    text = """平遥县人民政府办公室
转发县教育局关于2023年秋季学期学校安全工作情况的报告的通知

平政办发〔2023〕12号

各乡镇人民政府，县直各单位：

县教育局《关于2023年秋季学期学校安全工作情况的报告》已经县人民政府同意，现转发给你们，请认真贯彻执行。

平遥县人民政府办公室

2023年9月1日

平遥县教育局
关于2023年秋季学期学校安全工作情况的报告

平教字〔2023〕30号

县人民政府：

今年以来，我局认真落实学校安全工作责任制，现将有关情况报告如下。

平遥县教育局

2023年8月25日
"""
    notice, report = _records(text)
    assert notice["issuer"] == "平遥县人民政府办公室" and notice["title"].startswith("平遥县人民政府办公室转发")
    assert (report["parent_seq"], report["doc_number"], report["recipients"]) == (1, "平教字〔2023〕30号", "县人民政府")


@pytest.mark.parametrize("typed, normalized", [
    ("国家税务总局公告 2021年第8号", "国家税务总局公告2021年第8号"),
    ("浙江省人民政府令（第388号）", "浙江省人民政府令第388号"),
    ("国办发[2021]11号", "国办发〔2021〕11号"),
])
def test_numbers_typed_in_other_spellings(typed, normalized):
    assert DocNumber.parse(typed, loose=True).text == normalized

"""Nothing of an issue is lost (issue #12): attachments, tables and articles are content, and
every character of a source is accounted for.

The texts here are generated in the test (a county notice with the shape under test), so each
assertion reads real parser output on input whose right answer is known by construction.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gongbao.export import document_records
from gongbao.pipeline import parse_text
from gongbao.model import Span
from gongbao.pipeline.account import FURNITURE_RULES, PLACES, account
from gongbao.pipeline.normalize import clean_line

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIXTURES = Path(__file__).parent / "fixtures" / "synthetic"
SOURCES = sorted(CORPUS.glob("0*.txt")) + sorted(FIXTURES.glob("*.txt"))

HEAD = """安吉县人民政府公报
2024年第2期（总第88期）
安吉县人民政府办公室编印　　2024年6月30日出版

安吉县人民政府办公室
关于印发安吉县秸秆综合利用工作方案的通知
安政办发〔2024〕31号

各乡镇人民政府，县政府各部门：
　　经县政府同意，现将《安吉县秸秆综合利用工作方案》印发给你们，请认真贯彻执行。
"""


def notice(tail: str, middle: str = "") -> str:
    """A notice whose closing and attachments are ``tail`` (and body text ``middle``)."""
    return HEAD + middle + tail


SIGNED = """
安吉县人民政府办公室
2024年5月20日
"""


def _doc(text: str, seq: int = 1) -> dict:
    result = parse_text(text, "generated.txt")
    records = document_records(result)
    return next(r for r in records if r["seq"] == seq), result


# --- conservation --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_account_sums_to_the_source_and_nothing_is_silently_outside(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    result = parse_text(text, path.name)
    acc = account(result)
    assert acc.total == acc.length == len(result.source.text)
    assert set(acc.chars) == set(PLACES), f"characters in no place: {acc.chars}"
    assert sum(acc.lines.values()) == result.source.text.count("\n") + 1
    assert acc.unclaimed == [], "characters inside a document that no element holds must be reported unplaced"
    # what is outside every document and not furniture is reported, with its text
    reported = sum(len(re.sub(r"\s", "", u.text)) for u in result.unplaced)
    assert acc.chars["unplaced"] <= reported


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_no_number_is_removed_unless_it_is_a_page_number_in_sequence(path: Path):
    result = parse_text(path.read_text(encoding="utf-8", errors="replace"), path.name)
    pages = [(r.before, int(re.search(r"\d+", r.before).group())) for r in result.repairs
             if r.rule == "page_number" and re.search(r"\d", r.before)]
    for i, (printed, value) in enumerate(pages):
        if re.search(r"[-—–－·•第页/]", printed):
            continue  # a decorated page number (— 12 —, ·12·, 第3页) says what it is
        neighbours = [v for _s, v in pages[max(0, i - 1): i] + pages[i + 1: i + 2]]
        assert any(1 <= abs(value - v) <= 2 for v in neighbours), f"number {value} removed out of any page sequence"
    for r in result.repairs:
        if r.rule not in ("page_number", "page_header") and re.search(r"\d", r.before):
            kept = re.findall(r"\d+", r.after)
            for digits in re.findall(r"\d+", r.before):
                assert any(digits in k or k in digits for k in kept) or r.rule.startswith(("ocr.", "clean:")), (r.rule, r.before)


def test_account_of_the_shared_issues_places_everything_in_documents():
    for path in sorted(CORPUS.glob("0*.txt")):
        acc = account(parse_text(path.read_text(encoding="utf-8"), path.name))
        assert acc.chars["unplaced"] == 0 and acc.document_share == 1.0, (path.name, acc.chars)
        # the only non-furniture removals are extraction residue: markdown/HTML markup and moved fragments
        for removal in acc.removals:
            assert removal["rule"].startswith(("clean:", "join.displaced")), removal
            if removal["rule"].startswith("clean:"):
                assert re.fullmatch(r"[#*|\-+>$\\_<>/a-z]+", removal["text"]), removal


def test_cell_per_line_numbers_are_kept_as_table_cells():
    table = "\n".join([
        "表1　地块供应计划", "单位：公顷", "",
        "序号", "地块名称", "面积", "", "1", "东区地块", "15172.500", "", "2", "西区地块", "103655.000",
        "", "3", "南区地块", "1445", "", "4", "北区地块", "555", "",
    ])
    text = notice(SIGNED, "　　一、供应计划如下。\n" + table + "\n　　二、各单位按计划执行。\n")
    doc, result = _doc(text)
    assert not [r for r in result.repairs if r.rule == "page_number"]
    tables = doc["tables"]
    assert len(tables) == 1
    t = tables[0]
    assert t["caption"] == "表1　地块供应计划".replace("　", "") or t["caption"].startswith("表1")
    assert t["unit"] == "公顷"
    assert t["header"] == ["序号", "地块名称", "面积"]
    assert t["rows"] == [["1", "东区地块", "15172.500"], ["2", "西区地块", "103655.000"], ["3", "南区地块", "1445"], ["4", "北区地块", "555"]]


def test_page_numbers_between_pages_are_furniture_and_a_lone_number_is_not():
    pages = []
    for page in range(3, 7):
        pages.append("\n".join(f"　　（{k}）第{page}页的第{k}段正文内容，按要求落实到位。" for k in range(1, 8)))
        pages.append(f"\n{page}\n")
    text = notice(SIGNED, "\n".join(pages) + "\n全年任务\n12\n")
    _doc_record, result = _doc(text)
    removed = sorted(int(r.before.strip()) for r in result.repairs if r.rule == "page_number")
    assert removed == [3, 4, 5, 6]
    assert "12" in json.dumps(document_records(result), ensure_ascii=False)


def test_spaces_in_a_running_header_are_furniture_and_a_paragraph_no_element_holds_is_unclaimed_around_it():
    pages = []
    for page in range(3, 6):
        pages += [f"　　（{page}）第{page}页的正文内容，按要求落实到位，各单位要结合实际", f"安吉县人民政府公报　　— {page} —", "认真组织实施。"]
    text = notice(SIGNED, "\n".join(pages) + "\n")
    result = parse_text(text, "generated.txt")
    furniture = [(r.start, r.end) for r in result.repairs if r.rule in FURNITURE_RULES]
    assert [text[a:b] for a, b in furniture] == [f"安吉县人民政府公报　　— {page} —" for page in range(3, 6)]
    acc = account(result)
    assert acc.chars["furniture"] == sum(b - a for a, b in furniture)  # its spaces too
    assert acc.chars["blank"] == sum(1 for i, c in enumerate(text) if c.isspace() and not any(a <= i < b for a, b in furniture))
    assert acc.unclaimed == []
    # the paragraph of page 4, printed over the running header, is held by no element any more:
    # its printed characters are unclaimed, in two runs the header's printed characters part
    paragraph = result.documents[0].paragraphs.pop(2)
    assert paragraph.text.startswith("（4）")
    header_end = next(b for a, b in furniture if paragraph.span.start < a < paragraph.span.end)
    assert account(result).unclaimed == [Span(paragraph.span.start, text.index("\n", paragraph.span.start)), Span(header_end + 1, paragraph.span.end)]


# --- attachments ------------------------------------------------------------------------------------

ATTACHMENT_PAGE = """
附件1

安吉县秸秆综合利用工作领导小组成员名单

组　　长：王建国　　县政府副县长
副组长：李明华　　县农业农村局局长
成　　员：赵小红　　县财政局副局长
　　　　　钱进　　县生态环境分局副局长

附件2：安吉县秸秆收储点布局表（略）
"""


def test_attachment_pages_after_the_date_are_kept_whole():
    text = notice(SIGNED + "（此件公开发布）\n" + ATTACHMENT_PAGE, "　　附件：1.安吉县秸秆综合利用工作领导小组成员名单\n　　　　　2.安吉县秸秆收储点布局表（略）\n")
    doc, result = _doc(text)
    assert doc["attachments"] == ["安吉县秸秆综合利用工作领导小组成员名单", "安吉县秸秆收储点布局表"]
    bodies = doc["attachment_bodies"]
    assert [(a["number"], a["title"], a["omitted"]) for a in bodies] == [
        (1, "安吉县秸秆综合利用工作领导小组成员名单", False),
        (2, "安吉县秸秆收储点布局表", True),
    ]
    assert "王建国" in bodies[0]["text"] and "钱进" in bodies[0]["text"]
    assert "组长：王建国" in bodies[0]["text"].replace("\t", "")  # letter-spaced 组　　长 joined
    assert doc["span"][0] <= bodies[0]["span"][0] < bodies[-1]["span"][1] <= doc["span"][1]
    assert account(result).unclaimed == []


def test_attachment_printed_before_the_signature_and_over_a_page_break():
    tail = """
附件

安吉县秸秆综合利用重点任务清单

一、建立收储体系
　　各乡镇建设秸秆收储点不少于2个，

2/2024　安吉县人民政府公报

— 8 —

确保就近收储。
二、推进肥料化利用
""" + SIGNED
    doc, result = _doc(notice(tail))
    (att,) = doc["attachment_bodies"]
    assert att["title"] == "安吉县秸秆综合利用重点任务清单" and att["number"] is None and not att["omitted"]
    assert "各乡镇建设秸秆收储点不少于2个，确保就近收储。" in att["text"]  # joined across the page break
    assert "公报" not in att["text"]
    assert doc["date"] == "2024-05-20" and doc["signed_by"] == "安吉县人民政府办公室"


def test_attachment_heading_with_no_text_is_kept_as_omitted_with_a_warning():
    doc, result = _doc(notice(SIGNED + "\n附件\n\n安吉县秸秆禁烧责任书\n", "　　附件：安吉县秸秆禁烧责任书\n"))
    (att,) = doc["attachment_bodies"]
    assert att["omitted"] is True and att["title"] == "安吉县秸秆禁烧责任书"
    assert any(w.code == "attachment.empty" for w in result.warnings)


def test_attachment_text_is_searchable_and_the_excerpt_names_the_attachment(tmp_path):
    from gongbao.ingest import ingest_file
    from gongbao.search import SearchQuery, search
    from gongbao.store import open_store

    path = tmp_path / "issue.txt"
    path.write_text(notice(SIGNED + ATTACHMENT_PAGE), encoding="utf-8")
    with open_store(str(tmp_path / "s.db")) as store:
        ingest_file(store, path)
        result = search(store, SearchQuery(q="钱进"))
    assert result.total == 1
    assert result.hits[0].excerpts[0].startswith("附件1｜")


# --- tables -------------------------------------------------------------------------------------------

def _table(lines: list[str]) -> dict:
    doc, result = _doc(notice(SIGNED, "　　具体安排见下表。\n" + "\n".join(lines) + "\n　　以上请遵照执行。\n"))
    assert len(doc["tables"]) == 1, doc["tables"]
    return doc["tables"][0], result


def test_tab_table_with_caption_unit_header_total_and_two_level_header():
    table, _ = _table([
        "表2　2024年秸秆利用任务\t单位：万吨",
        "序号\t乡镇\t利用量\t\t备注",
        "合计\t其中肥料化",
        "1\t递铺街道\t1.20\t0.80\t",
        "2\t孝丰镇\t0.95\t0.60\t山区",
        "合计\t\t2.15\t1.40\t",
    ])
    assert table["caption"] == "表2　2024年秸秆利用任务".replace("　", "") or table["caption"].startswith("表2")
    assert table["unit"] == "万吨"
    assert table["header"] == ["序号", "乡镇", "利用量/合计", "利用量/其中肥料化", "备注"]
    assert table["rows"][-1] == ["合计", "", "2.15", "1.40", ""]


def test_pipe_table_and_a_cell_broken_over_two_lines():
    table, _ = _table([
        "| 序号 | 单位名称 | 地址 |",
        "|---|---|---|",
        "| 1 | 安吉县第一人民医院 | 递铺街道 |",
        "| 2 | 安吉县中医医院 | 昌硕街道胜利 |",
        "西路",
        "| 3 | 安吉县妇幼保健院 | 递铺街道 |",
    ])
    assert table["header"] == ["序号", "单位名称", "地址"]
    assert table["rows"][1] == ["2", "安吉县中医医院", "昌硕街道胜利西路"]
    assert len(table["rows"]) == 3


def test_ragged_rows_are_padded_at_the_end_with_a_warning_never_realigned():
    table, result = _table([
        "序号\t项目名称\t牵头单位\t完成时限",
        "1\t秸秆收储\t县农业农村局\t2024年6月",
        "2\t禁烧巡查\t县生态环境分局",
    ])
    assert table["rows"][1] == ["2", "禁烧巡查", "县生态环境分局", ""]
    assert any(w.code == "table.ragged_rows" for w in result.warnings)


# --- spacing ----------------------------------------------------------------------------------------

def test_letter_spacing_is_joined_and_name_post_gaps_stay_column_breaks():
    assert clean_line("第一章　总　　则", 0)[0] == "第一章总则"
    assert clean_line("组　　长：王明厚", 0)[0] == "组长：王明厚"
    assert clean_line("孙春兰　　国务院副总理", 0)[0] == "孙春兰\t国务院副总理"
    assert clean_line("张　三　　副县长", 0)[0] == "张三\t副县长"


# --- articles ----------------------------------------------------------------------------------------

RULES = """
安吉县秸秆综合利用管理办法

第一章　总　　则

第一条　为规范秸秆综合利用，根据有关法律法规，结合本县实际，制定本办法。
第二条　本办法适用于本县行政区域内的秸秆综合利用活动。

第二章　收储利用

第三条　县农业农村局负责秸秆收储体系建设：
（一）制定收储点布局规划；
（二）指导乡镇建设收储点。
第四条　鼓励企业参与秸秆肥料化、饲料化利用。

第三章　附　　则

第五条　本办法自2024年7月1日起施行。
"""


def test_articles_with_chapters_and_anchors(tmp_path):
    doc, _ = _doc(notice(SIGNED + "（此件公开发布）\n" + RULES), seq=2)
    assert doc["title"] == "安吉县秸秆综合利用管理办法"
    arts = doc["articles"]
    assert [a["article"] for a in arts] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    assert [a["number"] for a in arts] == [1, 2, 3, 4, 5]
    assert [a["chapter"] for a in arts] == ["第一章总则"] * 2 + ["第二章收储利用"] * 2 + ["第三章附则"]
    assert arts[2]["text"].startswith("县农业农村局负责") and "（二）指导乡镇建设收储点。" in arts[2]["text"]


def test_a_body_citing_an_article_has_no_articles():
    doc, _ = _doc(notice(SIGNED, "　　第十二条规定的事项，由县农业农村局负责。\n"))
    assert doc["articles"] == []


def test_extractors_read_attachments():
    """A 任务分解表 printed as an attachment gives task records pointing into the attachment."""
    tail = SIGNED + """
附件

安吉县秸秆综合利用重点任务分解表

序号\t工作任务\t牵头单位\t责任单位\t完成时限
1\t建设秸秆收储点20个\t县农业农村局\t各乡镇人民政府\t2024年10月底前
2\t开展秸秆禁烧巡查\t县生态环境分局\t各乡镇人民政府\t长期坚持
"""
    _doc_record, result = _doc(notice(tail, "　　附件：安吉县秸秆综合利用重点任务分解表\n"), seq=1)
    doc = result.documents[0]
    (att,) = doc.attachment_bodies
    tasks = [r for r in result.layers if r.layer == "tasks" and r.doc_seq == doc.seq]
    in_attachment = [r for r in tasks if att.span.start <= r.span.start < att.span.end]
    assert {tuple(r.fields["lead_units"]) for r in in_attachment} >= {("县农业农村局",), ("县生态环境分局",)}
    assert any(r.fields["deadline"] == "2024-10-31" for r in in_attachment)


def test_a_citation_of_an_article_links_to_its_anchor(tmp_path):
    from fastapi.testclient import TestClient

    from gongbao.http import create_app
    from gongbao.ingest import ingest_file
    from gongbao.store import open_store

    first = tmp_path / "a.txt"
    first.write_text(notice(SIGNED + "（此件公开发布）\n" + RULES), encoding="utf-8")
    later = (HEAD.replace("2024年第2期（总第88期）", "2024年第3期（总第89期）").replace("安政办发〔2024〕31号", "安政办发〔2024〕40号")
             .replace("关于印发安吉县秸秆综合利用工作方案的通知", "关于做好秸秆禁烧工作的通知")
             .replace("经县政府同意，现将《安吉县秸秆综合利用工作方案》印发给你们，请认真贯彻执行。",
                      "根据《安吉县秸秆综合利用管理办法》第三条，县农业农村局要加快收储点建设。") + SIGNED)
    second = tmp_path / "b.txt"
    second.write_text(later, encoding="utf-8")
    db = str(tmp_path / "s.db")
    with open_store(db) as store:
        ingest_file(store, first)
        ingest_file(store, second)
        rules_id = next(d["id"] for g in store.list_gazettes() for d in store.get_gazette(g["id"])["documents"] if d["title"] == "安吉县秸秆综合利用管理办法")
        citing = next(d["id"] for g in store.list_gazettes() for d in store.get_gazette(g["id"])["documents"] if "秸秆禁烧" in d["title"])
    page = TestClient(create_app(db)).get("/" + citing)
    assert page.status_code == 200
    assert f'href="/{rules_id}#第三条"' in page.text
    rules_page = TestClient(create_app(db)).get("/" + rules_id)
    assert 'id="第三条"' in rules_page.text


def test_a_search_hit_in_an_article_names_it(tmp_path):
    from gongbao.ingest import ingest_file
    from gongbao.search import SearchQuery, search
    from gongbao.store import open_store

    path = tmp_path / "issue.txt"
    path.write_text(notice(SIGNED + "（此件公开发布）\n" + RULES), encoding="utf-8")
    with open_store(str(tmp_path / "s.db")) as store:
        ingest_file(store, path)
        result = search(store, SearchQuery(q="饲料化"))
    assert result.total == 1 and result.hits[0].excerpts[0].startswith("第四条｜")


def test_validity_of_rules_printed_as_an_attachment():
    """A 办法 printed as the notice's 附件 states when it takes effect: the validity layer reads it."""
    head = (HEAD.replace("关于印发安吉县秸秆综合利用工作方案的通知", "关于做好秸秆综合利用工作的通知")
            .replace("经县政府同意，现将《安吉县秸秆综合利用工作方案》印发给你们，请认真贯彻执行。", "请按附件要求做好秸秆综合利用工作。"))
    text = head + "　　附件：安吉县秸秆综合利用管理办法\n" + SIGNED + "\n附件\n" + RULES
    result = parse_text(text, "generated.txt")
    doc = result.documents[0]
    assert [a.title for a in doc.attachment_bodies] == ["安吉县秸秆综合利用管理办法"]
    validity = [r for r in result.layers if r.layer == "validity" and r.doc_seq == doc.seq]
    assert validity and validity[0].fields["effective_from"] == "2024-07-01"


def test_appointments_printed_in_an_attachment_are_read():
    """A 任免 notice whose appointments are listed in its 附件 gives personnel records there (#13)."""
    head = (HEAD.replace("关于印发安吉县秸秆综合利用工作方案的通知", "关于王建国等同志职务任免的通知")
            .replace("经县政府同意，现将《安吉县秸秆综合利用工作方案》印发给你们，请认真贯彻执行。", "经县政府研究决定，王建国等同志职务任免如附件。"))
    text = head + "　　附件：王建国等同志职务任免名单\n" + SIGNED + """
附件

王建国等同志职务任免名单

任命王建国为安吉县农业农村局副局长（试用期一年）；
免去李明华的安吉县财政局副局长职务。
"""
    result = parse_text(text, "generated.txt")
    doc = result.documents[0]
    (att,) = doc.attachment_bodies
    people = {(r.fields["person"], r.fields["action"]) for r in result.layers
              if r.layer == "personnel" and att.span.start <= r.span.start < att.span.end}
    assert {("王建国", "任"), ("李明华", "免")} <= people

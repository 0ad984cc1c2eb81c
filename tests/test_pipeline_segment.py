"""Segmentation rules on small generated fragments (layouts the shared issues lack)."""
from __future__ import annotations

import pytest

from gongbao.pipeline import parse_text
from gongbao.pipeline.carried import carried_titles

NOTICE = """平遥县人民政府办公室
关于做好春季森林防火工作的通知
平政办发〔2023〕9号

各乡（镇）人民政府，县直各有关单位：
为切实做好春季森林防火工作，现就有关事项通知如下。
特此通知。

平遥县人民政府办公室
2023年3月1日
"""


def titles(text: str) -> list[tuple[str, object]]:
    return [(d.title, d.parent_seq) for d in parse_text(text).documents]


def test_announcement_without_number_or_recipients_after_a_closing():
    text = NOTICE + """
平遥县人民政府关于禁止野外用火的通告

为加强森林草原防火工作，保护人民群众生命财产安全，根据有关法律法规，现就有关事项通告如下：
一、每年1月1日至6月30日为森林防火期。
二、防火期内，禁止在林区野外用火。

平遥县人民政府
2023年3月2日
"""
    assert titles(text) == [
        ("平遥县人民政府办公室关于做好春季森林防火工作的通知", None),
        ("平遥县人民政府关于禁止野外用火的通告", None),
    ]


def test_title_ending_in_a_document_kind_inside_a_body_is_not_a_header():
    text = NOTICE.replace(
        "特此通知。",
        "三、关于做好宣传工作的通知\n各乡镇要广泛宣传。\n特此通知。",
    )
    assert len(titles(text)) == 1


def test_carried_opinion_titled_like_an_official_document_is_embedded():
    text = """临县人民政府办公室
关于印发《关于加快发展养老服务业的实施意见》的通知
临政办发〔2022〕30号

各乡镇人民政府，县直各单位：
《关于加快发展养老服务业的实施意见》已经县人民政府同意，现印发给你们，请认真贯彻执行。

临县人民政府办公室
2022年9月1日

关于加快发展养老服务业的实施意见

为加快发展养老服务业，满足老年人多样化服务需求，提出如下意见。
一、总体要求。
"""
    assert titles(text) == [
        ("临县人民政府办公室关于印发《关于加快发展养老服务业的实施意见》的通知", None),
        ("关于加快发展养老服务业的实施意见", 1),
    ]


@pytest.mark.parametrize(
    "title, expected",
    [
        ("X关于印发《A方案》和《B办法》的通知", ["A方案", "B办法"]),
        ("X关于印发森林防火办法（试行）和野外用火管理细则的通知", ["森林防火办法（试行）", "野外用火管理细则"]),
        ("X关于印发《A贯彻落实〈B计划〉的工作方案》的通知", ["A贯彻落实〈B计划〉的工作方案"]),
        ("X关于转发市政府办公室关于做好Y工作的通知的通知", ["市政府办公室关于做好Y工作的通知"]),
        ("X关于做好Y工作的通知", []),
    ],
)
def test_carried_titles_from_the_notice_title(title, expected):
    assert carried_titles(title) == expected


def test_masthead_and_number_before_the_title():
    text = """阳 曲 县 人 民 政 府 文 件

曲 政 发 〔 2021 〕 7 号

阳曲县人民政府
关于公布县级权责清单的决定

各乡（镇）人民政府，县直各单位：
现将县级权责清单予以公布。

阳曲县人民政府
2021年5月8日
"""
    doc = parse_text(text).documents[0]
    assert doc.title == "阳曲县人民政府关于公布县级权责清单的决定"
    assert doc.doc_number.text == "曲政发〔2021〕7号"
    assert doc.issuer == "阳曲县人民政府"
    assert doc.date == "2021-05-08"


def test_unplaced_text_is_reported_not_dropped():
    text = "【政策解读】\n\n《平遥县森林防火办法》解读\n\n一、制定背景。为加强森林防火。\n\n" + NOTICE
    result = parse_text(text)
    assert len(result.documents) == 1
    assert result.unplaced, "text outside any document must be reported"
    assert "解读" in "".join(u.text for u in result.unplaced)


def test_issued_document_printed_as_the_notice_attachment_is_carried():
    text = """静乐县人民政府办公室
关于印发静乐县农村供水工程运行管理办法的通知
静政办发〔2022〕41号

各乡（镇）人民政府，县直各有关单位：
《静乐县农村供水工程运行管理办法》已经县人民政府同意，现印发给你们，请认真贯彻执行。

附件：静乐县农村供水工程运行管理办法

静乐县人民政府办公室
2022年10月8日

附件

静乐县农村供水工程运行管理办法

第一条　为加强农村供水工程运行管理，制定本办法。
第二条　本办法自印发之日起施行。
"""
    result = parse_text(text)
    assert [(d.title, d.parent_seq) for d in result.documents] == [
        ("静乐县人民政府办公室关于印发静乐县农村供水工程运行管理办法的通知", None),
        ("静乐县农村供水工程运行管理办法", 1),
    ]
    assert [a.title for a in result.documents[0].attachments] == ["静乐县农村供水工程运行管理办法"]
    assert result.documents[1].body_start.startswith("第一条")


def test_attachment_pages_that_are_not_the_issued_document_stay_attachments():
    text = NOTICE.replace("特此通知。", "附件：森林防火责任人名单\n特此通知。") + "\n附件\n\n森林防火责任人名单\n\n序号\t姓名\t单位\n1\t张三\t县林业局\n"
    assert titles(text) == [("平遥县人民政府办公室关于做好春季森林防火工作的通知", None)]


def test_long_title_on_one_line():
    title = "岚县人民政府办公室关于印发《岚县水环境质量再提升2023年行动计划》《岚县大气污染防治2023年行动计划》《岚县土壤污染防治2023年行动计划》和《岚县地下水污染防治2023年行动计划》的通知"
    text = f"{title}\n岚政办发〔2023〕7号\n各乡镇人民政府，县直各单位：\n现将四个行动计划印发给你们。\n岚县人民政府办公室\n2023年3月1日\n"
    assert titles(text)[0] == (title, None)

"""groups layer: 领导小组 / 工作专班 / 指挥部 / 委员会 compositions, in every printed shape, on
generated notices of 平定县 (a county the corpus does not have); hand-checked groups of the
shared corpus; precision and recall on every synthetic fixture with a ``groups`` truth list.

Conventions: ``group`` is the name as printed where the list is set up (a bare 领导小组 is the
group in force); ``position`` is the post as printed with layout spaces dropped (a post broken
over two lines is joined); the office is a record with role 办公室, person None and ``office``;
a 成员单位 list gives one record per unit (role 成员单位, person None, the unit as
``position``): units are never persons.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gongbao.extract import groups
from gongbao.model import AttachmentBody, Paragraph, Span, Table
from gongbao.text import fold

from .layer_scoring import MIN_PR, parsed, records, score, synthetic

FIXTURES = Path(__file__).parent / "fixtures" / "synthetic"
GROUP_FIXTURES = sorted(p for p in FIXTURES.glob("*.json") if "groups" in json.loads(p.read_text(encoding="utf-8")))


def rows(result, *keys: str) -> list[tuple]:
    return [tuple(r.fields[k] for k in keys) for r in records(result, groups.extract)]


def spans(result) -> dict[tuple, str]:
    text = result.source.text
    return {(r.fields["role"], r.fields["person"]): text[r.span.start:r.span.end] for r in groups.extract(result)}


FOREST = """为切实做好森林防火工作，经县政府研究，决定成立平定县森林防火工作领导小组。组成人员如下：

组　长：王建国　副县长
副组长：李　明　县政府办公室主任
　　　　张晓东　县林业局局长
成　员：赵　刚　县财政局副局长
　　　　孙丽华　县应急管理局副局长
　　　　周志伟　县规划和自然资源局
　　　　　　　　副局长
联络员：吴　敏　县林业局办公室主任

领导小组办公室设在县林业局，办公室主任由张晓东同志兼任。

成员单位：县发改局、县财政局、县公安局、县林业局。"""


def test_list_one_person_a_line_with_office_and_member_units() -> None:
    result = synthetic("成立平定县森林防火工作领导小组", FOREST)
    group = "平定县森林防火工作领导小组"
    assert rows(result, "group", "role", "person", "position", "office") == [
        (group, "组长", "王建国", "副县长", None),
        (group, "副组长", "李明", "县政府办公室主任", None),
        (group, "副组长", "张晓东", "县林业局局长", None),
        (group, "成员", "赵刚", "县财政局副局长", None),
        (group, "成员", "孙丽华", "县应急管理局副局长", None),
        (group, "成员", "周志伟", "县规划和自然资源局副局长", None),  # the post broken over two lines
        (group, "联络员", "吴敏", "县林业局办公室主任", None),
        (group, "办公室", None, None, "县林业局"),
        (group, "办公室主任", "张晓东", None, None),
    ] + [(group, "成员单位", None, unit, None) for unit in ("县发改局", "县财政局", "县公安局", "县林业局")]
    first = groups.extract(result)[0].fields
    assert first["organisation"] == "平定县人民政府" and first["date"] == "2024-03-05" and not first["adjustment"]
    assert {r.fields["organisation"] for r in groups.extract(result) if r.fields["person"] == "孙丽华"} == {"平定县应急管理局"}
    # provenance: each record points at its own line; the broken post's span covers both lines
    where = spans(result)
    assert where[("组长", "王建国")] == "王建国　副县长"
    assert where[("成员", "周志伟")].startswith("周志伟") and where[("成员", "周志伟")].endswith("副局长")
    assert "县林业局" in where[("办公室", None)]
    # 成员单位 are units: no record takes them for a person
    assert not any(r.fields["person"] in ("县发改局", "县公安局") for r in groups.extract(result))


def test_two_column_tab_table_and_names_only_list() -> None:
    body = """经研究，决定成立平定县人居环境整治工作专班，成员名单如下：

专班长：\t刘　海\t县委常委、副县长
副专班长：\t陈静怡\t县住建局局长
成　员：\t马　超\t县城管局局长\t郭文斌\t县生态环境局副局长
\t韩晓燕\t县农业农村局副局长\t杜鹏飞\t县交通运输局副局长
联络员：王磊、宋佳、田野

专班办公室设在县住建局。"""
    result = synthetic("成立平定县人居环境整治工作专班", body)
    group = "平定县人居环境整治工作专班"
    assert rows(result, "role", "person", "position") == [
        ("专班长", "刘海", "县委常委、副县长"),
        ("副专班长", "陈静怡", "县住建局局长"),
        ("成员", "马超", "县城管局局长"),
        ("成员", "郭文斌", "县生态环境局副局长"),  # the second column, same role
        ("成员", "韩晓燕", "县农业农村局副局长"),
        ("成员", "杜鹏飞", "县交通运输局副局长"),
        ("联络员", "王磊", None),
        ("联络员", "宋佳", None),
        ("联络员", "田野", None),
        ("办公室", None, None),
    ]
    assert {r.fields["group"] for r in groups.extract(result)} == {group}
    assert spans(result)[("成员", "郭文斌")] == "郭文斌\t县生态环境局副局长"


def test_first_leader_and_a_later_adjustment_of_the_same_group() -> None:
    setup = """为加强对防汛抗旱工作的领导，县政府决定成立平定县防汛抗旱指挥部。

第一组长：郭志强　县委书记
总指挥：王建国　县长
副总指挥：李　明　常务副县长
成　员：赵　刚　县水利局局长
　　　　孙丽华　县气象局局长

指挥部办公室设在县水利局，由县水利局局长赵刚兼任办公室主任。"""
    change = """因人事变动，经县政府研究，决定对县防汛抗旱指挥部组成人员进行调整。调整后的组成人员如下：

总指挥：王建国　县长
副总指挥：钱　进　副县长
成　员：赵　刚　县水利局局长
　　　　冯　涛　县应急管理局局长"""
    first = synthetic("成立平定县防汛抗旱指挥部", setup, number="平政发〔2024〕20号", issue=2)
    second = synthetic("调整平定县防汛抗旱指挥部组成人员", change, number="平政发〔2024〕40号",
                       date="2024年7月10日", issue=3)
    group = "平定县防汛抗旱指挥部"
    assert rows(first, "group", "role", "person") == [
        (group, "第一组长", "郭志强"), (group, "总指挥", "王建国"), (group, "副总指挥", "李明"),
        (group, "成员", "赵刚"), (group, "成员", "孙丽华"), (group, "办公室", None), (group, "办公室主任", "赵刚"),
    ]
    assert rows(first, "position")[-1] == ("县水利局局长",)
    # the adjustment keeps the full name of the title (the body's 县防汛抗旱指挥部 is its short form)
    assert rows(second, "group", "role", "person", "adjustment") == [
        (group, "总指挥", "王建国", True), (group, "副总指挥", "钱进", True),
        (group, "成员", "赵刚", True), (group, "成员", "冯涛", True),
    ]
    exported = [{**r.fields, "doc_id": f"{n}/1", "date": r.fields["date"]}
                for n, result in (("b", second), ("a", first)) for r in groups.extract(result)]
    history = groups.group_history(exported, "平定县防汛抗旱指挥部")
    assert [doc_id for doc_id, _ in history] == ["a/1", "b/1"]  # oldest first, whatever the input order


def test_prose_shapes() -> None:
    body = """（一）加强组织领导。成立平定县农村供水保障工作领导小组，组长由县人民政府副县长王建国担任；副组长由县水利局局长赵刚、县规划和自然资源局局长周志伟担任；成员由县发改局、县财政局主要负责人组成。领导小组下设办公室，办公室设在县水利局，办公室主任由县水利局副局长吴敏兼任。

（二）成立由县政府分管副县长任组长、相关部门负责人为成员的工作专班，统筹推进项目建设。"""
    result = synthetic("印发平定县农村供水保障工作方案", body)
    group = "平定县农村供水保障工作领导小组"
    assert rows(result, "group", "role", "person", "position", "office") == [
        (group, "组长", "王建国", "县人民政府副县长", None),
        (group, "副组长", "赵刚", "县水利局局长", None),
        (group, "副组长", "周志伟", "县规划和自然资源局局长", None),  # 和 inside a unit is no list
        (group, "办公室", None, None, "县水利局"),
        (group, "办公室主任", "吴敏", "县水利局副局长", None),
    ]  # 分管副县长 and 相关部门负责人 name no person: no record


def test_post_before_name_inline_members_bracketed_posts_and_a_numbered_table() -> None:
    body = """经研究，决定成立平定县全域旅游发展领导小组，组成人员如下：

第一组长：郭志强　县委书记
组　　长：县委副书记、县长　　王建国
常务副组长：县委常委、常务副县长　　李　明
副 组 长：赵　刚（副县长）　　孙丽华（县政府办公室主任）
成　　员：县委常委、宣传部部长周志伟，县文化和旅游局局长吴敏，县财政局局长冯涛，各乡镇党委书记。

领导小组下设办公室，办公室设在县文化和旅游局，吴敏同志兼任办公室主任。领导小组联络员：宋佳（县文化和旅游局办公室主任）。

二、成员单位

县发改局、县交通运输局、县农业农村局。"""
    result = synthetic("成立平定县全域旅游发展领导小组", body)
    assert rows(result, "role", "person", "position") == [
        ("第一组长", "郭志强", "县委书记"),
        ("组长", "王建国", "县委副书记、县长"),
        ("常务副组长", "李明", "县委常委、常务副县长"),
        ("副组长", "赵刚", "副县长"),
        ("副组长", "孙丽华", "县政府办公室主任"),
        ("成员", "周志伟", "县委常委、宣传部部长"),
        ("成员", "吴敏", "县文化和旅游局局长"),
        ("成员", "冯涛", "县财政局局长"),
        ("成员", None, "各乡镇党委书记"),  # a post, no one named
        ("办公室", None, None),
        ("办公室主任", "吴敏", None),
        ("联络员", "宋佳", "县文化和旅游局办公室主任"),
        ("成员单位", None, "县发改局"), ("成员单位", None, "县交通运输局"), ("成员单位", None, "县农业农村局"),
    ]


def test_numbered_table_rows_and_a_partial_adjustment() -> None:
    table = """为加强安全生产专项整治，成立平定县安全生产专项整治工作领导小组，成员名单如下：

序号\t职务\t姓名\t单位及职务
1\t组长\t王建国\t副县长
2\t副组长\t赵　刚\t县应急管理局局长
3\t\t孙丽华\t县公安局副局长
4\t成员\t周志伟\t县市场监督管理局党组书记、
\t\t\t局长
5\t\t罗　宏\t县公安局副局长"""
    change = """因工作变动，对平定县安全生产专项整治工作领导小组成员作如下调整：

罗宏同志不再担任领导小组成员，由县公安局副局长谭永红同志接任；增补县生态环境局副局长易明同志为领导小组成员。

其他成员不变。"""
    first = synthetic("成立平定县安全生产专项整治工作领导小组", table)
    assert rows(first, "role", "person", "position") == [
        ("组长", "王建国", "副县长"),
        ("副组长", "赵刚", "县应急管理局局长"),
        ("副组长", "孙丽华", "县公安局副局长"),  # an empty role cell keeps the role above
        ("成员", "周志伟", "县市场监督管理局党组书记、局长"),  # a post broken over two rows
        ("成员", "罗宏", "县公安局副局长"),
    ]
    second = synthetic("调整平定县安全生产专项整治工作领导小组成员", change, issue=2)
    assert rows(second, "group", "role", "person", "position", "adjustment") == [
        ("平定县安全生产专项整治工作领导小组", "成员", "谭永红", "县公安局副局长", True),  # 罗宏 leaves: no record
        ("平定县安全生产专项整治工作领导小组", "成员", "易明", "县生态环境局副局长", True),
    ]


def _attached(result, title: str, lines: list[str], table: Table | None = None) -> None:
    """Give the document an attachment made of ``lines`` of its source (as the pipeline does)."""
    text = result.source.text
    paragraphs = []
    for line in lines:
        start = text.index(line)
        paragraphs.append(Paragraph(text=line.replace("\u3000", ""), span=Span(start, start + len(line))))
    doc = result.documents[0]
    first = paragraphs[0].span.start if paragraphs else table.span.start
    doc.attachment_bodies.append(AttachmentBody(number=1, title=title, omitted=False, paragraphs=paragraphs,
                                                tables=[table] if table else [], span=Span(first, len(text))))


def test_attachment_paragraphs_and_a_table_with_a_header() -> None:
    body = """为推进全县“标准地”改革，经县政府同意，成立平定县“标准地”改革领导小组（成员名单见附件）。

附件：平定县“标准地”改革领导小组成员名单"""
    result = synthetic("成立平定县“标准地”改革领导小组", body)
    tail = "\n附件\n\n平定县“标准地”改革领导小组成员名单\n\n组　长：王建国　副县长\n成　员：叶　青　县财政局副局长\n\n职务\t姓名\t工作单位及职务\n联络员\t宋　佳\t县自然资源局\n\t田　野\t县发改局科员\n"
    result.source.text += tail
    text = result.source.text
    table_start = text.index("职务\t姓名")
    table = Table(caption=None, unit=None, header=["职务", "姓名", "工作单位及职务"],
                  rows=[["联络员", "宋　佳", "县自然资源局"], ["", "田　野", "县发改局科员"]],
                  span=Span(table_start, len(text)))
    _attached(result, "平定县“标准地”改革领导小组成员名单", ["组　长：王建国　副县长", "成　员：叶　青　县财政局副局长"], table)
    assert rows(result, "group", "role", "person", "position") == [
        ("平定县“标准地”改革领导小组", "组长", "王建国", "副县长"),
        ("平定县“标准地”改革领导小组", "成员", "叶青", "县财政局副局长"),
        ("平定县“标准地”改革领导小组", "联络员", "宋佳", "县自然资源局"),
        ("平定县“标准地”改革领导小组", "联络员", "田野", "县发改局科员"),
    ]
    where = spans(result)
    assert where[("成员", "叶青")] == "叶　青　县财政局副局长"
    assert where[("联络员", "田野")].startswith("田　野")


def test_a_bare_leading_group_resolves_to_the_named_one_and_mentions_set_up_nothing() -> None:
    body = """经研究，决定成立平定县消费促进活动领导小组，负责活动的组织实施。

一、领导小组组成人员名单

组　长：王建国　副县长
成　员：赵　刚　县商务局局长

二、工作要求

各成员单位要按照职责分工，及时向县服务业发展领导小组办公室报送进展。县发改局局长赵刚同志负责综合协调。"""
    result = synthetic("印发平定县消费促进活动方案", body)
    assert rows(result, "group", "role", "person") == [
        ("平定县消费促进活动领导小组", "组长", "王建国"),
        ("平定县消费促进活动领导小组", "成员", "赵刚"),
    ]
    assert groups.extract(synthetic("印发平定县爱国卫生工作要点", "各乡镇要成立爱国卫生运动委员会，明确职责分工。")) == []


def test_a_body_table_is_read_where_it_is_printed() -> None:
    """Rows the pipeline rebuilt into ``doc.tables`` (and took out of the paragraphs) belong to
    the group named just before them, not to one named later in the document."""
    body = """一、成立平定县秸秆禁烧工作领导小组，成员如下：

职务\t姓名\t工作单位及职务
组长\t王建国\t副县长
成员\t赵　刚\t县农业农村局局长

二、成立平定县秸秆综合利用工作专班，专班长由县农业农村局局长赵刚担任。"""
    result = synthetic("印发平定县秸秆综合利用工作方案", body)
    doc = result.documents[0]
    rows_in_table = [p for p in doc.paragraphs if "\t" in p.text or p.table]
    assert len(rows_in_table) == 3, [p.text for p in doc.paragraphs]
    start = result.source.text.index("职务\t姓名")
    doc.tables.append(Table(caption=None, unit=None, header=["职务", "姓名", "工作单位及职务"],
                            rows=[["组长", "王建国", "副县长"], ["成员", "赵　刚", "县农业农村局局长"]],
                            span=Span(start, rows_in_table[-1].span.end)))
    doc.paragraphs = [p for p in doc.paragraphs if p not in rows_in_table]
    assert rows(result, "group", "role", "person") == [
        ("平定县秸秆禁烧工作领导小组", "组长", "王建国"),
        ("平定县秸秆禁烧工作领导小组", "成员", "赵刚"),
        ("平定县秸秆综合利用工作专班", "专班长", "赵刚"),
    ]
    assert spans(result)[("成员", "赵刚")] == "赵　刚\t县农业农村局局长"


# -- the shared corpus, hand-checked -------------------------------------------------------------

# Every group record of 000 and 004 read by hand from the source text (doc seq, group, role,
# person, office). 001 names two groups and prints only the office of one (县文旅局).
YU_TAXI = "盂县巡游出租汽车报废更新工作领导小组"
CORPUS_000 = [
    (14, "县级排查工作领导小组", "组长", "李东亮", None),
    (14, "县级排查工作领导小组", "副组长", "闫东慧", None),
    (14, "县级排查工作领导小组", "成员", "张爱军", None),
    (14, "县级排查工作领导小组", "办公室", None, "县水利局"),
    (14, "县级排查工作领导小组", "办公室主任", "张爱军", None),
    (16, "盂县专业镇高质量发展领导小组", "办公室", None, "县工信局"),
    (29, "盂县道路交通安全应急指挥部", "办公室", None, "县公安局交警大队"),
    (34, YU_TAXI, "组长", "李东亮", None),
    (34, YU_TAXI, "副组长", "罗树东", None),
    (34, YU_TAXI, "副组长", "崔计文", None),
    (34, YU_TAXI, "办公室", None, "县交通运输局"),
    (34, YU_TAXI, "办公室主任", "牛彦海", None),
] + [(34, YU_TAXI, "成员单位", None, None)] * 9 + [
    (36, "城市更新工作领导小组", "办公室", None, "县住房和城乡建设管理局"),
    (38, "县农业生产托管试点项目领导小组", "办公室", None, "县农业农村局"),
]


def _corpus_rows(key: str) -> list[tuple]:
    return [(r.doc_seq, r.fields["group"], r.fields["role"], r.fields["person"], r.fields["office"])
            for r in records(parsed(key), groups.extract)]


def test_corpus_000_groups() -> None:
    precision, recall = score("groups (000)", _corpus_rows("000"), CORPUS_000)
    assert precision >= MIN_PR and recall >= MIN_PR


def test_corpus_004_two_column_lists() -> None:
    """004's 入企服务 notice prints its 领导小组 and six 入企服务小组 side by side in two
    columns (tab rows, then plain lines); the 创新 方案 a label column and a pipe table."""
    found = _corpus_rows("004")
    leading = "阳泉市工业企业干部入企服务工作领导小组"
    by_role = {}
    for seq, group, role, person, _office in found:
        if seq == 8 and group == leading:
            by_role.setdefault(role, []).append(person)
    assert by_role["组长"] == ["雷健坤"]
    assert by_role["副组长"] == ["黄海涛", "靳润喜", "呼亚民", "李君", "李文兵", "王明厚"]
    assert by_role["成员"] == ["冯维明", "彭国勇", "冉志伟", "任晓华", "陈友福", "孙毅", "梁庆", "段宏华", "孙金宁",
                             "王蹇元", "雷永平", "崔正宏", "陶文平", "郭小勇", "张龙龙", "高全红", "邵喜"]
    assert by_role["办公室主任"] == ["彭国勇"] and by_role["办公室副主任"] == ["徐志红"]
    second = [(role, person) for seq, group, role, person, _ in found if group == leading + "第二组"]
    assert second == [("组长", "靳润喜"), ("副组长", "常悟江"), ("成员", "邵喜"), ("成员", "王丽"), ("成员", "王彬"),
                      ("联络员", "吕文华"), ("联络员", "康睿")]
    innovation = [person for seq, group, role, person, _ in found if group == "阳泉市创新活动推进领导小组" and role == "成员"]
    assert innovation[:5] == ["冯维明", "薛利敏", "彭国勇", "任晓华", "陈友福"]  # the label column
    assert innovation[5:] == ["孙毅", "赵建军", "张俊堂", "杜平华", "郝文保", "魏海文", "雷永平", "崔正宏", "武雪",  # pipe table
                              "陶文平", "程继喜", "高全红", "王建义", "梁海昌", "宁文鑫", "樊志红", "张立强", "高永红"]
    sixth = [(role, person) for seq, group, role, person, _ in found if group == "阳泉市创新活动推进领导小组第六组"]
    assert sixth == [("组长", "贾刚"), ("副组长", "程建军"), ("成员", "侯胜华"), ("成员", "孔峰"), ("成员", "杨绪仁")]
    assert (5, "阳泉市推进“标准地”改革领导小组", "组长", "王明厚", None) in found
    assert (7, "阳泉市清理“批而未用”专项行动领导小组", "办公室主任", "肖卯怀", None) in found


def test_corpus_004_member_lists_printed_as_attachments() -> None:
    """The 固废 方案's 附件 (a label column, 21 members, a post broken over two lines) and the
    批而未用 方案's two-column 附件 whose right column goes on with the left one's list."""
    found = [(r.doc_seq, r.fields["role"], r.fields["person"], r.fields["position"])
             for r in groups.extract(parsed("004")) if r.fields["person"]]
    waste = [(role, person) for seq, role, person, _ in found if seq == 37]
    assert waste[:2] == [("组长", "呼亚民"), ("副组长", "彭国勇")]
    assert [person for role, person in waste[2:] if role == "成员"] == [
        "张忠灵", "闫守琦", "刘志钧", "叶文鑫", "胡国胜", "王志伟", "康永盛", "聂志福", "王占山", "魏京军", "孙铁玲",
        "王文生", "高鹏", "乔勇", "晋玮", "麻俊军", "郭永进", "程建军", "王小建", "赵民"]
    assert (37, "成员", "赵民", "煤炭工业太原设计研究院副院长") in found
    land = {(role, person) for seq, role, person, _ in found if seq == 7}
    members = {"肖卯怀", "张忠灵", "叶文鑫", "聂志福", "王占山", "田联虎", "杨兆明", "李鸿斌", "王建源", "文杰", "王拥国", "杨金元"}
    staff = {"魏富民", "屈瑞洁", "王坚", "王宇辉", "赵永忠", "齐亮亮"}
    assert land == {("组长", "王明厚"), ("副组长", "闫立彪"), ("副组长", "杜平华"), ("办公室主任", "肖卯怀")} \
        | {("成员", p) for p in members} | {("办公室成员", p) for p in staff}


# -- blind synthetic fixtures ----------------------------------------------------------------------


def _truth_key(record: dict) -> tuple:
    return (record["doc_seq"], fold(record["role"]), fold(record.get("person") or ""),
            fold(record.get("office") or "") if not record.get("person") else "")


@pytest.mark.parametrize("path", GROUP_FIXTURES, ids=lambda p: p.stem)
def test_fixture_groups_precision_recall(path: Path) -> None:
    from gongbao.pipeline import parse_text

    truth = json.loads(path.read_text(encoding="utf-8"))["groups"]
    txt = path.with_suffix(".txt")
    result = parse_text(txt.read_text(encoding="utf-8"), txt.name)
    found = [_truth_key({"doc_seq": r.doc_seq, **r.fields}) for r in records(result, groups.extract)]
    precision, recall = score(f"groups ({path.stem})", found, [_truth_key(t) for t in truth])
    assert precision >= MIN_PR and recall >= MIN_PR

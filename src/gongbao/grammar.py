"""GB/T 9704-2012 and 党政机关公文处理工作条例: the grammar of an official document's lines.

Pure recognisers over one cleaned line of text; no knowledge of any county or file.
"""
from __future__ import annotations

import re
from datetime import date as _date
from typing import Optional

from .model import DOC_NUMBER, NUMBER_CLOSE, NUMBER_OPEN, ORDER_NUMBER_TEXT, YEAR_SERIAL_NUMBER, DocNumber
from .pagemeta import label_key

# The 15 kinds of official document (条例 第八条); 令 is the short form of 命令; 答复 is the
# reply to a deputy's 建议 or a member's 提案 that national and provincial gazettes carry.
OFFICIAL_TYPES = ("通知", "通报", "批复", "决定", "意见", "报告", "请示", "公告", "通告", "命令", "议案", "纪要", "决议", "公报", "函", "复函", "令", "答复")
# Genre words that end the title of a document carried by a 印发/转发 notice.
GENRE_WORDS = (
    "实施方案", "工作方案", "方案", "实施办法", "管理办法", "办法", "实施细则", "细则", "规定", "规则", "制度",
    "应急预案", "预案", "清单", "规划", "纲要", "意见", "行动计划", "工作计划", "计划", "工作要点", "要点", "指南",
    "政策", "措施", "标准", "条例", "章程", "分工", "报告", "通知", "决定", "通告", "公告", "规程",
    "守则", "导则", "须知", "通报", "批复", "函", "纪要", "职责", "机制", "公约",
)
_TYPE_ALT = "|".join(sorted(set(OFFICIAL_TYPES) - {"令"}, key=len, reverse=True))
_GENRE_ALT = "|".join(sorted(set(GENRE_WORDS), key=len, reverse=True))
# A parenthetical that may follow the genre word: （试行） （暂行） （2023—2025年） （修订） （草案）…
_TRAILER = r"(?:[（(][^（()）]{1,20}[)）])*"

# 国务院任免国家工作人员: a list of appointments printed in gazettes; its type is 任免
APPOINTMENT_END = r"任免[\u4e00-\u9fff]{0,6}(?:工作人员|干部)"
OFFICIAL_END = re.compile(rf"(?:{_TYPE_ALT}|[^法]令|{APPOINTMENT_END}){_TRAILER}$")
GENRE_END = re.compile(rf"(?:{_GENRE_ALT}){_TRAILER}$")

DOC_NUMBER_LINE = re.compile(
    rf"^(?:(?:文号|发文字号)[：:])?[（(]?\s*(?P<num>{DOC_NUMBER.pattern})\s*[)）]?(?:\s*(?:签发人[：:].*))?$"
)

_CN_DIGIT = "〇○零Ｏ一二三四五六七八九十Oo0"  # O/o/0 for 〇: what OCR and typists put in 二〇〇八
DATE_AR = re.compile(r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
DATE_CN = re.compile(rf"(?P<y>[{_CN_DIGIT}]{{4}})\s*年\s*(?P<m>[{_CN_DIGIT}]{{1,3}})\s*月\s*(?P<d>[{_CN_DIGIT}]{{1,3}})\s*日")
# 2021-04-08, 2021.4.8, 2021/4/8: how a policy-library page's metadata table prints a date
DATE_NUMERIC = re.compile(r"(?P<y>(?:19|20)\d\d)\s*[-./]\s*(?P<m>\d{1,2})\s*[-./]\s*(?P<d>\d{1,2})")
DATE_LINE = re.compile(rf"^[（(]?\s*(?:{DATE_AR.pattern}|{DATE_CN.pattern.replace('?P<', '?P<c')})\s*[)）]?$")

# An editor's note printed on a line of its own: （本文有删减） （有删节） （摘要） （节选）
_NOTE = r"[（(]\s*(?:本文|此件|全文)?(?:有删减|有删节|略有删减|有改动|摘要|节选|摘登|摘编)\s*[)）]"
EDITORIAL_NOTE = re.compile(rf"^{_NOTE}$")
GLUED_NOTE = re.compile(rf"{_NOTE}$")  # glued by the extractor to the end of a title
DISCLOSURE_LINE = re.compile(r"^[（(]\s*(?P<text>此件[^（()）]{2,12})\s*[)）]$")
ATTACHMENT_HEAD = re.compile(r"^附\s*[件表]\s*(?P<num>\d{1,2}|[一二三四五六七八九十]{1,3})?\s*(?:[：:]\s*(?P<rest>.*)|$|(?P<rest2>[\s.．、]\S.*))")
ENUM_ITEM = re.compile(r"^(?P<num>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[.．、]\s*(?P<rest>\S.*)$")
SECTION_LINE = re.compile(r"^(?:【\s*(?P<name>[^【】]{2,20})\s*】|[·•]\s*(?P<dotted>[\u4e00-\u9fff]{2,16})\s*[·•])$")
MASTHEAD = re.compile(r"^(?P<org>[\u4e00-\u9fff、]{2,40}?)文件$")
# 第12号 / （第389号） / 〔2005〕第5号 / 2021年第5号 under a 令's title (第12期 under a 纪要)
ORDER_NUMBER = re.compile(
    rf"^[（(]?\s*(?:{NUMBER_OPEN}\s*(?P<year>(?:19|20)\d\d)\s*{NUMBER_CLOSE}|(?P<year_cn>(?:19|20)\d\d)\s*年)?\s*"
    r"第\s*(?P<serial>\d{1,5}|[一二三四五六七八九十百零〇]+)\s*[号期]\s*[)）]?$")
# The title of a 令 as printed above its number: 中华人民共和国国务院令, 浙江省人民政府令, 财政部令
_ORDER_ORG = r"[\u4e00-\u9fff]{2,30}?(?:人民政府|政府|国务院|委员会|部|局|署|行|院|会)"
ORDER_TITLE = re.compile(rf"^(?P<org>{_ORDER_ORG})令$")
# A 令's name and number on one line: 中华人民共和国国务院令　第707号, 浙江省人民政府令（第388号）
ORDER_HEAD = re.compile(
    rf"^(?P<title>{_ORDER_ORG}令)\s*"
    rf"(?P<num>[（(]?\s*(?:{NUMBER_OPEN}\s*(?:19|20)\d\d\s*{NUMBER_CLOSE}|(?:19|20)\d\d\s*年)?\s*第\s*\d{{1,5}}\s*号\s*[)）]?)$")
TOC_HEAD = re.compile(r"^目\s*录$|^目录[：:]?$")
# Dot leader (or tab) then a page number at the end of the line. The leader run is matched
# from its first character only, possessively: a long run of dots costs O(n), not O(n²).
TOC_LEADER = re.compile(
    r"(?:(?<![.…·．•。_\-])[.…·．•。_\-]{3,}+|(?<!…)…{2,}+|(?<![\t ])\t)[\t ]*+[（(]?[ ]*+(?P<page>\d{1,4})[ ]*+[)）]?[\t ]*+$"
)

HEADING = re.compile(
    r"^(?:(?P<l1>[一二三四五六七八九十百]{1,3}、)|(?P<l2>[（(][一二三四五六七八九十百]{1,3}[)）])|"
    r"(?P<l3>\d{1,2}[.．、](?!\d))|(?P<l4>[（(]\d{1,2}[)）])|(?P<ch>第[一二三四五六七八九十百零]{1,4}[章节条]))"
)
SENTENCE_PUNCT = "。！？；"
# A 令 or 议案 is signed by a person: 市长　王建平 (title, then a 2–4 character name).
PERSON_SIGNATURE = re.compile(r"^(?:[\u4e00-\u9fff]{1,20}?(?:长|主任|书记|主席)|[\u4e00-\u9fff]{0,4}总理)[：:]?[\u4e00-\u9fff]{2,4}$")

# Organisation words: an issuer or signature line ends in one of these.
ORG_SUFFIX = re.compile(
    r"(?:人民政府|人民代表大会常务委员会|人大常委会|常务委员会|政府|办公室|办公厅|委员会|管委会|管理委员会|领导小组|"
    r"指挥部|办事处|工作组|调查组|小组|总队|支队|大队|中队|委|局|厅|署|院|部|处|会|所|站|中心|集团|公司|银行|分行|支行|军分区|武装部|法院|检察院|党组|协会|联合会)$"
)
ORG_PREFIX = re.compile(
    r"^(?P<org>[\u4e00-\u9fff（）()、]{2,40}?(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|办公室|办公厅|委员会|管委会|领导小组|指挥部|"
    r"办事处|局|厅|委|署|院|部|中心|公司|政府))(?=关于|转发|印发|批转|颁发|公布|$)"
)


def order_number(order_name: str, serial_text: str, year: Optional[str] = None, year_form: str = "第") -> Optional[DocNumber]:
    """DocNumber of a 令 from its name and its printed number (``第707号``, ``第三号``, with a
    year as printed: ``〔2005〕第5号`` → form 第, ``2021年第5号`` → form 年第)."""
    serial = int(serial_text) if serial_text.isdigit() else chinese_number(serial_text)
    return DocNumber.of_order(order_name, serial, int(year) if year else None, year_form)


def order_line_number(order_name: str, line: str) -> Optional[DocNumber]:
    """The number printed under a 令's title (an ``ORDER_NUMBER`` line)."""
    m = ORDER_NUMBER.match(line)
    if not m:
        return None
    if m.group("year_cn"):
        return order_number(order_name, m.group("serial"), m.group("year_cn"), "年第")
    return order_number(order_name, m.group("serial"), m.group("year"))


def parse_order_number(s: str) -> Optional[DocNumber]:
    """The 令 number in ``s`` (``国务院令第707号`` → 国令第707号), or None."""
    m = ORDER_NUMBER_TEXT.search(s)
    return order_number(m.group("order"), m.group("serial")) if m else None


def doc_number_line(s: str) -> Optional[DocNumber]:
    """The 文号 when ``s`` is a line holding only a 发文字号 (e.g. ``盂政发〔2023〕48号``,
    ``国家税务总局公告2021年第8号``)."""
    return DocNumber.from_match(DOC_NUMBER_LINE.match(s) or YEAR_SERIAL_NUMBER.fullmatch(re.sub(r"\s", "", s)))


def chinese_number(s: str) -> Optional[int]:
    """``十二`` → 12, ``二〇二三`` (or OCR's 二O二三) → 2023: a year digit by digit; None when unreadable."""
    import cn2an

    s = s.replace("○", "〇").replace("Ｏ", "〇").replace("零", "〇").replace("O", "〇").replace("o", "〇").replace("0", "〇")
    if len(s) == 4 and "十" not in s:  # a year is read digit by digit: 二〇二三
        digits = "〇一二三四五六七八九"
        try:
            return int("".join(str(digits.index(c)) for c in s))
        except ValueError:
            return None
    try:
        return int(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError):
        return None


def _iso(y: int, m: int, d: int) -> Optional[str]:
    try:
        return _date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(s: str, *, numeric: bool = False) -> Optional[str]:
    """First calendar date in ``s`` (Arabic or Chinese numerals) as ISO, or None.

    ``numeric``: a date printed in digits only (``2021-04-08``, ``2021.4.8``) is read first, as a
    page's metadata table prints it; running text never dates that way."""
    if numeric:
        m = DATE_NUMERIC.search(s)
        if m:
            return _iso(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    m = DATE_AR.search(s)
    if m:
        return _iso(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    m = DATE_CN.search(s)
    if m:
        y, mo, d = chinese_number(m.group("y")), chinese_number(m.group("m")), chinese_number(m.group("d"))
        if y and mo and d:
            return _iso(y, mo, d)
    return None


# A date as people type it in a query or a filter: a year, a month or a day. Strict: ISO
# (2023, 2023-07, 2023-07-25); loose also 2023/7/25, 2023.7, 2023年7月25日.
_TYPED_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_TYPED_DATE_LOOSE = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?")


def typed_date(text: str, *, loose: bool = False) -> Optional[tuple[int, Optional[int], Optional[int]]]:
    """``(year, month, day)`` of a date typed in a query or filter (month and day None when not
    given), or None when ``text`` is no such date. The numbers are as typed: the caller decides
    what a month 13 or a 31 February means for it (an error, a bound)."""
    match = (_TYPED_DATE_LOOSE if loose else _TYPED_DATE).fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    return year, month, day


def date_line(s: str) -> Optional[str]:
    """ISO date when ``s`` is a line holding only a date (成文日期), else None."""
    if len(s) > 24 or not DATE_LINE.match(s):
        return None
    return parse_date(s)


def official_type(title: str) -> Optional[str]:
    """文种 of an official document title (…的通知 → 通知, …人民政府令 → 令, …嘉奖命令 → 命令), or None."""
    t = re.sub(rf"{_TRAILER}$", "", title) if title.endswith(("）", ")")) else title
    if re.search(rf"{APPOINTMENT_END}$", t):
        return "任免"
    for word in sorted(OFFICIAL_TYPES, key=len, reverse=True):
        if t.endswith(word):
            if word == "令" and t.endswith(("法令", "指令", "口令")):
                return None
            return word
    return None


def genre_word(title: str) -> Optional[str]:
    """Genre word ending a carried document's title (…实施方案 → 方案, …行动计划 → 计划)."""
    t = title
    while t.endswith(("）", ")")):
        k = max(t.rfind("（"), t.rfind("("))
        if k <= 0:
            break
        t = t[:k]
    for word in sorted(GENRE_WORDS, key=len, reverse=True):
        if t.endswith(word):
            # the schema keeps the final genre word: 实施方案 → 方案, 行动计划 → 计划
            for base in ("方案", "办法", "细则", "预案", "计划", "要点"):
                if word.endswith(base):
                    return base
            return word
    m = re.search(r"([\u4e00-\u9fff]{2})$", t)
    return m.group(1) if m else None


def heading_level(s: str) -> tuple[int, Optional[str]]:
    """Outline level of a paragraph marker: 一、=1 （一）=2 1.=3 （1）=4, 第X章/条 = 1."""
    m = HEADING.match(s)
    if not m:
        return 0, None
    for level, key in ((1, "l1"), (2, "l2"), (3, "l3"), (4, "l4"), (1, "ch")):
        if m.group(key):
            return level, m.group(key)
    return 0, None


def ends_sentence(s: str) -> bool:
    return bool(s) and s[-1] in SENTENCE_PUNCT


def is_org_like(s: str) -> bool:
    """A short line naming an organisation (signature, issuer)."""
    return 2 <= len(s) <= 40 and not ends_sentence(s) and bool(ORG_SUFFIX.search(s.replace(" ", "")))


# 主送 of a reply to a proposal: one or more persons (王某某委员, 李明代表, 张三同志)
PERSON_RECIPIENTS = re.compile(r"[\u4e00-\u9fff]{1,4}(?:(?:委员|代表|同志|先生|女士)(?:[、，,][\u4e00-\u9fff]{1,4}(?:委员|代表|同志|先生|女士))*|等\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[名位](?:委员|代表))")


def is_recipient_line(s: str) -> bool:
    """主送机关 line: ends with a colon and names organisations (各…, …人民政府, …单位)."""
    if not s.endswith(("：", ":")) or len(s) < 3 or len(s) > 200:
        return False
    body = s[:-1]
    if any(p in body for p in "。；！？"):
        return False
    if re.match(r"^(?:附件|附表|任命|免去|提名|聘任|解聘|现将|特此|根据|为|按照|其中|主要|具体|联系|电话|地址|备注|说明|注)", body):
        return False
    if re.search(r"研究|决定|如下|同意|要求|规定|批复|报告|会议|现将|下列|以下", body):
        return False
    if PERSON_RECIPIENTS.fullmatch(body):
        return True
    if HEADING.match(body):
        return False
    return bool(re.search(r"各|人民政府|政府|单位|部门|委员会|局|办|厅|公司|组|院|中心|企业|管委会|镇|乡|街道|社区|学校|银行|部$|委$|[^部]署$", body))


def is_page_meta_line(s: str) -> bool:
    """``标题：…`` / ``【发文字号】…``: a pair of a policy-library page's metadata table."""
    m = re.match(r"^([^：:\t]{2,12})[：:]|^【([^】]{2,8})】", s)
    return bool(m) and label_key(m.group(1) or m.group(2)) is not None


def strip_page_label(s: str) -> str:
    """``标题：关于…的通知`` → ``关于…的通知`` (the value of a metadata pair)."""
    return re.sub(r"^(?:[^：:\t]{2,12}[：:]|【[^】]{2,8}】)\s*", "", s) if is_page_meta_line(s) else s


def is_title_like(s: str) -> bool:
    """A line that can be part of a document title block."""
    if not s or "\t" in s:
        return False
    if len(s) > 90 and not (len(s) <= 240 and "关于" in s and OFFICIAL_END.search(s)):
        return False  # long lines are prose, except a long title printed on one line
    if s[-1] in "。；！？：:，,":
        return False
    if date_line(s) or DISCLOSURE_LINE.match(s) or EDITORIAL_NOTE.match(s) or doc_number_line(s) or ATTACHMENT_HEAD.match(s):
        return False
    if is_page_meta_line(s):
        return False
    if HEADING.match(s) and not s.startswith(("（", "(")):
        return False
    if TOC_LEADER.search(s):
        return False
    return True


_BARE_NUMBER_END = re.compile(r"[〔\[［(（]\s*(?:19|20)\d\d\s*[〕\]］)）]\s*第?\s*\d{1,5}\s*号$")


def split_title_number(text: str):
    """``…的通知尚政发〔2019〕3号`` → (``…的通知``, 尚政发〔2019〕3号): a 文号 printed without
    brackets under the title. The title must end in a 文种 right where the 机关代字 begins."""
    m = _BARE_NUMBER_END.search(text)
    if not m:
        return None
    for cut in range(m.start() - 1, max(m.start() - 9, 0), -1):
        head = text[:cut]
        if official_type(head) and re.fullmatch(r"[\u4e00-\u9fff]{1,8}", text[cut: m.start()]):
            return head, DocNumber.parse(text[cut:])
    return None

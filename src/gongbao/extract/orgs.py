"""Organisation names: one canonical unit per region for every way a gazette prints it.

A county gazette writes the same office as 县发改局, 县发展改革局, 盂县发展和改革局 and — before
the 2018–2019 机构改革 — 县发改委. Nothing here is a list per county. Two things do the work:

DATA — :data:`AGENCY_TABLE`, the national short forms of the standard government agencies
(发改局/发展改革局 → 发展和改革局, 人社局 → 人力资源和社会保障局, …) with the names they had
before the reform and, where the reform kept a 委员会 at province and prefecture level
(发展和改革委员会, 卫生健康委员会), the name at those levels.

RULES — the region prefix: 县/区/市/省 at the start of a name is resolved against the
gazette's region and its parents from the gazetteer (in a county gazette 县 is the county and
市 its prefecture city), the region's full name or stem is stripped the same way, and the
canonical name is ``{region name}{standard full name}`` (盂县发展和改革局). A former name
(…委员会, 安监局, 国土资源局) maps to its successor and the :class:`Unit` notes the reform.

>>> normalize_unit("县发改局", "140322")
'盂县发展和改革局'
>>> normalize_unit("市政府办公室", "140322")
'阳泉市人民政府办公室'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Optional, Union

from ..gazetteer.regions import Region, by_code, by_name

# canonical (county level) | forms in use since the reform (、) | former names (、) | canonical at
# province/prefecture level when the reform kept a 委员会 there | its forms (former names at
# county level, where the 委员会 became a 局).
# Sources: 深化党和国家机构改革方案 (2018-03) and the provincial / municipal / county 机构改革方案
# built on it; the short forms are the ones gazettes print.
AGENCY_TABLE = """
人民政府|政府、人民政府|||
人民政府办公室|政府办公室、政府办、人民政府办公室|||
发展和改革局|发改局、发展改革局、发展和改革局|发展计划局、计划委员会、计委|发展和改革委员会|发改委、发展改革委、发展和改革委员会
工业和信息化局|工信局、工业和信息化局、工业信息化局|经信局、经信委、经济和信息化局、经济和信息化委员会||
教育局|教育局|教育委员会、教委||
科学技术局|科技局、科学技术局|科学技术委员会、科委||
公安局|公安局|||
民政局|民政局|||
司法局|司法局|||
财政局|财政局|||
人力资源和社会保障局|人社局、人力社保局、人力资源社会保障局、人力资源和社会保障局|人事局、劳动和社会保障局、劳动局||
自然资源局|自然资源局、规划和自然资源局、自然资源和规划局、自规局|国土资源局、国土局、规划局、城乡规划局||
生态环境局|生态环境局|环境保护局、环保局||
住房和城乡建设局|住建局、住房城乡建设局、住房和城乡建设局、住房和城乡建设管理局|城乡建设局、建设局、住房和城乡建设委员会、建委||
交通运输局|交通局、交通运输局|||
水利局|水利局、水务局|水利水保局||
农业农村局|农业农村局、农业局|农业委员会、农委||
商务局|商务局|商务粮食局||
文化和旅游局|文旅局、文化和旅游局、文化旅游局|文化局、旅游局、文化广电新闻出版局、旅游发展委员会||
卫生健康局|卫健局、卫生健康局、卫生和健康局|卫生和计划生育局、卫生计生局、卫计局、卫生和计划生育委员会、卫计委、卫生局|卫生健康委员会|卫健委、卫生健康委、卫生健康委员会
退役军人事务局|退役军人局、退役军人事务局|||
应急管理局|应急局、应急管理局|安全生产监督管理局、安监局||
审计局|审计局|||
国有资产监督管理委员会|国资委、国有资产监督管理委员会|||
市场监督管理局|市场监管局、市场监督管理局|工商行政管理局、工商局、质量技术监督局、质监局、食品药品监督管理局、食药监局||
统计局|统计局|||
医疗保障局|医保局、医疗保障局|||
林业局|林业局|||
能源局|能源局|||
信访局|信访局|||
行政审批服务管理局|行政审批局、审批局、行政审批服务局、行政审批服务管理局|||
城市管理局|城管局、城市管理局、城市管理综合行政执法局、城管执法局|城市管理行政执法局||
人民防空办公室|人防办、人民防空办公室|||
投资促进局|投促局、投资促进局|||
疾病预防控制中心|疾控中心、疾病预防控制中心|||
医疗保险中心|医保中心、医疗保险中心、医疗保险管理中心|||
残疾人联合会|残联、残疾人联合会|||
工商业联合会|工商联、工商业联合会|||
妇女联合会|妇联、妇女联合会|||
文学艺术界联合会|文联、文学艺术界联合会|||
科学技术协会|科协、科学技术协会|||
红十字会|红十字会|||
"""

# When the 2018–2019 reform came into force, by administrative level (the central deadlines:
# provinces by the end of 2018, prefectures and counties by the end of March 2019).
REFORM_DONE_BY = {1: "2018-12-31", 2: "2019-03-31", 3: "2019-03-31"}
REFORM_NAME = "2018–2019 党和国家机构改革"

# A one-character prefix is not a region reference when it starts one of these words.
_NOT_A_PREFIX = re.compile(r"^(?:市场|市政(?!府)|市民|市容|市区|县域|县城|区域|省级|市级|县级|区级)")
_PARENS = re.compile(r"（[^（）]*）")
_AGENCY_ENDING = re.compile(r"(委员会|局|办公室|中心)$")


@dataclass(frozen=True)
class Agency:
    canonical: str  # full name at county level
    forms: tuple[str, ...]
    former: tuple[str, ...]
    upper: Optional[str]  # full name at province / prefecture level, if different
    upper_forms: tuple[str, ...] = ()  # its forms: current up there, former names at county level

    def full_name(self, level: int) -> str:
        """The standard name at an administrative level (1 province … 3 county)."""
        return self.upper if (self.upper and level < 3) else self.canonical

    def is_former(self, form: str, level: int) -> bool:
        """Whether ``form`` is a name from before the reform at ``level``."""
        return form in self.former or (level >= 3 and form in self.upper_forms and form not in self.forms)


@dataclass(frozen=True)
class Unit:
    """One organisation of one region: the key it is stored and searched under.

    ``variants`` are the spellings that denote it (the standard forms with the region's
    prefixes, plus any printed form given); ``note`` tells when a former name was mapped."""

    canonical: str
    region_code: Optional[str]
    variants: tuple[str, ...]
    note: Optional[str] = None


@lru_cache(maxsize=1)
def agencies() -> tuple[Agency, ...]:
    """The parsed :data:`AGENCY_TABLE`."""
    rows = []
    for line in AGENCY_TABLE.strip().splitlines():
        canonical, forms, former, upper, upper_forms = (part.strip() for part in line.split("|"))
        rows.append(Agency(canonical, _items(forms), _items(former), upper or None, _items(upper_forms)))
    return tuple(rows)


def _items(text: str) -> tuple[str, ...]:
    return tuple(item for item in text.split("、") if item)


@lru_cache(maxsize=1)
def _form_index() -> dict[str, Agency]:
    """printed form (current or former, any level) -> agency."""
    index: dict[str, Agency] = {}
    for agency in agencies():
        for form in (agency.canonical, *agency.forms, *agency.upper_forms, *agency.former):
            index.setdefault(form, agency)
    return index


@lru_cache(maxsize=1)
def compounds_with_he() -> frozenset[str]:
    """``X和Y`` domain names that are one field, not two (人力资源和社会保障, 住房和城乡建设):
    the agency names of the table without their 局/委员会 ending."""
    found = set()
    for agency in agencies():
        for form in (agency.canonical, *agency.forms, *agency.upper_forms, *agency.former):
            stem = _AGENCY_ENDING.sub("", form)
            if "和" in stem:
                found.add(stem)
    return frozenset(found)


RegionLike = Union[None, str, Region, object]


def region_of(region: RegionLike) -> Optional[Region]:
    """A gazetteer :class:`Region` from a code, a name, a Region or a RegionGuess (``.code``)."""
    if region is None or isinstance(region, Region):
        return region
    code = getattr(region, "code", None) or getattr(region, "region_code", None)
    if isinstance(code, str):
        return by_code(code)
    if isinstance(region, str):
        if region.isdigit():
            return by_code(region)
        found = by_name(region)
        return found[0] if found else None
    return None


def _lineage(region: Optional[Region]) -> list[Region]:
    chain: list[Region] = []
    while region is not None:
        chain.append(region)
        region = by_code(region.parent_code) if region.parent_code else None
    return chain


def _split_scope(name: str, region: Optional[Region]) -> tuple[Optional[Region], str]:
    """(region the name belongs to, the name without its region prefix)."""
    chain = _lineage(region)
    for r in chain:  # full names: 盂县…, 阳泉市…, 山西省…
        if name.startswith(r.name) and len(name) > len(r.name):
            return r, name[len(r.name):]
    for r in chain:  # stems, only before a known agency form (阳泉北站 is no 阳泉 office)
        rest = name[len(r.stem):]
        if r.stem != r.name and name.startswith(r.stem) and _lookup(rest):
            return r, rest
    # 县城管局 is 县 + 城管局, 县城建设… is not: a known agency after the character decides.
    if len(name) > 2 and (_lookup(name[1:]) or not _NOT_A_PREFIX.match(name)):
        first = name[0]
        for r in chain:
            if r.name.endswith(first) or (first == "省" and r.level == 1):
                return r, name[1:]
    return None, name


# 直辖市: their districts rank with prefecture cities (北京市海淀区发展和改革委员会).
_MUNICIPALITIES = ("110000", "120000", "310000", "500000")


def _rank(region: Optional[Region]) -> int:
    """Administrative rank for naming: 1 province, 2 prefecture (and a municipality's
    district), 3 county."""
    if region is None:
        return 3
    if region.level == 3 and region.parent_code in _MUNICIPALITIES:
        return 2
    return region.level


def _lookup(body: str) -> Optional[Agency]:
    return _form_index().get(body)


def resolve(name: str, region: RegionLike = None, date: Optional[str] = None) -> Unit:
    """The :class:`Unit` a printed organisation name denotes in ``region`` (the gazette's).

    Parenthesised additions (其他牌子, scopes like （矿政方面）) do not change the unit.
    ``date`` (ISO, the document's) only refines the note on former names."""
    unit, done_by = _resolve(name, region_of(region))
    if done_by is None or date is None:
        return unit
    return replace(unit, note=unit.note + (" (printed before it)" if date <= done_by else " (printed after it)"))


@lru_cache(maxsize=4096)
def _resolve(name: str, home: Optional[Region]) -> tuple[Unit, Optional[str]]:
    """:func:`resolve` without a date, and the date the reform was done by when the name is a
    former one (cached: an issue names the same few units again and again)."""
    printed = "".join(name.split())
    core = _PARENS.sub("", printed) or printed
    scope, body = _split_scope(core, home)
    found = _lookup(body)
    if found is not None and scope is None and home is not None:
        scope = home  # a bare 发改局: the gazette's own region
    note = done = None
    if found is not None:
        agency = found
        level = _rank(scope)
        full = agency.full_name(level)
        if agency.is_former(body, level):
            done = REFORM_DONE_BY.get(level, REFORM_DONE_BY[3])
            note = f"{body} → {full}: {REFORM_NAME}, level {level} done by {done}"
        body = full
        forms = (agency.canonical, *agency.forms, *agency.upper_forms, *agency.former)
    else:
        forms = (body,)
    canonical = (scope.name if scope is not None else "") + body
    variants = {printed, canonical}
    if scope is not None:
        prefixes = {scope.name, scope.stem, scope.name[-1]}
        variants.update(p + f for p in prefixes for f in forms)
    return Unit(canonical, scope.code if scope is not None else None, tuple(sorted(variants)), note), done


def normalize_unit(name: str, region: RegionLike = None, date: Optional[str] = None) -> str:
    """The canonical name of a printed organisation name (see :func:`resolve`)."""
    return resolve(name, region, date).canonical


def group_units(names: Iterable[str], region: RegionLike = None) -> list[Unit]:
    """Printed names grouped by the unit they denote; ``variants`` are the printed names."""
    groups: dict[str, tuple[Optional[str], set[str], Optional[str]]] = {}
    for name in names:
        unit = resolve(name, region)
        code, printed, note = groups.setdefault(unit.canonical, (unit.region_code, set(), unit.note))
        printed.add(name)
        if note is None and unit.note:
            groups[unit.canonical] = (code, printed, unit.note)
    return [Unit(c, code, tuple(sorted(p)), note) for c, (code, p, note) in sorted(groups.items())]



def agency_names(name: str) -> tuple[str, ...]:
    """The standard full names (county level, and above where they differ) of an agency name
    with any region prefix: 县发改局 → (发展和改革局, 发展和改革委员会); () when the table does
    not know it. For looking a unit up across regions (the store's ``unit`` filter)."""
    core = _PARENS.sub("", "".join(name.split()))
    for cut in range(0, min(len(core) - 1, 5)):  # a region prefix is at most a few characters
        found = _lookup(core[cut:])
        if found is not None:
            return (found.canonical,) + ((found.upper,) if found.upper else ())
    return ()

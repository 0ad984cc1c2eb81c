"""Response models of the layer endpoints (``gongbao.views``): people, units, the task
ledger, the hazard registry, duties, a document's citations and validity.

Layer records carry the keys SCHEMA.md names ("Layer records") and whatever an extractor adds,
so the record models list the common keys and allow the rest (``Open``).
"""
from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, Field

from .models import Open

SPAN = "[start, end) character offsets of the record's source text in the issue."
SOURCE_URL = "The issue's source page with this record's span marked."


class DocRef(Open):
    """A stored document, as a layer view links to it."""

    id: str
    title: str
    doc_number: Optional[str] = None
    date: Optional[str] = None
    issuer: Optional[str] = None
    gazette_id: str
    url: str = Field(description="Path of the document's page.")


class LayerRecord(Open):
    """One layer record as stored (SCHEMA.md, "Layer records"): the layer's keys besides these."""

    doc_id: str = Field(description="Id of the document the record was read from.", examples=["140322/2023/3/1"])
    doc_number: Optional[str] = None
    doc_seq: int
    span: list[int] = Field(description=SPAN)
    layer: str
    confidence: float
    source_url: Optional[str] = Field(None, description=SOURCE_URL)


class LinkedRecord(LayerRecord):
    document: Optional[DocRef] = Field(None, description="The document the record was read from.")


class UnitLink(BaseModel):
    name: str = Field(description="The unit as printed.")
    url: str = Field(description="Path of the unit's page.")


class LayerPage(BaseModel):
    layer: str
    filters: dict[str, str] = Field(description="The filters applied, dates as ISO days.")
    total: int = Field(description="Records matching the filters.")
    limit: int
    offset: int
    records: list[LayerRecord]


# -- citations and validity ------------------------------------------------------------------


class Citation(LinkedRecord):
    cited_title: Optional[str] = Field(None, description="Title as printed, without 《》.")
    cited_number: Optional[str] = Field(None, description="Number, normalized (文号 〔〕, standards GB/T N-YYYY).")
    kind: Optional[str] = Field(None, description="law / regulation / standard / document / other")
    kind_label: str = Field(description="kind in Chinese.")
    resolved_doc_id: Optional[str] = Field(None, description="The stored document cited, if any.")
    score: Optional[float] = Field(None, description="1.0: exact 文号 (or title); ≥ 0.85: similar title; 0: unresolved.")
    resolved: Optional[DocRef] = None
    external: bool = Field(description="True when no stored document is the one cited.")
    normalized: str = Field(description="《title》（number） as a reference to show.")


class Citations(BaseModel):
    document: DocRef
    cites: list[Citation] = Field(description="What the document cites, resolved against the store.")
    cited_by: list[Citation] = Field(
        description="Citations in other stored documents that resolve to this one (``document`` is the citing one).")


class ValidityRecord(Open):
    doc_id: str
    effective_from: Optional[str] = None
    expires_on: Optional[str] = None
    trial: Optional[bool] = None
    repeals: list[dict[str, Any]] = []
    repealed_by: Optional[str] = Field(None, description="Id of the document that repeals this one (across issues).")
    repealed_on: Optional[str] = None
    evidence: Optional[str] = Field(None, description="The sentence(s) read.")
    span: Optional[list[int]] = Field(None, description=SPAN)


class Validity(BaseModel):
    document: DocRef
    on: str = Field(description="The day the status is for (ISO).")
    status: str = Field(description="现行有效 / 尚未生效 / 已失效 / 已废止 / 未知")
    applies: bool = Field(True, description="False for a document whose type has no validity (任免, 批复) "
                                            "and which states none: its 未知 says nothing.")
    record: Optional[ValidityRecord] = Field(
        None, description="Null when the document says nothing about its validity.")
    repealed_by: Optional[DocRef] = None
    source_url: Optional[str] = Field(None, description=SOURCE_URL)


# -- people ----------------------------------------------------------------------------------


class CareerEvent(LinkedRecord):
    kind: str = Field(description="personnel (a 任免 action) or duties (a 分工 entry).")
    action: Optional[str] = Field(None, description="任 / 免 / 聘任 / 提名 / 正式任用 … ; 分工 for duties entries.")
    position: Optional[str] = Field(None, description="Position as printed; the role for duties entries.")
    organisation: Optional[str] = Field(None, description="Canonical organisation.")
    date: Optional[str] = None
    region_code: Optional[str] = None
    identity: int = Field(description="Which of the name's identities this event belongs to.")


class Identity(BaseModel):
    identity: int
    organisations: list[str]
    regions: list[dict[str, Optional[str]]]
    first_date: Optional[str] = None
    last_date: Optional[str] = None
    latest: dict[str, Any]
    timeline: list[CareerEvent]


class Membership(LinkedRecord):
    group: str = Field(description="The group as printed (领导小组 / 工作专班 / 指挥部 / 委员会).")
    role: str = Field(description="组长 / 副组长 / 成员 / 办公室主任 / 联络员 …")
    person: Optional[str] = None
    position: Optional[str] = Field(None, description="As printed.")
    organisation: Optional[str] = Field(None, description="Canonical unit of the position.")
    office: Optional[str] = Field(None, description="Where the group's office sits (on the record with no person).")
    date: Optional[str] = None
    adjustment: bool = Field(False, description="The document changes a group set up before (人员调整).")
    group_url: str = Field(description="Path of the group's page.")


class Person(BaseModel):
    name: str
    ambiguous: bool = Field(description="True when the records show more than one person of this name.")
    identities: list[Identity] = Field(
        description="Groups of records that are one person: same document, or same organisation.")
    timeline: list[CareerEvent] = Field(description="Every event, by date.")
    groups: list[Membership] = Field([], description="The groups the name sits in (groups layer).")


class PersonSummary(BaseModel):
    name: str
    records: int
    documents: int
    organisations: list[str]
    latest: Optional[dict[str, Any]] = None
    url: str


# -- units -----------------------------------------------------------------------------------


class UnitDocument(DocRef):
    roles: list[str] = Field(description="issuer / signed_by / recipient")


class UnitTask(LinkedRecord):
    roles: list[str] = Field(description="lead / responsible / cooperating")


class UnitDuty(LinkedRecord):
    leader: str
    role: Optional[str] = None
    kinds: list[str] = Field(description="分管 / 联系")
    person_url: str


class UnitAlternative(BaseModel):
    canonical: str
    region_code: Optional[str] = None
    records: int
    url: str


class Unit(BaseModel):
    name: str = Field(description="The name asked for.")
    canonical: str = Field(description="The unit it denotes (gongbao.extract.orgs.resolve).")
    region_code: Optional[str] = None
    region: Optional[str] = None
    variants: list[str]
    note: Optional[str] = Field(None, description="A former name mapped to its successor (机构改革).")
    alternatives: list[UnitAlternative] = Field(description="What the name denotes in other stored regions.")
    documents: list[UnitDocument]
    tasks: list[UnitTask]
    tasks_total: int
    task_roles: dict[str, int]
    duties: list[UnitDuty]
    personnel: list[LinkedRecord]
    ledger_url: str


# -- ledger, registry, duties ----------------------------------------------------------------


class TaskRow(LinkedRecord):
    task_no: Optional[str] = None
    text: Optional[str] = None
    lead_units: list[str] = []
    responsible_units: list[str] = []
    cooperating_units: list[str] = []
    deadline: Optional[str] = None
    deadline_text: Optional[str] = None
    recurrence: Optional[str] = None
    region_code: Optional[str] = None
    unit_links: dict[str, list[UnitLink]] = {}
    matched_roles: Optional[list[str]] = Field(None, description="With unit=: the roles in which the row names it.")


class TaskLedger(BaseModel):
    filters: dict[str, Any]
    total: int
    limit: int
    offset: int
    tasks: list[TaskRow]


class HazardCase(BaseModel):
    enterprise: str
    status: str = Field(description="open / closed")
    hazard: Optional[str] = None
    basis: Optional[str] = Field(None, description="判定标准 cited.")
    articles: Optional[str] = None
    supervising_unit: Optional[str] = None
    region_code: Optional[str] = None
    opened_on: Optional[str] = Field(None, description="挂牌 date.")
    closed_on: Optional[str] = Field(None, description="摘牌 / 销案 date.")
    deadline: Optional[str] = None
    overdue: bool
    opened: Optional[dict[str, Any]] = Field(None, description="The 挂牌 record (null when only the closing is stored).")
    closed: Optional[dict[str, Any]] = None
    listings: list[dict[str, Any]] = Field(description="Every 挂牌 record of the case (relisted while open).")
    opened_document: Optional[DocRef] = None
    opened_source_url: Optional[str] = None
    closed_document: Optional[DocRef] = None
    closed_source_url: Optional[str] = None


class HazardRegistry(BaseModel):
    filters: dict[str, Any]
    counts: dict[str, int] = Field(description="open / closed cases, 挂牌 listings, overdue cases.")
    searched_through: Optional[dict[str, Any]] = Field(
        None, description="The latest issue searched (id, title, year, issue, published): an open case is one "
                          "whose 摘牌 no stored issue up to this one prints.")
    total: int = Field(description="Cases listed (with status, of that status), on every page.")
    limit: int
    offset: int
    cases: list[HazardCase]


class DutyEntry(LinkedRecord):
    leader: str
    role: Optional[str] = None
    titles: list[str] = []
    areas: list[str] = []
    units: list[str] = []
    date: Optional[str] = None
    region_code: Optional[str] = None
    person_url: str
    unit_links: list[UnitLink] = []
    matched: Optional[list[str]] = Field(None, description="With area=: the fields or units that matched.")


class DutyNotice(DocRef):
    supersedes: list[DocRef] = []


class Duties(BaseModel):
    on: str
    area: Optional[str] = None
    region: Optional[str] = None
    leaders: list[DutyEntry] = Field(description="Every leader's entry in force on the day.")
    responsible: list[DutyEntry] = Field(description="With area=: the leaders responsible for it.")
    related: list[DutyEntry] = Field(
        description="With area=: leaders with a field that is part of the area asked for (安全 for 安全生产).")
    notices: list[DutyNotice] = Field(description="The 分工 notices the entries come from.")


# -- groups ----------------------------------------------------------------------------------


class GroupMember(LinkedRecord):
    role: str
    person: str
    position: Optional[str] = None
    organisation: Optional[str] = None
    person_url: str


class GroupRole(BaseModel):
    role: str
    members: list[GroupMember]


class GroupDocument(BaseModel):
    document: Optional[DocRef] = Field(None, description="The document that set the group up or changed it.")
    doc_id: str
    date: Optional[str] = None
    adjustment: bool = Field(description="The document changes a group set up before (人员调整).")
    source_url: str = Field(description=SOURCE_URL)
    offices: list[LinkedRecord] = Field(description="Where the group's office sits (``office``).")
    members: int
    roles: list[GroupRole] = Field(description="Members by role, 组长 first.")


class GroupLink(BaseModel):
    name: str
    url: str = Field(description="Path of the group's page.")


class Group(BaseModel):
    name: str
    documents: list[GroupDocument] = Field(description="Oldest first: the set-up, then each change.")
    current: GroupDocument = Field(description="The latest document's composition.")
    subgroups: list[GroupLink] = Field(description="Its working groups (第一组, 综合协调组…).")
    parent: Optional[GroupLink] = Field(None, description="The group a working group belongs to.")


class GroupSummary(BaseModel):
    name: str
    documents: int
    persons: int
    offices: list[str]
    latest_date: Optional[str] = None
    url: str

"""Records in the form of shared/corpus/SCHEMA.md (the export contract), JSONL and CSV writers."""
from __future__ import annotations

import csv
import io
import json
from itertools import chain
from typing import IO, Iterable, Iterator, Mapping, Optional

from .extract import layer_spec
from .model import Article, AttachmentBody, Document, Paragraph, ParseResult, Table, document_id, gazette_id

# Keys of a document record, in SCHEMA.md order; export adds id, gazette, spans, confidence, body.
DOCUMENT_KEYS = (
    "seq", "parent_seq", "section", "issuer", "doc_number", "agency_code", "year", "serial", "title",
    "doc_type", "recipients", "signed_by", "date", "disclosure", "attachments", "body_start", "body_end",
)
GAZETTE_KEYS = ("source", "title", "region", "region_code", "year", "issue", "total_issue", "published", "frequency")


def gazette_record(result: ParseResult) -> dict:
    gz = result.gazette
    return {
        "source": result.source.name,
        "title": gz.title,
        "region": gz.region,
        "region_code": gz.region_code,
        "year": gz.year,
        "issue": gz.issue,
        "total_issue": gz.total_issue,
        "published": gz.published,
        "frequency": gz.frequency,
    }


def document_record(doc: Document, gid: str, gazette: dict) -> dict:
    num = doc.doc_number
    rec = {
        "id": document_id(gid, doc.seq),
        "seq": doc.seq,
        "parent_seq": doc.parent_seq,
        "section": doc.section,
        "issuer": doc.issuer,
        "doc_number": num.text if num else None,
        "agency_code": num.agency_code if num else None,
        "year": num.year if num else None,
        "serial": num.serial if num else None,
        "title": doc.title,
        "doc_type": doc.doc_type,
        "recipients": doc.recipients,
        "signed_by": doc.signed_by,
        "date": doc.date,
        "disclosure": doc.disclosure,
        "attachments": [a.title for a in doc.attachments],
        "body_start": doc.body_start,
        "body_end": doc.body_end,
        "gazette": gazette,
        "span": doc.span.to_list(),
        "spans": {k: v.to_list() for k, v in doc.spans.items()},
        "confidence": {k: round(v, 3) for k, v in doc.confidence.items()},
        "paragraphs": paragraph_records(doc.paragraphs),
        "attachment_bodies": [attachment_record(a) for a in doc.attachment_bodies],
        "tables": [table_record(t) for t in doc.tables],
        "articles": [article_record(a) for a in doc.articles],
        "promulgated": doc.promulgated,
        "effective": doc.effective,
        "index_no": doc.index_no,
        "subject": doc.subject,
        "published": doc.published,
        "page": dict(doc.page),
        "metadata_disagrees": doc.metadata_disagrees,
    }
    return rec


def paragraph_records(paragraphs: list[Paragraph]) -> list[dict]:
    return [
        {"text": p.text, "span": p.span.to_list(), "level": p.level, **({"table": True} if p.table else {})}
        for p in paragraphs
    ]


def table_record(table: Table) -> dict:
    return {"caption": table.caption, "unit": table.unit, "header": table.header, "rows": table.rows,
            "span": table.span.to_list()}


def attachment_record(att: AttachmentBody) -> dict:
    """SCHEMA.md ``attachment_bodies`` item; ``paragraphs`` keep the text's outline and spans."""
    return {"number": att.number, "title": att.title, "omitted": att.omitted, "text": att.text,
            "tables": [table_record(t) for t in att.tables], "span": att.span.to_list(),
            "paragraphs": paragraph_records(att.paragraphs)}


def document_tables(record: dict) -> list[dict]:
    """Every table of a document record, body first, then each attachment's, numbered from 1
    (the ``n`` of ``/api/documents/{id}/tables/{n}.csv``); ``where`` says 正文 or 附件N."""
    found = [{**t, "where": "正文"} for t in record.get("tables") or []]
    for att in record.get("attachment_bodies") or []:
        label = f"附件{att.get('number') or ''}"
        found.extend({**t, "where": label} for t in att.get("tables") or [])
    return [{**t, "n": n} for n, t in enumerate(found, 1)]


def table_csv_rows(table: dict) -> Iterator[list[str]]:
    """A table as CSV rows: the header row (when printed), then its rows."""
    if table.get("header"):
        yield list(table["header"])
    yield from (list(row) for row in table.get("rows") or [])


def article_record(article: Article) -> dict:
    return {"chapter": article.chapter, "section": article.section, "article": article.article,
            "number": article.number, "text": article.text, "span": article.span.to_list()}


def document_records(result: ParseResult) -> list[dict]:
    """One record per document, in reading order, in SCHEMA.md form (plus id, spans, paragraphs)."""
    gid = gazette_id(result)
    gazette = gazette_record(result)
    return [document_record(d, gid, gazette) for d in result.documents]


def write_jsonl(records: Iterable[dict], out: IO[str]) -> int:
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
    return n


# Keys some records carry (a 令's regulation; a policy-library page): empty cells elsewhere.
OPTIONAL_KEYS = ("promulgated", "effective", "index_no", "subject", "published")
CSV_COLUMNS = ("id",) + DOCUMENT_KEYS + OPTIONAL_KEYS + (
    "gazette_title", "gazette_region_code", "gazette_year", "gazette_issue", "gazette_published")

# Excel and WPS read a CSV file as UTF-8 only when it starts with this mark (else as GBK: mojibake).
BOM = "\ufeff"
CSV_HEADERS = ("en", "zh")
# Column headers as a Chinese reader of a spreadsheet names them (``headers="zh"``): the
# document columns and every layer's keys. A key not listed keeps its English name.
HEADERS_ZH = {
    "id": "编号", "seq": "序号", "parent_seq": "印发通知序号", "section": "栏目", "issuer": "发文机关",
    "doc_number": "发文字号", "agency_code": "机关代字", "year": "年份", "serial": "发文顺序号", "title": "标题",
    "doc_type": "文种", "recipients": "主送机关", "signed_by": "署名", "date": "成文日期", "disclosure": "公开属性",
    "attachments": "附件", "body_start": "正文起始字符", "body_end": "正文结束字符",
    "gazette_title": "公报名称", "gazette_region_code": "行政区划代码", "gazette_year": "公报年份",
    "gazette_issue": "期号", "gazette_published": "出版日期",
    # layer records
    "doc_id": "文件编号", "doc_seq": "文件序号", "span": "原文位置", "confidence": "置信度",
    "person": "姓名", "action": "事项", "position": "职务", "organisation": "单位", "post": "岗位",
    "conditions": "任职条件", "leader": "领导", "role": "职务", "areas": "分管工作", "units": "分管单位",
    "titles": "职务名称", "manages": "负责", "liaises": "联系", "region": "地区", "region_code": "行政区划代码",
    "adjustment": "调整", "task_no": "任务序号", "text": "任务内容", "lead_units": "牵头单位",
    "responsible_units": "责任单位", "cooperating_units": "配合单位", "deadline": "完成时限",
    "deadline_text": "时限原文", "recurrence": "周期", "inherited": "承继上级", "heading": "所属标题", "part": "部分",
    "enterprise": "企业", "hazard": "隐患", "basis": "依据", "supervising_unit": "督办单位", "articles": "条款",
    "operator": "经营者", "cited_title": "被引文件标题", "cited_number": "被引文件文号", "kind": "引用类别",
    "resolved_doc_id": "对应文件编号", "score": "匹配得分", "effective_from": "生效日期", "expires_on": "失效日期",
    "trial": "试行", "repealed_by": "废止文件", "evidence": "依据原文", "repeals": "废止", "repealed_on": "废止日期",
    "group": "议事协调机构", "office": "办公室设在",
    "promulgated": "公布日期", "effective": "施行日期", "index_no": "索引号", "subject": "主题分类", "published": "发布日期",
}


def csv_header(columns: Iterable[str], headers: str = "en", labels: Optional[Mapping[str, str]] = None) -> list[str]:
    """The header row: the keys themselves (``en``, for programs) or their Chinese names (``zh``;
    ``labels``, a layer's own, before the common ones)."""
    if headers not in CSV_HEADERS:
        raise ValueError(f"unknown headers {headers!r}: use en or zh")
    names = {**HEADERS_ZH, **(labels or {})}
    return [names.get(column, column) if headers == "zh" else column for column in columns]


def csv_lines(rows: Iterable[list], *, bom: bool = True) -> Iterator[str]:
    """Rows (the header first) as CSV text one row at a time (a download can stream it), after
    a BOM when ``bom``; None is an empty cell."""
    buffer = io.StringIO(BOM if bom else "")
    buffer.seek(0, io.SEEK_END)  # the BOM goes out with the first row
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _document_row(rec: dict) -> list:
    gz = rec.get("gazette") or {}
    row = []
    for col in CSV_COLUMNS:
        if col.startswith("gazette_"):
            row.append(gz.get(col[len("gazette_"):]))
        elif col == "attachments":
            row.append("；".join(rec.get("attachments") or []))
        else:
            row.append(rec.get(col))
    return row


def document_csv(records: Iterable[dict], *, bom: bool = True, headers: str = "en") -> Iterator[str]:
    """Document records as CSV lines: SCHEMA.md columns plus the issue's, one row per document."""
    return csv_lines(chain([csv_header(CSV_COLUMNS, headers)], map(_document_row, records)), bom=bom)


def write_lines(lines: Iterable[str], out: IO[str]) -> int:
    """Write CSV lines; the number of data rows (the header not counted)."""
    n = -1
    for line in lines:
        out.write(line)
        n += 1
    return n


# -- layer records (SCHEMA.md, "Layer records") ---------------------------------------------

LAYER_BASE_KEYS = ("doc_id", "doc_number", "doc_seq", "span")


def layer_records(result: ParseResult, layer: str | None = None) -> list[dict]:
    """The issue's layer records (all, or one layer's) in export form: ``doc_id``,
    ``doc_number``, ``doc_seq``, ``span``, then the layer's keys; ``layer`` and
    ``confidence`` ride along."""
    gid = gazette_id(result)
    numbers = {d.seq: (d.doc_number.text if d.doc_number else None) for d in result.documents}
    return [
        {
            "doc_id": document_id(gid, rec.doc_seq),
            "doc_number": numbers.get(rec.doc_seq),
            "doc_seq": rec.doc_seq,
            "span": rec.span.to_list(),
            **rec.fields,
            "layer": rec.layer,
            "confidence": round(rec.confidence, 3),
        }
        for rec in result.layers
        if layer is None or rec.layer == layer
    ]


def layer_csv_columns(layer: str, records: Iterable[dict]) -> list[str]:
    """Base keys, the layer's SCHEMA.md keys (its spec's), then any further keys the records carry."""
    columns = list(LAYER_BASE_KEYS + layer_spec(layer).keys)
    for rec in records:
        columns.extend(k for k in rec if k not in columns and k != "layer")
    return columns


def layer_csv(layer: str, records: Iterable[dict], *, columns: Optional[list[str]] = None, bom: bool = True,
              headers: str = "en") -> Iterator[str]:
    """Layer records as CSV lines; lists are joined with ``；``, objects written as JSON. The
    columns are the union of the records' keys, unless given (then the records stream)."""
    rows: Iterable[dict] = records
    if columns is None:
        rows = list(records)
        columns = layer_csv_columns(layer, rows)
    header = csv_header(columns, headers, layer_spec(layer).labels)
    return csv_lines(chain([header], ([csv_cell(rec.get(col)) for col in columns] for rec in rows)), bom=bom)


def csv_cell(value: object) -> object:
    """A layer record's value as a CSV cell: lists of names joined with ``；``, objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "；".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value

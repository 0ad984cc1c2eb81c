"""Records in the form of shared/corpus/SCHEMA.md (the export contract), JSONL and CSV writers."""
from __future__ import annotations

import csv
import io
import json
from typing import IO, Iterable, Iterator

from .model import Article, AttachmentBody, Document, Paragraph, ParseResult, Table, source_id

# Keys of a document record, in SCHEMA.md order; export adds id, gazette, spans, confidence, body.
DOCUMENT_KEYS = (
    "seq", "parent_seq", "section", "issuer", "doc_number", "agency_code", "year", "serial", "title",
    "doc_type", "recipients", "signed_by", "date", "disclosure", "attachments", "body_start", "body_end",
)
GAZETTE_KEYS = ("source", "title", "region", "region_code", "year", "issue", "total_issue", "published", "frequency")


def gazette_id(result: ParseResult) -> str:
    """Stable id of the parsed source (``gongbao.model.source_id``): an issue's
    ``{region_code}/{year}/{issue}``, a single document's ``{region_code}/{year}/{文号}``."""
    return source_id(result.gazette, result.source.sha256)


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
        "id": f"{gid}/{doc.seq}",
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


CSV_COLUMNS = ("id",) + DOCUMENT_KEYS + ("gazette_title", "gazette_region_code", "gazette_year", "gazette_issue", "gazette_published")


def csv_rows(records: Iterable[dict]) -> Iterator[list]:
    yield list(CSV_COLUMNS)
    for rec in records:
        gz = rec.get("gazette") or {}
        row = []
        for col in CSV_COLUMNS:
            if col.startswith("gazette_"):
                row.append(gz.get(col[len("gazette_"):]))
            elif col == "attachments":
                row.append("；".join(rec.get("attachments") or []))
            else:
                row.append(rec.get(col))
        yield row


def write_csv(records: Iterable[dict], out: IO[str]) -> int:
    writer = csv.writer(out)
    n = -1
    for row in csv_rows(records):
        writer.writerow(["" if v is None else v for v in row])
        n += 1
    return n


def to_csv_string(records: Iterable[dict]) -> str:
    buf = io.StringIO()
    write_csv(records, buf)
    return buf.getvalue()


# -- layer records (SCHEMA.md, "Layer records") ---------------------------------------------

LAYER_BASE_KEYS = ("doc_id", "doc_number", "doc_seq", "span")
# Each layer's keys in SCHEMA.md order; a record may carry more (they follow in CSV).
LAYER_KEYS: dict[str, tuple[str, ...]] = {
    "personnel": ("person", "action", "position", "organisation", "post", "conditions", "date"),
    "duties": ("leader", "role", "areas", "units", "date"),
    "tasks": ("task_no", "text", "lead_units", "responsible_units", "cooperating_units", "deadline", "deadline_text", "recurrence"),
    "hazards": ("enterprise", "hazard", "basis", "supervising_unit", "deadline", "action", "date"),
    "citations": ("cited_title", "cited_number", "kind", "resolved_doc_id", "score"),
    "validity": ("effective_from", "expires_on", "trial", "repealed_by", "evidence"),
}


def layer_records(result: ParseResult, layer: str | None = None) -> list[dict]:
    """The issue's layer records (all, or one layer's) in export form: ``doc_id``,
    ``doc_number``, ``doc_seq``, ``span``, then the layer's keys; ``layer`` and
    ``confidence`` ride along."""
    gid = gazette_id(result)
    numbers = {d.seq: (d.doc_number.text if d.doc_number else None) for d in result.documents}
    return [
        {
            "doc_id": f"{gid}/{rec.doc_seq}",
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
    """Base keys, the layer's SCHEMA.md keys, then any further keys the records carry."""
    columns = list(LAYER_BASE_KEYS + LAYER_KEYS.get(layer, ()))
    for rec in records:
        columns.extend(k for k in rec if k not in columns and k != "layer")
    return columns


def write_layer_csv(layer: str, records: Iterable[dict], out: IO[str]) -> int:
    """Layer records as CSV; lists are joined with ``；``, objects written as JSON."""
    rows = list(records)
    columns = layer_csv_columns(layer, rows)
    writer = csv.writer(out)
    writer.writerow(columns)
    for rec in rows:
        writer.writerow([csv_cell(rec.get(col)) for col in columns])
    return len(rows)


def csv_cell(value: object) -> object:
    """A layer record's value as a CSV cell: lists of names joined with ``；``, objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "；".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value

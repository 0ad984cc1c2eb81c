"""The review report of one parse (``gongbao check``) and the one-line ingest summary."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Optional

from .completeness import problems
from .model import ParseResult, gazette_id
from .pipeline.account import Account, account


@dataclass(frozen=True)
class Summary:
    documents: int
    embedded: int
    attachments: int
    toc_entries: int
    toc_matched: int
    unplaced: int
    warnings: int
    repairs: int
    in_documents: float  # share of the printed text after the cover/TOC that is in documents

    def line(self) -> str:
        return (
            f"{self.documents} documents ({self.embedded} embedded), {self.attachments} attachments, "
            f"TOC {self.toc_matched}/{self.toc_entries} matched, {self.unplaced} unplaced, "
            f"{self.warnings} warnings, {self.repairs} repairs, {_percent(self.in_documents)} of the text in documents"
        )


def _percent(share: float) -> str:
    """99.96 %, never rounded up to 100 % while something is outside the documents."""
    value = int(share * 10000) / 100
    return f"{value:.2f}%"


def summarize(result: ParseResult, acc: Optional[Account] = None) -> Summary:
    """The one-line figures of a parse; ``acc`` its account, if computed already."""
    return Summary(
        documents=len(result.documents),
        embedded=sum(1 for d in result.documents if d.parent_seq is not None),
        attachments=sum(len(d.attachments) for d in result.documents),
        toc_entries=len(result.toc),
        toc_matched=sum(1 for e in result.toc if e.matched_seq is not None),
        unplaced=len(result.unplaced),
        warnings=len(result.warnings),
        repairs=len(result.repairs),
        in_documents=(acc or account(result)).document_share,
    )


def repair_counts(result: ParseResult) -> Counter:
    """Repairs by rule family (clean:* lines counted once per rule they applied)."""
    counts: Counter = Counter()
    for r in result.repairs:
        if r.rule.startswith("clean:"):
            for rule in r.rule[len("clean:"):].split(","):
                counts[rule] += 1
        else:
            counts[r.rule] += 1
    return counts


def notable_repairs(result: ParseResult) -> list:
    """Repairs a reviewer should read one by one: OCR fixes, removed page furniture, splits."""
    return [r for r in result.repairs if not r.rule.startswith(("clean:", "join."))]


def grouped_repairs(repairs: list) -> list[dict]:
    """Identical repairs (the same OCR fix 300 times) as one entry with a count and their spans."""
    groups: dict[tuple, dict] = {}
    for r in repairs:
        key = (r.rule, r.before, r.after)
        g = groups.setdefault(key, {"rule": r.rule, "before": r.before, "after": r.after, "count": 0, "spans": []})
        g["count"] += 1
        g["spans"].append([r.start, r.end])
    return list(groups.values())


def check_report(result: ParseResult) -> dict:
    """Everything ``gongbao check`` shows, as plain data (also its ``--json`` output)."""
    acc = account(result)
    gz = result.gazette
    return {
        "source": result.source.name,
        "sha256": result.source.sha256,
        "encoding": result.source.encoding,
        "summary": summarize(result, acc).__dict__,
        "gazette": {k: getattr(gz, k) for k in ("title", "region", "region_code", "year", "issue", "total_issue", "published", "frequency", "sponsor", "kind")},
        "id": gazette_id(result),
        "region_evidence": result.region.evidence if result.region else [],
        "region_confidence": result.region.confidence if result.region else None,
        # why ``gongbao ingest`` would refuse the issue as incomplete ([]: it looks whole)
        "incomplete": problems(result),
        # how region/year/期 were read when no cover printed them (pipeline.identity)
        "identity_evidence": list(gz.evidence),
        "gazette_confidence": {k: round(v, 3) for k, v in gz.confidence.items()},
        "toc": [
            {
                "section": e.section,
                "title": e.title,
                "doc_number": e.doc_number.text if e.doc_number else None,
                "page": e.page,
                "matched_seq": e.matched_seq,
                "score": e.match_score,
            }
            for e in result.toc
        ],
        "documents": [
            {
                "seq": d.seq,
                "parent_seq": d.parent_seq,
                "doc_number": d.doc_number.text if d.doc_number else None,
                "title": d.title,
                "date": d.date,
                "issuer": d.issuer,
                "attachments": len(d.attachments),
                "confidence": round(d.overall_confidence, 3),
                "low_fields": sorted(k for k, v in d.confidence.items() if v < 0.9),
                "span": d.span.to_list(),
            }
            for d in result.documents
        ],
        "warnings": [{"code": w.code, "message": w.message, "seq": w.seq, "span": w.span.to_list() if w.span else None} for w in result.warnings],
        "repair_counts": dict(repair_counts(result).most_common()),
        "repairs": grouped_repairs(notable_repairs(result)),
        "unplaced": [{"span": u.span.to_list(), "reason": u.reason, "text": u.text} for u in result.unplaced],
        "account": acc.as_dict(),
    }

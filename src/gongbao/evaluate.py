"""Measure the parser against hand-made gold records (shared/corpus/SCHEMA.md form).

Documents are paired as the reference scorer pairs them (exact title, then same 文号 with a
similar title, then a fuzzy title ≥ 0.9); every field is then compared after folding width,
whitespace, bracket, quote and dash shapes. Per field: precision (of the values we gave),
recall (of the values the gold has) and exact-match rate over all gold documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .text import fold, similarity

FIELDS = (
    "doc_number", "title", "date", "parent_seq", "issuer", "doc_type", "recipients", "signed_by",
    "disclosure", "attachments", "section", "body_start", "body_end",
    # single documents and 令 (issue #13): a regulation's 公布/施行 dates, a page's table
    "promulgated", "effective", "index_no", "subject", "published",
)


@dataclass
class FieldScore:
    name: str
    correct: int = 0  # matched documents whose value equals the gold value
    predicted: int = 0  # non-empty predicted values (on matched documents)
    predicted_correct: int = 0
    gold_nonempty: int = 0
    gold_correct: int = 0
    total: int = 0  # gold documents
    misses: list[tuple] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.predicted_correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.gold_correct / self.gold_nonempty if self.gold_nonempty else 1.0

    @property
    def exact(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class Evaluation:
    source: str
    gold_count: int
    predicted_count: int
    matched: int
    fields: dict[str, FieldScore]
    unmatched_gold: list[int]
    extra_predicted: list[int]
    gazette: dict[str, bool]

    @property
    def doc_precision(self) -> float:
        return self.matched / self.predicted_count if self.predicted_count else 0.0

    @property
    def doc_recall(self) -> float:
        return self.matched / self.gold_count if self.gold_count else 1.0

    @property
    def doc_f1(self) -> float:
        p, r = self.doc_precision, self.doc_recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_documents(gold: list[dict], pred: list[dict]) -> dict[int, int]:
    """gold seq → index in ``pred``."""
    match: dict[int, int] = {}
    used: set[int] = set()
    for rule in ("title", "number", "fuzzy"):
        for gd in gold:
            if gd["seq"] in match:
                continue
            best, best_s = None, 0.0
            for i, p in enumerate(pred):
                if i in used:
                    continue
                if rule == "title" and fold(p.get("title")) == fold(gd["title"]):
                    best = i
                    break
                if rule == "number" and gd.get("doc_number") and fold(p.get("doc_number")) == fold(gd["doc_number"]) and similarity(p.get("title") or "", gd["title"]) >= 0.6:
                    best = i
                    break
                if rule == "fuzzy":
                    s = similarity(p.get("title") or "", gd["title"])
                    if s >= 0.9 and s > best_s:
                        best, best_s = i, s
            if best is not None:
                match[gd["seq"]] = best
                used.add(best)
    return match


def _value(rec: dict, key: str, seq_map: Optional[dict] = None):
    v = rec.get(key)
    if key == "attachments":
        return tuple(fold(a) for a in (v or [])) or None
    if key in ("body_start", "body_end"):
        s = fold(v)
        return (s[:10] if key == "body_start" else s[-10:]) or None
    if key == "parent_seq":
        if v is None:
            return None
        return seq_map.get(v, -1) if seq_map is not None else v
    return fold(str(v)) if v not in (None, "") else None


def evaluate(gold_doc: dict, pred: list[dict]) -> Evaluation:
    gold = gold_doc["documents"]
    match = match_documents(gold, pred)
    pred_seq_to_gold = {pred[i].get("seq"): s for s, i in match.items()}
    # a key the gold does not give (an older gold file, a fixture without body_end) is not scored
    scores = {k: FieldScore(k, total=sum(k in gd for gd in gold)) for k in FIELDS}
    for gd in gold:
        i = match.get(gd["seq"])
        for k, sc in scores.items():
            if k not in gd:
                continue
            gv = _value(gd, k)
            if gv is not None:
                sc.gold_nonempty += 1
            if i is None:
                if len(sc.misses) < 5:
                    sc.misses.append((gd["seq"], gd.get(k), "<unmatched>"))
                continue
            pv = _value(pred[i], k, pred_seq_to_gold)
            ok = gv == pv
            if pv is not None:
                sc.predicted += 1
                sc.predicted_correct += ok
            if gv is not None:
                sc.gold_correct += ok
            sc.correct += ok
            if not ok and len(sc.misses) < 5:
                sc.misses.append((gd["seq"], gd.get(k), pred[i].get(k)))
    gz_pred = (pred[0].get("gazette") or {}) if pred else {}
    gazette = {
        k: fold(str(gz_pred.get(k))) == fold(str((gold_doc.get("gazette") or {}).get(k)))
        for k in ("title", "region", "region_code", "year", "issue", "total_issue", "published", "frequency")
        if k in (gold_doc.get("gazette") or {})
    }
    used = set(match.values())
    return Evaluation(
        source=gold_doc.get("source", "?"),
        gold_count=len(gold),
        predicted_count=len(pred),
        matched=len(match),
        fields=scores,
        unmatched_gold=[gd["seq"] for gd in gold if gd["seq"] not in match],
        extra_predicted=[p.get("seq") for i, p in enumerate(pred) if i not in used],
        gazette=gazette,
    )

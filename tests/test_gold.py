"""Regression bar on the three hand-annotated issues (issue #3's quality bar).

Every document found; 文号, title, date and parent exact for all; every other field ≥ 0.98.
The figures are printed so a run shows where the parser stands.
"""
from __future__ import annotations

import pytest

from gongbao.decode import read_source
from gongbao.evaluate import evaluate
from gongbao.export import document_records
from gongbao.pipeline import parse

from .conftest import CORPUS, gold_files, load_gold

EXACT = ("doc_number", "title", "date", "parent_seq")
HIGH = ("issuer", "doc_type", "recipients", "signed_by", "disclosure", "attachments", "body_start", "section")


@pytest.fixture(scope="module", params=[p.name for p in gold_files()])
def evaluation(request):
    gold = load_gold(CORPUS / "gold" / request.param)
    result = parse(read_source(CORPUS / gold["source"]))
    ev = evaluate(gold, document_records(result))
    print(f"\n{request.param}: docs {ev.matched}/{ev.gold_count} (+{len(ev.extra_predicted)} extra) F1 {ev.doc_f1:.3f}")
    for name, sc in ev.fields.items():
        print(f"  {name:12s} P {sc.precision:.3f} R {sc.recall:.3f} exact {sc.exact:.3f} {sc.misses[:2] if sc.misses else ''}")
    return gold, result, ev


def test_every_document_found(evaluation):
    _, _, ev = evaluation
    assert ev.unmatched_gold == [], f"gold documents not found: {ev.unmatched_gold}"
    assert ev.extra_predicted == [], f"documents not in gold: {ev.extra_predicted}"


@pytest.mark.parametrize("field", EXACT)
def test_exact_fields(evaluation, field):
    _, _, ev = evaluation
    sc = ev.fields[field]
    assert sc.exact == 1.0, f"{field}: {sc.exact:.3f}, misses {sc.misses}"


@pytest.mark.parametrize("field", HIGH)
def test_other_fields(evaluation, field):
    _, _, ev = evaluation
    sc = ev.fields[field]
    assert sc.exact >= 0.98, f"{field}: {sc.exact:.3f}, misses {sc.misses}"


def test_gazette_metadata(evaluation):
    _, _, ev = evaluation
    wrong = [k for k, ok in ev.gazette.items() if not ok]
    assert not wrong, f"gazette fields wrong: {wrong}"


def test_every_field_has_a_source_span(evaluation):
    gold, result, _ = evaluation
    text = result.source.text
    for doc in result.documents:
        for name in ("title", "date"):
            if name == "date" and doc.date is None:
                continue
            span = doc.spans.get(name)
            assert span is not None and 0 <= span.start < span.end <= len(text), (doc.seq, name)
        if doc.doc_number:
            # the span of the 文号 covers the printed number, before any repair
            printed = text[doc.spans["doc_number"].start: doc.spans["doc_number"].end]
            assert str(doc.doc_number.serial) in printed and str(doc.doc_number.year) in printed

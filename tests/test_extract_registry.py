"""The layer registry (gongbao.extract.registry): what a new layer costs.

A toy layer — one record per 附件 title — is registered at test time, with no other code
change, and flows through the parse, the export (JSONL and CSV with its keys), the store of
each backend (its units found by ``unit=``), ``/api/layers/{name}`` and ``gongbao export
--layer``; then it is unregistered.
"""
from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gongbao.http import create_app
from gongbao.cli import app
from gongbao.export import LAYER_BASE_KEYS, document_records, layer_csv, layer_records, write_jsonl
from gongbao.extract import LayerError, LayerSpec, layer_names, layer_spec, register, unregister
from gongbao.extract.registry import RECORD_FILTERS
from gongbao.model import LayerRecord, ParseResult
from gongbao.store import open_store

from .conftest import BACKENDS
from .layer_scoring import synthetic

TITLES = ["平定县秸秆综合利用工作领导小组成员名单", "平定县秸秆收储点布局表"]
BODY = f"现将方案印发给你们，请认真贯彻执行。\n\n附件：1．{TITLES[0]}\n　　　2．{TITLES[1]}（略）"
TOY = LayerSpec(
    name="attachment_titles",
    keys=("number", "attachment", "omitted", "issuer", "date"),
    unit_keys=("issuer",),
    filters=(*RECORD_FILTERS, "unit", "date_from", "date_to"),
    requires=("document.attachments", "document.issuer", "document.date"),
    labels={"attachment": "附件标题"},
)


def extract_attachment_titles(result: ParseResult) -> list[LayerRecord]:
    return [
        LayerRecord(TOY.name, doc.seq, att.span, {"number": att.number, "attachment": att.title,
                                                  "omitted": att.omitted, "issuer": doc.issuer, "date": doc.date})
        for doc in result.documents for att in doc.attachments
    ]


@pytest.fixture()
def toy_layer():
    register(TOY, extract_attachment_titles)
    try:
        yield TOY.name
    finally:
        unregister(TOY.name)
    assert TOY.name not in layer_names()


@pytest.fixture()
def toy_result(toy_layer) -> ParseResult:
    return synthetic("印发平定县秸秆综合利用工作方案", BODY)


def test_built_in_layers_are_registered_in_run_order():
    assert layer_names() == ("personnel", "duties", "tasks", "hazards", "citations", "validity", "groups")
    assert layer_spec("hazards").keys[0] == "enterprise" and "supervising_unit" in layer_spec("hazards").unit_keys


@pytest.mark.parametrize("problem, spec, match", [
    ("a name taken", dict(name="tasks"), "registered already"),
    ("an unknown filter", dict(filters=("colour",)), "unknown filter"),
    ("a filter its records cannot answer", dict(keys=("title",), filters=("enterprise", "unit")), "no key"),
    ("an element no document has", dict(requires=("document.colour",)), "neither document"),
    ("a layer it requires is missing", dict(requires=("layer.nowhere",)), "unregistered"),
])
def test_a_spec_that_cannot_be_used_is_refused(problem, spec, match):
    with pytest.raises(LayerError, match=match):
        register(LayerSpec(**{"name": "toy", "keys": (), **spec}), extract_attachment_titles)
    assert "toy" not in layer_names()


def test_a_required_layer_runs_first_and_stays_registered(toy_layer):
    def count_attachments(result: ParseResult) -> list[LayerRecord]:
        titles = [r for r in result.layers if r.layer == TOY.name]
        return [LayerRecord("attachment_count", doc.seq, doc.span, {"count": sum(t.doc_seq == doc.seq for t in titles)})
                for doc in result.documents]

    register(LayerSpec(name="attachment_count", keys=("count",), requires=(f"layer.{TOY.name}",)), count_attachments)
    try:
        with pytest.raises(LayerError, match="required by attachment_count"):
            unregister(TOY.name)
        result = synthetic("印发平定县秸秆综合利用工作方案", BODY)
        assert [r.fields["count"] for r in result.layers if r.layer == "attachment_count"] == [len(TITLES)]
    finally:
        unregister("attachment_count")


def test_unknown_layer_names_the_known_ones():
    with pytest.raises(LayerError, match="known: personnel, duties"):
        layer_spec("nowhere")


def test_new_layer_flows_into_the_parse_and_the_export(toy_result):
    toy = [r for r in toy_result.layers if r.layer == TOY.name]
    assert [r.fields["attachment"] for r in toy] == TITLES
    assert [r.fields["omitted"] for r in toy] == [False, True]
    assert toy_result.layers[-len(toy):] == toy  # registered last, run last

    records = layer_records(toy_result, TOY.name)
    out = io.StringIO()
    assert write_jsonl(records, out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert list(lines[0])[:9] == [*LAYER_BASE_KEYS, *TOY.keys] and lines[1]["attachment"] == TITLES[1]

    rows = list(csv.reader(io.StringIO("".join(layer_csv(TOY.name, records, bom=False)))))
    assert rows[0][:9] == [*LAYER_BASE_KEYS, *TOY.keys]
    assert [row[5] for row in rows[1:]] == TITLES
    zh = next(csv.reader(io.StringIO("".join(layer_csv(TOY.name, records, bom=False, headers="zh")))))
    # the layer's own name of ``attachment``, the common ones of issuer and date, English for the rest
    assert zh[4:9] == ["number", "附件标题", "omitted", "发文机关", "成文日期"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_new_layer_is_stored_served_and_exported(toy_result, backend, new_store_url):
    url = new_store_url(backend)
    with open_store(url) as store:
        assert store.save_parse(toy_result, document_records(toy_result)).status == "added"
        stored = list(store.list_layer(TOY.name))
        assert [r["attachment"] for r in stored] == TITLES
        assert store.count_layer(TOY.name, unit="县政府") == 2  # its unit key, read like any layer's
        assert store.count_layer(TOY.name, date_from="2025") == 0
        assert set(TOY.keys) <= set(store.layer_keys(TOY.name))

    with TestClient(create_app(url)) as client:
        page = client.get(f"/api/layers/{TOY.name}", params={"unit": "平定县人民政府"}).json()
        assert page["total"] == 2 and [r["attachment"] for r in page["records"]] == TITLES
        assert all(r["source_url"].startswith("/source/") for r in page["records"])
        served = client.get(f"/api/layers/{TOY.name}", params={"format": "csv", "bom": "false"})
        assert served.status_code == 200
        assert next(csv.reader(io.StringIO(served.text)))[:9] == [*LAYER_BASE_KEYS, *TOY.keys]
        page = client.get("/" + stored[0]["doc_id"]).text  # the document's page: a table of the layer's keys
        assert f'id="l-{TOY.name}-h"' in page and "<th>附件标题</th>" in page and f"<td>{TITLES[1]}</td>" in page

    exported = CliRunner().invoke(app, ["export", "--layer", TOY.name, "--format", "csv", "--no-bom", "--db", url])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["number"], r["attachment"], r["issuer"]) for r in rows] == [
        ("1", TITLES[0], "平定县人民政府"), ("2", TITLES[1], "平定县人民政府")]


def test_an_unregistered_layer_is_unknown_everywhere(corpus_db):
    with TestClient(create_app(str(corpus_db))) as client:
        assert client.get(f"/api/layers/{TOY.name}").status_code == 400
    exported = CliRunner().invoke(app, ["export", "--layer", TOY.name, "--db", str(corpus_db)])
    assert exported.exit_code == 2 and "unknown layer" in exported.output

"""parse() runs the stages ``gongbao.pipeline.STAGES`` declares, in their order."""
from __future__ import annotations

import pytest

import gongbao.pipeline as pipeline
from gongbao.decode import read_source
from gongbao.model import RegionGuess
from gongbao.pipeline import parse

from .test_pipeline_segment import NOTICE


def _traced(seen: list[str], name: str, stage):
    def run(value, **options):
        seen.append(name)
        return stage(value, **options)

    return run


def test_parse_runs_the_declared_stages_in_order(monkeypatch, tmp_path):
    seen: list[str] = []
    monkeypatch.setattr(pipeline, "STAGES", [(name, _traced(seen, name, stage)) for name, stage in pipeline.STAGES])
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    result = parse(read_source(path))
    assert seen == ["normalize", "segment", "elements", "identity", "extract"]
    assert [d.doc_number.text for d in result.documents] == ["平政办发〔2023〕9号"]


@pytest.mark.parametrize("region", [RegionGuess(name="平遥县", code="140728", province="山西省", city="晋中市", short="平")])
def test_a_known_region_is_given_to_the_normalize_stage(tmp_path, region):
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    assert parse(read_source(path), region).region is region

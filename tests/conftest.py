"""Shared fixtures: the shared corpus beside the project root."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
GOLD = CORPUS / "gold"


def gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.json"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"shared corpus not found at {CORPUS}")
    return CORPUS


def load_gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))

"""Record what gongbao answers, so a refactoring can prove it changed nothing.

    python tools/snapshot.py OUT_DIR [--backend sqlite|postgresql|both]
    diff -r BEFORE_DIR AFTER_DIR

Ingests the shared corpus and the test fixture gazettes into a fresh store per backend, then
writes one file per answer: the document export (JSONL and CSV), every layer's export, the
search API's answer for each quality query of tests/test_search_quality.py, and the JSON
and HTML answers of a fixed request set built from what the store holds (every document,
issue, person, group and unit). Times of ingestion are the only thing masked.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from gongbao.http import create_app  # noqa: E402
from gongbao.export import document_csv, layer_csv  # noqa: E402
from gongbao.extract import layer_names  # noqa: E402
from gongbao.ingest import ingest_file  # noqa: E402
from gongbao.store import open_store  # noqa: E402
from gongbao.store.pg_cluster import TemporaryCluster  # noqa: E402
from tests.test_search_quality import CASES, PHRASE_CASES  # noqa: E402

# Ingestion times and the process's own figures (timings) differ from run to run.
VOLATILE = re.compile(r'("(?:ingested_at|updated_at|elapsed_ms|took_ms)":\s*)"?[^,}"]*"?'
                      r'|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?')


def inputs(corpus: Path) -> list[Path]:
    fixtures = ROOT / "tests" / "fixtures"
    return (sorted(corpus.glob("*.txt")) + sorted((fixtures / "synthetic").glob("*.txt"))
            + sorted((fixtures / "documents").glob("*.*[!n]")))  # .txt and .html, not .json


def masked(text: str) -> str:
    return VOLATILE.sub(lambda m: (m.group(1) or "") + "<time>", text)


def name_of(path: str) -> str:
    """A file name for a request path, readable and unique."""
    safe = re.sub(r"[^\w.-]+", "_", path)[:80]
    return f"{safe}.{hashlib.sha1(path.encode()).hexdigest()[:8]}"


def requests_for(client: TestClient, documents: list[dict], layers: dict[str, list[dict]]) -> list[str]:
    paths = ["/api/gazettes", "/api/regions", "/api/issuers", "/api/people", "/api/groups", "/api/tasks",
             "/api/hazards", "/api/duties", "/api/duties?on=2023-06-01", "/", "/people", "/groups", "/tasks",
             "/hazards", "/duties", "/openapi.json", "/api/documents?sort=newest", "/api/documents?region=140322",
             "/api/documents?in_force_on=2024-06-01", "/api/documents?q=安全&in_force_on=2024-06-01",
             "/api/documents?doc_type=通知&sort=newest&limit=50"]
    paths += [f"/api/layers/{layer}" for layer in layer_names()]
    for gid in sorted({d["id"].rsplit("/", 1)[0] for d in documents}):
        paths += [f"/api/gazettes/{gid}", f"/{gid}", f"/source/{gid}"]
    for d in documents:
        did = d["id"]
        paths += [f"/api/documents/{did}", f"/api/documents/{did}/citations", f"/api/documents/{did}/validity", f"/{did}"]
        if d.get("doc_number"):
            paths.append(f"/doc/{quote(d['doc_number'])}")
    for person in client.get("/api/people").json()[:60]:
        paths += [f"/api/people/{quote(person['name'])}", f"/people/{quote(person['name'])}"]
    for group in client.get("/api/groups").json()[:60]:
        paths += [f"/api/groups/{quote(group['name'])}", f"/groups/{quote(group['name'])}"]
    units = sorted({u for rec in layers.get("tasks", []) for u in rec.get("lead_units") or []})[:30]
    for unit in units:
        paths += [f"/api/units/{quote(unit)}", f"/units/{quote(unit)}"]
    return paths


def snapshot(url: str, out: Path, files: list[Path]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open_store(url) as store:
        for path in files:
            ingest_file(store, path)
        documents = list(store.list_documents(None))
        (out / "documents.jsonl").write_text(masked("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in documents)))
        (out / "documents.csv").write_text(masked("".join(document_csv(documents))))
        layers = {}
        for layer in layer_names():
            layers[layer] = list(store.list_layer(layer))
            (out / f"layer-{layer}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in layers[layer]))
            (out / f"layer-{layer}.csv").write_text("".join(layer_csv(layer, layers[layer])))
    client = TestClient(create_app(url))
    answers = out / "answers"
    answers.mkdir(exist_ok=True)
    queries = [params for params, *_ in CASES + PHRASE_CASES]
    paths = requests_for(client, documents, layers)
    paths += ["/api/documents?" + urlencode({**params, "limit": 20}) for params in queries]
    paths += ["/search?" + urlencode(params) for params in queries]
    for path in paths:
        response = client.get(path)
        body = response.text
        (answers / name_of(path)).write_text(f"GET {path}\n{response.status_code} {response.headers.get('content-type')}\n\n{masked(body)}")
    print(f"{url.split('@')[-1]}: {len(documents)} documents, {len(paths)} requests → {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    files = inputs(args.corpus)
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            snapshot(str(Path(tmp) / "snapshot.db"), args.out / "sqlite", files)
    if args.backend in ("postgresql", "both"):
        with TemporaryCluster() as cluster:
            snapshot(cluster.url, args.out / "postgresql", files)


if __name__ == "__main__":
    main()

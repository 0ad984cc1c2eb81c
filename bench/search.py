#!/usr/bin/env python
"""Search benchmark: gongbao.search.search vs a bare FTS5 query, at 1k / 10k / 100k documents.

    .venv/bin/python bench/search.py [--sizes 1000,10000,100000] [--workers 2] [--repeat 1] [--profile]
    .venv/bin/python bench/search.py --store STORE.db --profile   # measure a kept store (--keep)

1. Synthetic issues are recombined from the shared corpus (``bench/synthetic.py``) and
   tokenized in ``--workers`` processes with ``gongbao.store.sqlite.prepare_issue``; the
   main process writes them with ``SQLiteStore.add_prepared`` (nothing is parsed per
   issue). One store grows through the sizes; its full-text index is merged
   (``optimize_search_index``) before each measurement, as after any bulk import.
2. A fixed mix of 200 queries — two-character words, longer words and names, phrases,
   OR and exclusions, 文号 in several spellings, filters with and without words, sorts —
   runs through ``gongbao.search.search`` (per_page 20, facets and excerpts included) and,
   on the same index, as ``SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT 20``
   with the MATCH expression the search itself used (browse queries without filters have
   none and are left out of the bare side). One untimed warm-up pass, then ``--repeat``
   timed passes. Prints p50/p95 of each side and their ratio.
3. Facet time against the number of matching documents, from the search's own phase
   timings (``SQLiteStore.explain_search``).

``run_mix(search_fn, queries, repeat)`` is reusable (the HTTP benchmark calls the same mix
through the API: ``bench/search_api.py``).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from gongbao.search import SearchQuery, search  # noqa: E402
from gongbao.store import open_store  # noqa: E402

import synthetic  # noqa: E402

TARGET_P95_MS = 20.0
TARGET_RATIO = 3.0
BATCH_ISSUES = 25  # issues per write transaction


# -- the query mix -----------------------------------------------------------------------

WORDS = ["安全", "煤矿", "任免", "燃气", "消防", "电梯", "甲醇", "秸秆", "事故", "旅游", "火灾", "隐患",
         "污染", "土壤", "信用", "养老", "教育", "医疗", "交通", "水利", "林业", "扶贫", "消费", "税收",
         "预案", "督办", "挂牌", "补助", "考核", "培训"]
LONGER = ["非法集资", "全域旅游", "司法协理员", "人工影响天气", "加装电梯", "地质灾害", "有限空间",
          "起重伤害", "高处坠落", "爱国卫生", "出租汽车", "消费券", "标准地", "营商环境", "专业镇",
          "市场主体", "充电基础设施", "农村饮水安全", "大气污染", "社会信用体系", "疾病诊断相关分组",
          "水环境质量", "秸秆综合利用", "服务业提质增效", "城市更新", "农业生产托管"]
PHRASES = ['"重大火灾隐患"', '"重大生产安全事故隐患"', '"挂牌督办"', '"安全生产"', '"应急预案"',
           '"实施方案"', '"县直各有关单位"', '"此件公开发布"', '"试用期一年"', '"特此通知"',
           '"各乡镇人民政府"', '"高质量发展"', '"露天焚烧"', '"消防工作站"', '"加油站"']
COMBINED = ["安全 生产", "燃气 安全", "煤矿 OR 燃气", "实施方案 -消防", "火灾 -挂牌", "污染 防治",
            "电动汽车 充电", "旅游 示范区", "任免 副局长", "消防 OR 应急", "土壤 OR 地下水",
            "事故 调查报告", "补助资金 电梯", "秸秆 焚烧", "信用 监管"]


def query_mix(numbers: list[str], regions: list[str], issuers: list[str], years: list[int]) -> list[dict[str, Any]]:
    """200 queries: what people type into a gazette search, with filters they click."""
    mix: list[dict[str, Any]] = []
    mix += [{"q": w} for w in WORDS]  # 30
    mix += [{"q": w} for w in LONGER]  # 26
    mix += [{"q": p} for p in PHRASES]  # 15
    mix += [{"q": c} for c in COMBINED]  # 15
    spellings = []
    for number in numbers[:5]:  # 20: four spellings of five 文号
        agency, rest = number.split("〔")
        year, serial = rest.split("〕")
        serial = serial.rstrip("号")
        spellings += [number, f"{agency}[{year}]{serial}号", f"{agency}({year}){serial}号", f"{agency} {year} {serial}"]
    mix += [{"q": s} for s in spellings]
    for i, word in enumerate(WORDS[:20]):  # 60: a word and one filter
        mix.append({"q": word, "region": regions[i % len(regions)]})
        mix.append({"q": word, "year": years[i % len(years)]})
        mix.append({"q": word, ["doc_type", "level", "section"][i % 3]: ["通知", "carried", "人事任免"][i % 3]})
    for i, word in enumerate(LONGER[:10]):  # 10: two filters
        mix.append({"q": word, "region": regions[i % len(regions)], "doc_type": "方案"})
    for i in range(8):  # 8: issuer
        mix.append({"q": WORDS[i], "issuer": issuers[i % len(issuers)]})
    for i in range(8):  # 8: date range and sorts
        year = years[i % len(years)]
        mix.append({"q": WORDS[i], "date_from": f"{year}-01", "date_to": f"{year}-06", "sort": "newest"})
    for i in range(8):  # 8: browse with filters (facets of a filtered set)
        mix.append([{"region": regions[i % len(regions)]}, {"year": years[i % len(years)]},
                    {"doc_type": "批复"}, {"level": "carried", "sort": "oldest"}][i % 4])
    mix += [{}, {"sort": "oldest"}]  # 2: browse everything
    mix += [{"q": w, "sort": "newest"} for w in WORDS[20:28]]  # 8
    return mix[:200]


# Issue #17's additions to the mix: 20 more phrases and 20 browses with filters only.
MORE_PHRASES = ['"安全生产责任制"', '"人民政府办公室"', '"隐患排查治理"', '"特种设备"', '"疫情防控"',
                '"乡村振兴"', '"营商环境"', '"项目建设"', '"财政资金"', '"安全隐患"', '"生态环境"',
                '"食品安全"', '"森林防火"', '"防汛"', '"文明城市"', '"城乡居民"', '"基本医疗保险"',
                '"人居环境整治"', '"集体经济"', '"主要负责人"']


def filters_only(regions: list[str], issuers: list[str], years: list[int]) -> list[dict[str, Any]]:
    """20 browses with filters and no words: what a click on a facet or a date gives."""
    mix: list[dict[str, Any]] = []
    for i in range(4):
        year = years[i % len(years)]
        mix.append({"region": regions[i % len(regions)], "year": year})
        mix.append({"doc_type": ["通知", "批复", "方案", "决定"][i], "sort": ["newest", "oldest"][i % 2]})
        mix.append({"issuer": issuers[i % len(issuers)], "page": 1 + i % 3})
        mix.append({"date_from": f"{year}-03", "date_to": f"{year}-09", "sort": "newest"})
        mix.append({"level": ["top", "carried"][i % 2], "section": "人事任免", "region": regions[(i + 1) % len(regions)]})
    return mix


def standard_mix(sample: Optional[list[tuple[Any, list[dict[str, Any]]]]] = None) -> list[dict[str, Any]]:
    """The 240 queries of the benchmark: :func:`query_mix` (200), 20 more phrases and
    :func:`filters_only` (20), with 文号, regions, issuers and years of ``sample``, the first
    synthetic issues stored (default: ``synthetic.issue`` 0–5, those this script stores)."""
    if sample is None:
        templates = synthetic.Templates()
        sample = [synthetic.issue(templates, n) for n in range(6)]
    numbers = [r["doc_number"] for _, records in sample for r in records if r.get("doc_number")][::7]
    regions = [result.gazette.region_code for result, _ in sample][::3] + [sample[0][0].gazette.region]
    issuers = sorted({r["issuer"] for _, records in sample for r in records if r.get("issuer")})
    years = sorted({result.gazette.year for result, _ in sample})
    return (query_mix(numbers, regions, issuers, years) + [{"q": p} for p in MORE_PHRASES]
            + filters_only(regions, issuers, years))


def run_mix(search_fn: Callable[[dict[str, Any]], Any], queries: Iterable[dict[str, Any]], repeat: int = 1,
            cpu: Optional[list[float]] = None) -> list[float]:
    """Milliseconds of every call of ``search_fn(params)``, after one untimed warm-up pass;
    ``cpu``: filled with this process's CPU milliseconds of each call (SQLite runs in it:
    what other work on the machine does not inflate)."""
    queries = list(queries)
    for params in queries:
        search_fn(params)
    timings = []
    for _ in range(repeat):
        for params in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            search_fn(params)
            timings.append((time.perf_counter() - start) * 1000)
            if cpu is not None:
                cpu.append((time.process_time() - start_cpu) * 1000)
    return timings


def percentiles(timings: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[94]


def best_of(run: Callable[[], Any], times: int = 3) -> tuple[Any, float]:
    """What ``run`` returns, and its fastest time of ``times`` in milliseconds (a statement
    timed on a warm cache, as bench/fts_detail.py and bench/pg_options.py compare them)."""
    fastest, result = float("inf"), None
    for _ in range(times):
        start = time.perf_counter()
        result = run()
        fastest = min(fastest, (time.perf_counter() - start) * 1000)
    return result, fastest


# -- loading -------------------------------------------------------------------------------

_templates: Optional[synthetic.Templates] = None
_tokenizer = None


def _init_worker() -> None:
    global _templates, _tokenizer
    from gongbao.search.tokenize import Tokenizer

    _templates, _tokenizer = synthetic.Templates(), Tokenizer()


def _prepare(number: int):
    from gongbao.store.sqlite import prepare_issue

    result, records = synthetic.issue(_templates, number)
    return prepare_issue(result, records, _tokenizer)


def grow(store, pool, first: int, target_docs: int) -> int:
    """Add synthetic issues from number ``first`` on until the store holds ``target_docs``
    documents; returns the next issue number. Workers tokenize ahead, bounded."""
    have = store.stats()["documents"]
    number, pending, batch = first, [], []
    window = 4 * max(1, pool._processes)  # noqa: SLF001 — results in flight, bounding memory
    while have < target_docs or pending:
        while have + 40 * len(pending) < target_docs and len(pending) < window:
            pending.append(pool.apply_async(_prepare, (number,)))
            number += 1
        if not pending:
            break
        prepared = pending.pop(0).get()
        batch.append(prepared)
        have += len(prepared[0].documents)
        if len(batch) >= BATCH_ISSUES or (not pending and have >= target_docs):
            store.add_prepared(batch)
            batch = []
    if batch:
        store.add_prepared(batch)
    return number


# -- measuring --------------------------------------------------------------------------------


def bare_fn(store) -> Callable[[dict[str, Any]], Any]:
    """The bare FTS5 query on the same index, with the MATCH expression search used."""
    db = store._db  # noqa: SLF001 — the benchmark reads the store's own connection
    expressions: dict[str, Optional[str]] = {}

    def prepare(params: dict[str, Any]) -> Optional[str]:
        key = repr(sorted(params.items()))
        if key not in expressions:
            expressions[key] = store.explain_search(SearchQuery(**params))["match"]
        return expressions[key]

    def call(params: dict[str, Any]) -> None:
        match = prepare(params)
        db.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT 20", (match,)).fetchall()

    call.prepare = prepare  # type: ignore[attr-defined]
    return call


FACET_FILTERS = ("region", "issuer", "agency_code", "doc_type", "year", "gazette", "section", "level")


def facet_scaling(store, queries: list[dict[str, Any]]) -> list[tuple[int, float, bool]]:
    """(matching documents, milliseconds of counting the total and the facets, sampled) of
    each query without a facet filter (with one, drill-down facets count other, larger
    sets), best of 3."""
    rows = []
    for params in (q for q in queries if not any(k in q for k in FACET_FILTERS)):
        best, total, sampled = float("inf"), 0, False
        for _ in range(3):
            explained = store.explain_search(SearchQuery(**params))
            timings = explained["timings"]
            best = min(best, timings.get("count", 0.0) + timings["facets"])  # (code before 2026-12-06: one phase)
            total, sampled = explained["total"], explained["facets_estimated"]
        rows.append((total, best, sampled))
    return rows


# The phases of one search (``gongbao.search.engine.run`` and the SQLite backend's own).
PHASES = ("parse", "plan", "count", "facets", "phrase", "rank", "hits", "excerpts")


def kind_of(params: dict[str, Any]) -> str:
    """The mix's kind of query, for the profile."""
    q = params.get("q")
    filtered = any(k != "q" and k != "sort" for k in params)
    if not q:
        return "browse"
    if "〔" in q or "[" in q or "(" in q or any(c.isdigit() for c in q):
        return "文号"
    if filtered:
        return "words + filters"
    if q.startswith('"'):
        return "phrase"
    if " " in q:
        return "combined"
    return "word" if len(q) <= 2 else "longer word"


def profile(store, queries: list[dict[str, Any]], repeat: int) -> None:
    """Where the time goes: milliseconds per phase over the mix (after a warm-up pass),
    p50/p95 and share of the total, then the slowest queries with their phases."""
    for params in queries:
        store.explain_search(SearchQuery(**params))
    runs: list[tuple[dict[str, Any], dict[str, float], float, int]] = []
    for _ in range(repeat):
        for params in queries:
            start = time.perf_counter()
            explained = store.explain_search(SearchQuery(**params))
            runs.append((params, explained["timings"], (time.perf_counter() - start) * 1000, explained["total"]))
    whole = sum(r[2] for r in runs)
    print(f"\nprofile: {len(runs)} searches, {whole:.0f} ms in all (explain_search: one read transaction each)")
    print(f"{'phase':12s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'share':>7s}")
    for phase in PHASES:
        values = [r[1].get(phase, 0.0) for r in runs]
        p50, p95 = percentiles(values)
        print(f"{phase:12s} {p50:8.2f} {p95:8.2f} {max(values):8.2f} {100 * sum(values) / whole:6.1f}%")
    other = [r[2] - sum(r[1].get(p, 0.0) for p in PHASES) for r in runs]
    print(f"{'(other)':12s} {percentiles(other)[0]:8.2f} {percentiles(other)[1]:8.2f} {max(other):8.2f}"
          f" {100 * sum(other) / whole:6.1f}%   (transaction, validation, tokenizer sync)")
    print(f"\n{'kind':16s} {'queries':>7s} {'p50 ms':>8s} {'p95 ms':>8s}  phases of its p95 query")
    kinds: dict[str, list[tuple[dict[str, Any], dict[str, float], float, int]]] = {}
    for run in runs:
        kinds.setdefault(kind_of(run[0]), []).append(run)
    for kind, rows in kinds.items():
        rows.sort(key=lambda r: r[2])
        p50, p95 = percentiles([r[2] for r in rows]) if len(rows) > 1 else (rows[0][2], rows[0][2])
        slow = rows[min(len(rows) - 1, int(0.95 * len(rows)))]
        print(f"{kind:16s} {len(rows) // repeat:7d} {p50:8.2f} {p95:8.2f}  {_phases(slow[1])}")
    print("\nslowest 10:")
    for params, timings, ms, total in sorted(runs, key=lambda r: -r[2])[:10]:
        print(f"  {ms:7.2f} ms  {total:>9,} matches  {params}  {_phases(timings)}")


def _phases(timings: dict[str, float]) -> str:
    return " ".join(f"{p}={timings[p]:.1f}" for p in PHASES if timings.get(p, 0) >= 0.05)


def measure(store, size: int, queries: list[dict[str, Any]], repeat: int) -> dict[str, Any]:
    cpu: list[float] = []
    library = run_mix(lambda params: search(store, SearchQuery(**params)), queries, repeat, cpu)
    bare = bare_fn(store)
    with_match = [q for q in queries if bare.prepare(q)]  # type: ignore[attr-defined]
    bare_times = run_mix(bare, with_match, repeat)
    facets = facet_scaling(store, queries)
    return {"size": size, "library": library, "cpu": cpu, "bare": bare_times, "facets": facets,
            "bare_queries": len(with_match)}


def calibration() -> str:
    """How fast this machine is right now: the benchmark's figures scale with it."""
    best = min(_timed(lambda: sum(range(10**7))) for _ in range(3))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"CPU check: sum(range(10**7)) in {best:.2f} s (≈0.15 s on an idle recent core);"
            f" load average {load:.1f} on {os.cpu_count()} cores")


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def report(m: dict[str, Any], load_s: float, db_mb: float) -> None:
    lib50, lib95 = percentiles(m["library"])
    bare50, bare95 = percentiles(m["bare"])
    print(f"\n== {m['size']:,} documents  (loaded in {load_s:.0f} s incl. optimize, database {db_mb:.0f} MB)")
    print(calibration())
    print(f"{'':28s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
    print(f"{'gongbao.search.search':28s} {lib50:8.2f} {lib95:8.2f} {max(m['library']):8.2f}")
    cpu50, cpu95 = percentiles(m["cpu"])
    print(f"{'  its CPU time':28s} {cpu50:8.2f} {cpu95:8.2f} {max(m['cpu']):8.2f}   (this process: load-independent)")
    print(f"{'bare FTS5 MATCH … LIMIT 20':28s} {bare50:8.2f} {bare95:8.2f} {max(m['bare']):8.2f}   ({m['bare_queries']} queries with a MATCH)")
    print(f"{'ratio':28s} {lib50 / bare50:7.1f}× {lib95 / bare95:7.1f}×")
    buckets: dict[str, list[tuple[int, float, bool]]] = {}
    for total, ms, sampled in m["facets"]:
        label = next(f"≤{limit:,}" for limit in (10, 100, 1_000, 10_000, 100_000, 10**9) if total <= limit)
        buckets.setdefault(label, []).append((total, ms, sampled))
    print("facet time (with the total) by result count, queries without facet filters:")
    print(f"{'':27s} {'matches':>14s} {'queries':>8s} {'median ms':>10s} {'µs/match':>9s} {'sampled':>8s}")
    for label in ("≤10", "≤100", "≤1,000", "≤10,000", "≤100,000", "≤1,000,000,000"):
        if label in buckets:
            rows = buckets[label]
            ms = statistics.median(r[1] for r in rows)
            mean_total = statistics.mean(max(1, r[0]) for r in rows)
            print(f"{'':27s} {label:>14s} {len(rows):8d} {ms:10.2f} {1000 * ms / mean_total:9.2f} {sum(r[2] for r in rows):8d}")
    if m["size"] >= 100_000:
        ok = lib95 <= TARGET_P95_MS and lib95 / bare95 <= TARGET_RATIO
        print(f"targets at 100k: p95 ≤ {TARGET_P95_MS:.0f} ms and ≤ {TARGET_RATIO:.0f}× bare: {'met' if ok else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="Document counts, ascending (default 1000,10000,100000).")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="Tokenizing processes.")
    parser.add_argument("--repeat", type=int, default=1, help="Timed passes over the mix (after one warm-up pass).")
    parser.add_argument("--keep", type=Path,
                        help="Keep the store in this file instead of a temporary one (an existing one grows on).")
    parser.add_argument("--store", type=Path,
                        help="Only measure this existing store (e.g. one kept by --keep): no loading.")
    parser.add_argument("--profile", action="store_true", help="Also print the milliseconds of each phase.")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    started = time.perf_counter()
    queries = standard_mix()
    print(f"{len(queries)} queries; {args.workers} tokenizing workers; corpus templates in {time.perf_counter() - started:.0f} s")
    print(calibration())

    if args.store:
        with open_store(args.store) as store:
            documents = store.stats()["documents"]
            db_mb = sum(os.path.getsize(f"{args.store}{suffix}") for suffix in ("", "-wal")
                        if os.path.exists(f"{args.store}{suffix}")) / 1e6
            report(measure(store, documents, queries, args.repeat), 0.0, db_mb)
            if args.profile:
                profile(store, queries, args.repeat)
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        with open_store(path) as store, multiprocessing.get_context("fork").Pool(args.workers, _init_worker) as pool:
            number = store.stats()["gazettes"]  # a kept store grows on from its last issue (issues are numbered)
            for size in sizes:
                t0 = time.perf_counter()
                number = grow(store, pool, number, size)
                store.optimize_search_index()
                load_s = time.perf_counter() - t0
                db_mb = sum(os.path.getsize(f"{path}{suffix}") for suffix in ("", "-wal") if os.path.exists(f"{path}{suffix}")) / 1e6
                documents = store.stats()["documents"]
                report(measure(store, documents, queries, args.repeat), load_s, db_mb)
                if args.profile:
                    profile(store, queries, args.repeat)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

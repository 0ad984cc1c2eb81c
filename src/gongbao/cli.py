"""``gongbao`` command line: a thin shell over the library (every command calls one function)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from click import Context
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperGroup

from .budget import DEFAULT_TIME_BUDGET
from .errors import GongbaoError, NotFound, UsageError

if TYPE_CHECKING:
    from rich.text import Text

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class Commands(TyperGroup):
    """The commands, run under one error handler: a :class:`~gongbao.errors.GongbaoError` a
    command raises is printed as one ``error:`` line (the message names the file and the reason)
    and exits with the error's ``exit_code``: 2 for a usage or query error, else 1."""

    def invoke(self, ctx: Context) -> object:
        try:
            return super().invoke(ctx)
        except GongbaoError as error:
            # soft_wrap: one line also in logs and pipes (no hard wrap at 80 columns)
            err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
            raise typer.Exit(error.exit_code) from error


app = typer.Typer(cls=Commands, help="gongbao (公报): Chinese government gazettes as a structured public record.",
                  no_args_is_help=True, add_completion=False)

DEFAULT_DB = "gongbao.db"
DbOption = typer.Option(None, "--db", help="Store: SQLite path or URL (default: $GONGBAO_DB or ./gongbao.db).")


def _db(db: Optional[str]) -> str:
    return db or os.environ.get("GONGBAO_DB") or DEFAULT_DB


def _shown(db: Optional[str]) -> str:
    """The store as messages name it: a URL's password masked."""
    from .store import redact

    return redact(_db(db))


def _open(db: Optional[str], create: bool = True):
    from .store import open_store

    return open_store(_db(db), create=create)


def _open_existing(db: Optional[str]):
    """The store for a command that only reads it: a missing one is an error, never created empty."""
    return _open(db, create=False)


# -- tables that fit the terminal ------------------------------------------------------------

KEEP, TEXT = "keep", "text"  # a column never dropped nor wrapped (ids, 文号); titles: wrapped, never cut
TEXT_MIN = 24  # cells a title column keeps at least before optional columns are dropped


def _fitted_table(title: str, columns: list[tuple[str, object]], rows: list[list]) -> Table:
    """A table as wide as the terminal at most: KEEP columns whole on one line, TEXT columns
    whole but wrapped, and the optional columns (kind: a priority, 1 first) only while they fit,
    the least needed dropped first."""
    from rich.cells import cell_len
    from rich.text import Text

    def width(cell: object) -> int:
        text = cell if isinstance(cell, Text) else Text.from_markup(str(cell))
        return max((cell_len(line) for line in text.plain.splitlines()), default=0)

    natural = [max([width(header)] + [width(row[i]) for row in rows]) for i, (header, _) in enumerate(columns)]
    used = 1  # the left border; each column adds its padding and right border (3 cells)
    for i, (_, kind) in enumerate(columns):
        if kind == KEEP:
            used += natural[i] + 3
        elif kind == TEXT:
            used += min(natural[i], TEXT_MIN) + 3
    shown = {i for i, (_, kind) in enumerate(columns) if kind in (KEEP, TEXT)}
    for i in sorted((i for i in range(len(columns)) if i not in shown), key=lambda i: columns[i][1]):
        if used + natural[i] + 3 <= console.width:
            used += natural[i] + 3
            shown.add(i)
    table = Table(title=title)
    for i, (header, kind) in enumerate(columns):
        if i in shown:
            table.add_column(header, no_wrap=kind != TEXT, overflow="fold" if kind == TEXT else "ellipsis",
                             min_width=natural[i] if kind == KEEP else None)
    for row in rows:
        table.add_row(*(cell for i, cell in enumerate(row) if i in shown))
    return table


class _PageBar:
    """A second bar for the pages of a PDF or scan, with pages/s and an ETA (OCR of a scanned
    issue takes minutes); shown from its first page, removed when the file is done."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Optional[TaskID] = None

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.task = self.progress.add_task("", total=total, unit="pages")
        self.progress.update(self.task, completed=done, total=total)
        speed = next(task.speed for task in self.progress.tasks if task.id == self.task)
        self.progress.update(self.task, description=f"{speed:.2f} pages/s" if speed else "")

    def close(self) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None


@app.command()
def ingest(
    paths: List[Path] = typer.Argument(..., help="Gazette files or folders of them."),
    db: Optional[str] = DbOption,
    force: bool = typer.Option(False, "--force", help="Store incomplete (truncated) issues too, even over a more complete stored version."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes parsing ahead while one process stores the issues in order (default: one per core)."),
) -> None:
    """Parse gazette issues and store them (one transaction per issue; re-ingesting is a no-op).

    An issue that looks cut short — TOC entries missing from the body, a text that stops inside
    a document, a region the text cannot settle, fewer documents than the stored version — is
    refused unless --force."""
    from .ingest import default_jobs, ingest_files, iter_inputs

    files = list(iter_inputs(paths))
    failed = incomplete = 0
    with _open(db) as store:
        with Progress(TextColumn("[bold]{task.fields[unit]}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
            task = progress.add_task("", total=len(files), unit="ingest")
            pages = _PageBar(progress)  # a file's pages, when it is parsed in this process (--jobs 1, one file)
            jobs = min(jobs or default_jobs(), len(files))
            for path, outcome in zip(files, ingest_files(store, files, force=force, jobs=jobs, progress=pages)):
                pages.close()
                progress.update(task, description=path.name)
                if outcome.status == "error":
                    failed += 1
                    incomplete += outcome.incomplete
                    # soft_wrap: one line per file also in logs and pipes (no hard wrap at 80 columns)
                    progress.console.print(f"[red]error[/red] {escape(outcome.error or '')}", soft_wrap=True)
                else:
                    progress.console.print(f"[green]{outcome.status:9s}[/green] {escape(str(path))} → {outcome.gazette_id}: {outcome.summary.line()}", soft_wrap=True)
                progress.advance(task)
    if not files:
        raise UsageError("no input files found")
    if failed:
        err.print(f"{failed} of {len(files)} file(s) failed"
                  + (f" ({incomplete} incomplete: --force stores them)" if incomplete else ""))
        raise typer.Exit(1)


@app.command()
def check(
    path: Path = typer.Argument(..., help="A gazette file."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    all_repairs: bool = typer.Option(False, "--all-repairs", help="List every repair, not only OCR fixes and removals."),
) -> None:
    """Dry run: parse one file, store nothing, and print a report to review."""
    from .formats import read_source_any as read_source
    from .ingest import MAX_ISSUE_BYTES
    from .pipeline import parse
    from .report import check_report, grouped_repairs

    result = parse(read_source(path, max_bytes=MAX_ISSUE_BYTES))  # the same limit as ingest
    report = check_report(result)
    if all_repairs:
        report["repairs"] = grouped_repairs(result.repairs)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    _print_report(report)


SUMMARY_LABELS = {"documents": "文件", "embedded": "随文印发", "attachments": "附件", "toc_entries": "目录条目",
                  "toc_matched": "目录已对应", "unplaced": "未归入文件", "warnings": "提示", "repairs": "修复"}


def _print_report(report: dict) -> None:
    gz = report["gazette"]
    console.rule(f"[bold]{escape(report['source'])}")
    console.print(f"{gz['title']}  {gz['region']}（{gz['region_code']}）  {gz['year']}年第{gz['issue']}期 总第{gz['total_issue']}期  出版日期 {gz['published']}  {gz['frequency'] or ''}")
    if gz["kind"] == "document":
        console.print(f"单份文件，存为 {escape(report['id'])}")
    if report["identity_evidence"]:
        console.print("期刊身份依据：" + escape("；".join(report["identity_evidence"])))
    if report["region_evidence"]:
        console.print(f"地区依据（置信度 {report['region_confidence']:.2f}）：" + "；".join(report["region_evidence"]))
    if report["incomplete"]:
        console.print("[bold red]不完整[/bold red]（ingest 不加 --force 时拒收）：" + escape("；".join(report["incomplete"])))
    else:
        console.print("完整：未见截断迹象（目录所列文件都在正文中，末份文件完整）")
    console.print("概况：" + "，".join(f"{SUMMARY_LABELS.get(k, k)} {v}" for k, v in report["summary"].items()))
    docs = {d["seq"]: d for d in report["documents"]}
    if report["toc"]:
        rows = [[str(e["matched_seq"]) if e["matched_seq"] else "[red]未找到[/red]", e["doc_number"] or "", escape(e["title"]),
                 str(e["page"] or ""), escape(e["section"] or "")] for e in report["toc"]]
        console.print(_fitted_table("目录 ↔ 正文", [("→ 序号", KEEP), ("文号", KEEP), ("目录标题", TEXT), ("页", 1), ("栏目", 2)], rows))
    rows = []
    for d in docs.values():
        conf = d["confidence"]
        style = "green" if conf >= 0.9 else "yellow" if conf >= 0.75 else "red"
        rows.append([str(d["seq"]), d["doc_number"] or "", escape(d["title"]), f"[{style}]{conf:.2f}[/{style}]", d["date"] or "",
                     str(d["parent_seq"] or ""), str(d["attachments"]), ",".join(d["low_fields"])])
    columns = [("序号", KEEP), ("文号", KEEP), ("标题", TEXT), ("置信度", 1), ("成文日期", 2), ("所属", 3), ("附件", 4), ("低置信字段", 5)]
    console.print(_fitted_table("文件", columns, rows))
    if report["warnings"]:
        console.print("[bold]不一致与提示")
        for w in report["warnings"]:
            console.print(f"  [yellow]{w['code']}[/yellow] {escape(w['message'])}" + (f"（文件 {w['seq']}）" if w["seq"] else ""))
    console.print("[bold]修复（按规则）：" + "，".join(f"{k} {v}" for k, v in report["repair_counts"].items()))
    for r in report["repairs"]:
        where = ", ".join(str(s) for s in r["spans"][:3]) + (" …" if r["count"] > 3 else "")
        console.print(f"  {r['rule']}: {escape(repr(r['before']))} → {escape(repr(r['after']))} ×{r['count']} 位于 {where}")
    _print_account(report["account"])
    if report["unplaced"]:
        console.print(f"[bold]未归入文件的文字（{len(report['unplaced'])}）")
        for u in report["unplaced"]:
            text = u["text"].replace("\n", "⏎")
            console.print(f"  {u['span']} {u['reason']}: {escape(text[:120])}")


def _apart(hit, result) -> str:
    """The mark of a hit holding a typed phrase's words only apart, on a line under its id."""
    return "" if hit.exact_phrase or not result.phrases else "\n（词语不相连）"


def _print_account(acc: dict) -> None:
    """Where every character of the source went (``pipeline.account``)."""
    t = Table(title=f"原文 {acc['length']:,} 个字符的去向")
    for col in ("位置", "字符", "行"):
        t.add_column(col, justify="right" if col != "位置" else "left")
    for place, chars in acc["chars"].items():
        t.add_row(place, f"{chars:,}", f"{acc['lines'].get(place, 0):,}")
    t.add_row("[bold]合计", f"[bold]{sum(acc['chars'].values()):,}", f"[bold]{sum(acc['lines'].values()):,}")
    console.print(t)
    console.print(f"归入文件：封面、目录之后印刷文字的 {acc['document_share']:.2%}")
    if acc["removals"]:
        console.print(f"[bold]修复删去的字符（页眉页脚除外）（{len(acc['removals'])}）")
        for group in _grouped_removals(acc["removals"]):
            console.print(f"  {group['rule']}: {escape(repr(group['text']))} ×{group['count']} 位于 {group['spans']}")


def _grouped_removals(removals: list[dict]) -> list[dict]:
    """Removals of the same text as one line (rules joined), with a count and the first spans."""
    groups: dict[str, dict] = {}
    for r in removals:
        g = groups.setdefault(r["text"], {"rule": r["rule"], "text": r["text"], "count": 0, "spans": []})
        if r["rule"] not in g["rule"].split(" | "):
            g["rule"] += " | " + r["rule"]
        g["count"] += 1
        if len(g["spans"]) < 3:
            g["spans"].append(r["span"])
    return list(groups.values())


@app.command("list")
def list_(
    gazette: Optional[str] = typer.Argument(None, help="A gazette id: list its documents."),
    db: Optional[str] = DbOption,
) -> None:
    """List stored issues, or the documents of one issue."""
    with _open_existing(db) as store:
        if gazette is None:
            # ids are what `list ID` / `show ID` take: never cut them
            columns = [("编号", KEEP), ("公报", TEXT), ("期", 1), ("出版日期", 2), ("文件数", 3), ("年", 4), ("来源文件", 5)]
            rows = [[g["id"], escape(g.get("title") or ""), str(g.get("issue") or ""), g.get("published") or "",
                     str(g.get("document_count", "")), str(g.get("year") or ""), escape(g.get("source_name") or "")]
                    for g in store.list_gazettes()]
            console.print(_fitted_table(f"{escape(_shown(db))} 中的公报", columns, rows))
            return
        if store.get_gazette(gazette) is None:
            raise NotFound(f"no gazette {gazette} in {_shown(db)}")
        rows = [[d["id"], d.get("doc_number") or "", ("└ " if d.get("parent_seq") else "") + escape(d["title"]), d.get("date") or ""]
                for d in store.list_documents(gazette)]
        console.print(_fitted_table(gazette, [("编号", KEEP), ("文号", KEEP), ("标题", TEXT), ("成文日期", 1)], rows))


@app.command()
def show(
    doc_id: str = typer.Argument(..., help="Document id (e.g. 140322/2023/3/1) or a 文号 in any spelling."),
    db: Optional[str] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the stored record as JSON."),
) -> None:
    """Print one document in 公文 layout."""
    from .search import lookup_doc_number

    with _open_existing(db) as store:
        doc = store.get_document(doc_id)
        ids = [] if doc else lookup_doc_number(store, doc_id)  # the lookup the web's /doc/ and search use
        if len(ids) > 1:
            err.print(f"{len(ids)} documents have the 文号 {escape(doc_id)}; show one by its id:")
            for found in filter(None, map(store.get_document, ids)):
                err.print(f"  {found['id']}  {escape(found['title'])}", soft_wrap=True)
            raise typer.Exit(1)
        if ids:
            doc = store.get_document(ids[0])
        if doc is None:
            raise NotFound(f"no document {doc_id} in {_shown(db)}")
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    from .layout import gongwen_text

    if ids and doc.get("doc_number") != doc_id:
        err.print(f"已按 {escape(doc['doc_number'] or '')} 查找", soft_wrap=True)
    console.print(escape(gongwen_text(doc)), soft_wrap=True)  # the layout's own lines, not rewrapped at 80 columns


@app.command()
def export(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    gazette: Optional[str] = typer.Option(None, "--gazette", help="Only this gazette id."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to a file instead of stdout."),
    layer: Optional[str] = typer.Option(None, "--layer", help="Export this layer's records instead (personnel, tasks, hazards…: an unknown name lists every registered layer)."),
    bom: bool = typer.Option(True, "--bom/--no-bom", help="CSV: start with a UTF-8 BOM, so Excel and WPS read Chinese right (--no-bom for pipelines)."),
    headers: str = typer.Option("en", "--headers", help="CSV column headers: en (the record keys) or zh (中文列名)."),
    db: Optional[str] = DbOption,
) -> None:
    """Export every document record (SCHEMA.md form, plus ids and provenance spans), or with
    --layer the records of one layer."""
    from .export import CSV_HEADERS, document_csv, layer_csv, write_jsonl, write_lines
    from .extract import layer_names

    if fmt not in ("jsonl", "csv"):
        raise UsageError(f"unknown format {fmt!r}: use jsonl or csv")
    if headers not in CSV_HEADERS:
        raise UsageError(f"unknown headers {headers!r}: use en or zh")
    if layer is not None and layer not in layer_names():
        raise UsageError(f"unknown layer {layer!r}: use one of {', '.join(layer_names())}")
    with _open_existing(db) as store:
        if gazette is not None and store.get_gazette(gazette) is None:
            raise NotFound(f"no gazette {gazette} in {_shown(db)}")
        out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if layer is not None:
                records = store.list_layer(layer, gazette_id=gazette)
                n = write_jsonl(records, out) if fmt == "jsonl" else write_lines(layer_csv(layer, records, bom=bom, headers=headers), out)
            else:
                records = store.list_documents(gazette)
                n = write_jsonl(records, out) if fmt == "jsonl" else write_lines(document_csv(records, bom=bom, headers=headers), out)
        finally:
            if output:
                out.close()
    if output:
        err.print(f"{n} records → {output}")


@app.command("eval")
def eval_(
    gold_files: List[Path] = typer.Argument(..., help="Gold JSON files (SCHEMA.md form)."),
    corpus: Optional[Path] = typer.Option(None, help="Folder holding the gold files' sources (default: beside the gold file, else its parent's parent)."),
    min_f1: float = typer.Option(0.0, help="Exit 1 when the document F1 of any file is below this."),
) -> None:
    """Parse each gold file's source and print per-field precision / recall / exact match."""
    from .formats import read_source_any as read_source
    from .evaluate import evaluate
    from .export import document_records
    from .pipeline import parse

    worst = 1.0
    for gold_path in gold_files:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        # the source beside the gold file (a fixture pair), else in the corpus folder
        beside = gold_path.resolve().parent / gold["source"]
        src = (corpus or gold_path.resolve().parent.parent) / gold["source"] if corpus or not beside.is_file() else beside
        result = parse(read_source(src))
        ev = evaluate(gold, document_records(result))
        worst = min(worst, ev.doc_f1)
        t = Table(title=f"{gold_path.name}: documents {ev.matched}/{ev.gold_count} found, {len(ev.extra_predicted)} extra, F1 {ev.doc_f1:.3f}")
        for col in ("field", "precision", "recall", "exact", "misses (gold seq, gold, predicted)"):
            t.add_column(col)
        for name, sc in ev.fields.items():
            style = "green" if sc.exact >= 0.98 else "yellow" if sc.exact >= 0.9 else "red"
            t.add_row(name, f"{sc.precision:.3f}", f"{sc.recall:.3f}", f"[{style}]{sc.exact:.3f}[/{style}]", escape(str(sc.misses[:2])) if sc.misses else "")
        console.print(t)
        console.print("gazette: " + ", ".join(f"{k} {'✓' if ok else '✗'}" for k, ok in ev.gazette.items()))
    if worst < min_f1:
        raise typer.Exit(1)


@app.command()
def reparse(db: Optional[str] = DbOption) -> None:
    """Re-run the current parser over every stored source text."""
    from .ingest import reparse_all

    failed = 0
    with _open_existing(db) as store:
        for outcome in reparse_all(store):
            if outcome.status == "error":
                failed += 1
                err.print(f"[red]error[/red] {escape(outcome.error or '')}", soft_wrap=True)
            else:
                console.print(f"{outcome.status:9s} {outcome.gazette_id}: {outcome.summary.line()}", soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover - console entry point
    app()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, help="Port to listen on."),
    db: Optional[str] = DbOption,
    cors: Optional[List[str]] = typer.Option(None, "--cors", help="Origin allowed to call the API from a browser (repeatable; * for any)."),
    upload_token_file: Optional[Path] = typer.Option(None, "--upload-token-file", help="Enable POST /api/gazettes (upload), for clients sending this file's token as 'Authorization: Bearer TOKEN' (else $GONGBAO_UPLOAD_TOKEN; neither: read-only)."),
    max_upload_mb: float = typer.Option(20.0, "--max-upload-mb", help="Largest upload accepted, in MiB (413 beyond)."),
    time_budget: float = typer.Option(DEFAULT_TIME_BUDGET, "--time-budget", help="Seconds a GET may work before it is stopped and answered 503 with Retry-After."),
) -> None:
    """Serve the web UI, the JSON API (/api, docs at /docs) and Atom feeds; read-only unless an upload token is given."""
    import uvicorn

    from .http import create_app

    token = _upload_token(upload_token_file)
    try:
        application = create_app(_db(db), cors_origins=cors or None, upload_token=token,
                                 max_upload_bytes=int(max_upload_mb * 1024 * 1024), time_budget=time_budget)
    except (ValueError, GongbaoError) as error:  # a token too short, a budget of 0 s, a store it cannot open
        raise UsageError(str(error)) from error
    shown = f"[{host}]" if ":" in host else host
    console.print(escape(f"serving {_shown(db)} at http://{shown}:{port}/ (API docs: /docs; Ctrl-C stops)"), soft_wrap=True)
    console.print("uploads: POST /api/gazettes with the bearer token" if token else "read-only (no upload token)")
    uvicorn.run(application, host=host, port=port)


def _upload_token(path: Optional[Path]) -> Optional[str]:
    """The upload token: the first line of ``path``, else $GONGBAO_UPLOAD_TOKEN, else None (read-only)."""
    if path is None:
        return os.environ.get("GONGBAO_UPLOAD_TOKEN", "").strip() or None
    try:
        lines = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the upload token file {path}: {error}") from error
    if not lines or not lines[0].strip():
        raise UsageError(f"the upload token file {path} is empty")
    return lines[0].strip()


@app.command("search")
def search_(
    query: str = typer.Argument("", help='Words (all of them), "an exact phrase", -excluded, A OR B, or a 文号. Empty: browse, newest first.'),
    region: Optional[str] = typer.Option(None, help="Region name (盂县) or GB/T 2260 code (140322)."),
    issuer: Optional[str] = typer.Option(None, help="发文机关: exact, else contained."),
    doc_type: Optional[str] = typer.Option(None, "--doc-type", help="文种: 通知, 批复, 方案…"),
    year: Optional[int] = typer.Option(None, help="Year of 成文日期 (else of the 文号)."),
    date_from: Optional[str] = typer.Option(None, "--from", help="成文日期 from (2023, 2023-07 or 2023-07-25)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="成文日期 up to."),
    gazette: Optional[str] = typer.Option(None, help="Gazette id, e.g. 140322/2023/3."),
    section: Optional[str] = typer.Option(None, help="Section heading, e.g. 人事任免."),
    level: Optional[str] = typer.Option(None, help="top (official documents) or carried (documents they issue)."),
    in_force_on: Optional[str] = typer.Option(None, "--in-force-on", help="YYYY-MM-DD: only documents in force that day."),
    sort: str = typer.Option("relevance", help="relevance, newest or oldest."),
    limit: int = typer.Option(20, help="Hits per page (at most 100)."),
    page: int = typer.Option(1, help="Page of hits."),
    as_json: bool = typer.Option(False, "--json", help="Print the SearchResult as JSON."),
    db: Optional[str] = DbOption,
) -> None:
    """Full-text search: hits with excerpts, and the facet counts of the result."""
    import dataclasses

    from rich.text import Text

    from .labels import FACET_LABELS
    from .search import SearchQuery, facet_label, search
    from .search.query import MAX_TERMS

    request = SearchQuery(
        q=query, region=region, issuer=issuer, doc_type=doc_type, year=year, date_from=date_from, date_to=date_to,
        gazette=gazette, section=section, level=level, in_force_on=in_force_on, sort=sort, per_page=limit, page=page,
    )
    with _open_existing(db) as store:
        result = search(store, request)
    if as_json:
        sys.stdout.write(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2) + "\n")
        return
    q = result.query
    first = (q.page - 1) * q.per_page + 1 if result.hits else 0
    summary = f"共{'约' if result.total_estimated else ''} {result.total} 份文件" + (f"，显示第 {first}–{first + len(result.hits) - 1} 份" if result.hits else "")
    if result.doc_number_match:
        summary += f"；文号 → {result.doc_number_match}"
        if result.doc_number_read_as:
            summary += f"（已按 {result.doc_number_read_as} 查找）"
    if result.phrases and result.total:
        quoted = "".join(f"「{phrase}」" for phrase in result.phrases)
        summary += f"；其中 {result.phrase_total} 份包含完整的{quoted}（列在前面），其余包含全部词语但不相连"
    if result.ignored_terms:
        summary += f"；未检索（超过 {MAX_TERMS} 个词）：{' '.join(result.ignored_terms)}"
    rows = [[hit.id + _apart(hit, result), hit.doc_number or "", _marked(hit.title_html), hit.date or "",
             _marked(hit.excerpts[0] if hit.excerpts else "")]
            for hit in result.hits]
    # At 80 columns the excerpt gives way first, then the date: the title and 文号 stay whole.
    console.print(_fitted_table(escape(summary), [("编号", KEEP), ("文号", KEEP), ("标题", TEXT), ("成文日期", 1), ("摘要", 2)], rows))
    estimated = "≈" if result.facets_estimated else ""
    for key, values in result.facets.items():
        if values:
            shown = " · ".join(
                f"{label}{f' ({value})' if label != value else ''} {estimated}{count}"
                for value, count in values
                for label in [facet_label(key, value)]
            )
            console.print(Text(f"{FACET_LABELS.get(key, key)}：", style="bold") + Text(shown), soft_wrap=True)


def _marked(html_text: str) -> "Text":
    """An excerpt's HTML (escaped text, <mark> around matches) as rich Text, matches bold."""
    import html
    import re

    from rich.text import Text

    out = Text()
    for index, piece in enumerate(re.split(r"</?mark>", html_text)):
        out.append(html.unescape(piece), style="bold" if index % 2 else None)
    return out


# -- reliability: fsck, backup, restore --------------------------------------------------


def _counts(stats: dict) -> str:
    return f"{stats['gazettes']} issue(s), {stats['documents']} document(s)"


@app.command()
def fsck(db: Optional[str] = DbOption) -> None:
    """Check the store for lost, half-written or out-of-step records (exit 1 if any)."""
    with _open_existing(db) as store:
        problems = store.check_integrity()
        stats = store.stats()
    if problems:
        for problem in problems:
            console.print(f"[red]problem[/red] {escape(problem)}", soft_wrap=True)
        err.print(f"{len(problems)} problem(s) in {escape(_shown(db))}", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"OK {escape(_shown(db))}: {_counts(stats)}, {stats['gazette_history']} replaced parse(s) in history", soft_wrap=True)


@app.command()
def backup(
    destination: Path = typer.Argument(..., help="New file to write the backup to (an existing file is refused)."),
    db: Optional[str] = DbOption,
) -> None:
    """Copy the whole store to DESTINATION, consistent even while another process ingests;
    print what the backup holds, counted in the file written."""
    from .store.backup import backup_counts

    with _open_existing(db) as store:
        store.backup(str(destination))
        stats = backup_counts(destination)
    console.print(f"backup {escape(_shown(db))} → {escape(str(destination))}: holds {_counts(stats)}", soft_wrap=True)


@app.command()
def restore(
    backup_file: Path = typer.Argument(..., metavar="BACKUP", help="A file written by `gongbao backup`."),
    db: Optional[str] = DbOption,
    force: bool = typer.Option(False, "--force", help="Replace a store that holds issues already."),
) -> None:
    """Replace the store by a backup (checked first; a non-empty store only with --force)."""
    from .store import restore as restore_store

    stats = restore_store(backup_file, _db(db), force=force)
    console.print(f"restored {escape(str(backup_file))} → {escape(_shown(db))}: {_counts(stats)}", soft_wrap=True)


@app.command()
def migrate(
    source: str = typer.Argument(..., help="Store to copy from: SQLite path or URL, or postgresql://…"),
    target: str = typer.Argument(..., help="Empty store to copy into (created if it does not exist)."),
) -> None:
    """Copy a whole store into another backend (SQLite ↔ PostgreSQL), row for row; the
    target rebuilds its search index and must pass `gongbao fsck`."""
    from .store import open_store
    from .store.transfer import copy_store

    with open_store(source, create=False) as origin, open_store(target) as destination:
        with Progress(TextColumn("{task.description}"), TextColumn("{task.completed} rows"),
                      TimeElapsedColumn(), console=err, transient=True) as bar:
            task = bar.add_task("copying")
            counts = copy_store(origin, destination,
                                progress=lambda table, n: bar.update(task, description=table, completed=n))
        stats = destination.stats()
        shown = (origin.path, destination.path)  # passwords redacted
    console.print(f"migrated {escape(shown[0])} → {escape(shown[1])}: {_counts(stats)}"
                  f" ({sum(counts.values())} rows)", soft_wrap=True)

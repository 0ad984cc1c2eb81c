"""``gongbao`` command line: a thin shell over the library (every command calls one function)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .budget import DEFAULT_TIME_BUDGET
from .errors import GongbaoError

if TYPE_CHECKING:
    from rich.text import Text

app = typer.Typer(help="gongbao (公报): Chinese government gazettes as a structured public record.", no_args_is_help=True, add_completion=False)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

DEFAULT_DB = "gongbao.db"
DbOption = typer.Option(None, "--db", help="Store: SQLite path or URL (default: $GONGBAO_DB or ./gongbao.db).")


def _db(db: Optional[str]) -> str:
    return db or os.environ.get("GONGBAO_DB") or DEFAULT_DB


def _shown(db: Optional[str]) -> str:
    """The store as messages name it: a URL's password masked."""
    from .store import redact

    return redact(_db(db))


def _open(db: Optional[str]):
    from .store import open_store

    try:
        return open_store(_db(db))
    except GongbaoError as error:  # a store fault, not a usage error: exit 1
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def ingest(
    paths: List[Path] = typer.Argument(..., help="Gazette files or folders of them."),
    db: Optional[str] = DbOption,
    allow_partial: bool = typer.Option(False, help="Store truncated issues instead of refusing them."),
) -> None:
    """Parse gazette issues and store them (one transaction per issue; re-ingesting is a no-op)."""
    from .ingest import ingest_file, iter_inputs

    files = list(iter_inputs(paths))
    failed = 0
    with _open(db) as store:
        with Progress(TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"), console=err, transient=True) as progress:
            task = progress.add_task("", total=len(files))
            for path in files:
                progress.update(task, description=path.name)
                outcome = ingest_file(store, path, allow_partial=allow_partial)
                if outcome.status == "error":
                    failed += 1
                    # soft_wrap: one line per file also in logs and pipes (no hard wrap at 80 columns)
                    progress.console.print(f"[red]error[/red] {escape(outcome.error or '')}", soft_wrap=True)
                else:
                    progress.console.print(f"[green]{outcome.status:9s}[/green] {escape(str(path))} → {outcome.gazette_id}: {outcome.summary.line()}", soft_wrap=True)
                progress.advance(task)
    if not files:
        err.print("[red]error:[/red] no input files found")
        raise typer.Exit(2)
    if failed:
        err.print(f"{failed} of {len(files)} file(s) failed")
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

    try:
        result = parse(read_source(path, max_bytes=MAX_ISSUE_BYTES))  # the same limit as ingest
    except GongbaoError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(1)
    report = check_report(result)
    if all_repairs:
        report["repairs"] = grouped_repairs(result.repairs)
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        return
    _print_report(report)


def _print_report(report: dict) -> None:
    gz = report["gazette"]
    console.rule(f"[bold]{escape(report['source'])}")
    console.print(f"{gz['title']}  {gz['region']} ({gz['region_code']})  {gz['year']}年第{gz['issue']}期 总第{gz['total_issue']}期  出版 {gz['published']}  {gz['frequency'] or ''}")
    if report["region_evidence"]:
        console.print("region evidence: " + "; ".join(report["region_evidence"]))
    console.print("summary: " + ", ".join(f"{k} {v}" for k, v in report["summary"].items()))
    docs = {d["seq"]: d for d in report["documents"]}
    if report["toc"]:
        t = Table(title="TOC ↔ body", show_lines=False)
        for col in ("section", "TOC title", "文号", "p.", "→ seq"):
            t.add_column(col)
        for e in report["toc"]:
            t.add_row(e["section"] or "", escape(e["title"]), e["doc_number"] or "", str(e["page"] or ""), str(e["matched_seq"]) if e["matched_seq"] else "[red]missing[/red]")
        console.print(t)
    t = Table(title="documents")
    for col in ("seq", "parent", "文号", "title", "date", "att", "conf", "low fields"):
        t.add_column(col)
    for d in docs.values():
        conf = d["confidence"]
        style = "green" if conf >= 0.9 else "yellow" if conf >= 0.75 else "red"
        t.add_row(str(d["seq"]), str(d["parent_seq"] or ""), d["doc_number"] or "", escape(d["title"]), d["date"] or "", str(d["attachments"]), f"[{style}]{conf:.2f}[/{style}]", ",".join(d["low_fields"]))
    console.print(t)
    if report["warnings"]:
        console.print("[bold]disagreements and warnings")
        for w in report["warnings"]:
            console.print(f"  [yellow]{w['code']}[/yellow] {escape(w['message'])}" + (f" (seq {w['seq']})" if w["seq"] else ""))
    console.print("[bold]repairs by rule: " + ", ".join(f"{k} {v}" for k, v in report["repair_counts"].items()))
    for r in report["repairs"]:
        where = ", ".join(str(s) for s in r["spans"][:3]) + (" …" if r["count"] > 3 else "")
        console.print(f"  {r['rule']}: {escape(repr(r['before']))} → {escape(repr(r['after']))} ×{r['count']} at {where}")
    if report["unplaced"]:
        console.print(f"[bold]unplaced spans ({len(report['unplaced'])})")
        for u in report["unplaced"]:
            text = u["text"].replace("\n", "⏎")
            console.print(f"  {u['span']} {u['reason']}: {escape(text[:120])}")


@app.command("list")
def list_(
    gazette: Optional[str] = typer.Argument(None, help="A gazette id: list its documents."),
    db: Optional[str] = DbOption,
) -> None:
    """List stored issues, or the documents of one issue."""
    with _open(db) as store:
        if gazette is None:
            t = Table(title=f"issues in {_shown(db)}")
            t.add_column("id", no_wrap=True)  # ids are what `list ID` / `show ID` take: never cut them
            for col in ("title", "year", "issue", "published", "docs", "source"):
                t.add_column(col)
            for g in store.list_gazettes():
                t.add_row(g["id"], g.get("title") or "", str(g.get("year") or ""), str(g.get("issue") or ""), g.get("published") or "", str(g.get("document_count", "")), g.get("source_name") or "")
            console.print(t)
            return
        if store.get_gazette(gazette) is None:
            err.print(f"[red]error:[/red] no gazette {escape(gazette)} in {_shown(db)}")
            raise typer.Exit(1)
        t = Table(title=gazette)
        t.add_column("id", no_wrap=True)
        t.add_column("文号", no_wrap=True)
        for col in ("title", "date"):
            t.add_column(col)
        for d in store.list_documents(gazette):
            indent = "  └ " if d.get("parent_seq") else ""
            t.add_row(d["id"], d.get("doc_number") or "", indent + escape(d["title"]), d.get("date") or "")
        console.print(t)


@app.command()
def show(
    doc_id: str = typer.Argument(..., help="Document id (e.g. 140322/2023/3/1) or a 文号 in any spelling."),
    db: Optional[str] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the stored record as JSON."),
) -> None:
    """Print one document in 公文 layout."""
    from .pipeline.grammar import parse_doc_number

    with _open(db) as store:
        doc = store.get_document(doc_id)
        if doc is None:
            number = parse_doc_number(doc_id) or _loose_number(doc_id)
            hits = store.find_by_doc_number(number.text) if number else []
            doc = hits[0] if hits else None
        if doc is None:
            err.print(f"[red]error:[/red] no document {escape(doc_id)} in {_shown(db)}")
            raise typer.Exit(1)
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    from .layout import gongwen_text

    console.print(escape(gongwen_text(doc)), soft_wrap=True)  # the layout's own lines, not rewrapped at 80 columns


def _loose_number(text: str):
    """``盂政发 2023 48`` → DocNumber (a 文号 typed without brackets)."""
    import re

    from .model import DocNumber

    m = re.match(r"^\s*([\u4e00-\u9fff]{1,14})\s*[\s〔\[(（]*((?:19|20)\d\d)[\s〕\])）]*第?\s*(\d{1,5})\s*号?\s*$", text)
    return DocNumber(m.group(1), int(m.group(2)), int(m.group(3))) if m else None


@app.command()
def export(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    gazette: Optional[str] = typer.Option(None, "--gazette", help="Only this gazette id."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to a file instead of stdout."),
    layer: Optional[str] = typer.Option(None, "--layer", help="Export this layer's records instead: personnel, duties, tasks, hazards, citations or validity."),
    db: Optional[str] = DbOption,
) -> None:
    """Export every document record (SCHEMA.md form, plus ids and provenance spans), or with
    --layer the records of one layer."""
    from .export import write_csv, write_jsonl, write_layer_csv
    from .extract import LAYERS

    if fmt not in ("jsonl", "csv"):
        err.print(f"[red]error:[/red] unknown format {escape(fmt)!r}: use jsonl or csv")
        raise typer.Exit(2)
    if layer is not None and layer not in LAYERS:
        err.print(f"[red]error:[/red] unknown layer {escape(layer)!r}: use one of {', '.join(LAYERS)}")
        raise typer.Exit(2)
    with _open(db) as store:
        if gazette is not None and store.get_gazette(gazette) is None:
            err.print(f"[red]error:[/red] no gazette {escape(gazette)} in {_shown(db)}")
            raise typer.Exit(1)
        out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if layer is not None:
                records = store.list_layer(layer, gazette_id=gazette)
                n = write_jsonl(records, out) if fmt == "jsonl" else write_layer_csv(layer, records, out)
            else:
                records = store.list_documents(gazette)
                n = write_jsonl(records, out) if fmt == "jsonl" else write_csv(records, out)
        finally:
            if output:
                out.close()
    if output:
        err.print(f"{n} records → {output}")


@app.command("eval")
def eval_(
    gold_files: List[Path] = typer.Argument(..., help="Gold JSON files (SCHEMA.md form)."),
    corpus: Optional[Path] = typer.Option(None, help="Folder holding the gold files' sources (default: the gold file's parent's parent)."),
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
        folder = corpus or gold_path.resolve().parent.parent
        src = folder / gold["source"]
        try:
            result = parse(read_source(src))
        except GongbaoError as error:
            err.print(f"[red]error:[/red] {escape(str(error))}")
            raise typer.Exit(1)
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
    with _open(db) as store:
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

    from .api import create_app

    token = _upload_token(upload_token_file)
    try:
        application = create_app(_db(db), cors_origins=cors or None, upload_token=token,
                                 max_upload_bytes=int(max_upload_mb * 1024 * 1024), time_budget=time_budget)
    except ValueError as error:  # a token too short, a limit below one byte, a budget of 0 s
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2)
    except GongbaoError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2)
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
        err.print(f"[red]error:[/red] cannot read the upload token file {escape(str(path))}: {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2)
    if not lines or not lines[0].strip():
        err.print(f"[red]error:[/red] the upload token file {escape(str(path))} is empty", soft_wrap=True)
        raise typer.Exit(2)
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

    from .search import SearchQuery, facet_label, search
    from .search.query import MAX_TERMS

    request = SearchQuery(
        q=query, region=region, issuer=issuer, doc_type=doc_type, year=year, date_from=date_from, date_to=date_to,
        gazette=gazette, section=section, level=level, in_force_on=in_force_on, sort=sort, per_page=limit, page=page,
    )
    with _open(db) as store:
        try:
            result = search(store, request)
        except GongbaoError as error:
            err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
            raise typer.Exit(2)
    if as_json:
        sys.stdout.write(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2) + "\n")
        return
    q = result.query
    first = (q.page - 1) * q.per_page + 1 if result.hits else 0
    summary = f"{'about ' if result.total_estimated else ''}{result.total} document(s)" + (f", {first}–{first + len(result.hits) - 1} shown" if result.hits else "")
    if result.doc_number_match:
        summary += f"; 文号 → {result.doc_number_match}"
    if result.ignored_terms:
        summary += f"; not searched (over {MAX_TERMS} terms): {' '.join(result.ignored_terms)}"
    t = Table(title=escape(summary), show_lines=True)
    for col in ("id", "文号", "title", "date", "excerpt"):
        t.add_column(col, overflow="fold")
    for hit in result.hits:
        t.add_row(hit.id, hit.doc_number or "", _marked(hit.title_html), hit.date or "", _marked(hit.excerpts[0] if hit.excerpts else ""))
    console.print(t)
    estimated = "≈" if result.facets_estimated else ""
    for key, values in result.facets.items():
        if values:
            shown = " · ".join(
                f"{label}{f' ({value})' if label != value else ''} {estimated}{count}"
                for value, count in values
                for label in [facet_label(key, value)]
            )
            console.print(Text(f"{key}: ", style="bold") + Text(shown), soft_wrap=True)


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
    with _open(db) as store:
        try:
            problems = store.check_integrity()
            stats = store.stats()
        except GongbaoError as error:
            err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
            raise typer.Exit(1)
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

    with _open(db) as store:
        try:
            store.backup(str(destination))
            stats = backup_counts(destination)
        except GongbaoError as error:
            err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
            raise typer.Exit(1)
    console.print(f"backup {escape(_shown(db))} → {escape(str(destination))}: holds {_counts(stats)}", soft_wrap=True)


@app.command()
def restore(
    backup_file: Path = typer.Argument(..., metavar="BACKUP", help="A file written by `gongbao backup`."),
    db: Optional[str] = DbOption,
    force: bool = typer.Option(False, "--force", help="Replace a store that holds issues already."),
) -> None:
    """Replace the store by a backup (checked first; a non-empty store only with --force)."""
    from .store import restore as restore_store

    try:
        stats = restore_store(backup_file, _db(db), force=force)
    except GongbaoError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1)
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

    try:
        with open_store(source) as origin, open_store(target) as destination:
            with Progress(TextColumn("{task.description}"), TextColumn("{task.completed} rows"),
                          TimeElapsedColumn(), console=err, transient=True) as bar:
                task = bar.add_task("copying")
                counts = copy_store(origin, destination,
                                    progress=lambda table, n: bar.update(task, description=table, completed=n))
            stats = destination.stats()
            shown = (origin.path, destination.path)  # passwords redacted
    except GongbaoError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"migrated {escape(shown[0])} → {escape(shown[1])}: {_counts(stats)}"
                  f" ({sum(counts.values())} rows)", soft_wrap=True)

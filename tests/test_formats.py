"""Issue #6: gazettes as published — PDF, DOCX, HTML, ZIP — give the same records as their text.

Each corpus issue is rendered to an A4 PDF in 公文 layout (centred titles, running header,
``— N —`` page numbers, page breaks inside documents, ruled tables), to a DOCX (headings, a
table, a page header, bookmarks) and to an HTML page (nav, footer, scripts around it), then
read back with ``formats.read_any`` and scored against gold like the text itself (test_gold):
every document found, 文号/title/date/parent exact for all, other fields no worse than text.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest

from gongbao import formats
from gongbao.decode import read_source
from gongbao.errors import InputError
from gongbao.evaluate import evaluate
from gongbao.export import document_records
from gongbao.formats import layout
from gongbao.ingest import ingest_file, iter_inputs
from gongbao.pipeline import parse
from gongbao.store import open_store

from . import formats_render as render
from .conftest import CORPUS, load_gold
from .formats_fixtures import FORMATS, GOLD, formats_dir, pdf_fonts, rendered  # noqa: F401 (fixtures)

EXACT = ("doc_number", "title", "date", "parent_seq")
OTHER = ("issuer", "doc_type", "recipients", "signed_by", "disclosure", "attachments", "section", "body_start", "body_end")

_text_scores: dict[str, object] = {}


def text_evaluation(gold_name: str):
    """The same gold scored on the plain text: the bar each format is held to."""
    if gold_name not in _text_scores:
        gold = load_gold(CORPUS / "gold" / gold_name)
        _text_scores[gold_name] = evaluate(gold, document_records(parse(read_source(CORPUS / gold["source"]))))
    return _text_scores[gold_name]


@pytest.fixture(scope="module", params=[(fmt, name) for fmt in FORMATS for name in GOLD], ids=lambda p: f"{p[0]}-{p[1][:3]}")
def scored(request, formats_dir, pdf_fonts):
    fmt, gold_name = request.param
    gold = load_gold(CORPUS / "gold" / gold_name)
    path = rendered(formats_dir, pdf_fonts, gold_name, fmt)
    extracted = formats.read_any(path)
    ev = evaluate(gold, document_records(parse(extracted.source)))
    base = text_evaluation(gold_name)
    print(f"\n{fmt} {gold_name}: {extracted.source.encoding}, {len(extracted.pages)} pages, "
          f"docs {ev.matched}/{ev.gold_count} (+{len(ev.extra_predicted)} extra)")
    for name, sc in ev.fields.items():
        print(f"  {name:12s} exact {sc.exact:.3f} (text {base.fields[name].exact:.3f}) {sc.misses[:1] if sc.exact < 1 else ''}")
    return fmt, path, extracted, ev, base


def test_every_document_found(scored):
    _, _, _, ev, _ = scored
    assert ev.unmatched_gold == [], f"gold documents not found: {ev.unmatched_gold}"
    assert ev.extra_predicted == [], f"documents not in gold: {ev.extra_predicted}"


@pytest.mark.parametrize("field", EXACT)
def test_exact_fields(scored, field):
    _, _, _, ev, _ = scored
    sc = ev.fields[field]
    assert sc.exact == 1.0, f"{field}: {sc.exact:.3f}, misses {sc.misses}"


@pytest.mark.parametrize("field", OTHER)
def test_other_fields_as_good_as_text(scored, field):
    _, _, _, ev, base = scored
    allowed = base.fields[field].exact - 1 / ev.gold_count  # at most one document worse than the text
    assert ev.fields[field].exact >= allowed - 1e-9, f"{field}: {ev.fields[field].exact:.3f} vs text {base.fields[field].exact:.3f}"


def test_gazette_metadata(scored):
    _, _, _, ev, _ = scored
    assert not [k for k, ok in ev.gazette.items() if not ok]


def test_identity_is_the_original_file(scored):
    fmt, path, extracted, _, _ = scored
    source = extracted.source
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source.size_bytes == path.stat().st_size
    assert source.name == path.name
    assert source.encoding == {"pdf": "pdf:pymupdf", "docx": "docx", "html": "html:utf-8"}[fmt]


# -- PDF layout ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_004(formats_dir, pdf_fonts):
    path = rendered(formats_dir, pdf_fonts, "004.json", "pdf")
    return path, formats.read_any(path)


def test_pdf_page_spans_are_provenance(pdf_004):
    import pymupdf

    path, extracted = pdf_004
    text = extracted.source.text
    with pymupdf.open(path) as doc:
        assert [s.page for s in extracted.pages] == list(range(1, doc.page_count + 1))
        for span in extracted.pages[5:40:7]:
            # the page's own text layer holds the text its span points at
            page_text = "".join(doc[span.page - 1].get_text().split())
            chunk = "".join(text[span.start:span.end].split())[:30]
            assert chunk and chunk[:10] in page_text, span
    spans = extracted.pages
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert spans[3].label == "4"  # the printed "— 4 —"


def test_pdf_running_headers_and_page_numbers_removed(pdf_004):
    _, extracted = pdf_004
    text = extracted.source.text
    running = render.running_title((CORPUS / load_gold(CORPUS / "gold" / "004.json")["source"]).read_text(encoding="utf-8"))
    assert running not in text
    assert "— 12 —" not in text and "— 100 —" not in text


def test_pdf_table_rows_are_tab_separated(pdf_004):
    _, extracted = pdf_004
    lines = extracted.source.text.split("\n")
    assert "组 长：王明厚\t副市长\t文 杰\t城区副区长" in lines
    assert "成 员：肖卯怀\t市规划和自然资源局党组成员、副局长\t领导小组下设办公室，设在市规划和自然资源局。" in lines


def test_pdf_page_break_inside_a_paragraph_is_joined(pdf_004):
    """The text spans of consecutive pages meet inside one line when a paragraph runs over."""
    _, extracted = pdf_004
    text = extracted.source.text
    inside = [s for s in extracted.pages[2:] if s.start > 0 and text[s.start - 1] != "\n"]
    assert inside, "no paragraph crossing a page break was joined"


def test_two_column_page_reads_left_column_first(tmp_path, pdf_fonts):
    import pymupdf

    font = pymupdf.Font(fontbuffer=pdf_fonts.body)
    # 15 characters fill a column: those rows wrap into the next one; the others end their line.
    left = ["为进一步加强安全生产工作，防范", "化解重大风险，现通知如下。", "一、提高思想认识", "各单位要高度重视安全生产工作，",
            "层层落实安全生产责任制度。", "二、压实工作责任", "县政府办公室适时开展督查。", "三、加强监督检查"]
    right = ["对工作不力的单位予以通报批评，", "限期整改到位。", "四、及时报告隐患", "发现隐患要立即报告并妥善处置，",
             "不得迟报漏报瞒报。", "五、做好应急准备", "特此通知。", "县人民政府办公室"]
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    writer = pymupdf.TextWriter(page.rect)
    writer.append((150, 120), "县人民政府关于加强安全生产工作的通知", font=font, fontsize=16)
    for k, (a, b) in enumerate(zip(left, right)):
        writer.append((70, 170 + 20 * k), a, font=font, fontsize=12)
        writer.append((320, 170 + 20 * k), b, font=font, fontsize=12)
    writer.write_text(page)
    text = formats.read_bytes(doc.tobytes(), "two-columns.pdf").source.text
    lines = [ln for ln in text.split("\n") if ln]
    assert lines[0] == "县人民政府关于加强安全生产工作的通知"
    joined = lambda rows: [rows[0] + rows[1], rows[2], rows[3] + rows[4], *rows[5:]]  # noqa: E731
    assert lines[1:] == joined(left) + [right[0] + right[1], right[2], right[3] + right[4], *right[5:]]


def test_layout_joins_wrapped_rows_and_keeps_short_lines():
    def row(x0, x1, y, text):
        return layout.Row(x0, y, x1, y + 12, text, 12.0)

    rows = [row(94, 525, 100, "为进一步加强安全生产管理工作，防范化解重大风险，根据有关规定"),  # indented, full
            row(70, 300, 119, "现对有关企业进行挂牌督办。"),  # wraps on, ends short
            row(94, 250, 138, "特此通知。"),  # a new (indented) paragraph
            row(70, 525, 157, "县人民政府办公室关于印发某某实施方案的通知某某某某某某某某某某某某某"),
            row(460, 525, 176, "（12）")]  # a TOC page number alone at the right
    text, spans = layout.assemble([layout.PageRows(1, 595, 842, rows)])
    assert text.split("\n")[:3] == ["为进一步加强安全生产管理工作，防范化解重大风险，根据有关规定现对有关企业进行挂牌督办。",
                                    "特此通知。",
                                    "县人民政府办公室关于印发某某实施方案的通知某某某某某某某某某某某某某\t（12）"]
    assert spans == [layout.PageSpan(1, 0, len(text) - 1)]


# -- DOCX ----------------------------------------------------------------------------------------


def test_docx_headers_and_footers_are_kept_apart(formats_dir, pdf_fonts):
    extracted = formats.read_any(rendered(formats_dir, pdf_fonts, "000.json", "docx"))
    text = extracted.source.text
    assert any("page header kept out of the text" in w and "公报" in w for w in extracted.warnings)
    assert any("page footer kept out of the text" in w for w in extracted.warnings)
    assert "— 页码 —" not in text
    assert extracted.pages == []


def test_docx_tables_are_tab_separated(formats_dir, pdf_fonts):
    text = formats.read_any(rendered(formats_dir, pdf_fonts, "004.json", "docx")).source.text
    assert "组 长：王明厚\t副市长\t文 杰\t城区副区长" in text.split("\n")


# -- HTML ----------------------------------------------------------------------------------------


def test_html_boilerplate_is_dropped(formats_dir, pdf_fonts):
    extracted = formats.read_any(rendered(formats_dir, pdf_fonts, "001.json", "html"))
    source = (CORPUS / "001_c4221d5962f1b0b2.txt").read_text(encoding="utf-8")
    # line for line the text the page was made from: no menu, breadcrumb, pager, footer or script left
    assert _lines(extracted.source.text) == _lines(source)
    assert any("boilerplate" in w for w in extracted.warnings)


def _lines(text: str) -> list[str]:
    return [re.sub(r"[ \u3000]+", " ", ln.strip()) for ln in text.split("\n") if ln.strip()]


def test_html_in_gbk_with_a_declared_charset(tmp_path):
    text = (CORPUS / "001_c4221d5962f1b0b2.txt").read_text(encoding="utf-8")
    path = render.render_html(text, tmp_path / "gbk.htm", encoding="gb18030")
    extracted = formats.read_any(path)
    assert extracted.source.encoding == "html:gb18030"
    assert "孟县人民政府 关于李云峰等同志职务任免的通知" in extracted.source.text


def test_html_layout_table_is_read_as_blocks():
    page = ("<html><body><table><tr><td><div class='nav'><a href='/'>首页</a> <a href='/a'>新闻</a> <a href='/b'>公开</a></div></td></tr>"
            "<tr><td><p>孟县人民政府关于加强安全生产工作的通知</p><p>孟政发〔2024〕1号</p>"
            "<p>各乡镇人民政府，县直各有关单位：</p><p>为进一步加强安全生产工作，现通知如下。各单位要高度重视，层层压实责任，确保安全。</p></td></tr>"
            "</table></body></html>")
    text = formats.read_bytes(page.encode("utf-8"), "layout.html").source.text
    assert text.split("\n")[:2] == ["孟县人民政府关于加强安全生产工作的通知", "孟政发〔2024〕1号"]
    assert "首页" not in text


# -- detection by content ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, disguise", [("pdf", "issue.txt"), ("docx", "issue.html"), ("html", "issue.pdf")])
def test_type_comes_from_content_not_name(tmp_path, formats_dir, pdf_fonts, fmt, disguise):
    path = tmp_path / disguise
    path.write_bytes(rendered(formats_dir, pdf_fonts, "001.json", fmt).read_bytes())
    assert formats.read_any(path).source.encoding.split(":")[0] == fmt


def test_text_file_reads_as_before():
    path = CORPUS / "001_c4221d5962f1b0b2.txt"
    assert formats.read_any(path).source == read_source(path)


# -- archives and the store -------------------------------------------------------------------------


def store_counts(db: Path) -> tuple[int, int]:
    with open_store(db) as store:
        stats = store.stats()
    return stats["gazettes"], stats["documents"]


def test_zip_of_gazettes_is_ingested_member_by_member(tmp_path, formats_dir, pdf_fonts):
    archive = tmp_path / "issues.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(rendered(formats_dir, pdf_fonts, "001.json", "pdf"), "2024/001.pdf")
        zf.write(CORPUS / "000_4079e62c8a753c5e.txt", "2023/000.txt")
        zf.writestr("__MACOSX/._001.pdf", b"resource fork")
    inputs = list(iter_inputs([tmp_path]))
    assert inputs == [formats.ArchiveMember(archive, "2024/001.pdf"), formats.ArchiveMember(archive, "2023/000.txt")]
    sources = list(formats.iter_sources(archive))
    assert [s.name for s in sources] == ["issues.zip/2024/001.pdf", "issues.zip/2023/000.txt"]
    assert sources[0].encoding == "pdf:pymupdf"
    with open_store(tmp_path / "t.db") as store:
        outcomes = [ingest_file(store, p) for p in inputs]
    assert [o.status for o in outcomes] == ["added", "added"], [o.error for o in outcomes]
    assert store_counts(tmp_path / "t.db") == (2, 23 + 47)


def test_pdf_ingested_like_its_text(tmp_path, formats_dir, pdf_fonts):
    path = rendered(formats_dir, pdf_fonts, "000.json", "pdf")
    with open_store(tmp_path / "pdf.db") as store:
        outcome = ingest_file(store, path)
    with open_store(tmp_path / "txt.db") as store:
        reference = ingest_file(store, CORPUS / "000_4079e62c8a753c5e.txt")
    assert outcome.status == "added", outcome.error
    assert outcome.gazette_id == reference.gazette_id
    assert store_counts(tmp_path / "pdf.db") == store_counts(tmp_path / "txt.db") == (1, 47)


def test_store_original_is_content_addressed(tmp_path, formats_dir, pdf_fonts):
    pdf = rendered(formats_dir, pdf_fonts, "001.json", "pdf")
    root = formats.originals_root(tmp_path / "gongbao.db")
    assert root == tmp_path.resolve() / "originals"
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    stored = formats.store_original(pdf, root)
    assert stored == root / digest[:2] / digest and stored.read_bytes() == pdf.read_bytes()
    assert formats.store_original(pdf.read_bytes(), root) == stored  # idempotent, from bytes too
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(pdf, "x/001.pdf")
    assert formats.store_original(archive / "x/001.pdf", root) == stored
    assert [p.name for p in root.rglob("*") if p.is_file()] == [digest]


# -- damaged files: a clear InputError naming the file, nothing stored ---------------------------------


def refused(tmp_path: Path, path: Path, *reasons: str) -> str:
    with open_store(tmp_path / "t.db") as store:
        outcome = ingest_file(store, path)
    assert outcome.status == "error", outcome
    assert str(path) in outcome.error, outcome.error
    assert any(r in outcome.error for r in reasons), outcome.error
    assert store_counts(tmp_path / "t.db") == (0, 0)
    return outcome.error


def test_encrypted_pdf(tmp_path, formats_dir, pdf_fonts):
    import pymupdf

    path = tmp_path / "locked.pdf"
    with pymupdf.open(rendered(formats_dir, pdf_fonts, "001.json", "pdf")) as doc:
        doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    refused(tmp_path, path, "encrypted: it needs a password")


def test_scanned_pdf_without_ocr(tmp_path, monkeypatch, formats_dir, pdf_fonts):
    from .formats_fixtures import scanned

    pdf = rendered(formats_dir, pdf_fonts, "001.json", "pdf")
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned(pdf, [0, 1], dpi=72))
    monkeypatch.setattr(formats.ocr, "available", lambda: False)
    error = refused(tmp_path, path, "no text layer")
    assert error.endswith("page 1 has no text layer and OCR is not installed (pip install gongbao[ocr])")


def test_truncated_docx(tmp_path, formats_dir, pdf_fonts):
    data = rendered(formats_dir, pdf_fonts, "001.json", "docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    refused(tmp_path, path, "looks like a DOCX document but is damaged or truncated")


def test_html_without_content(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text(f"<!DOCTYPE html><html><head><title>公报</title></head><body>{render.NAV}{render.FOOT}</body></html>",
                    encoding="utf-8")
    refused(tmp_path, path, "HTML page with no text content")


def test_zip_with_one_bad_member(tmp_path):
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(CORPUS / "001_c4221d5962f1b0b2.txt", "001.txt")
        zf.writestr("002.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8)
    inputs = list(iter_inputs([archive]))
    assert inputs == [formats.ArchiveMember(archive, "001.txt"), formats.ArchiveMember(archive, "002.pdf")]
    with open_store(tmp_path / "t.db") as store:
        good, bad = (ingest_file(store, p) for p in inputs)
    assert good.status == "added", good.error
    assert bad.status == "error" and f"{archive}/002.pdf: looks like a PDF" in bad.error, bad.error
    assert store_counts(tmp_path / "t.db") == (1, 23)  # the good member only
    with pytest.raises(InputError, match=r"batch\.zip/002\.pdf: looks like a PDF"):
        list(formats.iter_sources(archive))


def test_damaged_zip_and_other_office_files(tmp_path):
    cut = tmp_path / "cut.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("a.txt", "x" * 5000)
    cut.write_bytes(buffer.getvalue()[:-30])
    refused(tmp_path, cut, "damaged or truncated")
    xlsx = tmp_path / "table.xlsx"
    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InputError, match="Excel workbook"):
        formats.read_any(xlsx)

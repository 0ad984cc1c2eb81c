"""Security of the web app: read-only by default, the guarded upload route, hostile ids and
markup, and the security headers on every kind of response.

Paths are sent to the ASGI app as a server delivers them (``raw_path`` as sent, ``path``
percent-decoded, dot segments kept), not through an HTTP client that would normalize
``../`` away before the app sees it.
"""
from __future__ import annotations

import asyncio
import importlib.util
import io
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import quote, unquote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from gongbao.http import create_app
from gongbao.store import open_store

from .conftest import CORPUS, HOSTILE_GAZETTE, ROOT

TOKEN = "test-upload-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = {"Content-Type": "text/plain; charset=utf-8"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SCRIPT = "<script>alert"
# What a leaked file would show: /etc/passwd, Python source of the package, an SQLite file.
LEAKS = ("root:x:0:0", "root:*:0:0", "from __future__", "SQLite format 3", "[project]")


def _bench_load():
    spec = importlib.util.spec_from_file_location("gongbao_bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> list[Path]:
    """Corpus issues with another issue number on the cover: new issues for the store."""
    return _bench_load().make_variants(CORPUS, tmp_path_factory.mktemp("variants"), 6, first_issue=40)


def _copy_store(corpus_db: Path, target: Path) -> Path:
    with closing(sqlite3.connect(corpus_db)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


@pytest.fixture(scope="module")
def upload_db(corpus_db, tmp_path_factory) -> Path:
    return _copy_store(corpus_db, tmp_path_factory.mktemp("upload") / "upload.db")


@pytest.fixture(scope="module")
def uploader(upload_db):
    with TestClient(create_app(str(upload_db), upload_token=TOKEN)) as client:
        yield client


def stored(db: Path) -> dict:
    with open_store(db) as store:
        return {"stats": store.stats(), "gazettes": [g["id"] for g in store.list_gazettes()]}


# -- raw ASGI calls -----------------------------------------------------------------


def call(app, method: str, raw_target: str, headers: Iterable[tuple[str, str]] = (),
         chunks: Iterable[bytes] = (b"",)) -> tuple[int, dict[str, str], bytes, int]:
    """One request as uvicorn hands it over: (status, headers, body, body chunks the app read)."""
    raw_path, _, query = raw_target.encode("ascii").partition(b"?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": unquote(raw_path.decode("ascii")), "raw_path": raw_path, "query_string": query, "root_path": "",
        "headers": [(b"host", b"testserver")] + [(k.lower().encode(), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }
    chunks = list(chunks)
    read = 0
    messages: list[dict] = []

    async def receive():
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        await asyncio.sleep(3600)  # the client waits: nothing more comes

    async def send(message):
        messages.append(message)

    async def run():
        try:
            await app(scope, receive, send)
        except Exception:  # noqa: BLE001 - ServerErrorMiddleware re-raises after sending its 500
            pass

    asyncio.run(run())
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode("latin-1") for k, v in start["headers"]}, body, read


# -- read-only by default -------------------------------------------------------------


def test_without_a_token_the_api_is_read_only(corpus_db):
    app = create_app(str(corpus_db))
    with TestClient(app) as client:
        before = stored(corpus_db)
        response = client.post("/api/gazettes", content=(CORPUS / "001_c4221d5962f1b0b2.txt").read_bytes(),
                               headers={**AUTH, **TEXT})
        assert response.status_code in (404, 405)
        schema = client.get("/openapi.json").json()
    assert stored(corpus_db) == before
    methods = {method for path in schema["paths"].values() for method in path}
    assert methods == {"get"}, methods
    assert "exists only on a server started with an upload token" in schema["info"]["description"]
    for path in ("/api/documents", "/", "/api/gazettes/140322/2023/3"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            status, *_ = call(app, method, path)
            assert status in (404, 405), (method, path, status)


def test_upload_route_is_documented_when_a_token_is_set(uploader):
    schema = uploader.get("/openapi.json").json()
    post = schema["paths"]["/api/gazettes"]["post"]
    assert set(post["requestBody"]["content"]) == {"text/plain", "text/html", "application/pdf", DOCX}
    assert {"201", "200", "401", "403", "413", "415", "422"} <= set(post["responses"])
    assert post["security"] and schema["components"]["securitySchemes"]
    assert "get" in schema["paths"]["/api/gazettes"]  # the list is still there


@pytest.mark.parametrize("token", ["", "short", "x" * 15])
def test_a_weak_token_is_refused(corpus_db, token):
    with pytest.raises(ValueError):
        create_app(str(corpus_db), upload_token=token)


# -- upload: authentication ------------------------------------------------------------


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Authorization": ""}, 401),
    ({"Authorization": f"Basic {TOKEN}"}, 401),
    ({"Authorization": "Bearer"}, 401),
    ({"Authorization": "Bearer wrong-token-0123456789abcdef"}, 403),
    ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403),
    ({"Authorization": f"Bearer {TOKEN}x"}, 403),
    ({"Authorization": f"Bearer {TOKEN.upper()}"}, 403),
])
def test_upload_needs_the_right_bearer_token(uploader, upload_db, variants, headers, status):
    before = stored(upload_db)
    response = uploader.post("/api/gazettes", content=variants[0].read_bytes(), headers={**TEXT, **headers})
    assert response.status_code == status, response.text
    assert response.json()["error"] in ("unauthorized", "forbidden")
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    assert stored(upload_db) == before


def test_auth_is_checked_before_the_body_is_read(upload_db):
    app = create_app(str(upload_db), upload_token=TOKEN)
    status, _, _, read = call(app, "POST", "/api/gazettes", [("content-type", "text/plain")], [b"x" * 1000] * 5)
    assert status == 401 and read == 0


# -- upload: what is stored ---------------------------------------------------------------


def test_upload_with_the_right_token_stores_the_issue(uploader, upload_db, variants):
    before = stored(upload_db)
    response = uploader.post("/api/gazettes", content=variants[1].read_bytes(), headers={**AUTH, **TEXT},
                             params={"name": "../../etc/盂县公报.txt"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "added" and body["url"] == "/api/gazettes/" + body["gazette_id"]
    assert response.headers["location"] == body["url"]
    issue = uploader.get(body["url"]).json()
    assert issue["source_name"] == "盂县公报.txt"  # the client's folders are dropped
    assert issue["documents"] and len(issue["documents"]) == stored(upload_db)["stats"]["documents"] - before["stats"]["documents"]
    assert body["gazette_id"] not in before["gazettes"]
    # the same bytes again: a no-op
    again = uploader.post("/api/gazettes", content=variants[1].read_bytes(), headers={**AUTH, **TEXT})
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert again.json()["gazette_id"] == body["gazette_id"]
    after = stored(upload_db)
    assert len(after["gazettes"]) == len(before["gazettes"]) + 1


def test_upload_of_a_file_the_cli_ingested_is_unchanged(uploader, upload_db):
    before = stored(upload_db)
    response = uploader.post("/api/gazettes", content=(CORPUS / "000_4079e62c8a753c5e.txt").read_bytes(),
                             headers={**AUTH, **TEXT})
    assert response.status_code == 200 and response.json() == {
        **response.json(), "status": "unchanged", "gazette_id": "140322/2023/3"}
    assert stored(upload_db) == before


def _pdf(text: str) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    lines = text.split("\n")
    for start in range(0, len(lines), 45):
        doc.new_page().insert_text((40, 40), "\n".join(lines[start:start + 45]), fontname="china-s", fontsize=9)
    return doc.tobytes()


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _html(text: str) -> bytes:
    import html

    paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in text.split("\n") if line.strip())
    return f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>公报</title></head><body>{paragraphs}</body></html>".encode()


@pytest.mark.parametrize(("index", "content_type", "render"), [
    (2, "application/pdf", _pdf),
    (3, DOCX, _docx),
    (4, "text/html; charset=utf-8", _html),
    (5, "text/plain", lambda text: text.encode("gb18030")),
])
def test_upload_reads_every_published_format(uploader, variants, index, content_type, render):
    data = render(variants[index].read_text(encoding="utf-8"))
    response = uploader.post("/api/gazettes", content=data, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 201, response.text
    issue = uploader.get(response.json()["url"])
    assert issue.status_code == 200 and len(issue.json()["documents"]) >= 10


# -- upload: refusals ------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [
    None, "", "application/json", "application/octet-stream", "image/png", "multipart/form-data; boundary=x",
    "application/zip", "text/csv", "text/plainx",
])
def test_upload_of_another_type_is_415(uploader, upload_db, variants, content_type):
    before = stored(upload_db)
    headers = dict(AUTH) if content_type is None else {**AUTH, "Content-Type": content_type}
    response = uploader.post("/api/gazettes", content=variants[0].read_bytes(), headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["error"] == "unsupported_media_type"
    assert stored(upload_db) == before


@pytest.mark.parametrize(("content_type", "data"), [
    ("application/pdf", "text"),  # a text file sent as a PDF
    (DOCX, "text"),
    ("text/plain", "pdf"),
    ("text/plain", "png"),
])
def test_upload_whose_bytes_are_not_the_declared_type_is_415(uploader, upload_db, variants, content_type, data):
    text = variants[0].read_text(encoding="utf-8")
    body = {"text": text.encode(), "pdf": _pdf(text[:3000]), "png": b"\x89PNG\r\n\x1a\n" + b"\0" * 100}[data]
    before = stored(upload_db)
    response = uploader.post("/api/gazettes", content=body, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 415, response.text
    assert stored(upload_db) == before


def _truncated() -> bytes:
    text = (CORPUS / "000_4079e62c8a753c5e.txt").read_text(encoding="utf-8")
    return text[: len(text) // 2].replace("2023年第3期", "2023年第77期").encode()


@pytest.mark.parametrize(("content_type", "body", "reason"), [
    ("text/plain", b"", "empty"),
    ("text/plain", bytes(range(256)) * 40, ""),
    ("text/plain", b"\x00\x01\x02garbage\xff\xfe" * 500, ""),
    ("text/plain", "这不是公报，只是一段普通的中文文字。".encode() * 50, "not a gazette"),
    ("text/plain", _truncated(), "truncated"),
    ("application/pdf", b"%PDF-1.7\n" + b"\x00garbage" * 100, ""),
    (DOCX, b"PK\x03\x04" + b"\x00" * 200, "damaged"),
    ("text/html", b"<!DOCTYPE html><html><body><p>hello</p></body></html>", ""),
])
def test_garbage_is_422_with_the_reason_and_nothing_is_stored(uploader, upload_db, content_type, body, reason):
    before = stored(upload_db)
    response = uploader.post("/api/gazettes", content=body, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "input_error" and reason in response.json()["message"]
    assert str(upload_db.parent) not in response.text  # no server paths
    assert stored(upload_db) == before


def test_oversize_upload_is_413_before_the_body_is_read(upload_db, variants):
    limit = 100_000
    app = create_app(str(upload_db), upload_token=TOKEN, max_upload_bytes=limit)
    before = stored(upload_db)
    data = variants[0].read_bytes()
    assert len(data) > limit
    # declared too large: refused without reading a byte
    status, headers, body, read = call(app, "POST", "/api/gazettes",
                                       [("authorization", AUTH["Authorization"]), ("content-type", "text/plain"),
                                        ("content-length", str(len(data)))], [data])
    assert (status, read) == (413, 0), body
    assert headers["x-content-type-options"] == "nosniff" and b"too_large" in body
    # chunked (no length): stops at the chunk that crosses the limit
    chunks = [data[i:i + 16_384] for i in range(0, len(data), 16_384)]
    status, _, body, read = call(app, "POST", "/api/gazettes",
                                 [("authorization", AUTH["Authorization"]), ("content-type", "text/plain")], chunks)
    assert status == 413 and read == limit // 16_384 + 1 < len(chunks), (read, len(chunks))
    with TestClient(app) as client:
        response = client.post("/api/gazettes", content=data, headers={**AUTH, **TEXT})
        assert response.status_code == 413 and response.json()["error"] == "too_large"
        small = client.post("/api/gazettes", content=data[:limit], headers={**AUTH, **TEXT})
        assert small.status_code == 422  # within the limit: read, then refused as truncated
    assert stored(upload_db) == before


# -- gongbao serve ---------------------------------------------------------------------------


def _serve(monkeypatch, args: list[str], env: Optional[str] = None):
    import uvicorn
    from typer.testing import CliRunner

    from gongbao.cli import app

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: calls.append(application))
    if env is None:
        monkeypatch.delenv("GONGBAO_UPLOAD_TOKEN", raising=False)
    else:
        monkeypatch.setenv("GONGBAO_UPLOAD_TOKEN", env)
    result = CliRunner().invoke(app, ["serve", *args])
    return result, (calls[0] if calls else None)


def _upload_route(application) -> bool:
    return "post" in application.openapi()["paths"]["/api/gazettes"]


def test_serve_is_read_only_without_a_token(corpus_db, monkeypatch):
    result, application = _serve(monkeypatch, ["--db", str(corpus_db)])
    assert result.exit_code == 0 and "read-only" in result.output
    assert not _upload_route(application)


def test_serve_takes_the_token_from_a_file_or_the_environment(corpus_db, tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    result, application = _serve(monkeypatch, ["--db", str(corpus_db), "--upload-token-file", str(token_file),
                                               "--max-upload-mb", "0.05"])
    assert result.exit_code == 0, result.output
    assert _upload_route(application)
    with TestClient(application) as client:
        wrong = client.post("/api/gazettes", content=b"x", headers={"Authorization": "Bearer nope-nope-nope-nope", **TEXT})
        assert wrong.status_code == 403
        big = client.post("/api/gazettes", content=b"x" * 60_000, headers={**AUTH, **TEXT})
        assert big.status_code == 413
    result, application = _serve(monkeypatch, ["--db", str(corpus_db)], env=TOKEN)
    assert result.exit_code == 0 and _upload_route(application)


@pytest.mark.parametrize("content", [None, "", "\n\n", "short\n"])
def test_serve_refuses_a_missing_empty_or_weak_token_file(corpus_db, tmp_path, monkeypatch, content):
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    result, application = _serve(monkeypatch, ["--db", str(corpus_db), "--upload-token-file", str(token_file)])
    assert result.exit_code == 2 and application is None


# -- path traversal ------------------------------------------------------------------------------

TRAVERSALS = [
    "../../etc/passwd",
    "../../../../../../../../etc/passwd",
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%252F..%252F..%252Fetc%252Fpasswd",
    "....//....//....//etc/passwd",
    "..\\..\\..\\etc\\passwd",
    "..%5c..%5c..%5cetc%5cpasswd",
    "%2Fetc%2Fpasswd",
    "/etc/passwd",
    "..%c0%af..%c0%afetc%c0%afpasswd",
    "%00../../etc/passwd",
    "..%00/..%00/etc/passwd",
    "140322/2023/3/../../../../../../etc/passwd",
    "140322/2023/3/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "../__init__.py",
    "..%2F__init__.py",
    "../../../pyproject.toml",
    "../templates/base.html",
    "..%2F..%2Fstore%2Fsqlite.py",
    "../upload.db",
    "originals/../../upload.db",
]
ROUTES = [
    "/api/documents/{}", "/api/gazettes/{}", "/api/documents/{}/citations", "/api/documents/{}/validity",
    "/api/layers/{}", "/api/people/{}", "/api/units/{}",
    "/{}", "/source/{}", "/doc/{}", "/people/{}", "/units/{}", "/static/{}",
    "/feeds/region/{}.atom", "/feeds/issuer/{}.atom",
]


@pytest.fixture(scope="module")
def upload_app(upload_db):
    return create_app(str(upload_db), upload_token=TOKEN)


@pytest.mark.parametrize("route", ROUTES)
def test_no_path_traversal_in_ids(upload_app, route):
    for payload in TRAVERSALS:
        target = route.format(payload)
        status, headers, body, _ = call(upload_app, "GET", target)
        text = body.decode("utf-8", "replace")
        assert not any(leak in text for leak in LEAKS), (target, text[:200])
        if status in (301, 302, 307, 308):  # the one-URL-per-page redirect: to a path of this site
            location = headers["location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), (target, location)
            status, _, body, _ = call(upload_app, "GET", quote(unquote(location), safe="/%"))
            assert not any(leak in body.decode("utf-8", "replace") for leak in LEAKS)
        assert status in (301, 400, 404, 422), (target, status, text[:200])


@pytest.mark.parametrize("param", ["gazette", "region", "issuer", "section", "q"])
def test_no_path_traversal_in_query_parameters(upload_app, param):
    for payload in TRAVERSALS:
        for path in ("/api/documents", "/api/export", "/search", "/feeds/search.atom"):
            status, _, body, _ = call(upload_app, "GET", f"{path}?{param}={quote(payload, safe='%')}")
            text = body.decode("utf-8", "replace")
            assert status in (200, 400), (path, param, payload, status)
            assert not any(leak in text for leak in LEAKS), (path, param, payload)


def test_no_open_redirect(upload_app):
    for target in ("//evil.example/", "///evil.example", "/%2F%2Fevil.example", "/%5C%5Cevil.example/",
                   "/%2F%5Cevil.example", "/140322/2023/3/", "//140322/2023/3"):
        status, headers, _, _ = call(upload_app, "GET", target)
        if status in (301, 302, 307, 308):
            location = headers["location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), (target, location)


# -- markup is escaped wherever it is shown --------------------------------------------------------


def test_hostile_upload_is_escaped_on_every_page(uploader):
    text = HOSTILE_GAZETTE.format(issue=7).replace("平定县", "昔阳县").replace("平政发", "昔政发")
    response = uploader.post("/api/gazettes", content=text.encode(), headers={**AUTH, **TEXT})
    assert response.status_code == 201, response.text
    gid = response.json()["gazette_id"]
    record = uploader.get(f"/api/gazettes/{gid}").json()["documents"][0]
    assert SCRIPT in record["title"]  # stored as written: escaping is the renderer's job
    doc_id = record["id"]
    pages = [
        "/", f"/{gid}", f"/{doc_id}", f"/source/{gid}", f"/source/{gid}?start=0&end=200#mark",
        "/search?q=安全检查", "/search?q=" + quote("<script>alert(1)</script>"), "/search?q=script",
        "/search?issuer=" + quote(record["issuer"] or ""), "/doc/" + quote(record["doc_number"] or "", safe=""),
        "/feeds/search.atom?q=安全检查", "/feeds/issuer/" + quote(record["issuer"] or "", safe="") + ".atom",
        f"/feeds/region/{gid.split('/')[0]}.atom", "/people", "/tasks", "/hazards", "/duties",
        "/units/" + quote(record["issuer"] or "", safe=""),
    ]
    shown = 0
    for page in pages:
        response = uploader.get(page)
        assert response.status_code in (200, 404), (page, response.status_code)
        assert SCRIPT not in response.text and "<img src=x" not in response.text, page
        assert response.headers["x-content-type-options"] == "nosniff"
        shown += "&lt;script&gt;alert" in response.text
    assert shown >= 10, shown  # the hostile text really is on those pages, escaped


# -- headers on every kind of response ---------------------------------------------------------------


def test_security_headers_on_every_response(uploader, variants):
    responses = {
        "json": uploader.get("/api/documents", params={"q": "安全"}),
        "json 404": uploader.get("/api/documents/nothing/here"),
        "json 400": uploader.get("/api/documents", params={"page": 0}),
        "405": uploader.delete("/api/gazettes"),
        "stream": uploader.get("/api/export", params={"gazette": "140322/2024/2"}),
        "atom": uploader.get("/feeds/region/140322.atom"),
        "page": uploader.get("/search", params={"q": "安全"}),
        "page 404": uploader.get("/no/such/page"),
        "redirect": uploader.get("/140322/2023/3/", follow_redirects=False),
        "static": uploader.get("/static/style.css"),
        "openapi": uploader.get("/openapi.json"),
        "docs": uploader.get("/docs"),
        "head": uploader.head("/"),
        "upload 401": uploader.post("/api/gazettes", content=b"x", headers=TEXT),
        "upload 415": uploader.post("/api/gazettes", content=b"x", headers={**AUTH, "Content-Type": "image/png"}),
        "upload 422": uploader.post("/api/gazettes", content=b"x", headers={**AUTH, **TEXT}),
        "upload 200": uploader.post("/api/gazettes", content=variants[0].read_bytes(), headers={**AUTH, **TEXT}),
    }
    for name, response in responses.items():
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["x-frame-options"] == "DENY", name
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", name
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, name
        if name != "docs":
            assert "script-src" not in csp and "default-src 'none'" in csp, name  # no script at all
        else:
            assert "script-src 'self' 'sha256-" in csp  # Swagger UI from this server, its one inline script by hash
            assert "http" not in csp  # no other host trusted: /docs works offline
    assert responses["upload 200"].status_code in (200, 201)


# -- schemathesis over the upload route ----------------------------------------------------------------


@pytest.fixture(scope="module")
def upload_schema(upload_db):
    app = create_app(str(upload_db), upload_token=TOKEN, max_upload_bytes=200_000)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


upload_operations = schemathesis.pytest.from_fixture("upload_schema")


@upload_operations.include(method="POST").parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_upload_route_fuzzed_never_errors(case):
    """Whatever body, type and name, with the token or without: a 2xx/4xx answer, never a 5xx."""
    case.call_and_validate(checks=[not_a_server_error])
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error])


def test_security_headers_on_an_unexpected_500(upload_db):
    """An unexpected exception is answered outside the headers middleware: the handler adds them."""
    app = create_app(str(upload_db))

    def boom():
        raise RuntimeError("boom /etc/passwd")

    app.add_api_route("/api/boom", boom)
    app.add_api_route("/boom", boom)
    app.router.routes[:0] = app.router.routes[-2:]  # before the catch-all page route
    del app.router.routes[-2:]
    with TestClient(app, raise_server_exceptions=False) as client:
        for url in ("/api/boom", "/boom"):
            response = client.get(url)
            assert response.status_code == 500 and "boom" not in response.text and "passwd" not in response.text
            assert response.headers["x-content-type-options"] == "nosniff", url
            assert response.headers["x-frame-options"] == "DENY"
            assert "default-src 'none'" in response.headers["content-security-policy"]

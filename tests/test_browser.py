"""The web UI in a real browser (Debian's Chromium through Playwright) against a real uvicorn server.

Screenshots of the search and document pages, at desktop and phone widths, go
to tests/artifacts/ for people to look at.
"""
from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
WIDTHS = {"desktop": 1280, "phone": 375}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(corpus_db):
    """uvicorn serving the corpus store on a free loopback port, in a thread."""
    import uvicorn

    from gongbao.http import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(str(corpus_db)), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _shoot(browser, url: str, name: str) -> None:
    """Full-page screenshots at each width; the phone one must not scroll sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                      device_scale_factor=2 if label == "phone" else 1)
        page = context.new_page()
        page.goto(url)
        assert page.evaluate("document.fonts.check('16px \"Noto Serif CJK SC\"')"), "CJK font missing: tofu"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at {width}px"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
        context.close()


def test_search_filter_and_open_a_document(server, page, browser):
    page.goto(server + "/")
    box = page.get_by_role("searchbox", name="检索公文")
    box.fill("安全")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    count = page.locator(".count strong")
    total = int(count.inner_text())
    assert total > 0
    assert page.locator(".hit mark").first.inner_text() == "安全"

    # A facet link adds the filter to the URL and narrows the results.
    facet = page.locator("#facet-issuer ~ ul a").first
    expected = int(facet.locator(".facet-count").inner_text())
    facet.click()
    page.wait_for_url(re.compile(r"issuer="))
    assert int(count.inner_text()) == expected <= total
    assert page.locator(".chips").get_by_text("发文机关").is_visible()
    _shoot(browser, page.url, "search")

    title = page.locator(".hit-title a").first
    title_text = title.inner_text()
    title.click()
    page.wait_for_url(re.compile(r"/\d{6}/\d{4}/\d+/\d+$"))
    assert page.locator("h1.gw-title").inner_text() == title_text
    assert re.search(r"〔\d{4}〕\d+号", page.locator(".gw-number").inner_text())
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", page.locator(".gw-date").inner_text())


def test_issue_toc_links_to_its_documents(server, page, browser):
    page.goto(server + "/140322/2023/3")
    assert page.locator(".cover-title").inner_text().replace(" ", "") == "盂县人民政府公报"
    assert page.locator(".toc-entry.flagged").count() >= 1  # TOC↔body disagreements are shown
    link = page.locator(".toc-title a").first
    link_text = link.inner_text()
    link.click()
    page.wait_for_url(server + "/140322/2023/3/1")
    assert page.locator("h1.gw-title").inner_text() == link_text
    assert page.locator(".gw-number").inner_text() == "盂政发〔2023〕48号"
    assert page.locator(".gw-date").is_visible()
    _shoot(browser, page.url, "document")


def test_source_link_highlights_the_document(server, page):
    page.goto(server + "/140322/2023/3/12")
    page.get_by_role("link", name="在公报原文中查看").click()
    page.wait_for_url(re.compile(r"/source/140322/2023/3#d12$"))
    target = page.locator("#d12")
    color = target.evaluate("el => getComputedStyle(el).backgroundColor")
    assert color not in ("rgba(0, 0, 0, 0)", "transparent")  # :target highlight, no script


def test_document_to_person_to_unit_task_ledger(server, page, browser):
    """Follow the layers: a 任免 notice → the person appointed → their unit → its task ledger."""
    page.goto(server + "/140322/2023/3/1")
    assert page.get_by_role("heading", name="引用", exact=True).is_visible()
    # a 任免 notice has no validity: no 时效 panel saying 未知; its 公开属性 is shown even unmarked
    assert page.get_by_role("heading", name="时效", exact=True).count() == 0
    assert page.locator(".meta dt", has_text="公开属性").is_visible()
    assert page.locator(".crumbs [aria-current=page]").inner_text() == "任丽鹏等同志职务任免"
    page.locator(".doc-layers a.person-link", has_text="任丽鹏").click()
    page.wait_for_url(re.compile(r"/people/%E4%BB%BB%E4%B8%BD%E9%B9%8F$"))
    assert page.locator("h1").inner_text().startswith("任丽鹏")
    event = page.locator(".timeline .event")
    assert event.count() == 1
    assert "县发改局副局长" in event.inner_text() and "2023年7月25日" in event.inner_text()
    _shoot(browser, page.url, "person")

    event.get_by_role("link", name="盂县发展和改革局").click()
    page.wait_for_url(re.compile(r"/units/.+\?region=140322$"))
    assert page.locator("h1").inner_text() == "盂县发展和改革局"
    page.get_by_role("link", name="在任务台账中按时限筛选").click()
    page.wait_for_url(re.compile(r"/tasks\?unit=.+&region=140322$"))
    assert page.get_by_label("单位").input_value() == "盂县发展和改革局"
    total = int(page.locator(".count strong").inner_text())
    assert total > 0
    rows = page.locator("table.tasks-table tbody tr")
    assert rows.count() == min(total, 50)
    assert "盂县发展和改革局" in rows.first.inner_text() or "发改" in rows.first.inner_text()

    # Narrow it with the form: tasks due before the end of 2023.
    page.get_by_label("时限至").fill("2023-12-31")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"due_to=2023-12-31"))
    narrowed = int(page.locator(".count strong").inner_text())
    assert 0 < narrowed <= total
    _shoot(browser, page.url, "tasks")
    _shoot(browser, server + "/hazards", "hazards")
    _shoot(browser, server + "/duties?on=2024-06-01&area=%E5%AE%89%E5%85%A8%E7%94%9F%E4%BA%A7", "duties")


def test_attachment_with_its_table_on_the_document_page(server, page, browser):
    """Search a name printed only in an attachment's member list, open the hit, and find the
    attachment under the document as a table (issue #12: 叶文鑫 in the 标准地 方案)."""
    page.goto(server + "/search?q=%E5%8F%B6%E6%96%87%E9%91%AB")
    hits = page.locator(".hit")
    assert hits.count() >= 1
    assert any("附件" in hits.nth(i).inner_text() for i in range(hits.count()))
    page.locator(".hit-title a", has_text="标准地").first.click()
    page.wait_for_url(re.compile(r"/\d{6}/\d{4}/\d+/\d+$"))
    attachment = page.locator("section.gw-attachment").first
    assert attachment.locator(".gw-att-title").inner_text().endswith("领导小组成员名单")
    table = attachment.locator("table")
    assert table.is_visible() and "叶文鑫" in table.inner_text()
    csv = attachment.get_by_role("link", name="下载表格（CSV）")
    response = page.request.get(server + csv.get_attribute("href"))
    assert response.ok and "叶文鑫" in response.text()
    _shoot(browser, page.url + "#附件1", "attachment")


def test_groups_list_to_group_to_person_and_back(server, page, browser):
    page.goto(server + "/groups")
    page.get_by_role("link", name="阳泉市工业企业干部入企服务工作领导小组", exact=True).click()
    page.wait_for_url(re.compile(r"/groups/"))
    assert page.get_by_role("heading", level=1).inner_text() == "阳泉市工业企业干部入企服务工作领导小组"
    table = page.locator("table.group-table")
    assert "雷健坤" in table.locator("tbody tr").first.inner_text()
    assert table.locator("tbody tr").count() >= 25  # 组长, 6 副组长, 17 成员, the office's people
    assert page.get_by_role("link", name="第六组").count() == 1  # its 入企服务小组
    _shoot(browser, page.url, "group")

    table.get_by_role("link", name="王明厚", exact=True).first.click()
    page.wait_for_url(re.compile(r"/people/"))
    groups = page.locator("#groups-h + ul li")
    assert groups.count() >= 4  # 组长 of two 领导小组 (004 bodies), 副组长 of two more, a 入企服务小组
    assert "副组长" in page.locator("#groups-h + ul").inner_text()
    _shoot(browser, page.url, "person-groups")
    page.get_by_role("link", name="阳泉市推进“标准地”改革领导小组").first.click()
    page.wait_for_url(re.compile(r"/groups/"))
    assert "市人民政府副市长" in page.locator("table.group-table").inner_text()


def test_api_docs_render_offline(server, browser):
    """/docs draws every operation from this server's own assets: any other host is cut off."""
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    elsewhere: list[str] = []

    def only_this_server(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto(server + "/docs")
    page.locator(".opblock-summary-path", has_text="/api/documents").first.wait_for()
    operations = page.locator(".opblock").count()
    assert operations >= 20 and elsewhere == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs-desktop.png"))
    context.close()


def test_phone_search_folds_the_filters_after_the_first_hits(server, browser):
    """At 375 px the filters follow the first three hits as a closed <details> (no script), not
    below all twenty; opened, a filter narrows the search."""
    context = browser.new_context(viewport={"width": WIDTHS["phone"], "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(server + "/search?q=%E5%AE%89%E5%85%A8")  # 安全
    folded = page.locator("details.facets-inline")
    assert folded.is_visible() and not page.locator("aside.facets").is_visible()
    assert folded.get_attribute("open") is None
    hits = page.locator(".hit")
    assert hits.count() > 3
    top = folded.bounding_box()["y"]
    assert hits.nth(2).bounding_box()["y"] < top < hits.nth(3).bounding_box()["y"]
    assert top < 3 * 900  # within the first screens, not after all the hits
    folded.locator("summary").click()
    facet = folded.locator("#m-facet-doc_type ~ ul a").first
    expected = int(facet.locator(".facet-count").inner_text())
    facet.click()
    page.wait_for_url(re.compile(r"doc_type="))
    assert int(page.locator(".count strong").inner_text()) == expected
    context.close()
    _shoot(browser, server + "/search?q=%E5%AE%89%E5%85%A8", "search-phone-filters")

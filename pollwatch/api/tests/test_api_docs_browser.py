"""In a real browser: the interactive API docs render under the site's strict CSP, from our own files.

Headless Chromium (Debian's package) driven by Playwright, as the observer
app's browser test; skipped with a reason where Chromium is missing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pollwatch.testing import BROWSER_TEST

pytestmark = BROWSER_TEST


@pytest.mark.django_db(transaction=True)
def test_the_docs_render_every_operation_without_breaking_the_csp(live_server, browser):
    page = browser.new_page()
    violations: list[str] = []
    requested: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) == 10, paths
    assert any("/elections/{slug}/stations" in path.replace("\u200b", "") for path in paths)
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock-body", timeout=5000)
    assert violations == []
    live = urlsplit(live_server.url).netloc
    assert {urlsplit(url).netloc for url in requested if not url.startswith("data:")} == {live}

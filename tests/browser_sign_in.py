"""A stand-in for a person at a browser: `BROWSER="python tests/browser_sign_in.py %s"`.

Python's webbrowser module runs this with the sign-in URL. It drives real headless Chromium
(Debian's, via Playwright) through Sage ID's page and lets it follow the redirect: to the
application's loopback listener (a desktop application), or to the https address a web
application registered, which here answers as a company website would for an unknown path
(404). The address the browser lands on is written to SAGE200_TEST_BROWSER_LANDED when that is
set: it is what the person copies from the address bar and pastes back. The action comes from
SAGE200_TEST_BROWSER_ACTION (approve, the default, or deny); the user and password from
SAGE200_TEST_BROWSER_USER / _PASSWORD.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_FLAGS


def main(url: str) -> int:
    from playwright.sync_api import Route, sync_playwright

    action = os.environ.get("SAGE200_TEST_BROWSER_ACTION", "approve")
    landed = os.environ.get("SAGE200_TEST_BROWSER_LANDED")

    def company_website(route: Route) -> None:
        route.fulfill(status=404, content_type="text/html", body="<h1>Page not found</h1>")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.route("https://**/*", company_website)
        page.goto(url)
        if page.locator("input[name=username]").count():
            page.fill(
                "input[name=username]",
                os.environ.get("SAGE200_TEST_BROWSER_USER", "demo@example.com"),
            )
            page.fill(
                "input[name=password]", os.environ.get("SAGE200_TEST_BROWSER_PASSWORD", "demo")
            )
            page.click(f"#{action}")
            page.wait_for_load_state()
        text = page.inner_text("body")
        address = page.url
        browser.close()
    if landed:
        Path(landed).write_text(address)
    # what the page said, for the test to read (no secrets: the page has none)
    sys.stderr.write(f"browser saw: {text.strip()[:200]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

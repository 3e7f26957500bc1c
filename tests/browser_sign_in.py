"""A stand-in for a person at a browser: `BROWSER="python tests/browser_sign_in.py %s"`.

Python's webbrowser module runs this with the sign-in URL. It drives real headless Chromium
(Debian's, via Playwright) through Sage ID's page and lets it follow the redirect: to the
application's loopback listener (a desktop application), or to the https address a web
application registered, which fails to load here (``.example`` never resolves; Chromium knows
without asking a DNS server). The address the browser was sent to is written to
SAGE200_TEST_BROWSER_LANDED when that is set: what the person copies from the address bar and
pastes back. The action comes from
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
    from playwright.sync_api import Request, sync_playwright

    action = os.environ.get("SAGE200_TEST_BROWSER_ACTION", "approve")
    landed = os.environ.get("SAGE200_TEST_BROWSER_LANDED")

    sent_to: list[str] = []

    def remember(request: Request) -> None:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            sent_to.append(request.url)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.on("request", remember)
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
        browser.close()
    if landed:
        Path(landed).write_text(sent_to[-1])
    # what the page said, for the test to read (no secrets: the page has none)
    sys.stderr.write(f"browser saw: {text.strip()[:200]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

Locally, a machine without Chromium skips these tests; in CI (``CI`` set) a missing browser is a
failure, never a silent skip.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("SAGE200_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> str:
    """The Chromium path, or a skip (locally) / failure (in CI) saying why it is missing."""
    found = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    try:
        import playwright  # noqa: F401
    except ImportError:
        found = None
    if found is None:
        reason = f"Chromium ({CHROMIUM}) or Playwright is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install it (apt-get install -y chromium)")
        pytest.skip(reason)
    return found

"""Figures that depend on today's date, checked to the day against a sandbox whose date is known.

The sandbox's books are built around its ``today``, and the server counts days from its own:
``SAGE200_TODAY`` pins the server's date (Settings.today) as ``--today`` pins the sandbox's, so the
two agree and a count of days can be asserted exactly.

Until the server reads ``SAGE200_TODAY`` it counts from the real date (UTC), so for now this
sandbox's today is the real date too, and ``SAGE200_TODAY`` is given the same value. Once the
server honours it, TODAY below can become a fixed date (tests/helpers.TODAY) and the test stops
depending on the clock; until then a run that straddles midnight UTC could disagree by a day.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import CLIENT_ID, PRO, tokens_for
from tests.integration.server.conftest import settings_for
from tests.integration.server.test_tools import call

pytestmark = pytest.mark.anyio

TODAY = datetime.now(UTC).date()  # the real date until the server reads SAGE200_TODAY (above)
RIVERSIDE = 3  # the smallest company: its books build in a moment


@pytest.fixture(scope="module")
def dated_server() -> Iterator[SandboxServer]:
    """A sandbox of its own whose today is TODAY (the session's sandbox has another date)."""
    with SandboxServer(Sandbox(SandboxSettings(today=TODAY))) as server:
        yield server


@pytest.fixture
async def dated_mcp(
    dated_server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Client]:
    """The server on ``dated_server``, signed in, its date pinned to the sandbox's."""
    monkeypatch.setenv("SAGE200_NO_BROWSER", "1")
    monkeypatch.setenv("SAGE200_TODAY", TODAY.isoformat())
    settings = settings_for(dated_server, tmp_path / "config", SAGE200_TODAY=TODAY.isoformat())
    with httpx.Client(base_url=dated_server.url, timeout=30) as http:
        tokens = tokens_for(http)
    TokenStore(settings.tokens_path).write(
        StoredTokens.from_sign_in(
            TokenResponse.parse(tokens), time.time(), 90, dated_server.url, CLIENT_ID
        )
    )
    async with Client(create_server(settings), raise_exceptions=True) as client:
        await call(client, "switch_site", site=str(RIVERSIDE))
        yield client


def open_items(server: SandboxServer) -> list[dict[str, Any]]:
    """Riverside's outstanding sales items, read straight from the sandbox."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token = tokens_for(http)["access_token"]
        sites = http.get(f"{PRO}/sites", headers={"Authorization": f"Bearer {token}"}).json()
        site = next(s for s in sites if s["company_id"] == RIVERSIDE)
        answer = http.get(
            f"{PRO}/sales_transaction_views",
            headers={
                "Authorization": f"Bearer {token}",
                "X-Site": site["site_id"],
                "X-Company": str(RIVERSIDE),
            },
            params={"$filter": "document_outstanding_value ne 0", "$top": "1000"},
        )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()
    return items


def due(item: dict[str, Any]) -> date:
    return date.fromisoformat(str(item["due_date"])[:10])


async def test_days_overdue_counts_the_whole_days_since_the_due_date(
    dated_mcp: Client, dated_server: SandboxServer
) -> None:
    """An item due yesterday is 1 day overdue, one due 30 days ago 30; one due today or later is
    not overdue at all (no count, not 0)."""
    items = open_items(dated_server)
    overdue = [i for i in items if due(i) < TODAY]
    assert overdue, "the books have no overdue item"
    # the customers of the most and the least overdue item, and of one due today if any is
    picks = {min(overdue, key=due)["customer_reference"]}
    picks.add(max(overdue, key=due)["customer_reference"])
    picks |= {i["customer_reference"] for i in items if due(i) == TODAY}
    checked = 0
    for reference in sorted(picks):
        found = await call(
            dated_mcp,
            "list_customer_transactions",
            customer=reference,
            outstanding_only=True,
            limit=200,
        )
        for row in found["transactions"]:
            days = (TODAY - date.fromisoformat(row["due_date"])).days
            expected = days if days > 0 else None
            assert row.get("days_overdue") == expected, (reference, row)
            checked += expected is not None
    assert checked >= 2

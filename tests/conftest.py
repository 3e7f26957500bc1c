"""Fixtures shared by every test: the anyio backend and one sandbox over real HTTP."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, TODAY, sandbox_variant, tokens_for

IN_CI = bool(os.environ.get("CI"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# fixtures that start a sandbox playing this run's variant (see tests/helpers.VARIANT_ENV) for
# tests that call the Sage 200 API; the sign-in tests' own sandbox (auth_server) plays it too,
# but they only talk to Sage ID, which no variant changes, so a variant run leaves them out
VARIANT_SANDBOXES = frozenset({"sandbox_server", "race_server"})


def pytest_report_header() -> str | None:
    variant = sandbox_variant()
    return f"sandbox variant: {variant}" if variant else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A variant run repeats the product's tests that call the Sage 200 API of a variant
    sandbox. Left out: the sandbox's own tests (they check every variant explicitly, once, in
    the main run), the sign-ins in a browser (they talk to Sage ID, which no variant
    changes), and tests marked same_in_every_variant (the sandbox's filter semantics, read by
    status code and rows alone)."""
    if not sandbox_variant():
        return
    chosen, dropped = [], []
    for item in items:
        uses = VARIANT_SANDBOXES & set(getattr(item, "fixturenames", ()))
        own = "tests/integration/sandbox/" in item.nodeid or "tests/unit/" in item.nodeid
        signing_in = item.get_closest_marker("browser") is not None  # Sage ID's pages only
        unchanged = item.get_closest_marker("same_in_every_variant") is not None
        (chosen if uses and not (own or signing_in or unchanged) else dropped).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = chosen


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox for the session, with a fixed date so seeded facts hold."""
    sandbox = Sandbox(SandboxSettings(today=date.fromisoformat(TODAY), **sandbox_variant()))
    with SandboxServer(sandbox) as server:
        # books built before the first test: building them holds the sandbox for seconds, and
        # a test with a one-second HTTP time-out would otherwise meet that, not what it tests
        sandbox.world.warm().join()
        yield server


@pytest.fixture(scope="session")
def sandbox_http(sandbox_server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def demo_tokens(sandbox_http: httpx.Client) -> dict[str, str]:
    return tokens_for(sandbox_http)


@pytest.fixture(scope="session")
def signed_in_tokens(
    sandbox_server: SandboxServer,
    demo_tokens: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A tokens.json for the demo user, made once; tests copy it.

    The copies share one refresh token: a test that refreshes would spend it for all the others
    (and Sage ID, like the sandbox, revokes the family on reuse), so such tests sign in anew.
    """

    path = tmp_path_factory.mktemp("signed-in") / "tokens.json"
    TokenStore(path).write(
        StoredTokens.from_sign_in(
            TokenResponse.parse(demo_tokens), time.time(), 90, sandbox_server.url, CLIENT_ID
        )
    )
    return path


@pytest.fixture(scope="session")
def sites(sandbox_http: httpx.Client, demo_tokens: dict[str, str]) -> list[dict[str, object]]:
    response = sandbox_http.get(
        f"{PRO}/sites", headers={"Authorization": f"Bearer {demo_tokens['access_token']}"}
    )
    assert response.status_code == 200
    result: list[dict[str, object]] = response.json()
    return result


@pytest.fixture(scope="session")
def company_headers(
    demo_tokens: dict[str, str], sites: list[dict[str, object]]
) -> dict[int, dict[str, str]]:
    """Request headers for each of the demo user's companies, by company id."""
    return {
        int(str(s["company_id"])): {
            "Authorization": f"Bearer {demo_tokens['access_token']}",
            "X-Site": str(s["site_id"]),
            "X-Company": str(s["company_id"]),
        }
        for s in sites
    }

"""The store's reads and writes for the admin commands (``sage200-mcp team``), on SQLite and on
a real PostgreSQL (conftest.py)."""

from __future__ import annotations

import base64
import time

import pytest

from sage200_mcp.errors import ConfigError
from sage200_mcp.team.models import AuditEntry, Grant, SageSignIn
from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import TeamStore

pytestmark = pytest.mark.anyio
REFRESH = "sage-refresh-token-for-the-admin-tests"


def call(subject: str, at: float, tool: str = "list_customers") -> AuditEntry:
    return AuditEntry(at, subject, "1", tool, {"search": "a"}, 10, 1.5, "ok")


async def test_activity_gives_sign_in_times_and_the_last_call_of_each_person(
    store: TeamStore,
) -> None:
    now = time.time()
    for subject in ("ann", "bob", "cat"):
        await store.upsert_person(subject, f"{subject}@example.com", None)
    await store.save_sign_in(
        "ann", SageSignIn("a", REFRESH, now + 60, now + 90 * 86400, now - 3000, "openid")
    )
    await store.save_sign_in("bob", SageSignIn("a", None, now + 60, 0.0, now - 100, "openid"))
    for at in (now - 2000, now - 1000, now - 5000):
        await store.record(call("ann", at))
    await store.record(call("someone-else", now))

    found = await store.activity()

    assert set(found) == {"ann", "bob", "cat"}
    ann, bob, cat = found["ann"], found["bob"], found["cat"]
    assert ann.signed_in_at == pytest.approx(now - 3000)
    assert ann.sign_in_until == pytest.approx(now + 90 * 86400)
    assert ann.last_seen == pytest.approx(now - 1000)  # the latest call, not the sign-in
    # no refresh token: the sign-in ends with its access token; no call: seen at sign-in
    assert bob.sign_in_until == pytest.approx(now + 60)
    assert bob.last_seen == pytest.approx(now - 100)
    assert (cat.signed_in_at, cat.sign_in_until, cat.last_seen) == (None, None, None)


async def test_revoking_hands_back_the_deleted_sign_in_and_ends_everything_else(
    store: TeamStore,
) -> None:
    now = time.time()
    await store.upsert_person("ann", "ann@example.com", "Ann")
    await store.save_sign_in("ann", SageSignIn("a", REFRESH, now + 60, now + 86400, now, "openid"))
    grant = Grant("ann", "client", "https://mcp.example/mcp", "sage200", now + 600, "family")
    await store.save_access_token("mcp-access", grant)
    await store.save_refresh_token("mcp-refresh", grant)

    known, sign_in = await store.revoke_taking_sign_in("ann")

    assert known and sign_in is not None and sign_in.refresh_token == REFRESH
    assert await store.sign_in("ann") is None
    assert await store.access_token("mcp-access") is None
    assert (await store.use_refresh_token("mcp-refresh")).outcome == "unknown"
    person = await store.person("ann")
    assert person is not None and person.status == "revoked"
    assert await store.revoke_taking_sign_in("ann") == (True, None)  # nothing left to hand back
    assert await store.revoke_taking_sign_in("nobody") == (False, None)


async def test_latest_audit_gives_the_most_recent_entries_oldest_first(store: TeamStore) -> None:
    for n in range(10):
        await store.record(call("ann" if n % 2 else "bob", 1000.0 + n, tool=f"tool_{n}"))

    assert [e.tool for e in await store.latest_audit(3)] == ["tool_7", "tool_8", "tool_9"]
    assert [e.tool for e in await store.latest_audit(2, subject="bob")] == ["tool_6", "tool_8"]
    assert [e.tool for e in await store.latest_audit(50, since=1007.0)] == [
        "tool_7",
        "tool_8",
        "tool_9",
    ]
    assert await store.latest_audit(5, subject="nobody") == []


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://admin:S3cretPassw0rd%zz@127.0.0.1:1/team",  # quoted back by libpq
        "postgresql://admin:S3cretPassw0rd@127.0.0.1:1/team",
    ],
)
async def test_a_database_it_cannot_reach_is_told_without_its_password(url: str) -> None:
    """`serve --team` prints what open_store raises: the password must not be in it."""
    key = base64.b64encode(bytes(range(32))).decode()
    with pytest.raises(ConfigError) as refused:
        await open_store(environ={"SAGE200_DATABASE_URL": url, "SAGE200_TOKEN_KEY": key})
    assert "S3cretPassw0rd" not in str(refused.value)
    assert "\n" not in str(refused.value) and "127.0.0.1/team" in str(refused.value)

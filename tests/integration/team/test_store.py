"""The team store, each test on SQLite and on a real PostgreSQL (conftest.py)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sage200_mcp.errors import ConfigError
from sage200_mcp.team.crypto import TokenKeyError
from sage200_mcp.team.models import (
    AuditEntry,
    AuthorizationCode,
    Company,
    Grant,
    PendingAuthorization,
    SageSignIn,
)
from sage200_mcp.team.schema import LATEST
from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import NotSignedIn, TeamStore
from tests.integration.team.conftest import KEY, OTHER_KEY
from tests.integration.team.racer import SUBJECT, TASKS, fresh_access_token

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).parents[3]
REFRESH = "sage-refresh-token-that-must-never-be-stored-in-the-clear"


def sign_in(access: str = "sage-access", expires_at: float = 0.0) -> SageSignIn:
    now = time.time()
    return SageSignIn(access, REFRESH, expires_at, now + 90 * 86400, now, "openid")


async def signed_in(store: TeamStore, subject: str = SUBJECT) -> SageSignIn:
    await store.upsert_person(subject, f"{subject}@example.com", subject.title())
    return await store.save_sign_in(subject, sign_in())


async def test_migrations_start_from_empty_and_a_second_run_changes_nothing(
    store: TeamStore,
) -> None:
    assert await store.migrate() == []
    rows = await store.database.fetch("SELECT version FROM schema_version")
    assert [row[0] for row in rows] == list(range(1, LATEST + 1))


def test_two_processes_migrating_one_empty_database_at_once_both_succeed(
    environ: dict[str, str],
) -> None:
    script = (
        "import asyncio, time, sys\n"
        "from sage200_mcp.team.settings import open_store\n"
        "async def main():\n"
        "    time.sleep(max(0, float(sys.argv[1]) - time.time()))\n"
        "    store = await open_store()\n"
        "    print(await store.database.fetch('SELECT version FROM schema_version'))\n"
        "    await store.close()\n"
        "asyncio.run(main())\n"
    )
    start = str(time.time() + 1.5)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, start],
            env={**environ, "PYTHONPATH": str(ROOT / "src")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {str([(v,) for v in range(1, LATEST + 1)])}


async def test_the_refresh_token_is_stored_as_ciphertext(store: TeamStore) -> None:
    written = await signed_in(store)
    rows = await store.database.fetch("SELECT * FROM sage_sign_ins")
    stored = b"|".join(
        bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
        for value in rows[0]
    )
    assert REFRESH.encode() not in stored
    assert b"sage-access" not in stored
    assert await store.sign_in(SUBJECT) == written
    assert (written.refresh_token, written.generation) == (REFRESH, 1)


async def test_a_ciphertext_moved_to_another_person_does_not_open(store: TeamStore) -> None:
    await signed_in(store, "alice")
    await signed_in(store, "bob")
    await store.database.execute(
        "UPDATE sage_sign_ins SET refresh_token ="
        " (SELECT refresh_token FROM sage_sign_ins WHERE subject = 'alice') WHERE subject = 'bob'"
    )
    with pytest.raises(TokenKeyError, match="altered or copied"):
        await store.sign_in("bob")


async def test_a_wrong_key_is_one_clear_error_naming_the_variable(
    store: TeamStore, environ: dict[str, str]
) -> None:
    await signed_in(store)
    await store.close()
    with pytest.raises(TokenKeyError) as raised:
        await open_store({**environ, "SAGE200_TOKEN_KEY": OTHER_KEY})
    assert "SAGE200_TOKEN_KEY" in str(raised.value)
    assert "SAGE200_TOKEN_KEY_PREVIOUS" in str(raised.value)


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (None, "is not set"),
        ("not base64!", "32 random bytes"),
        (base64.b64encode(b"short").decode(), "32 random bytes"),
    ],
)
async def test_a_missing_or_malformed_key_says_how_to_make_one(
    environ: dict[str, str], key: str | None, says: str
) -> None:
    environ = {k: v for k, v in environ.items() if k != "SAGE200_TOKEN_KEY"}
    if key is not None:
        environ["SAGE200_TOKEN_KEY"] = key
    with pytest.raises(ConfigError, match=says) as raised:
        await open_store(environ)
    assert "openssl rand -base64 32" in str(raised.value)


async def test_rotation_reads_with_the_previous_key_and_reseals_with_the_new(
    store: TeamStore, environ: dict[str, str]
) -> None:
    await signed_in(store, "alice")
    await signed_in(store, "bob")
    old_id = store.cipher.current_id
    await store.close()
    rotating = {**environ, "SAGE200_TOKEN_KEY": OTHER_KEY, "SAGE200_TOKEN_KEY_PREVIOUS": KEY}
    store = await open_store(rotating)
    try:
        assert (await store.sign_in("alice")).refresh_token == REFRESH  # type: ignore[union-attr]
        new = await store.save_sign_in("alice", sign_in("written-after-rotation"))
        rows = await store.database.fetch("SELECT subject, key_id FROM sage_sign_ins")
        assert dict(rows) == {"alice": store.cipher.current_id, "bob": old_id}
        assert await store.rotate_key() == 1
        assert await store.rotate_key() == 0
    finally:
        await store.close()
    store = await open_store({**environ, "SAGE200_TOKEN_KEY": OTHER_KEY})
    try:
        assert await store.sign_in("alice") == new
        assert (await store.sign_in("bob")).refresh_token == REFRESH  # type: ignore[union-attr]
    finally:
        await store.close()


async def test_racing_callers_in_one_process_refresh_once_and_all_get_the_new_token(
    store: TeamStore,
) -> None:
    await signed_in(store)
    calls: list[str] = []

    async def refresh(refresh_token: str) -> str:
        calls.append(refresh_token)
        await asyncio.sleep(0.05)
        return f"access-{len(calls)}"

    tokens = await asyncio.gather(*(fresh_access_token(store, SUBJECT, refresh) for _ in range(20)))
    assert calls == [REFRESH]
    assert set(tokens) == {"access-1"}
    assert (await store.sign_in(SUBJECT)).generation == 2  # type: ignore[union-attr]


@pytest.mark.slow
async def test_racing_replicas_refresh_once_and_all_get_the_new_token(
    store: TeamStore, environ: dict[str, str], tmp_path: Path
) -> None:
    """Separate processes, as replicas are: only the database's lock stands between them."""
    await signed_in(store)
    counter = tmp_path / "refreshes"
    counter.touch()
    start = str(time.time() + 2.0)  # past every process's start-up, so they all race
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.integration.team.racer", str(counter), start],
            cwd=ROOT,
            env={**environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err for _, err in outputs]
    refreshes = counter.read_text().splitlines()
    assert len(refreshes) == 1, refreshes
    assert refreshes[0].endswith(REFRESH)
    tokens = [line for out, _ in outputs for line in out.split()]
    assert len(tokens) == 4 * TASKS
    assert set(tokens) == {f"access-from-{refreshes[0].split()[0]}"}


async def test_refreshing_without_a_sign_in_says_sign_in(store: TeamStore) -> None:
    await store.upsert_person("nobody", None, None)
    with pytest.raises(NotSignedIn, match="sign in again"):
        async with store.refreshing("nobody"):
            pass


async def test_a_token_saved_under_the_lock_survives_an_error_after_it(store: TeamStore) -> None:
    await signed_in(store)

    async def refresh_then_fail() -> None:
        async with store.refreshing(SUBJECT) as held:
            await held.save(sign_in("rotated"))
            raise RuntimeError("after saving")

    with pytest.raises(RuntimeError, match="after saving"):
        await refresh_then_fail()
    assert (await store.sign_in(SUBJECT)).access_token == "rotated"  # type: ignore[union-attr]


async def test_people_revoked_lose_their_sign_in_and_tokens(store: TeamStore) -> None:
    await signed_in(store, "alice")
    grant = Grant("alice", "client", "https://mcp.example/mcp", "sage", time.time() + 60, "f1")
    await store.save_access_token("mcp-access", grant)
    await store.save_refresh_token("mcp-refresh", grant)
    await store.set_toolsets("alice", ["sales", "ledgers"])
    person = await store.upsert_person("alice", "new@example.com", "Alice")
    assert (person.status, person.toolsets, person.email) == (
        "allowed",
        ("sales", "ledgers"),
        "new@example.com",
    )
    assert await store.revoke("alice")
    assert (await store.person("alice")).status == "revoked"  # type: ignore[union-attr]
    assert await store.sign_in("alice") is None
    assert await store.access_token("mcp-access") is None
    assert (await store.use_refresh_token("mcp-refresh")).outcome == "unknown"
    assert await store.allow("alice")
    assert [p.subject for p in await store.people()] == ["alice"]


async def test_each_person_has_their_own_selected_company(store: TeamStore) -> None:
    await store.upsert_person("alice", None, None)
    await store.upsert_person("bob", None, None)
    await store.select_company("alice", Company("site-1", 1, "Stationery"))
    await store.select_company("bob", Company("site-1", 2, "Cycles"))
    await store.select_company("alice", Company("site-2", 3, None))
    assert await store.selected_company("alice") == Company("site-2", 3, None)
    assert await store.selected_company("bob") == Company("site-1", 2, "Cycles")


async def test_mcp_tokens_are_stored_as_digests_and_expire(store: TeamStore) -> None:
    await store.upsert_person("alice", None, None)
    await store.register_client("client", {"redirect_uris": ["http://127.0.0.1/cb"]})
    assert (await store.client("client")).metadata["redirect_uris"] == [  # type: ignore[union-attr]
        "http://127.0.0.1/cb"
    ]
    live = Grant("alice", "client", "https://mcp.example/mcp", "sage", time.time() + 60, "f1")
    await store.save_access_token("live-token", live)
    await store.save_access_token("dead-token", Grant(**{**live.__dict__, "expires_at": 1.0}))
    assert await store.access_token("live-token") == live
    assert await store.access_token("dead-token") is None
    rows = await store.database.fetch("SELECT token_hash FROM oauth_access_tokens")
    assert "live-token" not in json.dumps(rows)
    assert await store.purge_expired() == 1


async def test_an_authorization_code_is_redeemed_once(store: TeamStore) -> None:
    await store.upsert_person("alice", None, None)
    grant = Grant("alice", "client", "https://mcp.example/mcp", "sage", time.time() + 60, "")
    await store.save_code("the-code", AuthorizationCode(grant, "http://127.0.0.1/cb", "chal"))
    taken = await asyncio.gather(*(store.take_code("the-code") for _ in range(5)))
    redeemed = [code for code in taken if code is not None]
    assert len(redeemed) == 1
    assert (redeemed[0].redirect_uri, redeemed[0].code_challenge) == ("http://127.0.0.1/cb", "chal")
    assert redeemed[0].grant.family


async def test_a_pending_authorization_is_taken_once_by_its_state(store: TeamStore) -> None:
    pending = PendingAuthorization(
        "client",
        "http://127.0.0.1/cb",
        "chal",
        None,
        "https://mcp.example/mcp",
        "",
        "verifier",
        time.time() + 60,
    )
    await store.save_pending("the-state", pending)
    await store.save_pending(
        "old-state", PendingAuthorization(**{**pending.__dict__, "expires_at": 1.0})
    )
    rows = await store.database.fetch("SELECT state_hash FROM oauth_pending")
    assert "the-state" not in json.dumps(rows)
    taken = await asyncio.gather(*(store.take_pending("the-state") for _ in range(5)))
    assert [p for p in taken if p is not None] == [pending]
    assert await store.take_pending("old-state") is None
    assert await store.take_pending("unknown") is None


async def test_a_reused_refresh_token_revokes_its_whole_family(store: TeamStore) -> None:
    await store.upsert_person("alice", None, None)
    grant = Grant("alice", "client", "https://mcp.example/mcp", "sage", time.time() + 60, "fam")
    other = Grant(**{**grant.__dict__, "family": "other"})
    await store.save_refresh_token("first", grant)
    await store.save_refresh_token("other-refresh", other)
    use = await store.use_refresh_token("first")
    assert (use.outcome, use.grant) == ("rotated", grant)
    await store.save_refresh_token("second", grant)
    await store.save_access_token("second-access", grant)
    assert (await store.use_refresh_token("first")).outcome == "reused"
    assert (await store.use_refresh_token("second")).outcome == "unknown"
    assert await store.access_token("second-access") is None
    assert (await store.use_refresh_token("other-refresh")).outcome == "rotated"


async def test_the_audit_log_exports_json_lines_without_secrets(store: TeamStore) -> None:
    for n in range(3):
        await store.record(
            AuditEntry(
                at=1000.0 + n,
                subject="alice" if n < 2 else "bob",
                company="Stationery",
                tool="list_customers",
                arguments={"search": "acme", "nested": {"access_token": "leak"}},
                result_chars=120,
                duration_ms=12.5,
                outcome="ok",
            )
        )
    lines = [line async for line in store.audit_json_lines(subject="alice")]
    assert len(lines) == 2
    entry = json.loads(lines[0])
    assert entry["arguments"] == {"search": "acme", "nested": {"access_token": "[redacted]"}}
    assert (entry["tool"], entry["result_chars"], entry["outcome"]) == ("list_customers", 120, "ok")
    assert "leak" not in "".join([line async for line in store.audit_json_lines()])
    assert len(await store.audit(after_id=int(entry["id"]))) == 2


async def test_database_round_trips_per_operation(store: TeamStore) -> None:
    """The figures a tool call pays (the bench reports them): a token check and an audit row
    are one statement each, as is getting a Sage token that is still fresh."""
    await signed_in(store)
    grant = Grant(SUBJECT, "client", "https://mcp.example/mcp", "sage", time.time() + 60, "f")
    await store.save_access_token("token", grant)

    async def trips(operation: object) -> int:
        before = store.round_trips
        await operation  # type: ignore[misc]
        return store.round_trips - before

    assert await trips(store.access_token("token")) == 1
    assert await trips(store.bearer("token")) == 1
    assert await trips(store.selected_company(SUBJECT)) == 1
    assert await trips(store.sign_in(SUBJECT)) == 1
    entry = AuditEntry(1.0, SUBJECT, None, "get_status", {}, 10, 1.0, "ok")
    assert await trips(store.record(entry)) == 1
    await store.save_sign_in(SUBJECT, sign_in(expires_at=time.time() + 600))
    unused = store.fresh_sign_in(SUBJECT, refresh=None)  # type: ignore[arg-type]
    assert await trips(unused) == 1
    await store.save_sign_in(SUBJECT, sign_in(expires_at=0.0))

    async def renew(held: SageSignIn) -> SageSignIn:
        return sign_in("renewed", time.time() + 600)

    # read; BEGIN, read under the lock, write, COMMIT
    assert await trips(store.fresh_sign_in(SUBJECT, renew)) == 5


async def test_a_token_sage_refused_is_refreshed_once_though_its_clock_says_valid(
    store: TeamStore,
) -> None:
    await store.upsert_person(SUBJECT, None, None)
    refused = await store.save_sign_in(SUBJECT, sign_in("refused", time.time() + 600))
    calls: list[int] = []

    async def renew(held: SageSignIn) -> SageSignIn:
        calls.append(held.generation)
        await asyncio.sleep(0.05)
        return sign_in("accepted", time.time() + 600)

    got = await asyncio.gather(
        *(store.fresh_sign_in(SUBJECT, renew, rejected=refused) for _ in range(10))
    )
    assert calls == [refused.generation]
    assert {g.access_token for g in got} == {"accepted"}
    assert (await store.fresh_sign_in(SUBJECT, renew)).access_token == "accepted"


async def test_a_sign_in_sage_ended_is_forgotten(store: TeamStore) -> None:
    await signed_in(store)

    async def ended(held: SageSignIn) -> None:
        return None

    with pytest.raises(NotSignedIn, match="sign in"):
        await store.fresh_sign_in(SUBJECT, ended)
    assert await store.sign_in(SUBJECT) is None


async def test_a_bearer_token_comes_with_its_person_as_they_are_now(store: TeamStore) -> None:
    """The check every MCP request makes reads the person too: a call needs their status and
    toolsets, and reads them from here rather than in a statement of its own."""
    await signed_in(store)
    grant = Grant(SUBJECT, "client", "https://mcp.example/mcp", "sage", time.time() + 60, "f")
    await store.save_access_token("token", grant)
    await store.set_toolsets(SUBJECT, ["customers"])
    found = await store.bearer("token")
    assert found is not None
    assert found[0] == grant
    assert (found[1].subject, found[1].status, found[1].toolsets) == (
        SUBJECT,
        "allowed",
        ("customers",),
    )
    await store.database.execute(
        "UPDATE people SET status = 'revoked' WHERE subject = ?", (SUBJECT,)
    )
    revoked = await store.bearer("token")
    assert revoked is not None and revoked[1].status == "revoked"
    assert await store.bearer("another") is None

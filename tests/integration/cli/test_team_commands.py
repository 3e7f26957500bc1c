"""`sage200-mcp team ...`, the admin commands of a team server, run as real processes against a
store seeded through its own API: SQLite in a temporary directory, and (for `users` and `audit
--json-lines`) a real PostgreSQL. No output may hold a token, the key or the database password."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.team.models import AuditEntry, Grant, SageSignIn
from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import TeamStore
from tests.helpers import CLIENT_ID, free_port, tokens_for
from tests.integration.team.conftest import KEY, OTHER_KEY, postgres  # noqa: F401 (a fixture)
from tests.postgres import PostgresServer

T = TypeVar("T")
ROOT = Path(__file__).parents[3]
ACCESS = "sage-access-token-never-printed"
REFRESH = "sage-refresh-token-never-printed"
NOW = time.time()


def run(
    *args: str, env: dict[str, str], stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "sage200_mcp", "team", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in result.stderr, result.stderr
    secrets = [ACCESS, REFRESH, "S3cretPassw0rd", KEY, OTHER_KEY]
    for secret in secrets + [env[k] for k in ("SAGE200_TOKEN_KEY",) if k in env]:
        assert secret not in result.stdout + result.stderr
    return result


def team_env(database_url: str, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "src"),
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_DATABASE_URL": database_url,
        "SAGE200_TOKEN_KEY": KEY,
        **more,
    }


def with_store(env: dict[str, str], work: Callable[[TeamStore], Awaitable[T]]) -> T:
    async def session() -> T:
        store = await open_store(env)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(session())


def call(subject: str, at: float, tool: str = "list_customers", **arguments: str) -> AuditEntry:
    return AuditEntry(at, subject, "Stockwell", tool, dict(arguments), 120, 33.0, "ok")


async def seed(store: TeamStore) -> None:
    """Ann signed in and working, Bob revoked, Cat signed in once with no call yet."""
    await store.upsert_person("auth0|ann", "ann@example.com", "Ann Example")
    await store.upsert_person("auth0|bob", "bob@example.com", "Bob")
    await store.upsert_person("auth0|cat", "Cat@Example.com", None)
    await store.save_sign_in(
        "auth0|ann", SageSignIn(ACCESS, REFRESH, NOW + 60, NOW + 80 * 86400, NOW - 7200, "openid")
    )
    await store.save_sign_in(
        "auth0|cat", SageSignIn(ACCESS, REFRESH, NOW + 60, NOW + 10 * 86400, NOW - 600, "openid")
    )
    await store.revoke("auth0|bob")
    await store.set_toolsets("auth0|ann", ["customers", "orders"])
    await store.record(call("auth0|bob", NOW - 9000, "list_suppliers"))
    await store.record(call("auth0|ann", NOW - 3600, "list_customers", search="acme"))
    await store.record(call("auth0|ann", NOW - 60, "get_customer", refresh_token=REFRESH))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    made = team_env(f"sqlite:///{tmp_path / 'team.sqlite3'}", tmp_path)
    with_store(made, seed)
    return made


@pytest.fixture(params=["sqlite", "postgresql"])
def any_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'team.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        url = server.new_database()
    made = team_env(url, tmp_path)
    with_store(made, seed)
    return made


def test_users_lists_everyone_with_status_toolsets_sign_in_and_last_seen(
    any_env: dict[str, str],
) -> None:
    listed = run("users", "--json", env=any_env)
    assert listed.returncode == 0, listed.stderr
    people = {p["email"]: p for p in json.loads(listed.stdout)}
    ann, bob, cat = people["ann@example.com"], people["bob@example.com"], people["Cat@Example.com"]
    assert (ann["status"], ann["toolsets"], ann["signed_in"]) == (
        "allowed",
        ["customers", "orders"],
        True,
    )
    assert (bob["status"], bob["signed_in"], bob["sign_in_until"]) == ("revoked", False, None)
    assert cat["toolsets"] is None and cat["name"] is None

    def epoch(text: str) -> float:
        from datetime import datetime

        return datetime.fromisoformat(text).timestamp()

    assert epoch(ann["sign_in_until"]) == pytest.approx(NOW + 80 * 86400)
    assert epoch(ann["last_seen"]) == pytest.approx(NOW - 60)  # the latest call
    assert epoch(cat["last_seen"]) == pytest.approx(NOW - 600)  # no call: the sign-in
    assert epoch(bob["last_seen"]) == pytest.approx(NOW - 9000)  # revoked, but seen

    table = run("users", env=any_env)
    assert table.returncode == 0
    lines = {line.split()[0]: line for line in table.stdout.splitlines()}
    assert "revoked" in lines["bob@example.com"] and " none " in lines["bob@example.com"]
    assert "customers,orders" in lines["ann@example.com"]
    assert "until " in lines["ann@example.com"] and "auth0|ann" in lines["ann@example.com"]


def test_audit_json_lines_exports_the_log_as_the_store_writes_it(any_env: dict[str, str]) -> None:
    exported = run("audit", "--json-lines", env=any_env)
    assert exported.returncode == 0, exported.stderr

    async def expected(store: TeamStore) -> list[str]:
        return [line async for line in store.audit_json_lines()]

    assert exported.stdout.splitlines() == with_store(any_env, expected)
    entries = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [e["tool"] for e in entries] == ["list_suppliers", "list_customers", "get_customer"]
    assert entries[2]["arguments"] == {"refresh_token": "[redacted]"}

    annes = run("audit", "--json-lines", "--person", "ANN@example.com", env=any_env)
    assert [json.loads(line)["tool"] for line in annes.stdout.splitlines()] == [
        "list_customers",
        "get_customer",
    ]


def test_audit_table_filters_by_person_time_and_count(env: dict[str, str]) -> None:
    table = run("audit", env=env)
    assert table.returncode == 0
    rows = table.stdout.splitlines()
    assert rows[0].split()[:4] == ["time", "(UTC)", "who", "company"]
    assert [row.split()[3] for row in rows[1:]] == ["Stockwell"] * 3
    assert "ann@example.com" in rows[3] and "get_customer" in rows[3]  # oldest first, emails
    assert '{"search":"acme"}' in rows[2]

    latest = run("audit", "--limit", "1", env=env).stdout.splitlines()
    assert len(latest) == 2 and "get_customer" in latest[1]  # the latest call, not the first

    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(NOW - 4000))
    recent = run("audit", "--since", since, "--json-lines", env=env).stdout.splitlines()
    assert [json.loads(line)["tool"] for line in recent] == ["list_customers", "get_customer"]
    offset = time.strftime("%Y-%m-%dT%H:%M:%S+01:00", time.gmtime(NOW - 4000 + 3600))
    assert run("audit", "--since", offset, "--json-lines", env=env).stdout.splitlines() == recent

    bobs = run("audit", "--person", "auth0|bob", env=env).stdout
    assert "list_suppliers" in bobs and "get_customer" not in bobs
    nothing = run("audit", "--since", "2999-01-01", env=env)
    assert nothing.returncode == 0 and "No tool calls" in nothing.stdout

    bad = run("audit", "--since", "last tuesday", env=env)
    assert bad.returncode == 1 and "not an ISO date" in bad.stderr
    unknown = run("audit", "--person", "zed@example.com", env=env)
    assert unknown.returncode == 1 and "team users" in unknown.stderr


def test_audit_json_lines_streams_a_big_log_in_constant_memory(tmp_path: Path) -> None:
    """Peak memory of the export grows by far less than the log it reads: read a page at a
    time, never the whole log (which would hold every entry, several times its text)."""
    env = team_env(f"sqlite:///{tmp_path / 'team.sqlite3'}", tmp_path)

    async def fill(store: TeamStore, rows: int) -> None:
        await store.upsert_person("auth0|ann", "ann@example.com", "Ann")
        await store.record(call("auth0|ann", NOW))
        # through the store's own SQL, but in one transaction: a commit a row would take minutes
        async with store.database.transaction() as transaction:
            for n in range(rows):
                await transaction.execute(
                    "INSERT INTO audit_log (at, subject, company, tool, arguments,"
                    " result_chars, duration_ms, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (NOW + n, "auth0|ann", "1", "query", json.dumps({"q": "x" * 300}), 9, 1, "ok"),
                )

    def peak_kib(rows: int) -> tuple[int, int]:
        with open(tmp_path / "out.jsonl", "w") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "sage200_mcp", "team", "audit", "--json-lines"],
                env=env,
                stdout=sink,
                stderr=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(process.pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        return usage.ru_maxrss, sum(1 for _ in open(tmp_path / "out.jsonl"))

    with_store(env, lambda store: fill(store, 2_000))
    small, lines = peak_kib(2_000)
    assert lines == 2_001
    with_store(env, lambda store: fill(store, 60_000))
    big, lines = peak_kib(62_000)
    assert lines == 62_002
    # the log grew by 60,000 entries (about 25 MB of JSON); the export's peak by next to nothing
    assert big - small < 8_000, (small, big)

    reader = subprocess.Popen(  # `| head -1`: the export stops quietly when its reader does
        [sys.executable, "-m", "sage200_mcp", "team", "audit", "--json-lines"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert json.loads(reader.stdout.readline())["id"] == 1
    reader.stdout.close()
    assert reader.wait(timeout=60) == 0 and reader.stderr.read() == ""


def test_revoke_asks_first_then_ends_the_sign_in_here_and_at_sage_id(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    with httpx.Client(base_url=sandbox_server.url, timeout=30) as http:
        tokens = tokens_for(http)
        refresh = str(tokens["refresh_token"])
        env = team_env(
            f"sqlite:///{tmp_path / 'team.sqlite3'}",
            tmp_path,
            SAGE200_ID_URL=sandbox_server.url,
            SAGE200_CLIENT_ID=CLIENT_ID,
            SAGE200_CLIENT_TYPE="desktop",
        )

        async def signed_in(store: TeamStore) -> None:
            await store.upsert_person("auth0|ann", "ann@example.com", "Ann")
            await store.save_sign_in(
                "auth0|ann",
                SageSignIn(str(tokens["access_token"]), refresh, NOW + 60, NOW + 86400, NOW, "o"),
            )
            grant = Grant("auth0|ann", "c", "https://mcp.example/mcp", "s", NOW + 600, "f")
            await store.save_access_token("mcp-access", grant)

        with_store(env, signed_in)
        revocations = http.get("/_sandbox/stats").json()["revocations"]

        declined = run("revoke", "ann@example.com", env=env, stdin="n\n")
        assert declined.returncode == 0 and "Revoke ann@example.com (Ann" in declined.stderr
        assert "Nothing changed" in declined.stdout
        unanswered = run("revoke", "ann@example.com", env=env)  # no terminal: no answer is no
        assert "Nothing changed" in unanswered.stdout
        assert http.get("/_sandbox/stats").json()["revocations"] == revocations

        async def state(store: TeamStore) -> tuple[str | None, bool, bool]:
            person = await store.person("auth0|ann")
            return (
                None if person is None else person.status,
                await store.sign_in("auth0|ann") is not None,
                await store.access_token("mcp-access") is not None,
            )

        assert with_store(env, state) == ("allowed", True, True)

        revoked = run("revoke", "auth0|ann", env=env, stdin="yes\n")
        assert revoked.returncode == 0, revoked.stderr
        assert "Revoked ann@example.com" in revoked.stdout and "at Sage ID too" in revoked.stdout
        assert with_store(env, state) == ("revoked", False, False)
        assert http.get("/_sandbox/stats").json()["revocations"] == revocations + 1
        spent = http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": CLIENT_ID},
        )
        assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"

        allowed = run("allow", "ann@example.com", env=env)
        assert allowed.returncode == 0 and "may sign in again" in allowed.stdout
        assert with_store(env, state) == ("allowed", False, False)


def test_revoke_at_an_unreachable_sage_id_still_revokes_here_and_says_so(
    env: dict[str, str],
) -> None:
    unreachable = {
        **env,
        "SAGE200_ID_URL": f"http://127.0.0.1:{free_port()}",
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_CLIENT_TYPE": "desktop",
    }
    result = run("revoke", "--yes", "ann@example.com", env=unreachable)
    assert result.returncode == 0
    assert "Revoked ann@example.com" in result.stdout
    assert "Could not revoke their Sage sign-in at Sage ID (Could not reach Sage ID" in (
        result.stderr
    )
    users = {p["email"]: p for p in json.loads(run("users", "--json", env=env).stdout)}
    assert users["ann@example.com"]["status"] == "revoked"
    assert users["ann@example.com"]["signed_in"] is False

    unconfigured = run("revoke", "--yes", "Cat@example.com", env=env)  # no client id here
    assert unconfigured.returncode == 0 and "SAGE200_CLIENT_ID" in unconfigured.stderr


def test_a_sign_in_that_does_not_decrypt_is_revoked_here_all_the_same(env: dict[str, str]) -> None:
    async def tamper(store: TeamStore) -> None:
        # Cat's sealed refresh token replaced by Ann's: it fails to open in Cat's row (and Ann's
        # row, written last, is the one the key check at start opens)
        await store.database.execute(
            "UPDATE sage_sign_ins SET refresh_token ="
            " (SELECT refresh_token FROM sage_sign_ins WHERE subject = 'auth0|ann'),"
            " updated_at = 0 WHERE subject = 'auth0|cat'"
        )

    with_store(env, tamper)
    result = run("revoke", "--yes", "auth0|cat", env=env)
    assert result.returncode == 0, result.stderr
    assert "Revoked Cat@Example.com" in result.stdout
    assert "Could not revoke their Sage sign-in at Sage ID (A stored Sage sign-in does not" in (
        result.stderr
    )
    people = {p["subject"]: p for p in json.loads(run("users", "--json", env=env).stdout)}
    assert people["auth0|cat"]["status"] == "revoked" and not people["auth0|cat"]["signed_in"]


def test_unknown_and_ambiguous_people_are_refused_in_one_line(env: dict[str, str]) -> None:
    async def twin(store: TeamStore) -> None:
        await store.upsert_person("google|ann", "ann@example.com", "Ann (Google)")

    unknown = run("revoke", "--yes", "zed@example.com", env=env)
    assert unknown.returncode == 1 and len(unknown.stderr.splitlines()) == 1
    assert "No one with the email or subject 'zed@example.com'" in unknown.stderr
    with_store(env, twin)
    ambiguous = run("revoke", "--yes", "ann@example.com", env=env)
    assert ambiguous.returncode == 1
    assert "auth0|ann, google|ann" in ambiguous.stderr and "by subject" in ambiguous.stderr
    statuses = {
        p["subject"]: p["status"] for p in json.loads(run("users", "--json", env=env).stdout)
    }
    assert statuses["auth0|ann"] == statuses["google|ann"] == "allowed"


def test_toolsets_sets_a_persons_list_or_all_and_refuses_unknown_names(
    env: dict[str, str],
) -> None:
    def toolsets_of(email: str) -> object:
        people = json.loads(run("users", "--json", env=env).stdout)
        return next(p["toolsets"] for p in people if p["email"] == email)

    chosen = run("toolsets", "bob@example.com", "Nominal, query,nominal", env=env)
    assert chosen.returncode == 0 and "nominal, query" in chosen.stdout
    assert toolsets_of("bob@example.com") == ["nominal", "query"]
    everything = run("toolsets", "ann@example.com", "all", env=env)
    assert everything.returncode == 0 and toolsets_of("ann@example.com") is None
    bad = run("toolsets", "bob@example.com", "customers,ledgers", env=env)
    assert bad.returncode == 1 and "Unknown toolset(s) 'ledgers'" in bad.stderr
    assert toolsets_of("bob@example.com") == ["nominal", "query"]


def test_rotate_key_reseals_every_sign_in_under_the_new_key(env: dict[str, str]) -> None:
    rotating = {**env, "SAGE200_TOKEN_KEY": OTHER_KEY, "SAGE200_TOKEN_KEY_PREVIOUS": KEY}
    without_previous = run("rotate-key", env={**env, "SAGE200_TOKEN_KEY": OTHER_KEY})
    assert without_previous.returncode == 1
    assert "SAGE200_TOKEN_KEY_PREVIOUS" in without_previous.stderr
    assert KEY not in without_previous.stderr and OTHER_KEY not in without_previous.stderr

    rotated = run("rotate-key", env=rotating)
    assert rotated.returncode == 0, rotated.stderr
    assert "Re-encrypted 2 Sage sign-ins" in rotated.stdout
    assert "Re-encrypted 0" in run("rotate-key", env=rotating).stdout

    new_only = {**env, "SAGE200_TOKEN_KEY": OTHER_KEY}

    async def tokens(store: TeamStore) -> list[str | None]:
        return [
            sign_in.refresh_token if sign_in else None
            for sign_in in [await store.sign_in("auth0|ann"), await store.sign_in("auth0|cat")]
        ]

    assert with_store(new_only, tokens) == [REFRESH, REFRESH]
    old_only = run("users", env=env)
    assert old_only.returncode == 1 and "neither SAGE200_TOKEN_KEY" in old_only.stderr


def test_a_missing_or_malformed_key_is_one_clear_line(env: dict[str, str]) -> None:
    missing = run("users", env={k: v for k, v in env.items() if k != "SAGE200_TOKEN_KEY"})
    assert missing.returncode == 1 and "SAGE200_TOKEN_KEY is not set" in missing.stderr
    short = base64.b64encode(b"short").decode()
    malformed = run("audit", env={**env, "SAGE200_TOKEN_KEY": short})
    assert malformed.returncode == 1 and "32 random bytes" in malformed.stderr
    for result in (missing, malformed):
        assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://admin:S3cretPassw0rd@127.0.0.1:{port}/team",
        # libpq quotes a malformed percent-escape back, password and all
        "postgresql://admin:S3cretPassw0rd%zz@127.0.0.1:{port}/team",
        "postgresql://admin:S3cretPassw0rd@127.0.0.1:{port}/team?sslmode=S3cretPassw0rd",
    ],
)
def test_an_unreachable_database_never_prints_its_password(url: str, tmp_path: Path) -> None:
    env = team_env(url.format(port=free_port()), tmp_path)
    result = run("users", env=env)  # run() checks the password is in neither stream
    assert result.returncode == 1 and result.stderr.startswith("sage200-mcp: ")
    assert "team database" in result.stderr and len(result.stderr.splitlines()) == 1
    assert "***" in result.stderr or "Connection refused" in result.stderr


def test_without_the_team_extra_it_says_what_to_install(
    env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "without-extra"
    (missing / "psycopg").mkdir(parents=True)
    (missing / "psycopg" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'psycopg'\", name='psycopg')\n"
    )
    bare = {**env, "PYTHONPATH": f"{missing}{os.pathsep}{env['PYTHONPATH']}"}
    for action in (["users"], ["audit", "--json-lines"], ["revoke", "--yes", "x"]):
        result = run(*action, env=bare)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            "sage200-mcp: Team mode needs the [team] extra (psycopg is not installed):"
            " pip install 'sage200-mcp[team]'"
        )
    assert run("--help", env=bare).returncode == 0

"""`sage200-mcp login / status / logout` as real processes against the sandbox over HTTP."""

from __future__ import annotations

import json
import re
import socket
import stat
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from sage200_mcp.auth.store import StoredTokens
from tests.browser import require_chromium
from tests.helpers import transaction_of
from tests.integration.auth.conftest import Cli


def read_until(stream: object, pattern: str, seconds: float = 30) -> tuple[str, str]:
    """Read a process's pipe line by line until ``pattern`` matches; (the match, all text read)."""
    assert hasattr(stream, "readline")
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found.group(0), "".join(seen)
    raise AssertionError(f"{pattern!r} never appeared in: {''.join(seen)!r}")


def drain(stream: object, into: list[str]) -> threading.Thread:
    assert hasattr(stream, "read")
    thread = threading.Thread(target=lambda: into.append(stream.read()), daemon=True)
    thread.start()
    return thread


def assert_private_tokens(cli: Cli) -> StoredTokens:
    assert stat.S_IMODE(cli.tokens_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.tokens_path.parent.stat().st_mode) == 0o700
    tokens = StoredTokens.model_validate_json(cli.tokens_path.read_text())
    assert tokens.email == "demo@example.com" and tokens.refresh_token
    return tokens


def approve_in_sandbox(cli: Cli, authorize_url: str, action: str = "approve") -> str:
    """Sign in at the sandbox as a person would, returning where the browser is sent next."""
    with httpx.Client(timeout=30) as http:
        page = http.get(authorize_url)
        answer = http.post(
            f"{cli.server.url}/authorize",
            data={
                "transaction": transaction_of(page.text),
                "username": "demo@example.com",
                "password": "demo",
                "action": action,
            },
        )
    assert answer.status_code == 302
    return answer.headers["location"]


@pytest.mark.browser
def test_login_opens_the_browser_and_the_sign_in_lands_privately(cli: Cli) -> None:
    require_chromium()
    result = cli.run("login")
    assert result.returncode == 0, result.stderr
    assert "Signed in as Demo User <demo@example.com> (profile default)." in result.stdout
    assert "browser saw: Signed in" in result.stderr
    assert_private_tokens(cli)
    status = cli.run("status")
    assert status.returncode == 0
    assert "Signed in as:   Demo User <demo@example.com>" in status.stdout
    assert "valid for 7 h" in status.stdout and "sign in again by" in status.stdout
    assert "Warning" not in status.stderr
    logout = cli.run("logout")
    assert logout.returncode == 0 and not cli.tokens_path.exists()
    assert cli.server.sandbox.stats()["revocations"] >= 1
    assert cli.run("status").returncode == 1


@pytest.mark.browser
def test_deny_in_the_browser_signs_nobody_in(cli: Cli) -> None:
    require_chromium()
    result = cli.run("login", env={"SAGE200_TEST_BROWSER_ACTION": "deny"})
    assert result.returncode == 1
    assert "denied" in result.stderr and "Traceback" not in result.stderr
    assert not cli.tokens_path.exists()


def test_no_browser_prints_the_url_and_takes_the_pasted_redirect(cli: Cli) -> None:
    process = cli.start("login", "--no-browser")
    url, before = read_until(process.stderr, r"http://\S+/authorize\?\S+")
    location = approve_in_sandbox(cli, url)
    out, err = process.communicate(location + "\n", timeout=60)
    cli.keep(before, out, err)
    assert process.returncode == 0, err
    assert "Signed in as Demo User" in out
    assert_private_tokens(cli)


def test_a_pasted_redirect_with_another_state_is_refused(cli: Cli) -> None:
    process = cli.start("login", "--no-browser")
    url, before = read_until(process.stderr, r"http://\S+/authorize\?\S+")
    location = approve_in_sandbox(cli, url)
    tampered = re.sub(r"state=[^&]+", "state=forged", location)
    out, err = process.communicate(tampered + "\n", timeout=60)
    cli.keep(before, out, err)
    assert process.returncode == 1
    assert "state" in err and "Traceback" not in err
    assert not cli.tokens_path.exists()


def test_a_forged_redirect_to_the_listener_is_refused_and_the_real_one_lands(cli: Cli) -> None:
    process = cli.start("login", env={"BROWSER": f"{sys.executable} -c pass %s"})
    url, before = read_until(process.stderr, r"http://\S+/authorize\?\S+")
    location = approve_in_sandbox(cli, url)
    forged = re.sub(r"code=[^&]+", "code=forged", re.sub(r"state=[^&]+", "state=forged", location))
    page = httpx.get(forged, timeout=10)
    assert page.status_code == 400 and "does not match" in page.text
    assert not cli.tokens_path.exists()
    landing = httpx.get(location, timeout=10)  # the person's own tab arrives after all
    out, err = process.communicate(timeout=60)
    cli.keep(before, out, err, page.text, landing.text)
    assert process.returncode == 0, err
    assert "Signed in as Demo User" in out and "Traceback" not in err
    assert_private_tokens(cli)


def test_device_sign_in(cli: Cli) -> None:
    process = cli.start("login", "--device")
    code, before = read_until(process.stderr, r"\b[A-Z]{4}-[A-Z]{4}\b")
    with httpx.Client(base_url=cli.server.url, timeout=30) as http:
        page = http.post(
            "/activate",
            data={
                "user_code": code,
                "username": "demo@example.com",
                "password": "demo",
                "action": "approve",
            },
        )
    assert "activated" in page.text
    out, err = process.communicate(timeout=60)
    cli.keep(before, out, err)
    assert process.returncode == 0, err
    assert "Signed in as Demo User" in out
    assert_private_tokens(cli)


def test_device_sign_in_denied(cli: Cli) -> None:
    process = cli.start("login", "--device")
    code, before = read_until(process.stderr, r"\b[A-Z]{4}-[A-Z]{4}\b")
    httpx.post(f"{cli.server.url}/activate", data={"user_code": code, "action": "deny"}, timeout=30)
    out, err = process.communicate(timeout=60)
    cli.keep(before, out, err)
    assert process.returncode == 1 and "denied" in err


def test_a_busy_port_is_reported_before_any_browser_opens(cli: Cli) -> None:
    port = int(cli.redirect_uri.split(":")[2].split("/")[0])
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # earlier tests' TIME_WAIT
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = cli.run("login", env={"BROWSER": f"{sys.executable} -c 'raise SystemExit(9)' %s"})
    assert result.returncode == 1
    assert f"Port {port}" in result.stderr and "SAGE200_REDIRECT_URI" in result.stderr
    assert "Opening your browser" not in result.stderr and "Traceback" not in result.stderr


def test_login_without_a_client_id_explains_what_to_set(cli: Cli) -> None:
    result = cli.run("login", env={"SAGE200_CLIENT_ID": ""})
    assert result.returncode == 1
    assert "sage200-mcp setup" in result.stderr and "SAGE200_CLIENT_ID" in result.stderr
    assert "sage200-mcp serve --demo" in result.stderr and "Traceback" not in result.stderr


def test_status_warns_when_the_sign_in_is_about_to_end(cli: Cli) -> None:
    process = cli.start("login", "--no-browser")
    url, before = read_until(process.stderr, r"http://\S+/authorize\?\S+")
    out, err = process.communicate(approve_in_sandbox(cli, url) + "\n", timeout=60)
    cli.keep(before, out, err)
    saved = json.loads(cli.tokens_path.read_text())
    saved["refresh_expires_at"] = time.time() + 5 * 86400
    cli.tokens_path.write_text(json.dumps(saved))
    status = cli.run("status")
    assert status.returncode == 0
    assert "Warning: your Sage sign-in ends in 4 days" in status.stderr
    assert saved["access_token"] not in status.stdout + status.stderr


def test_status_and_logout_when_not_signed_in_or_damaged(cli: Cli, tmp_path: Path) -> None:
    status = cli.run("status")
    assert status.returncode == 1 and "sage200-mcp login" in status.stdout
    assert cli.run("logout").returncode == 0
    cli.tokens_path.parent.mkdir(parents=True, exist_ok=True)
    cli.tokens_path.write_text("{broken")
    damaged = cli.run("status")
    assert damaged.returncode == 1
    assert "cannot be used" in damaged.stderr and "Traceback" not in damaged.stderr
    assert cli.run("status", "--profile", "../x").returncode == 1

"""`sage200-mcp sandbox` as a person runs it: a real process serving real HTTP."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from tests.helpers import PRO, STD, free_port, tokens_for


def wait_until_serving(url: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_the_sandbox_command_serves_and_refuses_a_busy_port() -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "sage200_mcp",
        "sandbox",
        "--port",
        str(port),
        "--customers",
        "40",
        "--today",
        "2026-11-28",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, process)
        with httpx.Client(base_url=url, timeout=30) as http:
            tokens = tokens_for(http)
            headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            site = http.get(f"{PRO}/sites", headers=headers).json()[0]
            headers.update({"X-Site": site["site_id"], "X-Company": str(site["company_id"])})
            assert len(http.get(f"{PRO}/customers", headers=headers).json()) == 40
        busy = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert busy.returncode == 1
        assert f"Port {port} is already in use" in busy.stderr
        assert "Traceback" not in busy.stderr + busy.stdout
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert f"Sage 200 sandbox on http://127.0.0.1:{port}" in out
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "70000"],
        ["--customers", "0"],
        ["--today", "yesterday"],
        ["--count-style", "sometimes"],
        ["--error-style", "html"],
        ["--bad-company-status", "500"],
        ["--bad-company-status", "forbidden"],
        ["--tunnel-timeout-rows", "0"],
        ["--tunnel-timeout-rows", "many"],
        ["--edition", "enterprise"],
        ["--redirect-uri", "http://books.example.com/callback"],
        ["--redirect-uri", "localhost:8765/callback"],
    ],
)
def test_bad_options_exit_with_usage_not_a_traceback(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sage200_mcp", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "usage:" in result.stderr
    assert args[0] in result.stderr


def test_the_flags_play_sage_each_way() -> None:
    port = free_port()
    site = "https://books.example.com/sage/callback"
    command = [
        *("-m", "sage200_mcp", "sandbox", "--port", str(port), "--customers", "20"),
        *("--today", "2026-11-28", "--device-flow", "--count-style", "odata"),
        *("--error-style", "gateway", "--bad-company-status", "401"),
        *("--tunnel-timeout-rows", "10", "--edition", "professional", "--redirect-uri", site),
    ]
    process = subprocess.Popen(
        [sys.executable, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, process)
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/_sandbox/stats").json()["styles"] == {
                "count_style": "odata",
                "error_style": "gateway",
                "bad_company_status": 401,
                "tunnel_timeout_rows": 10,
                "edition": "professional",
                "device_flow": True,
            }
            discovery = http.get("/.well-known/openid-configuration").json()
            assert discovery["device_authorization_endpoint"] == f"{url}/oauth/device/code"
            assert site in http.get("/").text
            token = {"Authorization": f"Bearer {tokens_for(http)['access_token']}"}
            assert http.get(f"{STD}/sites", headers=token).status_code == 404
            assert http.get(f"{PRO}/customers", headers=token).status_code == 401
            company = http.get(f"{PRO}/sites", headers=token).json()[0]
            token.update({"X-Site": company["site_id"], "X-Company": str(company["company_id"])})
            timed_out = http.get(f"{PRO}/customers", headers=token)
            assert timed_out.status_code == 504 and timed_out.json()[0]["$severity"] == "error"
            page = {"$top": "10", "$count": "true"}
            counted = http.get(f"{PRO}/customers", headers=token, params=page)
            assert counted.json()["@odata.count"] == 20
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert "sandbox-desktop (desktop, no secret, PKCE): http://localhost:8765/callback" in out
    assert "sandbox-client (web, secret sandbox-secret): " in out and site in out
    assert "Traceback" not in err

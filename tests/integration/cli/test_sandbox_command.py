"""`sage200-mcp sandbox` as a person runs it: a real process serving real HTTP."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from tests.helpers import PRO, free_port, tokens_for


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

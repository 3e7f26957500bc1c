"""On stdio, stdout carries JSON-RPC and nothing else, whatever happens: not signed in, upstream
failures, warnings and debug logging all go to stderr."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, free_port


class StdioPeer:
    """Speaks newline-delimited JSON-RPC to a server process and keeps every stdout line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sage200_mcp", "serve"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}})
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            assert line, "the server closed stdout"
            self.lines.append(line)
            message = json.loads(line)
            if message.get("id") == self.next_id:
                return dict(message)

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        return self.request("tools/call", {"name": tool, "arguments": arguments})["result"]

    def close(self) -> str:
        out, err = self.process.communicate(timeout=30)
        self.lines += out.splitlines(keepends=True)
        return err


def test_stdout_is_only_json_rpc(
    sandbox_server: SandboxServer, signed_in_tokens: Path, tmp_path: Path
) -> None:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    sandbox_server.sandbox.identity.add_redirect_uri(redirect)
    env = {
        **os.environ,
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_ID_URL": sandbox_server.url,
        "SAGE200_API_URL": sandbox_server.url + PRO,
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_CLIENT_SECRET": "",  # the desktop client has none
        "SAGE200_REDIRECT_URI": redirect,
        "SAGE200_NO_BROWSER": "1",
        "SAGE200_LOG_LEVEL": "DEBUG",
    }
    peer = StdioPeer(env)
    faults = f"{sandbox_server.url}/_sandbox/faults"
    try:
        peer.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "purity", "version": "1"},
            },
        )
        peer.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert peer.request("tools/list")["result"]["tools"]
        assert peer.call("list_customers")["isError"]  # not signed in: a sign-in starts
        tokens = tmp_path / "profiles" / "default" / "tokens.json"
        tokens.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copy(signed_in_tokens, tokens)
        assert not peer.call("switch_site", site="1")["isError"]

        def inject(**fault: Any) -> None:
            httpx.delete(faults)
            httpx.post(faults, json={"path": f"{PRO}/customer_views", **fault})

        inject(status=503, count=10)
        assert peer.call("list_customers")["isError"]  # retried, warned, failed
        inject(body="malformed", count=2)
        assert peer.call("list_customers", limit=2)["isError"]
        inject(status=503, count=1)
        assert not peer.call("list_customers", limit=2)["isError"]
        assert not peer.call("get_status")["isError"]
        assert peer.call("get_customer", customer="no such customer at all")["isError"]
    finally:
        httpx.delete(faults)
        stderr = peer.close()
    for line in peer.lines:
        message = json.loads(line)
        assert message.get("jsonrpc") == "2.0", line
    assert "retrying" in stderr and "DEBUG" in stderr  # the logs went to stderr
    assert not any(s in stderr for s in sandbox_server.sandbox.identity.issued_secrets())

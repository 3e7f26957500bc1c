"""The processes the benchmark talks to: sandboxes, MCP servers and signed-in profiles.

All on 127.0.0.1. The MCP server is spoken to in raw newline-delimited JSON-RPC, so the client's
own cost is one small loop, the same whichever server is measured.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sage200_mcp.auth.store import TokenStore
from sage200_mcp.config import Settings
from sage200_mcp.demo_sandbox import CLIENT, sign_in_as_demo_user
from sage200_mcp.httpclient import new_http_client

PRO = "/uk/sage200extra/accounts/v1"
TODAY = "2026-11-28"
MAIN_COMPANY = 1  # the UK company, whose customer count the sandbox's --customers sets


class PeerError(SystemExit):
    """The MCP server died, or answered a request with a JSON-RPC error. A SystemExit, so the
    figures that need a healthy server stop the bench with the message; the slow-link table
    catches it and shows it in the call's row instead."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SandboxProcess:
    """`sage200-mcp sandbox` in its own process, on a free port."""

    def __init__(self, customers: int, *extra: str) -> None:
        self.customers = customers
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        command = [sys.executable, "-m", "sage200_mcp", "sandbox", "--port", port]
        command += ["--today", TODAY, "--customers", str(customers), *extra]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        # one kept-alive connection for the control endpoints: a new client costs ~60 ms a
        # call here (TLS set-up it never uses), paid several times for each call measured
        self.control = httpx.Client(base_url=self.url + "/_sandbox/")

    def wait_ready(self) -> SandboxProcess:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("Sage 200 sandbox on"):
            raise SystemExit(f"the sandbox did not start: {line!r}")
        deadline = time.monotonic() + 600  # the banner comes before the books are built
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/_sandbox/stats").json()["books_ready"]:
                    return self
            except httpx.TransportError:
                pass  # the banner also comes just before the socket listens
            time.sleep(0.1)
        raise SystemExit("the sandbox's books were not built in 10 minutes")

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.control.get("stats").json()
        return answer

    def reset_counters(self) -> None:
        """Zero the request counters, keeping the tokens the profiles signed in with."""
        self.control.post("reset", json={"keep_tokens": True}).raise_for_status()

    def stop(self) -> None:
        self.control.close()
        self.process.terminate()
        self.process.wait(timeout=10)


class StdioPeer:
    """A server process spoken to in newline-delimited JSON-RPC over its stdin and stdout."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.next_id = 0
        self.tools: list[dict[str, Any]] = []  # what tools/list answered, once open

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def ask(self, method: str, params: dict[str, Any]) -> int:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise PeerError("the MCP server closed stdout")
            message: dict[str, Any] = json.loads(line)
            if "id" in message and "method" not in message:
                return message

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        asked = self.ask(method, params or {})
        message = self.answer()
        assert message["id"] == asked, message
        if "error" in message:
            raise PeerError(f"{method} failed: {message['error']}")
        result: dict[str, Any] = message["result"]
        return result

    def open(self) -> list[dict[str, Any]]:
        """The handshake and the tool list: what a client does before its first call."""
        self.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.tools = self.request("tools/list")["tools"]
        return self.tools

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = self.request("tools/call", {"name": tool, "arguments": arguments})
        if result.get("isError"):
            raise SystemExit(f"{tool} failed: {result['content'][0]['text']}")
        return result

    def rss_bytes(self) -> int:
        return self._status_kb("VmRSS:") * 1024

    def peak_rss_bytes(self) -> int:
        """The most RSS the process has held since it started or since reset_peak_rss."""
        return self._status_kb("VmHWM:") * 1024

    def reset_peak_rss(self) -> bool:
        """Start the peak afresh (Linux 4.0+); False where the kernel refuses, in which case
        the peak still counts from the start of the process."""
        try:
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def _status_kb(self, field: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
        raise SystemExit(f"no {field} in /proc: the memory figures need Linux")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Profile:
    """A throwaway config directory signed in to one sandbox as the demo user."""

    settings: Settings
    env: dict[str, str]

    @classmethod
    def signed_in(cls, sandbox: SandboxProcess, directory: Path) -> Profile:
        environ = {
            "SAGE200_CONFIG_DIR": str(directory),
            "SAGE200_ID_URL": sandbox.url,
            "SAGE200_API_URL": sandbox.url + PRO,
            "SAGE200_CLIENT_ID": CLIENT,
            "SAGE200_CLIENT_SECRET": "",  # a desktop application has none; mask any inherited
            "SAGE200_NO_BROWSER": "1",
        }
        settings = Settings.load(environ=environ)

        async def sign_in() -> None:
            async with new_http_client() as http:
                await sign_in_as_demo_user(settings, http)

        asyncio.run(sign_in())
        return cls(settings, {**os.environ, **environ})

    def server(self, source: Path | None = None) -> StdioPeer:
        """The MCP server on this profile, handshake done, main company chosen; run from the
        package directory ``source`` (a ``src``) instead of the one this bench imports."""
        return self.ready(self.spawn(source))

    def spawn(self, source: Path | None = None) -> StdioPeer:
        """The server's process, started but not yet spoken to (start several, then ready
        each, and they load side by side)."""
        env = self.env if source is None else {**self.env, "PYTHONPATH": str(source)}
        return StdioPeer([sys.executable, "-m", "sage200_mcp", "serve"], env)

    @staticmethod
    def ready(peer: StdioPeer) -> StdioPeer:
        """The handshake done and the main company chosen."""
        peer.open()
        peer.call("switch_site", site=str(MAIN_COMPANY))
        return peer

    def direct(self) -> httpx.Client:
        """What a bare client of the API holds: the token and the company headers."""
        tokens = TokenStore(self.settings.tokens_path).read()
        assert tokens is not None
        base = self.settings.api_url.rstrip("/")
        token = {"Authorization": f"Bearer {tokens.access_token}", "Accept": "application/json"}
        sites = httpx.get(f"{base}/sites", headers=token).json()
        site = next(s for s in sites if s["company_id"] == MAIN_COMPANY)
        headers = {**token, "X-Site": site["site_id"], "X-Company": str(MAIN_COMPANY)}
        return httpx.Client(base_url=base + "/", headers=headers, timeout=60)

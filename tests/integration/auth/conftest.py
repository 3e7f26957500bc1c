"""A sandbox for sign-in tests, and a runner for `sage200-mcp` processes that keeps every line
they print, so each test can check that no code, token or client secret was ever printed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, free_port, sandbox_variant

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Cli:
    """Runs `python -m sage200_mcp` against the sandbox with a private config dir."""

    server: SandboxServer
    config_dir: Path
    redirect_uri: str
    outputs: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SAGE200_CONFIG_DIR": str(self.config_dir),
            "SAGE200_ID_URL": self.server.url,
            "SAGE200_API_URL": self.server.url + PRO,
            "SAGE200_CLIENT_ID": CLIENT_ID,
            "SAGE200_CLIENT_SECRET": "",  # the desktop client has none
            "SAGE200_REDIRECT_URI": self.redirect_uri,
            "PYTHONPATH": str(ROOT),
            "BROWSER": f"{sys.executable} {ROOT / 'tests' / 'browser_sign_in.py'} %s",
        }

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "sage200_mcp", *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.outputs += [result.stdout, result.stderr]
        return result

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "sage200_mcp", *args],
            env={**self.env, **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def keep(self, *texts: str) -> None:
        self.outputs += list(texts)

    @property
    def tokens_path(self) -> Path:
        return self.config_dir / "profiles" / "default" / "tokens.json"

    def leaks(self) -> list[str]:
        secrets = self.server.sandbox.identity.issued_secrets()
        text = "\n".join(self.outputs)
        return [s[:6] + "..." for s in secrets if s and s in text]


@pytest.fixture(scope="module")
def redirect_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def auth_server(redirect_port: int) -> Iterator[SandboxServer]:
    sandbox = Sandbox(
        SandboxSettings(
            today=date(2026, 11, 28),
            device_interval=1,
            device_flow=True,  # for `login --device`; off by default, as on Sage ID
            redirect_uris=[f"http://127.0.0.1:{redirect_port}/callback"],
            **sandbox_variant(),
        )
    )
    with SandboxServer(sandbox) as server:
        yield server


@pytest.fixture
def cli(auth_server: SandboxServer, redirect_port: int, tmp_path: Path) -> Iterator[Cli]:
    runner = Cli(auth_server, tmp_path / "config", f"http://127.0.0.1:{redirect_port}/callback")
    yield runner
    assert runner.leaks() == [], "a code, token or the client secret appeared in the output"

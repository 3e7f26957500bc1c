"""`serve --team` refuses to start half set up, each time in one line that names what to fix,
before it listens: an administrator at the terminal, not a person's client, reads these."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CLIENT_ID

KEY = base64.b64encode(b"s" * 32).decode()


def environ(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    base = {
        "PATH": "/usr/bin:/bin",
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_DATABASE_URL": f"sqlite:///{tmp_path / 'team.sqlite3'}",
        "SAGE200_TOKEN_KEY": KEY,
        "SAGE200_TEAM_ALLOW": "@example.com",
    }
    base.update(overrides)  # type: ignore[arg-type]
    return {name: value for name, value in base.items() if value is not None}


@pytest.mark.parametrize(
    ("overrides", "flags", "says"),
    [
        ({"SAGE200_TEAM_ALLOW": None}, [], "SAGE200_TEAM_ALLOW is empty"),
        ({"SAGE200_TOKEN_KEY": None}, [], "SAGE200_TOKEN_KEY is not set"),
        ({"SAGE200_CLIENT_ID": None}, [], "starts only once it is set up"),
        ({}, ["--host", "0.0.0.0"], "needs --public-url"),
        ({}, ["--public-url", "http://sage.example.com"], "must be https"),
        ({}, ["--public-url", "https://sage.example.com/mcp"], "origin only"),
        ({"SAGE200_DATABASE_URL": "mysql://db/team"}, [], "must start with sqlite:///"),
    ],
)
def test_a_team_server_half_set_up_says_what_to_fix_in_one_line(
    tmp_path: Path, overrides: dict[str, str | None], flags: list[str], says: str
) -> None:
    command = [sys.executable, "-m", "sage200_mcp", "serve", "--transport", "http", "--team"]
    result = subprocess.run(
        [*command, "--port", "0", *flags],
        env=environ(tmp_path, **overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert says in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert KEY not in result.stderr

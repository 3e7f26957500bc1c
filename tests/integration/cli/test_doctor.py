"""`sage200-mcp doctor` as a real process against a sandbox: every hop passes on the default
sandbox; each deliberate fault is reported by name with a non-zero exit; each way the sandbox
plays Sage's unknowns is named as the variant found; and the report gives nothing away.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from sage200_mcp.auth.oauth import TokenResponse
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.config import read_toml, write_toml
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.sandbox.styles import ApiStyle
from tests.helpers import CLIENT_ID, tokens_for


@pytest.fixture(scope="module")
def doctor_server() -> Iterator[SandboxServer]:
    """A sandbox of its own: the tests here change how it plays Sage."""
    with SandboxServer(Sandbox(SandboxSettings(today=date(2026, 11, 28)))) as server:
        yield server


@pytest.fixture
def sage(doctor_server: SandboxServer) -> Iterator[Any]:
    def play(refresh_token_ttl_days: float = 90, **style: Any) -> None:
        doctor_server.sandbox.reset(
            keep_tokens=True,
            refresh_token_ttl_days=refresh_token_ttl_days,
            style={**ApiStyle().as_dict(), **style},
        )

    yield play
    play()


@pytest.fixture
def profile(doctor_server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    """A profile signed in on its own (doctor renews the sign-in) with the UK company chosen."""
    with httpx.Client(base_url=doctor_server.url) as http:
        answer = TokenResponse.parse(tokens_for(http))
        sites = http.get(
            "/uk/sage200extra/accounts/v1/sites",
            headers={"Authorization": f"Bearer {answer.access_token}"},
        ).json()
    config = tmp_path / "config"
    TokenStore(config / "profiles" / "default" / "tokens.json").write(
        StoredTokens.from_sign_in(answer, time.time(), 90, doctor_server.url, CLIENT_ID)
    )
    uk = next(s for s in sites if s["company_id"] == 1)
    write_toml(
        config / "profiles" / "default" / "config.toml",
        {"site_id": uk["site_id"], "company_id": 1, "company_name": uk["company_name"]},
    )
    return {
        "SAGE200_CONFIG_DIR": str(config),
        "SAGE200_ID_URL": doctor_server.url,
        "SAGE200_API_URL": doctor_server.url,  # the gateway's origin: the edition is found
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_CLIENT_SECRET": "",
    }


def doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sage200_mcp", "doctor", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def report(env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    run = doctor(env, "--json")
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, json.loads(run.stdout), run.stdout + run.stderr


def test_every_hop_passes_against_the_default_sandbox_and_nothing_is_given_away(
    doctor_server: SandboxServer, profile: dict[str, str], sage: Any
) -> None:
    run = doctor(profile)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "All hops pass." in run.stdout and "[FAIL]" not in run.stdout
    code, found, text = report(profile)
    assert code == 0 and found["ok"]
    hops = [hop["name"] for hop in found["hops"]]
    assert hops == [
        "configuration",
        "sage_id",
        "sign_in",
        "token_refresh",
        "sites",
        "company",
        "count",
        "errors",
        "refused_company",
        "reads",
        "lookups",
    ]
    assert {"count_style=number", "error_style=message", "bad_company_status=403"} <= set(
        found["findings"]
    )
    assert "no_device_flow" in found["findings"]
    reads = next(hop for hop in found["hops"] if hop["name"] == "reads")
    assert "1000 rows: 500 in" in reads["detail"]  # counts only
    secrets = doctor_server.sandbox.identity.issued_secrets()
    assert not any(secret in text + run.stdout for secret in secrets)
    chosen = read_toml(Path(profile["SAGE200_CONFIG_DIR"]) / "profiles" / "default" / "config.toml")
    for private in ("demo@example.com", "Demo User", "Stockwell", CLIENT_ID, chosen["site_id"]):
        assert private not in text + run.stdout


@pytest.mark.parametrize(
    ("plays", "variants"),
    [
        (
            {"count_style": "odata", "error_style": "gateway", "bad_company_status": 401},
            {"count_style=odata", "error_style=gateway", "bad_company_status=401"},
        ),
        (
            {"count_style": "number", "error_style": "empty", "bad_company_status": 403},
            {"count_style=number", "error_style=empty", "bad_company_status=403"},
        ),
        (
            {"count_style": "odata", "error_style": "message"},
            {"count_style=odata", "error_style=message"},
        ),
    ],
)
def test_each_way_of_playing_the_unknowns_is_named(
    profile: dict[str, str], sage: Any, plays: dict[str, Any], variants: set[str]
) -> None:
    sage(**plays)
    code, found, _ = report(profile)
    assert variants <= set(found["findings"]), found["findings"]
    assert code == 0 and found["ok"]  # a variant is not a fault


@pytest.mark.parametrize(
    ("plays", "fault"),
    [
        ({"count_style": "unsupported"}, "count_unsupported"),
        ({"tunnel_timeout_rows": 600}, "tunnel_timeout"),
        ({"refresh_token_ttl_days": 1e-7}, "refresh_token_expired"),  # 9 ms
    ],
)
def test_each_deliberate_fault_is_reported_by_name(
    profile: dict[str, str], sage: Any, plays: dict[str, Any], fault: str
) -> None:
    sage(**plays)
    code, found, text = report(profile)
    assert fault in found["findings"], found
    assert code == 1 and not found["ok"]
    assert "Traceback" not in text


def test_a_wrong_edition_is_named_with_the_edition_that_answers(
    profile: dict[str, str], sage: Any
) -> None:
    sage(edition="standard")
    code, found, _ = report({**profile, "SAGE200_EDITION": "professional"})
    sites = next(hop for hop in found["hops"] if hop["name"] == "sites")
    assert "wrong_edition" in found["findings"] and "SAGE200_EDITION=standard" in sites["detail"]
    assert code == 1
    found_edition = report(profile)[1]  # with no edition set, the one that answers is used
    assert "wrong_edition" not in found_edition["findings"]


def test_a_company_the_user_cannot_reach_is_named(profile: dict[str, str], sage: Any) -> None:
    config = Path(profile["SAGE200_CONFIG_DIR"]) / "profiles" / "default" / "config.toml"
    text = config.read_text().replace("company_id = 1", "company_id = 777")
    config.write_text(text)
    code, found, _ = report(profile)
    assert "bad_company" in found["findings"] and code == 1


def test_doctor_without_a_client_id_says_what_to_set(profile: dict[str, str]) -> None:
    code, found, _ = report({**profile, "SAGE200_CLIENT_ID": ""})
    assert code == 1 and "configuration" in found["findings"]
    first = found["hops"][0]
    assert first["status"] == "fail" and "SAGE200_CLIENT_ID" in first["detail"]

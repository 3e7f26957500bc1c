"""Several people on one sandbox: each user's own companies and ID token, and what
``/_sandbox/stats`` tells of each person (token requests, refresh-token reuse, API requests).

A server that many people share must refresh each person's Sage tokens once per expiry and never
reuse one; these counts are how a test of such a server sees that, person by person.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import (
    AUDIENCE,
    CLIENT_ID,
    PRO,
    WEB_CLIENT_ID,
    WEB_CLIENT_SECRET,
    FakeClock,
    jwt_claims,
    refresh,
    tokens_for,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEMO = ("demo@example.com", "demo")
SINGLE = ("single@example.com", "single")
PAT = ("pat@example.com", "pat")
PEOPLE = {
    DEMO: ("auth0|1", "Demo User", [1, 2, 3]),
    SINGLE: ("auth0|2", "Sam Single", [3]),
    PAT: ("auth0|3", "Pat Partner", [1, 3]),
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    return Sandbox(SandboxSettings(today=date(2026, 11, 28), access_token_ttl=600), clock=clock)


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with SandboxServer(sandbox) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def sites(http: httpx.Client, access_token: str) -> httpx.Response:
    return http.get(f"{PRO}/sites", headers={"Authorization": f"Bearer {access_token}"})


def by_user(http: httpx.Client) -> dict[str, dict[str, Any]]:
    answer: dict[str, dict[str, Any]] = http.get("/_sandbox/stats").json()["by_user"]
    return answer


def counts(http: httpx.Client, email: str) -> dict[str, Any]:
    """One user's counts without the subject, which never changes."""
    return {k: v for k, v in by_user(http)[email].items() if k != "sub"}


def nothing_yet() -> dict[str, Any]:
    return {"token_requests": {}, "refresh_token_reuse": 0, "api_requests": 0}


# -- the users ----------------------------------------------------------------------------------


@pytest.mark.parametrize("person", PEOPLE, ids=[email for email, _ in PEOPLE])
def test_each_user_signs_in_to_their_own_companies_and_is_named_alike(
    http: httpx.Client, person: tuple[str, str]
) -> None:
    email, _ = person
    sub, name, companies = PEOPLE[person]
    tokens = tokens_for(http, *person)
    claims = jwt_claims(tokens["id_token"])
    assert claims["sub"] == sub == jwt_claims(tokens["access_token"])["sub"]
    assert (claims["email"], claims["email_verified"], claims["name"]) == (email, True, name)
    assert claims["aud"] == CLIENT_ID and jwt_claims(tokens["access_token"])["aud"] == AUDIENCE
    reachable = sites(http, tokens["access_token"]).json()
    assert [s["company_id"] for s in reachable] == companies
    assert by_user(http)[email]["sub"] == sub


def test_no_two_users_reach_the_same_companies() -> None:
    reached = [frozenset(companies) for _, _, companies in PEOPLE.values()]
    assert len(set(reached)) == len(reached)


def test_a_user_with_part_of_a_site_is_refused_the_rest_of_it(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    demo_sites = sites(http, tokens_for(http, *DEMO)["access_token"]).json()
    ireland = next(s for s in demo_sites if s["company_id"] == 2)
    uk = next(s for s in demo_sites if s["company_id"] == 1)
    assert ireland["site_id"] == uk["site_id"]  # Pat reaches the UK company of this site only
    pat = tokens_for(http, *PAT)["access_token"]
    answer = http.get(
        f"{PRO}/customers",
        headers={"Authorization": f"Bearer {pat}", "X-Site": ireland["site_id"], "X-Company": "2"},
    )
    assert answer.status_code == sandbox.api.style.bad_company_status


# -- counts per user ----------------------------------------------------------------------------


def test_every_user_is_listed_with_nothing_counted_before_anyone_asks(http: httpx.Client) -> None:
    listed = by_user(http)
    assert set(listed) == {email for email, _ in PEOPLE}
    assert all(counts(http, email) == nothing_yet() for email in listed)


def test_each_users_refreshes_and_api_requests_are_counted_against_them(
    http: httpx.Client,
) -> None:
    demo = tokens_for(http, *DEMO)
    pat = tokens_for(http, *PAT)
    for _ in range(2):
        demo = refresh(http, demo["refresh_token"]).json()
        assert sites(http, demo["access_token"]).status_code == 200
    pat = refresh(http, pat["refresh_token"]).json()
    assert sites(http, pat["access_token"]).status_code == 200
    assert sites(http, "not-a-token").status_code == 401  # nobody's
    assert counts(http, DEMO[0]) == {
        "token_requests": {"authorization_code": 1, "refresh_token": 2},
        "refresh_token_reuse": 0,
        "api_requests": 2,
    }
    assert counts(http, PAT[0]) == {
        "token_requests": {"authorization_code": 1, "refresh_token": 1},
        "refresh_token_reuse": 0,
        "api_requests": 1,
    }
    assert counts(http, SINGLE[0]) == nothing_yet()
    stats = http.get("/_sandbox/stats").json()  # the totals are as they were
    assert stats["token_requests"] == {"authorization_code": 2, "refresh_token": 3}
    assert stats["api_requests_total"] == 4


def test_a_reused_refresh_token_is_counted_against_its_user_alone(http: httpx.Client) -> None:
    tokens_for(http, *DEMO)
    first = tokens_for(http, *PAT)
    rotated = refresh(http, first["refresh_token"]).json()
    assert refresh(http, first["refresh_token"]).json()["error"] == "invalid_grant"  # reused
    assert refresh(http, rotated["refresh_token"]).json()["error"] == "invalid_grant"  # revoked
    assert counts(http, PAT[0])["refresh_token_reuse"] == 1
    # a refused refresh is still a refresh the client asked for
    assert counts(http, PAT[0])["token_requests"]["refresh_token"] == 3
    assert counts(http, DEMO[0])["refresh_token_reuse"] == 0
    assert http.get("/_sandbox/stats").json()["refresh_token_reuse"] == 1


def test_a_token_request_naming_nothing_of_its_clients_is_nobodys(http: httpx.Client) -> None:
    demo = tokens_for(http, *DEMO)
    assert refresh(http, "made-up").status_code == 400
    other_client = {"client_id": WEB_CLIENT_ID, "client_secret": WEB_CLIENT_SECRET}
    assert refresh(http, demo["refresh_token"], **other_client).status_code == 400
    assert counts(http, DEMO[0])["token_requests"] == {"authorization_code": 1}
    assert http.get("/_sandbox/stats").json()["token_requests"]["refresh_token"] == 2
    # the refresh token was not spent by the other client's try
    assert refresh(http, demo["refresh_token"]).status_code == 200


def test_a_device_sign_in_is_counted_against_whoever_approved_it(
    http: httpx.Client, clock: FakeClock
) -> None:
    assert http.post("/_sandbox/reset", json={"device_flow": True}).status_code == 200
    device = http.post(
        "/oauth/device/code",
        data={"client_id": CLIENT_ID, "audience": AUDIENCE, "scope": "openid offline_access"},
    ).json()
    poll = {
        "grant_type": DEVICE_GRANT,
        "device_code": device["device_code"],
        "client_id": CLIENT_ID,
    }
    assert http.post("/oauth/token", data=poll).json()["error"] == "authorization_pending"
    approved = http.post(
        "/activate",
        data={
            "user_code": device["user_code"],
            "username": SINGLE[0],
            "password": SINGLE[1],
            "action": "approve",
        },
    )
    assert approved.status_code == 200
    clock.advance(11)
    assert http.post("/oauth/token", data=poll).status_code == 200
    assert counts(http, SINGLE[0])["token_requests"] == {DEVICE_GRANT: 1}
    assert http.get("/_sandbox/stats").json()["token_requests"] == {DEVICE_GRANT: 2}


@pytest.mark.parametrize("options", [{}, {"keep_tokens": True}], ids=["reset", "keep-tokens"])
def test_a_reset_clears_every_users_counts(http: httpx.Client, options: dict[str, Any]) -> None:
    first = tokens_for(http, *PAT)
    refresh(http, first["refresh_token"])
    refresh(http, first["refresh_token"])  # reused
    assert sites(http, tokens_for(http, *DEMO)["access_token"]).status_code == 200
    assert counts(http, PAT[0]) != nothing_yet() and counts(http, DEMO[0]) != nothing_yet()
    answer = http.post("/_sandbox/reset", json=options)
    assert answer.status_code == 200
    assert all(
        {k: v for k, v in user.items() if k != "sub"} == nothing_yet()
        for user in answer.json()["by_user"].values()
    )
    assert all(counts(http, email) == nothing_yet() for email, _ in PEOPLE)

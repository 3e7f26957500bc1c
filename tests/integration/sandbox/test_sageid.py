"""Sage ID as the sandbox serves it over real HTTP: every path, refusals included."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.identity import (
    PKCE_REQUIRED,
    PUBLIC_CLIENT_SENT_SECRET,
    REFRESH_EXPIRED,
    REFRESH_REVOKED,
    REFRESH_UNKNOWN,
)
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import (
    AUDIENCE,
    CLIENT_ID,
    PRO,
    REDIRECT_URI,
    WEB_CLIENT_ID,
    WEB_CLIENT_SECRET,
    WEB_REDIRECT_URI,
    FakeClock,
    authorize_params,
    exchange,
    get_code,
    jwt_claims,
    pkce_pair,
    query_of,
    refresh,
    transaction_of,
)

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    return Sandbox(
        SandboxSettings(
            today=date(2026, 11, 28),
            access_token_ttl=600,
            refresh_token_ttl_days=1,
            device_interval=5,
        ),
        clock=clock,
    )


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with SandboxServer(sandbox) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def api_sites(http: httpx.Client, access_token: str) -> httpx.Response:
    return http.get(f"{PRO}/sites", headers={"Authorization": f"Bearer {access_token}"})


# -- /authorize ---------------------------------------------------------------------------------


def test_the_sign_in_page_has_the_form_a_person_and_a_browser_need(http: httpx.Client) -> None:
    _, challenge = pkce_pair()
    page = http.get("/authorize", params=authorize_params(challenge))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for needle in ('name="username"', 'name="password"', 'id="approve"', 'id="deny"'):
        assert needle in page.text


def test_an_unknown_client_gets_an_error_page_and_no_redirect(http: httpx.Client) -> None:
    page = http.get("/authorize", params=authorize_params(None, client_id="who"))
    assert page.status_code == 400
    assert "location" not in page.headers


@pytest.mark.parametrize(
    "uri",
    [
        "http://evil.example/callback",
        "http://localhost:8765/callback/",
        "http://localhost:8766/callback",
        "https://localhost:8765/callback",
    ],
)
def test_a_redirect_uri_must_match_exactly_or_there_is_no_redirect(
    http: httpx.Client, uri: str
) -> None:
    page = http.get("/authorize", params=authorize_params(None, redirect_uri=uri))
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "evil.example" not in page.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"audience": ""}, "invalid_request"),
        ({"audience": "something/else"}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
    ],
)
def test_bad_requests_go_back_to_the_app_with_an_error_and_the_state(
    http: httpx.Client, overrides: dict[str, str], error: str
) -> None:
    _, challenge = pkce_pair()
    params = authorize_params(challenge, **overrides)
    answer = http.get("/authorize", params=params)
    assert answer.status_code == 302
    query = query_of(answer.headers["location"])
    assert answer.headers["location"].startswith(REDIRECT_URI)
    assert query["error"] == error
    assert query["state"] == params["state"]


@pytest.mark.parametrize("password", ["nope", "pässwörd", "密码"])
def test_a_wrong_password_shows_the_page_again_with_an_error(
    http: httpx.Client, password: str
) -> None:
    _, challenge = pkce_pair()
    page = http.get("/authorize", params=authorize_params(challenge))
    again = http.post(
        "/authorize",
        data={
            "transaction": transaction_of(page.text),
            "username": "demo@example.com",
            "password": password,
            "action": "approve",
        },
    )
    assert again.status_code == 200
    assert "Wrong email or password" in again.text
    assert 'value="demo@example.com"' in again.text
    retry = http.post(
        "/authorize",
        data={
            "transaction": transaction_of(again.text),
            "username": "demo@example.com",
            "password": "demo",
            "action": "approve",
        },
    )
    assert retry.status_code == 302 and "code=" in retry.headers["location"]


def test_deny_redirects_with_access_denied_and_the_state(http: httpx.Client) -> None:
    _, challenge = pkce_pair()
    params = authorize_params(challenge)
    page = http.get("/authorize", params=params)
    answer = http.post(
        "/authorize", data={"transaction": transaction_of(page.text), "action": "deny"}
    )
    assert answer.status_code == 302
    query = query_of(answer.headers["location"])
    assert query == {
        "error": "access_denied",
        "error_description": "The user denied access.",
        "state": params["state"],
    }


def test_a_stale_sign_in_form_is_refused(http: httpx.Client) -> None:
    answer = http.post(
        "/authorize",
        data={
            "transaction": "forged",
            "username": "demo@example.com",
            "password": "demo",
            "action": "approve",
        },
    )
    assert answer.status_code == 400
    assert "location" not in answer.headers


# -- authorization code exchange ----------------------------------------------------------------


def test_the_code_buys_tokens_that_read_the_api(http: httpx.Client) -> None:
    response = exchange(http, get_code(http))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "id_token",
        "scope",
        "expires_in",
        "token_type",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "openid profile email offline_access"
    claims = jwt_claims(body["id_token"])
    assert claims["email"] == "demo@example.com" and claims["name"] == "Demo User"
    assert claims["aud"] == CLIENT_ID
    assert jwt_claims(body["access_token"])["aud"] == AUDIENCE
    assert api_sites(http, body["access_token"]).status_code == 200


def test_no_refresh_token_without_offline_access(http: httpx.Client) -> None:
    body = exchange(http, get_code(http, scope="openid profile email")).json()
    assert "refresh_token" not in body and "id_token" in body


def test_a_code_is_single_use(http: httpx.Client, sandbox: Sandbox) -> None:
    sign_in = get_code(http)
    first = exchange(http, sign_in)
    assert first.status_code == 200
    second = exchange(http, sign_in)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    # replaying a code revokes what it bought
    assert api_sites(http, first.json()["access_token"]).status_code == 401


def test_a_code_expires_after_60_seconds(http: httpx.Client, clock: FakeClock) -> None:
    sign_in = get_code(http)
    clock.advance(61)
    answer = exchange(http, sign_in)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "other"}, 401, "invalid_client"),
        ({"code_verifier": "x" * 50}, 400, "invalid_grant"),
        ({"code_verifier": "é" * 50}, 400, "invalid_grant"),
        ({"code_verifier": ""}, 400, "invalid_grant"),
        ({"redirect_uri": "http://localhost:8765/other"}, 400, "invalid_grant"),
        ({"code": "made-up"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_bad_exchanges_are_refused(
    http: httpx.Client, overrides: dict[str, str], status: int, error: str
) -> None:
    answer = exchange(http, get_code(http), **overrides)
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]


def test_a_code_is_bound_to_its_client(http: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.identity.clients.register("other-desktop", None, [REDIRECT_URI])
    answer = exchange(http, get_code(http), client_id="other-desktop")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_http_basic_client_authentication_works_too(http: httpx.Client) -> None:
    sign_in = get_code(http, client_id=WEB_CLIENT_ID, redirect_uri=WEB_REDIRECT_URI)
    answer = http.post(
        "/oauth/token",
        auth=(WEB_CLIENT_ID, WEB_CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": sign_in.code,
            "redirect_uri": WEB_REDIRECT_URI,
            "code_verifier": sign_in.verifier,
        },
    )
    assert answer.status_code == 200


def test_tests_may_register_other_redirect_uris_each_with_its_kind_of_client(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    loopback, site = "http://127.0.0.1:9999/cb", "https://books.example.com/sage/cb"
    answer = http.post("/_sandbox/reset", json={"redirect_uris": [loopback, site]})
    assert answer.status_code == 200
    assert exchange(http, get_code(http, redirect_uri=loopback)).status_code == 200
    assert sandbox.identity.clients[CLIENT_ID].redirect_uris == [REDIRECT_URI, loopback]
    assert sandbox.identity.clients[WEB_CLIENT_ID].redirect_uris == [WEB_REDIRECT_URI, site]


@pytest.mark.parametrize(
    "uri",
    [
        "http://books.example.com/cb",  # plain http off the loopback: neither kind
        "ftp://localhost/cb",
        "https://books.example.com/cb#fragment",
        "localhost:8765/callback",
    ],
)
def test_a_redirect_uri_no_application_may_have_is_refused(
    http: httpx.Client, sandbox: Sandbox, uri: str
) -> None:
    answer = http.post("/_sandbox/reset", json={"redirect_uris": [uri]})
    assert answer.status_code == 400 and "cannot be registered" in answer.json()["error"]
    with pytest.raises(ValueError, match="cannot be registered"):
        sandbox.identity.add_redirect_uri(uri)


def test_an_http_redirect_can_never_be_registered_for_the_web_client(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="sandbox-client is a web application"):
        sandbox.identity.add_redirect_uri(REDIRECT_URI, client_id=WEB_CLIENT_ID)
    with pytest.raises(ValueError, match="sandbox-desktop is a desktop application"):
        sandbox.identity.add_redirect_uri(WEB_REDIRECT_URI, client_id=CLIENT_ID)
    with pytest.raises(ValueError, match="web application"):
        sandbox.identity.clients.register("web-2", "s", [REDIRECT_URI])
    assert REDIRECT_URI not in sandbox.identity.clients[WEB_CLIENT_ID].redirect_uris
    explicit = "https://books.example.com/explicit"
    assert sandbox.identity.add_redirect_uri(explicit, client_id=WEB_CLIENT_ID) == WEB_CLIENT_ID


# -- the two kinds of application ---------------------------------------------------------------


@pytest.mark.parametrize(
    "uri", [REDIRECT_URI, "http://127.0.0.1:8765/callback", "http://sage200-mcp.example/callback"]
)
def test_the_web_client_refuses_an_http_redirect_with_the_mismatch_page(
    http: httpx.Client, uri: str
) -> None:
    _, challenge = pkce_pair()
    page = http.get(
        "/authorize", params=authorize_params(challenge, client_id=WEB_CLIENT_ID, redirect_uri=uri)
    )
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "Callback URL mismatch" in page.text


def test_the_web_client_signs_in_on_its_https_redirect_with_its_secret(
    http: httpx.Client,
) -> None:
    sign_in = get_code(http, client_id=WEB_CLIENT_ID, redirect_uri=WEB_REDIRECT_URI)
    assert sign_in.redirect_uri == WEB_REDIRECT_URI
    without = exchange(http, sign_in, client_id=WEB_CLIENT_ID)
    assert without.status_code == 401 and without.json()["error"] == "invalid_client"
    tokens = exchange(http, sign_in, client_id=WEB_CLIENT_ID, client_secret=WEB_CLIENT_SECRET)
    assert tokens.status_code == 200, tokens.text
    assert jwt_claims(tokens.json()["id_token"])["aud"] == WEB_CLIENT_ID
    rotated = refresh(
        http,
        tokens.json()["refresh_token"],
        client_id=WEB_CLIENT_ID,
        client_secret=WEB_CLIENT_SECRET,
        redirect_uri=WEB_REDIRECT_URI,
    )
    assert rotated.status_code == 200


@pytest.mark.parametrize("secret", ["wrong", "", "sécret"])
def test_the_web_client_needs_its_own_secret(http: httpx.Client, secret: str) -> None:
    sign_in = get_code(http, client_id=WEB_CLIENT_ID, redirect_uri=WEB_REDIRECT_URI)
    answer = exchange(http, sign_in, client_id=WEB_CLIENT_ID, client_secret=secret)
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_the_desktop_client_signs_in_without_a_secret_with_pkce(http: httpx.Client) -> None:
    sign_in = get_code(http)
    tokens = exchange(http, sign_in)  # client_id alone
    assert tokens.status_code == 200, tokens.text
    assert jwt_claims(tokens.json()["access_token"])["azp"] == CLIENT_ID
    assert refresh(http, tokens.json()["refresh_token"]).status_code == 200


def test_the_desktop_client_must_use_pkce(http: httpx.Client) -> None:
    params = authorize_params(None)
    answer = http.get("/authorize", params=params)
    assert answer.status_code == 302
    query = query_of(answer.headers["location"])
    assert answer.headers["location"].startswith(REDIRECT_URI)
    assert query == {
        "error": "invalid_request",
        "error_description": PKCE_REQUIRED,
        "state": params["state"],
    }


def test_a_secret_from_the_desktop_client_is_refused(http: httpx.Client) -> None:
    sign_in = get_code(http)
    for secret in (WEB_CLIENT_SECRET, "anything"):
        answer = exchange(http, sign_in, client_secret=secret)
        assert answer.status_code == 401
        assert answer.json() == {
            "error": "invalid_client",
            "error_description": PUBLIC_CLIENT_SENT_SECRET,
        }
        assert "public (desktop) application has no client secret" in PUBLIC_CLIENT_SENT_SECRET
    assert exchange(http, sign_in).status_code == 200  # the refusals did not spend the code


# -- grant types --------------------------------------------------------------------------------


def test_a_grant_the_client_may_not_use_is_unauthorized_client(
    http: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.identity.clients.register(
        "no-refresh", None, [REDIRECT_URI], grant_types=("authorization_code",)
    )
    tokens = exchange(http, get_code(http, client_id="no-refresh"), client_id="no-refresh")
    assert tokens.status_code == 200
    answer = refresh(http, tokens.json()["refresh_token"], client_id="no-refresh")
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "unauthorized_client",
        "error_description": "Grant type 'refresh_token' not allowed for the client.",
    }


# -- refresh tokens -----------------------------------------------------------------------------


def test_every_refresh_rotates_the_pair(http: httpx.Client, sandbox: Sandbox) -> None:
    first = exchange(http, get_code(http)).json()
    second = refresh(http, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["access_token"] != first["access_token"]
    assert set(rotated) == {
        "access_token",
        "refresh_token",
        "id_token",
        "scope",
        "expires_in",
        "token_type",
    }
    third = refresh(http, rotated["refresh_token"])
    assert third.status_code == 200
    assert http.get("/_sandbox/stats").json()["token_requests"]["refresh_token"] == 2


def test_a_spent_refresh_token_is_refused_and_counted_and_ends_the_family(
    http: httpx.Client,
) -> None:
    first = exchange(http, get_code(http)).json()
    rotated = refresh(http, first["refresh_token"]).json()
    reused = refresh(http, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == {"error": "invalid_grant", "error_description": REFRESH_UNKNOWN}
    assert http.get("/_sandbox/stats").json()["refresh_token_reuse"] == 1
    # reuse detection, as Auth0 does it: the whole family is revoked, and says so
    after = refresh(http, rotated["refresh_token"]).json()
    assert after == {"error": "invalid_grant", "error_description": REFRESH_REVOKED}
    assert http.get("/_sandbox/stats").json()["refresh_token_reuse"] == 1
    assert api_sites(http, rotated["access_token"]).status_code == 401


def test_a_refresh_token_past_its_lifetime_is_refused(http: httpx.Client, clock: FakeClock) -> None:
    tokens = exchange(http, get_code(http)).json()
    clock.advance(86400 / 2)
    tokens = refresh(http, tokens["refresh_token"]).json()
    clock.advance(86400 / 2 + 1)  # lifetime is absolute from sign-in, not sliding
    answer = refresh(http, tokens["refresh_token"])
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": REFRESH_EXPIRED}
    assert http.get("/_sandbox/stats").json()["refresh_token_reuse"] == 0


def test_the_three_refusals_of_a_refresh_token_say_different_things() -> None:
    assert len({REFRESH_UNKNOWN, REFRESH_REVOKED, REFRESH_EXPIRED}) == 3
    assert REFRESH_UNKNOWN == "Unknown or invalid refresh token."  # Auth0's own words


def test_a_refresh_with_a_secret_from_the_desktop_client_is_invalid_client(
    http: httpx.Client,
) -> None:
    tokens = exchange(http, get_code(http)).json()
    answer = refresh(http, tokens["refresh_token"], client_secret="nope")
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert refresh(http, tokens["refresh_token"]).status_code == 200  # not spent by the failure


def test_access_tokens_expire(http: httpx.Client, clock: FakeClock) -> None:
    tokens = exchange(http, get_code(http)).json()
    assert api_sites(http, tokens["access_token"]).status_code == 200
    clock.advance(601)
    expired = api_sites(http, tokens["access_token"])
    assert expired.status_code == 401 and expired.content == b""
    assert (
        api_sites(http, refresh(http, tokens["refresh_token"]).json()["access_token"]).status_code
        == 200
    )


def test_revoking_a_refresh_token_ends_its_family(http: httpx.Client) -> None:
    tokens = exchange(http, get_code(http)).json()
    answer = http.post(
        "/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": CLIENT_ID}
    )
    assert answer.status_code == 200
    assert refresh(http, tokens["refresh_token"]).json() == {
        "error": "invalid_grant",
        "error_description": REFRESH_REVOKED,
    }
    assert api_sites(http, tokens["access_token"]).status_code == 401
    unknown = http.post("/oauth/revoke", data={"token": "nonsense", "client_id": CLIENT_ID})
    assert unknown.status_code == 200  # RFC 7009: unknown tokens are not an error


# -- device authorization (RFC 8628) ------------------------------------------------------------


def start_device(http: httpx.Client) -> dict[str, str]:
    answer = http.post(
        "/oauth/device/code",
        data={
            "client_id": CLIENT_ID,
            "audience": AUDIENCE,
            "scope": "openid profile email offline_access",
        },
    )
    assert answer.status_code == 200
    body: dict[str, str] = answer.json()
    return body


def poll(http: httpx.Client, device_code: str, **overrides: str) -> httpx.Response:
    data = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": CLIENT_ID}
    data.update(overrides)
    return http.post("/oauth/token", data=data)


@pytest.fixture
def device_flow(http: httpx.Client) -> None:
    """The device flow turned on, as ``--device-flow`` would, through the control endpoint."""
    answer = http.post("/_sandbox/reset", json={"device_flow": True})
    assert answer.status_code == 200 and answer.json()["styles"]["device_flow"] is True


def test_without_the_device_flow_its_endpoints_are_404_and_its_grant_unauthorized(
    http: httpx.Client,
) -> None:
    started = http.post("/oauth/device/code", data={"client_id": CLIENT_ID, "audience": AUDIENCE})
    assert started.status_code == 404
    assert http.get("/activate").status_code == 404
    assert http.post("/activate", data={"user_code": "BCDF-GHJK"}).status_code == 404
    for client in ({}, {"client_id": WEB_CLIENT_ID, "client_secret": WEB_CLIENT_SECRET}):
        answer = poll(http, "any", **client)
        assert answer.status_code == 403
        assert answer.json() == {
            "error": "unauthorized_client",
            "error_description": f"Grant type '{DEVICE_GRANT}' not allowed for the client.",
        }


@pytest.mark.usefixtures("device_flow")
def test_with_the_device_flow_the_web_client_may_use_it_too(http: httpx.Client) -> None:
    started = http.post(
        "/oauth/device/code", data={"client_id": WEB_CLIENT_ID, "audience": AUDIENCE}
    )
    assert started.status_code == 200
    answer = poll(
        http,
        started.json()["device_code"],
        client_id=WEB_CLIENT_ID,
        client_secret=WEB_CLIENT_SECRET,
    )
    assert answer.json()["error"] == "authorization_pending"


@pytest.mark.usefixtures("device_flow")
def test_device_sign_in_pending_then_slow_down_then_tokens(
    http: httpx.Client, clock: FakeClock
) -> None:
    device = start_device(http)
    assert set(device) >= {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", device["user_code"])
    assert device["verification_uri"].endswith("/activate")
    assert poll(http, device["device_code"]).json()["error"] == "authorization_pending"
    assert poll(http, device["device_code"]).json()["error"] == "slow_down"
    page = http.get("/activate", params={"user_code": device["user_code"]})
    assert page.status_code == 200 and device["user_code"] in page.text
    done = http.post(
        "/activate",
        data={
            "user_code": device["user_code"].lower().replace("-", ""),
            "username": "demo@example.com",
            "password": "demo",
            "action": "approve",
        },
    )
    assert done.status_code == 200 and "activated" in done.text
    clock.advance(11)
    tokens = poll(http, device["device_code"])
    assert tokens.status_code == 200
    assert api_sites(http, tokens.json()["access_token"]).status_code == 200
    clock.advance(11)
    assert poll(http, device["device_code"]).json()["error"] == "invalid_grant"  # single use


@pytest.mark.usefixtures("device_flow")
def test_device_sign_in_denied_or_expired(http: httpx.Client, clock: FakeClock) -> None:
    denied = start_device(http)
    http.post("/activate", data={"user_code": denied["user_code"], "action": "deny"})
    answer = poll(http, denied["device_code"])
    assert answer.status_code == 403 and answer.json()["error"] == "access_denied"
    expired = start_device(http)
    clock.advance(int(expired["expires_in"]) + 1)
    assert poll(http, expired["device_code"]).json()["error"] == "expired_token"


@pytest.mark.usefixtures("device_flow")
def test_activation_with_a_wrong_code_or_password_is_refused(http: httpx.Client) -> None:
    device = start_device(http)
    wrong_code = http.post(
        "/activate",
        data={
            "user_code": "ZZZZ-ZZZZ",
            "username": "demo@example.com",
            "password": "demo",
            "action": "approve",
        },
    )
    assert "not valid" in wrong_code.text
    wrong_password = http.post(
        "/activate",
        data={
            "user_code": device["user_code"],
            "username": "demo@example.com",
            "password": "x",
            "action": "approve",
        },
    )
    assert "Wrong email or password" in wrong_password.text
    assert poll(http, device["device_code"]).json()["error"] == "authorization_pending"


# -- discovery ----------------------------------------------------------------------------------


def test_discovery_document_names_the_endpoints(http: httpx.Client) -> None:
    origin = str(http.base_url).rstrip("/")
    document = http.get("/.well-known/openid-configuration").json()
    assert document == {
        "issuer": f"{origin}/",
        "authorization_endpoint": f"{origin}/authorize",
        "token_endpoint": f"{origin}/oauth/token",
        "revocation_endpoint": f"{origin}/oauth/revoke",
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "none",
        ],
    }


@pytest.mark.usefixtures("device_flow")
def test_discovery_advertises_the_device_flow_only_when_it_is_on(http: httpx.Client) -> None:
    origin = str(http.base_url).rstrip("/")
    document = http.get("/.well-known/openid-configuration").json()
    assert document["device_authorization_endpoint"] == f"{origin}/oauth/device/code"
    assert DEVICE_GRANT in document["grant_types_supported"]
    assert http.post("/_sandbox/reset", json={"device_flow": False}).status_code == 200
    document = http.get("/.well-known/openid-configuration").json()
    assert "device_authorization_endpoint" not in document
    assert DEVICE_GRANT not in document["grant_types_supported"]


def test_the_issuer_of_discovery_is_the_issuer_of_the_tokens(http: httpx.Client) -> None:
    issuer = http.get("/.well-known/openid-configuration").json()["issuer"]
    tokens = exchange(http, get_code(http)).json()
    assert jwt_claims(tokens["access_token"])["iss"] == issuer
    assert jwt_claims(tokens["id_token"])["iss"] == issuer
    assert jwt_claims(refresh(http, tokens["refresh_token"]).json()["access_token"])["iss"] == (
        issuer
    )


# -- faults on Sage ID --------------------------------------------------------------------------


def test_after_ms_rotates_the_refresh_token_before_the_answer_is_lost(
    http: httpx.Client,
) -> None:
    tokens = exchange(http, get_code(http)).json()
    fault = {"path": "/oauth/token", "after_ms": 1500}
    assert http.post("/_sandbox/faults", json=fault).status_code == 200
    form = {"grant_type": "refresh_token", "client_id": CLIENT_ID}
    with pytest.raises(httpx.ReadTimeout):
        http.post(
            "/oauth/token", data={**form, "refresh_token": tokens["refresh_token"]}, timeout=0.3
        )
    # the answer was lost, but the grant was processed at once: the token is already spent
    again = refresh(http, tokens["refresh_token"])
    assert again.json() == {"error": "invalid_grant", "error_description": REFRESH_UNKNOWN}
    assert http.get("/_sandbox/stats").json()["refresh_token_reuse"] == 1


def test_after_ms_holds_the_real_answer_back(http: httpx.Client) -> None:
    tokens = exchange(http, get_code(http)).json()
    http.post("/_sandbox/faults", json={"path": "/oauth/token", "after_ms": 400})
    started = time.monotonic()
    answer = refresh(http, tokens["refresh_token"])
    assert time.monotonic() - started >= 0.4
    assert answer.status_code == 200 and answer.json()["refresh_token"]


def test_after_ms_with_a_status_is_refused(http: httpx.Client) -> None:
    answer = http.post("/_sandbox/faults", json={"status": 500, "after_ms": 100})
    assert answer.status_code == 400 and "after_ms" in answer.json()["error"]


@pytest.mark.parametrize("token", ["not.a.token", "a.b.\u00e9t\u00e9", "\u00e9"])
def test_a_bearer_token_that_is_not_ours_is_refused_not_a_crash(
    http: httpx.Client, token: str
) -> None:
    # bytes: httpx sends str headers as ASCII only, and a client may send anything
    answer = http.get(f"{PRO}/sites", headers={"Authorization": f"Bearer {token}".encode()})
    assert answer.status_code == 401

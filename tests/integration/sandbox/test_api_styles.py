"""The sandbox's answers to the unknowns of the real API, each played every way over real HTTP.

One small sandbox for the module; each test sets the styles it plays through the control
endpoint (tokens kept), and the defaults come back after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import PRO, STD, tokens_for

DEFAULTS: dict[str, Any] = {
    "count_style": "number",
    "error_style": "message",
    "bad_company_status": 403,
    "tunnel_timeout_rows": None,
    "edition": "both",
    "device_flow": False,
}
GATEWAY_404 = {"statusCode": 404, "message": "Resource not found"}
CUSTOMERS = 40

Get = Callable[..., httpx.Response]
Play = Callable[..., None]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    sandbox = Sandbox(SandboxSettings(customers=CUSTOMERS, today=date(2026, 11, 28)))
    with SandboxServer(sandbox) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def headers(http: httpx.Client) -> dict[str, str]:
    token = {"Authorization": f"Bearer {tokens_for(http)['access_token']}"}
    site = next(s for s in http.get(f"{PRO}/sites", headers=token).json() if s["company_id"] == 1)
    return {**token, "X-Site": site["site_id"], "X-Company": "1"}


@pytest.fixture
def get(http: httpx.Client, headers: dict[str, str]) -> Get:
    def get(path: str, base: str = PRO, extra: dict[str, str] | None = None, **params: str) -> Any:
        return http.get(f"{base}/{path}", headers={**headers, **(extra or {})}, params=params)

    return get


@pytest.fixture
def play(http: httpx.Client) -> Iterator[Play]:
    """Change styles as a test would through ``POST /_sandbox/reset``; defaults afterwards."""

    def play(**styles: Any) -> None:
        answer = http.post("/_sandbox/reset", json={"keep_tokens": True, **styles})
        assert answer.status_code == 200, answer.text
        assert answer.json()["styles"] == {**DEFAULTS, **styles}

    yield play
    assert http.post("/_sandbox/reset", json={"keep_tokens": True, **DEFAULTS}).status_code == 200


# -- $count -------------------------------------------------------------------------------------

OWING = {"$filter": "balance gt 0"}


def test_count_style_number_is_a_bare_number_ignoring_top_and_skip(get: Get, play: Play) -> None:
    play(count_style="number")
    owing = len(get("customers", **OWING).json())
    assert 2 < owing < CUSTOMERS
    page = {"$count": "true", "$top": "2", "$skip": "1", "$orderby": "id asc"}
    answer = get("customers", **OWING, **page)
    assert answer.status_code == 200 and answer.json() == owing
    assert get("customers", **{"$count": "true"}).json() == CUSTOMERS


def test_count_style_odata_wraps_the_page_with_the_count_of_all(get: Get, play: Play) -> None:
    play(count_style="odata")
    page = {"$orderby": "id asc", "$top": "5", "$skip": "5", "$select": "id,main_address"}
    plain = get("customers", **page, **{"$expand": "main_address"}).json()
    answer = get("customers", **page, **{"$expand": "main_address", "$count": "true"})
    assert answer.status_code == 200
    assert answer.json() == {"@odata.count": CUSTOMERS, "value": plain}
    assert len(plain) == 5 and all(set(row) == {"id", "main_address"} for row in plain)
    owing = get("customers", **OWING, **{"$count": "true"}).json()
    assert owing["@odata.count"] == len(owing["value"]) == len(get("customers", **OWING).json())


def test_count_style_unsupported_refuses_count_with_a_400(get: Get, play: Play) -> None:
    play(count_style="unsupported")
    for value in ("true", "false"):
        answer = get("customers", **{"$count": value})
        assert answer.status_code == 400
        assert answer.json() == {"Message": "The query parameter '$count' is not supported."}
    assert len(get("customers").json()) == CUSTOMERS


# -- error bodies -------------------------------------------------------------------------------

ERRORS: list[tuple[str, dict[str, str], dict[str, str], int]] = [
    # (path, query, extra headers, status)
    ("customers", {"$filter": "name eq"}, {}, 400),
    ("customers", {}, {"X-Company": "99"}, 403),
    ("customers/999999", {}, {}, 404),
    ("customer_memos", {}, {}, 501),
    ("customers", {"$top": "11"}, {}, 504),
]


def _expected(style: str, status: int, answer: httpx.Response) -> bool:
    if style == "empty":
        return answer.content == b""
    body = answer.json()
    if style == "message":
        return isinstance(body, dict) and set(body) == {"Message"} and bool(body["Message"])
    if style == "gateway":
        return (
            isinstance(body, list)
            and len(body) == 1
            and body[0]["$severity"] == "error"
            and body[0]["$dataCode"] == f"E{status}"
            and bool(body[0]["$message"])
            and body[0]["$source"] == "sage200"
        )
    raise AssertionError(f"no such error style {style!r}")


@pytest.mark.parametrize("style", ["message", "gateway", "empty"])
def test_every_error_the_sandbox_makes_is_written_in_the_error_style(
    get: Get, play: Play, http: httpx.Client, style: str
) -> None:
    play(error_style=style, tunnel_timeout_rows=10)
    for path, query, extra, status in ERRORS:
        answer = get(path, extra=extra, **query)
        assert answer.status_code == status, (path, answer.text)
        assert _expected(style, status, answer), (path, answer.text)
    unauthorized = http.get(f"{PRO}/customers", headers={"Authorization": "Bearer nonsense"})
    assert unauthorized.status_code == 401 and unauthorized.content == b""
    unknown_path = get("no_such_things")
    assert unknown_path.status_code == 404 and unknown_path.json() == GATEWAY_404


def test_the_tunnel_timeout_says_so_in_the_message_style(get: Get, play: Play) -> None:
    play(tunnel_timeout_rows=10)
    answer = get("customers", **{"$top": "11"})
    assert answer.json() == {"Message": "The on-premises connection timed out."}


# -- a bad company ------------------------------------------------------------------------------


def _bad_companies(headers: dict[str, str]) -> list[dict[str, str]]:
    missing_site = {k: v for k, v in headers.items() if k != "X-Site"}
    missing_company = {k: v for k, v in headers.items() if k != "X-Company"}
    return [
        missing_site,
        missing_company,
        {**headers, "X-Company": "99"},  # unknown
        {**headers, "X-Site": "other-site"},  # unknown
        {**headers, "X-Company": "one"},
    ]


@pytest.mark.parametrize("status", [401, 403])
def test_bad_company_status_answers_every_bad_company_alike(
    http: httpx.Client, headers: dict[str, str], play: Play, status: int
) -> None:
    play(bad_company_status=status)
    single = tokens_for(http, "single@example.com", "single")["access_token"]
    forbidden = {**headers, "Authorization": f"Bearer {single}"}  # company 1 is not theirs
    for sent in [*_bad_companies(headers), forbidden]:
        answer = http.get(f"{PRO}/customers", headers=sent)
        assert answer.status_code == status, sent
        if status == 401:
            assert answer.content == b""
        else:
            assert answer.json()["Message"]
    assert http.get(f"{PRO}/customers", headers=headers).status_code == 200


# -- the on-premises tunnel ---------------------------------------------------------------------


def test_tunnel_timeout_rows_passes_n_rows_and_times_out_at_n_plus_one(
    get: Get, play: Play
) -> None:
    play(tunnel_timeout_rows=25)
    assert len(get("customers", **{"$top": "25"}).json()) == 25
    assert get("customers", **{"$top": "26"}).status_code == 504
    assert get("customers").status_code == 504  # no $top asks for Sage's default page, 500
    assert get("customers", **{"$top": "0"}).json() == []
    assert get("customers", **{"$count": "true"}).json() == CUSTOMERS  # a number: no rows
    first = get("customers", **{"$top": "1"}).json()[0]
    assert get(f"customers/{first['id']}").status_code == 200  # one record is never refused
    nested = get(f"customers/{first['id']}/customer_contacts", **{"$top": "26"})
    assert nested.status_code == 504


def test_tunnel_timeout_rows_at_the_default_page(get: Get, play: Play) -> None:
    play(tunnel_timeout_rows=500)
    assert get("customers").status_code == 200
    play(tunnel_timeout_rows=499)
    assert get("customers").status_code == 504


def test_tunnel_timeout_rows_counts_the_page_of_an_odata_count(get: Get, play: Play) -> None:
    play(tunnel_timeout_rows=25, count_style="odata")
    assert get("customers", **{"$count": "true"}).status_code == 504
    answer = get("customers", **{"$count": "true", "$top": "25"})
    assert answer.json()["@odata.count"] == CUSTOMERS


# -- editions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edition", "served", "refused"), [("professional", PRO, STD), ("standard", STD, PRO)]
)
def test_edition_serves_one_base_path_and_the_other_is_the_gateways_404(
    http: httpx.Client, get: Get, play: Play, edition: str, served: str, refused: str
) -> None:
    play(edition=edition)
    assert get("customers", base=served, **{"$top": "1"}).status_code == 200
    assert get("sites", base=served).status_code == 200
    for path in ("customers", "sites", "customers/1", "no_such_things"):
        answer = get(path, base=refused)
        assert answer.status_code == 404 and answer.json() == GATEWAY_404, path
    assert http.get(f"{refused}/sites").status_code == 404  # before any token is looked at


# -- settings and their checks ------------------------------------------------------------------


def test_stats_report_the_styles_in_play(http: httpx.Client, play: Play) -> None:
    assert http.get("/_sandbox/stats").json()["styles"] == DEFAULTS
    play(count_style="odata", error_style="empty", tunnel_timeout_rows=600, device_flow=True)
    styles = http.get("/_sandbox/stats").json()["styles"]
    assert styles == {
        **DEFAULTS,
        "count_style": "odata",
        "error_style": "empty",
        "tunnel_timeout_rows": 600,
        "device_flow": True,
    }


@pytest.mark.parametrize(
    "options",
    [
        {"count_style": "sometimes"},
        {"error_style": "html"},
        {"bad_company_status": 500},
        {"bad_company_status": "401"},
        {"tunnel_timeout_rows": 0},
        {"tunnel_timeout_rows": "10"},
        {"edition": "enterprise"},
        {"device_flow": "yes"},
        {"redirect_uris": ["http://books.example.com/cb"]},
    ],
)
def test_a_bad_setting_is_refused_and_changes_nothing(
    http: httpx.Client, options: dict[str, Any]
) -> None:
    before = http.get("/_sandbox/stats").json()
    answer = http.post("/_sandbox/reset", json={"keep_tokens": True, **options})
    assert answer.status_code == 400 and answer.json()["error"]
    after = http.get("/_sandbox/stats").json()
    assert after["styles"] == before["styles"] == DEFAULTS


@pytest.mark.parametrize(
    "setting",
    [
        {"count_style": "sometimes"},
        {"bad_company_status": 404},
        {"tunnel_timeout_rows": -1},
        {"edition": "both editions"},
        {"redirect_uris": ["https://books.example.com/cb#fragment"]},
    ],
)
def test_a_bad_setting_stops_the_sandbox_from_starting(setting: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"must be|cannot be registered"):
        Sandbox(SandboxSettings(customers=5, **setting))


# -- round trips --------------------------------------------------------------------------------


def test_round_trips_count_concurrent_requests_once_and_sequential_ones_each(
    http: httpx.Client, headers: dict[str, str]
) -> None:
    def reset(latency_ms: float) -> None:
        answer = http.post("/_sandbox/reset", json={"keep_tokens": True, "latency_ms": latency_ms})
        assert answer.status_code == 200 and answer.json()["api_round_trips"] == 0

    async def together() -> None:
        async with httpx.AsyncClient(base_url=str(http.base_url), headers=headers) as client:
            await asyncio.gather(*(client.get(f"{PRO}/customers") for _ in range(2)))

    def stats() -> dict[str, Any]:
        result: dict[str, Any] = http.get("/_sandbox/stats").json()
        return result

    reset(latency_ms=300)
    try:
        asyncio.run(together())
        assert (stats()["api_requests_total"], stats()["api_round_trips"]) == (2, 1)
        reset(latency_ms=300)
        for _ in range(2):
            assert http.get(f"{PRO}/customers", headers=headers).status_code == 200
        assert (stats()["api_requests_total"], stats()["api_round_trips"]) == (2, 2)
    finally:
        reset(latency_ms=0)

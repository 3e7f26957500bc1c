"""Every tool through a real MCP client session (in memory), against the sandbox over HTTP."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import CallToolResult

from sage200_mcp.config import Settings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import create_server
from tests.helpers import PRO, sandbox_requests, sandbox_variant

pytestmark = pytest.mark.anyio

UK, IRELAND = "Stockwell Office Supplies Ltd", "Stockwell Office Supplies (Ireland) Ltd"
WRITE_LOCAL = {
    "switch_site",
    "login",
    "complete_login",
}  # they change local state, never Sage's books


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert isinstance(result, CallToolResult)
    assert not result.is_error, result.content[0].text  # type: ignore[union-attr]
    data = result.structured_content
    assert isinstance(data, dict)
    assert json.loads(result.content[0].text) == data  # type: ignore[union-attr]
    return data


async def failure(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert isinstance(result, CallToolResult) and result.is_error
    text: str = result.content[0].text  # type: ignore[union-attr]
    assert len(text.split(": ", 1)[-1]) > 20, f"a bare error: {text!r}"
    return text


def match_count(page: dict[str, Any]) -> int | None:
    """The page's count of all matching rows; where Sage cannot count (the sandbox variant
    count_style=unsupported), the page must say "more than" its rows instead: None."""
    if "total" in page:
        return int(page["total"])
    assert sandbox_variant().get("count_style") == "unsupported", page
    assert page["total_more_than"] == page["returned"] and "next_cursor" in page
    return None


def sandbox_views(server: SandboxServer, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every customer view, read straight from the sandbox in pages small enough for any
    variant (a tunnel that times out above 600 rows, say)."""
    rows: list[dict[str, Any]] = []
    while True:
        answer = httpx.get(
            f"{server.url}{PRO}/customer_views",
            headers=headers,
            params={"$orderby": "id asc", "$top": "250", "$skip": str(len(rows))},
            timeout=30,
        )
        page = answer.json()
        assert answer.status_code == 200 and isinstance(page, list), page
        rows += page
        if len(page) < 250:
            return rows


# -- the tool list ------------------------------------------------------------------------------


async def test_every_tool_is_described_typed_and_annotated(mcp: Client) -> None:
    tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
    assert len(tools) == 30
    assert {
        "list_sites",
        "switch_site",
        "get_status",
        "login",
        "list_customers",
        "get_customer",
        "get_aged_debt",
        "get_aged_creditors",
        "get_sales_order",
        "get_product",
        "get_nominal_activity",
        "query",
    } <= set(tools)
    for tool in tools.values():
        assert tool.title and len(tool.description or "") > 60
        assert tool.output_schema and tool.output_schema["type"] == "object"
        assert tool.annotations is not None and tool.annotations.destructive_hint is False
        assert tool.annotations.read_only_hint is (tool.name not in WRITE_LOCAL)
    assert mcp.instructions and "switch_site" in mcp.instructions


# -- sites and companies ------------------------------------------------------------------------


async def test_no_company_chosen_is_an_error_listing_them_never_a_default(mcp: Client) -> None:
    text = await failure(mcp, "list_customers")
    assert "No company is selected" in text and "switch_site" in text
    assert UK in text and IRELAND in text and "Riverside Design Studio Ltd" in text


async def test_list_sites_and_switch_by_name_id_or_site(mcp: Client, settings: Settings) -> None:
    sites = await call(mcp, "list_sites")
    assert len(sites["sites"]) == 3 and "selected" not in sites and sites["note"]
    switched = await call(mcp, "switch_site", site="ireland")
    assert switched["company"]["company_name"] == IRELAND
    assert [
        s["company_name"] for s in (await call(mcp, "list_sites"))["sites"] if s["selected"]
    ] == [IRELAND]
    assert (await call(mcp, "switch_site", site="1"))["company"]["company_name"] == UK
    riverside = next(s for s in sites["sites"] if s["company_id"] == 3)
    assert (await call(mcp, "switch_site", site=riverside["site_id"].upper()))["company"][
        "company_id"
    ] == 3
    assert (await call(mcp, "switch_site", site=UK.upper()))["company"]["company_id"] == 1
    assert "company_id = 1" in settings.profile_config_path.read_text()


@pytest.mark.parametrize(
    ("wanted", "words"),
    [
        ("Stockwell", "matches 2 companies"),
        ("Narnia", "matches no company"),
        ("42", "matches no company"),
    ],
)
async def test_switch_site_needs_exactly_one_match(mcp: Client, wanted: str, words: str) -> None:
    text = await failure(mcp, "switch_site", site=wanted)
    assert words in text and UK in text


async def test_a_user_with_one_company_needs_no_choice(
    sandbox_server: SandboxServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import CLIENT_ID, tokens_for
    from tests.integration.server.conftest import settings_for

    monkeypatch.setenv("SAGE200_NO_BROWSER", "1")
    settings = settings_for(sandbox_server, tmp_path)
    with httpx.Client(base_url=sandbox_server.url) as http:
        tokens = tokens_for(http, "single@example.com", "single")
    from sage200_mcp.auth.oauth import TokenResponse
    from sage200_mcp.auth.store import StoredTokens, TokenStore

    TokenStore(settings.tokens_path).write(
        StoredTokens.from_sign_in(
            TokenResponse.parse(tokens),
            1e10 - 86400 * 100,
            90,
            sandbox_server.url,
            CLIENT_ID,
        )
    )
    async with Client(create_server(settings)) as client:
        found = await call(client, "list_customers", limit=3)
    assert found["company"]["company_name"] == "Riverside Design Studio Ltd"
    assert "company_id = 3" in settings.profile_config_path.read_text()


PAGING_TOOLS = {  # every tool with a `limit`, and what it needs besides
    "list_customers": {},
    "list_suppliers": {},
    "list_customer_transactions": {"customer": "ABS001"},
    "list_supplier_transactions": {"supplier": "SOU001"},
    "list_sales_orders": {},
    "list_purchase_orders": {},
    "list_products": {},
    "list_nominal_codes": {},
    "get_aged_debt": {},
    "get_aged_creditors": {},
}


# -- customers ----------------------------------------------------------------------------------


async def test_every_answer_names_its_company(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    for tool, arguments in (("list_customers", {}), ("get_customer", {"customer": "ABS001"})):
        company = (await call(mcp, tool, **arguments))["company"]
        assert company["company_name"] == UK and company["site_name"] == "Stockwell Group"
        assert set(company) == {"site_id", "site_name", "company_id", "company_name", "as_at"}


async def test_filters_agree_with_the_books(
    mcp: Client, sandbox_server: SandboxServer, company_headers: dict[int, dict[str, str]]
) -> None:
    await call(mcp, "switch_site", site="1")
    views = sandbox_views(sandbox_server, company_headers[1])
    active = [v for v in views if v["account_status_type"] == "AccountStatusActive"]
    cases = [
        ({}, active),
        ({"include_hidden": True}, views),
        ({"on_hold": True}, [v for v in active if v["account_is_on_hold"]]),
        ({"over_credit_limit": True}, [v for v in active if v["is_over_credit_limit"]]),
        (
            {"min_balance": 1000, "max_balance": 5000},
            [v for v in active if 1000 <= v["base_balance"] <= 5000],
        ),
        (
            {"search": "o'brien"},
            [
                v
                for v in active
                if "o'brien" in (v["name"] + v["reference"] + v["short_name"]).lower()
            ],
        ),
        (
            {"search": "abs0"},
            [v for v in active if "abs0" in (v["name"] + v["reference"] + v["short_name"]).lower()],
        ),
        ({"search": "100%"}, [v for v in active if "100%" in v["name"]]),
    ]
    for arguments, expected in cases:
        found = await call(mcp, "list_customers", limit=200, **arguments)
        ids, wanted = {c["id"] for c in found["customers"]}, {v["id"] for v in expected}
        assert ids == wanted if len(wanted) <= 200 else ids < wanted, arguments
        assert found["returned"] == min(200, len(expected)), arguments
        assert match_count(found) in (len(expected), None), arguments  # None: cannot count


async def test_rows_are_compact_and_sorted(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    found = await call(mcp, "list_customers", sort="-balance", limit=10)
    balances = [c.get("base_balance", c["balance"]) for c in found["customers"]]
    assert balances == sorted(balances, reverse=True)
    row = found["customers"][0]
    assert set(row) - {"base_balance"} == {
        "id",
        "reference",
        "name",
        "balance",
        "credit_limit",
        "currency",
        "on_hold",
        "over_credit_limit",
        "status",
    }
    names = [c["name"].lower() for c in (await call(mcp, "list_customers", limit=50))["customers"]]
    assert names == sorted(names)


async def test_paging_by_cursor_covers_every_row_once(mcp: Client) -> None:
    await call(mcp, "switch_site", site="3")
    seen: list[int] = []
    page = await call(mcp, "list_customers", limit=7, include_hidden=True)
    total = match_count(page)
    while True:
        seen += [c["id"] for c in page["customers"]]
        if "next_cursor" not in page:
            break
        page = await call(
            mcp, "list_customers", limit=7, include_hidden=True, cursor=page["next_cursor"]
        )
    assert len(seen) == len(set(seen)) == page["total"] == 30  # the last page knows, always
    assert total in (30, None)


async def test_cursors_belong_to_one_search_and_one_company(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    first = await call(mcp, "list_customers", limit=5, on_hold=False)
    text = await failure(mcp, "list_customers", limit=5, on_hold=True, cursor=first["next_cursor"])
    assert "another list_customers search" in text
    await call(mcp, "switch_site", site="2")
    assert "list_customers search of company 1" in await failure(
        mcp, "list_customers", limit=5, on_hold=False, cursor=first["next_cursor"]
    )
    forged = base64.urlsafe_b64encode(b'{"o": -5, "t": null, "q": "x"}').decode()
    for bad in ("not-a-cursor", forged):
        assert "not valid" in await failure(mcp, "list_customers", cursor=bad)
    # a real cursor with its offset moved and its signature kept
    await call(mcp, "switch_site", site="1")
    payload, signature = first["next_cursor"].split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    moved = json.dumps({**fields, "o": fields["o"] + 100}, separators=(",", ":")).encode()
    altered = base64.urlsafe_b64encode(moved).rstrip(b"=").decode() + "." + signature
    assert "not valid; call list_customers again without a cursor" in await failure(
        mcp, "list_customers", limit=5, on_hold=False, cursor=altered
    )
    again = await call(mcp, "list_customers", limit=5, on_hold=False, cursor=first["next_cursor"])
    assert again["customers"]


@pytest.mark.parametrize("tool", sorted(PAGING_TOOLS))
async def test_no_paging_tool_takes_a_cursor_from_another_company(mcp: Client, tool: str) -> None:
    """The UK and Irish companies share a site, and a search with the same filters: only the
    company in the cursor's fingerprint tells their cursors apart. A cursor from one used in the
    other would quietly page through the wrong books."""
    await call(mcp, "switch_site", site="1")
    first = await call(mcp, tool, limit=2, **PAGING_TOOLS[tool])
    assert "next_cursor" in first, f"{tool} has too few rows in the UK company to page"
    await call(mcp, "switch_site", site="2")
    text = await failure(mcp, tool, limit=2, cursor=first["next_cursor"], **PAGING_TOOLS[tool])
    assert f"pages a {tool} search of company 1" in text and "pass company=1" in text
    assert "next_cursor" in await call(mcp, tool, limit=2, **PAGING_TOOLS[tool])  # it pages there


async def test_extra_fields_are_checked_against_the_schema(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    found = await call(
        mcp, "list_customers", search="ABS001", fields=["contact_name", "payment_terms"]
    )
    assert set(found["customers"][0]["extra"]) == {"contact_name", "payment_terms"}
    text = await failure(mcp, "list_customers", fields=["contact_nme"])
    assert "Did you mean: contact_name" in text


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"limit": 0}, "greater than or equal to 1"),
        ({"limit": 201}, "less than or equal to 200"),
        ({"sort": "sideways"}, "'name'"),
        ({"search": "x" * 101}, "at most 100 characters"),
        ({"fields": ["a"] * 21}, "at most 20 items"),
    ],
)
async def test_bad_arguments_are_refused_before_any_call(
    mcp: Client, sandbox_server: SandboxServer, arguments: dict[str, Any], words: str
) -> None:
    """With a company chosen, so that nothing else could refuse the call: the argument itself is
    refused, the message names the bound it breaks, and Sage never hears of it."""
    await call(mcp, "switch_site", site="1")
    before = sandbox_requests(sandbox_server.url)
    text = await failure(mcp, "list_customers", **arguments)
    assert words in text and next(iter(arguments)) in text, text
    assert sandbox_requests(sandbox_server.url) == before, "a refused call reached the sandbox"


async def test_every_paging_tool_is_listed_here(mcp: Client) -> None:
    """A new tool with a `limit` joins PAGING_TOOLS, so its bounds are checked below."""
    tools = (await mcp.list_tools()).tools
    assert {t.name for t in tools if "limit" in t.input_schema.get("properties", {})} == set(
        PAGING_TOOLS
    )


@pytest.mark.parametrize("tool", sorted(PAGING_TOOLS))
@pytest.mark.parametrize(
    ("limit", "words"), [(0, "greater than or equal to 1"), (201, "less than or equal to 200")]
)
async def test_a_limit_out_of_bounds_is_refused_naming_the_bound_and_sends_nothing(
    mcp: Client, sandbox_server: SandboxServer, tool: str, limit: int, words: str
) -> None:
    await call(mcp, "switch_site", site="1")
    before = sandbox_requests(sandbox_server.url)
    text = await failure(mcp, tool, limit=limit, **PAGING_TOOLS[tool])
    assert "limit" in text and words in text, text
    assert sandbox_requests(sandbox_server.url) == before, "a refused call reached the sandbox"


async def test_a_page_too_big_for_the_budget_is_cut_and_says_so(
    mcp: Client, settings: Settings
) -> None:
    async with Client(create_server(replace(settings, max_result_chars=2_500))) as client:
        await call(client, "switch_site", site="1")
        page = await call(client, "list_customers", limit=100)
        assert page["truncated"] and 0 < page["returned"] < 100
        assert "to keep the answer small" in page["note"]
        assert len(json.dumps(page, separators=(",", ":"))) <= 2_500
        after = await call(client, "list_customers", limit=100, cursor=page["next_cursor"])
    full = await call(mcp, "list_customers", limit=page["returned"] + len(after["customers"]))
    assert [c["id"] for c in full["customers"]] == [
        c["id"] for c in page["customers"] + after["customers"]
    ]  # nothing lost between pages


async def test_get_customer_by_id_reference_or_name(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    by_reference = await call(mcp, "get_customer", customer="abs001")
    customer = by_reference["customer"]
    assert customer["reference"] == "ABS001" and customer["name"] == "ABS Garages Ltd"
    assert (await call(mcp, "get_customer", customer=str(customer["id"])))["customer"] == customer
    assert (await call(mcp, "get_customer", customer="ABS Garages Ltd"))["customer"] == customer
    assert (await call(mcp, "get_customer", customer="O'Brien Hardware"))["customer"][
        "reference"
    ] == "OBR001"
    assert (await call(mcp, "get_customer", customer="OLD001"))["customer"]["status"] == "hidden"


async def test_get_customer_is_a_curated_view(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    customer = (await call(mcp, "get_customer", customer="BOB001"))["customer"]
    assert customer["on_hold"] is True and customer["status_reason"]
    assert customer["credit_headroom"] == round(customer["credit_limit"] - customer["balance"], 2)
    assert customer["currency"] == "GBP" and customer["terms"]
    assert customer["address"][-1] == "United Kingdom" and customer["contacts"][0]["email"]
    assert set(customer["analysis"]) == {"analysis_code_1", "analysis_code_2"}
    assert customer["dates"]["account_opened"] and customer["dates"]["last_transaction"]
    assert len(json.dumps(customer)) < 2_000  # not 110 raw fields


@pytest.mark.parametrize(
    ("customer", "words"),
    [
        ("garage", "Several customers match 'garage'"),
        ("Narnia Ltd", "No customer in"),
        ("99999999", "No customer in"),
    ],
)
async def test_get_customer_says_what_to_do_when_it_cannot_choose(
    mcp: Client, customer: str, words: str
) -> None:
    await call(mcp, "switch_site", site="1")
    text = await failure(mcp, "get_customer", customer=customer)
    assert words in text
    if "Several" in text:
        assert "ABS001 ABS Garages Ltd" in text and "reference" in text


async def test_the_same_customer_in_two_companies_stays_apart(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    uk = await call(mcp, "get_customer", customer="ABS Garages")
    await call(mcp, "switch_site", site="Ireland")
    ie = await call(mcp, "get_customer", customer="ABS Garages")
    assert uk["customer"]["currency"] == "GBP" and ie["customer"]["currency"] == "EUR"
    assert uk["customer"]["balance"] != ie["customer"]["balance"]
    assert ie["company"]["company_name"] == IRELAND


# -- status, sign-in and failures ---------------------------------------------------------------


async def test_status_shows_who_and_never_a_token(
    mcp: Client, sandbox_server: SandboxServer
) -> None:
    result = await mcp.call_tool("get_status", {})
    status = result.structured_content
    assert (
        status is not None
        and status["signed_in"]
        and status["user"] == "Demo User <demo@example.com>"
    )
    assert status["read_only"] and status["version"] and status["edition"] == "professional"
    assert 0 < status["access_token_valid_for_seconds"] <= 28800 and "warning" not in status
    text = result.content[0].text  # type: ignore[union-attr]
    assert not any(secret in text for secret in sandbox_server.sandbox.identity.issued_secrets())
    assert (await call(mcp, "login"))["message"].startswith("Already signed in as Demo User")


async def test_upstream_failures_become_tool_errors_and_the_server_carries_on(
    mcp: Client, sandbox_server: SandboxServer
) -> None:
    await call(mcp, "switch_site", site="1")
    faults = f"{sandbox_server.url}/_sandbox/faults"
    httpx.post(
        faults, json={"path": f"{PRO}/customer_views", "status": 503, "count": 20}
    )  # page and count each try 3 times
    assert "try again" in await failure(mcp, "list_customers")
    httpx.delete(faults)
    httpx.post(faults, json={"path": f"{PRO}/customer_views", "status": 503, "count": 1})
    assert (await call(mcp, "list_customers", limit=2))["returned"] == 2  # retried
    httpx.post(faults, json={"path": f"{PRO}/customer_views", "status": 403, "count": 1})
    assert "switch_site" in await failure(mcp, "list_customers")
    assert (await call(mcp, "list_customers", limit=2))["returned"] == 2

"""Arguments refused before any request, with a message saying what to give: a number that is
not finite, blank text where a record is named. And the order status offers Sage's real
statuses, still understanding the old "disputed". Sage is mocked with respx, and every request
it gets is kept, so "before any request" is checked, not assumed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from mcp import Client
from mcp.types import TextContent

from sage200_mcp.config import Settings
from sage200_mcp.server import create_server
from tests.property.test_tool_arguments import API, SITE, signed_in

pytestmark = pytest.mark.anyio


class Sage:
    """One company with nothing in it; keeps every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/sites"):
            return httpx.Response(200, json=[SITE])
        return httpx.Response(200, json=[])

    def filters(self) -> list[str]:
        return [r.url.params["$filter"] for r in self.requests if "$filter" in r.url.params]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[Client, Sage]]:
    settings = Settings.load(
        environ={
            "SAGE200_CONFIG_DIR": str(tmp_path),
            "SAGE200_ID_URL": "http://id.invalid",
            "SAGE200_API_URL": API,
            "SAGE200_CLIENT_ID": "fuzz-client",
        }
    )
    signed_in(settings)
    sage = Sage()
    with respx.mock(assert_all_called=False) as router:
        router.route(host="sage.invalid").mock(side_effect=sage)
        async with Client(create_server(settings)) as client:
            yield client, sage


async def refused(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


@pytest.mark.parametrize("tool", ["list_customers", "list_suppliers"])
@pytest.mark.parametrize("argument", ["min_balance", "max_balance"])
@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e999"])
async def test_numbers_that_are_not_finite_are_refused_saying_what_to_give(
    server: tuple[Client, Sage], tool: str, argument: str, value: str
) -> None:
    client, sage = server
    text = await refused(client, tool, {argument: value})
    assert argument in text and "give an ordinary number, such as 1000" in text
    assert sage.requests == []


BLANK_NAMES = [
    ("get_customer", "customer", {}),
    ("list_customer_transactions", "customer", {}),
    ("get_aged_debt", "customer", {}),
    ("get_supplier", "supplier", {}),
    ("list_supplier_transactions", "supplier", {}),
    ("get_aged_creditors", "supplier", {}),
    ("summarise_sales", "customer", {}),
    ("summarise_purchases", "supplier", {}),
    ("list_sales_orders", "customer", {}),
    ("list_purchase_orders", "supplier", {}),
    ("get_sales_order", "order", {}),
    ("get_purchase_order", "order", {}),
    ("get_product", "product", {}),
    ("get_nominal_activity", "code", {}),
    ("query", "resource", {}),
]


@pytest.mark.parametrize(("tool", "argument", "others"), BLANK_NAMES)
@pytest.mark.parametrize("blank", [" ", "   ", "\t\n", "\u3000"])
async def test_blank_text_naming_a_record_is_refused_before_asking_sage(
    server: tuple[Client, Sage], tool: str, argument: str, others: dict[str, Any], blank: str
) -> None:
    client, sage = server
    text = await refused(client, tool, {argument: blank, **others})
    assert argument in text and "is blank; give" in text
    assert sage.requests == []


@pytest.mark.parametrize("status", ["dispute", "disputed"])
async def test_the_dispute_status_is_sages_name_for_it(
    server: tuple[Client, Sage], status: str
) -> None:
    client, sage = server
    result = await client.call_tool("list_sales_orders", {"status": status})
    assert not result.is_error
    assert "document_status eq 'EnumDocumentStatusDispute'" in sage.filters()


async def test_the_order_statuses_offered_are_sages(tmp_path: Path) -> None:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})
    async with Client(create_server(settings)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    for name in ("list_sales_orders", "list_purchase_orders"):
        status = tools[name].input_schema["properties"]["status"]
        offered = next(o["enum"] for o in status["anyOf"] if "enum" in o)
        assert offered == [
            "live",
            "on_hold",
            "complete",
            "dispute",
            "cancelled",
            "draft",
            "printed",
        ]

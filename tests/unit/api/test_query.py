"""The query tool's request: the ageing basis sent to the aged views, and paging that needs an
order."""

from __future__ import annotations

import pytest
import respx

from sage200_mcp.api.client import SageClient
from sage200_mcp.api.query import InvalidQuery, build_query, run_query
from tests.unit.api.fakes import API, COMPANY

pytestmark = pytest.mark.anyio


@respx.mock
async def test_the_ageing_basis_and_the_offset_reach_sage(client: SageClient) -> None:
    route = respx.get(f"{API}sales_aged_debtor_summary_views").respond(json=[])
    query = build_query(
        "sales_aged_debtor_summary_views",
        "professional",
        ageing="calendarmonth",
        orderby="customer_id asc",
        top=10,
    )
    await run_query(client, COMPANY, query, offset=30)
    sent = route.calls[0].request.url.params
    assert sent["$ageingdatetype"] == "calendarmonth" and sent["$skip"] == "30"


def test_ageing_is_refused_off_the_aged_views_and_off_sages_list() -> None:
    with pytest.raises(InvalidQuery, match="aged views only"):
        build_query("customer_views", "professional", ageing="duedate")
    with pytest.raises(InvalidQuery, match="one of"):
        build_query("sales_aged_debtor_summary_views", "professional", ageing="monthly")


async def test_a_page_after_the_first_needs_an_order(client: SageClient) -> None:
    query = build_query("sales_aged_debtor_summary_views", "professional")  # no id to order by
    assert query.orderby is None
    with pytest.raises(InvalidQuery, match="orderby"):
        await run_query(client, COMPANY, query, offset=5)

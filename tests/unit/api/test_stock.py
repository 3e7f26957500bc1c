"""Products below their re-order level: what Sage is asked, and what is compared here."""

from __future__ import annotations

import pytest
import respx

from sage200_mcp.api.client import SageClient
from sage200_mcp.api.stock import ProductSearch, products_below_reorder
from tests.unit.api.fakes import API, COMPANY

pytestmark = pytest.mark.anyio


def product(number: int, free: float | None, level: float | None) -> dict[str, object]:
    return {
        "id": number,
        "code": f"P{number}",
        "free_stock_quantity": free,
        "reorder_level": level,
        "quantity_on_pop_order": 4,
    }


@respx.mock
async def test_only_products_whose_free_stock_is_below_their_level_are_kept(
    client: SageClient,
) -> None:
    route = respx.get(f"{API}product_views").respond(
        json=[
            product(1, 3, 10),  # short by 7
            product(2, 10, 10),  # at the level: not below
            product(3, 12, 10),
            product(4, None, 10),  # no figure: not claimed short
            product(5, -2, 5),  # oversold: short by 7
            product(6, -1, 0),  # oversold, but no re-order level set: not for re-ordering
            product(7, 1, None),
        ]
    )
    found = await products_below_reorder(
        client, COMPANY, ProductSearch("desk"), sort="code", descending=False
    )
    assert [(p.code, p.shortfall) for p in found.value] == [("P1", 7), ("P5", 7)]
    sent = route.calls[0].request.url.params
    assert "reorder_level gt 0" in sent["$filter"] and "contains(code,'desk')" in sent["$filter"]
    assert {"free_stock_quantity", "reorder_level", "quantity_on_pop_order"} <= set(
        sent["$select"].split(",")
    )
    asked = route.call_count
    again = await products_below_reorder(
        client, COMPANY, ProductSearch("desk"), sort="code", descending=False
    )
    assert again.value == found.value and route.call_count == asked  # remembered

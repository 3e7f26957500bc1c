"""Collections bigger than Sage's default page: without ``$top`` Sage sends 500 rows and says
nothing of the rest, so every read that wants a whole collection must page to its end. Each of
these used to stop at 500 rows in silence (issue 11); the mocked Sage holds 700 of each.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.integration.mocked.sage import answer, serve

pytestmark = pytest.mark.anyio

MANY = 700  # more than Sage's default page of 500


def requests_to(sage: Any, path: str) -> list[dict[str, str]]:
    return [
        dict(call.request.url.params)
        for call in sage.calls
        if call.request.url.path.endswith(f"/{path}")
    ]


async def test_every_bank_account_is_listed(mcp: Client, sage: Any) -> None:
    banks = [{"id": n, "code": f"B{n:04}", "description": f"Bank {n}"} for n in range(MANY)]
    sage.get("bank_views").mock(side_effect=serve(banks))
    listed = (await answer(mcp, "list_bank_accounts"))["bank_accounts"]
    assert [bank["code"] for bank in listed] == [f"B{n:04}" for n in range(MANY)]
    assert all("$top" in params for params in requests_to(sage, "bank_views"))


@pytest.mark.parametrize(
    ("kind", "path", "row"),
    [
        ("tax_codes", "tax_codes", lambda n: {"id": n, "code": n % 100, "name": f"T{n}"}),
        ("currencies", "currencies", lambda n: {"id": n, "name": f"C{n}"}),
        (
            "financial_periods",
            "financial_year_period_views",
            lambda n: {"period_number": n % 12 + 1, "year_relative_to_current_year": -(n // 12)},
        ),
    ],
)
async def test_every_row_of_reference_data_is_read(
    mcp: Client, sage: Any, kind: str, path: str, row: Any
) -> None:
    sage.get(path).mock(side_effect=serve([row(n) for n in range(MANY)]))
    found = await answer(mcp, "get_reference_data", kind=kind)
    shown = len(found["rows"])
    # all 700 were read; the answer shows what fits and says how many there are
    assert shown == MANY or f"Showing {shown} of {MANY} rows" in found["note"]
    assert found["read_at"]


async def test_a_warehouse_past_the_first_500_is_named(mcp: Client, sage: Any) -> None:
    warehouses = [{"id": n, "name": f"Warehouse {n}"} for n in range(MANY)]
    sage.get("warehouses").mock(side_effect=serve(warehouses))
    sage.get("sop_orders").respond(json=[{"id": 12, "document_no": "0000000012"}])
    sage.get("sop_orders/12").respond(
        json={"id": 12, "document_no": "0000000012", "lines": [{"warehouse_id": 650}]}
    )
    order = (await answer(mcp, "get_sales_order", order="12"))["order"]
    assert order["lines"][0]["warehouse"] == "Warehouse 650"


async def test_every_cost_centre_of_a_nominal_account_counts(mcp: Client, sage: Any) -> None:
    splits = [
        {"id": n, "reference": "7500", "cost_centre_code": f"C{n:03}", "debit_year_to_date": 1}
        for n in range(1, MANY + 1)
    ]
    sage.get("nominal_code_views").mock(side_effect=serve(splits))
    sage.get("financial_year_period_views").respond(json=[])
    sage.get("nominal_transaction_enquiry_views").mock(side_effect=serve([]))
    found = await answer(mcp, "get_nominal_activity", code="7500", from_date="2026-01-01")
    assert len(found["accounts"]) == MANY


async def test_a_call_that_reads_several_pages_tells_its_progress(mcp: Client, sage: Any) -> None:
    banks = [{"id": n, "code": f"B{n:04}", "description": f"Bank {n}"} for n in range(2_500)]
    sage.get("bank_views").mock(side_effect=serve(banks))
    told: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        told.append((done, total, message))

    result = await mcp.call_tool("list_bank_accounts", {}, progress_callback=on_progress)
    assert not result.is_error
    done = [done for done, _, _ in told]
    assert len(done) >= 3 and done == sorted(set(done))  # one per page, only ever increasing
    assert done[-1] == 2_502  # the 2,500 banks and the 2 currencies read beside them
    assert all(message and "read" in message for _, _, message in told)


async def test_a_call_of_one_page_sends_no_progress_it_does_not_need(
    mcp: Client, sage: Any
) -> None:
    sage.get("bank_views").mock(side_effect=serve([{"id": 1, "code": "B1"}]))
    told: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        told.append(done)

    await mcp.call_tool("list_bank_accounts", {}, progress_callback=on_progress)
    assert told == sorted(set(told)) and told[-1] == 3  # a bank and 2 currencies: done

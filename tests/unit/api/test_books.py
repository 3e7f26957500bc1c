"""Reading the books for a statement from a mocked Sage: names Sage's answers give in more than
one form, a company without layouts or default accounts, layout rows that are headings or totals."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from sage200_mcp.api.books import read_books
from sage200_mcp.api.client import SageClient
from tests.unit.api.fakes import API, COMPANY

pytestmark = pytest.mark.anyio

CATEGORIES = [
    {
        "id": 2258,
        "code": "1",
        "description": "Sales",
        "account_report_type": "ProfitLoss",
        "account_report_category_type": "NominalReportingCategoryTypeIncome",
    },
    {  # no report type: the kind says which statement
        "id": 2300,
        "code": "30",
        "description": "Stock",
        "account_report_type": None,
        "account_report_category_type": "NominalReportingCategoryTypeAsset",
    },
    {"id": None, "code": "x"},  # no id: of no use, left out
]
LAYOUT = [
    {
        "financial_report_layout_id": 1,
        "financial_report_layout_name": "Balance sheet",
        "financial_report_layout_account_report_type": "BalanceSheet",
        "financial_report_row_report_row": 2,
        "financial_report_row_title": "Current assets",
        "nominal_account_report_category_id": 0,
    },
    {
        "financial_report_layout_id": 1,
        "financial_report_layout_account_report_type": "BalanceSheet",
        "financial_report_row_report_row": 3,
        "financial_report_row_title": "",
        "nominal_account_report_category_id": 2300,
    },
    {
        "financial_report_layout_id": 1,
        "financial_report_layout_account_report_type": "BalanceSheet",
        "financial_report_row_report_row": 4,
        "financial_report_row_title": "Total current assets",
        "nominal_account_report_category_id": 0,
    },
    {
        "financial_report_layout_id": 1,
        "financial_report_layout_account_report_type": "BalanceSheet",
        "financial_report_row_report_row": 1,
        "financial_report_row_title": "Assets",
        "nominal_account_report_category_id": None,
    },
    {  # after a total: still under the heading before the total
        "financial_report_layout_id": 1,
        "financial_report_layout_account_report_type": "BalanceSheet",
        "financial_report_row_report_row": 5,
        "financial_report_row_title": "",
        "nominal_account_report_category_id": 2258,
    },
    {
        "financial_report_layout_id": 2,
        "financial_report_layout_account_report_type": "ProfitLoss",
        "financial_report_row_report_row": 1,
        "financial_report_row_title": "Sales",
        "nominal_account_report_category_id": "2258",
    },
]
CODES = [
    {
        "id": 1,
        "reference": "1100",
        "name": "Debtors",
        "report_category_id": 2300,
        "brought_forward_balance": "100.5",
        "balance_year_to_date": 150.5,
    },
    {
        "id": 2,
        "reference": "4000",
        "name": "Sales",
        "report_category_id": 2258,
        "brought_forward_balance": 0,
        "balance_year_to_date": -50,
    },
    {"id": 3, "reference": "7100", "name": "Rent", "report_category_id": 2258},
]
VALUES = [
    {
        "nominal_period_value_id": 1,
        "nominal_code_id": 1,
        "year_relative_to_current_year": 0,
        "accounting_period_period_number": 1,
        "nominal_period_value_actual_value": 50,
        "nominal_period_value_budget_value": 0,
    },
    {
        "nominal_period_value_id": 2,
        "nominal_code_id": 2,
        "year_relative_to_current_year": 0,
        "accounting_period_period_number": 1,
        "nominal_period_value_actual_value": "-50",
        "nominal_period_value_budget_value": -40,
    },
    {  # an account the codes did not list: named from the period values
        "nominal_period_value_id": 3,
        "nominal_code_id": 9,
        "year_relative_to_current_year": -1,
        "accounting_period_period_number": 12,
        "nominal_period_value_actual_value": 5,
        "nominal_code_reference": "9999",
        "nominal_code_name": "Suspense",
    },
]


def serve(layouts: Any, controls: Any) -> dict[str, respx.Route]:
    routes = {
        "categories": respx.get(f"{API}nominal_report_categories").respond(json=CATEGORIES),
        "values": respx.get(f"{API}nominal_period_value_views").respond(json=VALUES),
        "codes": respx.get(f"{API}nominal_code_views").respond(json=CODES),
        "periods": respx.get(f"{API}financial_year_period_views").respond(json=[]),
    }
    for name, path, answer in (
        ("layouts", "financial_report_layout_views", layouts),
        ("controls", "control_nominal_codes", controls),
    ):
        route = respx.get(f"{API}{path}")
        routes[name] = route.respond(404) if answer is None else route.respond(json=answer)
    return routes


@respx.mock
async def test_books_as_sage_sends_them(client: SageClient) -> None:
    controls = [
        {
            "id": 1,
            "name": "Debtors Control",
            "account_number": "1100",
            "control_nominal_code_type": "ControlNominalCodeTypeDebtors",
        },
        {
            "id": 2,
            "name": "Retained",
            "account_number": "4000",  # not Sage's default reference
            "control_nominal_code_type": "ControlNominalCodeTypeRetainedProfit",
        },
    ]
    routes = serve(LAYOUT, controls)
    books = await read_books(client, COMPANY, (-1, 0))
    assert books.layouts_offered
    assert {c.id: (c.report, c.kind) for c in books.categories.values()} == {
        2258: ("profit_and_loss", "income"),
        2300: ("balance_sheet", "asset"),
    }
    sheet = books.layouts["balance_sheet"]
    assert sheet.name == "Balance sheet"
    assert [(line.heading, line.category_id) for line in sheet.lines] == [
        ("Current assets", 2300),
        ("Current assets", 2258),  # a total is not a heading
    ]
    assert [line.category_id for line in books.layouts["profit_and_loss"].lines] == [2258]
    debtors = books.accounts[1]
    assert (debtors.brought_forward, debtors.balance_year_to_date) == (100.5, 150.5)
    assert books.accounts[2].actual == {(0, 1): -50.0} and books.accounts[2].budget == {
        (0, 1): -40.0
    }
    assert books.accounts[9].reference == "9999" and books.accounts[9].actual == {(-1, 12): 5.0}
    assert books.controls == {
        "debtors": frozenset({1}),
        "creditors": frozenset(),  # 2100 is not in this chart
        "retained": frozenset({2}),
    }
    assert "standard references" in books.controls_basis
    assert books.holds(-1) and books.holds(0) and not books.holds(-2)
    asked = routes["values"].calls.last.request.url.params
    assert asked["$filter"] == (
        "year_relative_to_current_year ge -1 and year_relative_to_current_year le 0"
    )


@respx.mock
async def test_a_company_without_layouts_or_default_accounts(client: SageClient) -> None:
    serve(None, None)
    books = await read_books(client, COMPANY, (0, 0))
    assert books.layouts == {} and not books.layouts_offered  # 404: not offered at all
    assert books.controls["debtors"] == frozenset({1})  # Sage's standard reference, 1100
    assert books.controls_basis.startswith("Sage's standard references")


@respx.mock
async def test_reference_parts_are_read_once(client: SageClient) -> None:
    routes = serve(LAYOUT, [])
    await read_books(client, COMPANY, (0, 0))
    await read_books(client, COMPANY, (-1, 0))
    assert [routes[n].call_count for n in ("categories", "layouts", "controls")] == [1, 1, 1]
    assert routes["codes"].call_count == 2  # balances are read afresh each time

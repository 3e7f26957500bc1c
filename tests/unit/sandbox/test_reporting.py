"""Books a finance person believes: every code in a report category, layouts that list those
categories in report order, default codes that point at real accounts, a trial balance from the
period values, brought-forward balances that agree with them, and accounts held for a reason."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date

import pytest

from sage200_mcp.sandbox.seed import build_books
from sage200_mcp.sandbox.seed.companies import site_plans
from sage200_mcp.sandbox.store import Store
from sage200_mcp.sandbox.tables import LOOKUPS, lookup_rows

TODAY = date(2026, 11, 28)
PLANS = {company.id: company for site in site_plans(500) for company in site.companies}


def cents(value: float) -> int:
    return round(value * 100)


@functools.cache
def books_of(company: int, today: date = TODAY) -> Store:
    return build_books(PLANS[company], seed=200, today=today)


@pytest.fixture(params=sorted(PLANS), ids=lambda c: f"company{c}")
def books(request: pytest.FixtureRequest) -> Store:
    return books_of(request.param)


# the chart's codes and the category each must report under (issue 12)
EXPECTED = {
    "Fixed assets": ("BalanceSheet", "Asset", {"0010", "0030", "0040", "0050"}),
    "Current assets": ("BalanceSheet", "Asset", {"1001", "1100", "1200", "1210", "1230"}),
    "Current liabilities": ("BalanceSheet", "Liability", {"2100", "2200", "2201", "2210"}),
    "Long term liabilities": ("BalanceSheet", "Liability", {"2300"}),
    "Capital and reserves": ("BalanceSheet", "Liability", {"3000", "3200"}),
    "Sales": ("ProfitLoss", "Income", {"4000", "4010", "4020"}),
    "Other income": ("ProfitLoss", "Income", {"4900"}),
    "Cost of sales": ("ProfitLoss", "Expense", {"5000", "5100"}),
    "Overheads": (
        "ProfitLoss",
        "Expense",
        {"7000", "7100", "7200", "7500", "7502", "7600", "7800", "7900", "7906"},
    ),
    "Depreciation": ("ProfitLoss", "Expense", {"8000"}),
    "Bad debts": ("ProfitLoss", "Expense", {"8100"}),
}


def test_every_nominal_code_reports_under_its_category(books: Store) -> None:
    categories = {c["id"]: c for c in books.select("nominal_report_categories")}
    assert sorted(categories) == list(range(2258, 2258 + len(EXPECTED)))
    assert [c["code"] for c in categories.values()] == [str(n) for n in range(1, 12)]
    found: defaultdict[str, set[str]] = defaultdict(set)
    for code in books.select("nominal_code_views"):
        category = categories[code["report_category_id"]]
        assert code["report_category_code"] == category["code"]
        assert code["report_category_description"] == category["description"]
        found[category["description"]].add(code["reference"])
    for code in books.select("nominal_codes"):
        assert categories[code["report_category_id"]]["description"] in EXPECTED
    for category in categories.values():
        report_type, kind, references = EXPECTED[category["description"]]
        assert category["account_report_type"] == report_type
        assert category["account_report_category_type"] == f"NominalReportingCategoryType{kind}"
        assert found[category["description"]] == references
    by_id = {c["id"]: c["report_category_id"] for c in books.select("nominal_codes")}
    for value in books.select("nominal_period_value_views", '"accounting_period_id" = 1'):
        assert value["nominal_code_report_category_id"] == by_id[value["nominal_code_id"]]


def test_the_stockwell_layouts_list_every_category_once_in_report_order() -> None:
    rows = books_of(1).select("financial_report_layout_views")
    layouts: defaultdict[int, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        layouts[int(str(row["financial_report_layout_id"]))].append(row)
    kinds = {str(r[0]["financial_report_layout_account_report_type"]) for r in layouts.values()}
    assert kinds == {"ProfitLoss", "BalanceSheet"}
    categories = {c["id"]: c for c in books_of(1).select("nominal_report_categories")}
    for layout in layouts.values():
        report_type = layout[0]["financial_report_layout_account_report_type"]
        assert [r["financial_report_row_report_row"] for r in layout] == list(
            range(1, len(layout) + 1)
        )
        listed = [r for r in layout if r["nominal_account_report_category_id"]]
        assert {r["financial_report_row_line_type"] for r in listed} == {
            "FinancialReportRowLineTypeCategory"
        }
        assert sorted(int(str(r["nominal_account_report_category_id"])) for r in listed) == sorted(
            c["id"] for c in categories.values() if c["account_report_type"] == report_type
        )
        for row in listed:
            category = categories[int(str(row["nominal_account_report_category_id"]))]
            assert row["financial_report_row_title"] == category["description"]
            assert row["nominal_account_report_category_code"] == category["code"]
        others = [r for r in layout if not r["nominal_account_report_category_id"]]
        assert all(not r["nominal_account_report_category_code"] for r in others)
        assert layout[0]["financial_report_row_line_type"] == "FinancialReportRowLineTypeHeading"
    titles = [r["financial_report_row_title"] for r in rows]
    assert titles.index("Sales") < titles.index("Cost of sales") < titles.index("Gross profit")
    assert titles.index("Gross profit") < titles.index("Net profit")
    assert {"Net current assets", "Net assets", "Total capital and reserves"} <= set(titles)
    assert books_of(2).select("financial_report_layout_views") == rows


def test_a_new_installation_has_no_layouts() -> None:
    assert books_of(3).select("financial_report_layout_views") == []


def test_every_enumeration_value_the_books_use_is_in_its_lookup(books: Store) -> None:
    def values(resource: str) -> set[str]:
        assert resource in LOOKUPS
        return {row["value"] for row in lookup_rows(resource)}

    used = {
        "nominal_report_category_types": {
            c["account_report_category_type"] for c in books.select("nominal_report_categories")
        },
        "control_nominal_code_types": {
            c["control_nominal_code_type"] for c in books.select("control_nominal_codes")
        },
    }
    layout = books_of(1).select("financial_report_layout_views")
    for resource, field in (
        ("financial_report_layout_types", "financial_report_layout_account_report_type"),
        ("financial_report_row_line_types", "financial_report_row_line_type"),
        ("financial_report_row_layout_position_types", "financial_report_row_layout_position_type"),
        (
            "financial_report_row_layout_debit_or_credit_types",
            "financial_report_row_layout_debit_or_credit_type",
        ),
    ):
        used[resource] = {str(row[field]) for row in layout}
    for resource, names in used.items():
        assert names and names <= values(resource), resource


def test_the_default_nominal_codes_are_the_accounts_the_ledgers_post_to(books: Store) -> None:
    controls = {c["control_nominal_code_type"]: c for c in books.select("control_nominal_codes")}
    expected = {
        "Debtors": "1100",
        "Creditors": "2100",
        "DefaultBank": "1200",
        "SalesTax": "2200",
        "PurchaseTax": "2201",
        "RetainedProfit": "3200",
    }
    for kind, reference in expected.items():
        control = controls[f"ControlNominalCodeType{kind}"]
        assert control["account_number"] == reference
        assert control["nominal_reporting_type"] == "NominalReportingTypeBalance"
    references = {c["reference"] for c in books.select("nominal_codes")}
    assert {c["account_number"] for c in controls.values()} <= references
    assert books.select("banks", '"code" = ?', [expected["DefaultBank"]])


def test_cost_centres_and_departments_are_the_splits_of_the_codes(books: Store) -> None:
    codes = books.select("nominal_codes")
    centres = {c["id"]: c["code"] for c in books.select("cost_centres")}
    departments = {d["id"]: d["code"] for d in books.select("departments")}
    split = [c for c in codes if c["cost_centre_code"]]
    assert {(c["cost_centre_id"], c["cost_centre_code"]) for c in split} == set(centres.items())
    assert {(c["department_id"], c["department_code"]) for c in split} == set(departments.items())
    assert all(c["name"] for c in books.select("cost_centres"))


def test_the_irish_company_splits_its_profit_and_loss_by_branch() -> None:
    centres = books_of(2).select("cost_centres")
    assert [(c["code"], c["name"]) for c in centres] == [("DUB", "Dublin"), ("CRK", "Cork")]
    posted = {
        line["nominal_code_id"] for line in books_of(2).select("nominal_transaction_enquiry_views")
    }
    sales = [
        c
        for c in books_of(2).select("nominal_codes")
        if c["reference"] == "4000" and c["cost_centre_code"]
    ]
    assert {c["cost_centre_code"] for c in sales if c["id"] in posted} == {"DUB", "CRK"}


def test_the_trial_balance_from_period_values_is_zero_and_the_balances_agree(
    books: Store,
) -> None:
    """Summed from the period values, every period's trial balance is zero; a code's brought
    forward balance and this year's values make its balance to date."""
    by_period: defaultdict[int, int] = defaultdict(int)
    this_year: defaultdict[int, int] = defaultdict(int)
    for value in books.select("nominal_period_value_views"):
        actual = cents(value["nominal_period_value_actual_value"])
        by_period[value["accounting_period_id"]] += actual
        if value["year_relative_to_current_year"] == 0:
            this_year[value["nominal_code_id"]] += actual
    assert set(by_period.values()) == {0}
    for code in books.select("nominal_codes"):
        forward = cents(code["brought_forward_balance"])
        assert forward + this_year[code["id"]] == cents(code["balance_year_to_date"]), code


def test_the_previous_year_is_held_whole_early_in_a_year() -> None:
    """Days after a year starts, the books still open inside the financial calendar and hold the
    whole of the year before."""
    for company, day in ((1, date(2026, 4, 10)), (3, date(2026, 1, 5))):
        books = books_of(company, day)
        periods = books.select("financial_year_period_views")
        earliest = min(p["period_start_date"] for p in periods)
        lines = books.select("nominal_transaction_enquiry_views")
        assert min(line["transaction_date"] for line in lines) >= earliest
        last_year = [p for p in periods if p["year_relative_to_current_year"] == -1]
        sales = {
            line["accounting_period_id"]
            for line in lines
            if line["source"] == "SL" and line["year_relative_to_current_year"] == -1
        }
        assert sales == {p["accounting_period_id"] for p in last_year}


def test_light_accounts_trade_in_both_years_held() -> None:
    """Past the first thousand, customers trade lightly but over the whole history, so last
    year's sales hold the same customers as this year's."""
    plan = site_plans(1_400)[0].companies[0]
    books = build_books(plan, seed=200, today=TODAY)
    light = {c["id"] for c in books.select("customers", '"id" >= ?', [10_001 + 1_000])}
    invoices = [
        t
        for t in books.select("sales_posted_transactions")
        if t["customer_id"] in light and t["trader_transaction_type"].endswith("Invoice")
    ]
    recent = sum(t["transaction_date"][:10] > "2025-11-28" for t in invoices)
    older = len(invoices) - recent
    assert recent and 0.6 < older / recent < 1.6


def test_an_account_on_hold_is_held_for_a_reason_its_history_shows(books: Store) -> None:
    owed: defaultdict[int, list[dict[str, object]]] = defaultdict(list)
    for item in books.select("sales_posted_transactions"):
        if (
            item["trader_transaction_type"].endswith("Invoice")
            and item["document_outstanding_value"]
        ):
            owed[item["customer_id"]].append(item)
    held = books.select("customers", '"on_hold" = 1')
    assert held
    for customer in held:
        reason = customer["status_reason"]
        items = owed[customer["id"]]
        if reason == "Payments overdue - account stopped":
            assert any(str(i["due_date"])[:10] < TODAY.isoformat() for i in items)
        elif reason == "Over credit limit":
            assert customer["credit_limit"] and customer["balance"] > customer["credit_limit"]
        elif reason.startswith("Invoice "):
            assert reason.split()[1] in {i["reference"] for i in items}
        else:
            assert reason in (
                "Awaiting trade references",
                "Credit review - awaiting latest accounts",
            ), reason
            assert not items
    assert not [c for c in books.select("customers", '"on_hold" = 0') if c["status_reason"]]


def test_a_bank_statement_balance_is_the_balance_on_its_date(books: Store) -> None:
    codes = {c["reference"]: c["id"] for c in books.select("nominal_codes")}
    for bank in books.select("banks"):
        lines = books.select(
            "nominal_transaction_enquiry_views", '"nominal_code_id" = ?', [codes[bank["code"]]]
        )
        cut = str(bank["statement_date"])[:10]
        assert cut < TODAY.isoformat()
        until = sum(
            cents(line["debit"]) - cents(line["credit"])
            for line in lines
            if line["transaction_date"][:10] <= cut
        )
        assert cents(bank["statement_balance"]) == until, bank["code"]
    current = books.select("banks", '"code" = ?', ["1200"])[0]
    assert current["statement_balance"] != current["balance"]


def test_order_quantities_never_run_past_what_was_ordered(books: Store) -> None:
    for header, table, key, delivered in (
        ("sop_orders", "sop_order_lines", "sop_order_id", "despatch_receipt_quantity"),
        ("pop_orders", "pop_order_lines", "pop_order_id", "receipt_return_quantity"),
    ):
        status = {o["id"]: o["document_status"] for o in books.select(header)}
        lines: defaultdict[int, list[dict[str, object]]] = defaultdict(list)
        for line in books.select(table):
            quantity, done = line["line_quantity"], line[delivered]
            assert 0 <= line["invoice_credit_quantity"] <= done <= quantity
            if table == "sop_order_lines":
                assert 0 <= line["allocated_quantity"] <= quantity - done
                assert line["to_allocate_quantity"] == quantity - done - line["allocated_quantity"]
            lines[int(str(line[key]))].append(line)
        for order, found in lines.items():
            complete = all(
                line["invoice_credit_quantity"] == line["line_quantity"] for line in found
            )
            assert complete == (status[order] == "EnumDocumentStatusComplete"), order


def test_a_loan_is_a_round_sum_and_the_bank_balance_what_trading_leaves(books: Store) -> None:
    loans = books.select("nominal_transaction_enquiry_views", '"reference" = ?', ["LOAN01"])
    assert all(cents(line["debit"] + line["credit"]) % 100_000 == 0 for line in loans)
    bank = books.select("banks", '"code" = ?', ["1200"])[0]
    assert cents(bank["balance"]) % 10_000  # not a whole hundred pounds


def test_the_smallest_company_borrows_to_trade() -> None:
    assert books_of(3).select("nominal_transaction_enquiry_views", '"reference" = ?', ["LOAN01"])

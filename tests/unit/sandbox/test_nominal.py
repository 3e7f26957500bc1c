"""The nominal ledger however it is posted: per document or in daily batches, split by cost
centre or not, its period values agree with its balances and its postings."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import replace
from datetime import date

import pytest

from sage200_mcp.sandbox.seed import build_books
from sage200_mcp.sandbox.seed.companies import site_plans
from sage200_mcp.sandbox.shape import Postings
from sage200_mcp.sandbox.store import Store

TODAY = date(2026, 11, 28)
MAIN = site_plans(500)[0].companies[0]
SHAPES: list[tuple[Postings, int]] = [
    ("daily", 0),
    ("per-document", 0),
    ("daily", 8),
    ("per-document", 8),
]


def cents(value: float) -> int:
    return round(value * 100)


def profit_and_loss(books: Store) -> set[int]:
    """The ids of the nominal codes whose report category is a profit and loss one."""
    categories = {
        c["id"]: c["account_report_type"] for c in books.select("nominal_report_categories")
    }
    return {
        c["id"]
        for c in books.select("nominal_code_views")
        if categories[c["report_category_id"]] == "ProfitLoss"
    }


@functools.cache
def books_of(postings: Postings, cost_centres: int) -> Store:
    plan = replace(MAIN, postings=postings, cost_centres=cost_centres)
    return build_books(plan, seed=200, today=TODAY)


@pytest.fixture(params=SHAPES, ids=lambda shape: f"{shape[0]}-{shape[1]}cc")
def books(request: pytest.FixtureRequest) -> Store:
    return books_of(*request.param)


@pytest.fixture
def per_document() -> Store:
    return books_of("per-document", 0)


def test_each_sales_document_is_posted_on_its_own_line_by_line(per_document: Store) -> None:
    codes = {c["id"]: c["reference"] for c in per_document.select("nominal_codes")}
    lines: defaultdict[int, list[dict[str, object]]] = defaultdict(list)
    for line in per_document.select("nominal_transaction_enquiry_views", '"source" = ?', ["SL"]):
        lines[int(str(line["urn"]))].append(line)
    documents = per_document.select("sales_transaction_views")
    assert len(lines) == len({d["urn"] for d in documents}) == len(documents)
    for document in documents:
        posted = lines[document["urn"]]
        assert {line["reference"] for line in posted} == {document["reference"]}
        assert {line["transaction_date"] for line in posted} == {document["transaction_date"]}
        debtors = [line for line in posted if codes[int(str(line["nominal_code_id"]))] == "1100"]
        assert len(debtors) == 1 and debtors[0]["narrative"] == document["customer_name"]
        net = sum(
            cents(float(str(line["debit"]))) - cents(float(str(line["credit"]))) for line in debtors
        )
        assert net == cents(document["base_gross_value"])
        others = {codes[int(str(line["nominal_code_id"]))] for line in posted} - {"1100"}
        if document["transaction_type"] == "TradingAccountEntryTypePurchasePaymentSalesReceipt":
            assert others == {"1200"}
        else:
            assert others <= {"4000", "4010", "4020", "2200"} and others & {"4000", "4010", "4020"}


def test_the_trial_balance_is_zero_and_the_controls_tie_to_their_ledgers(books: Store) -> None:
    codes = books.select("nominal_code_views")
    assert sum(cents(c["balance_year_to_date"]) for c in codes) == 0
    control = {
        c["reference"]: cents(c["balance_year_to_date"])
        for c in codes
        if c["reference"] in ("1100", "2100", "1200")
    }
    debtors = sum(cents(v["base_balance"]) for v in books.select("customer_views"))
    creditors = sum(cents(v["base_balance"]) for v in books.select("supplier_views"))
    assert abs(control["1100"] - debtors) <= 200 and abs(control["2100"] + creditors) <= 200
    assert cents(books.select("banks", '"code" = ?', ["1200"])[0]["balance"]) == control["1200"]


def test_this_years_period_values_are_the_year_to_date(books: Store) -> None:
    this_year: defaultdict[int, int] = defaultdict(int)
    for value in books.select("nominal_period_value_views", '"year_relative_to_current_year" = 0'):
        this_year[value["nominal_code_id"]] += cents(value["nominal_period_value_actual_value"])
    codes = books.select("nominal_code_views")
    assert any(this_year.values())
    for code in codes:
        expected = cents(code["debit_year_to_date"]) - cents(code["credit_year_to_date"])
        assert this_year[code["id"]] == expected, code["reference"]


def test_period_values_over_a_range_are_the_postings_in_it(books: Store) -> None:
    start, end = "2025-10-01", "2026-06-30"  # nine periods, across a year end
    periods = [
        value
        for value in books.select("nominal_period_value_views")
        if value["accounting_period_start_date"][:10] >= start
        and value["accounting_period_end_date"][:10] <= end
    ]
    assert len({p["accounting_period_id"] for p in periods}) == 9
    from_values: defaultdict[int, int] = defaultdict(int)
    for value in periods:
        from_values[value["nominal_code_id"]] += cents(value["nominal_period_value_actual_value"])
    from_postings: defaultdict[int, int] = defaultdict(int)
    for line in books.select("nominal_transaction_enquiry_views"):
        if start <= line["transaction_date"][:10] <= end:
            from_postings[line["nominal_code_id"]] += cents(line["debit"]) - cents(line["credit"])
    assert any(from_postings.values())
    assert {k: v for k, v in from_values.items() if v} == {
        k: v for k, v in from_postings.items() if v
    }


def test_the_year_end_close_shows_only_in_brought_forward_balances(books: Store) -> None:
    """Profit and loss accounts bring nothing forward; retained profit (3200) brings forward its
    own earlier postings and every profit and loss account's; other accounts their own."""
    earlier: defaultdict[int, int] = defaultdict(int)
    for value in books.select("nominal_period_value_views", '"year_relative_to_current_year" < 0'):
        earlier[value["nominal_code_id"]] += cents(value["nominal_period_value_actual_value"])
    codes = books.select("nominal_code_views")
    trading = profit_and_loss(books)
    profit = sum(earlier[c["id"]] for c in codes if c["id"] in trading)
    assert profit
    for code in codes:
        forward = cents(code["brought_forward_balance"])
        if code["id"] in trading:
            assert forward == 0
        elif code["reference"] == "3200":
            assert forward == earlier[code["id"]] + profit
        else:
            assert forward == earlier[code["id"]], code["reference"]


def test_every_account_has_a_value_for_every_period_and_budgets_only_for_profit_and_loss(
    books: Store,
) -> None:
    codes = books.select("nominal_code_views")
    periods = books.select("financial_year_period_views")
    values = books.select("nominal_period_value_views")
    assert len(values) == len(codes) * len(periods)
    assert {(v["nominal_code_id"], v["accounting_period_id"]) for v in values} == {
        (c["id"], p["accounting_period_id"]) for c in codes for p in periods
    }
    budgeted = {v["nominal_code_id"] for v in values if v["nominal_period_value_budget_value"]}
    assert budgeted and budgeted <= profit_and_loss(books)
    this_year: defaultdict[int, int] = defaultdict(int)
    for value in values:
        if value["year_relative_to_current_year"] == 0:
            this_year[value["nominal_code_id"]] += cents(value["nominal_period_value_budget_value"])
    for code in codes:
        assert cents(code["year_value_budget_value"]) == this_year[code["id"]]


def test_cost_centres_split_the_profit_and_loss_codes_past_one_default_page() -> None:
    books = books_of("daily", 8)
    codes = books.select("nominal_code_views")
    assert len(codes) == 33 + 17 * 8 * 5 > 500
    splits = [c for c in codes if c["cost_centre_code"]]
    assert {c["id"] for c in splits} <= profit_and_loss(books)
    assert len(
        {(c["reference"], c["cost_centre_code"], c["department_code"]) for c in codes}
    ) == len(codes)
    posted = {line["nominal_code_id"] for line in books.select("nominal_transaction_enquiry_views")}
    revenue = [c for c in splits if c["reference"] == "4000"]
    assert sum(c["id"] in posted for c in revenue) > len(revenue) // 2
    customers = books.select("customers")
    assert all(c["default_nominal_code_cost_centre"] for c in customers)
    # the chart's own accounts keep their ids, the unsplit books their facts
    plain = {c["reference"]: c["id"] for c in books_of("daily", 0).select("nominal_code_views")}
    assert {c["reference"]: c["id"] for c in codes if not c["cost_centre_code"]} == plain

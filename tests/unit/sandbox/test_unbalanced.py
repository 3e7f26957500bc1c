"""The deliberately unbalanced books: one debit of 1,234.56 to debtors control with no other side,
in the main company's current period, for a check that must report it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sage200_mcp.cli import build_parser
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.seed import build_books
from sage200_mcp.sandbox.seed.companies import site_plans
from sage200_mcp.sandbox.store import Store
from tests.helpers import VARIANT_ENV, sandbox_variant

TODAY = date(2026, 11, 28)
MAIN = site_plans(200)[0].companies[0]
OUT_BY = 123_456


def cents(value: float) -> int:
    return round(value * 100)


@pytest.fixture(scope="module")
def both() -> tuple[Store, Store]:
    """The main company's books as they are, and unbalanced."""
    return tuple(  # type: ignore[return-value]
        build_books(replace(MAIN, unbalanced=wrong), seed=200, today=TODAY)
        for wrong in (False, True)
    )


def debtors(books: Store) -> dict[str, object]:
    return books.select("nominal_codes", '"reference" = ?', ["1100"])[0]


def test_the_trial_balance_is_out_by_the_one_sided_debit(both: tuple[Store, Store]) -> None:
    right, wrong = both
    assert sum(cents(c["balance_year_to_date"]) for c in right.select("nominal_codes")) == 0
    assert sum(cents(c["balance_year_to_date"]) for c in wrong.select("nominal_codes")) == OUT_BY
    assert (
        sum(
            cents(v["nominal_period_value_actual_value"])
            for v in wrong.select("nominal_period_value_views")
        )
        == OUT_BY
    )


def test_the_debit_shows_in_debtors_control_this_period_and_nowhere_else(
    both: tuple[Store, Store],
) -> None:
    right, wrong = both
    ytd = [cents(float(str(debtors(books)["balance_year_to_date"]))) for books in both]
    assert ytd[1] - ytd[0] == OUT_BY
    day = TODAY.isoformat()
    current = next(
        p["accounting_period_id"]
        for p in wrong.select("financial_year_period_views")
        if p["period_start_date"][:10] <= day <= p["period_end_date"][:10]
    )

    def this_period(books: Store) -> dict[int, int]:
        values = books.select("nominal_period_value_views", '"accounting_period_id" = ?', [current])
        return {v["nominal_code_id"]: cents(v["nominal_period_value_actual_value"]) for v in values}

    before, after = this_period(right), this_period(wrong)
    changed = {code: after[code] - before[code] for code in after if after[code] != before[code]}
    assert changed == {debtors(wrong)["id"]: OUT_BY}
    urns = {line["urn"] for line in right.select("nominal_transaction_enquiry_views")}
    extra = [
        line
        for line in wrong.select("nominal_transaction_enquiry_views")
        if line["urn"] not in urns
    ]
    assert len(extra) == 1
    assert extra[0]["nominal_code_id"] == debtors(wrong)["id"] and extra[0]["debit"] == 1234.56
    assert extra[0]["transaction_date"][:10] == TODAY.isoformat()


def test_no_customer_transaction_is_behind_it(both: tuple[Store, Store]) -> None:
    right, wrong = both
    for table in ("customers", "sales_posted_transactions"):
        assert right.select(table) == wrong.select(table)
    ledger = sum(cents(v["base_balance"]) for v in wrong.select("customer_views"))
    control = cents(float(str(debtors(wrong)["balance_year_to_date"])))
    assert control - ledger >= OUT_BY - 200  # a few pence of currency rounding either way


def test_the_sandbox_is_unbalanced_only_when_asked_and_only_in_the_main_company(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = build_parser().parse_args(["sandbox", "--unbalanced-books"])
    assert args.unbalanced_books and not build_parser().parse_args(["sandbox"]).unbalanced_books
    monkeypatch.setenv(VARIANT_ENV, "unbalanced=1")
    for settings, wanted in (
        (SandboxSettings(today=TODAY), False),
        (SandboxSettings(today=TODAY, **sandbox_variant()), True),
    ):
        plans = [c for site in Sandbox(settings).world.sites for c in site.companies]
        assert [c.unbalanced for c in plans] == [wanted, False, False]

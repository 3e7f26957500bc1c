"""How a company reports its chart: report categories, financial statement layouts, default codes.

Sage 200 groups nominal codes into report categories (the category decides whether a code's value
goes to the profit and loss account or the balance sheet), and a financial statement layout lists
those categories in report order between headings and subtotals. The categories' ids start at 2258
as a real company's do; their codes are short numbers. A new installation's layouts start blank,
which a plan without layouts plays. The default (control) nominal codes name the accounts the
ledgers post to. None of this depends on the seed: it is the company's set-up, not its trading.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Literal

ReportType = Literal["ProfitLoss", "BalanceSheet"]
INCOME = "NominalReportingCategoryTypeIncome"
EXPENSE = "NominalReportingCategoryTypeExpense"
ASSET = "NominalReportingCategoryTypeAsset"
LIABILITY = "NominalReportingCategoryTypeLiability"


@dataclass(frozen=True)
class ReportCategory:
    id: int
    code: str
    description: str
    report_type: ReportType
    category_type: str
    first: str  # the lowest nominal reference in the category
    last: str  # the highest


# in reference order, covering every code of the chart (seed/chart.py) with no gaps between
CATEGORIES: tuple[ReportCategory, ...] = (
    ReportCategory(2258, "1", "Fixed assets", "BalanceSheet", ASSET, "0010", "0099"),
    ReportCategory(2259, "2", "Current assets", "BalanceSheet", ASSET, "1000", "1999"),
    ReportCategory(2260, "3", "Current liabilities", "BalanceSheet", LIABILITY, "2000", "2299"),
    ReportCategory(2261, "4", "Long term liabilities", "BalanceSheet", LIABILITY, "2300", "2999"),
    ReportCategory(2262, "5", "Capital and reserves", "BalanceSheet", LIABILITY, "3000", "3999"),
    ReportCategory(2263, "6", "Sales", "ProfitLoss", INCOME, "4000", "4899"),
    ReportCategory(2264, "7", "Other income", "ProfitLoss", INCOME, "4900", "4999"),
    ReportCategory(2265, "8", "Cost of sales", "ProfitLoss", EXPENSE, "5000", "6999"),
    ReportCategory(2266, "9", "Overheads", "ProfitLoss", EXPENSE, "7000", "7999"),
    ReportCategory(2267, "10", "Depreciation", "ProfitLoss", EXPENSE, "8000", "8099"),
    ReportCategory(2268, "11", "Bad debts", "ProfitLoss", EXPENSE, "8100", "8199"),
)
_FIRSTS = [category.first for category in CATEGORIES]


def category_of(reference: str) -> ReportCategory:
    """The category a nominal reference reports under."""
    category = CATEGORIES[bisect.bisect_right(_FIRSTS, reference) - 1]
    if not category.first <= reference <= category.last:
        raise ValueError(f"nominal code {reference} is in no report category")
    return category


LineType = Literal["Heading", "Category", "Subtotal", "Total"]


@dataclass(frozen=True)
class LayoutRow:
    """One row of a financial statement layout: a heading, a category's figures, or a sum."""

    line_type: LineType
    title: str
    category: ReportCategory | None = None


@dataclass(frozen=True)
class Layout:
    id: int
    name: str
    report_type: ReportType
    rows: tuple[LayoutRow, ...]


def _category(code: str) -> LayoutRow:
    category = next(c for c in CATEGORIES if c.code == code)
    return LayoutRow("Category", category.description, category)


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        1,
        "Profit and Loss",
        "ProfitLoss",
        (
            LayoutRow("Heading", "Sales"),
            _category("6"),
            LayoutRow("Heading", "Cost of sales"),
            _category("8"),
            LayoutRow("Subtotal", "Gross profit"),
            LayoutRow("Heading", "Other income"),
            _category("7"),
            LayoutRow("Heading", "Overheads"),
            _category("9"),
            _category("10"),
            _category("11"),
            LayoutRow("Total", "Net profit"),
        ),
    ),
    Layout(
        2,
        "Balance Sheet",
        "BalanceSheet",
        (
            LayoutRow("Heading", "Fixed assets"),
            _category("1"),
            LayoutRow("Heading", "Current assets"),
            _category("2"),
            LayoutRow("Heading", "Current liabilities"),
            _category("3"),
            LayoutRow("Subtotal", "Net current assets"),
            LayoutRow("Subtotal", "Total assets less current liabilities"),
            LayoutRow("Heading", "Long term liabilities"),
            _category("4"),
            LayoutRow("Total", "Net assets"),
            LayoutRow("Heading", "Capital and reserves"),
            _category("5"),
            LayoutRow("Total", "Total capital and reserves"),
        ),
    ),
)


@dataclass(frozen=True)
class ControlCode:
    """A default nominal account: the ledgers' postings of one kind go to ``reference``."""

    kind: str  # the control nominal code type, less its "ControlNominalCodeType" prefix
    name: str
    reference: str


CONTROL_CODES: tuple[ControlCode, ...] = (
    ControlCode("Debtors", "Debtors control", "1100"),
    ControlCode("Creditors", "Creditors control", "2100"),
    ControlCode("DefaultBank", "Default bank", "1200"),
    ControlCode("SalesTax", "VAT on sales", "2200"),
    ControlCode("PurchaseTax", "VAT on purchases", "2201"),
    ControlCode("RetainedProfit", "Retained profit", "3200"),
    ControlCode("BadDebts", "Bad debts written off", "8100"),
    ControlCode("BankCharges", "Bank charges", "7900"),
)

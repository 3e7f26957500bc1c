"""The nominal ledger as financial statements need it, read in one round of side-by-side requests.

A statement is arithmetic on four things Sage keeps: each nominal account's value in each
accounting period (``nominal_period_value_views``), the balance it brought forward into this
year (``nominal_code_views``), the report category that places it on the profit and loss or the
balance sheet (``nominal_report_categories``), and the company's own layouts ordering those
categories under headings (``financial_report_layout_views``). Nothing here adds anything up;
``api/statements.py`` does, so its arithmetic can be tested without Sage.

Sage's names for layout row types and control account types are not documented publicly
(docs/SAGE200_API.md, [assume]): a layout row counts as a category row when it names a
category, and as a heading when it names none; control accounts are recognised by words in
their type or name, with Sage's default references as the last resort.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.errors import NotFound, NotSupported
from sage200_mcp.api.models import lenient_int, lenient_number
from sage200_mcp.api.nominal import REFERENCE_TTL, financial_periods
from sage200_mcp.api.views import FinancialPeriod

Report = Literal["profit_and_loss", "balance_sheet"]
Kind = Literal["income", "expense", "asset", "liability"]

PERIOD_VALUE_FIELDS = (
    "nominal_period_value_id,nominal_code_id,year_relative_to_current_year,"
    "accounting_period_period_number,nominal_period_value_actual_value,"
    "nominal_period_value_budget_value"
)
CODE_FIELDS = (
    "id,reference,name,cost_centre_code,department_code,report_category_id,"
    "brought_forward_balance,balance_year_to_date"
)
Control = Literal["debtors", "creditors", "retained"]
# Sage's default chart (its demonstration data and most installations) when nothing else says
DEFAULT_CONTROLS: dict[Control, str] = {"debtors": "1100", "creditors": "2100", "retained": "3200"}
# a word of each control account's type or name in Sage's list of default nominal accounts
CONTROL_CLUES: tuple[tuple[Control, str], ...] = (
    ("debtors", "debtor"),
    ("creditors", "creditor"),
    ("retained", "retained"),
)
KINDS: tuple[Kind, ...] = ("income", "expense", "asset", "liability")


@dataclass(frozen=True)
class Category:
    """A nominal report category: where an account's value goes on the statements."""

    id: int
    code: str
    name: str
    report: Report | None
    kind: Kind | None


@dataclass(frozen=True)
class LayoutLine:
    """A category row of a layout, under the heading that precedes it."""

    heading: str
    category_id: int
    title: str


@dataclass(frozen=True)
class Layout:
    name: str
    lines: tuple[LayoutLine, ...]


@dataclass
class Account:
    """A nominal account with its values by (year relative to this one, period number), in
    Sage's sign: debit positive, credit negative."""

    id: int
    reference: str
    name: str
    cost_centre: str = ""
    department: str = ""
    category_id: int | None = None
    brought_forward: float = 0.0
    balance_year_to_date: float | None = None
    actual: dict[tuple[int, int], float] = field(default_factory=dict)
    budget: dict[tuple[int, int], float] = field(default_factory=dict)


@dataclass(frozen=True)
class Books:
    """What one statement call read from Sage."""

    accounts: dict[int, Account]
    categories: dict[int, Category]
    layouts: dict[Report, Layout]
    layouts_offered: bool  # False: this Sage has no financial_report_layout_views at all
    periods: list[FinancialPeriod]
    controls: dict[Control, frozenset[int]]  # account ids of each control account
    controls_basis: str
    years: tuple[int, int]  # the years asked for, relative to this one: oldest, newest

    def holds(self, year: int) -> bool:
        """Whether Sage had any period value in ``year`` (an older year may not be kept)."""
        return any(y == year for account in self.accounts.values() for y, _ in account.actual)


async def read_books(client: SageClient, company: Company, years: tuple[int, int]) -> Books:
    """The accounts' values in ``years`` (relative: 0 this year, -1 last) and everything that
    places them and checks them, side by side: one round trip when the reference parts are
    remembered, however many accounts."""
    categories, layouts, periods, values, codes, control_rows = await asyncio.gather(
        _categories(client, company),
        _layouts(client, company),
        financial_periods(client, company),
        _period_values(client, company, years),
        _codes(client, company),
        _control_rows(client, company),
    )
    accounts = _accounts(values, codes)
    controls, basis = _controls(control_rows, accounts.values())
    return Books(
        accounts,
        categories,
        layouts or {},
        layouts is not None,
        periods.value,
        controls,
        basis,
        (min(years), max(years)),
    )


async def _categories(client: SageClient, company: Company) -> dict[int, Category]:
    async def load() -> dict[int, Category]:
        rows = await client.all_rows(
            "nominal_report_categories",
            company,
            {
                "$orderby": "code asc, id asc",
                "$select": "id,code,description,account_report_type,account_report_category_type",
            },
        )
        found = (_category(row) for row in rows)
        return {category.id: category for category in found if category is not None}

    key = ("report categories", company.site_id, company.company_id)
    return await client.remembered(key, load, REFERENCE_TTL)


def _category(row: dict[str, Any]) -> Category | None:
    identity = lenient_int(row.get("id"))
    if identity is None:
        return None
    report_text = _words(row.get("account_report_type"))
    kind_text = _words(row.get("account_report_category_type"))
    report: Report | None = (
        "profit_and_loss"
        if "profit" in report_text or "pnl" in report_text
        else "balance_sheet"
        if "balance" in report_text
        else None
    )
    kind = next((k for k in KINDS if k in kind_text), None)
    if report is None and kind is not None:  # the kind implies the statement
        report = "profit_and_loss" if kind in ("income", "expense") else "balance_sheet"
    return Category(
        identity,
        str(row.get("code") or ""),
        str(row.get("description") or ""),
        report,
        kind,
    )


async def _layouts(client: SageClient, company: Company) -> dict[Report, Layout] | None:
    """The first profit and loss and the first balance sheet layout, if the company has any
    (a new installation has none); None when this Sage does not offer layouts at all (404 or
    501: an edition or version without the resource), which the answer then says."""

    async def load() -> dict[Report, Layout] | None:
        try:
            rows = await client.all_rows(
                "financial_report_layout_views",
                company,
                {
                    "$orderby": "financial_report_layout_id asc,"
                    " financial_report_row_report_row asc",
                    "$select": "financial_report_layout_id,financial_report_layout_name,"
                    "financial_report_layout_account_report_type,financial_report_row_title,"
                    "financial_report_row_report_row,nominal_account_report_category_id",
                },
            )
        except (NotFound, NotSupported):
            return None
        return _layouts_of(rows)

    key = ("report layouts", company.site_id, company.company_id)
    return await client.remembered(key, load, REFERENCE_TTL)


def _layouts_of(rows: list[dict[str, Any]]) -> dict[Report, Layout]:
    by_layout: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_layout.setdefault(lenient_int(row.get("financial_report_layout_id")) or 0, []).append(
            row
        )
    found: dict[Report, Layout] = {}
    for layout_id in sorted(by_layout):
        layout_rows = by_layout[layout_id]
        kind = _words(layout_rows[0].get("financial_report_layout_account_report_type"))
        report: Report | None = (
            "profit_and_loss"
            if "profit" in kind
            else "balance_sheet"
            if "balance" in kind
            else None
        )
        if report is None or report in found:
            continue
        heading, lines = "", []
        ordered = sorted(
            layout_rows, key=lambda r: lenient_int(r.get("financial_report_row_report_row")) or 0
        )
        for row in ordered:
            title = str(row.get("financial_report_row_title") or "").strip()
            category = lenient_int(row.get("nominal_account_report_category_id")) or 0
            if category:
                lines.append(LayoutLine(heading, category, title))
            elif title and not _is_total(title):
                heading = title
        if lines:
            found[report] = Layout(
                str(layout_rows[0].get("financial_report_layout_name") or ""), tuple(lines)
            )
    return found


def _is_total(title: str) -> bool:
    """A subtotal row's title ("Gross profit", "Net current assets"): not a section heading."""
    words = title.lower()
    return any(w in words for w in ("total", "net ", "gross", "profit", "loss"))


async def _period_values(
    client: SageClient, company: Company, years: tuple[int, int]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    await client.scan(
        "nominal_period_value_views",
        company,
        {
            "$filter": str(
                odata.compare("year_relative_to_current_year", "ge", min(years))
                & odata.compare("year_relative_to_current_year", "le", max(years))
            ),
            "$orderby": "nominal_period_value_id asc",
            "$select": PERIOD_VALUE_FIELDS + ",nominal_code_reference,nominal_code_name,"
            "nominal_code_cost_centre,nominal_code_department,nominal_code_report_category_id",
        },
        rows.extend,
        advice="Ask for one financial year at a time.",
        counted=True,  # a row per account and period: thousands at a big company
    )
    return rows


async def _codes(client: SageClient, company: Company) -> list[dict[str, Any]]:
    """Each account's balances and category, from the view: ``nominal_codes`` marks its
    category "Professional only" (for Group accounts, which Standard lacks), and a Standard
    company may leave it out there."""
    return await client.all_rows(
        "nominal_code_views", company, {"$orderby": "id asc", "$select": CODE_FIELDS}
    )


async def _control_rows(client: SageClient, company: Company) -> list[dict[str, Any]]:
    async def load() -> list[dict[str, Any]]:
        try:
            return await client.all_rows(
                "control_nominal_codes",
                company,
                {
                    "$orderby": "id asc",
                    "$select": "id,name,account_number,control_nominal_code_type",
                },
            )
        except NotFound:
            return []

    key = ("control accounts", company.site_id, company.company_id)
    return await client.remembered(key, load, REFERENCE_TTL)


def _accounts(values: list[dict[str, Any]], codes: list[dict[str, Any]]) -> dict[int, Account]:
    accounts: dict[int, Account] = {}
    for row in codes:
        identity = lenient_int(row.get("id"))
        if identity is None:
            continue
        accounts[identity] = Account(
            identity,
            str(row.get("reference") or ""),
            str(row.get("name") or ""),
            str(row.get("cost_centre_code") or ""),
            str(row.get("department_code") or ""),
            lenient_int(row.get("report_category_id")),
            lenient_number(row.get("brought_forward_balance")) or 0.0,
            lenient_number(row.get("balance_year_to_date")),
        )
    for row in values:
        identity = lenient_int(row.get("nominal_code_id"))
        year = lenient_int(row.get("year_relative_to_current_year"))
        period = lenient_int(row.get("accounting_period_period_number"))
        if identity is None or year is None or period is None:
            continue
        account = accounts.get(identity)
        if account is None:
            account = accounts[identity] = Account(
                identity,
                str(row.get("nominal_code_reference") or ""),
                str(row.get("nominal_code_name") or ""),
                str(row.get("nominal_code_cost_centre") or ""),
                str(row.get("nominal_code_department") or ""),
                lenient_int(row.get("nominal_code_report_category_id")),
            )
        key = (year, period)
        actual = lenient_number(row.get("nominal_period_value_actual_value")) or 0.0
        budget = lenient_number(row.get("nominal_period_value_budget_value")) or 0.0
        account.actual[key] = account.actual.get(key, 0.0) + actual
        account.budget[key] = account.budget.get(key, 0.0) + budget
    return accounts


def _controls(
    rows: list[dict[str, Any]], accounts: Iterable[Account]
) -> tuple[dict[Control, frozenset[int]], str]:
    """The accounts behind debtors control, creditors control and retained profit: by Sage's
    default nominal accounts where it lists them, else by Sage's default references."""
    references: dict[Control, str] = {}
    for row in rows:
        words = _words(row.get("control_nominal_code_type")) + " " + _words(row.get("name"))
        number = str(row.get("account_number") or "").strip()
        for control, clue in CONTROL_CLUES:
            if clue in words and number and control not in references:
                references[control] = number
    basis = "Sage's default nominal accounts"
    if len(references) < len(DEFAULT_CONTROLS):
        basis = (
            "Sage's default nominal accounts, and its standard references where it lists none"
            if references
            else "Sage's standard references (1100, 2100, 3200): the company lists no defaults"
        )
    known = list(accounts)
    found: dict[Control, frozenset[int]] = {
        control: frozenset(a.id for a in known if a.reference == references.get(control, default))
        for control, default in DEFAULT_CONTROLS.items()
    }
    return found, basis


def _words(value: Any) -> str:
    return str(value or "").lower()

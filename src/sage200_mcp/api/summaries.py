"""Totals over a ledger's transactions: what was invoiced, credited and paid over some days.

"What did we invoice last month?" and "who were our top suppliers this year?" are sums, and a
model paging through transactions to add them up spends its context and gets them wrong. Here the
ledger's transaction view is read date-filtered on Sage's side, only the fields summed are asked
for, and each page is added into running sums as it arrives (``SageClient.scan``): memory holds a
total per group, per kind of document and per currency, whatever the number of transactions.

Why not Sage's ``customer_period_value_views``? They hold an account's invoice, credit note and
cash totals per sales trading period, but not its tax, so neither the VAT nor the gross figure
could be given from them; and trading periods need not be calendar months. The transaction view
gives every figure, for any days.

Kinds of document are told by the ending of Sage's transaction type (numbers are named from the
company's ``trader_transaction_types`` once the scan is done, so the lookup costs no round trip
of its own): invoices, credit notes, receipts (payments to suppliers) and refunds. Opening
balance documents are the balances carried in when the books began, not trading, and are left
out. Credit notes and receipts are taken at their size whatever their sign (Sage shows them
negative).

Sales by product are summed from the lines of sales invoices and credit notes (product_sales.py),
in a scan beside the ledger's: the totals stay the ledger's, and the share of its goods invoiced
that the lines account for is given, since a document typed straight into the ledger has none.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from sage200_mcp.api import odata
from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.ledgers import SALES, Ledger
from sage200_mcp.api.lookups import TRANSACTION_TYPES, Enumeration, along, enumeration
from sage200_mcp.api.models import lenient_int, lenient_number
from sage200_mcp.api.product_sales import LINES, ProductSales, product_sales
from sage200_mcp.api.views import FinancialPeriod

Period = Literal[
    "this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year"
]
GroupBy = Literal["month", "quarter", "account", "product"]
Kind = Literal["invoice", "credit_note", "paid", "refund"]

# what each kind of document's Sage type name ends with (see ledgers.ENTRY_TYPES)
KINDS: dict[str, Kind] = {
    "Invoice": "invoice",
    "CreditNote": "credit_note",
    "PurchasePaymentSalesReceipt": "paid",
    "PurchaseReceiptSalesPayment": "refund",
}
VALUES = ("goods", "tax", "gross")


@dataclass(frozen=True)
class Days:
    """The first and last day summed, and what they were asked as."""

    first: date
    last: date
    period: Period | None = None
    note: str | None = None  # how a named period was read, when it needs saying


def period_days(period: Period, today: date, periods: list[FinancialPeriod]) -> Days:
    """The days a named period means on ``today``. Months and quarters are calendar ones; years
    are the company's financial years (Sage's financial periods), the calendar year only when
    Sage lists none. A period holding today ends today."""
    if period in ("this_month", "last_month"):
        first = today.replace(day=1)
        if period == "this_month":
            return Days(first, today, period)
        before = first - timedelta(days=1)
        return Days(before.replace(day=1), before, period)
    if period in ("this_quarter", "last_quarter"):
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        if period == "this_quarter":
            return Days(first, today, period)
        before = first - timedelta(days=1)
        return Days(date(before.year, (before.month - 1) // 3 * 3 + 1, 1), before, period)
    relative = 0 if period == "this_year" else -1
    year = financial_year(periods, relative)
    if year is None:
        start = date(today.year + relative, 1, 1)
        year = (start, date(start.year, 12, 31))
        note = "Sage lists no financial periods here: the calendar year was used."
    else:
        note = None
    return Days(year[0], min(year[1], today) if relative == 0 else year[1], period, note)


def financial_year(periods: list[FinancialPeriod], relative: int) -> tuple[date, date] | None:
    """The first and last day of a financial year (0 this one, -1 the last), if Sage lists it."""
    for period in periods:
        if period.year_relative_to_current_year == relative:
            first, last = period.financial_year_start_date, period.financial_year_end_date
            return (first, last) if first and last else None
    return None


@dataclass
class Sums:
    """Running sums of one kind of document in one group and one currency."""

    count: int = 0
    document: dict[str, float] = field(default_factory=lambda: dict.fromkeys(VALUES, 0.0))
    base: dict[str, float] = field(default_factory=lambda: dict.fromkeys(VALUES, 0.0))

    def add(self, row: dict[str, Any]) -> None:
        self.count += 1
        for value in VALUES:
            self.document[value] += abs(lenient_number(row.get(f"document_{value}_value")) or 0)
            self.base[value] += abs(lenient_number(row.get(f"base_{value}_value")) or 0)


@dataclass(frozen=True)
class Figures:
    """A group's (or the whole range's) totals: documents counted, goods invoiced and credited,
    their net, its tax and gross, and what was paid (receipts less refunds)."""

    documents: int
    invoiced: float
    credited: float
    net: float
    tax: float
    gross: float
    paid: float

    @classmethod
    def of(cls, by_kind: dict[Kind, Sums], base: bool = True) -> Figures:
        def total(kind: Kind, value: str) -> float:
            sums = by_kind.get(kind)
            if sums is None:
                return 0.0
            return (sums.base if base else sums.document)[value]

        invoiced, credited = total("invoice", "goods"), total("credit_note", "goods")
        tax = total("invoice", "tax") - total("credit_note", "tax")
        return cls(
            sum(s.count for s in by_kind.values()),
            round(invoiced, 2),
            round(credited, 2),
            round(invoiced - credited, 2),
            round(tax, 2),
            round(invoiced - credited + tax, 2),
            round(total("paid", "gross") - total("refund", "gross"), 2),
        )

    @classmethod
    def added(cls, parts: list[Figures]) -> Figures:
        return cls(
            sum(p.documents for p in parts),
            *(round(sum(getattr(p, name) for p in parts), 2) for name in FIGURES),
        )


FIGURES = ("invoiced", "credited", "net", "tax", "gross", "paid")


@dataclass(frozen=True)
class Group:
    """One line of the answer: a month ('2026-10'), a quarter ('2026-Q4'), an account (its
    reference, name and id) or a product (its code, name and id, and the quantity invoiced less
    credited; its documents are lines, its ``paid`` nothing); or the others (``merged`` groups
    summed)."""

    key: str
    figures: Figures
    name: str | None = None
    id: int | None = None
    merged: int | None = None
    quantity: float | None = None


@dataclass(frozen=True)
class Summary:
    totals: Figures
    by_currency: dict[str, Figures]  # document currency -> totals in it
    groups: list[Group]
    groups_found: int
    basis: str
    lines_cover: float | None = None  # by product: lines' goods invoiced / the ledger's


# the transaction view's fields a summary reads, beyond the party's
FIELDS = (
    "transaction_type",
    "transaction_date",
    "currency_name",
    *(f"{side}_{value}_value" for side in ("document", "base") for value in VALUES),
)
ADVICE = "Ask for fewer days, or for one account."


async def summarise(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    days: Days,
    *,
    group_by: GroupBy | None,
    account_id: int | None,
    top: int,
) -> Summary:
    """The ledger's totals over ``days`` (inclusive), grouped and cut to the ``top`` groups by
    net value (months and quarters are all kept, in order), in one date-filtered scan; by
    product (sales only), with a scan of the invoice lines beside it."""
    if group_by == "product":
        return await _by_product(client, ledger, company, days, account_id=account_id, top=top)
    party = ledger.party
    names: dict[str, tuple[str, str]] = {}  # group key -> (reference, name) of its account
    # group key -> Sage's transaction type as sent -> currency -> sums
    sums: defaultdict[str, defaultdict[Any, defaultdict[str, Sums]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Sums))
    )

    def add(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            key = _key(row, group_by, party)
            if group_by == "account" and key not in names:
                names[key] = (
                    str(row.get(f"{party}_reference") or ""),
                    str(row.get(f"{party}_name") or ""),
                )
            sums[key][row.get("transaction_type")][str(row.get("currency_name") or "")].add(row)

    expression = odata.all_of(
        [
            odata.eq(ledger.party_id, account_id) if account_id is not None else None,
            odata.compare("transaction_date", "ge", days.first),
            odata.compare("transaction_date", "le", days.last),
        ]
    )
    party_fields = (ledger.party_id, f"{party}_reference", f"{party}_name")
    await along(
        client,
        company,
        client.scan(
            ledger.transactions,
            company,
            {
                "$filter": str(expression),
                "$select": ",".join((*FIELDS, *party_fields)),
                "$orderby": f"{ledger.transaction_id} asc",
            },
            add,
            advice=ADVICE,
            counted=True,  # a year of a busy ledger: tens of thousands of rows
        ),
        TRANSACTION_TYPES,
    )
    types = await enumeration(client, company, TRANSACTION_TYPES)  # remembered by ``along``
    by_group = {key: _by_kind(found, types) for key, found in sums.items()}
    everything = _merged(list(by_group.values()))
    currencies = _by_currency(sums, types)
    groups = [
        Group(
            key if group_by != "account" else names[key][0],
            Figures.of(kinds),
            names[key][1] if group_by == "account" else None,
            lenient_int(key) if group_by == "account" else None,
        )
        for key, kinds in by_group.items()
        if group_by is not None
    ]
    return Summary(
        Figures.of(everything),
        {code: Figures.of(kinds, base=False) for code, kinds in currencies.items()}
        if len(currencies) > 1
        else {},
        _ranked(groups, group_by, top),
        len(groups),
        f"{ledger.transactions}, dated {days.first} to {days.last}",
    )


async def _by_product(
    client: SageClient,
    ledger: Ledger,
    company: Company,
    days: Days,
    *,
    account_id: int | None,
    top: int,
) -> Summary:
    """The ledger's totals, and lines by product from the invoice lines, read side by side."""
    if ledger is not SALES:
        raise ValueError("only sales have lines by product")
    ledger_sums, products = await asyncio.gather(
        summarise(client, ledger, company, days, group_by=None, account_id=account_id, top=top),
        product_sales(client, company, days.first, days.last, account_id),
    )
    groups = [_product_group(found) for found in products]
    lines = sum(found.invoiced.net for found in products)
    invoiced = ledger_sums.totals.invoiced
    return Summary(
        ledger_sums.totals,
        ledger_sums.by_currency,
        _ranked(groups, "product", top),
        len(groups),
        f"{ledger_sums.basis}; products from {LINES}, the same days",
        round(lines / invoiced, 4) if invoiced else None,
    )


def _product_group(found: ProductSales) -> Group:
    invoiced, credited = found.invoiced, found.credited
    figures = Figures(
        invoiced.lines + credited.lines,
        round(invoiced.net, 2),
        round(credited.net, 2),
        round(invoiced.net - credited.net, 2),
        round(invoiced.tax - credited.tax, 2),
        round(invoiced.net - credited.net + invoiced.tax - credited.tax, 2),
        0.0,
    )
    quantity = round(invoiced.quantity - credited.quantity, 5)
    return Group(found.code, figures, found.name, found.id, quantity=quantity)


def _key(row: dict[str, Any], group_by: GroupBy | None, party: str) -> str:
    day = str(row.get("transaction_date") or "")[:10]
    if group_by == "month":
        return day[:7]
    if group_by == "quarter":
        month = int(day[5:7]) if day[5:7].isdigit() else 0
        return f"{day[:4]}-Q{(month + 2) // 3}"
    if group_by == "account":
        return str(row.get(f"{party}_id"))
    return ""


def kind_of(sage_type: Any, types: Enumeration) -> Kind | None:
    """Which kind of document a transaction type (name or number) is, if one summed."""
    name = str(types.name(sage_type))
    for ending, kind in KINDS.items():
        if name.endswith(f"EntryType{ending}") or name == ending:
            return kind
    return None


def _by_kind(found: dict[Any, defaultdict[str, Sums]], types: Enumeration) -> dict[Kind, Sums]:
    """One group's sums by kind of document, over currencies (base values only add up)."""
    kinds: dict[Kind, Sums] = {}
    for sage_type, by_currency in found.items():
        kind = kind_of(sage_type, types)
        if kind is not None:
            kinds[kind] = _merged_sums([kinds.get(kind, Sums()), *by_currency.values()])
    return kinds


def _by_currency(
    sums: dict[str, defaultdict[Any, defaultdict[str, Sums]]], types: Enumeration
) -> dict[str, dict[Kind, Sums]]:
    """Every group's sums by document currency and kind (document values add up within one
    currency only)."""
    currencies: defaultdict[str, dict[Kind, Sums]] = defaultdict(dict)
    for found in sums.values():
        for sage_type, by_currency in found.items():
            kind = kind_of(sage_type, types)
            if kind is None:
                continue
            for currency, part in by_currency.items():
                held = currencies[currency]
                held[kind] = _merged_sums([held.get(kind, Sums()), part])
    return dict(currencies)


def _merged(groups: list[dict[Kind, Sums]]) -> dict[Kind, Sums]:
    kinds: dict[Kind, Sums] = {}
    for group in groups:
        for kind, part in group.items():
            kinds[kind] = _merged_sums([kinds.get(kind, Sums()), part])
    return kinds


def _merged_sums(parts: list[Sums]) -> Sums:
    merged = Sums()
    for part in parts:
        merged.count += part.count
        for value in VALUES:
            merged.document[value] += part.document[value]
            merged.base[value] += part.base[value]
    return merged


def _ranked(groups: list[Group], group_by: GroupBy | None, top: int) -> list[Group]:
    """Months and quarters in order, all of them; accounts and products by net value (then what
    they paid), the largest ``top`` kept and the rest summed into one 'others' line, so that
    the lines still add up to the totals (a product's to the lines')."""
    if group_by not in ("account", "product"):
        return sorted(groups, key=lambda g: g.key)
    ranked = sorted(groups, key=lambda g: (-g.figures.net, -g.figures.paid, g.key))
    kept, rest = ranked[:top], ranked[top:]
    if not rest:
        return kept
    quantity = round(sum(g.quantity or 0 for g in rest), 5) if group_by == "product" else None
    others = Group(
        "others", Figures.added([g.figures for g in rest]), merged=len(rest), quantity=quantity
    )
    return [*kept, others]

"""A company's generated books as plain objects, before they become table rows.

Building the whole model first lets the derived figures (balances, credit limits, values on order,
nominal balances) be computed from the same objects the tables are written from.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sage200_mcp.sandbox.seed import (
    chart,
    ledger,
    nominal,
    orders,
    parties,
    reference,
    stock,
    words,
)
from sage200_mcp.sandbox.seed.companies import CompanyPlan
from sage200_mcp.sandbox.seed.period_values import PeriodValues, period_values

CUSTOMER_FIRST_ID = 10_001
SUPPLIER_FIRST_ID = 20_001


@dataclass
class TradingLedger:
    """One ledger (sales or purchase): its accounts and their postings."""

    code: str  # "SL" or "PL"
    parties: list[parties.Party]
    postings: list[ledger.Posting]
    nominal_code: dict[int, str]  # party id -> the key of its revenue or expense account

    def postings_of(self, party_id: int) -> list[ledger.Posting]:
        return self._by_party.get(party_id, [])

    def __post_init__(self) -> None:
        self._by_party: dict[int, list[ledger.Posting]] = {}
        for posting in self.postings:
            self._by_party.setdefault(posting.party.id, []).append(posting)

    def balance(self, party_id: int) -> int:
        return sum(p.outstanding for p in self.postings_of(party_id))


@dataclass
class Rates:
    """A company's currencies and tax codes, and which apply to an account."""

    plan: CompanyPlan
    currencies: tuple[reference.Currency, ...]
    tax_codes: tuple[reference.TaxCode, ...]

    def currency(self, iso: str) -> reference.Currency:
        return self._by_iso[iso]

    @functools.cached_property
    def _by_iso(self) -> dict[str, reference.Currency]:
        return {c.iso: c for c in self.currencies}

    def tax_code_for(self, party: parties.Party) -> reference.TaxCode:
        """Standard rate at home; zero rate for accounts invoiced in another currency."""
        code = 1 if party.currency == self.plan.base_currency else 0
        return next(t for t in self.tax_codes if t.code == code)

    def tax_rate(self, party: parties.Party) -> float:
        return self.tax_code_for(party).rate / 100

    def rate(self, party: parties.Party) -> float:
        return self.currency(party.currency).rate

    def to_base(self, pence: int, party: parties.Party) -> int:
        return round(pence / self.rate(party))


@dataclass
class CompanyModel:
    plan: CompanyPlan
    seed: int
    today: date
    rates: Rates
    periods: tuple[reference.Period, ...]
    sales: TradingLedger
    purchases: TradingLedger
    catalogue: stock.Catalogue
    sales_orders: list[orders.Order]
    purchase_orders: list[orders.Order]
    nominal_ledger: nominal.NominalBuilder
    balances: dict[str, nominal.Balances]  # by account key
    period_values: PeriodValues


def build_model(plan: CompanyPlan, seed: int, today: date) -> CompanyModel:
    currencies = reference.currencies(plan)
    tax_codes = reference.tax_codes(plan)
    periods = reference.financial_periods(plan, today)

    customers = parties.make_parties(
        plan, "customer", plan.customers, plan.named_customers, seed, today, CUSTOMER_FIRST_ID
    )
    suppliers = parties.make_parties(
        plan, "supplier", plan.suppliers, plan.named_suppliers, seed, today, SUPPLIER_FIRST_ID
    )
    _scale_purchasing(customers, suppliers)
    rates = Rates(plan, currencies, tax_codes)
    sales = _trading_ledger("SL", customers, today, rates, _revenue_codes(plan, customers))
    purchases = _trading_ledger("PL", suppliers, today, rates, _expense_codes(plan, suppliers))
    _settle_accounts(sales, today)
    _settle_accounts(purchases, today)
    _spend_streams(customers + suppliers)

    price_factor = 1.0 if plan.base_currency == "GBP" else 1.17
    catalogue = stock.make_catalogue(plan, seed, price_factor)
    rate_of = {c.iso: c.rate for c in currencies}
    sales_orders = orders.make_orders(
        "sop",
        plan.sales_orders,
        customers,
        catalogue,
        rate_of,
        {p.id: rates.tax_rate(p) for p in customers},
        seed,
        plan.id,
        today,
    )
    purchase_orders = orders.make_orders(
        "pop",
        plan.purchase_orders,
        suppliers,
        catalogue,
        rate_of,
        {p.id: rates.tax_rate(p) for p in suppliers},
        seed,
        plan.id,
        today,
    )

    builder = _nominal(plan, seed, today, periods, sales, purchases, rates)
    return CompanyModel(
        plan=plan,
        seed=seed,
        today=today,
        rates=rates,
        periods=periods,
        sales=sales,
        purchases=purchases,
        catalogue=catalogue,
        sales_orders=sales_orders,
        purchase_orders=purchase_orders,
        nominal_ledger=builder,
        balances=nominal.balances(builder, periods, today),
        period_values=period_values(builder.accounts, builder.lines, periods),
    )


def _trading_ledger(
    code: str,
    accounts: list[parties.Party],
    today: date,
    rates: Rates,
    nominal_codes: dict[int, str],
) -> TradingLedger:
    drafts = []
    for party in accounts:
        for draft in ledger.history(party, today, rates.tax_rate(party)):
            drafts.append((party, draft))
    drafts.sort(key=lambda pair: (pair[1].day, pair[0].index))
    numbers = {"invoice": 0, "credit": 0, "payment": 0}
    postings: list[ledger.Posting] = []
    rng = random.Random(f"{code}:{rates.plan.id}:numbers")
    for party, draft in drafts:
        reference_text, second = _references(code, party, draft, numbers, rng)
        draft.reference = reference_text
        postings.append(
            ledger.Posting(
                id=len(postings) + 1,
                party=party,
                kind=draft.kind,
                reference=reference_text,
                second_reference=second,
                day=draft.day,
                due=draft.due,
                goods=draft.goods,
                tax=draft.tax,
                allocated=draft.allocated,
                settled=draft.settled,
                user=rng.choice(ledger.USERS),
                urn=0,
            )
        )
    return TradingLedger(code, accounts, postings, nominal_codes)


def _references(
    code: str,
    party: parties.Party,
    draft: ledger.Draft,
    numbers: dict[str, int],
    rng: random.Random,
) -> tuple[str, str]:
    if draft.kind == ledger.INVOICE:
        numbers["invoice"] += 1
        if code == "SL":
            return f"INV{numbers['invoice']:06d}", f"PO-{rng.randint(1000, 99999)}"
        return f"{party.reference[:3]}-{rng.randint(10000, 99999)}", f"PO{numbers['invoice']:07d}"
    if draft.kind == ledger.CREDIT_NOTE:
        numbers["credit"] += 1
        prefix = "CRN" if code == "SL" else "SCR"
        return f"{prefix}{numbers['credit']:06d}", "Returned goods"
    paid = draft.paid_invoice
    return draft.reference or "BACS", paid.reference if paid else "On account"


def _settle_accounts(trading: TradingLedger, today: date) -> None:
    """Credit limits follow the history: most accounts sit well inside theirs, some do not."""
    for party in trading.parties:
        balance = trading.balance(party.id)
        rng = party.rng
        if "over_limit" in party.traits and balance > 10_000:
            party.credit_limit = max(
                50_000, (int(balance * rng.uniform(0.5, 0.9)) // 50_000) * 50_000
            )
        elif "cash" in party.traits or rng.random() < 0.1:
            party.credit_limit = 0
        else:
            wanted = max(balance * 2, party.typical_invoice * 4, 100_000)
            party.credit_limit = -(-int(wanted) // 100_000) * 100_000
        if party.hidden:
            party.on_hold = False


def _spend_streams(accounts: list[parties.Party]) -> None:
    """Drop each account's random stream once its history is drawn: a Mersenne Twister's state
    is 2.5 KB, 125 MB at 50,000 customers, and nothing after this point may draw from it (a
    late draw fails, as it must, rather than change the books)."""
    for party in accounts:
        del party.rng


def _scale_purchasing(customers: list[parties.Party], suppliers: list[parties.Party]) -> None:
    """Stock suppliers invoice about half of what customers buy, as a wholesaler's margins
    suggest; overhead suppliers (rent, energy, printing...) keep invoices of ordinary size."""
    stock_codes = {"5000", "5100"}
    codes = dict(words.SUPPLIER_TRADES)
    stock = [s for s in suppliers if codes.get(s.sector, "5000") in stock_codes]
    selling = sum(p.activity * p.typical_invoice for p in customers)
    buying = sum(p.activity * p.typical_invoice for p in stock) or 1
    factor = 0.5 * selling / buying
    for supplier in stock:
        supplier.typical_invoice = max(1_000, int(supplier.typical_invoice * factor))


def _revenue_codes(plan: CompanyPlan, customers: list[parties.Party]) -> dict[int, str]:
    return {
        p.id: chart.party_split(plan, p.rng.choice(nominal.REVENUE_CODES), p.id) for p in customers
    }


def _expense_codes(plan: CompanyPlan, suppliers: list[parties.Party]) -> dict[int, str]:
    codes = dict(words.SUPPLIER_TRADES)
    return {p.id: chart.party_split(plan, codes.get(p.sector, "5000"), p.id) for p in suppliers}


def _nominal(
    plan: CompanyPlan,
    seed: int,
    today: date,
    periods: tuple[reference.Period, ...],
    sales: TradingLedger,
    purchases: TradingLedger,
    rates: Rates,
) -> nominal.NominalBuilder:
    """The nominal ledger from its opening balances, a month before trading starts but never
    before the financial calendar does (early in a year the calendar's first year began less
    than a month before trading), to today."""
    builder = nominal.NominalBuilder(chart.chart(plan), first_urn=0)
    start = max(today - timedelta(days=ledger.HISTORY_DAYS + 30), periods[0].start)
    urn = 0
    for trading in (sales, purchases):
        base: dict[int, tuple[int, int]] = {}
        for posting in trading.postings:
            urn += 1
            posting.urn = urn
            base[posting.id] = (
                rates.to_base(posting.goods, posting.party),
                rates.to_base(posting.tax, posting.party),
            )
        nominal.post_trading(
            builder, trading.postings, trading.code, trading.nominal_code, base, plan.postings
        )
    builder.urn = urn
    monthly_sales = sum(p.goods for p in sales.postings if p.kind == ledger.INVOICE) // 24
    nominal.post_journals(
        builder, plan, random.Random(f"{seed}:{plan.id}:journals"), start, today, monthly_sales
    )
    nominal.post_vat_returns(builder, start, today)
    nominal.fund_bank(builder, start)
    for trading, control, sign in (
        (sales, nominal.DEBTORS, 1),  # customers owe: a debit
        (purchases, nominal.CREDITORS, -1),  # owed to suppliers: a credit
    ):
        owed = sum(rates.to_base(p.outstanding, p.party) for p in trading.postings)
        nominal.post_currency_rounding(builder, control, sign * owed, today, trading.code)
    if plan.unbalanced:
        nominal.post_one_sided(builder, today)
    return builder

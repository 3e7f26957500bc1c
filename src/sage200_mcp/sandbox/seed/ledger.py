"""Two years of trading per account: invoices, credit notes and payments, and their ageing.

Money is in pence (integers) until it is written out, so balances add up exactly. Values are signed
as the ledger sees them: invoices positive, credit notes and payments negative. An account's
balance is the sum of its outstanding values, and every aged bucket is cut from those same items.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sage200_mcp.sandbox.seed.parties import Party

INVOICE = "TradingAccountEntryTypeInvoice"
CREDIT_NOTE = "TradingAccountEntryTypeCreditNote"
PAYMENT = "TradingAccountEntryTypePurchasePaymentSalesReceipt"

HISTORY_DAYS = 730
USERS = ("MANAGER", "SARAH", "JAMES", "PRIYA")

# days paid after the due date: (mean, spread); poor payers also leave some invoices unpaid
_PAYMENT_DELAY = {"prompt": (-3, 4), "average": (8, 10), "slow": (35, 18), "poor": (70, 35)}
_NEVER_PAID = {"prompt": 0.0, "average": 0.005, "slow": 0.03, "poor": 0.15}


@dataclass(slots=True)  # a big ledger holds hundreds of thousands
class Posting:
    id: int
    party: Party
    kind: str
    reference: str
    second_reference: str
    day: date
    due: date
    goods: int
    tax: int
    allocated: int
    settled: date | None
    user: str
    urn: int = 0

    @property
    def gross(self) -> int:
        return self.goods + self.tax

    @property
    def outstanding(self) -> int:
        return self.gross - self.allocated


@dataclass
class Draft:
    kind: str
    day: date
    due: date
    goods: int
    tax: int
    allocated: int = 0
    settled: date | None = None
    paid_invoice: Draft | None = None
    reference: str = ""
    second_reference: str = ""


def due_date(day: date, terms_days: int, basis: str) -> date:
    """When an item falls due: N days from the document date, or from the end of its month."""
    if basis == "PaymentDueFromCalendarMonth":
        last = calendar.monthrange(day.year, day.month)[1]
        return date(day.year, day.month, last) + timedelta(days=terms_days)
    return day + timedelta(days=terms_days)


def history(party: Party, today: date, tax_rate: float) -> list[Draft]:
    """The account's documents, oldest first."""
    rng = party.rng
    start = max(party.opened, today - timedelta(days=HISTORY_DAYS))
    end = today - timedelta(days=rng.randint(400, 700)) if party.hidden else today
    drafts: list[Draft] = []
    mean_gap = 30 / party.activity
    day = start + timedelta(days=int(rng.uniform(0, mean_gap)))
    while day <= end:
        drafts.extend(_trade(party, day, today, tax_rate))
        day += timedelta(days=max(1, int(rng.expovariate(1 / mean_gap))))
    if not party.hidden and rng.random() < 0.03:
        on_account = -100 * rng.choice((100, 250, 500, 1000))
        paid = today - timedelta(days=rng.randint(1, 40))
        drafts.append(Draft(PAYMENT, paid, paid, on_account, 0, reference="BACS"))
    drafts.sort(key=lambda d: (d.day, d.kind != INVOICE))
    return drafts


def _trade(party: Party, day: date, today: date, tax_rate: float) -> list[Draft]:
    """One invoice, and what happened to it: a credit note, a payment in full or in part."""
    rng = party.rng
    goods = max(500, int(rng.lognormvariate(0, 0.6) * party.typical_invoice))
    invoice = Draft(
        INVOICE,
        day,
        due_date(day, party.terms_days, party.terms_basis),
        goods,
        round(goods * tax_rate),
    )
    drafts = [invoice]
    credit_day = day + timedelta(days=rng.randint(3, 20))
    if rng.random() < 0.05 and credit_day <= today:
        credited = -int(goods * rng.choice((0.1, 0.25, 0.5, 1.0)))
        credit = Draft(CREDIT_NOTE, credit_day, credit_day, credited, round(credited * tax_rate))
        credit.allocated = credit.goods + credit.tax
        credit.settled = credit_day
        invoice.allocated -= credit.allocated
        drafts.append(credit)
    remaining = invoice.goods + invoice.tax - invoice.allocated
    if remaining <= 0:
        invoice.settled = credit_day
        return drafts
    paid = _payment_day(party, invoice, today)
    if paid is None:
        return drafts
    part = party.payer in ("slow", "poor") and rng.random() < 0.1 and (today - paid).days < 120
    amount = remaining // 2 if part else remaining
    invoice.allocated += amount
    if not part:
        invoice.settled = paid
    payment = Draft(
        PAYMENT, paid, paid, -amount, 0, allocated=-amount, settled=paid, paid_invoice=invoice
    )
    payment.reference = rng.choice(("BACS", "BACS", "BACS", "CHQ", "CARD"))
    drafts.append(payment)
    return drafts


def _payment_day(party: Party, invoice: Draft, today: date) -> date | None:
    rng = party.rng
    if "cash" in party.traits:
        return invoice.day
    age = (today - invoice.day).days
    if "overdue" in party.traits and 45 <= age <= 200 and rng.random() < 0.7:
        return None
    if rng.random() < _NEVER_PAID[party.payer] and not party.hidden:
        return None
    mean, spread = _PAYMENT_DELAY[party.payer]
    paid = invoice.due + timedelta(days=int(rng.gauss(mean, spread)))
    paid = max(paid, invoice.day)
    if party.hidden:
        return paid
    return paid if paid <= today else None


def aged_bucket(
    reference_day: date, transaction_day: date, today: date, limits: tuple[int, ...], by_month: bool
) -> str:
    """The bucket an outstanding item falls in: ``future``, ``current``, ``period_N`` or ``past``.

    ``reference_day`` is the due date or the transaction date, by the ageing basis asked for.
    """
    if transaction_day > today:
        return "future"
    if by_month:
        months = (today.year - reference_day.year) * 12 + today.month - reference_day.month
        if months <= 0:
            return "current"
        return f"period_{months}" if months <= len(limits) else "past"
    age = (today - reference_day).days
    if age <= 0:
        return "current"
    for number, limit in enumerate(limits, start=1):
        if age <= limit:
            return f"period_{number}"
    return "past"


def period_labels(today: date, limits: tuple[int, ...], by_month: bool) -> list[str]:
    """Names of ageing periods 1..8 as the ledger shows them ('' for unused periods)."""
    labels: list[str] = []
    lower = 1
    for number, limit in enumerate(limits, start=1):
        if by_month:
            month_index = today.year * 12 + today.month - 1 - number
            labels.append(f"{calendar.month_name[month_index % 12 + 1]} {month_index // 12}")
        else:
            labels.append(f"{lower} to {limit} days")
            lower = limit + 1
    return labels + [""] * (8 - len(labels))

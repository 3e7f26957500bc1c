"""What customer and supplier answers look like, and how Sage's rows become them: account rows
and detail, transactions with their days overdue, aged balances by period. The tools that give
these answers are declared in tools/traders.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from sage200_mcp.api import ledgers
from sage200_mcp.api.account_lists import AccountFields
from sage200_mcp.api.dormant import Dormancy
from sage200_mcp.api.ledgers import Ledger
from sage200_mcp.api.lookups import words
from sage200_mcp.api.models import (
    Account,
    AccountView,
    AgedBalance,
    AgedRow,
    Contact,
    TransactionView,
)
from sage200_mcp.tools.arguments import Finite
from sage200_mcp.tools.output import CompanyRef, PageInfo

Sort = Literal["name", "-name", "reference", "-reference", "balance", "-balance"]
EntryType = Literal["invoice", "credit_note", "payment", "refund"]
Ageing = Literal["duedate", "transactiondate", "calendarmonth"]

# Arguments the customer and supplier tools share, worded once.
MinBalance = Annotated[
    float | None, Field(description="Balance at least this, in base currency."), Finite
]
MaxBalance = Annotated[
    float | None, Field(description="Balance at most this, in base currency."), Finite
]
SortArg = Annotated[Sort, Field(description="Order of the rows; '-' for descending.")]
ExtraFields = Annotated[
    list[str] | None,
    Field(max_length=20, description="Extra fields per row, by their Sage names."),
]
OutstandingOnly = Annotated[bool, Field(description="Only unpaid items.")]
QuietSince = Annotated[
    date | None,
    Field(description="Only accounts with no transaction on or after this day (YYYY-MM-DD)."),
]
ActiveSince = Annotated[
    date | None,
    Field(description="Only accounts with a transaction on or after this day (YYYY-MM-DD)."),
]
OldestFirst = Annotated[
    bool, Field(description="Oldest first (e.g. the longest-unpaid items); newest first if not.")
]
FromDate = Annotated[date | None, Field(description="On or after this date.")]
ToDate = Annotated[date | None, Field(description="On or before this date.")]
EntryTypeArg = Annotated[EntryType | None, Field(description="Only this kind of entry.")]
AgeingArg = Annotated[Ageing, Field(description="What the age is measured from.")]
AgedSort = Literal["most_overdue", "total"]
AgedSortArg = Annotated[
    AgedSort,
    Field(
        description=(
            "most_overdue: the oldest debt first (the default); total: the largest balance"
            " first; both in base currency."
        )
    ),
]
OnHoldArg = Annotated[
    bool | None, Field(description="Only accounts on hold (true) or not on hold (false).")
]
ItemsArg = Annotated[
    bool,
    Field(
        description=(
            "With one account: also list each outstanding item (reference, dates, amount) with"
            " the period it falls in."
        )
    ),
]


# -- output models ------------------------------------------------------------------------------


class AccountRow(BaseModel):
    id: int
    reference: str
    name: str
    balance: float | None = Field(default=None, description="In the account's currency.")
    base_balance: float | None = Field(
        default=None,
        description=(
            "In the company's base currency (what balance sorts and filters compare); shown"
            " when it differs from balance."
        ),
    )
    credit_limit: float | None = Field(default=None, description="0 means no limit.")
    currency: str | None = Field(default=None, description="ISO code of the account's currency.")
    on_hold: bool
    over_credit_limit: bool
    status: Literal["active", "hidden"]
    extra: dict[str, Any] | None = Field(default=None, description="Fields asked for by `fields`.")
    last_invoice: str | None = Field(
        default=None, description="With no_invoice_since: the latest invoice before that day."
    )
    last_payment: str | None = Field(
        default=None, description="With no_payment_since: the latest payment before that day."
    )


class ContactDetail(BaseModel):
    name: str
    telephone: str | None = None
    email: str | None = None


class AccountDates(BaseModel):
    account_opened: str | None = None
    last_transaction: str | None = None
    last_credit_review: str | None = None
    next_credit_review: str | None = None
    record_updated: str | None = None


class AccountDetail(BaseModel):
    id: int
    reference: str
    name: str
    short_name: str | None = None
    status: Literal["active", "hidden"]
    on_hold: bool
    status_reason: str | None = None
    currency: str | None = None
    balance: float | None = None
    credit_limit: float | None = Field(default=None, description="0 means no limit.")
    credit_headroom: float | None = Field(
        default=None, description="Credit limit less balance; negative when over the limit."
    )
    over_credit_limit: bool | None = None
    terms: str | None = None
    early_settlement: str | None = None
    average_days_to_pay: int | None = None
    value_on_order: float | None = Field(default=None, description="Current (live) orders.")
    address: list[str] | None = None
    telephone: str | None = None
    website: str | None = None
    vat_number: str | None = None
    contacts: list[ContactDetail] | None = Field(
        default=None, description="The default contact first."
    )
    analysis: dict[str, str] | None = None
    dates: AccountDates


class TransactionRow(BaseModel):
    id: int | None = None
    type: str = Field(description="invoice, credit_note, payment, refund (as `type` takes them)...")
    date: str | None = None
    due_date: str | None = None
    reference: str | None = None
    second_reference: str | None = None
    gross: float | None = Field(default=None, description="Signed as the ledger shows it.")
    outstanding: float | None = None
    allocation: str | None = Field(default=None, description="Sage's allocation status.")
    days_overdue: int | None = Field(
        default=None, description="Days past the due date, for unpaid items that are due."
    )


class TransactionList(PageInfo):
    company: CompanyRef
    account: AccountRow
    transactions: list[TransactionRow]


class Bucket(BaseModel):
    period: str
    amount: float


class AgedAccount(BaseModel):
    id: int
    reference: str | None = None
    name: str | None = None
    currency: str | None = None
    total: float = Field(description="Outstanding in the account's currency.")
    buckets: list[Bucket] = Field(description="The periods that hold a balance, oldest first.")


class AgedItem(BaseModel):
    reference: str | None = None
    date: str | None = None
    due_date: str | None = None
    outstanding: float
    period: str


# What "current" (and so every older period) means under each ageing basis: the same invoice
# is "current" by due date and "1 month" by transaction date, and a model must not mix them.
CURRENT_MEANS: dict[Ageing, str] = {
    "duedate": (
        "current = not yet due (due date today or later); each older period counts days"
        " overdue past the due date."
    ),
    "transactiondate": (
        "current = dated within the ledger's first ageing period (e.g. the last 30 days) back"
        " from today, due or not; older periods count from the document date."
    ),
    "calendarmonth": (
        "current = dated in this calendar month, due or not; older periods are whole calendar"
        " months back."
    ),
}


class AgedResult(PageInfo):
    company: CompanyRef
    ageing: Ageing
    current_means: str | None = Field(
        default=None, description="What 'current' and the periods mean under this ageing."
    )
    read_at: str = Field(
        description=(
            "When Sage was read (UTC). The whole ledger's table is reused for two minutes, so"
            " that its cursor pages agree."
        )
    )
    periods: list[str] = Field(description="The ledger's ageing periods, oldest first.")
    totals_of: str = Field(description="Whose totals these are: the whole ledger, or one account.")
    totals: list[Bucket] = Field(
        description="Totals for every period listed (see totals_of), base currency."
    )
    total_outstanding: float = Field(
        description="Total outstanding (see totals_of), base currency."
    )
    accounts: list[AgedAccount] = Field(description="Accounts, the most overdue first.")
    items: list[AgedItem] | None = Field(
        default=None, description="For one account: each outstanding item and its period."
    )

    @model_validator(mode="after")
    def _explained(self) -> AgedResult:
        """Every aged answer says what its periods mean, whichever tool built it."""
        if self.current_means is None:
            self.current_means = CURRENT_MEANS[self.ageing]
        return self


# -- shaping --------------------------------------------------------------------------------------

NO_FIELDS = AccountFields()


def account_row(
    view: AccountView,
    account_id: int,
    fields: AccountFields = NO_FIELDS,
    record: dict[str, Any] | None = None,
    latest: dict[str, date] | None = None,
) -> AccountRow:
    """A list's row: the view's fields, and those asked for from the view or the ``record``
    (``fields``), with the ``latest`` invoice and payment dates when the list is of quiet
    accounts."""
    extra = {name: view.field(name) for name in fields.view}
    extra.update({name: (record or {}).get(name) for name in fields.record})
    latest = latest or {}
    return AccountRow(
        id=account_id,
        reference=view.reference,
        name=view.name,
        balance=view.balance,
        base_balance=view.base_balance if view.base_balance != view.balance else None,
        credit_limit=view.credit_limit,
        currency=view.currency_iso_code or None,
        on_hold=bool(view.account_is_on_hold),
        over_credit_limit=bool(view.is_over_credit_limit),
        status=_status(view.account_status_type),
        extra=extra or None,
        last_invoice=_iso(latest.get("invoice")),
        last_payment=_iso(latest.get("payment")),
    )


def dormancy_basis(ledger: Ledger, dormancy: Dormancy, read_at: datetime) -> str:
    """What a list of quiet accounts compared, and how its dates were found."""
    paid = "receipt" if ledger.party == "customer" else "payment"
    words = {"invoice": "invoice", "payment": paid}
    quiet = " and ".join(
        f"no {words[kind]} dated {day} or later" for kind, day in dormancy.since.items()
    )
    shown = "/".join(f"last_{kind}" for kind in dormancy.since)
    return (
        f"Accounts with {quiet} in {ledger.transactions} (opening balances not counted);"
        f" {shown}: the latest before that day, absent if none. Read at {read_at:%H:%M} UTC;"
        " cursor pages reuse it for two minutes."
    )


def account_detail(ledger: Ledger, account: Account, view: AccountView | None) -> AccountDetail:
    limit, balance = account.credit_limit, account.balance
    contacts = sorted(account.contacts, key=lambda c: not c.is_default)
    on_order = account.extra(ledger.on_order_field)
    return AccountDetail(
        id=account.id or 0,
        reference=account.reference,
        name=account.name,
        short_name=account.short_name or None,
        status=_status(account.account_status_type),
        on_hold=bool(account.on_hold),
        status_reason=account.status_reason or None,
        currency=(view.currency_iso_code if view else None) or None,
        balance=balance,
        credit_limit=limit,
        credit_headroom=round(limit - balance, 2) if limit and balance is not None else None,
        over_credit_limit=view.is_over_credit_limit if view else None,
        terms=_terms(account, view),
        early_settlement=(
            f"{account.early_settlement_discount_percent:g}% within"
            f" {account.early_settlement_discount_days} days"
        )
        if account.early_settlement_discount_percent
        else None,
        average_days_to_pay=account.average_time_to_pay if ledger.party == "customer" else None,
        value_on_order=float(on_order) if isinstance(on_order, int | float) else None,
        address=(account.main_address.lines() or None) if account.main_address else None,
        telephone=account.telephone or None,
        website=account.website or None,
        vat_number=account.vat_number or None,
        contacts=[_contact(c) for c in contacts[:5]] or None,
        analysis=account.analysis_codes() or None,
        dates=AccountDates(
            account_opened=_iso(account.account_opened),
            last_transaction=_iso(view.date_of_last_transaction) if view else None,
            last_credit_review=_iso(account.last_credit_review),
            next_credit_review=_iso(account.next_credit_review),
            record_updated=_iso(account.date_time_updated),
        ),
    )


def _contact(contact: Contact) -> ContactDetail:
    return ContactDetail(
        name=contact.full_name,
        telephone=contact.default_telephone or None,
        email=contact.default_email or None,
    )


def _terms(account: Account, view: AccountView | None) -> str | None:
    if view is not None and view.payment_terms:
        return view.payment_terms
    if account.payment_terms_days is None:
        return None
    basis = " from the end of the month" if "CalendarMonth" in account.payment_terms_basis else ""
    return f"{account.payment_terms_days} days{basis}"


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _status(sage_status: str) -> Literal["active", "hidden"]:
    return "hidden" if sage_status.endswith("Hidden") else "active"


def entry_name(ledger: Ledger, sage_type: str) -> str:
    """A ledger entry's kind by the names `type` takes: 'invoice', 'credit_note', 'payment' (a
    customer's receipt or a payment to a supplier), 'refund'; Sage's other kinds in the same
    form ('opening_balance_invoice')."""
    for kind, ending in ledgers.ENTRY_TYPES.items():
        if sage_type.endswith(ending) and not sage_type.endswith(f"Balance{ending}"):
            return kind
    return words(sage_type, "TradingAccountEntryType")


def transaction_row(ledger: Ledger, item: TransactionView, today: date) -> TransactionRow:
    outstanding = item.document_outstanding_value
    overdue = None
    if outstanding and item.due_date and item.due_date < today:
        overdue = (today - item.due_date).days
    identifier = item.extra(ledger.transaction_id)
    return TransactionRow(
        id=identifier if isinstance(identifier, int) else None,
        type=entry_name(ledger, item.transaction_type),
        date=_iso(item.transaction_date),
        due_date=_iso(item.due_date),
        reference=item.reference or None,
        second_reference=item.second_reference or None,
        gross=item.document_gross_value,
        outstanding=outstanding,
        allocation=item.status or None,
        days_overdue=overdue,
    )


# -- aged balances ---------------------------------------------------------------------------------


def aged_id(row: AgedRow) -> int:
    return row.account_id or 0


def aged_buckets(sample: AgedRow | AgedBalance | None) -> list[tuple[str, str]]:
    """(field bucket, label) pairs, oldest first: older, the ledger's periods, current, future."""
    periods = [(f"period_{n}", sample.label(n)) for n in range(1, 9)] if sample else []
    named = [(key, label) for key, label in periods if label]
    return [("past", "older"), *reversed(named), ("current", "current"), ("future", "future")]


def aged_account(
    row: AgedRow, buckets: list[tuple[str, str]], names: dict[int, AccountView]
) -> AgedAccount:
    view = names.get(aged_id(row))
    amounts = [Bucket(period=label, amount=row.amount(key)) for key, label in buckets]
    return AgedAccount(
        id=aged_id(row),
        reference=view.reference if view else None,
        name=view.name if view else None,
        currency=(view.currency_iso_code or None) if view else None,
        total=round(sum(b.amount for b in amounts), 2),
        buckets=[b for b in amounts if b.amount],
    )


def aged_order(sort: AgedSort, buckets: list[tuple[str, str]]) -> Callable[[AgedRow], list[float]]:
    """The key that ranks accounts, largest first: by each period from the oldest (the most
    overdue), or by the whole balance; in base currency, so that accounts in other currencies
    rank like for like."""
    if sort == "total":
        return lambda row: [sum(row.amount(key, base=True) for key, _ in buckets)]
    return lambda row: [row.amount(key, base=True) for key, _ in buckets]


def aged_totals(rows: list[AgedRow], buckets: list[tuple[str, str]]) -> dict[str, Any]:
    """``totals`` per period that holds anything, and ``total_outstanding``, in base currency."""
    totals = [
        Bucket(period=label, amount=round(sum(r.amount(key, base=True) for r in rows), 2))
        for key, label in buckets
    ]
    return {
        "totals": totals,  # every period listed, empty ones too (their sum is the total)
        "total_outstanding": round(sum(t.amount for t in totals), 2),
    }


def aged_items(
    found: list[tuple[AgedBalance, TransactionView | None]], buckets: list[tuple[str, str]]
) -> list[AgedItem]:
    """Each outstanding item of one account, with the period it falls in."""
    return [
        AgedItem(
            reference=item.reference if item else None,
            date=_iso(item.transaction_date) if item else None,
            due_date=_iso(item.due_date) if item else None,
            outstanding=row.amount(key),
            period=label,
        )
        for row, item in found
        for key, label in buckets
        if row.amount(key)
    ]

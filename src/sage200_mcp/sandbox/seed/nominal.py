"""The nominal ledger, derived by double entry from everything else in the books.

Sales and purchase postings reach the nominal ledger either as daily batches per ledger (Sage's
batch postings) or document by document, line by line, under each document's own URN (the plan's
``postings``), alongside monthly journals for wages, bank charges and depreciation and an opening
balances journal. Every batch and document balances, so the trial balance is zero, the debtors
control account equals the customers' balances, and the bank account's balance is what the cash
book shows. Accounts are named by their key (seed/chart.py): the bare reference unless split.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sage200_mcp.sandbox.seed.chart import NominalAccount, splits_of
from sage200_mcp.sandbox.seed.companies import CompanyPlan
from sage200_mcp.sandbox.seed.ledger import CREDIT_NOTE, INVOICE, PAYMENT, Posting
from sage200_mcp.sandbox.seed.reference import Period, period_of
from sage200_mcp.sandbox.shape import Postings


@dataclass(slots=True)
class NominalLine:
    id: int
    account: NominalAccount
    day: date
    reference: str
    narrative: str
    source: str
    pence: int  # positive debit, negative credit
    urn: int
    user: str


REVENUE_CODES = ("4000", "4000", "4000", "4010", "4020")
DEBTORS, BANK, CREDITORS, OUTPUT_TAX, INPUT_TAX = "1100", "1200", "2100", "2200", "2201"
EXCHANGE = "7906"  # where differences from converting foreign-currency items go
CLOSED_INTO = "3200"  # the year end closes every profit and loss account into retained profit


class NominalBuilder:
    """Collects balanced batches of nominal lines; every ``post`` must sum to zero."""

    def __init__(self, accounts: dict[str, NominalAccount], first_urn: int) -> None:
        self.accounts = accounts
        self.lines: list[NominalLine] = []
        self.urn = first_urn

    def post(
        self,
        day: date,
        reference: str,
        narrative: str,
        source: str,
        entries: dict[str, int],
        user: str = "MANAGER",
    ) -> None:
        entries = {code: pence for code, pence in entries.items() if pence}
        if sum(entries.values()) != 0:
            raise ValueError(f"unbalanced nominal batch {reference}: {entries}")
        if not entries:
            return
        self.urn += 1
        for code, pence in entries.items():
            self.lines.append(
                NominalLine(
                    len(self.lines) + 1,
                    self.accounts[code],
                    day,
                    reference,
                    narrative,
                    source,
                    pence,
                    self.urn,
                    user,
                )
            )

    def post_document(
        self,
        day: date,
        reference: str,
        source: str,
        user: str,
        urn: int,
        entries: tuple[tuple[str, int, str], ...],
    ) -> None:
        """One document's lines, ``(account key, pence, narrative)``, under the document's URN."""
        if sum(entry[1] for entry in entries) != 0:
            raise ValueError(f"unbalanced nominal document {reference}: {entries}")
        lines = self.lines
        accounts = self.accounts
        for key, pence, narrative in entries:
            if pence:
                lines.append(
                    NominalLine(
                        len(lines) + 1,
                        accounts[key],
                        day,
                        reference,
                        narrative,
                        source,
                        pence,
                        urn,
                        user,
                    )
                )

    def balance(self, key: str) -> int:
        account = self.accounts[key]
        return sum(line.pence for line in self.lines if line.account is account)


_LABELS = {
    "SL": {INVOICE: "Sales invoice", CREDIT_NOTE: "Sales credit note", PAYMENT: "Sales receipt"},
    "PL": {
        INVOICE: "Purchase invoice",
        CREDIT_NOTE: "Purchase credit note",
        PAYMENT: "Purchase payment",
    },
}


def post_trading(
    builder: NominalBuilder,
    postings: list[Posting],
    ledger: str,
    account_code: dict[int, str],
    base_pence: dict[int, tuple[int, int]],
    mode: Postings,
) -> None:
    """A sales ("SL") or purchase ("PL") ledger's postings, as ``mode`` says.

    ``account_code`` maps a party id to the key of its revenue or expense account;
    ``base_pence`` maps a posting id to its (goods, tax) in base currency.
    """
    if mode == "daily":
        _post_daily(builder, postings, ledger, account_code, base_pence)
    else:
        _post_documents(builder, postings, ledger, account_code, base_pence)


def _post_daily(
    builder: NominalBuilder,
    postings: list[Posting],
    ledger: str,
    account_code: dict[int, str],
    base_pence: dict[int, tuple[int, int]],
) -> None:
    batches: dict[date, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    sign = 1 if ledger == "SL" else -1  # sales: debit debtors; purchases: credit creditors
    control = DEBTORS if ledger == "SL" else CREDITORS
    tax_code = OUTPUT_TAX if ledger == "SL" else INPUT_TAX
    for posting in postings:
        goods, tax = base_pence[posting.id]
        batch = batches[posting.day]
        if posting.kind in (INVOICE, CREDIT_NOTE):
            batch[control] += sign * (goods + tax)
            batch[account_code[posting.party.id]] -= sign * goods
            batch[tax_code] -= sign * tax
        else:
            batch[control] += sign * goods
            batch[BANK] -= sign * goods
    narrative = "Sales ledger daily batch" if ledger == "SL" else "Purchase ledger daily batch"
    for day in sorted(batches):
        builder.post(day, f"{ledger}{day:%y%m%d}", narrative, ledger, dict(batches[day]))


def _post_documents(
    builder: NominalBuilder,
    postings: list[Posting],
    ledger: str,
    account_code: dict[int, str],
    base_pence: dict[int, tuple[int, int]],
) -> None:
    """Each document on its own date, reference and URN: the control account's line names the
    customer or supplier, the others say what the document was."""
    sign = 1 if ledger == "SL" else -1
    control = DEBTORS if ledger == "SL" else CREDITORS
    tax_code = OUTPUT_TAX if ledger == "SL" else INPUT_TAX
    labels = _LABELS[ledger]
    for posting in postings:
        goods, tax = base_pence[posting.id]
        label = labels[posting.kind]
        party = posting.party
        entries: tuple[tuple[str, int, str], ...]
        if posting.kind == PAYMENT:
            entries = ((control, sign * goods, party.name), (BANK, -sign * goods, label))
        else:
            entries = (
                (control, sign * (goods + tax), party.name),
                (account_code[party.id], -sign * goods, label),
                (tax_code, -sign * tax, label),
            )
        builder.post_document(
            posting.day, posting.reference, ledger, posting.user, posting.urn, entries
        )


def post_journals(
    builder: NominalBuilder,
    plan: CompanyPlan,
    rng: random.Random,
    start: date,
    today: date,
    monthly_sales: int,
) -> None:
    """Opening balances, then monthly wages, bank charges and depreciation up to today."""
    scale = max(0.05, min(1.0, plan.customers / 500))
    assets = {
        "0010": 45_000_000,
        "0030": 3_800_000,
        "0040": 2_200_000,
        "0050": 5_400_000,
        "1001": 12_500_000,
        "1210": 2_000_000,
        "1230": 25_000,
    }
    opening = {code: int(pence * scale) for code, pence in assets.items()}
    opening["3000"] = -int(10_000_000 * scale)
    opening["2300"] = -int(8_000_000 * scale)
    opening["3200"] = -sum(opening.values())
    builder.post(start, "OPENING", "Opening balances", "NL", opening)
    month = date(start.year, start.month, 1)
    wages = max(400_000, monthly_sales // 4)
    wage_keys = splits_of(builder.accounts, "7000")  # payroll is spread over every split
    while month <= today:
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        payday = min(last, today)
        stamp = f"{month:%b%y}".upper()
        amount = int(wages * rng.uniform(0.95, 1.05))
        builder.post(
            payday,
            f"WAGES{stamp}",
            "Monthly payroll",
            "NL",
            {**_shared(amount, wage_keys), BANK: -amount},
        )
        charges = rng.randint(3_000, 12_000)
        builder.post(payday, f"CHG{stamp}", "Bank charges", "CB", {"7900": charges, BANK: -charges})
        depreciation = int(60_000 * scale)
        builder.post(
            payday,
            f"DEP{stamp}",
            "Depreciation",
            "NL",
            {"8000": depreciation, "0030": -depreciation},
        )
        month = last + timedelta(days=1)


def _shared(amount: int, keys: list[str]) -> dict[str, int]:
    """``amount`` shared evenly between ``keys``, the first taking what does not divide."""
    share, rest = divmod(amount, len(keys))
    return {key: share + (rest if index == 0 else 0) for index, key in enumerate(keys)}


def post_vat_returns(builder: NominalBuilder, start: date, today: date) -> None:
    """Quarterly VAT returns: the net of output and input tax is paid a month after each quarter.

    Each return pays the tax accounts' balances at the quarter's end, earlier returns included;
    the tax accounts' daily totals are gathered in one pass, not once a quarter.
    """
    daily: dict[str, defaultdict[date, int]] = {
        OUTPUT_TAX: defaultdict(int),
        INPUT_TAX: defaultdict(int),
    }
    for line in builder.lines:
        totals = daily.get(line.account.reference)  # never split
        if totals is not None:
            totals[line.day] += line.pence
    quarter_end = start
    while True:
        quarter_end = (quarter_end + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        paid = quarter_end + timedelta(days=37)
        if paid > today:
            return
        output, input_ = (
            sum(pence for day, pence in daily[code].items() if day <= quarter_end)
            for code in (OUTPUT_TAX, INPUT_TAX)
        )
        builder.post(
            paid,
            f"VAT{quarter_end:%y%m}",
            "VAT return payment",
            "NL",
            {OUTPUT_TAX: -output, INPUT_TAX: -input_, BANK: output + input_},
        )
        daily[OUTPUT_TAX][paid] -= output
        daily[INPUT_TAX][paid] -= input_


def fund_bank(builder: NominalBuilder, start: date) -> None:
    """A loan at the start if trading would otherwise leave the current account below 15,000:
    a round sum (thousands of pounds), so the balance today is whatever trading leaves on top of
    it, never a round figure of the sandbox's choosing."""
    shortfall = -builder.balance(BANK)
    if shortfall > -1_500_000:
        top_up = -(-(shortfall + 2_500_000) // 500_000) * 500_000
        builder.post(start, "LOAN01", "Loan drawdown", "NL", {BANK: top_up, "2300": -top_up})


ONE_SIDED_PENCE = 123_456


def post_currency_rounding(
    builder: NominalBuilder, control: str, owed_in_base: int, day: date, ledger: str
) -> None:
    """What the control account must hold to equal its ledger in base currency, if converting
    each foreign-currency item on its own left it a few pence apart (an invoice's goods and tax
    are converted apart, its outstanding amount as a whole), posted to exchange rate variance
    as Sage posts exchange differences: so the control account equals the ledger, as in Sage."""
    difference = owed_in_base - builder.balance(control)
    builder.post(
        day,
        f"FX{ledger}{day:%y%m%d}",
        "Currency conversion differences",
        "NL",
        {control: difference, EXCHANGE: -difference},
    )


def post_one_sided(builder: NominalBuilder, today: date) -> None:
    """A debit of 1,234.56 to debtors control with no other side and no customer's transaction
    behind it: the trial balance is out by that much and debtors control no longer equals the
    sales ledger. Only books asked to be unbalanced have it (CompanyPlan.unbalanced)."""
    builder.urn += 1
    builder.lines.append(
        NominalLine(
            len(builder.lines) + 1,
            builder.accounts[DEBTORS],
            today,
            "JNL000001",
            "Debtors adjustment",
            "NL",
            ONE_SIDED_PENCE,
            builder.urn,
            "MANAGER",
        )
    )


@dataclass(frozen=True)
class Balances:
    brought_forward: int
    debit_ytd: int
    credit_ytd: int

    @property
    def year_to_date(self) -> int:
        return self.brought_forward + self.debit_ytd - self.credit_ytd


def balances(
    builder: NominalBuilder, periods: tuple[Period, ...], today: date
) -> dict[str, Balances]:
    """Per account: brought forward at the start of this year, and this year's debits and credits.

    Profit and loss accounts are closed into 3200 at each year end, as Sage's year end does.
    """
    year_start = period_of(periods, today).year_start
    forward: defaultdict[str, int] = defaultdict(int)
    debit: defaultdict[str, int] = defaultdict(int)
    credit: defaultdict[str, int] = defaultdict(int)
    for line in builder.lines:
        key = line.account.key
        if line.day < year_start:
            forward[CLOSED_INTO if line.account.is_profit_and_loss else key] += line.pence
        elif line.pence > 0:
            debit[key] += line.pence
        else:
            credit[key] -= line.pence
    return {key: Balances(forward[key], debit[key], credit[key]) for key in builder.accounts}

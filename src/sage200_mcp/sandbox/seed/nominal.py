"""The nominal ledger, derived by double entry from everything else in the books.

Sales and purchase postings reach the nominal ledger as daily batches per account (Sage's batch
postings), alongside monthly journals for wages, bank charges and depreciation and an opening
balances journal. Every batch balances, so the trial balance is zero, the debtors control account
equals the customers' balances, and the bank account's balance is what the cash book shows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sage200_mcp.sandbox.seed.companies import CompanyPlan
from sage200_mcp.sandbox.seed.ledger import CREDIT_NOTE, INVOICE, Posting
from sage200_mcp.sandbox.seed.reference import Period, period_of


@dataclass(frozen=True)
class NominalAccount:
    id: int
    reference: str
    name: str

    @property
    def is_profit_and_loss(self) -> bool:
        return self.reference >= "4000"


@dataclass
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


_CHART = (
    ("0010", "Freehold property", "Freehold property"),
    ("0030", "Office equipment", "Office equipment"),
    ("0040", "Furniture and fixtures", "Furniture and fixtures"),
    ("0050", "Motor vehicles", "Motor vehicles"),
    ("1001", "Stock", "Stock"),
    ("1100", "Debtors control account", "Debtors control account"),
    ("1200", "Bank current account", "Bank current account"),
    ("1210", "Bank deposit account", "Bank deposit account"),
    ("1230", "Petty cash", "Petty cash"),
    ("2100", "Creditors control account", "Creditors control account"),
    ("2200", "Sales tax control account", "VAT on sales"),
    ("2201", "Purchase tax control account", "VAT on purchases"),
    ("2210", "PAYE and NI", "PAYE and PRSI"),
    ("2300", "Loans", "Loans"),
    ("3000", "Ordinary shares", "Ordinary shares"),
    ("3200", "Profit and loss account", "Profit and loss account"),
    ("4000", "Sales - stationery and supplies", "Sales - stationery and supplies"),
    ("4010", "Sales - furniture", "Sales - furniture"),
    ("4020", "Sales - technology", "Sales - technology"),
    ("4900", "Other income", "Other income"),
    ("5000", "Purchases - stock", "Purchases - stock"),
    ("5100", "Carriage inwards", "Carriage inwards"),
    ("7000", "Gross wages", "Gross wages"),
    ("7100", "Rent and rates", "Rent and rates"),
    ("7200", "Electricity and gas", "Electricity and gas"),
    ("7500", "Printing and stationery", "Printing and stationery"),
    ("7502", "Telephone and internet", "Telephone and internet"),
    ("7600", "Professional fees", "Professional fees"),
    ("7800", "Cleaning", "Cleaning"),
    ("7900", "Bank charges and interest", "Bank charges and interest"),
    ("8000", "Depreciation", "Depreciation"),
    ("8100", "Bad debts written off", "Bad debts written off"),
)

REVENUE_CODES = ("4000", "4000", "4000", "4010", "4020")
DEBTORS, BANK, CREDITORS, OUTPUT_TAX, INPUT_TAX = "1100", "1200", "2100", "2200", "2201"


def chart(plan: CompanyPlan) -> dict[str, NominalAccount]:
    irish = plan.country == "IE"
    return {
        reference: NominalAccount(index, reference, irish_name if irish else name)
        for index, (reference, name, irish_name) in enumerate(_CHART, start=1)
    }


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

    def balance(self, code: str) -> int:
        return sum(line.pence for line in self.lines if line.account.reference == code)


def post_trading(
    builder: NominalBuilder,
    postings: list[Posting],
    ledger: str,
    account_code: dict[int, str],
    base_pence: dict[int, tuple[int, int]],
) -> None:
    """Daily batches of a sales ("SL") or purchase ("PL") ledger's postings.

    ``account_code`` maps a party id to its revenue or expense code; ``base_pence`` maps a posting
    id to its (goods, tax) in base currency.
    """
    batches: dict[date, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    for posting in postings:
        goods, tax = base_pence[posting.id]
        batch = batches[posting.day]
        sign = 1 if ledger == "SL" else -1  # sales: debit debtors; purchases: credit creditors
        control = DEBTORS if ledger == "SL" else CREDITORS
        if posting.kind in (INVOICE, CREDIT_NOTE):
            batch[control] += sign * (goods + tax)
            batch[account_code[posting.party.id]] -= sign * goods
            batch[OUTPUT_TAX if ledger == "SL" else INPUT_TAX] -= sign * tax
        else:
            batch[control] += sign * goods
            batch[BANK] -= sign * goods
    narrative = "Sales ledger daily batch" if ledger == "SL" else "Purchase ledger daily batch"
    for day in sorted(batches):
        builder.post(day, f"{ledger}{day:%y%m%d}", narrative, ledger, dict(batches[day]))


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
    while month <= today:
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        payday = min(last, today)
        stamp = f"{month:%b%y}".upper()
        amount = int(wages * rng.uniform(0.95, 1.05))
        builder.post(
            payday, f"WAGES{stamp}", "Monthly payroll", "NL", {"7000": amount, BANK: -amount}
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


def post_vat_returns(builder: NominalBuilder, start: date, today: date) -> None:
    """Quarterly VAT returns: the net of output and input tax is paid a month after each quarter."""
    quarter_end = start
    while True:
        quarter_end = (quarter_end + timedelta(days=95)).replace(day=1) - timedelta(days=1)
        paid = quarter_end + timedelta(days=37)
        if paid > today:
            return
        output = sum(
            line.pence
            for line in builder.lines
            if line.account.reference == OUTPUT_TAX and line.day <= quarter_end
        )
        input_ = sum(
            line.pence
            for line in builder.lines
            if line.account.reference == INPUT_TAX and line.day <= quarter_end
        )
        builder.post(
            paid,
            f"VAT{quarter_end:%y%m}",
            "VAT return payment",
            "NL",
            {OUTPUT_TAX: -output, INPUT_TAX: -input_, BANK: output + input_},
        )


def fund_bank(builder: NominalBuilder, start: date) -> None:
    """A loan at the start if trading would otherwise leave the current account overdrawn."""
    shortfall = -builder.balance(BANK)
    if shortfall > -1_500_000:
        top_up = shortfall + 2_500_000
        builder.post(start, "LOAN01", "Loan drawdown", "NL", {BANK: top_up, "2300": -top_up})


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
        code = line.account.reference
        if line.day < year_start:
            forward["3200" if line.account.is_profit_and_loss else code] += line.pence
        elif line.pence > 0:
            debit[code] += line.pence
        else:
            credit[code] -= line.pence
    return {code: Balances(forward[code], debit[code], credit[code]) for code in builder.accounts}

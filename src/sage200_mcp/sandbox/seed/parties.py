"""Customers and suppliers: names, references, addresses, contacts, VAT numbers, terms.

Each account draws from its own random stream (seed, company, ledger, index), so account number
``i`` is the same account whatever the total; scaling to 50,000 customers only adds accounts.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from datetime import date, timedelta

from sage200_mcp.sandbox.seed import words
from sage200_mcp.sandbox.seed.companies import CompanyPlan, NamedAccount

PAYER_PROFILES = ("prompt", "average", "slow", "poor")

# Accounts past this many trade lightly (a few invoices a year), so that a ledger of 50,000
# accounts stays quick to build while account i stays the same whatever the total. They trade
# over the whole history all the same: last year must hold the same customers as this one, or a
# year-on-year comparison would show growth that is only the seed's shortcut.
BUSY_ACCOUNTS = 1_000


@dataclass
class Phone:
    country_code: str
    area_code: str
    subscriber: str

    @property
    def full(self) -> str:
        return f"+{self.country_code} {self.area_code} {self.subscriber}"


@dataclass
class Contact:
    first_name: str
    last_name: str
    email: str
    phone: Phone
    mobile: Phone | None
    is_default: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class Address:
    lines: tuple[str, str, str, str]
    city: str
    county: str
    postcode: str
    country: str  # name
    country_code: str  # ISO 3166


@dataclass
class Party:
    """One trading account (customer or supplier) before it is written to tables."""

    index: int
    id: int
    reference: str
    name: str
    short_name: str
    currency: str
    address: Address
    phone: Phone
    website: str
    vat_number: str
    contacts: list[Contact]
    delivery_addresses: list[tuple[str, Address]]
    opened: date
    terms_days: int
    terms_basis: str
    payer: str
    activity: float  # invoices per month
    typical_invoice: int  # pence
    traits: frozenset[str]
    sector: str
    credit_limit: int = 0  # pence, settled once the history is known
    on_hold: bool = False
    hidden: bool = False
    rng: random.Random = field(repr=False, default_factory=random.Random)


def make_parties(
    plan: CompanyPlan,
    ledger: str,
    count: int,
    named: tuple[NamedAccount, ...],
    seed: int,
    today: date,
    first_id: int,
) -> list[Party]:
    references = _References()
    parties: list[Party] = []
    for index in range(count):
        rng = random.Random(f"{seed}:{plan.id}:{ledger}:{index}")
        fixed = named[index] if index < len(named) else None
        parties.append(_party(plan, ledger, index, first_id + index, fixed, rng, today, references))
    return parties


def _party(
    plan: CompanyPlan,
    ledger: str,
    index: int,
    party_id: int,
    fixed: NamedAccount | None,
    rng: random.Random,
    today: date,
    references: _References,
) -> Party:
    irish = plan.country == "IE"
    trades: tuple[str, ...]
    if ledger == "customer":
        trades = words.CUSTOMER_TRADES
    else:
        trades = tuple(trade for trade, _ in words.SUPPLIER_TRADES)
    sector = rng.choice(trades)
    if fixed:
        sector = next((t[6:] for t in fixed.traits if t.startswith("trade:")), sector)
    name = fixed.name if fixed else _business_name(rng, sector, irish)
    reference = references.claim(fixed.reference) if fixed else references.new(name)
    town = rng.choice(words.IRISH_TOWNS if irish else words.UK_TOWNS)
    traits = fixed.traits if fixed else _random_traits(rng)
    payer = (
        next((t for t in traits if t in PAYER_PROFILES), None)
        or rng.choices(PAYER_PROFILES, cum_weights=(35, 70, 90, 100))[0]
    )
    if "overdue" in traits:
        payer = "poor"
    domain = _domain(name, irish)
    contacts = [
        _contact(rng, town, domain, irish, is_default=(i == 0)) for i in range(rng.randint(1, 3))
    ]
    address = _address(rng, town, irish)
    years_open = rng.uniform(4, 15) if fixed else rng.uniform(0.3, 15)
    opened = today - timedelta(days=int(years_open * 365))
    return Party(
        index=index,
        id=party_id,
        reference=reference,
        name=name,
        short_name=re.sub(r"[^A-Z0-9]", "", name.upper())[:8],
        currency=(fixed.currency if fixed and fixed.currency else plan.base_currency),
        address=address,
        phone=_phone(rng, town, irish),
        website=f"www.{domain}",
        vat_number=_irish_vat(rng) if irish else _uk_vat(rng),
        contacts=contacts,
        delivery_addresses=_delivery_addresses(rng, address, town, irish),
        opened=opened,
        terms_days=rng.choice((14, 30, 30, 30, 45, 60)) if "cash" not in traits else 0,
        terms_basis=rng.choices(
            ("PaymentDueFromDocumentDate", "PaymentDueFromCalendarMonth"), cum_weights=(80, 100)
        )[0],
        payer=payer,
        activity=_activity(rng, index, fixed is not None),
        typical_invoice=int(rng.lognormvariate(6.2, 0.9) * 100),
        traits=traits,
        sector=sector,
        hidden="hidden" in traits,
        on_hold="on_hold" in traits,
        rng=rng,
    )


def _activity(rng: random.Random, index: int, named: bool) -> float:
    """Invoices a month: named accounts trade steadily, accounts past the first thousand
    lightly."""
    if named:
        return rng.choice((1, 1.5, 2))
    if index < BUSY_ACCOUNTS:
        return rng.choice((0.3, 0.5, 1, 1, 1.5, 2, 3))
    return rng.choice((0.01, 0.025, 0.05))


def _random_traits(rng: random.Random) -> frozenset[str]:
    traits: set[str] = set()
    roll = rng.random()
    if roll < 0.03:
        traits.add("hidden")
    elif roll < 0.08:
        traits.add("on_hold")
    if rng.random() < 0.07:
        traits.add("over_limit")
    return frozenset(traits)


def _business_name(rng: random.Random, trade: str, irish: bool) -> str:
    surnames = words.IRISH_SURNAMES if irish else words.UK_SURNAMES
    suffix = rng.choice(words.IRISH_SUFFIXES if irish else words.UK_SUFFIXES)
    town = rng.choice(words.IRISH_TOWNS if irish else words.UK_TOWNS).name.split()[0]
    pattern = rng.randrange(6)
    if pattern == 0:
        base = f"{rng.choice(surnames)} & Sons"
    elif pattern == 1:
        base = f"{rng.choice(surnames)} {trade}"
    elif pattern == 2:
        base = f"{rng.choice(words.ADJECTIVES)} {trade}"
    elif pattern == 3:
        base = f"{town} {trade}"
    elif pattern == 4:
        initials = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice((2, 3))))
        base = f"{initials} {trade}"
    else:
        base = f"{rng.choice(surnames)} & {rng.choice(surnames)}"
    name = f"{base} {suffix}".strip()
    return name[:60]


class _References:
    """Hands out unique references: up to five letters of the name and a running number."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.next_number: dict[str, int] = {}

    def claim(self, reference: str) -> str:
        self.taken.add(reference)
        return reference

    def new(self, name: str) -> str:
        letters = re.sub(r"[^A-Z]", "", re.sub(r"^THE ", "", name.upper())) or "ACC"
        for width, digits in ((3, 3), (4, 3), (5, 3), (4, 4)):
            prefix = letters[:width]
            number = self.next_number.get(prefix, 1)
            while number < 10**digits:
                candidate = f"{prefix}{number:0{digits}d}"
                number += 1
                if candidate not in self.taken:
                    self.next_number[prefix] = number
                    return self.claim(candidate)
            self.next_number[prefix] = number
        raise RuntimeError(f"no free reference for {name!r}")  # pragma: no cover


def _domain(name: str, irish: bool) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    slug = re.sub(r"-(ltd|limited|plc|llp|co|teoranta|dac)$", "", slug)[:40].strip("-")
    return f"{slug or 'account'}.example.{'ie' if irish else 'co.uk'}"


def _phone(rng: random.Random, town: words.Town, irish: bool) -> Phone:
    if irish:
        return Phone("353", town.area_code, f"555 {rng.randint(1000, 9999)}")
    return Phone("44", town.area_code, f"496 0{rng.randint(0, 999):03d}")


def _mobile(rng: random.Random, irish: bool) -> Phone:
    if irish:
        return Phone("353", rng.choice(("83", "85", "86", "87")), f"555 {rng.randint(1000, 9999)}")
    return Phone("44", "7700", f"900{rng.randint(0, 999):03d}")


def _contact(
    rng: random.Random, town: words.Town, domain: str, irish: bool, *, is_default: bool
) -> Contact:
    first = rng.choice(words.FIRST_NAMES)
    last = rng.choice(words.IRISH_SURNAMES if irish else words.UK_SURNAMES)
    local = f"{first.lower()}.{re.sub(r'[^a-z]', '', last.lower())}"
    return Contact(
        first_name=first,
        last_name=last,
        email=f"{local}@{domain}",
        phone=_phone(rng, town, irish),
        mobile=_mobile(rng, irish) if rng.random() < 0.6 else None,
        is_default=is_default,
    )


def _postcode(rng: random.Random, town: words.Town, irish: bool) -> str:
    if irish:
        alphabet = "ACDEFHKNPRTVWXY0123456789"
        return f"{town.postcode_area} {''.join(rng.choice(alphabet) for _ in range(4))}"
    low, high = town.districts
    inward_letters = "ABDEFGHJLNPQRSTUWXYZ"
    inward = f"{rng.randint(1, 9)}{rng.choice(inward_letters)}{rng.choice(inward_letters)}"
    return f"{town.postcode_area}{rng.randint(low, high)} {inward}"


def _address(rng: random.Random, town: words.Town, irish: bool) -> Address:
    streets = words.IRISH_STREETS if irish else words.STREETS
    estates = words.IRISH_ESTATES if irish else words.INDUSTRIAL_ESTATES
    if rng.random() < 0.35:
        line1, line2 = f"Unit {rng.randint(1, 40)}", rng.choice(estates)
    else:
        line1, line2 = f"{rng.randint(1, 220)} {rng.choice(streets)}", ""
    return Address(
        lines=(line1, line2, "", ""),
        city=town.name,
        county=town.county,
        postcode=_postcode(rng, town, irish),
        country="Ireland" if irish else "United Kingdom",
        country_code="IE" if irish else "GB",
    )


def _delivery_addresses(
    rng: random.Random, main: Address, town: words.Town, irish: bool
) -> list[tuple[str, Address]]:
    addresses = [("Main address", main)]
    for label in ("Warehouse", "Branch office")[: rng.choice((0, 0, 1, 2))]:
        addresses.append((label, _address(rng, town, irish)))
    return addresses


def _uk_vat(rng: random.Random) -> str:
    """A GB VAT number that passes HMRC's modulus-97 check."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(7)]
        total = sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True))
        check = -total % 97
        if check < 100:
            return "GB" + "".join(map(str, digits)) + f"{check:02d}"


def _irish_vat(rng: random.Random) -> str:
    """An IE VAT number (7 digits and a check letter, modulus 23)."""
    digits = [rng.randint(0, 9) for _ in range(7)]
    total = sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    return "IE" + "".join(map(str, digits)) + "WABCDEFGHIJKLMNOPQRSTUV"[total % 23]

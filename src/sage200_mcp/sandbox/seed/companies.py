"""The fixed shape of the sandbox's world: sites, companies, users and a few named accounts.

Everything else in the books is generated from the seed; these are fixed so that a person (and a
test) can rely on them: the demo user reaches three companies on two sites, a second user reaches
only one, a third one company of each site (no two users reach the same set, and one reaches part
of a site), and some accounts have names that exercise the awkward cases (an apostrophe, a
percent sign, the same customer in two companies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sage200_mcp.sandbox.shape import Postings

Country = Literal["GB", "IE"]


@dataclass(frozen=True)
class NamedAccount:
    """An account with a fixed reference and name; ``traits`` steer its generated history."""

    reference: str
    name: str
    traits: frozenset[str] = frozenset()
    currency: str | None = None  # ISO code, when not the company's base currency


@dataclass(frozen=True)
class CompanyPlan:
    id: int
    name: str
    country: Country
    base_currency: str
    customers: int
    suppliers: int
    products: int
    sales_orders: int
    purchase_orders: int
    year_start_month: int
    ageing_days: tuple[int, ...]  # upper bounds of ageing periods 1..n, in days
    telephone: str
    email: str
    website: str
    address: tuple[str, str, str, str]  # line 1, city, county, postcode
    named_customers: tuple[NamedAccount, ...] = ()
    named_suppliers: tuple[NamedAccount, ...] = ()
    postings: Postings = "daily"
    cost_centres: int = 0  # branches splitting the profit and loss codes (seed/chart.py)
    # financial statement layouts set up (seed/reporting.py); a new installation has none
    report_layouts: bool = True
    # a deliberate one-sided posting to the debtors control account (seed/model.py)
    unbalanced: bool = False


@dataclass(frozen=True)
class SitePlan:
    id: str
    name: str
    short_name: str
    tenant_id: str
    companies: tuple[CompanyPlan, ...]


@dataclass(frozen=True)
class UserPlan:
    id: int
    email: str
    password: str
    name: str
    companies: frozenset[int] = field(default_factory=frozenset)


MAIN_COMPANY_ID = 1

_UK_NAMED_CUSTOMERS = (
    NamedAccount("ABS001", "ABS Garages Ltd", frozenset({"overdue"})),
    NamedAccount("BOB001", "Bobs Building Supplies", frozenset({"on_hold", "overdue"})),
    NamedAccount("OBR001", "O'Brien Hardware", frozenset({"slow"})),
    NamedAccount("HAR001", "Harrow Motor Factors", frozenset({"over_limit"})),
    NamedAccount("PRI001", "100% Print & Design Ltd", frozenset({"prompt"})),
    NamedAccount("DUB001", "Dublin Print Works", frozenset({"prompt"}), currency="EUR"),
    NamedAccount("OLD001", "Old Mill Stores (closed)", frozenset({"hidden"})),
    NamedAccount("CAS001", "Cash Sales", frozenset({"prompt", "cash"})),
)

_IE_NAMED_CUSTOMERS = (
    NamedAccount("ABS001", "ABS Garages Ltd", frozenset({"overdue"})),
    NamedAccount("OCO001", "O'Connor & Daughters", frozenset({"over_limit"})),
    NamedAccount("GAL001", "Galway Bay Hotel", frozenset({"prompt"})),
    NamedAccount("BEL001", "Belfast Office Centre", frozenset({"slow"}), currency="GBP"),
)

_UK_NAMED_SUPPLIERS = (
    NamedAccount("MON001", "Mondi Paper Mills", frozenset({"prompt", "trade:Paper Mills"})),
    NamedAccount(
        "QUI001", "QuickPrint Services Ltd", frozenset({"average", "trade:Printing Services"})
    ),
    NamedAccount("FUR001", "Furnish Direct Ltd", frozenset({"average", "trade:Office Furniture"})),
    NamedAccount(
        "EUR001", "EuroFreight B.V.", frozenset({"average", "trade:Freight"}), currency="EUR"
    ),
)

_IE_NAMED_SUPPLIERS = (
    NamedAccount("SMU001", "Smurfit Packaging Ireland", frozenset({"prompt", "trade:Packaging"})),
)


def site_plans(
    main_customers: int,
    postings: Postings = "daily",
    cost_centres: int = 0,
    unbalanced: bool = False,
) -> tuple[SitePlan, ...]:
    """The sites and companies, with ``main_customers`` customers in the main UK company.

    Every company posts to the nominal ledger as ``postings`` says; ``cost_centres`` split the
    main company's profit and loss codes, the Irish company splits its own by its two branches,
    and Riverside, small, does not split. ``unbalanced`` puts a one-sided posting in the main
    company's books, for a check that must find it.
    """
    stockwell_uk = CompanyPlan(
        id=MAIN_COMPANY_ID,
        name="Stockwell Office Supplies Ltd",
        country="GB",
        base_currency="GBP",
        customers=main_customers,
        suppliers=max(40, min(150, main_customers // 4)),
        products=120,
        sales_orders=max(60, min(400, main_customers // 2)),
        purchase_orders=80,
        year_start_month=4,
        ageing_days=(30, 60, 90, 120),
        telephone="0161 496 0000",
        email="accounts@stockwell-office.example.co.uk",
        website="www.stockwell-office.example.co.uk",
        address=("Unit 4, Kingsway Business Park", "Manchester", "Greater Manchester", "M19 2LL"),
        named_customers=_UK_NAMED_CUSTOMERS,
        named_suppliers=_UK_NAMED_SUPPLIERS,
        postings=postings,
        cost_centres=cost_centres,
        unbalanced=unbalanced,
    )
    stockwell_ie = CompanyPlan(
        id=2,
        name="Stockwell Office Supplies (Ireland) Ltd",
        country="IE",
        base_currency="EUR",
        customers=120,
        suppliers=35,
        products=60,
        sales_orders=70,
        purchase_orders=30,
        year_start_month=1,
        ageing_days=(30, 60, 90),
        telephone="01 555 0100",
        email="accounts@stockwell-office.example.ie",
        website="www.stockwell-office.example.ie",
        address=("Unit 12, Parkwest Business Park", "Dublin 12", "Co. Dublin", "D12 X9T4"),
        named_customers=_IE_NAMED_CUSTOMERS,
        named_suppliers=_IE_NAMED_SUPPLIERS,
        postings=postings,
        cost_centres=2,
    )
    riverside = CompanyPlan(
        id=3,
        name="Riverside Design Studio Ltd",
        country="GB",
        base_currency="GBP",
        customers=30,
        suppliers=12,
        products=15,
        sales_orders=20,
        purchase_orders=10,
        year_start_month=1,
        ageing_days=(30, 60, 90, 120),
        telephone="0117 496 0555",
        email="hello@riverside-design.example.co.uk",
        website="www.riverside-design.example.co.uk",
        address=("2 Canal Side", "Bristol", "Bristol", "BS1 6XY"),
        postings=postings,
        report_layouts=False,
    )
    return (
        SitePlan(
            id="6c3f9a2e-7d41-4b8e-9a15-3f2c8d7e1b04",
            name="Stockwell Group",
            short_name="STOCKWELL",
            tenant_id="a7e1c2d4-58b3-4f6a-9c0e-2b7d4e8f1a63",
            companies=(stockwell_uk, stockwell_ie),
        ),
        SitePlan(
            id="d9b2e4f1-3a6c-4e8d-b1f7-5c0a9e2d4b86",
            name="Riverside Design",
            short_name="RIVERSIDE",
            tenant_id="4f8a1d3c-9e2b-47c5-a6d0-8b3e1f7c2a95",
            companies=(riverside,),
        ),
    )


USERS: tuple[UserPlan, ...] = (
    UserPlan(
        id=1,
        email="demo@example.com",
        password="demo",
        name="Demo User",
        companies=frozenset({1, 2, 3}),
    ),
    UserPlan(
        id=2,
        email="single@example.com",
        password="single",
        name="Sam Single",
        companies=frozenset({3}),
    ),
    UserPlan(
        id=3,
        email="pat@example.com",
        password="pat",
        name="Pat Partner",
        companies=frozenset({MAIN_COMPANY_ID, 3}),
    ),
)

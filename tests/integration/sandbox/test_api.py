"""The Sage 200 API as the sandbox serves it over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sage200_mcp.openapi.validation import body_validator
from sage200_mcp.sandbox.tables import (
    ACCOUNT_STATUS,
    CONTROL_CODE_TYPE_LABELS,
    DOCUMENT_STATUS,
    LOOKUPS,
    PROGRESS_STATUS,
    REPORT_CATEGORY_TYPE_LABELS,
    REPORT_TYPE_LABELS,
    ROW_DEBIT_OR_CREDIT_LABELS,
    ROW_LINE_TYPE_LABELS,
    ROW_POSITION_LABELS,
    TABLE_SPECS,
    TRADER_TRANSACTION_TYPE,
    numbered,
)
from tests.helpers import PRO, STD, tokens_for

Customer = dict[str, Any]

# every resource the sandbox must serve, with the spec path its body is checked against
LISTS = [
    "customers",
    "customer_views",
    "lookup_customers",
    "customer_contacts",
    "customer_delivery_addresses",
    "sales_transaction_views",
    "sales_posted_transactions",
    "sales_aged_debtor_summary_views",
    "sales_aged_debtor_detailed_views",
    "suppliers",
    "supplier_views",
    "purchase_transaction_views",
    "purchase_aged_creditor_summary_views",
    "sop_orders",
    "pop_orders",
    "products",
    "product_views",
    "warehouse_holdings",
    "nominal_codes",
    "nominal_code_views",
    "banks",
    "bank_views",
    "currencies",
    "tax_codes",
    "financial_year_period_views",
    "nominal_period_value_views",
    "nominal_report_categories",
    "control_nominal_codes",
    "cost_centres",
    "departments",
    "financial_report_layout_views",
    "company_details",
]
# a company that does not split its codes has no cost centres or departments, and a new
# installation (Riverside) no financial statement layouts
EMPTY_IN = {
    "cost_centres": {1, 3},
    "departments": {1, 3},
    "financial_report_layout_views": {3},
}
ITEMS = {  # item path -> the list its id comes from
    "customers/{Id}": "customers",
    "sales_posted_transactions/{Id}": "sales_posted_transactions",
    "suppliers/{Id}": "suppliers",
    "sop_orders/{Id}": "sop_orders",
    "pop_orders/{Id}": "pop_orders",
    "products/{Id}": "products",
}
NESTED = {  # nested path -> (spec template, parent list)
    "customers/{}/customer_contacts": ("/customers/{customerId}/customer_contacts", "customers"),
    "sop_orders/{}/sop_order_lines": ("/sop_orders/{sopOrderId}/sop_order_lines", "sop_orders"),
    "products/{}/warehouse_holdings": ("/products/{productId}/warehouse_holdings", "products"),
}
EXPANDS = {
    "customers": "main_address,contacts,currency,default_tax_code,country_code",
    "suppliers": "main_address,contacts,bank,currency",
    "sop_orders": "lines,customer,currency",
    "pop_orders": "lines,supplier",
    "products": "warehouse_holdings,product_group,tax_code",
    "customer_contacts": "emails,telephones,mobiles",
    "sales_posted_transactions": "customer",
    "banks": "account_currency",
    "company_details": "address,country_code",
}


@pytest.fixture(scope="module")
def get(
    sandbox_http: httpx.Client, company_headers: dict[int, dict[str, str]]
) -> Callable[..., httpx.Response]:
    def get(path: str, company: int = 1, base: str = PRO, **params: str) -> httpx.Response:
        return sandbox_http.get(f"{base}/{path}", headers=company_headers[company], params=params)

    return get


@pytest.fixture(scope="module")
def everyone(get: Callable[..., httpx.Response]) -> list[Customer]:
    answer = get("customers", **{"$top": "5000"})
    assert answer.status_code == 200
    result: list[Customer] = answer.json()
    assert len(result) == 500
    return result


# -- headers, tokens and paths ------------------------------------------------------------------


def test_a_missing_or_bad_token_is_401_with_an_empty_body(
    sandbox_http: httpx.Client, company_headers: dict[int, dict[str, str]]
) -> None:
    headers = dict(company_headers[1])
    for authorization in (
        None,
        "Bearer nonsense",
        "Basic abc",
        f"Bearer {headers['Authorization'][7:]}x",
    ):
        if authorization is None:
            headers.pop("Authorization")
        else:
            headers["Authorization"] = authorization
        answer = sandbox_http.get(f"{PRO}/customers", headers=headers)
        assert answer.status_code == 401
        assert answer.content == b""


@pytest.mark.parametrize("missing", ["X-Site", "X-Company"])
def test_site_and_company_headers_are_required(
    sandbox_http: httpx.Client, company_headers: dict[int, dict[str, str]], missing: str
) -> None:
    headers = {k: v for k, v in company_headers[1].items() if k != missing}
    answer = sandbox_http.get(f"{PRO}/customers", headers=headers)
    assert answer.status_code == 403  # the default --bad-company-status
    assert answer.json() == {"Message": "The X-Site and X-Company headers are required."}


def test_sites_needs_no_site_headers(
    sandbox_http: httpx.Client, demo_tokens: dict[str, str]
) -> None:
    answer = sandbox_http.get(
        f"{PRO}/sites", headers={"Authorization": f"Bearer {demo_tokens['access_token']}"}
    )
    sites = answer.json()
    assert answer.status_code == 200
    assert len({s["site_id"] for s in sites}) == 2 and len(sites) == 3
    assert body_validator("/sites")(sites) == []
    names = {s["company_name"] for s in sites}
    assert "Stockwell Office Supplies (Ireland) Ltd" in names


def test_no_access_to_a_company_is_403(
    sandbox_http: httpx.Client,
    company_headers: dict[int, dict[str, str]],
    sites: list[dict[str, Any]],
) -> None:
    headers = dict(company_headers[1])
    for site, company in (
        (headers["X-Site"], "3"),
        (headers["X-Site"], "99"),
        ("other-site", "1"),
        (headers["X-Site"], "one"),
    ):
        answer = sandbox_http.get(
            f"{PRO}/customers", headers={**headers, "X-Site": site, "X-Company": company}
        )
        assert answer.status_code == 403, (site, company)
    single = tokens_for(sandbox_http, "single@example.com", "single")
    reachable = sandbox_http.get(
        f"{PRO}/sites", headers={"Authorization": f"Bearer {single['access_token']}"}
    ).json()
    assert [s["company_id"] for s in reachable] == [3]
    uk = next(s for s in sites if s["company_id"] == 1)
    answer = sandbox_http.get(
        f"{PRO}/customers",
        headers={
            "Authorization": f"Bearer {single['access_token']}",
            "X-Site": uk["site_id"],
            "X-Company": "1",
        },
    )
    assert answer.status_code == 403


def test_unknown_ids_and_paths_are_404_and_bad_ids_400(get: Callable[..., httpx.Response]) -> None:
    assert get("customers/999999").status_code == 404
    assert get("customers/999999/customer_contacts").status_code == 404
    wrong = get("no_such_things")
    assert wrong.status_code == 404 and wrong.json() == {
        "statusCode": 404,
        "message": "Resource not found",
    }
    assert get("customers/abc").status_code == 400
    assert get("customers", base="/uk/sage300/accounts/v1").status_code == 404


def test_a_documented_path_the_sandbox_does_not_emulate_says_so(
    get: Callable[..., httpx.Response],
) -> None:
    answer = get("customer_memos")
    assert answer.status_code == 501 and "does not emulate" in answer.json()["Message"]


# -- every body validates against Sage's schema -------------------------------------------------


@pytest.mark.parametrize("base", [PRO, STD], ids=["professional", "standard"])
@pytest.mark.parametrize("resource", LISTS)
def test_every_list_validates_against_its_schema(
    get: Callable[..., httpx.Response], resource: str, base: str
) -> None:
    edition = "professional" if base == PRO else "standard"
    for company in (1, 2, 3):
        answer = get(resource, company=company, base=base, **{"$top": "200"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert isinstance(body, list)
        empty = company in EMPTY_IN.get(resource, ())
        assert bool(body) != empty, f"{resource} in company {company}: {len(body)} rows"
        assert body_validator(f"/{resource}", edition)(body) == []


@pytest.mark.parametrize("base", [PRO, STD], ids=["professional", "standard"])
def test_items_nested_paths_and_expansions_validate(
    get: Callable[..., httpx.Response], base: str
) -> None:
    edition = "professional" if base == PRO else "standard"
    for item, source in ITEMS.items():
        first = get(source, base=base, **{"$top": "1"}).json()[0]
        answer = get(item.replace("{Id}", str(first["id"])), base=base)
        assert answer.status_code == 200
        assert body_validator(f"/{item}", edition)(answer.json()) == []
    for path, (template, source) in NESTED.items():
        parent = get(source, base=base, **{"$top": "1"}).json()[0]
        answer = get(path.format(parent["id"]), base=base)
        assert answer.status_code == 200 and answer.json()
        assert body_validator(template, edition)(answer.json()) == []
    for resource, expand in EXPANDS.items():
        answer = get(resource, base=base, **{"$top": "20", "$expand": expand})
        assert answer.status_code == 200, answer.text
        assert body_validator(f"/{resource}", edition)(answer.json()) == []
        assert any(all(name in row for name in expand.split(",")) for row in answer.json())
    me = get("current_user", base=base)
    assert me.status_code == 200 and me.json()["email_address"] == "demo@example.com"
    assert body_validator("/current_user", edition)(me.json()) == []


def test_standard_hides_professional_only_fields_and_paths(
    get: Callable[..., httpx.Response],
) -> None:
    pro = get("customers", **{"$top": "1"}).json()[0]
    std = get("customers", base=STD, **{"$top": "1"}).json()[0]
    assert "finance_charge_id" in pro and "finance_charge_id" not in std
    assert get("customers", base=STD, **{"$filter": "finance_charge_id eq 0"}).status_code == 400
    assert get("sales_trading_periods", base=STD).status_code == 404


# -- lookup resources ---------------------------------------------------------------------------

LOOKUP_MAPS = {
    "sop_document_status_types": DOCUMENT_STATUS,
    "pop_document_status_types": DOCUMENT_STATUS,
    "sop_document_process_status_types": PROGRESS_STATUS,
    "pop_document_process_status_types": PROGRESS_STATUS,
    "trader_transaction_types": TRADER_TRANSACTION_TYPE,
    "account_status_types": ACCOUNT_STATUS,
    "nominal_report_category_types": numbered(REPORT_CATEGORY_TYPE_LABELS),
    "control_nominal_code_types": numbered(CONTROL_CODE_TYPE_LABELS),
    "financial_report_layout_types": numbered(REPORT_TYPE_LABELS),
    "financial_report_row_line_types": numbered(ROW_LINE_TYPE_LABELS),
    "financial_report_row_layout_position_types": numbered(ROW_POSITION_LABELS),
    "financial_report_row_layout_debit_or_credit_types": numbered(ROW_DEBIT_OR_CREDIT_LABELS),
}


def test_the_enumerations_are_sages() -> None:
    assert list(DOCUMENT_STATUS.items()) == [
        ("EnumDocumentStatusLive", 0),
        ("EnumDocumentStatusOnHold", 1),
        ("EnumDocumentStatusComplete", 2),
        ("EnumDocumentStatusDispute", 3),
        ("EnumDocumentStatusCancelled", 4),
        ("EnumDocumentStatusDraft", 5),
        ("EnumDocumentStatusPrinted", 6),
    ]
    assert list(TRADER_TRANSACTION_TYPE) == [
        f"TradingAccountEntryType{name}"
        for name in (
            "DeletedRecord",
            "PurchasePaymentSalesReceipt",
            "PurchaseReceiptSalesPayment",
            "NOTUSED",
            "Invoice",
            "CreditNote",
            "OpeningBalanceInvoice",
            "OpeningBalanceCreditNote",
        )
    ]
    assert list(TRADER_TRANSACTION_TYPE.values()) == list(range(8))
    assert set(LOOKUP_MAPS) == set(LOOKUPS)


@pytest.mark.parametrize("base", [PRO, STD], ids=["professional", "standard"])
@pytest.mark.parametrize("resource", sorted(LOOKUP_MAPS))
def test_lookup_resources_list_the_enum_maps_the_filters_use(
    get: Callable[..., httpx.Response], resource: str, base: str
) -> None:
    answer = get(resource, base=base)
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    assert {row["value"]: row["id"] for row in rows} == LOOKUP_MAPS[resource]
    assert all(row["description"] for row in rows)
    edition = "professional" if base == PRO else "standard"
    assert body_validator(f"/{resource}", edition)(rows) == []


def test_lookup_resources_take_query_options(get: Callable[..., httpx.Response]) -> None:
    dispute = get(
        "sop_document_status_types", **{"$filter": "value eq 'EnumDocumentStatusDispute'"}
    )
    assert dispute.json() == [
        {"id": 3, "value": "EnumDocumentStatusDispute", "description": "Dispute"}
    ]
    top = get(
        "trader_transaction_types", **{"$orderby": "id desc", "$top": "2", "$select": "value"}
    )
    assert top.json() == [
        {"value": "TradingAccountEntryTypeOpeningBalanceCreditNote"},
        {"value": "TradingAccountEntryTypeOpeningBalanceInvoice"},
    ]


@pytest.mark.parametrize(
    ("filter_text", "status"),
    [
        ("document_status eq 'EnumDocumentStatusComplete'", "EnumDocumentStatusComplete"),
        ("document_status eq 2", "EnumDocumentStatusComplete"),  # Sage's own example's number
        ("document_status eq 'EnumDocumentStatusDispute'", "EnumDocumentStatusDispute"),
        ("document_status eq 1", "EnumDocumentStatusOnHold"),
    ],
)
def test_orders_filter_by_status_name_or_number(
    get: Callable[..., httpx.Response], filter_text: str, status: str
) -> None:
    answer = get("sop_orders", **{"$filter": filter_text, "$top": "5000"})
    assert answer.status_code == 200, answer.text
    assert answer.json() and {o["document_status"] for o in answer.json()} == {status}


def test_the_old_invented_names_are_gone(get: Callable[..., httpx.Response]) -> None:
    for text in (
        "document_status eq 'EnumDocumentStatusDisputed'",
        "document_status eq 'EnumDocumentStatusLost'",
    ):
        assert get("sop_orders", **{"$filter": text}).status_code == 400
    assert TABLE_SPECS["sop_orders"].enum_maps["document_status"] is DOCUMENT_STATUS


# -- OData semantics against the seeded books ---------------------------------------------------


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


FILTERS: list[tuple[str, Callable[[Customer], bool]]] = [
    ("reference eq 'ABS001'", lambda c: c["reference"] == "ABS001"),
    ("name eq 'abs garages ltd'", lambda c: c["name"].lower() == "abs garages ltd"),
    ("contains(name,'O''Brien')", lambda c: "o'brien" in c["name"].lower()),
    ("contains(name,'100%')", lambda c: "100%" in c["name"]),
    ("contains(name,'_')", lambda c: "_" in c["name"]),
    ("startswith(name,'Ab')", lambda c: c["name"].lower().startswith("ab")),
    ("endswith(reference,'002')", lambda c: c["reference"].endswith("002")),
    ("balance gt 1000 and on_hold eq false", lambda c: c["balance"] > 1000 and not c["on_hold"]),
    ("balance gt 1000 or balance lt 0", lambda c: c["balance"] > 1000 or c["balance"] < 0),
    ("not (balance le 0)", lambda c: c["balance"] > 0),
    ("on_hold", lambda c: c["on_hold"]),
    (
        "(on_hold eq true) or account_status_type eq 'AccountStatusHidden'",
        lambda c: c["on_hold"] or c["account_status_type"] == "AccountStatusHidden",
    ),
    ("account_status_type eq 1", lambda c: c["account_status_type"] == "AccountStatusHidden"),
    (
        "credit_limit ne 0 and balance gt credit_limit",
        lambda c: c["credit_limit"] != 0 and c["balance"] > c["credit_limit"],
    ),
    ("balance ge 1000.5", lambda c: c["balance"] >= 1000.5),
    (
        "account_opened lt 2020-01-01",
        lambda c: _date(c["account_opened"]) < datetime(2020, 1, 1, tzinfo=UTC),
    ),
    (
        "date_time_updated ge 2026-09-01T00:00:00Z",
        lambda c: _date(c["date_time_updated"]) >= datetime(2026, 9, 1, tzinfo=UTC),
    ),
    ("application_date eq null", lambda c: "application_date" not in c),
    ("currency_id ne 1", lambda c: c["currency_id"] != 1),
    (
        "payment_terms_basis eq 'PaymentDueFromCalendarMonth'",
        lambda c: c["payment_terms_basis"] == "PaymentDueFromCalendarMonth",
    ),
]


@pytest.mark.parametrize(("text", "predicate"), FILTERS, ids=[f for f, _ in FILTERS])
def test_filters_select_exactly_the_matching_customers(
    get: Callable[..., httpx.Response],
    everyone: list[Customer],
    text: str,
    predicate: Callable[[Customer], bool],
) -> None:
    answer = get("customers", **{"$filter": text, "$top": "5000"})
    assert answer.status_code == 200, answer.text
    expected = {c["id"] for c in everyone if predicate(c)}
    assert {c["id"] for c in answer.json()} == expected
    assert int(get("customers", **{"$filter": text, "$count": "true"}).text) == len(expected)


def test_the_seeded_facts_the_filters_rely_on_are_there(everyone: list[Customer]) -> None:
    references = {c["reference"]: c for c in everyone}
    assert references["ABS001"]["name"] == "ABS Garages Ltd"
    assert references["PRI001"]["name"] == "100% Print & Design Ltd"
    assert any(c["on_hold"] for c in everyone)
    assert any(c["account_status_type"] == "AccountStatusHidden" for c in everyone)
    assert sum(1 for c in everyone if c["credit_limit"] and c["balance"] > c["credit_limit"]) >= 10


def test_orderby_several_keys(get: Callable[..., httpx.Response], everyone: list[Customer]) -> None:
    answer = get("customers", **{"$orderby": "on_hold desc, balance desc, id asc", "$top": "5000"})
    expected = sorted(everyone, key=lambda c: (not c["on_hold"], -c["balance"], c["id"]))
    assert [c["id"] for c in answer.json()] == [c["id"] for c in expected]


def test_top_skip_paging_covers_every_row_once(
    get: Callable[..., httpx.Response], everyone: list[Customer]
) -> None:
    assert len(get("customers").json()) == 500  # $top defaults to 500
    seen: list[int] = []
    for page in range(6):
        chunk = get(
            "customers", **{"$orderby": "id asc", "$top": "97", "$skip": str(page * 97)}
        ).json()
        seen += [c["id"] for c in chunk]
        if len(chunk) < 97:
            break
    assert seen == sorted(c["id"] for c in everyone)


def test_select_picks_fields_and_reaches_into_expansions(
    get: Callable[..., httpx.Response],
) -> None:
    rows = get(
        "customers",
        **{"$select": "id,name,main_address.city", "$expand": "main_address", "$top": "3"},
    ).json()
    assert all(
        set(r) == {"id", "name", "main_address"} and set(r["main_address"]) == {"city"}
        for r in rows
    )
    lines = get(
        "sop_orders", **{"$select": "document_no,lines/code", "$expand": "lines", "$top": "3"}
    ).json()
    assert all(
        set(o) == {"document_no", "lines"} and all(set(line) == {"code"} for line in o["lines"])
        for o in lines
    )


@pytest.mark.parametrize(
    "params",
    [
        {"$filter": "name eq"},
        {"$filter": "nope eq 1"},
        {"$filter": "balance eq 'x'"},
        {"$filter": "account_opened gt '2020-01-01'"},
        {"$filter": "date_time_updated gt 2026-01-01T00:00:00"},
        {"$filter": "account_status_type eq 'Sometimes'"},
        {"$filter": "tolower(name) eq 'x'"},
        {"$top": "5001"},
        {"$top": "-1"},
        {"$top": "ten"},
        {"$skip": "5"},
        {"$orderby": "nope"},
        {"$select": "nope"},
        {"$select": "main_address.city"},
        {"$expand": "nope"},
        {"$expand": "contacts/emails"},
        {"$frobnicate": "1"},
    ],
)
def test_bad_query_options_are_400_with_a_message(
    get: Callable[..., httpx.Response], params: dict[str, str]
) -> None:
    answer = get("customers", **params)
    assert answer.status_code == 400
    assert answer.json()["Message"]


def test_aged_views_take_an_ageing_basis(get: Callable[..., httpx.Response]) -> None:
    by_basis = {
        basis: get("sales_aged_debtor_summary_views", **{"$ageingdatetype": basis}).json()
        for basis in ("transactiondate", "duedate", "calendarmonth")
    }
    assert by_basis["duedate"] != by_basis["transactiondate"]
    assert by_basis["calendarmonth"][0]["aged_period_1"] == "October 2026"
    assert (
        get("sales_aged_debtor_summary_views", **{"$ageingdatetype": "weekly"}).status_code == 400
    )


def test_companies_have_separate_books(get: Callable[..., httpx.Response]) -> None:
    uk = get("customers", 1, **{"$filter": "reference eq 'ABS001'"}).json()[0]
    ie = get("customers", 2, **{"$filter": "reference eq 'ABS001'"}).json()[0]
    assert uk["name"] == ie["name"] == "ABS Garages Ltd"
    assert uk["balance"] != ie["balance"]
    currencies = {c["id"]: c for c in get("currencies", 2).json()}
    assert (
        currencies[ie["currency_id"]]["name"] == "Euro"
        and currencies[ie["currency_id"]]["is_base_currency"]
    )
    assert len(get("customers", 3, **{"$top": "5000"}).json()) == 30


# -- control endpoints and faults ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "check"),
    [
        (
            {"status": 503, "body": "message", "message": "Down"},
            503,
            lambda r: r.json() == {"Message": "Down"},
        ),
        ({"status": 400, "body": "gateway"}, 400, lambda r: r.json()[0]["$severity"] == "error"),
        ({"status": 500, "body": "empty"}, 500, lambda r: r.content == b""),
        ({"status": 502, "body": "html"}, 502, lambda r: r.text.startswith("<!DOCTYPE html>")),
        (
            {"status": 429, "headers": {"Retry-After": "2"}},
            429,
            lambda r: r.headers["retry-after"] == "2",
        ),
        ({"status": 401}, 401, lambda r: r.content == b""),
        ({"body": "malformed"}, 200, lambda r: r.text.startswith("[") and not r.text.endswith("]")),
        ({"body": "value_wrapper"}, 200, lambda r: isinstance(r.json()["value"], list)),
        ({"path": f"{PRO}/sites", "body": "empty_list"}, 200, lambda r: r.json() == []),
    ],
)
def test_faults_answer_the_next_request_then_stop(
    sandbox_http: httpx.Client,
    get: Callable[..., httpx.Response],
    fault: dict[str, Any],
    status: int,
    check: Callable[[httpx.Response], bool],
) -> None:
    path = fault.pop("path", f"{PRO}/customers")
    assert sandbox_http.post("/_sandbox/faults", json={"path": path, **fault}).status_code == 200
    resource = path.rsplit("/", 1)[-1]
    answer = get(resource, **{"$top": "2"})
    assert answer.status_code == status
    assert check(answer)
    after = get(resource, **{"$top": "2"})
    assert after.status_code == 200 and isinstance(after.json(), list) and after.json()


def test_a_delay_fault_holds_the_answer(
    sandbox_http: httpx.Client, get: Callable[..., httpx.Response]
) -> None:
    sandbox_http.post(
        "/_sandbox/faults", json={"path": f"{PRO}/currencies", "delay_ms": 300, "count": 1}
    )
    with pytest.raises(httpx.ReadTimeout):
        sandbox_http.get(f"{PRO}/currencies", timeout=0.1)
    assert get("currencies").status_code == 200


def test_bad_faults_are_refused(sandbox_http: httpx.Client) -> None:
    for fault in (
        {"status": 500, "body": "sideways"},
        {"count": 0},
        {"colour": "red"},
        [1],
        {"body": "html"},
    ):
        assert sandbox_http.post("/_sandbox/faults", json=fault).status_code == 400


def test_stats_count_requests_by_path(
    sandbox_http: httpx.Client, get: Callable[..., httpx.Response]
) -> None:
    before = sandbox_http.get("/_sandbox/stats").json()
    get("tax_codes")
    get("tax_codes/1")
    after = sandbox_http.get("/_sandbox/stats").json()
    assert after["api_requests"]["tax_codes"] == before["api_requests"].get("tax_codes", 0) + 1
    assert (
        after["api_requests"]["tax_codes/{id}"]
        == before["api_requests"].get("tax_codes/{id}", 0) + 1
    )
    assert after["api_requests_total"] == before["api_requests_total"] + 2

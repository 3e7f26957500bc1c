"""A page of list_customers: the dormancy filter composed with the others (which stay on Sage's
side), its cursor pages served from the remembered list, and fields only the full record has
read for the page's accounts in one request."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
import respx

from sage200_mcp.api.account_lists import AccountFields, account_fields, list_accounts
from sage200_mcp.api.client import SageClient
from sage200_mcp.api.dormant import Dormancy
from sage200_mcp.api.ledgers import SALES, AccountSearch
from sage200_mcp.api.schema import UnknownField
from tests.unit.api.fakes import API, COMPANY
from tests.unit.api.test_dormant import INVOICE, TYPES, entry

pytestmark = pytest.mark.anyio

STATUSES = [{"id": 0, "value": "AccountStatusActive"}, {"id": 1, "value": "AccountStatusHidden"}]
QUIET = Dormancy(invoice=date(2026, 6, 1))
OWING = AccountSearch(min_balance=0.01)
NO_FIELDS = AccountFields()


def view(number: int) -> dict[str, Any]:
    return {"id": number, "reference": f"C{number}", "name": f"Customer {number}", "balance": 5}


def answering(rows: Any, asked: list[httpx.Request]) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        found = rows(request)
        if request.url.params.get("$count") == "true" and "$top" not in request.url.params:
            return httpx.Response(200, json=len(found))
        return httpx.Response(200, json=found)

    return respond


def mock_ledger() -> dict[str, list[httpx.Request]]:
    """Accounts 1 to 5 matching the search; 2 and 4 invoiced since the day; the others'
    latest invoices before it."""
    asked: dict[str, list[httpx.Request]] = {"views": [], "traded": [], "latest": []}

    def transactions(request: httpx.Request) -> list[dict[str, Any]]:
        if "transaction_date ge" in request.url.params["$filter"]:
            asked["traded"].append(request)
            return [{"customer_id": 2}, {"customer_id": 4}, {"customer_id": 4}]
        asked["latest"].append(request)
        before = [entry(5, INVOICE, "2026-05-30"), entry(1, INVOICE, "2026-01-02")]
        text = request.url.params["$filter"]
        return [e for e in before if f"customer_id eq {e['customer_id']}" in text]

    respx.get(f"{API}customer_views").mock(
        side_effect=answering(lambda _: [view(n) for n in range(1, 6)], asked["views"])
    )
    respx.get(f"{API}sales_transaction_views").mock(side_effect=answering(transactions, []))
    respx.get(f"{API}trader_transaction_types").respond(json=TYPES)
    respx.get(f"{API}account_status_types").respond(json=STATUSES)
    return asked


async def page(client: SageClient, offset: int, fields: AccountFields = NO_FIELDS) -> Any:
    return await list_accounts(
        client,
        SALES,
        COMPANY,
        OWING,
        QUIET,
        fields,
        sort="name",
        descending=True,
        offset=offset,
        limit=2,
        want_total=offset == 0,
    )


@respx.mock
async def test_quiet_accounts_are_those_not_in_the_set_other_filters_on_sages_side(
    client: SageClient,
) -> None:
    asked = mock_ledger()
    first = await page(client, 0)
    assert [v.id for v in first.page.rows] == [1, 3]
    assert first.page.has_more and first.page.total == 3 and first.read_at is not None
    assert first.latest == {1: {"invoice": date(2026, 1, 2)}}  # 3 had none before the day
    sent = asked["views"][0].url.params
    assert "base_balance ge 0.01" in sent["$filter"]  # the other filters: Sage's side
    assert "account_status_type eq 'AccountStatusActive'" in sent["$filter"]
    assert (
        sent["$orderby"] == "base_balance desc, id asc" or sent["$orderby"] == "name desc, id asc"
    )
    latest = asked["latest"][0].url.params["$filter"]
    assert latest.startswith("(customer_id eq 1 or customer_id eq 3) and")  # the page's only
    views, traded = len(asked["views"]), len(asked["traded"])
    second = await page(client, 2)
    assert [v.id for v in second.page.rows] == [5] and not second.page.has_more
    assert second.latest == {5: {"invoice": date(2026, 5, 30)}}
    assert second.read_at == first.read_at
    assert (len(asked["views"]), len(asked["traded"])) == (views, traded)  # no rescan
    assert len(asked["latest"]) == 2  # one request a page


@respx.mock
async def test_record_fields_are_one_request_for_the_pages_accounts(client: SageClient) -> None:
    mock_ledger()
    records = respx.get(f"{API}customers").respond(
        json=[{"id": 1, "status_reason": "Disputed"}, {"id": 3, "status_reason": ""}]
    )
    found = await page(client, 0, AccountFields(("contact_name",), ("status_reason",)))
    assert found.records == {1: {"status_reason": "Disputed"}, 3: {"status_reason": ""}}
    assert records.call_count == 1
    sent = records.calls[0].request.url.params
    assert sent["$filter"] == "id eq 1 or id eq 3" and sent["$top"] == "2"
    assert sent["$select"] == "id,status_reason"
    views = respx.calls  # the view fields are read with the list, not from the record
    assert any("contact_name" in c.request.url.params.get("$select", "") for c in views)
    await page(client, 0, AccountFields(("contact_name",)))
    assert records.call_count == 1  # no record field asked for: no request


@respx.mock
async def test_without_dormancy_the_list_is_sages_page(client: SageClient) -> None:
    asked = mock_ledger()
    found = await list_accounts(
        client,
        SALES,
        COMPANY,
        OWING,
        Dormancy(),
        AccountFields(),
        sort="name",
        descending=False,
        offset=0,
        limit=2,
        want_total=False,
    )
    assert [v.id for v in found.page.rows] == [1, 2] and found.read_at is None
    assert found.latest == {} and asked["traded"] == [] and asked["latest"] == []


def test_fields_are_checked_against_the_view_and_the_record() -> None:
    fields = account_fields(
        ["contact_name", "status_reason", "balance", "contact_name"], SALES, "professional"
    )
    assert fields == AccountFields(("contact_name", "balance"), ("status_reason",))
    with pytest.raises(UnknownField) as raised:
        account_fields(["status_reasn"], SALES, "professional")
    assert "Did you mean: status_reason" in str(raised.value)
    assert "customer_views or customers" in str(raised.value)
    with pytest.raises(UnknownField, match="contact_name"):
        account_fields(["contact_nam"], SALES, "professional")

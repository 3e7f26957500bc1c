"""Reading one account: what a 404 from each of its two requests means."""

from __future__ import annotations

import pytest
import respx

from sage200_mcp.api import ledgers
from sage200_mcp.api.client import SageClient
from sage200_mcp.api.errors import NotFound
from sage200_mcp.api.ledgers import SALES
from tests.unit.api.fakes import API, COMPANY

pytestmark = pytest.mark.anyio


@respx.mock
@pytest.mark.parametrize(
    ("record", "view", "says"),
    [
        (404, 200, "There is no customer with id 5"),  # the account is not there
        (200, 404, "404"),  # the view's path is: not "no such customer"
    ],
)
async def test_only_the_records_404_means_no_such_account(
    client: SageClient, record: int, view: int, says: str
) -> None:
    respx.get(f"{API}customers/5").respond(record, json={"id": 5})
    respx.get(f"{API}customer_views").respond(view, json=[{"id": 5}])
    respx.get(f"{API}account_status_types").respond(json=[])
    with pytest.raises(NotFound) as raised:
        await ledgers.account_details(client, SALES, COMPANY, 5)
    assert says in str(raised.value)
    if view == 404:
        assert "There is no customer" not in str(raised.value)

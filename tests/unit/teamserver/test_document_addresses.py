"""A client ID metadata document is fetched from public addresses only: the URL is whoever
calls /authorize's to choose, and the server must not be made to read its own network."""

from __future__ import annotations

import httpx
import pytest
import respx

from sage200_mcp.teamserver.clients import ClientDocumentError, fetch_document
from sage200_mcp.teamserver.options import DocumentLimits

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/client.json",
        "https://localhost/client.json",
        "https://169.254.169.254/latest/meta-data.json",  # a cloud's metadata service
        "https://10.0.0.7/client.json",
        "https://192.168.1.1/client.json",
        "https://[::1]/client.json",
        "https://[fd00::1]/client.json",
        "https://100.64.0.1/client.json",  # carrier-grade NAT, not the internet
    ],
)
async def test_a_document_on_an_inward_address_is_never_requested(url: str) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(url).respond(200, json={})
        async with httpx.AsyncClient() as http:
            with pytest.raises(ClientDocumentError, match="non-public address"):
                await fetch_document(http, url, DocumentLimits())
    assert not route.called


async def test_a_host_that_does_not_resolve_is_refused_without_a_request() -> None:
    url = "https://no-such-host.invalid/client.json"
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(url).respond(200, json={})
        async with httpx.AsyncClient() as http:
            with pytest.raises(ClientDocumentError, match="does not resolve"):
                await fetch_document(http, url, DocumentLimits())
    assert not route.called


async def test_loopback_is_allowed_only_when_the_limits_say_so_for_tests() -> None:
    url = "http://127.0.0.1:9/client.json"
    document = {"client_id": url, "redirect_uris": ["http://127.0.0.1:9/cb"]}
    with respx.mock() as mock:
        mock.get(url).respond(200, json=document)
        async with httpx.AsyncClient() as http:
            client = await fetch_document(http, url, DocumentLimits(allow_loopback_http=True))
    assert client.client_id == url

"""A Sage mocked with respx, for what the sandbox never sends: nulls, ids missing, collections
bigger than Sage's default page. ``conftest.py`` here gives each test a server reading it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from mcp import Client
from mcp.types import CallToolResult, TextContent

SITE = {"site_id": "site-guid", "site_name": "Site", "company_id": 7, "company_name": "Company"}


def serve(rows: list[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    """A collection holding ``rows``, paged by $skip and $top as Sage pages."""

    def answer(request: httpx.Request) -> httpx.Response:
        skip = int(request.url.params.get("$skip", "0"))
        top = int(request.url.params.get("$top", "500"))
        return httpx.Response(200, json=rows[skip : skip + top])

    return answer


async def answer(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert isinstance(result, CallToolResult) and not result.is_error, result.content
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def refusal(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert isinstance(result, CallToolResult) and result.is_error
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text

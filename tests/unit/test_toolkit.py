"""specialise: one shared tool body made into a ledger's own tool."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import pytest
from mcp.types import CallToolResult
from pydantic import Field

from sage200_mcp.tools.toolkit import specialise


async def body(ledger: str, account: str, limit: int = 25) -> CallToolResult:
    return CallToolResult(content=[], structured_content={"ledger": ledger, "account": account})


Customer = Annotated[str, Field(min_length=1)]


@pytest.mark.anyio
async def test_the_tool_takes_its_own_argument_names_and_types_and_calls_the_body() -> None:
    tool = specialise(
        body,
        name="get_customer",
        fixed={"ledger": "sales"},
        renamed={"account": "customer"},
        types={"account": Customer},
        returns=CallToolResult,
    )
    parameters = inspect.signature(tool).parameters
    assert list(parameters) == ["customer", "limit"] and tool.__name__ == "get_customer"
    assert parameters["customer"].annotation == Customer
    answer = await tool(customer="ABS001")
    assert answer.structured_content == {"ledger": "sales", "account": "ABS001"}


@pytest.mark.parametrize(
    "wrong",
    [
        {"fixed": {"ledgr": "sales"}},
        {"renamed": {"acount": "customer"}},
        {"types": {"acount": Any}},
    ],
)
def test_a_name_the_body_does_not_have_is_refused_at_once(wrong: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"fixed": {}, **wrong}
    with pytest.raises(ValueError, match="has no argument"):
        specialise(body, name="tool", returns=CallToolResult, **arguments)

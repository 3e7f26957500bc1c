"""Every tool that reads the books takes `company`: the company that one call reads, named as
switch_site names it, without changing (or needing) the remembered selection. Clients that keep
no state between calls, and people sharing one server, depend on it.

The sandbox's UK company (1) and Irish company (2) share a site; "Stockwell" names both.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client

from sage200_mcp.config import Settings
from tests.integration.server.test_tools import call, failure

pytestmark = pytest.mark.anyio

SESSION_TOOLS = {"list_sites", "switch_site", "get_status", "login", "complete_login", "diagnose"}
# one of each kind: a customer tool, aged debt, nominal, a statement, a summary, query
REPRESENTATIVE = {
    "list_customers": {"limit": 5},
    "get_aged_debt": {"limit": 5},
    "list_nominal_codes": {"limit": 5},
    "get_trial_balance": {},
    "summarise_sales": {},
    "query": {"resource": "customers", "limit": 5},
}


async def selected_id(mcp: Client) -> int | None:
    company = (await call(mcp, "get_status")).get("company")
    return None if company is None else int(company["company_id"])


@pytest.mark.parametrize("tool", sorted(REPRESENTATIVE))
async def test_a_named_company_is_read_and_the_selection_stays(
    mcp: Client, settings: Settings, tool: str
) -> None:
    arguments = REPRESENTATIVE[tool]
    await call(mcp, "switch_site", site="1")
    profile = settings.profile_config_path.read_bytes()
    named = await call(mcp, tool, company="Ireland", **arguments)
    uk = await call(mcp, tool, company="1", **arguments)
    assert named["company"]["company_id"] == 2 and uk["company"]["company_id"] == 1
    assert settings.profile_config_path.read_bytes() == profile  # nothing written
    assert await selected_id(mcp) == 1
    assert await call(mcp, tool, **arguments) == uk  # without company: the selection, as today
    await call(mcp, "switch_site", site="2")
    assert await call(mcp, tool, **arguments) == named  # the Irish books, not only their name
    assert named != uk


async def test_without_a_selection_a_named_company_is_read_and_none_is_chosen(
    mcp: Client,
) -> None:
    answer = await call(mcp, "get_customer", customer="ABS001", company="2")
    assert answer["company"]["company_id"] == 2
    assert "selected" not in await call(mcp, "list_sites")
    assert "No company is selected" in await failure(mcp, "list_customers")


async def test_interleaved_calls_each_read_their_own_company(mcp: Client) -> None:
    await call(mcp, "switch_site", site="1")
    expected = {n: await call(mcp, "list_customers", limit=3, company=str(n)) for n in (1, 2)}
    got: list[tuple[int, dict[str, Any]]] = []

    async def ask(number: int) -> None:
        got.append((number, await call(mcp, "list_customers", limit=3, company=str(number))))

    async with anyio.create_task_group() as group:
        for number in (1, 2, 2, 1, 2, 1):
            group.start_soon(ask, number)
    assert len(got) == 6
    for number, answer in got:
        assert answer == expected[number], number
    assert await selected_id(mcp) == 1


async def test_a_company_matching_several_or_none_is_refused_with_the_candidates(
    mcp: Client, settings: Settings
) -> None:
    await call(mcp, "switch_site", site="1")
    profile = settings.profile_config_path.read_bytes()
    several = await failure(mcp, "list_customers", company="Stockwell")
    assert "'Stockwell' matches 2 companies" in several and "(Ireland)" in several
    assert "give one of them as company, or leave company out" in several
    none = await failure(mcp, "get_aged_debt", company="Narnia")
    assert "'Narnia' matches no company" in none and "(company 2," in none
    assert "leave company out to read the selected company" in none
    blank = await failure(mcp, "list_customers", company="  ")
    assert "is blank; give a company id" in blank
    assert settings.profile_config_path.read_bytes() == profile


async def test_every_tool_that_reads_the_books_takes_company_and_checks_it(mcp: Client) -> None:
    """Added in one place for every tool, so checked for every tool: the ones that read no
    company's books have no `company`, and every other one refuses a company that is not
    there rather than reading the selected one."""
    tools = (await mcp.list_tools()).tools
    scoped = [tool for tool in tools if "company" in tool.input_schema["properties"]]
    assert {tool.name for tool in tools} - {tool.name for tool in scoped} == SESSION_TOOLS
    await call(mcp, "switch_site", site="1")
    for tool in scoped:
        schema = tool.input_schema
        required = {
            name: schema["properties"][name].get("enum", ["x"])[0]
            for name in schema.get("required", [])
        }
        text = await failure(mcp, tool.name, company="Narnia", **required)
        assert "'Narnia' matches no company" in text, tool.name


async def test_a_cursor_from_another_company_is_refused_and_says_whose_it_is(
    mcp: Client,
) -> None:
    await call(mcp, "switch_site", site="2")
    first = await call(mcp, "list_customers", limit=2, company="1")
    assert first["company"]["company_id"] == 1 and first["next_cursor"]
    text = await failure(mcp, "list_customers", limit=2, cursor=first["next_cursor"])
    assert "search of company 1" in text and "pass company=1 to go on with it" in text
    text = await failure(
        mcp, "list_customers", limit=2, company="Ireland", cursor=first["next_cursor"]
    )
    assert "search of company 1" in text
    after = await call(mcp, "list_customers", limit=2, company="1", cursor=first["next_cursor"])
    assert after["company"]["company_id"] == 1
    assert after["customers"][0] not in first["customers"]

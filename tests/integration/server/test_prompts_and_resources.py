"""The prompts and resources through a real MCP client session (in memory), against the
sandbox: every tool a prompt names is one the server registers, in the toolset prompts.TOOLS
says; each prompt renders its arguments; each resource reads a company's real context."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from mcp import Client, MCPError
from mcp.types import TextResourceContents

from sage200_mcp.config import Settings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import TOOLSETS, create_server
from sage200_mcp.tools.prompts import PROMPTS, TOOLS, Guide
from tests.helpers import TODAY, sandbox_requests
from tests.integration.server.test_few_round_trips import Requests
from tests.integration.server.test_sign_in_from_chat import url_in
from tests.integration.server.test_tools import IRELAND, UK, call

pytestmark = pytest.mark.anyio

NAMED = re.compile(r"`([a-z_]+)[`(]")  # how prompts write a tool: `name` or `name(...)`


async def registered(settings: Settings, toolsets: tuple[str, ...]) -> dict[str, Any]:
    async with Client(create_server(settings, toolsets=toolsets)) as client:
        return {tool.name: tool for tool in (await client.list_tools()).tools}


async def prompt_text(client: Client, name: str, **arguments: str) -> str:
    shown = await client.get_prompt(name, arguments)
    assert [message.role for message in shown.messages] == ["user"]
    text: str = shown.messages[0].content.text  # type: ignore[union-attr]
    return text


async def read(client: Client, uri: str) -> dict[str, Any]:
    result = await client.read_resource(uri)
    (content,) = result.contents
    assert isinstance(content, TextResourceContents) and content.mime_type == "application/json"
    data: dict[str, Any] = json.loads(content.text)
    return data


# -- prompts name real tools ------------------------------------------------------------------


async def test_every_tool_a_prompt_may_name_is_registered_by_its_toolset(
    settings: Settings,
) -> None:
    always = set(await registered(settings, ()))
    by_toolset = {name: set(await registered(settings, (name,))) - always for name in TOOLSETS}
    for name, toolset in TOOLS.items():
        where = always if toolset is None else by_toolset[toolset]
        assert name in where, f"prompts.TOOLS names {name!r} ({toolset}), which is not registered"


async def test_prompt_texts_name_only_tools_in_prompts_tools_with_valid_arguments(
    mcp: Client,
) -> None:
    schemas = {tool.name: tool.input_schema for tool in (await mcp.list_tools()).tools}
    for guide, _ in PROMPTS:
        text = await prompt_text(mcp, guide.name, company="Ireland")
        named = set(NAMED.findall(text))
        assert named == {step.tool for step in guide.steps} | {"switch_site"}
        assert named <= set(schemas), sorted(named - set(schemas))
        loose = [tool for tool in schemas if re.search(rf"(?<!`){tool}\b", text)]
        assert not loose, f"{guide.name} names {loose} outside prompts.TOOLS (no backticks)"
        for step in guide.steps:
            arguments = json.loads("{" + _arguments_of(step.tool, text) + "}")
            # the SDK's schemas allow unknown names (and ignore them): a misspelt one must fail
            strict = {**schemas[step.tool], "additionalProperties": False}
            jsonschema.validate(arguments, strict)


def _arguments_of(tool: str, text: str) -> str:
    """The arguments of the first call of ``tool`` in ``text``, as JSON object members."""
    found = re.search(rf"`{tool}\((.*?)\)`", text)
    if found is None:
        return ""
    return re.sub(r"(\w+)=", r'"\1":', found[1])


async def test_a_prompt_is_listed_only_when_every_toolset_it_needs_is_on(
    settings: Settings,
) -> None:
    assert {guide.toolsets for guide, _ in PROMPTS} == {
        frozenset({"customers", "suppliers", "nominal"}),
        frozenset({"customers"}),
        frozenset({"suppliers", "nominal"}),
    }

    async def listed(toolsets: tuple[str, ...]) -> set[str]:
        async with Client(create_server(settings, toolsets=toolsets)) as client:
            return {prompt.name for prompt in (await client.list_prompts()).prompts}

    assert await listed(tuple(TOOLSETS)) == {
        "month_end_pack",
        "credit_control_review",
        "supplier_payment_run",
    }
    assert await listed(("customers",)) == {"credit_control_review"}
    assert await listed(("suppliers", "nominal")) == {"supplier_payment_run"}
    assert await listed(("orders", "stock", "query")) == set()


# -- prompts render their arguments -----------------------------------------------------------


def _step(text: str, tool: str) -> str:
    return next(line for line in text.splitlines() if f"`{tool}" in line.split(": ")[0])


async def test_month_end_pack_for_a_month_and_a_company(mcp: Client) -> None:
    text = await prompt_text(mcp, "month_end_pack", month="2026-02", company=IRELAND)
    assert text.startswith(
        f"Prepare the month-end pack for February 2026 (2026-02-01 to 2026-02-28) for {IRELAND}."
    )
    first = text.split("\n\n")[2].splitlines()[0]
    assert first.startswith(f'1. `switch_site(site="{IRELAND}")`')
    assert 'as_at="2026-02-28"' in _step(text, "get_trial_balance")
    assert "no company is selected" not in text  # the company is named: nothing to choose
    order = [NAMED.search(line)[1] for line in text.splitlines() if re.match(r"\d+\. `", line)]  # type: ignore[index]
    assert order == ["switch_site", *(step.tool for step in _guide("month_end_pack").steps)]


async def test_month_end_pack_defaults_to_the_last_complete_month_of_the_tools_today(
    mcp: Client,
) -> None:
    assert TODAY == "2026-11-28"
    text = await prompt_text(mcp, "month_end_pack")
    assert "for October 2026 (2026-10-01 to 2026-10-31) for the selected company." in text
    assert "`list_sites`" in text and "`switch_site`" in text  # how to choose one if none is
    assert "as at today (2026-11-28)" in _step(text, "get_aged_debt")


async def test_credit_control_review_dates_dormancy_back_from_today(mcp: Client) -> None:
    text = await prompt_text(mcp, "credit_control_review", dormant_months="3")
    assert 'quiet_since="2026-08-28"' in text and "(3 months)" in text
    default = await prompt_text(mcp, "credit_control_review")
    assert 'quiet_since="2026-05-28"' in _step(default, "list_customers(quiet_since")


async def test_supplier_payment_run_pays_what_falls_due_by_the_day(mcp: Client) -> None:
    text = await prompt_text(mcp, "supplier_payment_run", pay_by="2026-12-31")
    assert "what falls due by 2026-12-31" in text
    assert "on or before 2026-12-31" in _step(text, "list_supplier_transactions")
    default = await prompt_text(mcp, "supplier_payment_run")
    assert "what falls due by 2026-12-05" in default  # a week after the tools' today


@pytest.mark.parametrize(
    ("prompt", "arguments", "advice"),
    [
        ("month_end_pack", {"month": "October"}, "write it as YYYY-MM"),
        ("month_end_pack", {"month": "2026-13"}, "write it as YYYY-MM"),
        ("credit_control_review", {"dormant_months": "0"}, "from 1 to 36"),
        ("credit_control_review", {"dormant_months": "six"}, "from 1 to 36"),
        ("supplier_payment_run", {"pay_by": "31/12/2026"}, "write it as YYYY-MM-DD"),
    ],
)
async def test_a_bad_argument_is_refused_with_what_to_write(
    mcp: Client, prompt: str, arguments: dict[str, str], advice: str
) -> None:
    with pytest.raises(MCPError, match=advice):
        await mcp.get_prompt(prompt, arguments)


def _guide(name: str) -> Guide:
    return next(guide for guide, _ in PROMPTS if guide.name == name)


# -- resources --------------------------------------------------------------------------------


async def test_resources_are_templates_naming_the_company(mcp: Client) -> None:
    templates = {t.name: t for t in (await mcp.list_resource_templates()).resource_templates}
    assert {name: t.uri_template for name, t in templates.items()} == {
        "company": "sage200://companies/{company}",
        "chart_of_accounts": "sage200://companies/{company}/chart-of-accounts",
    }
    assert all(t.title and t.mime_type == "application/json" for t in templates.values())


async def test_the_selected_company_context(mcp: Client) -> None:
    await call(mcp, "switch_site", site=UK)
    context = await read(mcp, "sage200://companies/selected")
    assert context["company"]["company_name"] == UK and context["selected"] is True
    assert context["base_currency"] == "GBP" and context["edition"] == "professional"
    assert context["today"] == TODAY
    year = context["financial_year"]
    periods = year["periods"]
    assert len(periods) == 12 and periods[0]["start"] == year["start"]
    assert periods[-1]["end"] == year["end"]
    current = year["current_period"]
    assert current["start"] <= TODAY <= current["end"] and current in periods


async def test_another_company_by_id_without_changing_the_selection(
    mcp: Client, settings: Settings
) -> None:
    await call(mcp, "switch_site", site=UK)
    context = await read(mcp, "sage200://companies/2")
    assert context["company"]["company_name"] == IRELAND and context["selected"] is False
    assert context["base_currency"] == "EUR"
    assert "company_id = 1" in settings.profile_config_path.read_text()
    by_name = await read(mcp, "sage200://companies/ireland")
    assert by_name["company"] == context["company"]
    await call(mcp, "switch_site", site=IRELAND)  # the one Sage marks as base, not the first
    listed = await call(mcp, "get_reference_data", kind="currencies")
    assert [row["code"] for row in listed["rows"] if row.get("is_base_currency")] == ["EUR"]


async def test_the_chart_of_accounts(mcp: Client) -> None:
    await call(mcp, "switch_site", site=IRELAND)
    chart = await read(mcp, "sage200://companies/selected/chart-of-accounts")
    assert chart["company"]["company_name"] == IRELAND
    assert chart["columns"] == ["reference", "name", "cost_centre", "department", "category"]
    rows = {row[0]: row for row in chart["accounts"] if row[2] is None}  # the bare references
    assert rows["1100"][:2] == ["1100", "Debtors control account"]
    # Irish words, and the category Sage reports it under
    assert rows["2210"] == ["2210", "PAYE and PRSI", None, None, "Current liabilities"]
    assert rows["4000"][4] == "Sales"
    listed = await call(mcp, "list_nominal_codes", limit=1)
    assert chart["returned"] == chart["total"] == len(chart["accounts"]) > 20
    # where Sage gives no count, the list's first page does not know the total
    assert listed.get("total", chart["total"]) == chart["total"]
    assert not chart.get("truncated")


async def test_no_company_selected_gives_the_tools_advice(mcp: Client) -> None:
    with pytest.raises(MCPError, match=r"No company is selected.*Call switch_site"):
        await mcp.read_resource("sage200://companies/selected")
    with pytest.raises(MCPError, match=r"matches no company\. The companies you can reach"):
        await mcp.read_resource("sage200://companies/99")


async def test_not_signed_in_gives_the_sign_in_address(signed_out: Settings) -> None:
    async with Client(create_server(signed_out)) as client:
        for uri in ("sage200://companies/selected", "sage200://companies/1/chart-of-accounts"):
            with pytest.raises(MCPError, match="Not signed in to Sage yet") as raised:
                await client.read_resource(uri)
            assert url_in(str(raised.value)).startswith(signed_out.id_url)


async def test_prompts_ask_sage_nothing_and_a_second_read_asks_nothing_either(
    mcp: Client, sandbox_server: SandboxServer
) -> None:
    await call(mcp, "switch_site", site=UK)
    before = sandbox_requests(sandbox_server.url)
    for guide, _ in PROMPTS:
        await prompt_text(mcp, guide.name)
    assert sandbox_requests(sandbox_server.url) == before  # not even a token
    requests = Requests(sandbox_server)  # leaves out pages a tunnel timed out (asked again)
    await read(mcp, "sage200://companies/selected")
    assert 0 < sum(requests.since().values()) <= 2  # the periods and the currencies, together
    await read(mcp, "sage200://companies/selected")
    await read(mcp, "sage200://companies/selected/chart-of-accounts")
    assert sum(requests.since().values()) > 0  # the chart: once
    await read(mcp, "sage200://companies/selected/chart-of-accounts")
    assert not requests.since()  # then remembered

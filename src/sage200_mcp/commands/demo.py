"""`demo`: a guided tour. A real MCP client session with `serve --demo` (a subprocess over stdio,
exactly as a desktop client runs it), a few questions and their answers, then ready-to-paste
configuration for the common clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sage200_mcp.console import out
from sage200_mcp.demo_sandbox import demo_today

Render = Callable[[dict[str, Any]], list[str]]


def _money(value: Any, currency: str | None = None) -> str:
    if not isinstance(value, int | float):
        return "-"
    return f"{currency + ' ' if currency else ''}{value:,.2f}"


def _sites(data: dict[str, Any]) -> list[str]:
    return [
        f"{s['company_id']:>3}  {s['company_name']}  (site {s['site_name']})" for s in data["sites"]
    ]


def _switched(data: dict[str, Any]) -> list[str]:
    return [data["message"]]


def _customers(data: dict[str, Any]) -> list[str]:
    lines = [
        f"{c['reference']:<9}{c['name'][:34]:<36}{_money(c.get('balance')):>12}"
        f"  limit {_money(c.get('credit_limit'))}"
        for c in data["customers"]
    ]
    total = data.get("total")
    return [
        *lines,
        f"({data['returned']} shown{f' of {total}' if total else ''}; from"
        f" {data['company']['company_name']})",
    ]


def _aged(data: dict[str, Any]) -> list[str]:
    lines = []
    for account in data["accounts"]:
        oldest = account["buckets"][0] if account["buckets"] else {"period": "-", "amount": 0}
        lines.append(
            f"{account.get('reference') or account['id']:<9}"
            f"{(account.get('name') or '')[:34]:<36}{_money(account['total']):>12}"
            f"  oldest: {_money(oldest['amount'])} {oldest['period']}"
        )
    totals = ", ".join(f"{t['period']} {_money(t['amount'])}" for t in data["totals"][:3])
    return [*lines, f"company: {_money(data['total_outstanding'])} outstanding ({totals}, ...)"]


def _activity(data: dict[str, Any]) -> list[str]:
    name = data["accounts"][0]["name"]
    return [
        f"{data['accounts'][0]['reference']} {name}, {data['from_date']} to {data['to_date']}:"
        f" net {_money(data['net_in_range'])} from {data['postings']} postings"
    ]


def _profit(data: dict[str, Any]) -> list[str]:
    periods = data["periods"]
    lines = [
        f"periods {periods['from_period']} to {periods['to_period']} ({periods.get('start')} to"
        f" {periods.get('end')}), against the same periods last year:"
    ]
    for name in ("income", "expenses", "gross_profit", "net_profit"):
        figures = data.get(name)
        if figures:
            last = figures.get("last_year")
            lines.append(
                f"  {name.replace('_', ' '):<14}{_money(figures['amount']):>14}"
                + (f"   last year {_money(last)}" if last is not None else "")
            )
    verdict = "ties out" if data["ties_out"] else f"DOES NOT TIE OUT: {data.get('note')}"
    return [*lines, f"checks: {len(data['checks'])}, {verdict}"]


def _product(data: dict[str, Any]) -> list[str]:
    product = data["product"]
    lines = [f"{product['code']} {product['name']}: {product['free_stock']:g} free to sell"]
    lines += [
        f"  {w['warehouse']:<12} in stock {w['in_stock']:g}, allocated {w['allocated']:g},"
        f" on order {w['on_order']:g}"
        for w in product["warehouses"]
    ]
    return lines


def _last_quarter() -> tuple[str, str]:
    today = demo_today()
    first_month = (today.month - 1) // 3 * 3 + 1  # this quarter's first month
    end = date(today.year, first_month, 1) - timedelta(days=1)
    start = date(end.year, (end.month - 1) // 3 * 3 + 1, 1)
    return start.isoformat(), end.isoformat()


def _customer(data: dict[str, Any]) -> list[str]:
    c, company = data["customer"], data["company"]
    contact = (c.get("contacts") or [{}])[0]
    return [
        f"{c['reference']} {c['name']} - {company['company_name']}",
        f"balance {_money(c.get('balance'), c.get('currency'))}, credit limit"
        f" {_money(c.get('credit_limit'))}, headroom {_money(c.get('credit_headroom'))}",
        f"terms: {c.get('terms', '-')}; average days to pay: {c.get('average_days_to_pay', '-')}",
        f"contact: {contact.get('name', '-')} {contact.get('telephone', '')}".rstrip(),
    ]


TOUR: list[tuple[str, str, dict[str, Any], Render]] = [
    ("Which companies can I reach?", "list_sites", {}, _sites),
    ("Use the UK company", "switch_site", {"site": "Stockwell Office Supplies Ltd"}, _switched),
    (
        "Which customers are over their credit limit?",
        "list_customers",
        {"over_credit_limit": True, "sort": "-balance", "limit": 5},
        _customers,
    ),
    ("Show me ABS Garages", "get_customer", {"customer": "ABS001"}, _customer),
    ("Who owes us money, and for how long?", "get_aged_debt", {"limit": 3}, _aged),
    ("How much stock of BOARD001 do we have?", "get_product", {"product": "BOARD001"}, _product),
    (
        "What did we spend on printing (nominal 7500) last quarter?",
        "get_nominal_activity",
        {
            "code": "7500",
            "from_date": _last_quarter()[0],
            "to_date": _last_quarter()[1],
            "latest": 0,
        },
        _activity,
    ),
    ("What's our profit this year against last year?", "get_profit_and_loss", {}, _profit),
    ("Switch to the Irish company...", "switch_site", {"site": "Ireland"}, _switched),
    (
        "...and show me ABS Garages' balance there",
        "get_customer",
        {"customer": "ABS Garages"},
        _customer,
    ),
    (
        "Names with an apostrophe are only data",
        "list_customers",
        {"search": "o'", "limit": 3},
        _customers,
    ),
]


async def _tour() -> None:
    from mcp import Client, StdioServerParameters

    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "sage200_mcp", "serve", "--demo"],
        env={**os.environ, "SAGE200_NO_BROWSER": "1"},
    )
    out(
        "Starting `sage200-mcp serve --demo`: the MCP server over stdio, against the built-in"
        " sandbox (no Sage account needed)..."
    )
    async with Client(server, read_timeout_seconds=120) as client:
        tools = await client.list_tools()
        out(f"Connected. Tools: {', '.join(t.name for t in tools.tools)}")
        for question, tool, arguments, render in TOUR:
            out(f"\n> {question}\n  {tool}({json.dumps(arguments) if arguments else ''})")
            result = await client.call_tool(tool, arguments)
            text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
            if result.is_error or result.structured_content is None:
                out(f"  error: {text}")
                continue
            for line in render(result.structured_content):
                out(f"  {line}")
            out(f"  [{len(text.encode())} bytes of JSON to the model]")


def _configs() -> None:
    from sage200_mcp.commands.install import server_command

    command = server_command(uvx=False)
    shown = " ".join(command)
    demo_args = ["serve", "--demo"]

    def block(data: Any) -> str:
        return json.dumps(data, indent=2)

    out("\n" + "=" * 78)
    out("Connect your assistant: one command adds this server to its configuration file")
    out("(other entries kept as they are, the file backed up first):")
    out(f"\n  {shown} install claude-desktop --demo   # these books, no Sage account needed")
    out("  (or claude-code, cursor, vscode, windsurf; --print shows the entry, writes nothing)")
    out("\nFor your own books, with the credentials Sage issued for your application:")
    out(f"\n  {shown} setup                    # a few questions, then sign in")
    out(f"  {shown} install claude-desktop   # or claude-code, cursor, vscode, windsurf")
    out("\nBy hand instead: Claude Desktop's claude_desktop_config.json, Cursor's")
    out("~/.cursor/mcp.json and Windsurf's ~/.codeium/windsurf/mcp_config.json take")
    out(
        block({"mcpServers": {"sage200": {"command": command[0], "args": command[1:] + demo_args}}})
    )
    out("VS Code's .vscode/mcp.json takes")
    out(
        block(
            {
                "servers": {
                    "sage200": {
                        "type": "stdio",
                        "command": command[0],
                        "args": command[1:] + demo_args,
                    }
                }
            }
        )
    )
    out(f"and Claude Code: claude mcp add sage200 -- {shown} {' '.join(demo_args)}")
    out("For your own books, drop --demo.")


def demo() -> int:
    asyncio.run(_tour())
    _configs()
    return 0

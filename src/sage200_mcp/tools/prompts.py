"""MCP prompts for the finance jobs that come round every month: the month-end pack, a credit
control review, a supplier payment run.

Each prompt is a worked plan: which tools to call, in what order, with what arguments, and what
to check in each answer. Tool names enter a prompt's text only through ``TOOLS`` (a ``Step``, or
``tool()`` in free text), which also says which toolset registers each one, so a test can hold
every name a prompt uses against the server's own list, and a prompt can be left out when a
toolset it needs is turned off (``--toolsets``): a plan that names tools the assistant does not
have would fail half way. Rendering asks Sage nothing (only the tools' clock, for default dates),
so a prompt works before anyone has signed in.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from mcp import MCPError
from mcp.server.mcpserver import MCPServer
from mcp.types import INVALID_PARAMS
from pydantic import Field

from sage200_mcp.tools.state import AppState, app_state
from sage200_mcp.tools.toolkit import ToolContext

# Every tool a prompt may name, and the toolset that registers it (None: always on).
TOOLS: dict[str, str | None] = {
    "list_sites": None,
    "switch_site": None,
    "get_reference_data": "nominal",
    "get_profit_and_loss": "nominal",
    "get_balance_sheet": "nominal",
    "get_trial_balance": "nominal",
    "list_bank_accounts": "nominal",
    "summarise_sales": "customers",
    "list_customers": "customers",
    "get_customer": "customers",
    "list_customer_transactions": "customers",
    "get_aged_debt": "customers",
    "summarise_purchases": "suppliers",
    "list_suppliers": "suppliers",
    "list_supplier_transactions": "suppliers",
    "get_aged_creditors": "suppliers",
}


def tool(name: str) -> str:
    """A tool's name as prompts write it (in backticks), refused at import if not in TOOLS."""
    if name not in TOOLS:
        raise ValueError(f"{name!r} is not in prompts.TOOLS")
    return f"`{name}`"


@dataclass(frozen=True)
class Step:
    """One call of a plan: the tool, its arguments (``{name}`` in a string is filled in from
    the prompt's values; the test checks them against the tool's input schema), and what to
    look for in its answer. Without arguments, the words in ``check`` say what to ask for."""

    tool: str
    check: str
    arguments: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tool(self.tool)

    def call(self, values: Mapping[str, str]) -> str:
        filled = {
            key: value.format_map(values) if isinstance(value, str) else value
            for key, value in self.arguments.items()
        }
        shown = ", ".join(f"{key}={json.dumps(value)}" for key, value in filled.items())
        return f"`{self.tool}({shown})`" if shown else tool(self.tool)


@dataclass(frozen=True)
class Guide:
    """A prompt's text: what the job is, the steps in order, and what to write at the end."""

    name: str
    title: str
    description: str
    aim: str
    steps: tuple[Step, ...]
    report: str

    @property
    def toolsets(self) -> frozenset[str]:
        return frozenset(s for step in self.steps if (s := TOOLS[step.tool]) is not None)

    def render(self, values: Mapping[str, str], company: str | None) -> str:
        """The plan for ``company`` (or the selected one), ``values`` filled in."""
        steps = list(self.steps)
        if company:
            steps.insert(
                0,
                Step(
                    "switch_site",
                    "select the company (remembered for later calls).",
                    {"site": "{company}"},
                ),
            )
            who = "{company}"
            choose = ""
        else:
            who = "the selected company"
            choose = (
                f" If a tool says no company is selected, call {tool('list_sites')}, ask the user"
                f" which one they mean, then {tool('switch_site')}."
            )
        values = {**values, "company": company or "", "who": who.format(company=company)}
        lines = [
            self.aim.format_map(values),
            "",
            "Call the tools in this order. Every answer names the company it came from: check"
            " they all name the same one. Quote figures from the tools, never estimate one: if"
            " a tool fails or is missing, say so and carry on with the rest." + choose,
            "",
        ]
        lines += [
            f"{number}. {step.call(values)}: {step.check.format_map(values)}"
            for number, step in enumerate(steps, start=1)
        ]
        lines += ["", self.report.format_map(values)]
        return "\n".join(lines)


MONTH_END = Guide(
    name="month_end_pack",
    title="Month-end pack",
    description=(
        "The month's management pack: sales and purchases totals, profit and loss against last"
        " year and budget, balance sheet, trial balance with its control-account tie-outs, aged"
        " debt and creditors, and bank balances."
    ),
    aim="Prepare the month-end pack for {month_name} ({start} to {end}) for {who}.",
    steps=(
        Step(
            "get_reference_data",
            "the financial year and period {month_name} falls in. If {end} is after the"
            " current period's end, the month is still open: say the figures are provisional.",
            {"kind": "financial_years"},
        ),
        Step(
            "summarise_sales",
            "the month's invoices, credit notes, net sales and receipts, and the top customers.",
            {"from_date": "{start}", "to_date": "{end}", "group_by": "customer"},
        ),
        Step(
            "summarise_purchases",
            "the month's purchases the same way.",
            {"from_date": "{start}", "to_date": "{end}", "group_by": "supplier"},
        ),
        Step(
            "get_profit_and_loss",
            "the year to date, with year and to_period for {month_name} from step 1 (and"
            " from_period = to_period for the month alone): sales, gross margin, overheads and"
            " net profit against the same periods last year and against budget. Explain every"
            " variance over 10% or large in amount; report any failed check.",
        ),
        Step(
            "get_balance_sheet",
            "net assets and working capital against a year earlier; its checks say whether it"
            " balances.",
            {"as_at": "{end}"},
        ),
        Step(
            "get_trial_balance",
            "its checks: debits equal credits, and (at today's period) the debtors and creditors"
            " control accounts equal their ledgers. Note the bank accounts' balances for the"
            " tie-out below.",
            {"as_at": "{end}"},
        ),
        Step(
            "get_aged_debt",
            "the total customers owe, by ageing band. Tie-out: it must equal the debtors"
            " control balance; report any difference. Aged balances are as at today ({today}):"
            " if that is after {end}, say the tie-out is to today's ledger, not the month end.",
            {"sort": "total"},
        ),
        Step(
            "get_aged_creditors",
            "the total owed to suppliers, by band; tie it to the creditors control the same way.",
            {"sort": "total"},
        ),
        Step(
            "list_bank_accounts",
            "each account's balance and last statement; tie each to its nominal account in the"
            " trial balance (a bank's code is its nominal reference, e.g. 1200).",
        ),
    ),
    report=(
        "Then write the pack: a short summary; sales and purchases; profit and loss against"
        " last year and budget as a table; the balance sheet; the trial balance and each"
        " tie-out (agreed, or the difference); aged debt and creditors (bands and the five"
        " largest accounts); bank balances. End with the exceptions that need action."
    ),
)

CREDIT_CONTROL = Guide(
    name="credit_control_review",
    title="Credit control review",
    description=(
        "Customers over their credit limit or on hold, the most overdue debt, dormant debtors"
        " (a balance but no transaction for months), and who to chase first."
    ),
    aim="Review credit control for {who} as at {today}, and decide who to chase first.",
    steps=(
        Step(
            "list_customers",
            "over their credit limit: balance, limit and how far over.",
            {"over_credit_limit": True, "sort": "-balance"},
        ),
        Step(
            "list_customers",
            "on hold: their balances; say which are also over their limit.",
            {"on_hold": True, "sort": "-balance"},
        ),
        Step(
            "get_aged_debt",
            "the most overdue debt first: each account's amount in the oldest bands, and the"
            " company's totals by band.",
            {"sort": "most_overdue"},
        ),
        Step(
            "list_customers",
            "dormant debtors: a balance but no transaction since {dormant_since} ({months}"
            " months); the likeliest bad debts.",
            {"quiet_since": "{dormant_since}", "min_balance": 0.01, "sort": "-balance"},
        ),
        Step(
            "get_customer",
            "for each of the (about five) accounts to chase first: contact, payment terms and"
            " average days to pay.",
            {"customer": "<account reference>"},
        ),
        Step(
            "list_customer_transactions",
            "for the same accounts: the oldest unpaid invoices to quote, with days overdue.",
            {"customer": "<account reference>", "outstanding_only": True, "oldest_first": True},
        ),
    ),
    report=(
        "Then write a chase list, most urgent first: ranked by the money overdue beyond terms,"
        " then its age; over-limit, on-hold and dormant accounts weigh more. For each: account,"
        " balance, overdue amount, oldest invoice, contact, and what to say. Then the over-limit,"
        " on-hold and dormant lists in brief. Amounts are in each account's own currency: never"
        " add different currencies together."
    ),
)

PAYMENT_RUN = Guide(
    name="supplier_payment_run",
    title="Supplier payment run",
    description=(
        "What falls due to suppliers by a date, who is on hold, what the bank can cover, and a"
        " proposed list of payments. Nothing is paid: the tools only read."
    ),
    aim="Propose a supplier payment run for {who}: what falls due by {pay_by}.",
    steps=(
        Step(
            "list_bank_accounts",
            "the balance available in each bank account and currency (and any overdraft"
            " headroom, to use only if the user says so).",
        ),
        Step(
            "get_aged_creditors",
            "what is owed by due date, the most overdue first, with the company's totals by band.",
            {"ageing": "duedate", "sort": "most_overdue"},
        ),
        Step(
            "list_suppliers",
            "suppliers on hold: leave them out of the run, and list them with their balances.",
            {"on_hold": True, "sort": "-balance"},
        ),
        Step(
            "list_supplier_transactions",
            "for each supplier with money due (the top of the aged list first, about fifteen):"
            " the items whose due_date is on or before {pay_by}, and their outstanding amounts;"
            " net off credit notes on the same account.",
            {"supplier": "<account reference>", "outstanding_only": True, "oldest_first": True},
        ),
    ),
    report=(
        "Then propose the run: supplier, items (reference, due date, outstanding), amount to"
        " pay, currency and bank account to pay from, with totals per currency against the"
        " balance available. If there is not enough, pay the overdue first, then the soonest"
        " due, and mark what waits for the next run. List the suppliers on hold separately."
        " This is a proposal for the user to approve: nothing is paid or posted."
    ),
)

Company = Annotated[
    str | None,
    Field(
        description=(
            "The company to work on (company id or part of its name, as switch_site takes);"
            " the selected company if left out."
        )
    ),
]


def invalid(message: str) -> MCPError:
    """An argument error whose words reach the client (anything else the SDK reduces to
    "Error rendering prompt")."""
    return MCPError(code=INVALID_PARAMS, message=message)


def month_bounds(text: str | None, today: date) -> tuple[date, date]:
    """``YYYY-MM`` -> its first and last day; none -> the month before today's."""
    if not text or not text.strip():
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise invalid(f"month {text!r} is not a month: write it as YYYY-MM, e.g. 2026-10.")
    year, number = int(found[1]), int(found[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def months_back(today: date, months: int) -> date:
    """The same day ``months`` months before ``today`` (the month's last day if shorter)."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def whole_number(text: str | None, name: str, default: int, most: int) -> int:
    if not text or not text.strip():
        return default
    if not text.strip().isdigit() or not 1 <= int(text) <= most:
        raise invalid(f"{name} {text!r} must be a whole number from 1 to {most}.")
    return int(text)


def day(text: str | None, name: str, default: date) -> date:
    if not text or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise invalid(f"{name} {text!r} is not a date: write it as YYYY-MM-DD.") from None


def _today(ctx: ToolContext) -> date:
    return app_state(ctx).clock.today()


async def month_end_pack(
    ctx: ToolContext,
    month: Annotated[
        str | None,
        Field(
            description="The month, YYYY-MM (e.g. 2026-10); the last complete month if left out."
        ),
    ] = None,
    company: Company = None,
) -> str:
    today = _today(ctx)
    start, end = month_bounds(month, today)
    values = {
        "month_name": f"{calendar.month_name[start.month]} {start.year}",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "today": today.isoformat(),
    }
    return MONTH_END.render(values, company)


async def credit_control_review(
    ctx: ToolContext,
    dormant_months: Annotated[
        str | None,
        Field(
            description=(
                "A debtor with a balance and no transaction for this many months is dormant"
                " (1 to 36); 6 if left out."
            )
        ),
    ] = None,
    company: Company = None,
) -> str:
    today = _today(ctx)
    months = whole_number(dormant_months, "dormant_months", 6, 36)
    values = {
        "today": today.isoformat(),
        "months": str(months),
        "dormant_since": months_back(today, months).isoformat(),
    }
    return CREDIT_CONTROL.render(values, company)


async def supplier_payment_run(
    ctx: ToolContext,
    pay_by: Annotated[
        str | None,
        Field(
            description=(
                "Pay what falls due on or before this day, YYYY-MM-DD; a week ahead if left out."
            )
        ),
    ] = None,
    company: Company = None,
) -> str:
    today = _today(ctx)
    values = {"pay_by": day(pay_by, "pay_by", today + timedelta(days=7)).isoformat()}
    return PAYMENT_RUN.render(values, company)


PROMPTS: tuple[tuple[Guide, Callable[..., Any]], ...] = (
    (MONTH_END, month_end_pack),
    (CREDIT_CONTROL, credit_control_review),
    (PAYMENT_RUN, supplier_payment_run),
)


def register(mcp: MCPServer[AppState], toolsets: tuple[str, ...]) -> None:
    """The prompts whose every tool is on; one needing a toolset that is off is not listed."""
    for guide, render in PROMPTS:
        if guide.toolsets <= set(toolsets):
            mcp.prompt(name=guide.name, title=guide.title, description=guide.description)(render)

"""A panel of everyday finance questions, each answered the way an assistant would: the tool calls
it needs (at most three) and what they cost the model's context (at most 20 KB in all).

The calls are what a model reading only the tool list would make; dates are worked out from the
tools' today. ``python -m bench.panel`` prints the table for the README against the demo sandbox;
tests/integration/server/test_question_panel.py holds every question to the limits.

    python -m bench.panel            # the table, against a 500-customer demo sandbox
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mcp import Client
from mcp.types import CallToolResult

MOST_CALLS = 3
MOST_BYTES = 20_000


@dataclass(frozen=True)
class Question:
    asked: str
    calls: tuple[tuple[str, dict[str, Any]], ...]


def panel(today: date) -> list[Question]:
    """The questions, with the calls that answer them as of ``today``."""
    months_ago = (today - timedelta(days=91)).isoformat()
    half_year_ago = (today - timedelta(days=183)).isoformat()
    return [
        Question(
            "What did we invoice last month?", (("summarise_sales", {"period": "last_month"}),)
        ),
        Question(
            "Sales by month this year",
            (("summarise_sales", {"group_by": "month"}),),
        ),
        Question(
            "Which products sold most this quarter?",
            (("summarise_sales", {"period": "this_quarter", "group_by": "product"}),),
        ),
        Question(
            "Who are our top suppliers this year?",
            (("summarise_purchases", {"group_by": "supplier", "top": 10}),),
        ),
        Question(
            "How much has ABS Garages paid us in the last 3 months?",
            (("summarise_sales", {"customer": "ABS Garages", "from_date": months_ago}),),
        ),
        Question(
            "How's our profit this year against last year and budget?",
            (("get_profit_and_loss", {}),),
        ),
        Question("Show me the balance sheet", (("get_balance_sheet", {}),)),
        Question("Does the trial balance tie out?", (("get_trial_balance", {}),)),
        Question(
            "Debtors against creditors: who owes us, whom do we owe?",
            (("get_aged_debt", {"limit": 10}), ("get_aged_creditors", {"limit": 10})),
        ),
        Question(
            "Who owes us money but hasn't been invoiced in six months?",
            (
                (
                    "list_customers",
                    {"no_invoice_since": half_year_ago, "min_balance": 0.01, "sort": "-balance"},
                ),
            ),
        ),
        Question(
            "Which customers owe us but haven't paid anything in three months?",
            (
                (
                    "list_customers",
                    {"no_payment_since": months_ago, "min_balance": 0.01, "sort": "-balance"},
                ),
            ),
        ),
        Question(
            "Which customers are over their credit limit?",
            (("list_customers", {"over_credit_limit": True, "sort": "-balance"}),),
        ),
        Question(
            "What stock needs re-ordering?",
            (("list_products", {"below_reorder_level": True, "sort": "-shortfall"}),),
        ),
        Question(
            "Which big sales orders are still open?",
            (("list_sales_orders", {"status": "live", "min_value": 2500}),),
        ),
        Question(
            "Switch to the Irish company and show me ABS Garages' balance",
            (
                ("switch_site", {"site": "Ireland"}),
                ("get_customer", {"customer": "ABS Garages"}),
            ),
        ),
    ]


@dataclass(frozen=True)
class Answered:
    question: Question
    sizes: tuple[int, ...]  # bytes of each call's text content
    errors: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(self.sizes)


async def ask(client: Client, question: Question, company: str) -> Answered:
    """The question's calls, in order, after choosing ``company`` (not counted: a user asks in
    the company they are working in)."""
    await client.call_tool("switch_site", {"site": company})
    sizes, errors = [], []
    for tool, arguments in question.calls:
        result = await client.call_tool(tool, arguments)
        assert isinstance(result, CallToolResult)
        text = "".join(getattr(item, "text", "") for item in result.content)
        sizes.append(len(text.encode()))
        if result.is_error:
            errors.append(f"{tool}: {text[:200]}")
    return Answered(question, tuple(sizes), tuple(errors))


def table(answers: list[Answered]) -> str:
    lines = [
        f"| Question | Calls (at most {MOST_CALLS}) | Bytes (at most {MOST_BYTES:,}) |",
        "|---|---|---|",
    ]
    for answer in answers:
        calls = "; ".join(
            f"`{tool}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})`"
            for tool, arguments in answer.question.calls
        )
        lines.append(f"| {answer.question.asked} | {calls} | {answer.total:,} |")
    return "\n".join(lines)


async def main() -> None:
    from sage200_mcp.demo_sandbox import demo_today
    from sage200_mcp.server import create_server

    os.environ.setdefault("SAGE200_NO_BROWSER", "1")
    answers = []
    async with Client(create_server(None, demo=True)) as client:
        for question in panel(demo_today()):
            answers.append(await ask(client, question, "Stockwell Office Supplies Ltd"))
    print(table(answers))
    failed = [a for a in answers if a.errors or a.total > MOST_BYTES]
    for answer in failed:
        print(f"OVER THE LIMIT OR FAILED: {answer.question.asked}: {answer.errors}")


if __name__ == "__main__":
    asyncio.run(main())

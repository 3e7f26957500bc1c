"""The prompts' date arithmetic and their guard on tool names, without a server."""

from __future__ import annotations

from datetime import date

import pytest
from mcp import MCPError

from sage200_mcp.tools.prompts import Step, month_bounds, months_back


@pytest.mark.parametrize(
    ("text", "today", "bounds"),
    [
        (None, date(2026, 11, 28), (date(2026, 10, 1), date(2026, 10, 31))),
        ("", date(2026, 1, 5), (date(2025, 12, 1), date(2025, 12, 31))),  # across a year
        ("2028-02", date(2026, 11, 28), (date(2028, 2, 1), date(2028, 2, 29))),  # a leap year
        (" 2026-4 ", date(2026, 11, 28), (date(2026, 4, 1), date(2026, 4, 30))),
    ],
)
def test_month_bounds(text: str | None, today: date, bounds: tuple[date, date]) -> None:
    assert month_bounds(text, today) == bounds


@pytest.mark.parametrize("text", ["2026-00", "2026-13", "Oct 2026", "2026-10-01"])
def test_month_bounds_refuses_what_is_not_a_month(text: str) -> None:
    with pytest.raises(MCPError, match="YYYY-MM"):
        month_bounds(text, date(2026, 11, 28))


@pytest.mark.parametrize(
    ("today", "months", "then"),
    [
        (date(2026, 11, 28), 6, date(2026, 5, 28)),
        (date(2026, 3, 15), 6, date(2025, 9, 15)),  # across a year
        (date(2026, 5, 31), 3, date(2026, 2, 28)),  # to a shorter month's last day
        (date(2026, 12, 31), 36, date(2023, 12, 31)),
    ],
)
def test_months_back(today: date, months: int, then: date) -> None:
    assert months_back(today, months) == then


def test_a_step_naming_a_tool_outside_the_list_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not in prompts\.TOOLS"):
        Step("list_customer", "a typo")

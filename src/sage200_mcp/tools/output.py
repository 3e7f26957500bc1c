"""Shaping tool results: structured content plus the same object as compact JSON text.

The SDK's default text form is JSON indented by two spaces, which costs a model's context for
nothing; ``respond`` sends compact JSON instead, and leaves out fields that have no value.
``fit`` keeps a page of rows within the size budget and says so when it cuts.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import date
from typing import Any

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from sage200_mcp.api.client import Company

DEFAULT_BUDGET = 40_000  # characters of JSON per answer: about 10k tokens


# The day the tool being called takes as today, set around each call (toolkit.add_tool), so
# that every answer naming its company also says as at when, without each tool passing it on.
_ANSWER_DAY: ContextVar[date | None] = ContextVar("answer_day", default=None)


@contextlib.contextmanager
def answering_on(day: date) -> Iterator[None]:
    token = _ANSWER_DAY.set(day)
    try:
        yield
    finally:
        _ANSWER_DAY.reset(token)


class CompanyRef(BaseModel):
    """The books an answer came from, and the day the tools took as today for it."""

    site_id: str
    site_name: str
    company_id: int
    company_name: str
    as_at: str | None = Field(
        default=None,
        description=(
            "The day the tools took as today: what 'overdue', 'to date' and default ranges mean"
            " here. Sage's own figures (balances, ageing) are as at Sage's today."
        ),
    )

    @classmethod
    def of(cls, company: Company) -> CompanyRef:
        day = _ANSWER_DAY.get()
        return cls(
            site_id=company.site_id,
            site_name=company.site_name,
            company_id=company.company_id,
            company_name=company.company_name,
            as_at=day.isoformat() if day else None,
        )


class PageInfo(BaseModel):
    returned: int = Field(description="How many rows this answer holds.")
    total: int | None = Field(default=None, description="How many rows match in all, when known.")
    total_more_than: int | None = Field(
        default=None,
        description=(
            "When Sage gives no count: more than this many rows match (the exact total is given"
            " on the last page)."
        ),
    )
    next_cursor: str | None = Field(
        default=None, description="Pass as cursor to get the next page; absent on the last page."
    )
    truncated: bool = Field(
        default=False, description="True when rows were cut to keep the answer small."
    )
    note: str | None = Field(default=None, description="What was cut, or how to narrow the search.")


def compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def respond(result: BaseModel) -> CallToolResult:
    """The answer twice, as clients read one or the other: structured, and as compact JSON text
    (pydantic's own, which also writes a non-finite number as null where json.dumps would write
    the invalid ``NaN``)."""
    return CallToolResult(
        content=[TextContent(type="text", text=result.model_dump_json(exclude_none=True))],
        structured_content=result.model_dump(mode="json", exclude_none=True),
    )


def fit(
    rows: Sequence[BaseModel | dict[str, Any] | list[Any]], budget: int, reserved: int = 600
) -> int:
    """How many of ``rows`` (from the first) fit in ``budget`` characters of JSON, leaving
    ``reserved`` for the rest of the answer. At least one row is always kept."""
    used = reserved
    for index, row in enumerate(rows):
        # pydantic's own JSON is compact too, and several times quicker than dump + json.dumps
        text = (
            row.model_dump_json(exclude_none=True) if isinstance(row, BaseModel) else compact(row)
        )
        used += len(text) + 1
        if used > budget and index > 0:
            return index
    return len(rows)

"""A page of rows of which some cannot be shown, because Sage sent those records without an id.

A row with no id could not be asked for again (get_product, get_sales_order...), and the answers'
schemas promise one; but Sage pages by offset, so such a record still holds its place: the next
cursor counts it (no row is shown twice, none is lost), and the note says how many were left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from pydantic import BaseModel

from sage200_mcp.api.ledgers import Page
from sage200_mcp.tools import paging
from sage200_mcp.tools.output import PageInfo
from sage200_mcp.tools.paging import Cursor, Paging


class Identified(Protocol):
    @property
    def id(self) -> int | None: ...


V = TypeVar("V", bound=Identified)
R = TypeVar("R", bound=BaseModel)


def shown_page(
    found: Page[V],
    row: Callable[[V, int], R],
    position: Cursor,
    pages: Paging,
    budget: int,
    noun: str,
) -> tuple[list[R], PageInfo]:
    """The rows to show (``row`` of each record and its id) and the page's facts."""
    rows = [row(record, record.id) if record.id is not None else None for record in found.rows]
    page = paging.page_info(rows, found, position, pages, budget, noun)
    shown = [row for row in rows[: page.returned] if row is not None]
    missing = page.returned - len(shown)
    if not missing:
        return shown, page
    left_out = f"Left out {missing} of the {noun} on this page: Sage sent them without an id."
    note = f"{left_out} {page.note}" if page.note else left_out
    return shown, page.model_copy(update={"returned": len(shown), "note": note})

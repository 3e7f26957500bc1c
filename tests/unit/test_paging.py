"""Paging as a tool reports it: the total, or "more than N" when Sage gives no count."""

from __future__ import annotations

from sage200_mcp.api.ledgers import Page
from sage200_mcp.tools.accounts import page_info
from sage200_mcp.tools.paging import Cursor

ROWS = [{"id": n} for n in range(25)]


def test_without_a_count_the_answer_says_more_than_what_was_read() -> None:
    page = page_info(ROWS, Page(ROWS, True, None), Cursor(50, None), "q", 40_000, "customers")
    assert page.total is None and page.total_more_than == 75
    assert page.note and page.note.startswith("More than 75 customers match")
    assert page.next_cursor


def test_the_last_page_knows_the_exact_total_without_a_count() -> None:
    rows = ROWS[:10]
    page = page_info(rows, Page(rows, False, None), Cursor(75, None), "q", 40_000, "customers")
    assert page.total == 85 and page.total_more_than is None and page.next_cursor is None


def test_a_known_total_is_given_as_it_is() -> None:
    page = page_info(ROWS, Page(ROWS, True, 523), Cursor(0, None), "q", 40_000, "customers")
    assert page.total == 523 and page.total_more_than is None
    assert page.note and page.note.startswith("523 customers match")

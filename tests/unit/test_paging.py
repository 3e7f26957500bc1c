"""Paging as a tool reports it: the total, or "more than N" when Sage gives no count; and
cursors signed with the installation's key, refused when any field was changed."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from sage200_mcp.api.client import Company
from sage200_mcp.api.ledgers import Page
from sage200_mcp.config import Settings
from sage200_mcp.tools import paging
from sage200_mcp.tools.paging import KEY_FILE, Cursor, Paging, cursor_key, for_search, page_info

ROWS = [{"id": n} for n in range(25)]
COMPANY = Company("site", 1, "Sandbox", "Stockwell")
PAGES = Paging("list_customers", "0123456789abcdef", b"k" * 32, COMPANY)


@pytest.fixture(autouse=True)
def fresh_keys() -> None:
    paging._keys.clear()


def test_without_a_count_the_answer_says_more_than_what_was_read() -> None:
    page = page_info(ROWS, Page(ROWS, True, None), Cursor(50, None), PAGES, 40_000, "customers")
    assert page.total is None and page.total_more_than == 75
    assert page.note and page.note.startswith("More than 75 customers match")
    assert page.next_cursor and PAGES.start(page.next_cursor) == Cursor(75, None)


def test_the_last_page_knows_the_exact_total_without_a_count() -> None:
    rows = ROWS[:10]
    page = page_info(rows, Page(rows, False, None), Cursor(75, None), PAGES, 40_000, "customers")
    assert page.total == 85 and page.total_more_than is None and page.next_cursor is None


def test_a_known_total_is_given_as_it_is() -> None:
    page = page_info(ROWS, Page(ROWS, True, 523), Cursor(0, None), PAGES, 40_000, "customers")
    assert page.total == 523 and page.total_more_than is None
    assert page.note and page.note.startswith("523 customers match")


# -- signed cursors -------------------------------------------------------------------------------


def tampered(cursor: str, **changes: object) -> str:
    """``cursor`` with fields changed and its signature kept, as a forger would try."""
    payload, signature = cursor.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{encoded}.{signature}"


def test_a_cursor_comes_back_as_it_was_made_and_is_short() -> None:
    cursor = PAGES.cursor(1_000_000, 2_000_000)
    assert PAGES.start(cursor) == Cursor(1_000_000, 2_000_000)
    assert PAGES.start(None) == Cursor(0, None)
    assert len(cursor) <= 100 and cursor.isascii()  # 90 before it named its company


@pytest.mark.parametrize(
    "changes", [{"o": 0}, {"o": 99_999}, {"t": 1}, {"t": None}, {"q": "x"}, {"c": 2}]
)
def test_a_cursor_with_any_field_changed_is_refused(changes: dict[str, object]) -> None:
    cursor = PAGES.cursor(50, 523)
    with pytest.raises(ToolError, match="not valid; call list_customers again without a cursor"):
        PAGES.start(tampered(cursor, **changes))


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "e30",  # {} without a signature
        PAGES.cursor(5, None) + "x",
        PAGES.cursor(5, None).replace(".", ".!"),
        PAGES.cursor(5, None) + "!!!!",  # junk a lenient decoder would skip
        Paging("list_customers", PAGES.query, b"o" * 32, COMPANY).cursor(5, None),  # another key
        "é.é",
    ],
)
def test_junk_and_other_installations_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(ToolError, match="not valid"):
        PAGES.start(cursor)


def test_a_signed_cursor_of_another_search_says_so() -> None:
    other = Paging("list_customers", "fedcba9876543210", PAGES.key, COMPANY).cursor(5, None)
    with pytest.raises(ToolError, match="belongs to another list_customers search"):
        PAGES.start(other)


def test_a_cursor_of_another_company_names_it() -> None:
    """The same search in company 2 (a call naming it as company): the refusal says whose
    cursor it is and how to go on with it."""
    other = Paging("list_customers", PAGES.query, PAGES.key, Company("site", 2)).cursor(5, None)
    with pytest.raises(ToolError, match=r"search of company 2, .* pass company=2 to go on"):
        PAGES.start(other)


def test_the_key_is_made_once_private_and_kept(tmp_path: Path) -> None:
    config = tmp_path / "config"
    key = cursor_key(config)
    path = config / KEY_FILE
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    paging._keys.clear()  # another process, or a restart
    assert cursor_key(config) == key
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(config)})
    made = for_search(settings, "list_customers", COMPANY).cursor(25, None)
    paging._keys.clear()
    assert for_search(settings, "list_customers", COMPANY).start(made) == Cursor(25, None)


@pytest.mark.parametrize("damage", [b"", b"short", b"x" * 33])
def test_a_damaged_key_file_is_replaced(tmp_path: Path, damage: bytes) -> None:
    tmp_path.chmod(0o700)
    (tmp_path / KEY_FILE).write_bytes(damage)
    key = cursor_key(tmp_path)
    assert len(key) == 32 and (tmp_path / KEY_FILE).read_bytes() == key


def test_a_key_file_that_is_a_link_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"e" * 32)
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    (config / KEY_FILE).symlink_to(elsewhere)
    key = cursor_key(config)
    assert key != b"e" * 32 and not (config / KEY_FILE).is_symlink()
    assert elsewhere.read_bytes() == b"e" * 32


def test_a_readable_key_file_is_made_private(tmp_path: Path) -> None:
    key = cursor_key(tmp_path)
    (tmp_path / KEY_FILE).chmod(0o644)
    paging._keys.clear()
    assert cursor_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600


def test_without_a_writable_config_dir_cursors_still_work(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    key = cursor_key(blocked / "config")
    assert len(key) == 32
    pages = Paging("list_customers", "q", key, COMPANY)
    assert pages.start(pages.cursor(3, None)) == Cursor(3, None)

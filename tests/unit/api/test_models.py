"""The account record's nested parts as Sage may send them: null, not expanded, or junk."""

from __future__ import annotations

from typing import Any

import pytest

from sage200_mcp.api.models import Account


@pytest.mark.parametrize(
    "nested",
    [
        {"contacts": None, "main_address": None},
        {"contacts": [None, "junk", {"name": "Ann", "is_default": True}]},
        {"contacts": "not a list", "main_address": "not a record"},
        {"main_address": [1, 2]},
    ],
)
def test_nested_parts_that_are_not_records_read_as_none(nested: dict[str, Any]) -> None:
    account = Account.model_validate({"id": 7, "name": "ABS Garages", **nested})
    assert account.id == 7
    assert all(contact.name == "Ann" for contact in account.contacts)
    assert account.main_address is None

"""How every table writes the values the books share: money, timestamps, audit stamps, addresses.

One place for these conventions keeps every table's rows alike: money leaves pence here, as
two-decimal numbers, and every record is stamped as created and last updated at fixed hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sage200_mcp.sandbox.seed.parties import Address

Row = dict[str, Any]
Rows = dict[str, list[Row]]
TableRows = tuple[str, Iterable[Row]]


def money(pence: int) -> float:
    return round(pence / 100, 2)


def stamp(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def audit(created: date, updated: date | None = None) -> Row:
    return {
        "date_time_created": stamp(created, 9, 12),
        "date_time_updated": stamp(updated or created, 16, 40),
    }


def address_fields(address: Address) -> Row:
    return {
        "address_1": address.lines[0],
        "address_2": address.lines[1],
        "address_3": address.lines[2],
        "address_4": address.lines[3],
        "city": address.city,
        "county": address.county,
        "postcode": address.postcode,
        "country": address.country,
    }

"""Building ``$filter`` expressions from typed values, so user text is only ever data.

Every value becomes exactly one OData literal: text is quoted with its quotes doubled
(``'O''Brien'``), numbers are written as numbers, booleans as ``true``/``false``, dates unquoted
and date-times in UTC with ``Z`` (docs/SAGE200_API.md §3). Field names come from the code, never
from the user; ``field`` refuses anything that is not a plain identifier.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

_DIGITS = re.compile(r"[0-9]{1,18}")
_FIELD = re.compile(r"[a-z][a-z0-9_]*(?:[./][a-z][a-z0-9_]*)*")

Value = str | int | float | Decimal | bool | date | datetime


@dataclass(frozen=True)
class Expr:
    """A piece of a ``$filter`` expression; combine with ``&`` and ``|``, negate with ``~``.

    ``kind`` records the outermost operator, so ``or`` parts are bracketed inside an ``and``.
    """

    text: str
    kind: str = "atom"  # "atom" | "and" | "or"

    def __and__(self, other: Expr) -> Expr:
        return Expr(f"{self._inside('and')} and {other._inside('and')}", "and")

    def __or__(self, other: Expr) -> Expr:
        return Expr(f"{self._inside('or')} or {other._inside('or')}", "or")

    def __invert__(self) -> Expr:
        return Expr(f"not ({self.text})")

    def _inside(self, operator: str) -> str:
        return self.text if self.kind in ("atom", operator) else f"({self.text})"

    def __str__(self) -> str:
        return self.text


def field(name: str) -> str:
    if not _FIELD.fullmatch(name):
        raise ValueError(f"not a field name: {name!r}")
    return name


def literal(value: Value) -> str:
    """``value`` as one OData literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("a number in a filter must be finite")
        return format(Decimal(str(value)), "f")
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return "'" + value.replace("'", "''") + "'"


def compare(name: str, operator: str, value: Value) -> Expr:
    if operator not in ("eq", "ne", "gt", "ge", "lt", "le"):
        raise ValueError(f"not a comparison: {operator!r}")
    return Expr(f"{field(name)} {operator} {literal(value)}")


def eq(name: str, value: Value) -> Expr:
    return compare(name, "eq", value)


def contains(name: str, text: str) -> Expr:
    return Expr(f"contains({field(name)},{literal(text)})")


def startswith(name: str, text: str) -> Expr:
    return Expr(f"startswith({field(name)},{literal(text)})")


def any_of(expressions: Iterable[Expr]) -> Expr:
    items = list(expressions)
    if not items:
        raise ValueError("any_of needs at least one expression")
    result = items[0]
    for item in items[1:]:
        result = result | item
    return result


def all_of(expressions: Iterable[Expr | None]) -> Expr | None:
    items = [e for e in expressions if e is not None]
    if not items:
        return None
    result = items[0]
    for item in items[1:]:
        result = result & item
    return result


def record_id(text: str) -> int | None:
    """``text`` as a Sage record id (an Int64), or None if it cannot be one.

    Not ``str.isdigit``: that accepts '²' and other Unicode digits that ``int`` refuses, and
    numbers too large for Sage's ids, which it answers with a 400.
    """
    text = text.strip()
    return int(text) if _DIGITS.fullmatch(text) else None

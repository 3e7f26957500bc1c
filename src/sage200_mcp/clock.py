"""The date the tools treat as "today".

Overdue days and default date ranges hang on one date. Reading it from one injectable clock,
rather than the wall clock in each tool, lets tests (and the demo) pin it to the day a sandbox's
books end (``SAGE200_TODAY``), so figures can be asserted exactly. It moves only the arithmetic
done here: what Sage works out itself (aged periods, balances, what is outstanding) stays as at
Sage's own today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class Clock:
    """Today in UTC, or the pinned day when one is set."""

    pinned: date | None = None

    def today(self) -> date:
        return self.pinned or datetime.now(UTC).date()

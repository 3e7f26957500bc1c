"""The date the tools treat as "today".

Overdue days, default date ranges and "as at" labels all hang on one date. Reading it from one
injectable clock, rather than the wall clock in each tool, lets a user pin it (``SAGE200_TODAY``:
a report as at a month end, or answers that match a sandbox whose books end on a given day) and
lets tests assert exact figures.
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

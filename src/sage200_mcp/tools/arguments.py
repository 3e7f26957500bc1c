"""Checks on tool arguments that their types alone do not make.

A number must be finite: pydantic reads "NaN", "inf" and "1e999" as floats, and a filter or a
comparison with one means nothing. Text that names one record (a customer, an order, a product,
a nominal code) must have something in it: blank text would match everything, or cost a round
trip to Sage for an answer about nothing. Both are refused before any request, saying what to give.
"""

from __future__ import annotations

import math

from pydantic import AfterValidator


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError("give an ordinary number, such as 1000 or -250.50 (not NaN or infinity)")
    return value


def naming(what: str) -> AfterValidator:
    """Refuse text that is empty or only spaces; ``what`` says what to give instead."""

    def check(value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError(f"is blank; give {what}")
        return value

    return AfterValidator(check)


Finite = AfterValidator(_finite)

"""Checks on tool arguments that their types alone do not make.

A number must be finite: pydantic reads "NaN", "inf" and "1e999" as floats, and a filter or a
comparison with one means nothing. Text that names one record (a customer, an order, a product,
a nominal code) must have something in it: blank text would match everything, or cost a round
trip to Sage for an answer about nothing. Both are refused before any request, saying what to give.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import AfterValidator, Field


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


# A company-scoped tool's ``company`` (toolkit.add_tool adds it to each): what switch_site takes,
# read for this call only. Its description is short because tools/list repeats it in every
# such tool, and each word there costs the model's context before the user asks anything.
CompanyArg = Annotated[
    str | None,
    Field(max_length=200, description="Company for this call only (as switch_site)."),
    naming("a company id, a site id, or part of a company's name (see list_sites)"),
]

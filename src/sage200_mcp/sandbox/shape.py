"""The shape of the seeded books a sandbox may be asked for, beyond their size and seed.

How sales and purchase documents reach the nominal ledger, and how many cost centres split a big
company's profit and loss codes. The module imports nothing heavy: the command line reads its
choices while it builds its parser, and the seed its defaults.
"""

from __future__ import annotations

from typing import Literal

# in one batch per ledger a day (Sage's batch postings), or each document on its own, line by
# line, as a company that does not batch its postings sees them
Postings = Literal["daily", "per-document"]
POSTINGS: tuple[Postings, ...] = ("daily", "per-document")

# cost centres are the branches, departments the sales channels (Sage allows three characters)
BRANCHES = ("MAN", "LDS", "BHM", "LON", "GLA", "BRS", "NCL", "CDF", "NOT", "SHF", "LIV", "EDI")
DEPARTMENTS = ("TRD", "ONL", "KEY", "TEL", "CON")
MAX_COST_CENTRES = len(BRANCHES)
# a company this big splits its profit and loss codes unless told otherwise: eight branches of
# five channels give 640 split accounts, more than Sage's default page of 500 rows
SPLIT_FROM_CUSTOMERS = 10_000
BIG_COMPANY_COST_CENTRES = 8


def cost_centres_for(customers: int, asked: int | None) -> int:
    """The main company's cost centres: as asked, or by its size when not asked."""
    if asked is None:
        return BIG_COMPANY_COST_CENTRES if customers >= SPLIT_FROM_CUSTOMERS else 0
    if not 0 <= asked <= MAX_COST_CENTRES:
        raise ValueError(f"cost_centres must be from 0 to {MAX_COST_CENTRES}")
    return asked


def check_postings(postings: str) -> Postings:
    for choice in POSTINGS:
        if postings == choice:
            return choice
    raise ValueError(f"postings must be one of {', '.join(POSTINGS)}")

"""Field names checked against Sage's own schemas, with the closest names when one is wrong.

The OpenAPI files load on first use only (tens of milliseconds), never at start-up.
"""

from __future__ import annotations

import difflib
import functools

from sage200_mcp.config import Edition
from sage200_mcp.errors import Sage200Error
from sage200_mcp.openapi import PROFESSIONAL_ONLY, api_spec


class UnknownField(Sage200Error):
    """A field name the schema does not have; the message names the closest ones."""


@functools.cache
def scalar_fields(module: str, schema: str, edition: Edition) -> frozenset[str]:
    """The fields of an entity that hold a single value (not objects or lists)."""
    names = set()
    for name, spec in api_spec().properties(module, schema).items():
        if spec.get("type") in ("string", "integer", "number", "boolean"):
            if edition == "standard" and spec.get(PROFESSIONAL_ONLY):
                continue
            names.add(name)
    return frozenset(names)


def check_fields(
    names: list[str], module: str, schema: str, edition: Edition, what: str
) -> tuple[str, ...]:
    """``names`` without duplicates, once each is known to be a field of ``schema``."""
    known = scalar_fields(module, schema, edition)
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=5, cutoff=0.5)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise UnknownField(f"'{name}' is not a field of {what}.{hint}")
    return tuple(dict.fromkeys(names))

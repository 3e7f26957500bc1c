"""Cursors: an opaque token for "the next page of this same query".

Sage pages by offset only, so a cursor carries the offset, the total if known, and a fingerprint
of the query and company it belongs to: a cursor passed with other filters, or after switching
company, is refused instead of quietly returning rows of something else.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

# The two paging arguments of every list tool.
Limit = Annotated[int, Field(ge=1, le=200, description="Rows per page.")]
CursorArg = Annotated[
    str | None, Field(max_length=500, description="next_cursor of the last page.")
]


@dataclass(frozen=True)
class Cursor:
    offset: int
    total: int | None


def fingerprint(*parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def encode(offset: int, total: int | None, query: str) -> str:
    data = json.dumps({"o": offset, "t": total, "q": query}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode(cursor: str | None, query: str, tool: str) -> Cursor:
    if not cursor:
        return Cursor(0, None)
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, total, owner = data["o"], data["t"], data["q"]
        if (
            not isinstance(offset, int)
            or offset < 0
            or not (total is None or isinstance(total, int))
        ):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ToolError(f"That cursor is not valid; call {tool} again without a cursor.") from None
    if owner != query:
        raise ToolError(
            f"That cursor belongs to another {tool} search (other filters or another company);"
            " repeat the search without a cursor."
        )
    return Cursor(offset, total)

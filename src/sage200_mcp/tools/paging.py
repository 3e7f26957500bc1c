"""Cursors: an opaque token for "the next page of this same query".

Sage pages by offset only, so a cursor carries the offset, the total if known, and a fingerprint
of the query and company it belongs to: a cursor passed with other filters, or in a call reading
another company (after switching, or naming another as ``company``), is refused instead of
quietly returning rows of something else. It names its company, so that refusal says which.

A cursor is signed (HMAC-SHA256, cut to 16 bytes) with a key of this installation, kept in the
config directory: one whose offset, total or fingerprint was changed, by a model or anyone else,
is refused rather than trusted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from sage200_mcp.api.client import Company
from sage200_mcp.api.ledgers import Page
from sage200_mcp.config import Settings
from sage200_mcp.errors import Sage200Error
from sage200_mcp.files import FileLock, write_private
from sage200_mcp.tools.output import PageInfo, fit

log = logging.getLogger(__name__)

# The two paging arguments of every list tool.
Limit = Annotated[int, Field(ge=1, le=200, description="Rows per page.")]
CursorArg = Annotated[
    str | None, Field(max_length=500, description="next_cursor of the last page.")
]

KEY_FILE = "cursor.key"
KEY_BYTES = 32
MAC_BYTES = 16
_keys: dict[Path, bytes] = {}  # config directory -> its key, read once per process


@dataclass(frozen=True)
class Cursor:
    offset: int
    total: int | None


@dataclass(frozen=True)
class Paging:
    """The cursors of one search: the tool that reads them (named in messages), the search's
    fingerprint (which covers the company), the key that signs them, and the company, whose
    id each cursor carries so that one used in another company's call is refused by name."""

    tool: str
    query: str
    key: bytes
    company: Company

    def cursor(self, offset: int, total: int | None) -> str:
        data = json.dumps(
            {"o": offset, "t": total, "q": self.query, "c": self.company.company_id},
            separators=(",", ":"),
        )
        payload = data.encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def start(self, cursor: str | None) -> Cursor:
        """Where the page starts: the top, or where ``cursor`` says, once it is proved ours."""
        if not cursor:
            return Cursor(0, None)
        invalid = ToolError(f"That cursor is not valid; call {self.tool} again without a cursor.")
        try:
            encoded, _, signature = cursor.partition(".")
            payload = _unb64(encoded)
            if not hmac.compare_digest(_unb64(signature), self._mac(payload)):
                raise ValueError
            data = json.loads(payload)
            offset, total, owner, company = data["o"], data["t"], data["q"], data["c"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise invalid from None
        if not _count(offset) or not (total is None or _count(total)):
            raise invalid
        if company != self.company.company_id:
            raise ToolError(
                f"That cursor pages a {self.tool} search of company {company}, and this call"
                f" reads {self.company.describe()} (company {self.company.company_id}): pass"
                f" company={company} to go on with it, or repeat the search without a cursor."
            )
        if owner != self.query:
            raise ToolError(
                f"That cursor belongs to another {self.tool} search (other filters or another"
                " company); repeat the search without a cursor."
            )
        return Cursor(offset, total)

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()[:MAC_BYTES]


def for_search(settings: Settings, tool: str, company: Company, *parts: Any) -> Paging:
    """The cursors of ``tool``'s search of ``company`` described by ``parts`` (filters, sort)."""
    query = _fingerprint(tool, company.site_id, company.company_id, *parts)
    key = settings.cursor_key or cursor_key(settings.config_dir)
    return Paging(tool, query, key, company)


def _fingerprint(*parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def cursor_key(config_dir: Path) -> bytes:
    """This installation's key for signing cursors: 32 random bytes in ``cursor.key`` in the
    config directory (a 0600 file in a 0700 directory, written atomically), made on first use;
    a damaged or short file is replaced. If the directory cannot be written, a key for this
    process alone (cursors then last as long as the server)."""
    key = _keys.get(config_dir)
    if key is None:
        try:
            key = _stored_key(config_dir)
        except (OSError, Sage200Error) as error:
            log.warning("Cannot keep a cursor key in %s (%s); using one for now", config_dir, error)
            key = secrets.token_bytes(KEY_BYTES)
        _keys[config_dir] = key
    return key


def _stored_key(config_dir: Path) -> bytes:
    path = config_dir / KEY_FILE
    with FileLock(config_dir / f".{KEY_FILE}.lock").hold():  # two servers starting at once
        key = _read_key(path)
        if key is None:
            key = secrets.token_bytes(KEY_BYTES)
            write_private(path, key)
    return key


def _read_key(path: Path) -> bytes | None:
    """The key in ``path`` if it is a regular file (not a link) of the key's size, else None."""
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode):
            return None
        if os.name == "posix" and info.st_mode & 0o077:
            path.chmod(0o600)
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    return key if len(key) == KEY_BYTES else None


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("not base64url")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def page_info(
    rows: list[Any],
    found: Page[Any],
    position: Cursor,
    pages: Paging,
    budget: int,
    noun: str,
) -> PageInfo:
    """Returned, total (or, when Sage gives no count, "more than"), the next cursor and a note,
    once the rows are cut to the budget."""
    kept = fit(rows, budget)
    total = found.total if found.total is not None else position.total
    if not found.has_more:
        total = position.offset + len(rows)
    more = found.has_more or kept < len(rows)
    at_least = position.offset + len(rows) if total is None else None
    note = None
    if kept < len(rows):
        note = (
            f"Showing {kept} of the {len(rows)} rows asked for, to keep the answer small; use"
            " next_cursor for the rest, or narrow the search."
        )
    elif found.has_more and (total or at_least):
        matching = f"{total}" if total else f"More than {at_least}"
        note = (
            f"{matching} {noun} match; this is rows {position.offset + 1} to"
            f" {position.offset + kept}. Narrow the search rather than paging through all,"
            " unless the user needs every row."
        )
    return PageInfo(
        returned=kept,
        total=total,
        total_more_than=at_least,
        truncated=kept < len(rows),
        note=note,
        next_cursor=pages.cursor(position.offset + kept, total) if more else None,
    )

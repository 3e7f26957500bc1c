"""`team users|allow|revoke|toolsets|audit|rotate-key`: a team server's admin, on its machine.

Run with the replicas' environment (``SAGE200_DATABASE_URL``, ``SAGE200_TOKEN_KEY``, and the
Sage application's ``SAGE200_CLIENT_ID``/``SECRET`` for revoking at Sage ID): each command opens
the store the replicas share, so what it changes holds on every replica at the next request.

The team modules (psycopg, cryptography) are imported only when a command runs: they are an
optional extra, and a one-person install must get an instruction, not an ImportError. Messages
may quote the database's errors, which can quote the URL, so each is scrubbed of the URL's
password before it is printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sage200_mcp.console import err, out
from sage200_mcp.errors import ConfigError, Sage200Error
from sage200_mcp.team.models import Activity, AuditEntry, Person

if TYPE_CHECKING:
    from sage200_mcp.team.store import TeamStore

T = TypeVar("T")
EXTRA = "pip install 'sage200-mcp[team]'"
OPTIONAL_MODULES = frozenset({"psycopg", "psycopg_pool", "cryptography"})
TABLE_LIMIT = 50  # the table's default: the latest calls, not a year of them


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def parse_since(text: str) -> float:
    """An ISO date or date-time, as epoch seconds; without an offset it is UTC, as the tables
    print times (the server's clock zone is no one's in particular)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is not an ISO date or time, such as 2026-12-01 or"
            " 2026-12-01T09:30 (UTC unless it ends with an offset such as +01:00)."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def missing_extra(error: ModuleNotFoundError) -> ConfigError:
    """The instruction for a team module that would not import: the extra is missing. Any
    other module missing is a broken install, and re-raised as it is."""
    if (error.name or "").partition(".")[0] not in OPTIONAL_MODULES:
        raise error
    return ConfigError(f"Team mode needs the [team] extra ({error.name} is not installed): {EXTRA}")


def _run(work: Callable[[TeamStore], Awaitable[T]]) -> T:
    """Open the store, do ``work``, close it; every failure a ``ConfigError`` to print."""
    try:
        from sage200_mcp.team.settings import database_url, open_store
    except ModuleNotFoundError as error:
        raise missing_extra(error) from None
    import psycopg

    from sage200_mcp.team.postgres import without_password

    url = database_url(os.environ)

    async def session() -> T:
        store = await open_store()
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(session())
    except Sage200Error as error:
        raise type(error)(without_password(str(error), url)) from None
    except (psycopg.Error, sqlite3.Error) as error:
        raise ConfigError(
            without_password(
                f"The team database failed ({type(error).__name__}: {error}); check"
                " SAGE200_DATABASE_URL and that the database is running.",
                url,
            )
        ) from None


async def _find(store: TeamStore, who: str) -> Person:
    """The one person ``who`` names: their Sage ID subject, or their email (any case)."""
    person = await store.person(who)
    if person is not None:
        return person
    matches = [p for p in await store.people() if (p.email or "").lower() == who.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        subjects = ", ".join(p.subject for p in matches)
        raise ConfigError(
            f"{who} is the email of {len(matches)} people ({subjects}): name one by subject."
        )
    raise ConfigError(
        f"No one with the email or subject {who!r} has signed in to this server:"
        " `sage200-mcp team users` lists who has."
    )


def _name(person: Person) -> str:
    return person.email or person.subject


def _toolsets(person: Person) -> str:
    return "all" if person.toolsets is None else ",".join(person.toolsets)


# users


def users(as_json: bool) -> int:
    async def read(store: TeamStore) -> list[tuple[Person, Activity | None]]:
        activity = await store.activity()
        return [(person, activity.get(person.subject)) for person in await store.people()]

    listed = _run(read)
    if as_json:
        out(json.dumps([_user_json(person, seen) for person, seen in listed], indent=2))
        return 0
    if not listed:
        out("No one has signed in to this server yet.")
        return 0
    rows = [("email", "name", "status", "toolsets", "Sage sign-in", "last seen (UTC)", "subject")]
    for person, seen in listed:
        held = seen is not None and seen.signed_in_at is not None
        rows.append(
            (
                person.email or "-",
                person.display_name or "-",
                person.status,
                _toolsets(person),
                f"until {_when(seen.sign_in_until)[:10]}" if held and seen else "none",
                _when(seen.last_seen if seen else None),
                person.subject,
            )
        )
    _table(rows)
    return 0


def _user_json(person: Person, seen: Activity | None) -> dict[str, Any]:
    return {
        "subject": person.subject,
        "email": person.email,
        "name": person.display_name,
        "status": person.status,
        "toolsets": None if person.toolsets is None else list(person.toolsets),
        "signed_in": seen is not None and seen.signed_in_at is not None,
        "signed_in_at": _iso(seen.signed_in_at if seen else None),
        "sign_in_until": _iso(seen.sign_in_until if seen else None),
        "last_seen": _iso(seen.last_seen if seen else None),
        "first_seen": _iso(person.created_at),
    }


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


# allow and revoke


def allow(who: str) -> int:
    async def change(store: TeamStore) -> Person:
        person = await _find(store, who)
        await store.allow(person.subject)
        return person

    person = _run(change)
    out(
        f"{_name(person)} may sign in again (while SAGE200_TEAM_ALLOW admits them); their"
        " earlier sign-in is gone, so they sign in afresh."
    )
    return 0


def revoke(who: str, assume_yes: bool) -> int:
    async def change(store: TeamStore) -> tuple[Person, str | None, str | None] | None:
        from sage200_mcp.team.crypto import TokenKeyError

        person = await _find(store, who)
        if not assume_yes and not await _confirm(
            f"Revoke {_name(person)} ({person.display_name or 'no name'}, subject"
            f" {person.subject})? They lose access at once and must be allowed again. [y/N] "
        ):
            return None
        try:
            _, sign_in = await store.revoke_taking_sign_in(person.subject)
        except TokenKeyError as error:  # revoked all the same: only its token is unreadable
            return person, None, str(error).rstrip(".")
        return person, None if sign_in is None else sign_in.refresh_token, None

    done = _run(change)
    if done is None:
        out("Nothing changed.")
        return 0
    person, refresh_token, unreadable = done
    out(f"Revoked {_name(person)}: their sign-in, codes and tokens on this server are deleted.")
    if unreadable is not None or refresh_token is not None:
        problem = unreadable or asyncio.run(_revoke_at_sage_id(refresh_token or ""))
        if problem is None:
            out("Their Sage sign-in is revoked at Sage ID too.")
        else:
            err(
                f"Could not revoke their Sage sign-in at Sage ID ({problem}); it is deleted"
                " here, so this server cannot use it, but it stays valid at Sage until it"
                " expires."
            )
    return 0


async def _confirm(question: str) -> bool:
    err(question)
    answer = await asyncio.to_thread(sys.stdin.readline)
    return answer.strip().lower() in ("y", "yes")


async def _revoke_at_sage_id(refresh_token: str) -> str | None:
    """Best effort: Sage ID is another service, and the person is revoked here whatever it
    says. None when it took the revocation, else why not."""
    from sage200_mcp.auth.oauth import SageId
    from sage200_mcp.config import Settings
    from sage200_mcp.httpclient import new_http_client

    try:
        settings = Settings.load()
        if settings.setup_problem() is not None:
            return (
                "the server's Sage application is not configured here: set SAGE200_CLIENT_ID,"
                " and SAGE200_CLIENT_SECRET for a web application, as the server has them"
            )
        async with new_http_client(settings.http_timeout) as http:
            await SageId(settings, http).revoke(refresh_token)
    except Sage200Error as error:
        return str(error).rstrip(".")
    return None


# toolsets


def toolsets(who: str, text: str) -> int:
    from sage200_mcp.server import parse_toolsets

    everything = text.strip().lower() == "all"
    chosen = None if everything else parse_toolsets(text)

    async def change(store: TeamStore) -> Person:
        person = await _find(store, who)
        await store.set_toolsets(person.subject, chosen)
        return person

    person = _run(change)
    if chosen is None:
        out(f"{_name(person)} now has every toolset the server offers.")
    else:
        out(f"{_name(person)} now has the toolsets {', '.join(chosen)}.")
    return 0


# audit


def audit(since: str | None, who: str | None, limit: int | None, json_lines: bool) -> int:
    start = 0.0 if since is None else parse_since(since)

    async def read(store: TeamStore) -> int:
        subject = None if who is None else (await _find(store, who)).subject
        if json_lines and limit is None:
            async for line in store.audit_json_lines(since=start, subject=subject):
                sys.stdout.write(line + "\n")
            return 0
        entries = await store.latest_audit(limit or TABLE_LIMIT, since=start, subject=subject)
        if json_lines:
            for entry in entries:
                sys.stdout.write(entry.json_line() + "\n")
            return 0
        emails = {p.subject: p.email or p.subject for p in await store.people()}
        _audit_table(entries, emails)
        return 0

    try:
        code = _run(read)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        # stdout's buffer still holds lines; point it at nothing so the flush at exit is quiet
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


def _audit_table(entries: list[AuditEntry], emails: dict[str, str]) -> None:
    if not entries:
        out("No tool calls in the audit log match.")
        return
    rows = [("time (UTC)", "who", "company", "tool", "outcome", "chars", "ms", "arguments")]
    for entry in entries:
        arguments = json.dumps(entry.arguments, sort_keys=True, separators=(",", ":"))
        rows.append(
            (
                datetime.fromtimestamp(entry.at, UTC).strftime("%Y-%m-%d %H:%M:%S"),
                emails.get(entry.subject, entry.subject),
                entry.company or "-",
                entry.tool,
                entry.outcome,
                "-" if entry.result_chars is None else str(entry.result_chars),
                f"{entry.duration_ms:.0f}",
                arguments if len(arguments) <= 60 else arguments[:59] + "…",
            )
        )
    _table(rows)


# rotate-key


def rotate_key() -> int:
    rotated = _run(lambda store: store.rotate_key())
    out(
        f"Re-encrypted {rotated} Sage sign-in{'s' if rotated != 1 else ''} with"
        " SAGE200_TOKEN_KEY; every stored sign-in is now under it. Remove"
        " SAGE200_TOKEN_KEY_PREVIOUS from the replicas and restart them."
    )
    return 0

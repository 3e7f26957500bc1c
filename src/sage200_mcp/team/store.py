"""The team store: everything team mode shares between replicas, over either database.

One class over the ``Database`` protocol, so each operation's SQL exists once and the tests run it
on SQLite and PostgreSQL alike. Tokens the server issues are stored as digests; each person's Sage
tokens are sealed with ``TokenCipher``; nothing here logs a token.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sage200_mcp.errors import Sage200Error
from sage200_mcp.team.crypto import Sealed, TokenCipher
from sage200_mcp.team.database import Database, Row, Transaction
from sage200_mcp.team.models import (
    Activity,
    AuditEntry,
    AuthorizationCode,
    Company,
    Grant,
    OAuthClient,
    PendingAuthorization,
    Person,
    PersonStatus,
    RefreshUse,
    SageSignIn,
    without_secrets,
)
from sage200_mcp.team.schema import migrate

_SIGN_IN_COLUMNS = (
    "key_id, access_token, refresh_token, access_expires_at, refresh_expires_at,"
    " signed_in_at, scope, generation"
)
# read with when the row was written: when its access token was obtained (SageSignIn.obtained_at)
_READ_COLUMNS = f"{_SIGN_IN_COLUMNS}, updated_at"
_GRANT_COLUMNS = "subject, client_id, resource, scope, expires_at, family"
_AUDIT_COLUMNS = "id, at, subject, company, tool, arguments, result_chars, duration_ms, outcome"
# refreshes a held sign-in with Sage: the new tokens, or None when Sage ended the sign-in
Refresher = Callable[[SageSignIn], Awaitable[SageSignIn | None]]


class NotSignedIn(Sage200Error):
    """The person has no Sage sign-in stored: they must sign in (again)."""


def _not_signed_in() -> NotSignedIn:
    return NotSignedIn(
        "You are not signed in to Sage on this server (or Sage ended your sign-in): sign in again."
    )


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _context(subject: str, field: str) -> bytes:
    # the associated data: a ciphertext opens only in the row and column it was sealed for
    return f"sage200-mcp/sage_sign_ins/{field}/{subject}".encode()


def _audit_entry(row: Row) -> AuditEntry:
    return AuditEntry(
        at=float(row[1]),
        subject=row[2],
        company=row[3],
        tool=row[4],
        arguments=json.loads(row[5]),
        result_chars=row[6],
        duration_ms=float(row[7]),
        outcome=row[8],
        id=int(row[0]),
    )


def _grant(row: Row) -> Grant:
    return Grant(str(row[0]), str(row[1]), str(row[2]), str(row[3]), float(row[4]), str(row[5]))


class HeldSignIn:
    """A person's sign-in read under their refresh lock (``TeamStore.refreshing``)."""

    def __init__(
        self, store: TeamStore, transaction: Transaction, subject: str, current: SageSignIn
    ) -> None:
        self._store = store
        self._transaction = transaction
        self.subject = subject
        self.current = current
        self.saved: SageSignIn | None = None

    async def save(self, sign_in: SageSignIn) -> SageSignIn:
        """Write the rotated tokens and commit at once, releasing the lock: a token Sage has
        already rotated must never be lost to an error later in the caller's block."""
        if self.saved is not None:
            raise RuntimeError("a held sign-in is saved once")
        self.saved = await self._store._write_sign_in(self._transaction, self.subject, sign_in)
        await self._transaction.commit()
        return self.saved

    async def forget(self) -> None:
        """Delete the sign-in (Sage ID refused the refresh token) and the MCP tokens resting on
        it: the person's client is answered 401 next and signs them in again, rather than
        holding a token that can only ever fail."""
        for table in ("sage_sign_ins", "oauth_access_tokens", "oauth_refresh_tokens"):
            await self._transaction.execute(
                f"DELETE FROM {table} WHERE subject = ?", (self.subject,)
            )
        await self._transaction.commit()


class TeamStore:
    def __init__(
        self, database: Database, cipher: TokenCipher, clock: Callable[[], float] = time.time
    ) -> None:
        self.database = database
        self.cipher = cipher
        self.clock = clock
        # waiters in this process queue here rather than each holding a connection (and a
        # thread, on SQLite) while blocked on the database's lock; the database lock is what
        # excludes the other replicas
        self._refresh_locks: dict[str, asyncio.Lock] = {}

    @property
    def round_trips(self) -> int:
        """Statements sent to the database so far (BEGIN and COMMIT included)."""
        return self.database.round_trips

    async def migrate(self) -> list[int]:
        return await migrate(self.database)

    async def close(self) -> None:
        await self.database.close()

    # people

    async def upsert_person(self, subject: str, email: str | None, name: str | None) -> Person:
        """Record a sign-in's identity; a known person keeps their status and toolsets."""
        rows = await self.database.fetch(
            "INSERT INTO people (subject, email, display_name, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (subject) DO UPDATE SET email = excluded.email,"
            " display_name = excluded.display_name"
            " RETURNING subject, email, display_name, status, toolsets, created_at",
            (subject, email, name, self.clock()),
        )
        return self._person(rows[0])

    async def person(self, subject: str) -> Person | None:
        rows = await self.database.fetch(
            "SELECT subject, email, display_name, status, toolsets, created_at FROM people"
            " WHERE subject = ?",
            (subject,),
        )
        return self._person(rows[0]) if rows else None

    async def people(self) -> list[Person]:
        rows = await self.database.fetch(
            "SELECT subject, email, display_name, status, toolsets, created_at FROM people"
            " ORDER BY email, subject"
        )
        return [self._person(row) for row in rows]

    @staticmethod
    def _person(row: Row) -> Person:
        status: PersonStatus = "revoked" if row[3] == "revoked" else "allowed"
        toolsets = tuple(json.loads(row[4])) if row[4] is not None else None
        return Person(row[0], row[1], row[2], status, toolsets, float(row[5]))

    async def set_toolsets(self, subject: str, toolsets: Sequence[str] | None) -> bool:
        return (
            await self.database.execute(
                "UPDATE people SET toolsets = ? WHERE subject = ?",
                (None if toolsets is None else json.dumps(list(toolsets)), subject),
            )
            == 1
        )

    async def allow(self, subject: str) -> bool:
        return (
            await self.database.execute(
                "UPDATE people SET status = 'allowed' WHERE subject = ?", (subject,)
            )
            == 1
        )

    async def revoke(self, subject: str) -> bool:
        """Bar the person and end everything they hold: Sage sign-in, MCP tokens and codes."""
        return (await self._revoke(subject))[0]

    async def revoke_taking_sign_in(self, subject: str) -> tuple[bool, SageSignIn | None]:
        """``revoke``, handing back the Sage sign-in it deleted, so the admin can end it at Sage
        ID as well. Read as it is deleted, under its row lock: a replica refreshing meanwhile
        finishes first, and the refresh token returned is the one Sage issued last. Raises
        ``TokenKeyError`` (the revocation committed) when the sign-in does not open."""
        known, row = await self._revoke(subject)
        return known, None if row is None else self._open_sign_in(subject, row)

    async def _revoke(self, subject: str) -> tuple[bool, Row | None]:
        async with self.database.transaction() as transaction:
            changed = await transaction.execute(
                "UPDATE people SET status = 'revoked' WHERE subject = ?", (subject,)
            )
            sign_in = await transaction.fetch(
                f"DELETE FROM sage_sign_ins WHERE subject = ? RETURNING {_READ_COLUMNS}",
                (subject,),
            )
            for table in ("oauth_codes", "oauth_access_tokens", "oauth_refresh_tokens"):
                await transaction.execute(f"DELETE FROM {table} WHERE subject = ?", (subject,))
        return changed == 1, sign_in[0] if sign_in else None

    async def activity(self) -> dict[str, Activity]:
        """Each person's sign-in times and last tool call, by subject, in one statement: the
        tokens are not read (nor decrypted), only when they were issued and when they end."""
        rows = await self.database.fetch(
            "SELECT people.subject, s.signed_in_at, s.refresh_expires_at, s.access_expires_at,"
            " s.refresh_token IS NOT NULL, calls.last_at FROM people"
            " LEFT JOIN sage_sign_ins s ON s.subject = people.subject"
            " LEFT JOIN (SELECT subject, MAX(at) AS last_at FROM audit_log GROUP BY subject)"
            " calls ON calls.subject = people.subject"
        )
        found: dict[str, Activity] = {}
        for subject, signed_in_at, refresh_ends, access_ends, renewable, last_at in rows:
            held = signed_in_at is not None
            ends = (refresh_ends if renewable else access_ends) if held else None
            seen = [float(t) for t in (last_at, signed_in_at) if t is not None]
            found[str(subject)] = Activity(
                str(subject),
                float(signed_in_at) if held else None,
                None if ends is None else float(ends),
                max(seen) if seen else None,
            )
        return found

    # Sage sign-ins

    async def save_sign_in(self, subject: str, sign_in: SageSignIn) -> SageSignIn:
        """Store a new sign-in (after the person signed in through Sage ID)."""
        async with self.database.transaction() as transaction:
            return await self._write_sign_in(transaction, subject, sign_in)

    async def sign_in(self, subject: str) -> SageSignIn | None:
        rows = await self.database.fetch(
            f"SELECT {_READ_COLUMNS} FROM sage_sign_ins WHERE subject = ?", (subject,)
        )
        return self._open_sign_in(subject, rows[0]) if rows else None

    async def fresh_sign_in(
        self,
        subject: str,
        refresh: Refresher,
        *,
        rejected: SageSignIn | None = None,
        margin: float = 30.0,
    ) -> SageSignIn:
        """``subject``'s sign-in with a usable access token, refreshing at most once across
        every replica: the call to make before each request to Sage.

        The common case is one read. Only a stale token (or one Sage refused: pass it as
        ``rejected``) takes the refresh lock, and under it the row is read again: a newer
        generation means another caller refreshed while this one waited, and its token is
        used rather than spending the refresh token a second time. ``refresh`` gets the held
        sign-in and returns the new one, or None when Sage ended the sign-in (it is then
        forgotten). Raises ``NotSignedIn`` when there is no sign-in, or it was ended.
        """

        def usable(sign_in: SageSignIn) -> bool:
            newer = rejected is None or sign_in.generation > rejected.generation
            return newer and sign_in.access_valid(self.clock(), margin)

        current = await self.sign_in(subject)
        if current is None:
            raise _not_signed_in()
        if usable(current):
            return current
        async with self.refreshing(subject) as held:
            if usable(held.current):
                return held.current
            renewed = await refresh(held.current)
            if renewed is None:
                await held.forget()
                raise _not_signed_in()
            return await held.save(renewed)

    @asynccontextmanager
    async def refreshing(self, subject: str) -> AsyncIterator[HeldSignIn]:
        """Hold ``subject``'s refresh lock, across every replica, and read their sign-in under it.

        ``fresh_sign_in`` is the usual way in. Used directly, the caller looks at
        ``held.current``: if its access token is good (another replica refreshed while this
        one waited), it uses it; otherwise it refreshes with Sage and calls
        ``held.save(new)``. Sage therefore never sees a refresh token twice. Raises
        ``NotSignedIn`` when there is no sign-in to refresh.
        """
        lock = self._refresh_locks.setdefault(subject, asyncio.Lock())
        async with lock, self.database.transaction() as transaction:
            rows = await transaction.fetch(
                f"SELECT {_READ_COLUMNS} FROM sage_sign_ins WHERE subject = ?"
                + self.database.for_update,
                (subject,),
            )
            if not rows:
                raise _not_signed_in()
            yield HeldSignIn(self, transaction, subject, self._open_sign_in(subject, rows[0]))

    async def _write_sign_in(
        self, transaction: Transaction, subject: str, sign_in: SageSignIn
    ) -> SageSignIn:
        access = self.cipher.seal(sign_in.access_token, _context(subject, "access_token"))
        refresh = (
            None
            if sign_in.refresh_token is None
            else self.cipher.seal(sign_in.refresh_token, _context(subject, "refresh_token"))
        )
        rows = await transaction.fetch(
            f"INSERT INTO sage_sign_ins (subject, {_SIGN_IN_COLUMNS}, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)"
            " ON CONFLICT (subject) DO UPDATE SET key_id = excluded.key_id,"
            " access_token = excluded.access_token, refresh_token = excluded.refresh_token,"
            " access_expires_at = excluded.access_expires_at,"
            " refresh_expires_at = excluded.refresh_expires_at,"
            " signed_in_at = excluded.signed_in_at, scope = excluded.scope,"
            " generation = sage_sign_ins.generation + 1, updated_at = excluded.updated_at"
            " RETURNING generation",
            (
                subject,
                access.key_id,
                access.data,
                None if refresh is None else refresh.data,
                sign_in.access_expires_at,
                sign_in.refresh_expires_at,
                sign_in.signed_in_at,
                sign_in.scope,
                written := self.clock(),
            ),
        )
        return SageSignIn(
            **{**sign_in.__dict__, "generation": int(rows[0][0]), "obtained_at": written}
        )

    def _open_sign_in(self, subject: str, row: Row) -> SageSignIn:
        key_id = str(row[0])
        refresh = row[2]
        return SageSignIn(
            access_token=self.cipher.open(
                Sealed(key_id, bytes(row[1])), _context(subject, "access_token")
            ),
            refresh_token=None
            if refresh is None
            else self.cipher.open(
                Sealed(key_id, bytes(refresh)), _context(subject, "refresh_token")
            ),
            access_expires_at=float(row[3]),
            refresh_expires_at=float(row[4]),
            signed_in_at=float(row[5]),
            scope=str(row[6]),
            generation=int(row[7]),
            obtained_at=float(row[8]),
        )

    async def check_key(self) -> None:
        """Open one stored sign-in, so a wrong ``SAGE200_TOKEN_KEY`` is reported at start, in
        one clear sentence (a ``TokenKeyError``), not at each person's first tool call."""
        rows = await self.database.fetch(
            f"SELECT subject, {_READ_COLUMNS} FROM sage_sign_ins ORDER BY updated_at DESC LIMIT 1"
        )
        if rows:
            self._open_sign_in(str(rows[0][0]), rows[0][1:])

    async def rotate_key(self) -> int:
        """Re-seal every sign-in not under the current key; how many were. Each is re-read
        under its refresh lock, so a refresh running meanwhile is neither lost nor undone."""
        rows = await self.database.fetch(
            "SELECT subject FROM sage_sign_ins WHERE key_id <> ?", (self.cipher.current_id,)
        )
        rotated = 0
        for (subject,) in rows:
            try:
                async with self.refreshing(str(subject)) as held:
                    await held.save(held.current)
            except NotSignedIn:
                continue  # signed out meanwhile: nothing left to re-seal
            rotated += 1
        return rotated

    # the selected company

    async def select_company(self, subject: str, company: Company) -> None:
        await self.database.execute(
            "INSERT INTO selected_companies"
            " (subject, site_id, company_id, company_name, selected_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (subject) DO UPDATE SET site_id = excluded.site_id,"
            " company_id = excluded.company_id, company_name = excluded.company_name,"
            " selected_at = excluded.selected_at",
            (subject, company.site_id, company.company_id, company.name, self.clock()),
        )

    async def selected_company(self, subject: str) -> Company | None:
        rows = await self.database.fetch(
            "SELECT site_id, company_id, company_name FROM selected_companies WHERE subject = ?",
            (subject,),
        )
        return Company(str(rows[0][0]), int(rows[0][1]), rows[0][2]) if rows else None

    # MCP OAuth clients, codes and tokens

    async def register_client(self, client_id: str, metadata: dict[str, Any]) -> OAuthClient:
        now = self.clock()
        await self.database.execute(
            "INSERT INTO oauth_clients (client_id, metadata, registered_at) VALUES (?, ?, ?)"
            " ON CONFLICT (client_id) DO UPDATE SET metadata = excluded.metadata",
            (client_id, json.dumps(metadata), now),
        )
        return OAuthClient(client_id, metadata, now)

    async def client(self, client_id: str) -> OAuthClient | None:
        rows = await self.database.fetch(
            "SELECT client_id, metadata, registered_at FROM oauth_clients WHERE client_id = ?",
            (client_id,),
        )
        return OAuthClient(rows[0][0], json.loads(rows[0][1]), float(rows[0][2])) if rows else None

    async def save_code(self, code: str, issued: AuthorizationCode) -> None:
        grant = issued.grant
        await self.database.execute(
            "INSERT INTO oauth_codes (code_hash, subject, client_id, resource, scope,"
            " redirect_uri, code_challenge, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                digest(code),
                grant.subject,
                grant.client_id,
                grant.resource,
                grant.scope,
                issued.redirect_uri,
                issued.code_challenge,
                grant.expires_at,
            ),
        )

    async def take_code(self, code: str) -> AuthorizationCode | None:
        """The code's grant, once: deleted as it is read, so two redemptions (two replicas)
        cannot both succeed. None when unknown, spent or expired. Its ``family`` is fresh:
        the sign-in the code starts."""
        rows = await self.database.fetch(
            "DELETE FROM oauth_codes WHERE code_hash = ? RETURNING subject, client_id, resource,"
            " scope, expires_at, redirect_uri, code_challenge",
            (digest(code),),
        )
        if not rows or float(rows[0][4]) <= self.clock():
            return None
        row = rows[0]
        grant = Grant(row[0], row[1], row[2], row[3], float(row[4]), family=digest(code)[:32])
        return AuthorizationCode(grant, str(row[5]), str(row[6]))

    async def save_pending(self, state: str, pending: PendingAuthorization) -> None:
        await self.database.execute(
            "INSERT INTO oauth_pending (state_hash, client_id, redirect_uri, code_challenge,"
            " client_state, resource, scope, sage_verifier, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                digest(state),
                pending.client_id,
                pending.redirect_uri,
                pending.code_challenge,
                pending.client_state,
                pending.resource,
                pending.scope,
                pending.sage_verifier,
                pending.expires_at,
            ),
        )

    async def take_pending(self, state: str) -> PendingAuthorization | None:
        """The request a Sage ID callback's ``state`` answers, once (deleted as it is read, so
        a replayed callback finds nothing); None when unknown, taken or expired."""
        rows = await self.database.fetch(
            "DELETE FROM oauth_pending WHERE state_hash = ? RETURNING client_id, redirect_uri,"
            " code_challenge, client_state, resource, scope, sage_verifier, expires_at",
            (digest(state),),
        )
        if not rows or float(rows[0][7]) <= self.clock():
            return None
        row = rows[0]
        return PendingAuthorization(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            row[3],
            str(row[4]),
            str(row[5]),
            str(row[6]),
            float(row[7]),
        )

    async def save_access_token(self, token: str, grant: Grant) -> None:
        await self._save_token("oauth_access_tokens", token, grant)

    async def save_refresh_token(self, token: str, grant: Grant) -> None:
        await self._save_token("oauth_refresh_tokens", token, grant)

    async def _save_token(self, table: str, token: str, grant: Grant) -> None:
        await self.database.execute(
            f"INSERT INTO {table} (token_hash, {_GRANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                digest(token),
                grant.subject,
                grant.client_id,
                grant.resource,
                grant.scope,
                grant.expires_at,
                grant.family,
            ),
        )

    async def access_token(self, token: str) -> Grant | None:
        """The grant of an unexpired access token, else None. One indexed read: this runs on
        every MCP request."""
        rows = await self.database.fetch(
            f"SELECT {_GRANT_COLUMNS} FROM oauth_access_tokens"
            " WHERE token_hash = ? AND expires_at > ?",
            (digest(token), self.clock()),
        )
        return _grant(rows[0]) if rows else None

    async def bearer(self, token: str) -> tuple[Grant, Person] | None:
        """An unexpired access token's grant and the person it was issued to, in one indexed
        read: this runs on every MCP request, and the person's status and toolsets, which every
        call needs, come with it rather than in a read of their own."""
        rows = await self.database.fetch(
            "SELECT t.subject, t.client_id, t.resource, t.scope, t.expires_at, t.family,"
            " p.subject, p.email, p.display_name, p.status, p.toolsets, p.created_at"
            " FROM oauth_access_tokens t JOIN people p ON p.subject = t.subject"
            " WHERE t.token_hash = ? AND t.expires_at > ?",
            (digest(token), self.clock()),
        )
        return (_grant(rows[0][:6]), self._person(rows[0][6:])) if rows else None

    async def use_refresh_token(self, token: str) -> RefreshUse:
        """Spend a refresh token (rotation: the caller issues the next in the same family).
        A token spent before means it leaked, or a client raced itself: the whole family is
        revoked (RFC 9700 §4.14), and the person signs in again."""
        now = self.clock()
        async with self.database.transaction() as transaction:
            rows = await transaction.fetch(
                f"UPDATE oauth_refresh_tokens SET used_at = ? WHERE token_hash = ?"
                f" AND used_at IS NULL AND expires_at > ? RETURNING {_GRANT_COLUMNS}",
                (now, digest(token), now),
            )
            if rows:
                return RefreshUse("rotated", _grant(rows[0]))
            spent = await transaction.fetch(
                "SELECT family FROM oauth_refresh_tokens WHERE token_hash = ?"
                " AND used_at IS NOT NULL",
                (digest(token),),
            )
            if not spent:
                return RefreshUse("unknown")
            for table in ("oauth_refresh_tokens", "oauth_access_tokens"):
                await transaction.execute(f"DELETE FROM {table} WHERE family = ?", (spent[0][0],))
            return RefreshUse("reused")

    async def end_family(self, family: str) -> None:
        """Revoke every token descended from one sign-in (RFC 7009: the client signed out)."""
        async with self.database.transaction() as transaction:
            for table in ("oauth_refresh_tokens", "oauth_access_tokens"):
                await transaction.execute(f"DELETE FROM {table} WHERE family = ?", (family,))

    async def purge_expired(self) -> int:
        """Delete expired codes and tokens (a spent refresh token is kept until it expires, so
        its reuse is still recognised); how many rows went."""
        now = self.clock()
        removed = 0
        async with self.database.transaction() as transaction:
            for table in (
                "oauth_codes",
                "oauth_access_tokens",
                "oauth_refresh_tokens",
                "oauth_pending",
            ):
                removed += await transaction.execute(
                    f"DELETE FROM {table} WHERE expires_at <= ?", (now,)
                )
        return removed

    # the audit log

    async def record(self, entry: AuditEntry) -> None:
        await self.database.execute(
            "INSERT INTO audit_log (at, subject, company, tool, arguments, result_chars,"
            " duration_ms, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.at,
                entry.subject,
                entry.company,
                entry.tool,
                json.dumps(without_secrets(entry.arguments), sort_keys=True),
                entry.result_chars,
                entry.duration_ms,
                entry.outcome,
            ),
        )

    async def audit(
        self,
        *,
        after_id: int = 0,
        since: float = 0.0,
        subject: str | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """A page of the log, oldest first; page on with ``after_id`` = the last entry's id."""
        whose, params = ("", []) if subject is None else (" AND subject = ?", [subject])
        rows = await self.database.fetch(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE id > ? AND at >= ?{whose}"
            " ORDER BY id LIMIT ?",
            (after_id, since, *params, limit),
        )
        return [_audit_entry(row) for row in rows]

    async def latest_audit(
        self, limit: int, *, since: float = 0.0, subject: str | None = None
    ) -> list[AuditEntry]:
        """The ``limit`` most recent entries from ``since``, oldest first: what an admin
        looking at the log wants first, read without paging through the older ones."""
        whose, params = ("", []) if subject is None else (" AND subject = ?", [subject])
        rows = await self.database.fetch(
            f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE at >= ?{whose} ORDER BY id DESC LIMIT ?",
            (since, *params, limit),
        )
        return [_audit_entry(row) for row in reversed(rows)]

    async def audit_json_lines(
        self, *, since: float = 0.0, subject: str | None = None
    ) -> AsyncIterator[str]:
        """The whole log from ``since`` as JSON lines, read a page at a time."""
        after = 0
        while page := await self.audit(after_id=after, since=since, subject=subject):
            for entry in page:
                yield entry.json_line()
            after = page[-1].id or after

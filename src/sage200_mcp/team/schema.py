"""The team database's tables, as numbered migrations applied once each, under a lock, at start.

A runner of our own rather than Alembic or yoyo: both backends and every table fit in a few
statements, and a tool would bring SQLAlchemy (a second database layer beside the drivers) or a
service of its own. The runner holds the database's own lock (an advisory lock on PostgreSQL, the
write lock on SQLite) while it reads ``schema_version`` and applies what is missing, in the same
transaction (both databases make DDL transactional), so replicas starting together apply each
migration exactly once and a failure leaves the previous version whole.

Migrations are append-only: a released one is never edited; a change is a new number. A database
newer than this code is refused rather than used, since an older replica could misread it.

Times are Unix epoch seconds (``DOUBLE PRECISION``), as in the rest of the package. Tokens the
server issues are kept only as SHA-256 digests: they are random and long, so a plain digest
cannot be reversed, and a read of the table yields nothing that works as a token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sage200_mcp.errors import ConfigError
from sage200_mcp.team.database import Database, Dialect


@dataclass(frozen=True)
class Migration:
    version: int
    statements: tuple[str, ...]  # ``{blob}`` and ``{serial}`` become each dialect's own


_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"blob": "BLOB", "serial": "INTEGER PRIMARY KEY"},
    "postgresql": {"blob": "BYTEA", "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
}

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        (
            # a person is their Sage ID subject; toolsets NULL: the server's default set
            """CREATE TABLE people (
                subject TEXT PRIMARY KEY,
                email TEXT,
                display_name TEXT,
                status TEXT NOT NULL DEFAULT 'allowed' CHECK (status IN ('allowed', 'revoked')),
                toolsets TEXT,
                created_at DOUBLE PRECISION NOT NULL
            )""",
            # the Sage tokens, sealed (crypto.py); generation counts writes, so a caller can
            # tell that another replica refreshed while it waited
            """CREATE TABLE sage_sign_ins (
                subject TEXT PRIMARY KEY REFERENCES people (subject) ON DELETE CASCADE,
                key_id TEXT NOT NULL,
                access_token {blob} NOT NULL,
                refresh_token {blob},
                access_expires_at DOUBLE PRECISION NOT NULL,
                refresh_expires_at DOUBLE PRECISION NOT NULL,
                signed_in_at DOUBLE PRECISION NOT NULL,
                scope TEXT NOT NULL,
                generation BIGINT NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE selected_companies (
                subject TEXT PRIMARY KEY REFERENCES people (subject) ON DELETE CASCADE,
                site_id TEXT NOT NULL,
                company_id BIGINT NOT NULL,
                company_name TEXT,
                selected_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE oauth_clients (
                client_id TEXT PRIMARY KEY,
                metadata TEXT NOT NULL,
                registered_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE oauth_codes (
                code_hash TEXT PRIMARY KEY,
                subject TEXT NOT NULL REFERENCES people (subject) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                resource TEXT NOT NULL,
                scope TEXT NOT NULL,
                redirect_uri TEXT NOT NULL,
                code_challenge TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE oauth_access_tokens (
                token_hash TEXT PRIMARY KEY,
                subject TEXT NOT NULL REFERENCES people (subject) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                resource TEXT NOT NULL,
                scope TEXT NOT NULL,
                family TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )""",
            # family: every refresh token descended from one sign-in; used_at set once spent,
            # so a second use is told apart from an unknown token and ends the family
            """CREATE TABLE oauth_refresh_tokens (
                token_hash TEXT PRIMARY KEY,
                subject TEXT NOT NULL REFERENCES people (subject) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                resource TEXT NOT NULL,
                scope TEXT NOT NULL,
                family TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL,
                used_at DOUBLE PRECISION
            )""",
            "CREATE INDEX oauth_access_tokens_family ON oauth_access_tokens (family)",
            "CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens (family)",
            # no foreign key to people: the log outlives a person's removal
            """CREATE TABLE audit_log (
                id {serial},
                at DOUBLE PRECISION NOT NULL,
                subject TEXT NOT NULL,
                company TEXT,
                tool TEXT NOT NULL,
                arguments TEXT NOT NULL,
                result_chars BIGINT,
                duration_ms DOUBLE PRECISION NOT NULL,
                outcome TEXT NOT NULL
            )""",
            "CREATE INDEX audit_log_at ON audit_log (at)",
        ),
    ),
    Migration(
        2,
        (
            # an MCP client's authorization request while the person signs in at Sage ID, by
            # the digest of the state the server sent Sage: the callback may reach any replica
            """CREATE TABLE oauth_pending (
                state_hash TEXT PRIMARY KEY,
                client_id TEXT NOT NULL,
                redirect_uri TEXT NOT NULL,
                code_challenge TEXT NOT NULL,
                client_state TEXT,
                resource TEXT NOT NULL,
                scope TEXT NOT NULL,
                sage_verifier TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )""",
        ),
    ),
    Migration(
        3,
        (
            # `team audit --person` and `team users`' last call read one person's rows: with a
            # row per tool call, a scan of everyone's grows with the whole team's use
            "CREATE INDEX audit_log_subject ON audit_log (subject, id)",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version


async def migrate(database: Database) -> list[int]:
    """Apply every migration the database lacks; the versions applied (none when up to date)."""
    applied: list[int] = []
    async with database.transaction(migrating=True) as transaction:
        await transaction.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        rows = await transaction.fetch("SELECT version FROM schema_version")
        done = {int(row[0]) for row in rows}
        if max(done, default=0) > LATEST:
            raise ConfigError(
                f"The team database is at schema version {max(done)}, newer than this"
                f" sage200-mcp knows ({LATEST}): upgrade every replica to the same release."
            )
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            for statement in migration.statements:
                await transaction.execute(statement.format(**_TYPES[database.dialect]))
            await transaction.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (migration.version, time.time()),
            )
            applied.append(migration.version)
    return applied

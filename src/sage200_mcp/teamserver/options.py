"""How the team server's authorization server behaves: who may sign in, and how long what it
issues lives. Read from the environment (``SAGE200_TEAM_ALLOW``) and the command line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sage200_mcp.errors import ConfigError

ALLOW_VARIABLE = "SAGE200_TEAM_ALLOW"
DEFAULT_ACCESS_TOKEN_TTL = 900.0  # a leaked access token is good for a quarter of an hour
DEFAULT_REFRESH_TOKEN_TTL = 30 * 86400.0  # a month of no use and the person signs in again
CODE_TTL = 300.0  # RFC 6749 §4.1.2 recommends at most ten minutes
SIGN_IN_TTL = 900.0  # how long a person may take at Sage ID's sign-in page


@dataclass(frozen=True)
class AllowList:
    """The people who may sign in: exact emails, and whole email domains (``@example.com``)."""

    emails: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def parse(cls, text: str | None) -> AllowList:
        entries = [entry.lower() for entry in re.split(r"[\s,;]+", text or "") if entry]
        if not entries:
            raise ConfigError(
                f"{ALLOW_VARIABLE} is empty: name who may sign in to the team server, as"
                " emails and whole domains, e.g. SAGE200_TEAM_ALLOW='ann@example.com,@example.org'."
            )
        emails: set[str] = set()
        domains: set[str] = set()
        for entry in entries:
            local, at, domain = entry.rpartition("@")
            if not at or not domain or "." not in domain:
                raise ConfigError(
                    f"{ALLOW_VARIABLE} entry {entry!r} is neither an email nor a domain written"
                    " as @example.com."
                )
            if local:
                emails.add(entry)
            else:
                domains.add(domain)
        return cls(frozenset(emails), frozenset(domains))

    def admits(self, email: str | None) -> bool:
        if not email:
            return False
        email = email.strip().lower()
        return email in self.emails or email.rpartition("@")[2] in self.domains


@dataclass(frozen=True)
class DocumentLimits:
    """Bounds on fetching a client ID metadata document: the URL is the client's to choose, so
    the fetch must not be a way to make the server wait, read without end, or (but in tests)
    reach plain-http services."""

    max_bytes: int = 5 * 1024  # the draft's suggested ceiling
    timeout: float = 5.0
    cache_seconds: float = 3600.0
    allow_loopback_http: bool = False  # tests serve documents on http://127.0.0.1


@dataclass(frozen=True)
class TeamServerOptions:
    allow: AllowList
    access_token_ttl: float = DEFAULT_ACCESS_TOKEN_TTL
    refresh_token_ttl: float = DEFAULT_REFRESH_TOKEN_TTL
    code_ttl: float = CODE_TTL
    sign_in_ttl: float = SIGN_IN_TTL
    documents: DocumentLimits = field(default_factory=DocumentLimits)

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        access_token_ttl: float = DEFAULT_ACCESS_TOKEN_TTL,
    ) -> TeamServerOptions:
        environ = os.environ if environ is None else environ
        if not access_token_ttl > 0:
            raise ConfigError("--access-token-ttl must be a positive number of seconds.")
        return cls(AllowList.parse(environ.get(ALLOW_VARIABLE)), access_token_ttl)

"""`login`, `logout` and `status`: a profile's sign-in, from the terminal."""

from __future__ import annotations

import asyncio
import sys
import time
import webbrowser
from datetime import UTC, datetime

from sage200_mcp.auth import RENEWAL_WARNING_DAYS, open_session
from sage200_mcp.auth.errors import SignInFailed
from sage200_mcp.auth.login import (
    sign_in_with_browser,
    sign_in_with_device,
    sign_in_with_pasted_url,
)
from sage200_mcp.auth.session import saved_sign_in, why_signed_out
from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.config import Settings, read_toml
from sage200_mcp.console import err, out
from sage200_mcp.httpclient import new_http_client


def login(settings: Settings, mode: str) -> int:
    settings.require_client_id()
    settings.require_web_secret()

    async def sign_in() -> StoredTokens:
        async with new_http_client(settings.http_timeout) as http:
            session = open_session(settings, http)
            if mode == "device":
                return await sign_in_with_device(session, err)
            if mode == "paste":
                return await sign_in_with_pasted_url(session, _read_line, err)
            return await sign_in_with_browser(session, webbrowser.open, err, _read_line)

    tokens = asyncio.run(sign_in())
    out(f"Signed in as {tokens.who} (profile {settings.profile}).")
    return 0


async def _read_line(prompt: str) -> str:
    err(prompt)
    line: str = await asyncio.to_thread(sys.stdin.readline)
    if not line:
        raise SignInFailed("No address was pasted; run `sage200-mcp login` again.")
    return line


def logout(settings: Settings) -> int:
    async def sign_out() -> tuple[bool, str | None]:
        async with new_http_client(settings.http_timeout) as http:
            return await open_session(settings, http).sign_out()

    had_tokens, problem = asyncio.run(sign_out())
    if not had_tokens:
        out(f"Not signed in (profile {settings.profile}); nothing to sign out of.")
        return 0
    if problem:
        err(
            f"Could not revoke the sign-in at Sage ID ({problem}); the saved tokens are deleted"
            " anyway."
        )
    out(f"Signed out of profile {settings.profile}; the saved tokens are deleted.")
    return 0


def status(settings: Settings) -> int:
    """Who is signed in and for how long; never a token. Exit 0 when signed in, 1 when not."""
    store = TokenStore(settings.tokens_path)
    profile = read_toml(settings.profile_config_path)
    out(f"Profile:        {settings.profile}")
    setup_needed = settings.setup_problem()
    if setup_needed is not None:
        out(f"Set up:         not yet. {setup_needed}")
        return 1
    tokens = saved_sign_in(settings, store)
    if tokens is None:
        problem = why_signed_out(settings, store)
        out("Signed in:      no" + (f". {problem}" if problem.explained else ""))
        out("                run `sage200-mcp login` to sign in")
        return 1
    now = time.time()
    out(f"Signed in as:   {tokens.who}")
    out(f"Sage ID:        {settings.id_url}")
    out(f"Application:    {settings.client_id} ({settings.client_type})")
    if settings.detect_edition:
        out("Edition:        not set: found on first use (set SAGE200_EDITION to choose)")
    else:
        out(f"Edition:        {settings.edition} ({settings.api_url})")
    out(f"Company:        {describe_selection(profile)}")
    left = tokens.access_expires_at - now
    access = f"valid for {duration(left)}" if left > 0 else "expired (renewed on next use)"
    out(f"Access token:   {access}")
    renew = tokens.refresh_expires_at - now
    when = datetime.fromtimestamp(tokens.refresh_expires_at, UTC).strftime("%Y-%m-%d")
    if not tokens.refresh_token:
        out("Refresh token:  none (sign in again when the access token expires)")
    elif renew <= 0:
        out(f"Refresh token:  probably expired on {when}; run `sage200-mcp login`")
    else:
        out(f"Refresh token:  sign in again by {when} (in {duration(renew)})")
        if renew < RENEWAL_WARNING_DAYS * 86400:
            err(
                f"Warning: your Sage sign-in ends in {duration(renew)}; run `sage200-mcp login`"
                " before then to keep working without interruption."
            )
    return 0


def describe_selection(profile: dict[str, object]) -> str:
    company = profile.get("company_name") or profile.get("company_id")
    if not company:
        return "none selected (choose one with `sage200-mcp use`)"
    site = profile.get("site_name")
    return f"{company} (company {profile.get('company_id')}" + (f", site {site})" if site else ")")


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (
            f" {hours} h" if days < 3 and hours else ""
        )
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"

"""The three ways to sign in: a browser and the loopback redirect, a pasted redirect URL, and
RFC 8628 device codes. Each ends by saving the new sign-in through the Session.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from sage200_mcp.auth.errors import AccessDenied, SignInFailed
from sage200_mcp.auth.loopback import DEFAULT_TIMEOUT, LoopbackListener
from sage200_mcp.auth.oauth import DevicePending, DeviceSlowDown, Pkce, new_state
from sage200_mcp.auth.session import Session
from sage200_mcp.auth.store import StoredTokens

Notify = Callable[[str], None]


class BrowserSignIn:
    """One browser sign-in: the URL to open, and a loopback listener waiting for the redirect.

    ``start`` binds the listener (a busy port fails here, before any browser opens); ``finish``
    waits for the code, exchanges it and saves the tokens.
    """

    def __init__(self, session: Session, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.session = session
        self.timeout = timeout
        self.state = new_state()
        self.pkce = Pkce.new()
        self.url = session.sage_id.authorize_url(self.state, self.pkce)
        self.listener = LoopbackListener(session.settings.redirect_uri, self.state)

    async def start(self) -> None:
        await self.listener.start()

    async def finish(self) -> StoredTokens:
        try:
            code = await self.listener.wait(self.timeout)
        finally:
            await self.listener.close()
        response = await self.session.sage_id.exchange(code, self.pkce.verifier)
        return await self.session.save_sign_in(response)

    async def cancel(self) -> None:
        await self.listener.close()


async def sign_in_with_browser(
    session: Session,
    open_browser: Callable[[str], bool],
    notify: Notify,
    timeout: float = DEFAULT_TIMEOUT,
) -> StoredTokens:
    attempt = BrowserSignIn(session, timeout)
    await attempt.start()
    notify(
        f"Opening your browser to sign in to Sage. If it does not open, visit:\n\n  {attempt.url}\n"
    )
    # webbrowser may wait for the browser command to exit: keep it off the event loop
    opener = asyncio.create_task(asyncio.to_thread(open_browser, attempt.url))
    try:
        return await attempt.finish()
    finally:
        if not opener.done():
            opener.cancel()


def code_from_redirect(pasted: str, state: str, redirect_uri: str) -> str:
    """The code in a redirect URL pasted by a person, once its state and address are checked."""
    url = pasted.strip()
    parts, expected = urlsplit(url), urlsplit(redirect_uri)
    if not parts.query or (parts.scheme, parts.netloc, parts.path) != (
        expected.scheme,
        expected.netloc,
        expected.path,
    ):
        raise SignInFailed(
            f"That is not the address Sage ID sent you to; paste the whole URL from the browser's"
            f" address bar, starting {redirect_uri}?"
        )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if not hmac.compare_digest(query.get("state", ""), state):
        raise SignInFailed(
            "The pasted address does not carry this sign-in's state, so it was refused (it may be"
            " from an older attempt); run `sage200-mcp login --no-browser` again."
        )
    if query.get("error") == "access_denied":
        raise AccessDenied()
    if query.get("error"):
        raise SignInFailed(f"Sage ID could not sign you in ({query['error']}); try again.")
    code = query.get("code")
    if not code:
        raise SignInFailed("The pasted address has no code; paste the whole URL.")
    return code


async def sign_in_with_pasted_url(
    session: Session, read_line: Callable[[str], Awaitable[str]], notify: Notify
) -> StoredTokens:
    state, pkce = new_state(), Pkce.new()
    url = session.sage_id.authorize_url(state, pkce)
    notify(
        "Open this address in a browser on any device and sign in:\n\n"
        f"  {url}\n\n"
        "The browser then goes to an address that may not load (that is expected). Copy that"
        " whole address from its address bar and paste it here."
    )
    pasted = await read_line("Redirected URL: ")
    code = code_from_redirect(pasted, state, session.settings.redirect_uri)
    response = await session.sage_id.exchange(code, pkce.verifier)
    return await session.save_sign_in(response)


async def sign_in_with_device(
    session: Session, notify: Notify, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> StoredTokens:
    device = await session.sage_id.start_device()
    where = device.verification_uri_complete or device.verification_uri
    notify(
        f"To sign in, visit {device.verification_uri} and enter the code"
        f"\n\n  {device.user_code}\n\n"
        + (f"(or open {where})\n" if where != device.verification_uri else "")
        + "Waiting for you to approve..."
    )
    interval = max(1.0, device.interval)
    waited = 0.0
    while waited <= device.expires_in:
        await sleep(interval)
        waited += interval
        try:
            response = await session.sage_id.poll_device(device.device_code)
        except DevicePending:
            continue
        except DeviceSlowDown:
            interval += 5
            continue
        return await session.save_sign_in(response)
    raise SignInFailed(
        "The sign-in code expired before it was approved; run `sage200-mcp login --device` again."
    )

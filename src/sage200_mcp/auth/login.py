"""The ways to sign in, one ``SignInAttempt`` each time: the browser comes back to a loopback
listener (a desktop application), or the person pastes the address the browser lands on (a web
application's https redirect, or `--no-browser`); and RFC 8628 device codes where Sage ID offers
them. Each ends by saving the new sign-in through the Session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from sage200_mcp.auth.errors import AccessDenied, RedirectRefused, SignInFailed
from sage200_mcp.auth.loopback import DEFAULT_TIMEOUT, LoopbackListener, is_loopback, same_state
from sage200_mcp.auth.oauth import DevicePending, DeviceSlowDown, Pkce, new_state
from sage200_mcp.auth.session import Session
from sage200_mcp.auth.store import StoredTokens

Notify = Callable[[str], None]


class SignInAttempt:
    """One sign-in: the address to open, the ``state`` and PKCE verifier it was made with, and
    (for a loopback redirect) a listener waiting for the browser to come back.

    ``start`` binds the listener (a busy port fails here, before any browser opens) and asks
    Sage ID whether it accepts the redirect URI; then either ``wait`` for the listener or
    ``finish_pasted`` with the address the person copied, whichever comes first.
    """

    def __init__(self, session: Session, listen: bool = True) -> None:
        self.session = session
        self.redirect_uri = session.settings.sign_in_redirect()
        self.state = new_state()
        self.pkce = Pkce.new()
        self.url = session.sage_id.authorize_url(self.state, self.pkce, self.redirect_uri)
        self.listener = (
            LoopbackListener(self.redirect_uri, self.state)
            if listen and is_loopback(self.redirect_uri)
            else None
        )

    @property
    def pasted(self) -> bool:
        """Whether this sign-in ends with the person pasting the address back."""
        return self.listener is None

    async def start(self) -> None:
        if self.listener is not None:
            await self.listener.start()
        try:
            await self.session.sage_id.check_redirect_accepted(self.url, self.redirect_uri)
        except BaseException:
            await self.close()
            raise

    async def wait(self, timeout: float = DEFAULT_TIMEOUT) -> StoredTokens:
        """The sign-in, once the browser brings the code back to the listener."""
        if self.listener is None:
            raise RuntimeError("wait() needs a loopback redirect; use finish_pasted()")
        try:
            code = await self.listener.wait(timeout)
        except TimeoutError:
            raise self._nothing_arrived(timeout) from None
        finally:
            await self.listener.close()
        return await self._complete(code)

    async def finish_pasted(self, pasted: str) -> StoredTokens:
        code = code_from_redirect(pasted, self.state, self.redirect_uri)
        await self.close()
        return await self._complete(code)

    async def close(self) -> None:
        if self.listener is not None:
            await self.listener.close()

    async def _complete(self, code: str) -> StoredTokens:
        response = await self.session.sage_id.exchange(code, self.pkce.verifier, self.redirect_uri)
        return await self.session.save_sign_in(response)

    def _nothing_arrived(self, timeout: float) -> Exception:
        settings = self.session.settings
        if settings.client_type == "web":  # a web application cannot register an http address
            return RedirectRefused(
                self.redirect_uri,
                "web",
                f"no sign-in came back within {timeout / 60:.0f} minutes",
            )
        return SignInFailed(
            f"No sign-in arrived within {timeout / 60:.0f} minutes. If the browser showed"
            f" 'Callback URL mismatch', Sage ID refused the redirect URI {self.redirect_uri}:"
            " register exactly that address for your application, or set"
            " SAGE200_REDIRECT_URI to the one registered. Otherwise run `sage200-mcp login`"
            " again when you are ready."
        )


def paste_instructions(attempt: SignInAttempt) -> str:
    """What to tell a person whose browser will land on an address nobody here listens to."""
    return (
        f"After you sign in, the browser goes to {attempt.redirect_uri}?code=... . That page"
        " may not load or may show an error; that is expected. Copy the whole address from the"
        " browser's address bar"
    )


async def sign_in_with_browser(
    session: Session,
    open_browser: Callable[[str], bool],
    notify: Notify,
    read_line: Callable[[str], Awaitable[str]],
    timeout: float = DEFAULT_TIMEOUT,
) -> StoredTokens:
    """Open the browser; the sign-in comes back to the listener, or (a web application's https
    redirect) the person pastes the address the browser lands on."""
    attempt = SignInAttempt(session)
    await attempt.start()
    try:
        notify(
            "Opening your browser to sign in to Sage. If it does not open, visit:\n\n"
            f"  {attempt.url}\n"
        )
        # webbrowser may wait for the browser command to exit: keep it off the event loop
        opener = asyncio.create_task(asyncio.to_thread(open_browser, attempt.url))
        try:
            if not attempt.pasted:
                return await attempt.wait(timeout)
            notify(paste_instructions(attempt) + " and paste it here.")
            return await attempt.finish_pasted(await read_line("Address: "))
        finally:
            if not opener.done():
                opener.cancel()
    finally:
        await attempt.close()


async def sign_in_with_pasted_url(
    session: Session, read_line: Callable[[str], Awaitable[str]], notify: Notify
) -> StoredTokens:
    attempt = SignInAttempt(session, listen=False)
    await attempt.start()
    notify(
        "Open this address in a browser on any device and sign in:\n\n"
        f"  {attempt.url}\n\n" + paste_instructions(attempt) + " and paste it here."
    )
    return await attempt.finish_pasted(await read_line("Address: "))


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
            "That is not the address Sage ID sent you to; paste the whole address from the"
            f" browser's address bar, starting {redirect_uri}?"
        )
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if not same_state(query.get("state", ""), state):
        raise SignInFailed(
            "The pasted address does not carry this sign-in's state, so it was refused (it may be"
            " from an older attempt); start the sign-in again."
        )
    if query.get("error") == "access_denied":
        raise AccessDenied()
    if query.get("error"):
        raise SignInFailed(f"Sage ID could not sign you in ({query['error']}); try again.")
    code = query.get("code")
    if not code:
        raise SignInFailed("The pasted address has no code; paste the whole address.")
    return code


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

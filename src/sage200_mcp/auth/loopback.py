"""A one-shot listener for the OAuth redirect on the redirect URI's loopback host and port.

It answers the browser with a short page, accepts exactly one matching redirect, and stops the
sign-in at once if the ``state`` does not match (a forged or stale redirect). Other paths (a
browser asking for /favicon.ico) get a 404 and the listener keeps waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import ipaddress
from html import escape
from urllib.parse import parse_qs, urlsplit

from sage200_mcp.auth.errors import AccessDenied, AuthError, SignInFailed

DEFAULT_TIMEOUT = 300.0
_MAX_REQUEST = 16_384


def loopback_host(redirect_uri: str) -> tuple[str, int, str]:
    """(host to bind, port, path) of a loopback redirect URI, or a SignInFailed saying why not."""
    parts = urlsplit(redirect_uri)
    host = parts.hostname or ""
    loopback = host == "localhost"
    with contextlib.suppress(ValueError):
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    if parts.scheme != "http" or not loopback:
        raise SignInFailed(
            f"The redirect URI {redirect_uri} is not an http loopback address (localhost,"
            " 127.0.0.1 or [::1]), so this computer cannot receive the sign-in. Use"
            " `sage200-mcp login --no-browser` to paste the redirect instead, or set"
            " SAGE200_REDIRECT_URI to a loopback URI registered with Sage."
        )
    port = parts.port or 80
    bind = "127.0.0.1" if host == "localhost" else host
    return bind, port, parts.path or "/"


class LoopbackListener:
    def __init__(self, redirect_uri: str, state: str, app_name: str = "sage200-mcp") -> None:
        self.redirect_uri = redirect_uri
        self.state = state
        self.app_name = app_name
        self.host, self.port, self.path = loopback_host(redirect_uri)
        self._result: asyncio.Future[str] | None = None
        self._servers: list[asyncio.Server] = []

    async def start(self) -> None:
        """Bind now, so a busy port is reported before a browser is opened."""
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._servers.append(await asyncio.start_server(self._serve, self.host, self.port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                raise SignInFailed(
                    f"Port {self.port} on {self.host} is already in use, so the sign-in redirect"
                    f" cannot be received. Close whatever uses port {self.port} (another sign-in"
                    " still waiting?), or set SAGE200_REDIRECT_URI to another loopback port"
                    " registered with Sage."
                ) from None
            raise
        if self.redirect_uri.startswith("http://localhost"):
            # browsers may try ::1 first for localhost; listen there too when the system can
            with contextlib.suppress(OSError):
                self._servers.append(await asyncio.start_server(self._serve, "::1", self.port))

    async def wait(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """The authorization code, once the browser brings it back."""
        assert self._result is not None, "start() first"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            raise SignInFailed(
                f"No sign-in arrived within {timeout / 60:.0f} minutes; run `sage200-mcp login`"
                " again when you are ready."
            ) from None

    async def close(self) -> None:
        for server in self._servers:
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()
        self._servers.clear()
        if self._result is not None:
            if self._result.done():
                if not self._result.cancelled():
                    self._result.exception()  # mark any failure as seen
            else:
                self._result.cancel()

    async def __aenter__(self) -> LoopbackListener:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one HTTP request ------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        status, body = self._respond(head[:_MAX_REQUEST].decode("latin-1"))
        payload = body.encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n".encode()
            + payload
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    def _respond(self, head: str) -> tuple[str, str]:
        request_line = head.split("\r\n", 1)[0].split(" ")
        if len(request_line) != 3 or request_line[0] != "GET":
            return "405 Method Not Allowed", _page("Not here", "This address only takes sign-ins.")
        target = urlsplit(request_line[1])
        if target.path != self.path or self._result is None or self._result.done():
            return "404 Not Found", _page("Not found", "Nothing here.")
        query = {k: v[0] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
        if not hmac.compare_digest(query.get("state", ""), self.state):
            self._result.set_exception(
                SignInFailed(
                    "The sign-in response did not carry the state this sign-in sent, so it was"
                    " refused (it may be forged or from an older attempt); run `sage200-mcp login`"
                    " again."
                )
            )
            return "400 Bad Request", _page(
                "Sign-in refused", "This response does not match the sign-in in progress."
            )
        error = query.get("error")
        if error:
            detail = query.get("error_description") or "no detail"
            failure: AuthError = (
                AccessDenied()
                if error == "access_denied"
                else SignInFailed(
                    f"Sage ID could not sign you in ({error}: {detail}); sign in again."
                )
            )
            self._result.set_exception(failure)
            return "200 OK", _page(
                "Sign-in cancelled",
                f"No access was granted to {self.app_name}. You can close this tab.",
            )
        code = query.get("code")
        if not code:
            return "400 Bad Request", _page("Sign-in incomplete", "The response has no code.")
        self._result.set_result(code)
        return "200 OK", _page(
            "Signed in",
            f"You are signed in to Sage. You can close this tab and return to {self.app_name}.",
        )


def _page(title: str, message: str) -> str:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>"
        f'{escape(title)}</title><body style="font-family:system-ui,sans-serif;margin:4rem auto;'
        f'max-width:32rem"><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>'
    )

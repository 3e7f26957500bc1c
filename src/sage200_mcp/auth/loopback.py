"""A one-shot listener for the OAuth redirect on the redirect URI's loopback host and port.

It answers the browser with a short page and accepts exactly one redirect: on the registered
path, carrying the ``state`` this sign-in sent. Anything else (a browser asking for /favicon.ico,
a stale tab's redirect, a forged one) is answered, logged and otherwise ignored, so a stray
request can neither complete nor end the sign-in. For ``localhost`` it listens on both 127.0.0.1
and ::1, since a browser may resolve the name to either.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import ipaddress
import logging
from html import escape
from urllib.parse import parse_qs, urlsplit

from sage200_mcp.auth.errors import AccessDenied, AuthError, SignInFailed

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 300.0
_MAX_REQUEST = 16_384
# binding ::1 fails with these where the machine has no IPv6: then 127.0.0.1 alone is right
_NO_IPV6 = (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)


def is_loopback(redirect_uri: str) -> bool:
    """Whether the browser's redirect to this URI comes back to this computer, over http."""
    parts = urlsplit(redirect_uri)
    host = parts.hostname or ""
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def loopback_addresses(redirect_uri: str) -> tuple[list[str], int, str]:
    """(addresses to bind, port, path) of a loopback redirect URI, or a SignInFailed."""
    if not is_loopback(redirect_uri):
        raise SignInFailed(
            f"The redirect URI {redirect_uri} is not an http loopback address (localhost,"
            " 127.0.0.1 or [::1]), so this computer cannot receive the sign-in. Use"
            " `sage200-mcp login --no-browser` to paste the redirect instead, or set"
            " SAGE200_REDIRECT_URI to a loopback URI registered with Sage."
        )
    parts = urlsplit(redirect_uri)
    host = parts.hostname or ""
    addresses = ["127.0.0.1", "::1"] if host == "localhost" else [host]
    return addresses, parts.port or 80, parts.path or "/"


def same_state(received: str, sent: str) -> bool:
    """Constant-time, and as bytes: ``compare_digest`` raises on a non-ASCII ``str``."""
    return hmac.compare_digest(received.encode("utf-8", "replace"), sent.encode("utf-8"))


class LoopbackListener:
    def __init__(self, redirect_uri: str, state: str, app_name: str = "sage200-mcp") -> None:
        self.redirect_uri = redirect_uri
        self.state = state
        self.app_name = app_name
        self.addresses, self.port, self.path = loopback_addresses(redirect_uri)
        self._result: asyncio.Future[str] | None = None
        self._servers: list[asyncio.Server] = []
        # open browser connections and their handlers: a browser keeps spare connections open,
        # and a handler still waiting on one when the sign-in ends must be ended, not cancelled
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def start(self) -> None:
        """Bind now, so a busy port is reported before a browser is opened."""
        self._result = asyncio.get_running_loop().create_future()
        for address in self.addresses:
            try:
                self._servers.append(await asyncio.start_server(self._serve, address, self.port))
            except OSError as error:
                if address == "::1" and len(self.addresses) > 1 and error.errno in _NO_IPV6:
                    continue
                await self.close()
                if error.errno in (errno.EADDRINUSE, errno.EACCES):
                    raise SignInFailed(
                        f"Port {self.port} on {address} is already in use, so the sign-in"
                        f" redirect cannot be received. Close whatever uses port {self.port}"
                        " (another sign-in still waiting?), or set SAGE200_REDIRECT_URI to"
                        " another loopback port registered with Sage."
                    ) from None
                raise SignInFailed(
                    f"Cannot listen on {address} port {self.port} for the sign-in redirect"
                    f" ({error.strerror or error}); use `sage200-mcp login --no-browser`."
                ) from None

    async def wait(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """The authorization code, once the browser brings it back (TimeoutError if not)."""
        if self._result is None:
            raise RuntimeError("start() the listener before waiting on it")
        return await asyncio.wait_for(asyncio.shield(self._result), timeout)

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for writer in self._connections.values():
            writer.close()  # a handler waiting on it reads the end, and returns
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)
        for server in self._servers:
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
        handler = asyncio.current_task()  # asyncio.start_server runs each in a task of its own
        if handler is not None:
            self._connections[handler] = writer
        try:
            await self._answer(reader, writer)
        finally:
            self._connections.pop(handler, None)  # type: ignore[arg-type]

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
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
        if not same_state(query.get("state", ""), self.state):
            # a stale tab or a forgery: refuse it, but keep waiting for the real one
            log.warning("Ignored a redirect to the sign-in listener that carried another state.")
            return "400 Bad Request", _page(
                "Sign-in refused",
                "This response does not match the sign-in in progress (it may be from an older"
                " attempt). Finish the sign-in in the tab that was opened for it.",
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

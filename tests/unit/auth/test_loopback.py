"""The loopback listener, on real 127.0.0.1 and ::1 sockets, driven by plain HTTP requests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from sage200_mcp.auth.errors import AccessDenied, SignInFailed
from sage200_mcp.auth.login import code_from_redirect
from sage200_mcp.auth.loopback import LoopbackListener, loopback_addresses
from tests.helpers import free_port

pytestmark = pytest.mark.anyio


@pytest.fixture
async def listener() -> AsyncIterator[LoopbackListener]:
    listener = LoopbackListener(f"http://127.0.0.1:{free_port()}/callback", "expected-state")
    await listener.start()
    yield listener
    await listener.close()


async def visit(listener: LoopbackListener, path: str, host: str = "127.0.0.1") -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(f"http://{host}:{listener.port}{path}")


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def test_the_code_comes_back_and_the_browser_is_told(listener: LoopbackListener) -> None:
    waiter = asyncio.create_task(listener.wait(5))
    page = await visit(listener, "/callback?code=the-code&state=expected-state")
    assert page.status_code == 200 and "signed in" in page.text.lower()
    assert "the-code" not in page.text
    assert await waiter == "the-code"


async def test_other_paths_are_404_and_the_wait_goes_on(listener: LoopbackListener) -> None:
    waiter = asyncio.create_task(listener.wait(5))
    assert (await visit(listener, "/favicon.ico")).status_code == 404
    assert (await visit(listener, "/callback/extra?code=x&state=expected-state")).status_code == 404
    assert not waiter.done()
    await visit(listener, "/callback?code=c&state=expected-state")
    assert await waiter == "c"


@pytest.mark.parametrize(
    "query", ["code=c&state=forged", "code=c", "code=c&state=", "code=c&state=%C3%A9t%C3%A9"]
)
async def test_a_stray_redirect_is_refused_and_the_real_one_still_lands(
    listener: LoopbackListener, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    waiter = asyncio.create_task(listener.wait(5))
    page = await visit(listener, f"/callback?{query}")
    assert page.status_code == 400 and "does not match" in page.text
    assert "another state" in caplog.text
    await asyncio.sleep(0.05)
    assert not waiter.done()  # a stale tab or a forgery neither ends nor completes the sign-in
    real = await visit(listener, "/callback?code=real&state=expected-state")
    assert real.status_code == 200 and await waiter == "real"
    late = await visit(listener, "/callback?code=c&state=expected-state")
    assert late.status_code == 404  # nothing more is accepted


async def test_access_denied_and_other_errors(listener: LoopbackListener) -> None:
    waiter = asyncio.create_task(listener.wait(5))
    page = await visit(listener, "/callback?error=access_denied&state=expected-state")
    assert "cancelled" in page.text.lower()
    with pytest.raises(AccessDenied):
        await waiter
    other = LoopbackListener(f"http://127.0.0.1:{free_port()}/cb", "s")
    async with other:
        waiter = asyncio.create_task(other.wait(5))
        await visit(other, "/cb?error=server_error&error_description=Oops&state=s")
        with pytest.raises(SignInFailed, match="Oops"):
            await waiter


async def test_waiting_times_out(listener: LoopbackListener) -> None:
    with pytest.raises(TimeoutError):
        await listener.wait(0.1)


async def test_localhost_is_heard_on_both_loopback_addresses() -> None:
    """Where the machine has no IPv6, 127.0.0.1 alone is heard, and that is no failure."""
    hosts = ["127.0.0.1", "[::1]"] if ipv6_loopback() else ["127.0.0.1"]
    for host in hosts:
        listener = LoopbackListener(f"http://localhost:{free_port()}/callback", "s")
        async with listener:
            assert len(listener._servers) == len(hosts)
            waiter = asyncio.create_task(listener.wait(5))
            page = await visit(listener, "/callback?code=c&state=s", host=host)
            assert page.status_code == 200 and await waiter == "c"


async def test_a_port_busy_on_either_address_is_named_with_the_setting_to_change() -> None:
    families = [(socket.AF_INET, "127.0.0.1")]
    if ipv6_loopback():
        families.append((socket.AF_INET6, "::1"))
    for kind, address in families:
        with socket.socket(kind) as busy:
            busy.bind((address, free_port()))
            busy.listen()
            port = busy.getsockname()[1]
            listener = LoopbackListener(f"http://localhost:{port}/callback", "s")
            with pytest.raises(SignInFailed) as raised:
                await listener.start()
        message = str(raised.value)
        assert f"Port {port} on {address}" in message and "SAGE200_REDIRECT_URI" in message
        with socket.socket() as free_again:  # nothing was left bound by the half-started one
            free_again.bind(("127.0.0.1", port))


@pytest.mark.parametrize(
    "uri",
    [
        "https://localhost:8765/callback",
        "http://example.com/callback",
        "http://10.0.0.5:8765/callback",
        "http://192.168.1.2/cb",
    ],
)
def test_only_http_loopback_redirects_can_be_listened_for(uri: str) -> None:
    with pytest.raises(SignInFailed, match="--no-browser"):
        loopback_addresses(uri)


def test_loopback_forms_are_understood() -> None:
    assert loopback_addresses("http://localhost:8765/callback") == (
        ["127.0.0.1", "::1"],
        8765,
        "/callback",
    )
    assert loopback_addresses("http://127.0.0.1:9000/cb") == (["127.0.0.1"], 9000, "/cb")
    assert loopback_addresses("http://[::1]:9000/") == (["::1"], 9000, "/")


REDIRECT = "http://localhost:8765/callback"


def test_a_pasted_redirect_gives_its_code_once_checked() -> None:
    assert code_from_redirect(f"  {REDIRECT}?code=abc&state=s1\n", "s1", REDIRECT) == "abc"
    with pytest.raises(SignInFailed, match="state"):
        code_from_redirect(f"{REDIRECT}?code=abc&state=s2", "s1", REDIRECT)
    with pytest.raises(SignInFailed, match="state"):
        code_from_redirect(f"{REDIRECT}?code=abc&state=%C3%A9", "s1", REDIRECT)
    with pytest.raises(SignInFailed, match="not the address"):
        code_from_redirect("https://evil.example/callback?code=abc&state=s1", "s1", REDIRECT)
    with pytest.raises(SignInFailed, match="not the address"):
        code_from_redirect("abc", "s1", REDIRECT)
    with pytest.raises(AccessDenied):
        code_from_redirect(f"{REDIRECT}?error=access_denied&state=s1", "s1", REDIRECT)
    with pytest.raises(SignInFailed, match="no code"):
        code_from_redirect(f"{REDIRECT}?state=s1", "s1", REDIRECT)


async def test_a_spare_browser_connection_is_ended_with_the_listener() -> None:
    """Browsers open spare connections; one still idle when the sign-in ends must be closed by
    the listener, not left to a handler that the end of the program would cancel (which
    Python 3.11 reports with a traceback)."""
    listener = LoopbackListener(f"http://127.0.0.1:{free_port()}/callback", "s")
    await listener.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    waiter = asyncio.create_task(listener.wait(5))
    await visit(listener, "/callback?code=c&state=s")
    assert await waiter == "c"
    await listener.close()
    assert await asyncio.wait_for(reader.read(), 2) == b""  # the listener hung up
    writer.close()

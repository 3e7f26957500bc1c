"""The listening socket: connections accepted on it have Nagle off, and a busy port is a plain
error (bench/ figure 2 once showed every kept-alive request waiting 40 ms without this)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from sage200_mcp.errors import Sage200Error
from sage200_mcp.listener import tcp_listener


@pytest.mark.anyio
async def test_accepted_connections_have_nagle_off() -> None:
    listener = tcp_listener("127.0.0.1", 0)
    accepted: asyncio.Future[asyncio.StreamWriter] = asyncio.get_running_loop().create_future()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set_result(writer)

    server = await asyncio.start_server(on_connect, sock=listener)
    async with server:
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        server_side = await asyncio.wait_for(accepted, 10)
        connection = server_side.get_extra_info("socket")
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        server_side.close()
        writer.close()


def test_a_busy_port_is_a_plain_error() -> None:
    first = tcp_listener("127.0.0.1", 0)
    first.listen()
    port = first.getsockname()[1]
    try:
        with pytest.raises(Sage200Error, match=f"Port {port} is already in use"):
            tcp_listener("127.0.0.1", port)
    finally:
        first.close()

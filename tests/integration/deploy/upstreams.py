"""Tiny HTTP servers on 127.0.0.1 standing in for the team server's replicas behind nginx: each
says who it is, and can play a replica that dies mid-request or streams server-sent events."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FIRST_EVENT = b"event: message\ndata: first\n\n"
LAST_EVENT = b"event: message\ndata: last\n\n"
RELEASE_TIMEOUT = 3.0  # how long the stream waits for the client to have read its first event


class Upstream(ThreadingHTTPServer):
    """A server that counts the requests it read, answering as its handler says."""

    daemon_threads = True

    def __init__(self, name: str, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.name = name
        self.requests = 0
        self.lock = threading.Lock()
        # the stream's: set by the test once it has read the first event
        self.released = threading.Event()
        self.released_in_time: bool | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def count(self) -> None:
        with self.lock:
            self.requests += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as nginx's upstream keepalive uses it
    server: Upstream

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test reads what it needs from the server's counters."""

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class Echo(_Handler):
    """Answers every request with its own name and what it received."""

    def answer(self) -> None:
        body = self.read_body()
        self.server.count()
        document = {
            "upstream": self.server.name,
            "method": self.command,
            "body": body.decode(),
            "headers": {name.lower(): value for name, value in self.headers.items()},
        }
        data = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = answer


class Dying(_Handler):
    """Reads the whole request, then closes the connection unanswered: a replica that crashed
    or was stopped while working on it."""

    def answer(self) -> None:
        self.read_body()
        self.server.count()
        self.close_connection = True

    do_GET = do_POST = answer


class Streaming(_Handler):
    """An MCP answer as server-sent events: the first event, then (once the client says it has
    it, or after RELEASE_TIMEOUT) the last. It sends no ``X-Accel-Buffering`` header, so only
    nginx's own configuration decides whether the stream is buffered."""

    def answer(self) -> None:
        self.read_body()
        self.server.count()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(FIRST_EVENT)
        self.wfile.flush()
        self.server.released_in_time = self.server.released.wait(RELEASE_TIMEOUT)
        self.wfile.write(LAST_EVENT)
        self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = answer


@contextlib.contextmanager
def serving(name: str, handler: type[BaseHTTPRequestHandler] = Echo) -> Iterator[Upstream]:
    server = Upstream(name, handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.released.set()  # a stream still waiting ends now
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

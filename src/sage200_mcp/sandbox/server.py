"""Serving the sandbox over real HTTP: in a background thread (tests, demo) or in the foreground."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn

from sage200_mcp.listener import tcp_listener
from sage200_mcp.sandbox.app import Sandbox


class SandboxServer:
    """A sandbox on a real socket, bound at construction (so a busy port fails at once).

    ``start`` serves on a background thread (a context manager does the same), ``run`` in the
    foreground. ``port=0`` picks a free port; ``url`` says which. ``own_logging=False`` leaves
    the process's logging alone: uvicorn would otherwise give its loggers handlers of their
    own, bypassing those of a server the sandbox runs inside (and its limit on log lines).
    """

    def __init__(
        self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, *, own_logging: bool = True
    ) -> None:
        self.sandbox = sandbox
        self._socket = tcp_listener(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            sandbox.app,
            log_config=uvicorn.config.LOGGING_CONFIG if own_logging else None,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="sandbox-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def run(self) -> None:
        """Serve in the foreground until interrupted."""
        try:
            self._run()
        finally:
            self._socket.close()

    def start(self) -> SandboxServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox HTTP server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

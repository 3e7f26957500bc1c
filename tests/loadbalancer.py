"""nginx in front of servers on 127.0.0.1, configured from deploy/nginx.conf.template: the load
balancer deploy/compose.yaml runs, started by the tests as Debian's /usr/sbin/nginx.

The template is rendered as the container renders it (envsubst of the ``${NGINX_*}``
placeholders alone) into a fresh directory that also holds the pid file, the temporary files and
the error log. nginx runs in the foreground as an unprivileged user (``nobody`` when the tests
run as root, as CI does), as it runs in the container. Locally, a machine without nginx skips
these tests; in CI (``CI`` set) a missing nginx is a failure, never a silent skip.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import free_port, terminate

NGINX = os.environ.get("SAGE200_TEST_NGINX", "/usr/sbin/nginx")
DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
TEMPLATE = DEPLOY / "nginx.conf.template"
PLACEHOLDER = re.compile(r"\$\{(NGINX_[A-Z_]+)\}")
UNPRIVILEGED = "nobody"
START_TIMEOUT = 10.0


def require_nginx() -> str:
    """The nginx binary, or a skip (locally) / failure (in CI) saying why it is missing."""
    if not os.access(NGINX, os.X_OK):
        reason = f"nginx is not installed ({NGINX})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install it (apt-get install -y nginx-light)")
        pytest.skip(reason)
    return NGINX


def _unprivileged() -> dict[str, Any]:
    """Popen's arguments to drop root, as CI runs the tests; none for anyone else. Not through
    ``runuser``: it would stand between the test and nginx, and hold every stop two seconds."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam(UNPRIVILEGED)
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def render(values: Mapping[str, str], template: str | None = None) -> str:
    """The template with each ``${NGINX_*}`` replaced, as ``envsubst '$NGINX_…'`` would. A
    placeholder without a value, or a value for no placeholder, is a mistake in the caller or the
    template, so both raise rather than leave nginx to fail on ``${…}`` later."""
    text = TEMPLATE.read_text() if template is None else template
    wanted = placeholders(text)
    if wanted != set(values):
        raise ValueError(
            f"placeholders {sorted(wanted)} but values for {sorted(values)}: they must match"
        )
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def upstreams(ports: Sequence[int]) -> str:
    return " ".join(f"server 127.0.0.1:{port};" for port in ports)


class LoadBalancer:
    """A rendered configuration in ``directory``; ``port`` once started."""

    def __init__(
        self, directory: Path, upstream_ports: Sequence[int], port: int, *, tls: bool = False
    ) -> None:
        self.directory = directory
        self.port = port
        self.scheme = "https" if tls else "http"
        self.config = directory / "nginx.conf"
        self.error_log_path = directory / "error.log"
        # deploy/nginx.d as the container mounts it: *.conf here are read in the server block
        self.include_dir = directory / "server.d"
        self.include_dir.mkdir()
        self.process: subprocess.Popen[bytes] | None = None
        self.config.write_text(
            render(
                {
                    "NGINX_LISTEN": f"127.0.0.1:{port}{' ssl' if tls else ''}",
                    "NGINX_UPSTREAMS": upstreams(upstream_ports),
                    "NGINX_RUNTIME": str(directory),
                    "NGINX_ERROR_LOG": str(self.error_log_path),
                    "NGINX_ACCESS_LOG": "off",
                    "NGINX_INCLUDE": str(self.include_dir / "*.conf"),
                }
            )
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def command(self, *extra: str) -> list[str]:
        # -e: the log nginx writes to before it has read error_log (Debian's default, stderr)
        return [
            require_nginx(),
            "-p",
            str(self.directory),
            "-c",
            str(self.config),
            "-e",
            str(self.error_log_path),
            *extra,
        ]

    def check(self) -> subprocess.CompletedProcess[str]:
        """``nginx -t``: whether nginx accepts the configuration (its verdict on stderr)."""
        return subprocess.run(
            self.command("-t"), capture_output=True, text=True, check=False, **_unprivileged()
        )

    def error_log(self) -> str:
        try:
            return self.error_log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **_unprivileged()
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited at start:\n{self.error_log()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return
            time.sleep(0.02)
        raise RuntimeError(f"nginx did not listen within {START_TIMEOUT} s:\n{self.error_log()}")

    def stop(self) -> None:
        """A fast shutdown (SIGTERM: open connections are closed, not waited for)."""
        terminate(self.process)


@contextlib.contextmanager
def configured(upstream_ports: Sequence[int], *, tls: bool = False) -> Iterator[LoadBalancer]:
    """The configuration for ``upstream_ports``, rendered in a fresh directory, not started
    (with ``tls``, it listens with ``ssl``: put the certificate's directives in ``include_dir``)."""
    require_nginx()
    directory = Path(tempfile.mkdtemp(prefix="sage200-nginx-"))
    if os.geteuid() == 0:
        shutil.chown(directory, UNPRIVILEGED)
    try:
        yield LoadBalancer(directory, upstream_ports, free_port(), tls=tls)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def load_balancer(upstream_ports: Sequence[int]) -> Iterator[LoadBalancer]:
    """nginx listening on a free port of 127.0.0.1, in front of ``upstream_ports``."""
    with configured(upstream_ports) as balancer:
        balancer.start()
        try:
            yield balancer
        finally:
            balancer.stop()

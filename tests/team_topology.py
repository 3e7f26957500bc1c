"""A team deployment without containers, as deploy/compose.yaml runs it: PostgreSQL, replicas
that are real `sage200-mcp serve --transport http --team` processes, Debian's nginx round-robin in
front (deploy/nginx.conf.template), and the sandbox as Sage ID and the Sage 200 API.

Used by the acceptance test and the bench. Each replica has its own config directory, as each
container has its own file system: everything they share goes through the database.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sage200_mcp.sandbox.server import SandboxServer
from tests.helpers import CLIENT_ID, PRO, TODAY, free_port, terminate
from tests.loadbalancer import LoadBalancer, configured

KEY = base64.b64encode(b"k" * 32).decode()
# the sandbox's people, and their passwords
PEOPLE = {"demo@example.com": "demo", "single@example.com": "single", "pat@example.com": "pat"}
READY_TIMEOUT = 60.0
READY_PATH = "/.well-known/oauth-protected-resource/mcp"


class Replica:
    """One `serve --team` process on 127.0.0.1:``port``; its stderr kept in ``log_path``."""

    def __init__(
        self, name: str, port: int, command: Sequence[str], environ: Mapping[str, str], log: Path
    ) -> None:
        self.name = name
        self.port = port
        self.command = list(command)
        self.environ = dict(environ)
        self.log_path = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.environ, stdout=subprocess.DEVNULL, stderr=log
            )

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}{READY_PATH}", timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} was not ready within {timeout} s:\n{self.log()}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the replica dies mid-request, as a crashed machine's would."""
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        terminate(self.process)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class Team:
    """The deployment: reach it at ``url`` (the balancer), as clients do."""

    sandbox: SandboxServer
    balancer: LoadBalancer
    replicas: list[Replica]
    environ: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.balancer.url

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def logs(self) -> str:
        return "\n".join(f"--- {r.name}\n{r.log()}" for r in self.replicas)


def replica_environ(
    sandbox_url: str, database_url: str, config_dir: Path, allow: str = ",".join(PEOPLE)
) -> dict[str, str]:
    """What a replica's container would be given (deploy/.env.example), for the sandbox."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SAGE200_")}
    return {
        **inherited,
        "SAGE200_CONFIG_DIR": str(config_dir),
        "SAGE200_DATABASE_URL": database_url,
        "SAGE200_TOKEN_KEY": KEY,
        "SAGE200_TEAM_ALLOW": allow,
        "SAGE200_CLIENT_ID": CLIENT_ID,
        "SAGE200_ID_URL": sandbox_url,
        "SAGE200_API_URL": sandbox_url + PRO,
        "SAGE200_TODAY": TODAY,
        "SAGE200_NO_BROWSER": "1",
        "PYTHONUNBUFFERED": "1",
    }


def serve_command(port: int, public_url: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sage200_mcp",
        "serve",
        "--transport",
        "http",
        "--team",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--public-url",
        public_url,
        *extra,
    ]


@contextlib.contextmanager
def team_deployment(
    directory: Path,
    sandbox: SandboxServer,
    database_url: str,
    *,
    replicas: int = 3,
    serve_args: Sequence[str] = (),
) -> Iterator[Team]:
    """``replicas`` team servers behind nginx, sharing ``database_url``, signing people in at
    ``sandbox``. The replicas start together (the first migrates the schema, the others wait
    on its lock) and the balancer once they all answer."""
    ports = [free_port() for _ in range(replicas)]
    with configured(ports) as balancer:
        sandbox.sandbox.identity.add_redirect_uri(f"{balancer.url}/sage/callback")
        team = Team(sandbox, balancer, [])
        for index, port in enumerate(ports, start=1):
            home = directory / f"replica{index}"
            home.mkdir(parents=True, exist_ok=True)
            environ = replica_environ(sandbox.url, database_url, home)
            team.environ = environ
            team.replicas.append(
                Replica(
                    f"replica{index}",
                    port,
                    serve_command(port, balancer.url, *serve_args),
                    environ,
                    directory / f"replica{index}.log",
                )
            )
        try:
            for replica in team.replicas:
                replica.start()
            for replica in team.replicas:
                replica.wait_ready()
            balancer.start()
            yield team
        finally:
            balancer.stop()
            for replica in team.replicas:
                replica.stop()

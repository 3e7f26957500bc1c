"""Team mode under load: the deployment deploy/compose.yaml runs (PostgreSQL, `serve --team`
replicas, nginx round-robin in front, the sandbox as Sage ID and the API), without containers.

    python -m bench.team            # both tables, about three minutes on two cores
    python -m bench.team --quick    # fewer calls, one round: checks the bench still works

Two tables. Through the balancer: the same fixed load (three people, each with 16 calls in
flight, a mix of list_customers(limit=5) and get_customer, after each has chosen a company of
theirs) with one replica and then with three, turn about, each round a fresh deployment on a
fresh database of the same PostgreSQL server (so no round inherits another's audit rows or
warm caches); calls/s and p50/p99 latency of the best round of each, and their ratio. And the
database statements (BEGIN and COMMIT included: each a round trip to PostgreSQL) a tool call
costs one replica, by kind of call, read from its store's counter.

Every process is started here and stopped here, on 127.0.0.1 only. The harness is the tests'
(tests.team_topology, tests.postgres, tests.loadbalancer, tests.integration.teamserver.conftest),
imported on purpose: the bench measures the very deployment the acceptance test runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import itertools
import json
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from tests.helpers import CLIENT_ID, PRO, TODAY
from tests.integration.teamserver.conftest import register
from tests.loadbalancer import NGINX
from tests.postgres import PostgresServer, postgres_server
from tests.team_topology import KEY, PEOPLE, Team, team_deployment

from sage200_mcp.commands.team_serve import team_app
from sage200_mcp.config import Settings
from sage200_mcp.listener import tcp_listener
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings
from sage200_mcp.sandbox.server import SandboxServer
from sage200_mcp.server import TOOLSETS
from sage200_mcp.serving.limits import HttpLimits
from sage200_mcp.team.settings import open_store
from sage200_mcp.team.store import TeamStore
from sage200_mcp.teamserver.options import AllowList, DocumentLimits, TeamServerOptions

# each person reads a company of their own (the sandbox's: demo 1-3, single 3, pat 1 and 3)
COMPANY_OF = {"demo@example.com": "2", "single@example.com": "3", "pat@example.com": "1"}
# no person is held back by the per-person limit (600 a minute): the load is the point
SERVE_ARGS = ("--rate-limit", "1000000")
ACCEPT = "application/json, text/event-stream"


@dataclass(frozen=True)
class Workload:
    calls: int  # per person, after the warm-up
    in_flight: int  # per person
    rounds: int  # of each replica count, turn about
    replicas: tuple[int, int] = (1, 3)
    trips_per_kind: int = 10  # calls of each kind whose round trips are counted

    def describe(self) -> str:
        return (
            f"{len(PEOPLE)} people x {self.in_flight} in flight, {self.calls} calls each"
            f" (list_customers limit 5 / get_customer); best of {self.rounds}"
        )


FULL = Workload(calls=300, in_flight=16, rounds=2)
QUICK = Workload(calls=40, in_flight=8, rounds=1, trips_per_kind=3)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least ``fraction`` of them at
    or below it (p99 of 100 samples is the 99th, not an interpolation past what was seen)."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError("fraction is in (0, 1]")
    ordered = sorted(samples)
    return ordered[math.ceil(fraction * len(ordered)) - 1]


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used, from /proc (Linux, as the bench runs)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Round:
    replicas: int
    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float
    # CPU seconds spent during the load by the replicas together, and by this process (the
    # clients and the sandbox): on two cores, what one takes the other cannot have
    replicas_cpu: float = 0.0
    bench_cpu: float = 0.0

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds

    @classmethod
    def of(
        cls, replicas: int, seconds: float, latencies: Sequence[float], cpu: tuple[float, float]
    ) -> Round:
        return cls(
            replicas,
            len(latencies),
            seconds,
            percentile(latencies, 0.50) * 1000,
            percentile(latencies, 0.99) * 1000,
            *cpu,
        )


def best(rounds: Sequence[Round], replicas: int) -> Round:
    """The round with the most calls a second: the machine's noise only ever slows a round."""
    return max((r for r in rounds if r.replicas == replicas), key=lambda r: r.calls_per_second)


@dataclass
class Trips:
    """Database round trips of one kind of call, averaged over ``calls`` of them."""

    kind: str
    per_call: float
    calls: int
    meaning: str


@dataclass
class TeamFigures:
    workload: Workload
    rounds: list[Round]
    trips: list[Trips]
    seconds: float

    def as_json(self) -> dict[str, Any]:
        one, three = (best(self.rounds, n) for n in self.workload.replicas)
        return {
            **asdict(self),
            "best": {
                str(r.replicas): {**asdict(r), "calls_per_second": r.calls_per_second}
                for r in (one, three)
            },
            "ratios": {
                "calls_per_second": three.calls_per_second / one.calls_per_second,
                "p50": three.p50_ms / one.p50_ms,
                "p99": three.p99_ms / one.p99_ms,
            },
        }


# -- through the balancer --------------------------------------------------------------------


async def signed_in_token(http: httpx.AsyncClient, team: Team, email: str) -> str:
    """Our access token for ``email``: registration, Sage ID's form, the code's exchange, all
    over plain HTTP (no browser)."""
    client = await register(http, team)  # type: ignore[arg-type]  # Team has url and mcp_url
    code = await client.code(http, email, PEOPLE[email])
    answer = await client.exchange(http, code)
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


@contextlib.asynccontextmanager
async def connected(mcp_url: str, token: str) -> AsyncIterator[Client]:
    """An SDK client carrying ``token`` as it is: the SDK's OAuth client would hold a lock
    across each request, sending a person's calls one at a time."""
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    async with http, Client(streamable_http_client(mcp_url, http_client=http)) as client:
        yield client


async def checked(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
    result = await client.call_tool(tool, arguments)
    if result.is_error:
        shown = " ".join(getattr(block, "text", "") for block in result.content)
        raise SystemExit(f"{tool}({arguments}) failed under load: {shown[:300]}")
    return result.structured_content


async def load(team: Team, workload: Workload) -> Round:
    """The workload through the balancer, after each person has signed in and warmed up."""
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
        clients: dict[str, Client] = {}
        references: dict[str, list[str]] = {}
        for email in PEOPLE:
            token = await signed_in_token(http, team, email)
            client = clients[email] = await stack.enter_async_context(
                connected(team.mcp_url, token)
            )
            await checked(client, "switch_site", {"site": COMPANY_OF[email]})
            page = await checked(client, "list_customers", {"limit": 5})
            references[email] = [row["reference"] for row in page["customers"]]
        latencies: list[float] = []

        async def worker(email: str, turns: itertools.count[int]) -> None:
            client, refs = clients[email], references[email]
            while (turn := next(turns)) < workload.calls:
                arguments: dict[str, Any]
                if turn % 2:
                    tool, arguments = "get_customer", {"customer": refs[turn % len(refs)]}
                else:
                    tool, arguments = "list_customers", {"limit": 5}
                began = time.perf_counter()
                await checked(client, tool, arguments)
                latencies.append(time.perf_counter() - began)

        pids = [replica.process.pid for replica in team.replicas if replica.process]
        cpu_before = sum(map(cpu_seconds, pids)), own_cpu_seconds()
        started = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            for email in PEOPLE:
                turns = itertools.count()  # shared by the person's workers
                for _ in range(workload.in_flight):
                    tasks.start_soon(worker, email, turns)
        seconds = time.perf_counter() - started
        cpu = sum(map(cpu_seconds, pids)) - cpu_before[0], own_cpu_seconds() - cpu_before[1]
        return Round.of(len(team.replicas), seconds, latencies, cpu)


def through_the_balancer(
    workload: Workload,
    sandbox: SandboxServer,
    postgres: PostgresServer,
    home: Path,
    say: Callable[[str], None],
) -> list[Round]:
    rounds: list[Round] = []
    for number in range(workload.rounds):
        for replicas in workload.replicas:
            where = home / f"round{number + 1}-{replicas}"
            database = postgres.new_database()
            with team_deployment(
                where, sandbox, database, replicas=replicas, serve_args=SERVE_ARGS
            ) as team:
                try:
                    done = asyncio.run(load(team, workload))
                except BaseException:  # the replicas' logs go with the temporary directory
                    say(team.logs()[-4000:])
                    raise
            rounds.append(done)
            say(
                f"round {number + 1}, {replicas} replica(s): {done.calls_per_second:,.1f} calls/s,"
                f" p50 {done.p50_ms:,.1f} ms, p99 {done.p99_ms:,.1f} ms; CPU s: replicas"
                f" {done.replicas_cpu:.1f}, clients and sandbox {done.bench_cpu:.1f}"
            )
    return rounds


# -- database round trips per call -----------------------------------------------------------


class InProcessReplica:
    """One replica in a thread with its own event loop, as tests/integration/teamserver's
    TeamServer runs it, but holding on to its store so its statement counter can be read."""

    def __init__(self, sandbox: SandboxServer, directory: Path, database_url: str) -> None:
        self._socket = tcp_listener("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.mcp_url = f"{self.url}/mcp"
        self.environ = {
            "SAGE200_CONFIG_DIR": str(directory),
            "SAGE200_DATABASE_URL": database_url,
            "SAGE200_TOKEN_KEY": KEY,
        }
        sandbox.sandbox.identity.add_redirect_uri(f"{self.url}/sage/callback")
        self.settings = Settings.load(
            environ={
                **self.environ,
                "SAGE200_ID_URL": sandbox.url,
                "SAGE200_API_URL": sandbox.url + PRO,
                "SAGE200_CLIENT_ID": CLIENT_ID,
                "SAGE200_TODAY": TODAY,
            }
        )
        self.options = TeamServerOptions(
            allow=AllowList.parse(",".join(PEOPLE)), documents=DocumentLimits()
        )
        self.store: TeamStore | None = None
        self._server: uvicorn.Server | None = None
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bench-replica", daemon=True)

    @property
    def round_trips(self) -> int:
        assert self.store is not None
        return self.store.round_trips

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start(), which waits for this thread
            self._failed = error

    async def _serve(self) -> None:
        store = self.store = await open_store(self.environ)
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                limits = HttpLimits(rate_limit=1_000_000)
                app = team_app(
                    self.settings, tuple(TOOLSETS), store, self.options, self.url, limits, http
                )
                config = uvicorn.Config(
                    app, log_level="warning", access_log=False, timeout_graceful_shutdown=1
                )
                self._server = uvicorn.Server(config)
                await self._server.serve(sockets=[self._socket])
        finally:
            await store.close()

    def __enter__(self) -> InProcessReplica:
        self._thread.start()
        deadline = time.monotonic() + 30
        while self._server is None or not self._server.started:
            if self._failed is not None or time.monotonic() > deadline:
                raise SystemExit(f"the in-process replica did not start: {self._failed!r}")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


class Caller:
    """JSON-RPC straight to the replica, one HTTP request a call (MCP runs stateless: no
    session to open), one call at a time: every statement, the audit row's included, is sent
    before the answer, so the counter read after it holds just that call's."""

    def __init__(self, http: httpx.AsyncClient, replica: InProcessReplica, token: str) -> None:
        self.http = http
        self.replica = replica
        self.headers = {"Authorization": f"Bearer {token}", "Accept": ACCEPT}
        self.ids = itertools.count(1)

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": next(self.ids), "method": method, "params": params}
        answer = await self.http.post(self.replica.mcp_url, json=body, headers=self.headers)
        answer.raise_for_status()
        text = answer.text
        if answer.headers.get("content-type", "").startswith("text/event-stream"):
            text = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
        message: dict[str, Any] = json.loads(text)
        if "error" in message or message["result"].get("isError"):
            raise SystemExit(f"{method} {params} failed: {str(message)[:300]}")
        return message

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return await self.request("tools/call", {"name": tool, "arguments": arguments})

    async def trips(self, calls: int, method: str, params: dict[str, Any]) -> float:
        """Statements per request over ``calls`` requests, one after another, after one more
        unmeasured (the replica's caches then as they are under load)."""
        await self.request(method, params)
        before = self.replica.round_trips
        for _ in range(calls):
            await self.request(method, params)
        return (self.replica.round_trips - before) / calls


async def count_trips(replica: InProcessReplica, sandbox: SandboxServer, n: int) -> list[Trips]:
    """Statements per call of each kind, net of the bearer check every request pays."""
    email = "demo@example.com"
    company = COMPANY_OF[email]
    async with httpx.AsyncClient(timeout=30) as http:
        person = await register(http, replica)  # type: ignore[arg-type]  # has url, mcp_url
        answer = await person.exchange(http, await person.code(http, email, PEOPLE[email]))
        answer.raise_for_status()
        tokens = answer.json()
        caller = Caller(http, replica, tokens["access_token"])
        await caller.call("switch_site", {"site": company})
        page = await caller.call("list_customers", {"limit": 5})
        reference = page["result"]["structuredContent"]["customers"][0]["reference"]

        bearer = await caller.trips(n, "ping", {})  # verified, then answered without the store
        measured = [
            Trips(
                "bearer check, every HTTP request (a ping)",
                bearer,
                n,
                "the token's grant and its person (status, toolsets)",
            )
        ]
        kinds: list[tuple[str, dict[str, Any], str]] = [
            ("get_status", {}, "their selection; their sign-in; the audit row"),
            ("list_customers", {"limit": 5}, "their selection; the audit row"),
            ("list_customers", {"limit": 5, "company": company}, "the audit row"),
            ("get_customer", {"customer": reference}, "their selection; the audit row"),
            ("list_bank_accounts", {}, "their selection; the audit row"),
            ("switch_site", {"site": company}, "the selection written; the audit row"),
        ]
        for tool, arguments, meaning in kinds:
            params = {"name": tool, "arguments": arguments}
            gross = await caller.trips(n, "tools/call", params)
            measured.append(Trips(label(tool, arguments), gross - bearer, n, meaning))
        own = next(t.per_call for t in measured if t.kind == "list_bank_accounts()")

        # a call meeting a Sage token that Sage has expired: refused, refreshed once, retried.
        # A call of one Sage request: the refresh alone. (A call whose requests go side by side,
        # as list_customers's rows and count, has each of them meet the refused token; those
        # that find the refresh under way wait for it and take its token: up to 4 more each.)
        grants = refresh_grants(sandbox)
        sandbox.sandbox.identity.tokens.expire_access_tokens()
        before = replica.round_trips
        await caller.call("list_bank_accounts", {})
        spent = replica.round_trips - before
        if refresh_grants(sandbox) != grants + 1:
            raise SystemExit("the call after Sage's token expired did not refresh it once")
        measured.append(
            Trips(
                "Sage token refresh, once per expiry (beyond the call's own)",
                spent - bearer - own,
                1,
                "on list_bank_accounts (one Sage request): read; BEGIN, read locked, write,"
                " COMMIT (a request beside it that meets the refused token too: up to 4 more)",
            )
        )

        # our own access token renewed by its client (no bearer: the refresh token is the proof)
        before = replica.round_trips
        renewed = await person.refresh(http, tokens["refresh_token"])
        renewed.raise_for_status()
        measured.append(
            Trips(
                "MCP token refresh, POST /token, once per expiry",
                replica.round_trips - before,
                1,
                "the client read; BEGIN, the refresh token spent, COMMIT; the person read;"
                " the new pair written",
            )
        )
        return measured


def label(tool: str, arguments: dict[str, Any]) -> str:
    shown = ", ".join(
        f"{k}={v!r}" if k != "customer" else f"{k}=<ref>" for k, v in arguments.items()
    )
    return f"{tool}({shown})"


def refresh_grants(sandbox: SandboxServer) -> int:
    grants: int = sandbox.sandbox.stats()["token_requests"].get("refresh_token", 0)
    return grants


def round_trips(
    sandbox: SandboxServer, postgres: PostgresServer, home: Path, calls: int
) -> list[Trips]:
    with InProcessReplica(sandbox, home / "in-process", postgres.new_database()) as replica:
        return asyncio.run(count_trips(replica, sandbox, calls))


# -- the run ---------------------------------------------------------------------------------


def missing() -> str | None:
    """What the team figures need that this machine lacks, said as a set-up step."""
    if not glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"):
        return "PostgreSQL is not installed (apt-get install -y postgresql)"
    if not os.access(NGINX, os.X_OK):
        return f"nginx is not installed at {NGINX} (apt-get install -y nginx-light)"
    return None


def run(workload: Workload, say: Callable[[str], None]) -> TeamFigures:
    lacking = missing()
    if lacking:
        raise SystemExit(f"the team figures need PostgreSQL and nginx: {lacking}")
    started = time.perf_counter()
    settings = SandboxSettings(today=date.fromisoformat(TODAY))
    sandbox = Sandbox(settings)
    with (
        tempfile.TemporaryDirectory(prefix="sage200-bench-team-") as tmp,
        SandboxServer(sandbox, own_logging=False) as server,
        postgres_server() as postgres,
    ):
        sandbox.world.warm().join()
        home = Path(tmp)
        say(f"team: {workload.describe()}")
        rounds = through_the_balancer(workload, server, postgres, home, say)
        say("team: database round trips per call, one replica in-process")
        trips = round_trips(server, postgres, home, workload.trips_per_kind)
    return TeamFigures(workload, rounds, trips, time.perf_counter() - started)


def table(figures: TeamFigures) -> str:
    one, three = (best(figures.rounds, n) for n in figures.workload.replicas)
    rows = [
        ("Calls/s", one.calls_per_second, three.calls_per_second, "calls/s"),
        ("p50 latency", one.p50_ms, three.p50_ms, "ms"),
        ("p99 latency", one.p99_ms, three.p99_ms, "ms"),
        ("CPU: the replicas", one.replicas_cpu, three.replicas_cpu, "s"),
        ("CPU: the clients and sandbox (one process)", one.bench_cpu, three.bench_cpu, "s"),
    ]
    lines = [
        f"Team mode through nginx: {figures.workload.describe()}; each round a fresh deployment"
        " and database on one PostgreSQL",
        "",
        f"| Figure | {one.replicas} replica | {three.replicas} replicas | Ratio |",
        "|---|---|---|---|",
    ]
    for name, value_one, value_three, unit in rows:
        lines.append(
            f"| {name} | {value_one:,.1f} {unit} | {value_three:,.1f} {unit}"
            f" | {value_three / value_one:.2f} |"
        )
    lines += [
        "",
        "Database round trips per tool call on one replica (statements, BEGIN and COMMIT"
        " included), besides the bearer check each HTTP request pays:",
        "",
        "| Call | Round trips | Calls | What they are |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t.kind} | {t.per_call:g} | {t.calls} | {t.meaning} |" for t in figures.trips]
    lines.append(f"\nAll told {figures.seconds:,.0f} s.")
    return "\n".join(lines)


def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls, one round")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures = run(QUICK if args.quick else FULL, say)
    print(table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures.as_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

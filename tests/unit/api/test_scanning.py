"""How SageClient reads a big collection over a slow link: the first page brings the total,
the rest come side by side (a few at a time, never more), each page is handed on as it arrives,
progress is told, and a read that would run too long stops with advice. Also the gate's pause
after a 429, and answers remembered with the time they were read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from sage200_mcp.api import progress
from sage200_mcp.api.client import RetryPolicy, SageClient, ScanLimits
from sage200_mcp.api.errors import RateLimited, TooMuch
from sage200_mcp.api.gate import Gate
from sage200_mcp.config import Settings
from tests.unit.api.fakes import API, COMPANY, Clock, Tokens

pytestmark = pytest.mark.anyio

ORDERED = {"$orderby": "id asc"}


class SlowSage:
    """A collection of ``total`` rows behind a link that takes a moment per request (a real
    sleep, so requests can overlap), answering $count=true in the OData shape. It notes how
    many requests were in flight at most, and what each asked for."""

    def __init__(self, total: int, clock: Clock | None = None, seconds_each: float = 0) -> None:
        self.total = total
        self.clock = clock
        self.seconds_each = seconds_each
        self.in_flight = 0
        self.most_in_flight = 0
        self.asked: list[dict[str, str]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.asked.append(params)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.005)
        self.in_flight -= 1
        if self.clock is not None:
            self.clock.now += self.seconds_each
        skip, top = int(params.get("$skip", "0")), int(params.get("$top", "500"))
        rows = [{"id": n} for n in range(skip, min(skip + top, self.total))]
        if params.get("$count") == "true":
            return httpx.Response(200, json={"value": rows, "@odata.count": self.total})
        return httpx.Response(200, json=rows)

    @property
    def pages(self) -> list[dict[str, str]]:
        return [p for p in self.asked if "$count" not in p]


@pytest.fixture
async def client(settings: Settings, tokens: Tokens, clock: Clock) -> AsyncIterator[SageClient]:
    async with httpx.AsyncClient() as http:
        yield SageClient(settings, tokens, http, RetryPolicy(attempts=1), clock.sleep, clock)


@respx.mock
async def test_once_the_total_is_known_the_other_pages_come_side_by_side(
    client: SageClient,
) -> None:
    sage = SlowSage(total=4_500)
    respx.get(f"{API}customers").mock(side_effect=sage)
    handed: list[int] = []
    read = await client.scan(
        "customers", COMPANY, ORDERED, lambda rows: handed.append(len(rows)), counted=True
    )
    assert read == 4_500 and sum(handed) == 4_500
    assert sage.most_in_flight == 4  # the four pages after the first, at once
    sage.asked.clear()
    sage.most_in_flight = 0
    await client.scan("customers", COMPANY, ORDERED, list)  # not counted: one page at a time
    assert len(sage.asked) == 5 and sage.most_in_flight == 1
    skips = sorted(int(p.get("$skip", "0")) for p in sage.pages)
    assert skips == [0, 1000, 2000, 3000, 4000]  # each page asked for once


@respx.mock
async def test_never_more_than_four_requests_at_once(client: SageClient) -> None:
    sage = SlowSage(total=12_345)
    respx.get(f"{API}customers").mock(side_effect=sage)
    rows = await client.all_rows("customers", COMPANY, ORDERED, counted=True)
    assert [row["id"] for row in rows] == list(range(12_345))  # every row, in order
    assert sage.most_in_flight == 4


@respx.mock
async def test_a_scan_past_its_ceiling_stops_after_the_first_page_with_advice(
    client: SageClient,
) -> None:
    sage = SlowSage(total=300_000)
    respx.get(f"{API}customers").mock(side_effect=sage)
    with pytest.raises(TooMuch, match=r"300,000 rows match.*Narrow the dates"):
        await client.scan(
            "customers", COMPANY, ORDERED, list, advice="Narrow the dates.", counted=True
        )
    assert len(sage.pages) == 1


@respx.mock
async def test_a_scan_that_runs_too_long_stops_with_advice(
    client: SageClient, clock: Clock
) -> None:
    sage = SlowSage(total=30_000, clock=clock, seconds_each=10)  # a very slow link
    respx.get(f"{API}customers").mock(side_effect=sage)
    client.scan_limits = ScanLimits(rows=100_000, seconds=45)
    with pytest.raises(TooMuch, match="took over 45 seconds"):
        await client.scan("customers", COMPANY, ORDERED, list, counted=True)
    assert len(sage.pages) < 30  # it stopped, well before reading every page


@respx.mock
async def test_a_scan_tells_its_progress_page_by_page(client: SageClient) -> None:
    respx.get(f"{API}customers").mock(side_effect=SlowSage(total=2_500))
    told: list[tuple[float, float | None]] = []
    said: list[str] = []

    async def listener(done: float, total: float | None, message: str) -> None:
        told.append((done, total))
        said.append(message)

    with progress.listening(listener):
        await client.scan("customers", COMPANY, ORDERED, list, counted=True)
    assert told[0] == (1000, 2500) and told[-1] == (2500, 2500)
    assert said[0] == "read 1,000 of 2,500 rows of customers"
    assert [done for done, _ in told] == sorted(done for done, _ in told)


async def test_progress_outside_a_listening_call_goes_nowhere() -> None:
    await progress.report("read", 1, 2, "no one listens")  # nothing raised, nothing sent


async def test_a_failing_listener_never_fails_the_read() -> None:
    async def broken(done: float, total: float | None, message: str) -> None:
        raise ConnectionResetError

    with progress.listening(broken):
        await progress.report("read", 1, 2, "the client went away")


async def test_after_a_pause_no_request_leaves_until_it_is_over(clock: Clock) -> None:
    gate = Gate(clock, clock.sleep, in_flight=2)
    gate.pause(5)
    async with gate.slot():
        assert clock.now >= 5


@respx.mock
async def test_a_429_pauses_the_next_call_too(client: SageClient, clock: Clock) -> None:
    respx.get(f"{API}customers").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json=[]),
        ]
    )
    with pytest.raises(RateLimited):  # one attempt only: this call gives up at once
        await client.get_json("customers", COMPANY)
    await client.get_json("customers", COMPANY)  # another call waits out Sage's advice
    assert clock.slept == [3.0]


@respx.mock
async def test_a_big_answer_is_parsed_off_the_event_loop(
    client: SageClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[Any] = []
    real = asyncio.to_thread

    async def to_thread(function: Any, *args: Any) -> Any:
        threads.append(function)
        return await real(function, *args)

    monkeypatch.setattr(asyncio, "to_thread", to_thread)
    big = [{"id": n, "name": "x" * 100} for n in range(5_000)]
    respx.get(f"{API}big").respond(json=big)
    respx.get(f"{API}small").respond(json=big[:10])
    assert await client.get_json("big", COMPANY) == big
    assert threads and await client.get_json("small", COMPANY) == big[:10]
    assert len(threads) == 1  # the small one was parsed in place


async def test_an_answer_is_remembered_with_when_it_was_read(client: SageClient) -> None:
    loads: list[int] = []
    moments = iter([datetime(2026, 11, 29, 9, tzinfo=UTC), datetime(2026, 11, 29, 10, tzinfo=UTC)])
    client.now = lambda: next(moments)

    async def load() -> int:
        loads.append(1)
        await asyncio.sleep(0.01)
        return len(loads)

    first, second = await asyncio.gather(
        client.remember("key", load, ttl=60), client.remember("key", load, ttl=60)
    )
    assert first == second and first.value == 1 and len(loads) == 1  # loaded once for both
    assert first.read_at == datetime(2026, 11, 29, 9, tzinfo=UTC)
    client.clock.now += 61  # type: ignore[attr-defined]
    again = await client.remember("key", load, ttl=60)
    assert again.value == 2 and again.read_at.hour == 10


async def test_a_calls_progress_sums_its_reads_and_only_ever_grows() -> None:
    told: list[tuple[float, float | None]] = []

    async def listener(done: float, total: float | None, message: str) -> None:
        told.append((done, total))

    with progress.listening(listener):
        await progress.report("a", 1000, 3000, "")
        await progress.report("b", 50, 100, "")  # a second read, side by side
        await progress.report("b", 50, 100, "")  # nothing new: nothing sent
        await progress.report("a", 3000, 3000, "")
        await progress.report("c", 0, None, "")  # a read of unknown size: no total
        await progress.report("c", 10, None, "")
    assert told == [(1000, 3000), (1050, 3100), (3050, 3100), (3060, None)]

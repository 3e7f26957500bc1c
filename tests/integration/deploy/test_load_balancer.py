"""deploy/nginx.conf.template, run by nginx in front of stand-in replicas on 127.0.0.1: requests
spread over the replicas, a replica that is down or dies mid-request costs a retry and not an
error (POSTs included: tool calls only read), and an event stream reaches the client as written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import free_port
from tests.integration.deploy.upstreams import (
    FIRST_EVENT,
    LAST_EVENT,
    Dying,
    Streaming,
    serving,
)
from tests.loadbalancer import configured, load_balancer, placeholders, render

TOOLS_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as client:
        yield client


def answer(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def test_nginx_accepts_the_rendered_template() -> None:
    with configured([free_port(), free_port(), free_port()]) as balancer:
        checked = balancer.check()
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_rendering_refuses_a_placeholder_left_without_a_value() -> None:
    template = "listen ${NGINX_LISTEN}; ${NGINX_UPSTREAMS}"
    assert placeholders(template) == {"NGINX_LISTEN", "NGINX_UPSTREAMS"}
    with pytest.raises(ValueError, match="NGINX_UPSTREAMS"):
        render({"NGINX_LISTEN": "8080"}, template)
    # nginx's own variables are not placeholders: they reach nginx as written
    assert render({"NGINX_LISTEN": "8080"}, "listen ${NGINX_LISTEN}; $host") == (
        "listen 8080; $host"
    )


def test_requests_take_turns_over_the_replicas(client: httpx.Client) -> None:
    with serving("a") as a, serving("b") as b, load_balancer([a.port, b.port]) as balancer:
        served = [answer(client.get(f"{balancer.url}/mcp"))["upstream"] for _ in range(6)]
    assert Counter(served) == {"a": 3, "b": 3}
    assert served[0] != served[1]  # one after the other, not in runs


def test_a_post_reaches_a_live_replica_when_another_is_down(client: httpx.Client) -> None:
    with serving("live") as live, load_balancer([free_port(), live.port]) as balancer:
        served = [answer(client.post(f"{balancer.url}/mcp", json=TOOLS_LIST)) for _ in range(4)]
    assert [document["upstream"] for document in served] == ["live"] * 4
    assert served[0]["body"] == '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'


def test_a_post_a_replica_died_on_is_sent_to_another(client: httpx.Client) -> None:
    """The request reached the first replica, which closed the connection unanswered: nginx
    retries a POST there only because the template says non_idempotent."""
    with (
        serving("dying", Dying) as dying,
        serving("live") as live,
        load_balancer([dying.port, live.port]) as balancer,
    ):
        document = answer(client.post(f"{balancer.url}/mcp", json=TOOLS_LIST))
        log = balancer.error_log()
    assert dying.requests == 1  # it was tried first, and read the whole request
    assert document["upstream"] == "live"
    assert document["body"] == '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
    assert "upstream prematurely closed connection" in log


def test_an_event_stream_reaches_the_client_as_it_is_written(client: httpx.Client) -> None:
    with serving("stream", Streaming) as stream, load_balancer([stream.port]) as balancer:
        received = b""
        with client.stream("POST", f"{balancer.url}/mcp", json=TOOLS_LIST) as response:
            assert response.headers["content-type"] == "text/event-stream"
            for chunk in response.iter_raw():
                received += chunk
                if FIRST_EVENT in received:
                    stream.released.set()  # the upstream may send the last event now
        released_in_time = stream.released_in_time
    assert received == FIRST_EVENT + LAST_EVENT
    # the first event arrived while the upstream still held the last one back
    assert released_in_time is True


def test_the_replicas_see_the_host_and_address_the_client_used(client: httpx.Client) -> None:
    with serving("a") as a, load_balancer([a.port]) as balancer:
        headers = answer(client.get(f"{balancer.url}/mcp"))["headers"]
    assert headers["host"] == f"127.0.0.1:{balancer.port}"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-real-ip"] == "127.0.0.1"


def test_an_oversized_body_is_refused_before_a_replica_reads_it(client: httpx.Client) -> None:
    with serving("a") as a, load_balancer([a.port]) as balancer:
        response = client.post(f"{balancer.url}/mcp", content=b"x" * (1024 * 1024 + 1))
        small = client.post(f"{balancer.url}/mcp", content=b"x" * (1024 * 1024))
    assert response.status_code == 413
    assert small.status_code == 200
    assert a.requests == 1

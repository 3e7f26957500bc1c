"""Whatever text a model puts in any string argument of any tool, the server answers (a result or
an error that says something) and every OData filter it sends is well formed, carrying the user's
text as one intact literal: never an unescaped quote that could end the literal and add clauses.

Sage is mocked with respx so every request can be read: one site, empty lists, 404 for records.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.types import TextContent, Tool

from sage200_mcp.auth.store import StoredTokens, TokenStore
from sage200_mcp.config import Settings
from sage200_mcp.openapi.odata_syntax import (
    Call,
    Compare,
    Literal,
    Logical,
    Node,
    Not,
    parse_filter,
)
from sage200_mcp.server import create_server
from tests.helpers import tool_snapshots

API = "http://sage.invalid/uk/sage200extra/accounts/v1"
SITE = {"site_id": "S1", "site_name": "Sandbox", "company_id": 7, "company_name": "Demo Ltd"}
# What a required argument gets while another one is being fuzzed.
PLAIN = {"resource": "customers"}
# Fixed names the code itself puts in filters (Sage's enum values), never user text.
CODE_CONSTANT = r"^(AccountStatus|EnumDocumentStatus|TradingAccountEntryType|EnumStock)[A-Za-z]*$"


class Recorder:
    """Answers like an empty company and keeps every $filter sent."""

    def __init__(self) -> None:
        self.filters: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "$filter" in request.url.params:
            self.filters.append(request.url.params["$filter"])
        if path.endswith("/sites"):
            return httpx.Response(200, json=[SITE])
        if path.rsplit("/", 1)[-1].isdigit():
            return httpx.Response(404, json={"Message": "No record with that id."})
        return httpx.Response(200, json=[])


class Harness:
    def __init__(self, portal: BlockingPortal, client: Client, recorder: Recorder) -> None:
        self.portal, self.client, self.recorder = portal, client, recorder

    def call(self, name: str, arguments: dict[str, Any]) -> tuple[bool, str]:
        result = self.portal.call(lambda: self.client.call_tool(name, arguments))
        text = " ".join(c.text for c in result.content if isinstance(c, TextContent))
        return result.is_error, text


def signed_in(settings: Settings) -> None:
    now = time.time()
    settings.tokens_path.parent.mkdir(parents=True, mode=0o700)
    TokenStore(settings.tokens_path).write(
        StoredTokens(
            access_token="access-for-fuzzing",
            refresh_token="refresh-for-fuzzing",
            id_token=None,
            scope="openid offline_access",
            token_type="Bearer",
            access_expires_at=now + 86_400,
            access_lifetime=86_400,
            signed_in_at=now,
            refresh_expires_at=now + 90 * 86_400,
            email="fuzz@example.com",
            name="Fuzz",
            id_url="http://id.invalid",
            client_id="fuzz-client",
        )
    )


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    config: Path = tmp_path_factory.mktemp("fuzz") / "config"
    settings = Settings.load(
        environ={
            "SAGE200_CONFIG_DIR": str(config),
            "SAGE200_ID_URL": "http://id.invalid",
            "SAGE200_API_URL": API,
            "SAGE200_CLIENT_ID": "fuzz-client",
            "SAGE200_NO_BROWSER": "1",
        }
    )
    signed_in(settings)
    recorder = Recorder()
    with (
        respx.mock(assert_all_called=False) as router,
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(Client(create_server(settings))) as client,
    ):
        router.route(host="sage.invalid").mock(side_effect=recorder)
        yield Harness(portal, client, recorder)


def string_arguments() -> list[tuple[Tool, str]]:
    """Every (tool, argument) where the argument is free text or a list of free text.

    Read from the schema snapshot, which test_tool_schemas keeps equal to the live server's.
    """
    tools = [Tool.model_validate(tool) for tool in tool_snapshots()]
    return [
        (tool, name)
        for tool in tools
        for name, schema in tool.input_schema.get("properties", {}).items()
        if _is_free_text(schema)
    ]


def _is_free_text(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    for option in options:
        if "enum" in option or "const" in option:
            continue
        if option.get("type") == "string":
            return True
        if option.get("type") == "array" and option.get("items", {}).get("type") == "string":
            return True
    return False


def _is_list(schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "array" for option in schema.get("anyOf", [schema]))


def literals(node: Node) -> Iterator[str]:
    match node:
        case Literal(kind="string", value=value):
            yield value
        case Compare(left=left, right=right) | Logical(left=left, right=right):
            yield from literals(left)
            yield from literals(right)
        case Call(args=args):
            for arg in args:
                yield from literals(arg)
        case Not(operand=operand):
            yield from literals(operand)
        case _:
            pass


def forms_of(texts: list[str]) -> set[str]:
    """What the tools legitimately make of what was typed: trimmed, case-folded, zero-padded."""
    forms: set[str] = set()
    for text in texts:
        for base in (text, text.strip()):
            forms |= {base, base.upper(), base.lower(), base.zfill(10), base.upper().zfill(10)}
            digits = base.upper().removeprefix("PO").removeprefix("SO")
            forms |= {"PO" + digits.zfill(7), "SO" + digits.zfill(7), digits.zfill(10)}
    return forms


# Any text, weighted towards what could break a filter: quotes, brackets, operators, digits.
TEXT = st.one_of(
    st.text(max_size=60),
    st.text(
        alphabet=st.sampled_from(list("'\"()[] ,/\\%&$#?*-+0123456789POSoeqrAbc²")), max_size=30
    ),
    st.sampled_from(["O'Brien", "x' or 1 eq 1 or 'a", "'", "''", " 42 ", "po12", "') or (id gt 0"]),
)
FUZZED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    ("tool", "argument"),
    [pytest.param(t, a, id=f"{t.name}.{a}") for t, a in string_arguments()],
)
@FUZZED
@given(data=st.data())
def test_any_text_in_any_string_argument(
    harness: Harness, tool: Tool, argument: str, data: st.DataObject
) -> None:
    schema = tool.input_schema["properties"][argument]
    value: str | list[str] = data.draw(
        st.lists(TEXT, min_size=1, max_size=3) if _is_list(schema) else TEXT
    )
    typed = value if isinstance(value, list) else [value]
    arguments: dict[str, Any] = {
        name: PLAIN.get(name, "ABS001") for name in tool.input_schema.get("required", [])
    }
    arguments[argument] = value
    harness.recorder.filters.clear()

    is_error, text = harness.call(tool.name, arguments)

    if is_error:  # an anticipated failure keeps its explanation; a crash has none
        assert text.strip() != f"Error executing tool {tool.name}", json.dumps(arguments)
        assert len(text.split(":", 1)[-1].strip()) > 10
    allowed = forms_of(typed + [str(v) for v in arguments.values() if isinstance(v, str)])
    for sent in harness.recorder.filters:
        tree = parse_filter(sent)  # raises on a quote that was not doubled
        if tool.name == "query":
            continue  # the filter is the user's own OData, re-checked against the schema
        for literal in literals(tree):
            assert literal in allowed or _is_constant(literal), (sent, arguments)


def _is_constant(literal: str) -> bool:
    return re.match(CODE_CONSTANT, literal) is not None

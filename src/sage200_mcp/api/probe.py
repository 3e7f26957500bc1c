"""Raw looks at the Sage 200 API, for diagnosis: one request, no retries, no renewal of the
token, nothing mapped to an error. What came back is kept as it came (the status, the body's
JSON or the start of its text, the time taken), because telling Sage's variants apart is the
point: a bare count or an OData one, a ``Message`` or a gateway list, 401 or 403.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from sage200_mcp.api.client import Company, query_string, sage_headers


@dataclass(frozen=True)
class Look:
    status: int | None  # None: no answer at all (``failure`` says why)
    body: Any  # the JSON, or None when there was none or it was not JSON
    text: str  # the start of a body that is not JSON
    ms: float
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def look(
    http: httpx.AsyncClient,
    base_url: str,
    path: str,
    token: str,
    company: Company | None = None,
    params: Mapping[str, str] | None = None,
    subscription_key: str | None = None,
) -> Look:
    url = base_url + path.lstrip("/")
    if params:
        url += query_string(params)
    started = time.monotonic()
    try:
        response = await http.get(url, headers=sage_headers(token, company, subscription_key))
    except httpx.HTTPError as error:
        return Look(None, None, "", _ms(started), type(error).__name__)
    body: Any = None
    text = ""
    if response.content:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            text = response.text[:200]
    return Look(response.status_code, body, text, _ms(started))


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def count_style(answer: Look) -> str | None:
    """How this Sage answers ``$count=true``: ``number``, ``odata``, ``unsupported``, or None
    when the answer says nothing either way (a failure unrelated to counting)."""
    body = answer.body
    if answer.ok:
        if isinstance(body, int) and not isinstance(body, bool):
            return "number"
        if isinstance(body, str) and body.strip().isdigit():
            return "number"
        if isinstance(body, dict) and isinstance(body.get("@odata.count"), int):
            return "odata"
        return "unsupported"  # rows without a count: the option was ignored
    if answer.status == 400:
        return "unsupported"
    return None


def error_style(answer: Look) -> str:
    """The shape of an error body: ``message``, ``gateway``, ``empty`` or ``other``."""
    body = answer.body
    if answer.status is not None and body is None and not answer.text:
        return "empty"
    if isinstance(body, dict) and any(k in body for k in ("Message", "message")):
        return "message"
    if (
        isinstance(body, list)
        and body
        and all(isinstance(i, dict) and "$message" in i for i in body)
    ):
        return "gateway"
    return "other"

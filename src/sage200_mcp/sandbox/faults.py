"""Fault injection: the next N requests to a path answer with a chosen failure.

This is how tests and benchmarks meet every way the real service has been seen to fail (docs/
SAGE200_API.md §5): a status with a JSON message, a gateway error list, an empty body or an HTML
page; a delay long enough to time out; a body cut short; a list wrapped in ``{"value": [...]}``;
and an answer lost on a slow link (``after_ms``). Sage ID's paths get faults as the API's do.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sage200_mcp.sandbox.styles import error_json

BODIES = (
    "auto",
    "message",
    "gateway",
    "empty",
    "html",
    "text",
    "malformed",
    "value_wrapper",
    "empty_list",
)
_TRANSFORMS = ("malformed", "value_wrapper", "empty_list")
CONTROL_PREFIX = "/_sandbox"


@dataclass
class Fault:
    """One failure to serve; ``count`` requests whose path starts with ``path`` get it.

    ``delay_ms`` holds the request back *before* it is handled (a refresh token is not rotated
    if the client gives up first); ``after_ms`` handles it at once and holds the real *answer*
    back (a refresh token is rotated even if the client gives up: the answer is lost, as on a
    slow link). ``after_ms`` needs no ``status``: it is about the real answer.
    """

    path: str = ""  # prefix of the request path; "" matches every path
    count: int = 1
    status: int | None = None  # None: serve the real answer (then transform it, or just delay)
    body: str = "auto"
    message: str = ""
    delay_ms: float = 0
    after_ms: float = 0
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None

    @classmethod
    def parse(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        fault = cls(**data)
        if fault.body not in BODIES:
            raise ValueError(f"body must be one of {', '.join(BODIES)}")
        if fault.status is None and fault.body not in (*_TRANSFORMS, "auto"):
            raise ValueError(f"body {fault.body!r} needs a status")
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        if fault.after_ms and fault.status is not None:
            raise ValueError("after_ms holds back the real answer: drop status (or use delay_ms)")
        return fault

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path) and (self.method is None or self.method.upper() == method)


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.served = 0

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.served = 0

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault for this request, counted as served."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    self.served += 1
                    return fault
        return None


class FaultMiddleware:
    """Applies a FaultPlan to every request outside the sandbox's own control paths."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        fault = self.plan.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.status is not None:
            await _send_synthetic(send, fault)
        elif fault.body in _TRANSFORMS or fault.after_ms:
            await self._send_held(scope, receive, send, fault)
        else:
            await self.app(scope, receive, send)

    async def _send_held(self, scope: Scope, receive: Receive, send: Send, fault: Fault) -> None:
        """Compute the real answer in full, transform it if asked, hold it ``after_ms``, send."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = _transformed(b"".join(chunks), fault.body)
        if fault.after_ms:
            await asyncio.sleep(fault.after_ms / 1000)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _transformed(body: bytes, kind: str) -> bytes:
    if kind == "malformed":
        return body[: max(1, len(body) // 2)]
    if kind == "value_wrapper":  # a bare list in OData's wrapper; an object is left as it is
        return b'{"value":' + body + b"}" if body.lstrip().startswith(b"[") else body
    if kind == "empty_list":
        return b"[]"
    return body


async def _send_synthetic(send: Send, fault: Fault) -> None:
    status = fault.status or 500
    kind = fault.body
    if kind == "auto":
        kind = "empty" if status == 401 else "message"
    message = fault.message or _REASONS.get(status, "The service failed.")
    content_type = "application/json; charset=utf-8"
    if kind in ("message", "gateway"):
        body = json.dumps(error_json(kind, status, message)).encode()
    elif kind == "html":
        content_type = "text/html; charset=utf-8"
        body = (
            f"<!DOCTYPE html><html><head><title>{status} Error</title></head><body>"
            f"<h1>{status}</h1><p>{message}</p></body></html>"
        ).encode()
    elif kind == "text":
        content_type = "text/plain; charset=utf-8"
        body = message.encode()
    elif kind == "malformed":
        body = json.dumps({"Message": message}).encode()[:-7]
    elif kind == "empty_list":
        body = b"[]"
    else:
        body = b""
    headers = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", content_type.encode()))
    headers += [(k.lower().encode(), v.encode()) for k, v in fault.headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_REASONS = {
    400: "The request is invalid.",
    403: "You do not have permission to perform this action.",
    404: "The requested resource was not found.",
    429: "Rate limit is exceeded. Try again later.",
    500: "An error has occurred.",
    502: "Bad gateway.",
    503: "The service is unavailable.",
    504: "The on-premises connection timed out.",
}

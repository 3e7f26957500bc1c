"""Reading Sage's answers: a list of records in either shape, the list of sites, Sage's own
text in an error body, a Retry-After, and the shape of an answer to ``$count=true``.

Each is a pure function of what Sage sent, tolerant of every shape seen or suspected
(docs/SAGE200_API.md §5 and §8), so that the client (api/client.py) reads as the conversation
with Sage and this as the reading of what it says.
"""

from __future__ import annotations

import email.utils
import json
import math
import re
import time
import unicodedata
from datetime import UTC
from html import unescape
from typing import Any, Literal

import httpx

from sage200_mcp.api.errors import UnexpectedAnswer

Json = dict[str, Any]
CountStyle = Literal["number", "odata", "unsupported"]

_COUNT_KEYS = ("@odata.count", "odata.count", "count", "Count", "@count")
DETAIL_CHARS = 300  # of Sage's own text in an error message
LONGEST_RETRY_AFTER = 86_400.0  # seconds; advice beyond a day is taken as a day


def records(body: Any, path: str) -> list[Json]:
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        body = body["value"]
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise UnexpectedAnswer(f"Sage's answer for {path} is not a list of records; try again.")
    return body


def sites_of(body: Any) -> list[Json] | None:
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        body = body["value"]
    if not isinstance(body, list):
        return None
    return [item for item in body if isinstance(item, dict)]


def error_detail(response: httpx.Response) -> str:
    """Sage's message from an error body in any of the shapes seen (docs/SAGE200_API.md §5),
    labelled as Sage's and quoted: the text is Sage's (or a gateway's), not ours, and a model must
    not take it for an instruction. Control and format characters are removed, the length capped.
    """
    text = _sage_text(response)
    if not text:
        return "Sage gave no detail."
    if len(text) > DETAIL_CHARS:
        text = text[: DETAIL_CHARS - 1].rstrip() + "…"
    return f"Sage said: {json.dumps(text, ensure_ascii=False)}"


def _sage_text(response: httpx.Response) -> str:
    text = response.text.strip()
    if not text:
        return ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    messages: list[str] = []
    if isinstance(body, dict):
        for key in ("Message", "message", "error_description", "$message", "detail", "title"):
            if isinstance(body.get(key), str):
                messages.append(body[key])
                break
        else:
            error = body.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                messages.append(error["message"])
            elif isinstance(error, str):
                messages.append(error)
    elif isinstance(body, list):
        messages += [
            str(item.get("$message") or item.get("message") or "")
            for item in body
            if isinstance(item, dict)
        ]
    elif isinstance(body, str):
        messages.append(body)
    elif body is None:
        stripped = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.S | re.I)
        messages.append(unescape(re.sub(r"<[^>]+>", " ", stripped)))
    return " ".join(" ".join(_printable(m).split()) for m in messages if m.strip())


def _printable(text: str) -> str:
    """``text`` without control, format (bidi overrides, zero-width) or unassigned characters;
    line and paragraph separators become spaces."""
    return "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in text
        if unicodedata.category(c) not in ("Cf", "Cs", "Co", "Cn")
    )


def retry_after(response: httpx.Response) -> float | None:
    """Sage's ``Retry-After`` in seconds, clamped to [0, a day]; None if absent or unreadable.

    Seconds or an HTTP date; a negative value or a date in the past means now, a huge one or a
    date years ahead is taken as a day (the message then gives the advice, nobody waits that long).
    """
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            if moment.tzinfo is None:  # "-0000": UTC, by RFC 5322
                moment = moment.replace(tzinfo=UTC)
            seconds = moment.timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), LONGEST_RETRY_AFTER)


def count_answer(body: Any) -> tuple[CountStyle | None, int | None]:
    """How an answer to ``$count=true`` is shaped, and the count it carries.

    A bare number (or numeric text, or an object holding only a count) is the ``number`` style;
    an object with a list of rows and a count beside it is ``odata``; rows without a count mean
    the option was ignored (``unsupported``). Anything else proves nothing: (None, None).
    """
    if isinstance(body, list):
        return "unsupported", None
    if not isinstance(body, dict):
        number = _count_number(body)
        return ("number", number) if number is not None else (None, None)
    rows = body.get("value")
    candidates = [body[key] for key in _COUNT_KEYS if key in body]
    if not isinstance(rows, list):
        candidates.append(rows)
    number = next((n for n in map(_count_number, candidates) if n is not None), None)
    if isinstance(rows, list):
        return ("odata", number) if number is not None else ("unsupported", None)
    return ("number", number) if number is not None else (None, None)


def _count_number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,18}\s*", value):
        return int(value)
    return None

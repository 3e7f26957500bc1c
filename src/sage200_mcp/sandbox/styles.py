"""How the sandbox plays each unknown of the real Sage 200 API, one setting per unknown.

Public evidence (docs/SAGE200_API.md §8) leaves open what ``$count=true`` answers, what an error
body looks like, whether a bad company is 401 or 403, how many rows the on-premises tunnel carries
before it times out, and which edition's base path a tenant answers on. Each setting plays one
answer, so a client can be tested against every one. The module imports nothing heavy: the command
line reads its choices while it builds its parser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

COUNT_STYLES = ("number", "odata", "unsupported")
ERROR_STYLES = ("message", "gateway", "empty")
EDITIONS = ("professional", "standard", "both")
BAD_COMPANY_STATUSES = (401, 403)


@dataclass
class ApiStyle:
    """The current answer to each unknown; ``check`` refuses a value no real service could give."""

    count_style: str = "number"
    error_style: str = "message"
    bad_company_status: int = 403
    tunnel_timeout_rows: int | None = None
    edition: str = "both"

    def check(self) -> None:
        _one_of("count_style", self.count_style, COUNT_STYLES)
        _one_of("error_style", self.error_style, ERROR_STYLES)
        _one_of("edition", self.edition, EDITIONS)
        _one_of("bad_company_status", self.bad_company_status, BAD_COMPANY_STATUSES)
        rows = self.tunnel_timeout_rows
        if rows is not None and (type(rows) is not int or rows < 1):
            raise ValueError("tunnel_timeout_rows must be a whole number from 1, or null (off)")

    def serves(self, professional: bool) -> bool:
        """Whether this edition's base path answers (a wrong edition is a 404 on real Sage)."""
        return self.edition == "both" or (self.edition == "professional") == professional

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def error_json(style: str, status: int, message: str) -> Any:
    """An error body in one of ERROR_STYLES, as JSON data; ``None`` means an empty body."""
    if style == "message":
        return {"Message": message}
    if style == "gateway":
        return [
            {
                "$severity": "error",
                "$dataCode": f"E{status}",
                "$message": message,
                "$source": "sage200",
            }
        ]
    return None


def _one_of(name: str, value: Any, choices: tuple[Any, ...]) -> None:
    if value not in choices or type(value) is not type(choices[0]):
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}")

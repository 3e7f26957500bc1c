"""How long Sage ID's codes and tokens live, whether the device flow is on, and what the
tenant's parts share.

One mutable object shared by every part of the tenant: a sandbox reset changes these in place,
and each part reads them at the moment it needs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sage200_mcp.sandbox.identity.counters import Counters


@dataclass
class IdentitySettings:
    access_token_ttl: float = 28800
    refresh_token_ttl_days: float = 90
    code_ttl: float = 60
    device_code_ttl: float = 900
    device_interval: int = 5
    device_flow: bool = False


@dataclass(frozen=True)
class Shared:
    """What every part of the tenant reads or writes together: the settings, the clock, the one
    re-entrant lock (a request may touch several parts at once: a code redeemed issues tokens),
    the counters behind ``/_sandbox/stats``, and the list of every code and token handed out
    (so tests can check none leaks)."""

    settings: IdentitySettings
    clock: Callable[[], float]
    lock: threading.RLock
    counters: Counters
    issued: list[str]

"""How long Sage ID's codes and tokens live, and whether the device flow is on.

One mutable object shared by every part of the tenant: a sandbox reset changes these in place,
and each part reads them at the moment it needs them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IdentitySettings:
    access_token_ttl: float = 28800
    refresh_token_ttl_days: float = 90
    code_ttl: float = 60
    device_code_ttl: float = 900
    device_interval: int = 5
    device_flow: bool = False

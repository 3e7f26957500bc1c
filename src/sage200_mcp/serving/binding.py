"""Which addresses ``serve --transport http`` may listen on without sign-in."""

from __future__ import annotations

import ipaddress

from sage200_mcp.errors import ConfigError

TEAM_NOT_AVAILABLE = (
    "Team mode (--team: sign-in per person) is not available yet, so nothing would stop anyone"
    " who reaches the port from reading the books. Listen on 127.0.0.1, or accept that risk"
    " explicitly with --insecure-no-auth."
)

INSECURE_WARNING = (
    "sage200-mcp: WARNING: --insecure-no-auth: there is no sign-in. Anyone who can reach"
    " {where} can read the books of every company this profile can reach. Use it only on a"
    " network you trust, behind a firewall.\n"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    A name other than ``localhost`` may resolve to any interface (and resolve differently
    tomorrow), so only literal loopback addresses and ``localhost`` count.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, *, team: bool, insecure_no_auth: bool) -> None:
    """Refuse a listener that would serve the books to the network without sign-in."""
    if team:
        raise ConfigError(TEAM_NOT_AVAILABLE)
    if not insecure_no_auth and not is_loopback(host):
        raise ConfigError(
            f"Refusing to listen on {host}: without sign-in anyone who reaches the port could"
            " read the books. Listen on 127.0.0.1 (the default), or pass --insecure-no-auth to"
            " accept that risk."
        )

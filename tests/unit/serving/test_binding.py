"""Which hosts `serve --transport http` listens on without sign-in."""

from __future__ import annotations

import pytest

from sage200_mcp.errors import ConfigError
from sage200_mcp.serving.binding import check_exposure, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.8.7", "::1", "[::1]", "localhost"])
def test_loopback_addresses_need_no_flag(host: str) -> None:
    assert is_loopback(host)
    check_exposure(host, team=False, insecure_no_auth=False)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "", "192.168.1.10", "10.0.0.1", "fe80::1", "myhost", "localhost.evil"]
)
def test_any_other_host_is_refused_without_insecure_no_auth(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match="--insecure-no-auth"):
        check_exposure(host, team=False, insecure_no_auth=False)
    check_exposure(host, team=False, insecure_no_auth=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "192.168.1.10"])
def test_team_mode_listens_anywhere_but_not_without_sign_in(host: str) -> None:
    check_exposure(host, team=True, insecure_no_auth=False)
    with pytest.raises(ConfigError, match="choose one"):
        check_exposure(host, team=True, insecure_no_auth=True)

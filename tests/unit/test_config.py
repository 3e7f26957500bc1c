"""Settings: flags > environment > profile config.toml > config.toml > defaults."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sage200_mcp.config import Settings, read_toml, write_toml
from sage200_mcp.errors import ConfigError


def test_defaults(tmp_path: Path) -> None:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})
    assert settings.profile == "default"
    assert settings.edition == "professional"
    assert settings.api_url == "https://api.columbus.sage.com/uk/sage200extra/accounts/v1/"
    assert settings.id_url == "https://id.sage.com"
    assert settings.redirect_uri is None
    assert settings.sign_in_redirect() == "http://localhost:8765/callback"
    assert settings.client_type == "desktop"
    assert settings.refresh_token_days == 90
    assert settings.tokens_path == tmp_path / "profiles" / "default" / "tokens.json"
    with pytest.raises(ConfigError, match="SAGE200_CLIENT_ID"):
        settings.require_client_id()


def test_the_order_of_precedence(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "config.toml",
        {"client_id": "shared", "edition": "standard", "redirect_uri": "http://localhost:1111/cb"},
    )
    write_toml(
        tmp_path / "profiles" / "work" / "config.toml",
        {"client_id": "profile", "id_url": "https://id.profile"},
    )
    environ = {
        "SAGE200_CONFIG_DIR": str(tmp_path),
        "SAGE200_PROFILE": "work",
        "SAGE200_ID_URL": "https://id.env",
    }
    settings = Settings.load(environ=environ)
    assert settings.client_id == "profile"
    assert settings.id_url == "https://id.env"
    assert settings.edition == "standard"
    assert settings.api_url == "https://api.columbus.sage.com/uk/sage200/accounts/v1/"
    assert settings.redirect_uri == "http://localhost:1111/cb"
    flagged = Settings.load(
        profile="work", overrides={"client_id": "flag", "edition": None}, environ=environ
    )
    assert flagged.client_id == "flag" and flagged.edition == "standard"
    other = Settings.load(profile="home", environ=environ)
    assert other.client_id == "shared"


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"SAGE200_EDITION": "enterprise"}, "SAGE200_EDITION"),
        ({"SAGE200_REDIRECT_URI": "localhost:8765"}, "SAGE200_REDIRECT_URI"),
        ({"SAGE200_API_URL": "ftp://x"}, "SAGE200_API_URL"),
        ({"SAGE200_API_URL": "https://api.columbus.sage.com/uk/sage200extra/"}, "/accounts/v1/"),
        ({"SAGE200_API_URL": "https://api.columbus.sage.com/?x=1"}, "query"),
        ({"SAGE200_REFRESH_TOKEN_DAYS": "soon"}, "SAGE200_REFRESH_TOKEN_DAYS"),
        ({"SAGE200_REFRESH_TOKEN_DAYS": "-1"}, "SAGE200_REFRESH_TOKEN_DAYS"),
        ({"SAGE200_PROFILE": "../escape"}, "Invalid profile name"),
    ],
)
def test_bad_values_are_refused_by_name(
    tmp_path: Path, environ: dict[str, str], words: str
) -> None:
    with pytest.raises(ConfigError, match=words):
        Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path), **environ})


@pytest.mark.parametrize(
    ("environ", "edition", "api_url", "detect"),
    [
        # nothing given: Professional's path on Sage's gateway, and the client finds the edition
        ({}, "professional", "https://api.columbus.sage.com/uk/sage200extra/accounts/v1/", True),
        (
            {"SAGE200_API_URL": "http://127.0.0.1:8200"},
            "professional",
            "http://127.0.0.1:8200/uk/sage200extra/accounts/v1/",
            True,
        ),
        (
            {"SAGE200_API_URL": "http://127.0.0.1:8200/", "SAGE200_EDITION": "standard"},
            "standard",
            "http://127.0.0.1:8200/uk/sage200/accounts/v1/",
            False,
        ),
        # a full base URL is used as it is, and names its edition
        (
            {"SAGE200_API_URL": "http://127.0.0.1:8200/uk/sage200/accounts/v1"},
            "standard",
            "http://127.0.0.1:8200/uk/sage200/accounts/v1/",
            False,
        ),
        (
            {"SAGE200_API_URL": "https://proxy.example/sage/accounts/v1/"},
            "professional",
            "https://proxy.example/sage/accounts/v1/",
            False,
        ),
    ],
)
def test_the_api_url_is_an_origin_or_a_full_base_url(
    tmp_path: Path, environ: dict[str, str], edition: str, api_url: str, detect: bool
) -> None:
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path), **environ})
    assert (settings.edition, settings.api_url, settings.detect_edition) == (
        edition,
        api_url,
        detect,
    )
    standard = settings.api_url_for("standard")
    assert standard == (api_url.replace("sage200extra", "sage200") if detect else api_url)


def test_an_edition_in_the_profile_is_a_given_one(tmp_path: Path) -> None:
    write_toml(tmp_path / "profiles" / "default" / "config.toml", {"edition": "standard"})
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})
    assert settings.edition == "standard" and not settings.detect_edition


def test_a_broken_config_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("client_id = ")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})


def test_toml_round_trip_with_awkward_text(tmp_path: Path) -> None:
    values = {"name": 'O\'Brien "Hardware" \\ Ltd\nline', "id": 3, "on": True, "rate": 1.5}
    write_toml(tmp_path / "x.toml", values)
    assert read_toml(tmp_path / "x.toml") == values


@pytest.mark.parametrize(
    "name", ["Acme\r", "Tab\there", "nul\x00", "esc\x1b[31m", "del\x7f", "nel\x85", "\u2028sep"]
)
def test_names_from_sage_with_control_characters_keep_the_profile_readable(
    tmp_path: Path, name: str
) -> None:
    write_toml(tmp_path / "x.toml", {"company_name": name, "company_id": 1})
    assert read_toml(tmp_path / "x.toml") == {"company_name": name, "company_id": 1}


def test_the_client_type_is_detected_from_the_secret_or_set(tmp_path: Path) -> None:
    base = {"SAGE200_CONFIG_DIR": str(tmp_path), "SAGE200_CLIENT_ID": "id"}
    unsaid = Settings.load(environ=base)  # no secret, no type: Sage registered a desktop app
    assert unsaid.client_type == "desktop" and unsaid.secret_to_send is None
    assert unsaid.sign_in_redirect() == "http://localhost:8765/callback"
    web = Settings.load(environ={**base, "SAGE200_CLIENT_SECRET": "s"})
    assert web.client_type == "web" and web.secret_to_send == "s"
    with pytest.raises(ConfigError, match="https redirect URL registered"):
        web.sign_in_redirect()  # no default can guess a web application's address
    registered = Settings.load(
        environ={**base, "SAGE200_CLIENT_SECRET": "s", "SAGE200_REDIRECT_URI": "https://a.b/cb"}
    )
    assert registered.sign_in_redirect() == "https://a.b/cb"
    desktop = Settings.load(
        environ={**base, "SAGE200_CLIENT_SECRET": "left-over", "SAGE200_CLIENT_TYPE": "Desktop"}
    )
    assert desktop.client_type == "desktop" and desktop.secret_to_send is None
    assert desktop.sign_in_redirect() == "http://localhost:8765/callback"
    bare_web = Settings.load(environ={**base, "SAGE200_CLIENT_TYPE": "web"})
    with pytest.raises(ConfigError, match="SAGE200_CLIENT_SECRET"):
        bare_web.require_web_secret()
    with pytest.raises(ConfigError, match="SAGE200_CLIENT_TYPE"):
        Settings.load(environ={**base, "SAGE200_CLIENT_TYPE": "mobile"})


def test_the_day_the_tools_treat_as_today_can_be_pinned(tmp_path: Path) -> None:
    def load(**environ: str) -> Settings:
        return Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path), **environ})

    assert load().today is None
    assert load(SAGE200_TODAY=" 2026-03-31 ").today == date(2026, 3, 31)
    with pytest.raises(ConfigError, match="SAGE200_TODAY must be a date as YYYY-MM-DD"):
        load(SAGE200_TODAY="31/03/2026")
    (tmp_path / "config.toml").write_text("today = 2025-12-31\n")
    assert load().today == date(2025, 12, 31)

"""Settings, resolved once: flags > environment > profile config.toml > config.toml > defaults.

The config directory (``SAGE200_CONFIG_DIR``, by default the platform's user config dir) holds a
shared ``config.toml`` and one folder per profile, ``profiles/<name>/``, with that profile's
``config.toml`` (selected site and company, edition) and its ``tokens.json``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs

from sage200_mcp.errors import ConfigError
from sage200_mcp.files import write_private

Edition = Literal["professional", "standard"]
EDITIONS: tuple[Edition, ...] = ("professional", "standard")  # the order an unset one is tried in
ClientType = Literal["desktop", "web"]

APP_NAME = "sage200-mcp"
DEFAULT_ID_URL = "https://id.sage.com"
DEFAULT_REDIRECT_URI = "http://localhost:8765/callback"
DEFAULT_API_ORIGIN = "https://api.columbus.sage.com/"
EDITION_PATHS: dict[Edition, str] = {
    "professional": "uk/sage200extra/accounts/v1/",
    "standard": "uk/sage200/accounts/v1/",
}
DEFAULT_REFRESH_TOKEN_DAYS = 90.0

# setting name -> environment variable
ENVIRONMENT = {
    "client_id": "SAGE200_CLIENT_ID",
    "client_secret": "SAGE200_CLIENT_SECRET",
    "client_type": "SAGE200_CLIENT_TYPE",
    "edition": "SAGE200_EDITION",
    "redirect_uri": "SAGE200_REDIRECT_URI",
    "id_url": "SAGE200_ID_URL",
    "api_url": "SAGE200_API_URL",
    "subscription_key": "SAGE200_SUBSCRIPTION_KEY",
    "refresh_token_days": "SAGE200_REFRESH_TOKEN_DAYS",
    "max_result_chars": "SAGE200_MAX_RESULT_CHARS",
    "http_timeout": "SAGE200_HTTP_TIMEOUT",
    "today": "SAGE200_TODAY",
}
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Settings:
    profile: str
    config_dir: Path
    client_id: str | None
    client_secret: str | None
    client_type: ClientType
    edition: Edition
    redirect_uri: str | None  # as configured; sign_in_redirect() applies the default
    id_url: str
    api_url: str
    subscription_key: str | None
    refresh_token_days: float
    max_result_chars: int = 40_000
    http_timeout: float = 30.0
    today: date | None = None  # the day the tools treat as today; None: the real one
    # the key cursors are signed with, shared by a team's replicas (derived from its token
    # key); None: this installation's own, kept in the config directory
    cursor_key: bytes | None = field(default=None, repr=False)
    # Neither the edition nor a full base URL was given: the API client tries each edition's
    # base path on the gateway (``api_url`` is then Professional's) and remembers the one found.
    detect_edition: bool = False

    def api_url_for(self, edition: Edition) -> str:
        """The base URL of ``edition``: ``api_url`` itself unless the edition is to be found."""
        if not self.detect_edition:
            return self.api_url
        return self.api_url.removesuffix(EDITION_PATHS[self.edition]) + EDITION_PATHS[edition]

    @property
    def profile_dir(self) -> Path:
        return self.config_dir / "profiles" / self.profile

    @property
    def tokens_path(self) -> Path:
        return self.profile_dir / "tokens.json"

    @property
    def profile_config_path(self) -> Path:
        return self.profile_dir / "config.toml"

    def require_client_id(self) -> str:
        if not self.client_id:
            raise ConfigError(
                "No Sage client id is configured. Run `sage200-mcp setup` in a terminal: it asks"
                " for the credentials Sage issued for your application and writes them to"
                f" {self.config_dir / 'config.toml'}, readable by you alone. Or set"
                " SAGE200_CLIENT_ID (and, for a web application, SAGE200_CLIENT_SECRET) in the"
                " environment the server starts in. To try the server without a Sage account,"
                " use `sage200-mcp serve --demo`."
            )
        return self.client_id

    def setup_problem(self) -> str | None:
        """What stops this profile reaching Sage at all, or None: the one text the command line,
        a server started before set-up, and get_status all give."""
        try:
            self.require_client_id()
            self.require_web_secret()
        except ConfigError as error:
            return str(error)
        return None

    @property
    def secret_to_send(self) -> str | None:
        """The client secret, for a web application only: a desktop application has none, and a
        secret left over in the environment must not make Sage ID treat it as a web one."""
        return self.client_secret if self.client_type == "web" else None

    def sign_in_redirect(self) -> str:
        """The redirect URI a sign-in uses: the configured one, else (desktop only) the loopback
        default. A web application's redirect must be the https address registered for it, which
        no default can guess."""
        if self.redirect_uri:
            return self.redirect_uri
        if self.client_type == "desktop":
            return DEFAULT_REDIRECT_URI
        raise ConfigError(
            "A web application signs in through the https redirect URL registered for it with"
            " Sage: set SAGE200_REDIRECT_URI to exactly that address (for example"
            " https://www.your-company.com/sage200/callback). If Sage registered a desktop"
            " application instead (it has no secret), set SAGE200_CLIENT_TYPE=desktop and"
            " remove SAGE200_CLIENT_SECRET."
        )

    def require_web_secret(self) -> None:
        if self.client_type == "web" and not self.client_secret:
            raise ConfigError(
                "SAGE200_CLIENT_TYPE is web, but no client secret is configured: set"
                " SAGE200_CLIENT_SECRET to the secret Sage issued, or, for a desktop application"
                " (which has no secret), set SAGE200_CLIENT_TYPE=desktop."
            )

    @classmethod
    def load(
        cls,
        profile: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        environ = os.environ if environ is None else environ
        config_dir = config_dir_of(environ)
        name = profile or environ.get("SAGE200_PROFILE") or "default"
        if not _PROFILE_NAME.fullmatch(name):
            raise ConfigError(
                f"Invalid profile name {name!r}: use letters, digits, '.', '_' or '-'"
                " (up to 64 characters)."
            )
        shared = read_toml(config_dir / "config.toml")
        own = read_toml(config_dir / "profiles" / name / "config.toml")
        given = {k: v for k, v in (overrides or {}).items() if v is not None}

        def pick(key: str) -> Any:
            if key in given:
                return given[key]
            value = environ.get(ENVIRONMENT[key])
            if value:
                return value
            return own.get(key, shared.get(key))

        given_edition = pick("edition")
        api_url = str(pick("api_url") or DEFAULT_API_ORIGIN)
        _check_url("SAGE200_API_URL", api_url)
        base, path_edition = _api_base(api_url)
        edition = _edition(given_edition or path_edition)
        client_secret = _text(pick("client_secret"))
        redirect_uri = _text(pick("redirect_uri"))
        if redirect_uri is not None:
            _check_url("SAGE200_REDIRECT_URI", redirect_uri)
        id_url = str(pick("id_url") or DEFAULT_ID_URL).rstrip("/")
        _check_url("SAGE200_ID_URL", id_url)
        return cls(
            profile=name,
            config_dir=config_dir,
            client_id=_text(pick("client_id")),
            client_secret=client_secret,
            client_type=_client_type(pick("client_type"), client_secret),
            edition=edition,
            redirect_uri=redirect_uri,
            id_url=id_url,
            api_url=base or api_url.rstrip("/") + "/" + EDITION_PATHS[edition],
            subscription_key=_text(pick("subscription_key")),
            refresh_token_days=_days(pick("refresh_token_days")),
            max_result_chars=_budget(pick("max_result_chars")),
            http_timeout=_timeout(pick("http_timeout")),
            today=parse_day(pick("today")),
            detect_edition=not given_edition and base is None,
        )


def unreadable_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Every default, in the usual config directory, read from nothing: what a server runs on
    when its configuration cannot be read, so that it starts and says so in every answer rather
    than exit where only a log file would tell."""
    return Settings(
        profile="default",
        config_dir=config_dir_of(os.environ if environ is None else environ),
        client_id=None,
        client_secret=None,
        client_type="desktop",
        edition="professional",
        redirect_uri=None,
        id_url=DEFAULT_ID_URL,
        api_url=DEFAULT_API_ORIGIN + EDITION_PATHS["professional"],
        subscription_key=None,
        refresh_token_days=DEFAULT_REFRESH_TOKEN_DAYS,
        detect_edition=True,
    )


def config_dir_of(environ: Mapping[str, str]) -> Path:
    """Where config.toml and the profiles live: ``SAGE200_CONFIG_DIR``, else the platform's
    user config directory."""
    return Path(
        environ.get("SAGE200_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME)
    ).expanduser()


def parse_day(value: object) -> date | None:
    if isinstance(value, datetime):  # TOML has its own date and datetime values
        return value.date()
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(
            f"SAGE200_TODAY must be a date as YYYY-MM-DD, not {value!r}; leave it unset for the"
            " real date."
        ) from None


def remember_edition(settings: Settings, edition: Edition) -> None:
    """Write a found edition into the profile's config.toml (other keys kept), so that later
    starts use it without asking Sage."""
    values = read_toml(settings.profile_config_path)
    values["edition"] = edition
    write_toml(settings.profile_config_path, values)


def _api_base(url: str) -> tuple[str | None, Edition | None]:
    """A full base URL (its path ends in /accounts/v1) and the edition its path names; or
    (None, None) for a gateway origin, to which an edition's path is appended."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if parts.query or parts.fragment:
        raise ConfigError(f"SAGE200_API_URL must not carry a query or fragment: {url!r}.")
    if path.endswith("/accounts/v1"):
        named = next(
            (e for e in EDITIONS if path.endswith("/" + EDITION_PATHS[e].rstrip("/"))), None
        )
        return url.rstrip("/") + "/", named
    if not path:
        return None, None
    raise ConfigError(
        "SAGE200_API_URL must be a gateway origin such as https://api.columbus.sage.com (the"
        " edition's path is added) or a full base URL ending in /accounts/v1/, not"
        f" {url!r}."
    )


def _edition(value: Any) -> Edition:
    text = str(value or "professional").strip().lower()
    if text == "professional":
        return "professional"
    if text == "standard":
        return "standard"
    raise ConfigError(f"SAGE200_EDITION must be 'professional' or 'standard', not {text!r}.")


def _client_type(value: Any, secret: str | None) -> ClientType:
    """As configured, else detected: Sage gives a web application a secret and a desktop one
    none, so the secret's presence says which kind was registered."""
    text = str(value or "").strip().lower()
    if not text:
        return "web" if secret else "desktop"
    if text == "desktop":
        return "desktop"
    if text == "web":
        return "web"
    raise ConfigError(f"SAGE200_CLIENT_TYPE must be 'desktop' or 'web', not {text!r}.")


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _days(value: Any) -> float:
    if value is None or value == "":
        return DEFAULT_REFRESH_TOKEN_DAYS
    try:
        days = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"SAGE200_REFRESH_TOKEN_DAYS must be a number, not {value!r}.") from None
    if not 0 < days <= 3650:
        raise ConfigError("SAGE200_REFRESH_TOKEN_DAYS must be between 0 and 3650.")
    return days


def _timeout(value: Any) -> float:
    if value is None or value == "":
        return 30.0
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"SAGE200_HTTP_TIMEOUT must be a number of seconds, not {value!r}."
        ) from None
    if not 0.1 <= seconds <= 600:
        raise ConfigError("SAGE200_HTTP_TIMEOUT must be between 0.1 and 600 seconds.")
    return seconds


def _budget(value: Any) -> int:
    if value is None or value == "":
        return 40_000
    try:
        budget = int(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"SAGE200_MAX_RESULT_CHARS must be a whole number, not {value!r}."
        ) from None
    if budget < 2_000:
        raise ConfigError("SAGE200_MAX_RESULT_CHARS must be at least 2000.")
    return budget


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL, not {url!r}.")


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's table, ``{}`` if there is no file; an unreadable file is a ConfigError."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"Cannot read {path}: {error}. Fix or delete the file.") from None


def write_toml(path: Path, values: Mapping[str, str | int | float | bool]) -> None:
    """Write a flat TOML table (strings, numbers, booleans), atomically, private to the user."""
    lines = [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    write_private(path, ("\n".join(lines) + "\n").encode())


def _toml_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + "".join(map(_toml_char, value)) + '"'


# TOML basic strings allow no control character but tab: a name from Sage such as "Acme\r" must
# still make a file that tomllib reads back unchanged, so every one of them is escaped
_TOML_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_char(ch: str) -> str:
    if ch in _TOML_ESCAPES:
        return _TOML_ESCAPES[ch]
    code = ord(ch)
    return f"\\u{code:04X}" if code < 0x20 or 0x7F <= code <= 0x9F else ch

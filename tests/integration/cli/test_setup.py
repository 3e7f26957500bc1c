"""`sage200-mcp setup`: typed (here piped) answers become a config.toml the server then reads."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sage200_mcp.commands.setup import Prompter, setup
from sage200_mcp.config import DEFAULT_REDIRECT_URI, Settings, read_toml, write_toml

SECRET = "s3cret-Not-For-Output"


def run_setup(config_dir: Path, answers: str, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SAGE200_")}
    return subprocess.run(
        [sys.executable, "-m", "sage200_mcp", "setup", *args],
        input=answers,
        env={**environ, "SAGE200_CONFIG_DIR": str(config_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_desktop_application_needs_only_its_id(tmp_path: Path) -> None:
    done = run_setup(tmp_path, "desktop\nabc-123\n\n\nn\n")
    assert done.returncode == 0, done.stderr
    written = tmp_path / "config.toml"
    assert read_toml(written) == {
        "client_type": "desktop",
        "client_id": "abc-123",
        "redirect_uri": DEFAULT_REDIRECT_URI,
    }
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert "sage200-mcp install claude-desktop" in done.stdout
    assert "sage200-mcp login" in done.stdout  # declined the sign-in: how to do it later
    settings = Settings.load(environ={"SAGE200_CONFIG_DIR": str(tmp_path)})
    assert settings.setup_problem() is None and settings.detect_edition


def test_a_web_secret_is_saved_only_when_agreed_and_never_shown(tmp_path: Path) -> None:
    kept = run_setup(
        tmp_path / "kept", f"web\nweb-id\ny\n{SECRET}\nstandard\nhttps://a.example/cb\nn\n"
    )
    assert kept.returncode == 0, kept.stderr
    assert read_toml(tmp_path / "kept" / "config.toml")["client_secret"] == SECRET
    assert SECRET not in kept.stdout + kept.stderr

    told = run_setup(tmp_path / "told", "web\nweb-id\nn\nstandard\nhttps://a.example/cb\n")
    assert told.returncode == 0, told.stderr
    written = read_toml(tmp_path / "told" / "config.toml")
    assert "client_secret" not in written and written["edition"] == "standard"
    assert "export SAGE200_CLIENT_SECRET='<the secret Sage issued>'" in told.stdout
    assert "Sign in to Sage now?" not in told.stderr  # it cannot until the secret is set


def test_what_is_there_is_the_default_and_other_settings_stay(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "config.toml",
        {"client_id": "old-id", "client_secret": "left-over", "max_result_chars": 5000},
    )
    done = run_setup(tmp_path, "\n\n\n\nn\n")  # every default
    assert done.returncode == 0, done.stderr
    assert read_toml(tmp_path / "config.toml") == {
        "max_result_chars": 5000,
        "client_type": "desktop",
        "client_id": "old-id",
        "redirect_uri": DEFAULT_REDIRECT_URI,
    }  # a desktop application has no secret: the old one is not kept


def test_wrong_answers_are_asked_again(tmp_path: Path) -> None:
    done = run_setup(
        tmp_path,
        "laptop\nd\ntwo words\nabc\nbeta\np\nhttps://a.example/cb\nhttp://localhost:9000/cb\nn\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("Please answer one of") == 2
    assert "The client id is one word" in done.stderr
    assert "http://localhost:<port>/<path>" in done.stderr
    assert read_toml(tmp_path / "config.toml") == {
        "client_type": "desktop",
        "client_id": "abc",
        "edition": "professional",
        "redirect_uri": "http://localhost:9000/cb",
    }


def test_running_out_of_answers_stops_cleanly_and_writes_nothing(tmp_path: Path) -> None:
    done = run_setup(tmp_path, "desktop\n")
    assert done.returncode == 1
    assert done.stderr.endswith("pipe it one answer per line.\n")
    assert "Traceback" not in done.stderr and not (tmp_path / "config.toml").exists()


def test_a_config_file_it_cannot_read_is_left_alone(tmp_path: Path) -> None:
    broken = tmp_path / "config.toml"
    broken.write_text("client_id = [\n")
    done = run_setup(tmp_path, "desktop\nabc\n\n\nn\n")
    assert done.returncode == 1 and f"Cannot read {broken}" in done.stderr
    assert broken.read_text() == "client_id = [\n"


def answers(*lines: str) -> Prompter:
    given: Iterator[str] = iter(line + "\n" for line in lines)

    def read() -> str:
        return next(given, "")

    return Prompter(read=read, read_secret=read)


def test_the_sign_in_offered_uses_what_was_just_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAGE200_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("SAGE200_CLIENT_ID", raising=False)
    signed: list[Settings] = []

    def sign_in(settings: Settings) -> int:
        signed.append(settings)
        return 0

    assert setup("work", answers("desktop", "id-for-work", "", "", "y"), sign_in) == 0
    assert [s.client_id for s in signed] == ["id-for-work"]
    assert signed[0].profile == "work"
    assert read_toml(tmp_path / "profiles" / "work" / "config.toml")["client_id"] == "id-for-work"
    assert not (tmp_path / "config.toml").exists()

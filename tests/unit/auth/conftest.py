"""Settings pointing at a fake Sage ID, a temporary config dir, and a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from sage200_mcp.config import Settings
from tests.helpers import FakeClock

ID_URL = "https://id.test.invalid"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(
        environ={
            "SAGE200_CONFIG_DIR": str(tmp_path / "config"),
            "SAGE200_CLIENT_ID": "client-1",
            "SAGE200_CLIENT_SECRET": "secret-1",
            "SAGE200_ID_URL": ID_URL,
            "SAGE200_REDIRECT_URI": "http://localhost:8765/callback",
        }
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()

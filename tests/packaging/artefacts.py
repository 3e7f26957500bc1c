"""The wheel, sdist and installed command that `make packaging` made, found through the
variables it sets.

Building and installing need PyPI, and tests talk only to 127.0.0.1, so `make dist` and
`make installed` do that beforehand and say where: ``SAGE200_DIST`` (the folder holding the
wheel and sdist) and ``SAGE200_INSTALLED_BIN`` (``sage200-mcp`` in a venv of its own). Locally a
run without them skips these tests; in CI (``CI`` set) their absence is a failure, never a
silent skip.
"""

from __future__ import annotations

import os
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path
from typing import NoReturn

import pytest

DIST_ENV = "SAGE200_DIST"
INSTALLED_ENV = "SAGE200_INSTALLED_BIN"


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run these through `make packaging`")
    pytest.skip(f"{reason} (`make packaging` sets it)")


def built(suffix: str) -> Path:
    """The one artefact ending in ``suffix`` (``.whl``, ``.tar.gz``) that `make dist` built."""
    folder = os.environ.get(DIST_ENV)
    if not folder:
        _missing(f"{DIST_ENV} is not set")
    found = sorted(Path(folder).glob(f"*{suffix}"))
    assert len(found) == 1, f"one {suffix} expected in {folder}, found {found}"
    return found[0]


def installed_bin() -> Path:
    """``sage200-mcp`` as `pip install` of the wheel put it in a fresh venv."""
    path = os.environ.get(INSTALLED_ENV)
    if not path:
        _missing(f"{INSTALLED_ENV} is not set")
    assert Path(path).is_file(), f"{INSTALLED_ENV}={path} does not exist"
    return Path(path)


def uv_bin() -> Path:
    """The dev venv's uv (a dev extra), which runs the wheel as `uvx` does."""
    try:
        from uv import find_uv_bin
    except ImportError:
        _missing("uv is not installed in the dev venv")
    return Path(find_uv_bin())


def wheel_metadata(wheel: Path) -> Message:
    """The wheel's METADATA: what pip and PyPI read of it."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return Parser().parsestr(archive.read(name).decode())


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything that would put the source tree on the installed
    command's path: it must run from what was installed, or the test proves nothing."""
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH"}
    env = {name: value for name, value in os.environ.items() if name not in drop}
    return {**env, **extra}

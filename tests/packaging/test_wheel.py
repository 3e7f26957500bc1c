"""The wheel and sdist as `make dist` built them: what pip, PyPI and a packager read of them."""

from __future__ import annotations

import configparser
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from sage200_mcp import __version__
from tests.packaging.artefacts import built, wheel_metadata
from tests.packaging.reads import ROOT, SOURCE

pytestmark = pytest.mark.wheel


def _source_files() -> set[str]:
    """Every file of the package in this tree, as the wheel names it: code and data alike."""
    return {
        path.relative_to(SOURCE.parent).as_posix()
        for path in SOURCE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_metadata_is_this_trees() -> None:
    wheel = built(".whl")
    meta = wheel_metadata(wheel)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["Name"] == "sage200-mcp"
    assert meta["Version"] == __version__
    assert wheel.name == f"sage200_mcp-{__version__}-py3-none-any.whl"
    assert meta["Requires-Python"] == project["requires-python"]
    assert meta["License-Expression"] == "MIT"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload() == (ROOT / "README.md").read_text()
    runtime = [Requirement(r) for r in meta.get_all("Requires-Dist", []) if "extra ==" not in r]
    assert sorted(map(str, runtime)) == sorted(str(Requirement(r)) for r in project["dependencies"])


def test_wheel_runs_sage200_mcp_from_the_cli() -> None:
    with zipfile.ZipFile(built(".whl")) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(name).decode())
    assert dict(entry_points["console_scripts"]) == {"sage200-mcp": "sage200_mcp.cli:main"}


def test_wheel_holds_the_package_and_its_data_and_nothing_else() -> None:
    # the sandbox reads the OpenAPI schemas at run time: a wheel without them fails only
    # when a user's sandbox first checks an answer
    with zipfile.ZipFile(built(".whl")) as archive:
        names = set(archive.namelist())
    dist_info = f"sage200_mcp-{__version__}.dist-info/"
    assert {n for n in names if not n.startswith(dist_info)} == _source_files()
    assert f"{dist_info}licenses/LICENSE" in names
    assert {n for n in names if n.startswith("sage200_mcp/openapi/") and n.endswith(".json")}


def test_sdist_is_the_source_release() -> None:
    sdist = built(".tar.gz")
    top = f"sage200_mcp-{__version__}"
    assert sdist.name == f"{top}.tar.gz"
    with tarfile.open(sdist) as archive:
        names = {Path(n).relative_to(top).as_posix() for n in archive.getnames() if n != top}
    wanted = {"PKG-INFO", "pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "Makefile"}
    wanted |= {f"src/{name}" for name in _source_files()}
    # what a packager needs to run the tests from the sdist, and the docs the README links to
    wanted |= {"tests/conftest.py", "tests/helpers.py", "bench/bench.py", "docs/ARCHITECTURE.md"}
    wanted |= {"deploy/nginx.conf.template", "deploy/compose.yaml", "deploy/.env.example"}
    wanted |= {"tests/integration/deploy/schema/compose-spec.json"}
    assert wanted <= names, sorted(wanted - names)
    assert not {n for n in names if n.startswith((".venv", ".git", "dist/", "build/", ".ci/"))}
    assert "deploy/.env" not in names
    assert not {n for n in names if "__pycache__" in n or n.endswith(".pyc")}


def test_twine_passes_both_as_pypi_would_check_an_upload() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", built(".whl"), built(".tar.gz")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2

"""deploy/compose.yaml, deploy/.env.example and deploy/Dockerfile hold together: three replicas
behind nginx, nginx given every placeholder its template has, every setting the server reads
documented, and the image built with the extra and the command the project has.

No YAML parser is installed for the tests, and PyYAML is not worth a dependency for one file, so
the compose file is read by indentation: enough for its own plain layout. ``docker compose
config``, the real check, runs too where Docker Compose is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.loadbalancer import DEPLOY, TEMPLATE, placeholders

ROOT = DEPLOY.parent
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = DEPLOY / "Dockerfile"
REPLICA_PORT = 8000
# read by the code, but not by a team server's replicas (README, Configuration)
NOT_FOR_A_TEAM = {"SAGE200_CONFIG_DIR", "SAGE200_PROFILE", "SAGE200_NO_BROWSER", "SAGE200_TODAY"}


def block(lines: list[str], key: str) -> list[str]:
    """The lines nested under the first ``key:`` line (given with its indentation)."""
    start = lines.index(f"{key}:") + 1
    indent = len(key) - len(key.lstrip()) + 2
    nested: list[str] = []
    for line in lines[start:]:
        if line.strip() and len(line) - len(line.lstrip()) < indent:
            break
        nested.append(line)
    return nested


def keys(lines: list[str]) -> dict[str, str]:
    """The mapping's keys at the shallowest indentation, each with what follows its colon."""
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    found: dict[str, str] = {}
    for line in lines:
        if line.strip() and len(line) - len(line.lstrip()) == indent and ":" in line:
            name, _, value = line.strip().partition(":")
            found[name] = value.strip()
    return found


def compose_lines() -> list[str]:
    return [line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#")]


def services() -> dict[str, str]:
    return keys(block(compose_lines(), "services"))


def replicas() -> list[str]:
    return [name for name, value in services().items() if value == "*replica"]


def nginx_environment() -> dict[str, str]:
    nginx = block(compose_lines(), "  nginx")
    return {name: value.strip('"') for name, value in keys(block(nginx, "    environment")).items()}


def env_example() -> tuple[dict[str, str], set[str]]:
    """The settings .env.example sets, and the names it mentions at all (commented ones too)."""
    text = ENV_EXAMPLE.read_text()
    assigned = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, re.MULTILINE))
    return assigned, set(re.findall(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b", text))


def test_postgres_nginx_and_three_replicas_of_one_definition() -> None:
    assert set(services()) == {"postgres", "nginx", "replica1", "replica2", "replica3"}
    assert replicas() == ["replica1", "replica2", "replica3"]


def test_nginx_sends_to_every_replica_on_the_port_the_image_serves() -> None:
    listed = re.findall(r"server ([a-z0-9]+):(\d+);", nginx_environment()["NGINX_UPSTREAMS"])
    assert listed == [(name, str(REPLICA_PORT)) for name in replicas()]
    dockerfile = DOCKERFILE.read_text()
    assert f"EXPOSE {REPLICA_PORT}\n" in dockerfile
    assert f'"--port", "{REPLICA_PORT}"' in dockerfile
    assert f'    - "{REPLICA_PORT}"' in COMPOSE.read_text()  # the replicas' own command


def test_nginx_is_given_every_placeholder_of_the_template_and_renders_them_all() -> None:
    wanted = placeholders(TEMPLATE.read_text())
    assert set(nginx_environment()) == wanted
    # the container's envsubst is told the same names: any other would be left as ${...}
    command = " ".join(block(compose_lines(), "    command"))
    listed = re.search(r"envsubst '([^']*)'", command)
    assert listed is not None
    assert set(re.findall(r"\$\$(NGINX_[A-Z_]+)", listed.group(1))) == wanted


def test_every_setting_the_server_reads_is_in_the_env_example() -> None:
    source = "\n".join(path.read_text() for path in (ROOT / "src").rglob("*.py"))
    read = set(re.findall(r'"(SAGE200_[A-Z_]+)"', source))
    assert "SAGE200_TOKEN_KEY" in read  # the search finds what it is meant to
    _, mentioned = env_example()
    assert sorted(read - NOT_FOR_A_TEAM - mentioned) == []
    assert mentioned >= NOT_FOR_A_TEAM  # said why they are not there


def test_the_env_example_sets_everything_compose_requires_with_no_real_secret() -> None:
    assigned, _ = env_example()
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text()))
    assert required == {"SAGE200_PUBLIC_URL", "POSTGRES_PASSWORD"}
    defaulted = set(re.findall(r"\$\{([A-Z0-9_]+):-", COMPOSE.read_text()))
    assert required | defaulted <= set(assigned)
    for name in ("SAGE200_CLIENT_SECRET", "SAGE200_TOKEN_KEY", "POSTGRES_PASSWORD"):
        assert assigned[name] == "CHANGE-ME"
    assert assigned["SAGE200_DATABASE_URL"].startswith("postgresql://sage200:CHANGE-ME@postgres:")


def test_the_image_installs_the_team_extra_and_runs_the_project_command() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dockerfile = DOCKERFILE.read_text()
    extra = re.search(r'pip install "\$\(ls /wheels/sage200_mcp-\*\.whl\)\[(\w+)\]"', dockerfile)
    assert extra is not None
    assert extra.group(1) in project["optional-dependencies"]
    assert {"psycopg[binary]>=3.2", "cryptography>=43"} <= set(
        project["optional-dependencies"][extra.group(1)]
    )
    entrypoint = re.search(r'^ENTRYPOINT \["([^"]+)"\]$', dockerfile, re.MULTILINE)
    assert entrypoint is not None
    assert entrypoint.group(1) in project["scripts"]
    # what the build is allowed to read is what the wheel's build needs
    assert project["readme"] == "README.md"
    assert "COPY pyproject.toml README.md LICENSE ./" in dockerfile


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run([docker, "compose", "version"], capture_output=True).returncode
    ):
        pytest.skip("Docker Compose is not installed: the file's structure is checked above")
    deploy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, deploy)
    shutil.copy(ENV_EXAMPLE, deploy / ".env")  # what a deployment starts from
    checked = subprocess.run(
        [docker, "compose", "-f", str(deploy / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr

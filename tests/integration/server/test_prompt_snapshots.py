"""Every prompt (its listing, and its text with no arguments on the sandbox's day) and every
resource template, pinned one file each in tests/snapshots/prompts/ and
tests/snapshots/resource_templates/, as tools are (test_tool_schemas.py): a change to what a
client shows must be deliberate. UPDATE_SNAPSHOTS=1 rewrites them (tests/pinning.py)."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from sage200_mcp.config import Settings
from sage200_mcp.server import create_server
from tests.helpers import TODAY
from tests.pinning import check_both_ways, check_pinned, pinned_names


def _pinned(entry: dict[str, Any]) -> str:
    return json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


async def _described(config_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The live prompts and resource templates, as their snapshot files hold them."""
    settings = Settings.load(
        environ={"SAGE200_CONFIG_DIR": str(config_dir), "SAGE200_TODAY": TODAY}
    )
    prompts: dict[str, str] = {}
    templates: dict[str, str] = {}
    async with Client(create_server(settings)) as client:
        for prompt in (await client.list_prompts()).prompts:
            shown = await client.get_prompt(prompt.name, {})
            entry = prompt.model_dump(mode="json", by_alias=True, exclude_none=True)
            entry["messages"] = [
                {"role": message.role, "lines": message.content.text.split("\n")}  # type: ignore[union-attr]
                for message in shown.messages
            ]
            prompts[prompt.name] = _pinned(entry)
        for template in (await client.list_resource_templates()).resource_templates:
            entry = template.model_dump(mode="json", by_alias=True, exclude_none=True)
            templates[template.name] = _pinned(entry)
    return prompts, templates


@functools.cache
def described() -> tuple[dict[str, str], dict[str, str]]:
    """Read once (at collection, before any test's event loop runs)."""
    with tempfile.TemporaryDirectory() as config_dir:
        return anyio.run(_described, Path(config_dir))


@pytest.mark.parametrize("prompt", sorted(set(described()[0]) | pinned_names("prompts")))
def test_prompt_matches_its_snapshot(prompt: str) -> None:
    check_pinned("prompts", prompt, described()[0].get(prompt))


@pytest.mark.parametrize(
    "template", sorted(set(described()[1]) | pinned_names("resource_templates"))
)
def test_resource_template_matches_its_snapshot(template: str) -> None:
    check_pinned("resource_templates", template, described()[1].get(template))


def test_every_prompt_and_template_has_a_snapshot_and_every_snapshot_one() -> None:
    check_both_ways("prompts", set(described()[0]))
    check_both_ways("resource_templates", set(described()[1]))

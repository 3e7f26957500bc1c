"""Snapshots of what the server shows a client (tools, prompts, resource templates), one file
per item under tests/snapshots/<kind>/, compared item by item so a failure names the item.

To accept a change, run with UPDATE_SNAPSHOTS=1 and review the diff like code: the files are
rewritten (a new item's written, a gone item's deleted) and the test says which, without ever
comparing a file it has just written with itself. CI never rewrites them: there
UPDATE_SNAPSHOTS fails, so an unreviewed change cannot pass by accepting itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def updating() -> bool:
    """Whether UPDATE_SNAPSHOTS asks for the files to be rewritten; never allowed in CI."""
    if not os.environ.get("UPDATE_SNAPSHOTS"):
        return False
    if os.environ.get("CI"):
        pytest.fail(
            "UPDATE_SNAPSHOTS is set in CI, where snapshots can't be rewritten: run it locally,"
            " review the diff of tests/snapshots/ and commit it."
        )
    return True


def pinned_names(kind: str) -> set[str]:
    return {path.stem for path in (SNAPSHOTS / kind).glob("*.json")}


def check_pinned(kind: str, name: str, current: str | None) -> None:
    """``current`` (None: the server no longer has the item) against its snapshot file."""
    path = SNAPSHOTS / kind / f"{name}.json"
    shown = f"tests/snapshots/{kind}/{name}.json"
    pinned = path.read_text() if path.exists() else None  # read before anything is written
    if updating():
        if current is None:
            path.unlink()
            pytest.skip(f"{name}: gone from the server; its snapshot was deleted. Review the diff.")
        if pinned != current:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(current)
            pytest.skip(f"{name}: snapshot rewritten. Review the diff before committing.")
        return  # unchanged: compared above with the file as it was
    assert current is not None, (
        f"{shown} pins something the server no longer has: if it was removed on purpose, rerun"
        " with UPDATE_SNAPSHOTS=1 to delete its snapshot."
    )
    assert pinned is not None, (
        f"{name} has no snapshot: rerun with UPDATE_SNAPSHOTS=1 and review the new {shown}."
    )
    assert current == pinned, (
        f"{name} changed what a client sees. If intended, rerun with UPDATE_SNAPSHOTS=1 and"
        f" review the diff of {shown}."
    )


def check_both_ways(kind: str, live: set[str]) -> None:
    """The same facts in one line: what is missing on either side."""
    if os.environ.get("UPDATE_SNAPSHOTS") and not os.environ.get("CI"):
        pytest.skip("the snapshots are being rewritten")
    pinned = pinned_names(kind)
    assert (sorted(live - pinned), sorted(pinned - live)) == ([], []), (
        f"({kind} without a snapshot, snapshots without a live item)"
    )

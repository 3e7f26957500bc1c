"""The books' shape as the sandbox command takes it: postings and cost centres."""

from __future__ import annotations

from datetime import date

import pytest

from sage200_mcp.cli import build_parser
from sage200_mcp.sandbox.app import Sandbox, SandboxSettings


def test_the_sandbox_command_takes_postings_and_cost_centres() -> None:
    args = build_parser().parse_args(
        ["sandbox", "--postings", "per-document", "--cost-centres", "3"]
    )
    assert (args.postings, args.cost_centres) == ("per-document", 3)
    defaults = build_parser().parse_args(["sandbox"])
    assert (defaults.postings, defaults.cost_centres) == ("daily", None)


@pytest.mark.parametrize(
    "flags", [["--postings", "weekly"], ["--cost-centres", "13"], ["--cost-centres", "-1"]]
)
def test_the_sandbox_command_refuses_a_shape_it_cannot_build(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["sandbox", *flags])
    assert exit_.value.code == 2 and flags[0] in capsys.readouterr().err


@pytest.mark.parametrize(
    ("customers", "asked", "splits"),
    [(500, None, 0), (10_000, None, 8), (500, 2, 2), (10_000, 0, 0)],
)
def test_a_big_main_company_splits_its_codes_unless_told(
    customers: int, asked: int | None, splits: int
) -> None:
    sandbox = Sandbox(
        SandboxSettings(customers=customers, cost_centres=asked, today=date(2026, 11, 28))
    )
    companies = {c.id: c for site in sandbox.world.sites for c in site.companies}
    assert {number: c.cost_centres for number, c in companies.items()} == {1: splits, 2: 2, 3: 0}


def test_settings_refuse_an_unknown_way_of_posting() -> None:
    with pytest.raises(ValueError, match="postings must be one of daily, per-document"):
        Sandbox(SandboxSettings(postings="weekly"))

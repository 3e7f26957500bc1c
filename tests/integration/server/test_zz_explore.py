from __future__ import annotations

import json

import pytest
from mcp import Client

from tests.integration.server.test_tools import call

pytestmark = pytest.mark.anyio


async def test_explore(mcp: Client) -> None:
    for site in ("1", "ireland", "riverside"):
        await call(mcp, "switch_site", site=site)
        for tool, args in (
            ("get_trial_balance", {}),
            ("get_profit_and_loss", {}),
            ("get_balance_sheet", {}),
            ("get_profit_and_loss", {"year": -1}),
            ("get_balance_sheet", {"as_at": "2025-12-31"}),
        ):
            data = await call(mcp, tool, **args)
            text = json.dumps(data)
            print(
                site,
                tool,
                args,
                len(text),
                data.get("ties_out"),
                [(c["name"], c.get("passed"), c["difference"]) for c in data["checks"]],
            )
            open(f"/tmp/explore/{site}-{tool}-{len(args)}.json", "w").write(
                json.dumps(data, indent=1)
            )

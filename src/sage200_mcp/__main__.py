"""``python -m sage200_mcp``: the same as the ``sage200-mcp`` command."""

import sys

from sage200_mcp.cli import main

sys.exit(main())

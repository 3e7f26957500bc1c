"""The subcommands of ``sage200-mcp``; each returns an exit code."""

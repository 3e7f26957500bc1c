"""install/: where MCP clients keep their config, and editing it in place."""

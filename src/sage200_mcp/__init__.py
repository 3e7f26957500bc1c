"""sage200-mcp: an MCP server for Sage 200 (UK & Ireland), with a built-in sandbox."""

__version__ = "0.1.0"

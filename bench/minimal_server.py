"""The SDK's floor: an MCPServer with one tool on stdio, the start-up baseline of bench.py."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("minimal")


@server.tool()
def ping() -> str:
    """Answer pong."""
    return "pong"


if __name__ == "__main__":
    server.run()

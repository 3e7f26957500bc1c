"""The Claude Desktop extension's entry point: ``sage200-mcp serve`` over stdio.

Claude Desktop runs this file with uv in the unpacked bundle, whose pyproject.toml installs the
package from the bundle's own src/ (and its dependencies, as wheels for the user's platform), so
the bundle carries no compiled code of its own. The settings form reaches the server as the
environment variables the manifest's mcp_config names.
"""

import sys

from sage200_mcp.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))

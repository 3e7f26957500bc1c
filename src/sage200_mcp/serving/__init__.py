"""What makes ``serve --transport http`` safe to leave listening: who may bind where, and the
limits that keep slow or hostile clients from exhausting the process or filling the disk.

Plain ASGI and asyncio pieces; they know nothing of MCP, Sage or the tools, so each is tested
on its own and the team mode can reuse them.
"""

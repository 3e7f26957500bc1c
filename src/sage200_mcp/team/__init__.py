"""Team mode's shared state: people, their Sage sign-ins (encrypted), their selected company,
the MCP OAuth clients and tokens the server issues, and the audit log, in SQLite (one machine)
or PostgreSQL (replicas). Knows nothing of MCP or the tools: the server calls it.

Use: ``store = await open_store()`` once per process, then ``TeamStore``'s methods;
``async with store.refreshing(subject) as held`` around each Sage refresh.
"""

"""Team mode's front door: the MCP endpoint as an OAuth 2.1 protected resource, and the
authorization server that signs people in through Sage ID (the one registered Sage app) and
issues them this server's own short-lived tokens. MCP clients never see a Sage token.

Built from the MCP SDK's auth pieces (metadata, /authorize, /token, /register, the bearer
middleware) over a provider backed by the team store (``team``), so every replica answers
every step. Use: ``app.build(...)`` for the Starlette app; ``identity.current_person()``
inside a tool call for who is calling.
"""

"""Adding this server to an MCP client's own config file, and taking it out again.

Pure file work: where each client keeps its config on each system, and editing that file
without disturbing anything else in it. It knows nothing of MCP, Sage or the server itself.
"""

"""The MCP tools: thin functions from arguments to one API call to a shaped result.

Tools never touch HTTP or tokens (that is api/ and auth/); they reach both through AppState.
"""

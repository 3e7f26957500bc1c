"""The Sage 200 API over HTTP: requests, paging, retries, what Sage answers and how it varies.

Knows nothing of MCP (the build's import contracts say so): tools/ call the functions of
ledgers.py, orders.py, stock.py, nominal.py and query.py and shape what they return. The names
below are the ones the rest of the package relies on.
"""

from __future__ import annotations

from sage200_mcp.api.client import Company, SageClient
from sage200_mcp.api.errors import ApiError, CompanyRefused, NotFound

__all__ = ["ApiError", "Company", "CompanyRefused", "NotFound", "SageClient"]

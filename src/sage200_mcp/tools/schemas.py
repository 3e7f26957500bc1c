"""Tool schemas as the model reads them: without pydantic's titles.

pydantic gives every argument and field a ``title`` made from its name ("from_period" becomes
"From Period"). A client puts each tool's input schema into the model's context on every turn,
so those titles cost context and say nothing the name does not; they are left out of what
tools/list answers (the server still validates arguments against the full schema).
"""

from __future__ import annotations

from typing import Any

# keywords whose value is a map of names to schemas, or a list of schemas, or one schema
_NAMED = ("properties", "$defs", "definitions", "patternProperties")
_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains")


def without_titles(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a JSON schema with every ``title`` keyword left out (a property that happens
    to be named "title" stays: it is a name, not the keyword)."""
    compact: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in _NAMED and isinstance(value, dict):
            value = {
                name: without_titles(inner) if isinstance(inner, dict) else inner
                for name, inner in value.items()
            }
        elif key in _LISTS and isinstance(value, list):
            value = [without_titles(inner) if isinstance(inner, dict) else inner for inner in value]
        elif key in _ONE and isinstance(value, dict):
            value = without_titles(value)
        compact[key] = value
    return compact

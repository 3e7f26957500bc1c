"""Tool schemas listed without pydantic's titles, and nothing else lost."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sage200_mcp.tools.schemas import without_titles


class Line(BaseModel):
    title: str = Field(description="A field named title: a name, kept.")
    amount: float | None = None


class Answer(BaseModel):
    lines: list[Line]
    total: float | None = Field(default=None, ge=0)


def keywords(schema: Any) -> list[str]:
    """Every ``title`` used as a keyword anywhere in a schema."""
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "title" and isinstance(value, str):
                found.append(value)
            if key == "properties" and isinstance(value, dict):
                for inner in value.values():
                    found += keywords(inner)
            elif key != "properties":
                found += keywords(value)
    elif isinstance(schema, list):
        for item in schema:
            found += keywords(item)
    return found


def test_titles_go_and_everything_else_stays() -> None:
    schema = Answer.model_json_schema()
    assert keywords(schema)  # pydantic does write them
    compact = without_titles(schema)
    assert keywords(compact) == []
    line = compact["$defs"]["Line"]
    assert set(line["properties"]) == {"title", "amount"}  # the field named title stays
    assert line["properties"]["title"]["description"].startswith("A field named title")
    assert line["properties"]["amount"]["anyOf"] == [{"type": "number"}, {"type": "null"}]
    assert compact["properties"]["total"]["anyOf"][0] == {"minimum": 0, "type": "number"}
    assert compact["properties"]["lines"]["items"] == {"$ref": "#/$defs/Line"}
    assert compact["required"] == ["lines"]
    assert schema["$defs"]["Line"]["title"] == "Line"  # the original is untouched

"""The span-keeping scanner: it reads what JSON (and VS Code's JSONC) allow, refuses the rest
with a line and column, and edits one member leaving every other byte alone."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sage200_mcp.install import jsonc

NAME = "sage200"
ENTRY = {"command": "/opt/sage200-mcp/bin/sage200-mcp", "args": ["serve", "--demo"]}


def servers_of(text: str, allow_comments: bool = False) -> jsonc.Value:
    root = jsonc.parse(text, allow_comments)
    member = root.member("mcpServers")
    assert member is not None
    return member.value


def install(text: str, entry: Any = ENTRY, allow_comments: bool = False) -> str:
    return jsonc.set_member(text, servers_of(text, allow_comments), NAME, entry)


def uninstall(text: str, allow_comments: bool = False) -> str:
    return jsonc.remove_member(text, servers_of(text, allow_comments), NAME)


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('{"a": 1,}', (1, 8), "trailing comma"),
        ('{"a": [1, 2,]}', (1, 12), "trailing comma"),
        ('{\n  "a": 1\n  "b": 2\n}', (3, 3), "expected ',' or '}'"),
        ('{"a": 1} // note', (1, 10), "comments are not allowed"),
        ('{"a": tru}', (1, 7), "unexpected 't'"),
        ('{"a": "x', (1, 7), "never closed"),
        ('{"a": 1', (1, 8), "expected ',' or '}'"),
        ("", (1, 1), "ends where a value was expected"),
        ('{"a": 1} {}', (1, 10), "after the end"),
        ("{a: 1}", (1, 2), "quoted member name"),
        ('{"a": "\\q"}', (1, 7), "invalid escape"),
        ('{"a": "x\ny"}', (1, 9), "control character"),
        ('{"a": "x\\"}', (1, 7), "never closed"),
    ],
)
def test_invalid_json_is_refused_with_its_line_and_column(
    text: str, position: tuple[int, int], reason: str
) -> None:
    with pytest.raises(jsonc.JsonSyntaxError, match=reason) as caught:
        jsonc.parse(text)
    assert (caught.value.line, caught.value.column) == position


def test_jsonc_allows_comments_and_trailing_commas_but_not_unclosed_comments() -> None:
    text = '// top\n{\n  /* block */ "a": [1, 2,], // after\n}\n'
    root = jsonc.parse(text, jsonc=True)
    assert [m.name for m in root.members] == ["a"]
    with pytest.raises(jsonc.JsonSyntaxError, match="never closed"):
        jsonc.parse('{"a": 1 /* open', jsonc=True)
    with pytest.raises(jsonc.JsonSyntaxError):
        jsonc.parse(text)


def test_spans_cover_exactly_each_value() -> None:
    text = '\ufeff{ "k\\u00e9y" : {"x": [1, {"y": null}]} , "n": -1.5e3 }'
    root = jsonc.parse(text)
    key, n = root.members
    assert key.name == "kéy" and text[key.value.start : key.value.end] == '{"x": [1, {"y": null}]}'
    assert key.comma is not None and text[key.comma] == ","
    assert text[n.value.start : n.value.end] == "-1.5e3" and n.comma is None


def test_adding_follows_the_files_indentation_and_newlines() -> None:
    text = '{\r\n\t"mcpServers": {\r\n\t\t"other": {"command": "x"}\r\n\t}\r\n}\r\n'
    added = install(text, {"command": "c", "args": ["serve"]})
    assert added == (
        '{\r\n\t"mcpServers": {\r\n\t\t"other": {"command": "x"},\r\n'
        '\t\t"sage200": {\r\n\t\t\t"command": "c",\r\n\t\t\t"args": [\r\n\t\t\t\t"serve"\r\n'
        "\t\t\t]\r\n\t\t}\r\n\t}\r\n}\r\n"
    )


def test_a_one_line_file_stays_on_one_line() -> None:
    text = '{"mcpServers": {"other": {"command": "x"}}}'
    added = install(text, {"command": "c"})
    assert added == '{"mcpServers": {"other": {"command": "x"}, "sage200": {"command": "c"}}}'
    assert uninstall(added) == text


def test_an_empty_container_gets_the_entry_indented_under_its_own_line() -> None:
    text = '{\n    "theme": "dark",\n    "mcpServers": {}\n}\n'
    added = install(text, {"command": "c"})
    assert added == (
        '{\n    "theme": "dark",\n    "mcpServers": {\n        "sage200": {\n'
        '            "command": "c"\n        }\n    }\n}\n'
    )
    assert uninstall(added) == text


def test_replacing_keeps_the_members_place_and_neighbours() -> None:
    text = '{"mcpServers": {\n  "sage200": {"command": "old"}, // mine\n  "b": 2\n}}'
    replaced = install(text, {"command": "new"}, allow_comments=True)
    assert replaced == (
        '{"mcpServers": {\n  "sage200": {\n    "command": "new"\n  }, // mine\n  "b": 2\n}}'
    )


def test_removing_a_member_that_is_not_last_takes_its_comma() -> None:
    text = '{"mcpServers": {\n  "sage200": {"command": "c"},\n  "b": 2\n}}'
    assert uninstall(text) == '{"mcpServers": {\n  "b": 2\n}}'


def test_removing_keeps_a_comment_between_the_previous_member_and_ours() -> None:
    text = '{"mcpServers": {\n  "a": 1, // about a\n  "sage200": 2\n}}'
    assert uninstall(text, allow_comments=True) == '{"mcpServers": {\n  "a": 1 // about a\n}}'


# property: random files with other servers, laid out as people and tools write them

_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="/,"),
    max_size=12,
)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), _text)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)
_entries = st.fixed_dictionaries(
    {"command": _text, "args": st.lists(_text, max_size=3)},
    optional={"env": st.dictionaries(_text, _text, max_size=2), "disabled": st.booleans()},
)
_servers = st.dictionaries(_text.filter(lambda name: name != NAME), _entries, max_size=4)
_others = st.dictionaries(_text.filter(lambda key: key != "mcpServers"), _values, max_size=3)


@st.composite
def config_files(draw: st.DrawFn, allow_comments: bool = False) -> tuple[str, dict[str, Any]]:
    """A config file holding other servers and other settings, and what it holds."""
    data = dict(draw(_others))
    data["mcpServers"] = draw(_servers)
    keys = draw(st.permutations(list(data)))
    data = {key: data[key] for key in keys}
    indent = draw(st.sampled_from([None, 2, 4, "\t"]))
    text = json.dumps(data, indent=indent, ensure_ascii=draw(st.booleans()))
    if allow_comments:
        if draw(st.booleans()):  # a trailing comma after every last member and item
            text = re.sub(r"([^\s{\[,])(\s*[}\]])", r"\1,\2", text)
        lines = text.split("\n")
        marks = draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
        text = "\n".join(
            line + " // note" if mark else line for line, mark in zip(lines, marks, strict=True)
        )
        if draw(st.booleans()):
            text = "/* settings */\n" + text
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    text += draw(st.sampled_from(["", "\n", "\r\n", "\n\n"]))
    return text, data


def plain(text: str) -> Any:
    """What a JSONC file generated above holds, read by the standard library."""
    text = text.replace("/* settings */", "").replace(" // note", "")
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


@settings(max_examples=300, deadline=None)
@given(config_files(), _entries)
def test_install_adds_exactly_the_entry_and_uninstall_gives_back_the_original_bytes(
    file: tuple[str, dict[str, Any]], entry: dict[str, Any]
) -> None:
    text, data = file
    installed = install(text, entry)
    assert json.loads(installed) == {**data, "mcpServers": {**data["mcpServers"], NAME: entry}}
    assert uninstall(installed) == text


@settings(max_examples=300, deadline=None)
@given(config_files(allow_comments=True), _entries, _entries)
def test_the_same_holds_for_jsonc_with_comments_and_trailing_commas_and_updates(
    file: tuple[str, dict[str, Any]], entry: dict[str, Any], newer: dict[str, Any]
) -> None:
    text, data = file
    installed = install(text, entry, allow_comments=True)
    assert plain(installed) == {**data, "mcpServers": {**data["mcpServers"], NAME: entry}}
    updated = install(installed, newer, allow_comments=True)
    assert plain(updated) == {**data, "mcpServers": {**data["mcpServers"], NAME: newer}}
    assert uninstall(updated, allow_comments=True) == text


@settings(max_examples=100, deadline=None)
@given(config_files(), _entries)
def test_a_missing_container_is_created_beside_the_other_settings(
    file: tuple[str, dict[str, Any]], entry: dict[str, Any]
) -> None:
    text, data = file
    del data["mcpServers"]
    text = json.dumps(data, indent=2)
    root = jsonc.parse(text)
    installed = jsonc.set_member(text, root, "mcpServers", {NAME: entry})
    assert json.loads(installed) == {**data, "mcpServers": {NAME: entry}}

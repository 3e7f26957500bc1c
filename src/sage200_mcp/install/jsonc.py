"""Edit one member of a JSON (or JSONC) object in place, leaving every other byte as it was.

A client's config file is the user's: it holds their other servers, their layout, and in VS
Code's case their comments. Loading and dumping it would reformat all of that, so this module
scans the text into spans (where each value, key and comma starts and ends) and splices in or
cuts out the one member we own. Inserting and then removing a member gives back the original
text exactly; the tests hold it to that.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_WHITESPACE = " \t\r\n"
_BLANK = re.compile(r"[ \t\r\n]*")
# a whole string in one match (~/.claude.json runs to megabytes of them); anything else falls
# back to the character loop below, which says what is wrong and where
_STRING = re.compile(r'"[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*"', re.DOTALL)
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS = ("true", "false", "null")


class JsonSyntaxError(ValueError):
    """The text is not JSON (or JSONC where allowed); ``line`` and ``column`` count from 1."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.line = text.count("\n", 0, position) + 1
        self.column = position - (text.rfind("\n", 0, position) + 1) + 1
        self.reason = message
        super().__init__(f"{self.line}:{self.column}: {message}")


@dataclass
class Value:
    """A value's span, ``text[start:end]``; objects also keep their members in order."""

    kind: str  # "object", "array", "string", "number" or a literal
    start: int
    end: int
    members: list[Member] = field(default_factory=list)

    def member(self, name: str) -> Member | None:
        """The member called ``name`` (JSON's parsers keep the last of duplicates; so do we)."""
        found = [m for m in self.members if m.name == name]
        return found[-1] if found else None


@dataclass
class Member:
    name: str
    key_start: int
    value: Value
    comma: int | None  # the offset of the comma after this member's value, if any


class _Scanner:
    def __init__(self, text: str, jsonc: bool) -> None:
        self.text = text
        self.jsonc = jsonc
        self.at = 0

    def fail(self, message: str, position: int | None = None) -> JsonSyntaxError:
        return JsonSyntaxError(message, self.text, self.at if position is None else position)

    def skip(self) -> None:
        """Whitespace and, in JSONC, // and /* */ comments."""
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char in _WHITESPACE:
                blank = _BLANK.match(text, self.at)
                self.at = blank.end() if blank else self.at + 1
            elif self.jsonc and text.startswith("//", self.at):
                newline = text.find("\n", self.at)
                self.at = len(text) if newline < 0 else newline
            elif self.jsonc and text.startswith("/*", self.at):
                close = text.find("*/", self.at + 2)
                if close < 0:
                    raise self.fail("a /* comment is never closed")
                self.at = close + 2
            elif char == "/" and not self.jsonc:
                raise self.fail("comments are not allowed in this file (it must be plain JSON)")
            else:
                return

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def value(self, depth: int = 0) -> Value:
        if depth > 200:
            raise self.fail("nested too deeply")
        self.skip()
        char = self.peek()
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char == '"':
            start = self.at
            self.string()
            return Value("string", start, self.at)
        for literal in _LITERALS:
            if self.text.startswith(literal, self.at):
                self.at += len(literal)
                return Value(literal, self.at - len(literal), self.at)
        number = _NUMBER.match(self.text, self.at)
        if number:
            self.at = number.end()
            return Value("number", number.start(), number.end())
        if not char:
            raise self.fail("the file ends where a value was expected")
        raise self.fail(f"unexpected {char!r} where a value was expected")

    def string(self) -> str:
        start = self.at
        text = self.text
        whole = _STRING.match(text, start)
        if whole is not None:
            self.at = whole.end()
            if "\\" not in whole.group():
                return whole.group()[1:-1]
            return self.decode(whole.group(), start)
        # no closing quote before a control character or the end: say which, and where
        self.at = start + 1
        while self.at < len(text) and text[self.at] >= " ":
            self.at += 2 if text[self.at] == "\\" else 1
        if self.at < len(text):
            raise self.fail("a control character inside a string")
        raise self.fail("a string is never closed", start)

    def decode(self, literal: str, start: int) -> str:
        try:
            decoded: str = json.loads(literal)
        except ValueError:
            raise self.fail("an invalid escape in a string", start) from None
        return decoded

    def object(self, depth: int) -> Value:
        node = Value("object", self.at, self.at)
        self.at += 1
        self.skip()
        while self.peek() != "}":
            if self.peek() != '"':
                raise self.fail("expected a quoted member name or '}'")
            key_start = self.at
            name = self.string()
            self.skip()
            if self.peek() != ":":
                raise self.fail("expected ':' after a member name")
            self.at += 1
            member = Member(name, key_start, self.value(depth + 1), None)
            node.members.append(member)
            self.skip()
            if self.peek() == ",":
                member.comma = self.at
                self.at += 1
                self.skip()
                if self.peek() == "}" and not self.jsonc:
                    raise self.fail("a trailing comma before '}'", member.comma)
            elif self.peek() != "}":
                raise self.fail("expected ',' or '}' after a member")
        self.at += 1
        node.end = self.at
        return node

    def array(self, depth: int) -> Value:
        node = Value("array", self.at, self.at)
        self.at += 1
        self.skip()
        while self.peek() != "]":
            self.value(depth + 1)
            self.skip()
            if self.peek() == ",":
                comma = self.at
                self.at += 1
                self.skip()
                if self.peek() == "]" and not self.jsonc:
                    raise self.fail("a trailing comma before ']'", comma)
            elif self.peek() != "]":
                raise self.fail("expected ',' or ']' after an array item")
        self.at += 1
        node.end = self.at
        return node


def parse(text: str, jsonc: bool = False) -> Value:
    """The spans of ``text``'s one top-level value (a leading byte-order mark is skipped)."""
    scanner = _Scanner(text, jsonc)
    if text.startswith("\ufeff"):
        scanner.at = 1
    root = scanner.value()
    scanner.skip()
    if scanner.at != len(text):
        raise scanner.fail("unexpected text after the end of the top-level value")
    return root


@dataclass(frozen=True)
class Style:
    """How the file lays itself out, so what we insert looks as if the user had typed it."""

    indent: str  # one level
    newline: str


def style_of(text: str) -> Style:
    """The file's newline and its smallest indentation step (two spaces when it has none)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    steps = [
        line[: len(line) - len(line.lstrip(" \t"))] for line in text.splitlines() if line.strip()
    ]
    indents = [step for step in steps if step]
    if not indents:
        return Style("  ", newline)
    smallest = min(indents, key=len)
    return Style("\t" if smallest.startswith("\t") else smallest, newline)


def _line_indent(text: str, position: int) -> str | None:
    """The whitespace before ``position`` on its line, or None if other text precedes it."""
    line_start = text.rfind("\n", 0, position) + 1
    before = text[line_start:position]
    return before if before.strip(" \t") == "" else None


def _leading(text: str, position: int) -> str:
    """The whitespace that starts ``position``'s line."""
    line_start = text.rfind("\n", 0, position) + 1
    line = text[line_start:position]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _render(value: Any, style: Style, indent: str) -> str:
    """``value`` as JSON in the file's style, its inner lines indented under ``indent``."""
    lines = json.dumps(value, indent=style.indent, ensure_ascii=False).split("\n")
    return (style.newline + indent).join(lines)


def set_member(text: str, obj: Value, name: str, value: Any) -> str:
    """``text`` with ``obj``'s member ``name`` set to ``value``: replaced in place if present,
    else appended after the last member (or as the first, in an empty object)."""
    style = style_of(text)
    existing = obj.member(name)
    if existing is not None:
        indent = _line_indent(text, existing.key_start)
        rendered = (
            _render(value, style, indent)
            if indent is not None
            else json.dumps(value, ensure_ascii=False)
        )
        return text[: existing.value.start] + rendered + text[existing.value.end :]
    key = json.dumps(name, ensure_ascii=False)
    if obj.members:
        last = obj.members[-1]
        indent = _line_indent(text, last.key_start)
        if indent is None:  # members on one line: stay on it
            addition = f", {key}: {json.dumps(value, ensure_ascii=False)}"
        else:
            addition = f",{style.newline}{indent}{key}: {_render(value, style, indent)}"
        return text[: last.value.end] + addition + text[last.value.end :]
    outer = _leading(text, obj.start)
    inner = outer + style.indent
    addition = f"{style.newline}{inner}{key}: {_render(value, style, inner)}{style.newline}{outer}"
    return text[: obj.start + 1] + addition + text[obj.end - 1 :]


def remove_member(text: str, obj: Value, name: str) -> str:
    """``text`` without ``obj``'s member ``name`` (the inverse of appending it with
    ``set_member``); a member left alone in its object leaves ``{}``."""
    members = obj.members
    index = next(i for i in range(len(members) - 1, -1, -1) if members[i].name == name)
    member = members[index]
    if len(members) == 1:
        return text[: obj.start + 1] + text[obj.end - 1 :]
    if index == len(members) - 1:
        # the last member: take the comma before it and the whitespace run before its key,
        # keeping any comment between the two in place
        before = members[index - 1]
        comma = before.comma if before.comma is not None else before.value.end
        run_start = len(text[: member.key_start].rstrip(_WHITESPACE))
        return text[:comma] + text[comma + 1 : run_start] + text[member.value.end :]
    # any other member: from its key past its comma and the whitespace after it
    after = member.comma + 1 if member.comma is not None else member.value.end
    while after < len(text) and text[after] in _WHITESPACE:
        after += 1
    return text[: member.key_start] + text[after:]

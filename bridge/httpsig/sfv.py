"""The subset of RFC 8941 Structured Field Values that RFC 9421 and RFC 9530 need.

Parses dictionaries whose members are items or inner lists, with parameters, and serializes
inner lists and items. Decimals are read but never produced. Malformed input raises
``AuthenticationError`` naming the field, never repeating it.
"""

from __future__ import annotations

import base64
import binascii
import string
from dataclasses import dataclass, field

from bridge.core.errors import AuthenticationError


class Token(str):
    """An sf-token: serialized without quotes."""

    __slots__ = ()


BareItem = int | float | str | bytes | bool
Params = dict[str, BareItem]


@dataclass(frozen=True, slots=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


Member = Item | InnerList

_KEY_FIRST = set(string.ascii_lowercase + "*")
_KEY_REST = set(string.ascii_lowercase + string.digits + "_-.*")
_TOKEN_FIRST = set(string.ascii_letters + "*")
_TOKEN_REST = set(string.ascii_letters + string.digits + ":/!#$%&'*+-.^_`|~")
_B64 = set(string.ascii_letters + string.digits + "+/=")


class _Parser:
    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.pos = 0
        self.what = what

    def fail(self, problem: str) -> AuthenticationError:
        return AuthenticationError(f"malformed {self.what} header: {problem}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r} at offset {self.pos}")
        self.pos += 1

    def dictionary(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        self.skip(" ")
        while self.peek():
            key = self.key()
            if self.peek() == "=":
                self.pos += 1
                members[key] = self.member()
            else:
                members[key] = Item(True, self.params())
            self.skip(" \t")
            if not self.peek():
                return members
            self.expect(",")
            self.skip(" \t")
            if not self.peek():
                raise self.fail("trailing comma")
        return members

    def member(self) -> Member:
        if self.peek() == "(":
            return self.inner_list()
        return Item(self.bare_item(), self.params())

    def inner_list(self) -> InnerList:
        self.expect("(")
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.params())
            items.append(Item(self.bare_item(), self.params()))
            if self.peek() not in (" ", ")"):
                raise self.fail("inner list items must be separated by spaces")

    def params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def key(self) -> str:
        start = self.pos
        if self.peek() not in _KEY_FIRST or not self.peek():
            raise self.fail(f"expected a key at offset {self.pos}")
        while self.peek() and self.peek() in _KEY_REST:
            self.pos += 1
        return self.text[start : self.pos]

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char and (char == "-" or char.isdigit()):
            return self.number()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char and char in _TOKEN_FIRST:
            return self.token()
        raise self.fail(f"unexpected character at offset {self.pos}")

    def number(self) -> int | float:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        while self.peek() and (self.peek().isdigit() or self.peek() == "."):
            self.pos += 1
        text = self.text[start : self.pos]
        try:
            value = float(text) if "." in text else int(text)
        except ValueError as exc:
            raise self.fail("bad number") from exc
        if len(text.lstrip("-").split(".")[0]) > 15:
            raise self.fail("number too long")
        return value

    def string(self) -> str:
        self.expect('"')
        out: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise self.fail("unterminated string")
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\") or not escaped:
                    raise self.fail("bad escape in string")
                self.pos += 1
                out.append(escaped)
            elif not (" " <= char <= "~"):
                raise self.fail("non-printable character in string")
            else:
                out.append(char)

    def byte_sequence(self) -> bytes:
        self.expect(":")
        end = self.text.find(":", self.pos)
        if end < 0:
            raise self.fail("unterminated byte sequence")
        chunk = self.text[self.pos : end]
        self.pos = end + 1
        if not set(chunk) <= _B64:
            raise self.fail("byte sequence is not base64")
        try:
            return base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise self.fail("byte sequence is not base64") from exc

    def boolean(self) -> bool:
        self.expect("?")
        char = self.peek()
        if char not in ("0", "1") or not char:
            raise self.fail("bad boolean")
        self.pos += 1
        return char == "1"

    def token(self) -> Token:
        start = self.pos
        self.pos += 1
        while self.peek() and self.peek() in _TOKEN_REST:
            self.pos += 1
        return Token(self.text[start : self.pos])


def parse_dictionary(text: str, what: str) -> dict[str, Member]:
    """Parse an sf-dictionary; ``what`` names the header in error messages."""
    return _Parser(text.strip(), what).dictionary()


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.1f}"
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    if any(not (" " <= c <= "~") for c in value):
        raise ValueError("sf-strings hold printable ASCII only")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: Params) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={serialize_bare_item(value)}"
        for key, value in params.items()
    )


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return "(" + " ".join(serialize_item(i) for i in inner.items) + ")" + serialize_params(
        inner.params
    )

"""URL normalisation and prefix matching for actor ids (pure).

Whoever decides trust by URL (the inbox's and the Action's trusted peers, and any other
comparison of an actor id with a configured prefix) compares through ``under_prefix``, never
on raw strings: ``…/actors/../admin`` is not under ``…/actors/`` and
``https://evil.example\\@peer.example/`` is not on ``peer.example``.

``normalise_url(url)`` returns one spelling per URL, or raises ``InputError``:

* http and https only; scheme and host lower-cased (an international host in its IDNA
  form), the default port (80, 443) left out, an empty path written ``/``;
* refused: userinfo (``user@host``), backslashes, whitespace and control characters, a
  percent-encoded host, a malformed percent-escape, dot segments (``.``, ``..``, also
  percent-encoded) and encoded slashes or backslashes (``%2F``, ``%5C``) in the path.
  Dot segments are refused, not resolved: the id a peer sent is the id the bridge keeps,
  so the string that was matched must be the one that is stored;
* percent-escapes of unreserved characters (``A-Z a-z 0-9 - . _ ~``) decoded, other escapes
  upper-cased, characters outside the URL alphabet (non-ASCII included, as UTF-8) encoded.

``under_prefix(actor, prefix)`` — same scheme, host and port, and the path under the prefix's
path **on segment boundaries**: a prefix path ending in ``/`` covers every path that starts with
it (``/actors/`` covers ``/actors/a``, not ``/actors``); one that does not covers itself and
what lies below it (``/actors/a`` covers ``/actors/a`` and ``/actors/a/b``, not ``/actors/ab``).
So ``https://peer.example`` and ``https://peer.example/`` are the same prefix: the whole origin.
The actor's query and fragment play no part; a prefix carrying either is refused.

``trusted_peer(peers, actor)`` — **the** trusted-peer rule: the first configured peer whose
``prefix`` covers ``actor`` (``first_under``), or None. The inbox and the Action's
``repository_dispatch`` both call it; neither has its own copy.

``same_origin(a, b)`` — both usable URLs with one scheme, host and port (e.g. a polled
activity's actor and the outbox it was read from).
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Sequence
from typing import Protocol, TypeVar
from urllib.parse import SplitResult, urlsplit

from bridge.core.errors import InputError

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL = 2000
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_PATH = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY = _PATH | frozenset("?")
_HOST = frozenset(string.ascii_lowercase + string.digits + "-._")


class Prefixed(Protocol):
    """Anything configured with a trusted ``prefix`` (``bridge.config.schema.TrustedPeer``)."""

    @property
    def prefix(self) -> str: ...


P = TypeVar("P", bound=Prefixed)


def normalise_url(url: str) -> str:
    """The normal form of an http(s) URL (see the module docstring); InputError otherwise."""
    return _unsplit(_split(url))


def under_prefix(actor: str, prefix: str) -> bool:
    """Whether ``actor`` lies under ``prefix`` (both normalised; InputError when either is
    not a usable URL, or the prefix carries a query or fragment)."""
    return _under(_split(actor), _prefix(prefix))


def first_under(actor: str | None, prefixes: Sequence[str]) -> int | None:
    """The index of the first prefix that covers ``actor``; None when none does, when
    ``actor`` is absent or not a usable URL, and past a prefix that is not one (fail closed)."""
    if not actor:
        return None
    try:
        here = _split(actor)
    except InputError:
        return None
    for index, prefix in enumerate(prefixes):
        try:
            if _under(here, _prefix(prefix)):
                return index
        except InputError:
            continue
    return None


def trusted_peer(peers: Sequence[P], actor: str | None) -> P | None:
    """The first peer whose prefix covers ``actor``, both normalised (``first_under``: segment
    boundaries; dot segments, userinfo and backslashes refused); None when none does."""
    found = first_under(actor, [peer.prefix for peer in peers])
    return None if found is None else peers[found]


def normalise_prefix(prefix: str) -> str:
    """The normal form of a trusted prefix (``normalise_url``, and no query or fragment);
    InputError otherwise. Configuration checks prefixes with it when it is loaded."""
    return _unsplit(_prefix(prefix))


def same_origin(a: str | None, b: str | None) -> bool:
    """Whether ``a`` and ``b`` are both usable URLs (``normalise_url``) with one scheme, host
    and port; False when either is absent or unusable."""
    if not a or not b:
        return False
    try:
        first, second = _split(a), _split(b)
    except InputError:
        return False
    return (first.scheme, first.netloc) == (second.scheme, second.netloc)


def _prefix(prefix: str) -> SplitResult:
    parts = _split(prefix)
    if parts.query or parts.fragment:
        raise InputError("a trusted prefix carries no query or fragment")
    return parts


def _under(actor: SplitResult, prefix: SplitResult) -> bool:
    if (actor.scheme, actor.netloc) != (prefix.scheme, prefix.netloc):
        return False
    if prefix.path.endswith("/"):
        return actor.path.startswith(prefix.path)
    return actor.path == prefix.path or actor.path.startswith(prefix.path + "/")


def _split(url: str) -> SplitResult:
    """The URL's normalised parts (netloc is ``host[:port]``, path never empty)."""
    if not isinstance(url, str) or not url:
        raise InputError("the URL is empty")
    if len(url) > MAX_URL:
        raise InputError(f"the URL is longer than {MAX_URL} characters")
    if "\\" in url:
        raise InputError("the URL contains a backslash")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise InputError("the URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InputError("the URL is malformed (its port or host)") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InputError("the URL is not http(s)")
    if "@" in parts.netloc:
        raise InputError("the URL carries userinfo (user@host)")
    host = _host(parts.hostname or "")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _escapes(parts.path, _PATH, "path") or "/"
    if any(seg in (".", "..") for seg in path.split("/")):
        raise InputError("the URL's path has a dot segment (. or ..)")
    if "%2F" in path or "%5C" in path:
        raise InputError("the URL's path has an encoded slash or backslash")
    return SplitResult(scheme, netloc, path, _escapes(parts.query, _QUERY, "query"),
                       _escapes(parts.fragment, _QUERY, "fragment"))


def _unsplit(parts: SplitResult) -> str:
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path}{query}{fragment}"


def _host(host: str) -> str:
    if not host:
        raise InputError("the URL has no host")
    if ":" in host:  # urlsplit only yields one from a bracketed IPv6 literal
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError as exc:
            raise InputError("the URL's IPv6 host is malformed") from exc
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InputError("the URL's host is not a valid international name") from exc
    if not set(host) <= _HOST:
        raise InputError("the URL's host has characters a host name cannot have")
    return host


def _escapes(text: str, allowed: frozenset[str], part: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            pair = text[i + 1:i + 3]
            if len(pair) != 2 or not set(pair) <= set(string.hexdigits):
                raise InputError(f"the URL's {part} has a malformed percent-escape")
            decoded = chr(int(pair, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + pair.upper())
            i += 3
            continue
        if char in allowed:
            out.append(char)
        else:
            try:
                out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
            except UnicodeEncodeError as exc:
                raise InputError(f"the URL's {part} is not valid text") from exc
        i += 1
    return "".join(out)

"""The request as both signature schemes see it: method, URL, combined header fields, body."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urlsplit

from bridge.core.errors import AuthenticationError

Headers = Mapping[str, str] | Iterable[tuple[str, str]]
"""Header fields as a mapping or as (name, value) pairs (repeated names allowed)."""

DEFAULT_PORTS = {"http": 80, "https": 443}


class SignatureScheme(StrEnum):
    CAVAGE = "cavage"
    """draft-cavage-http-signatures-12 (``Signature: keyId=…,headers=…,signature=…``)."""
    RFC9421 = "rfc9421"
    """RFC 9421 HTTP Message Signatures (``Signature-Input`` + ``Signature``)."""


def combine_fields(headers: Headers) -> dict[str, str]:
    """Lower-cased field names → values; repeated fields joined with ``", "`` (RFC 9110 §5.3).

    Each value is trimmed of leading and trailing whitespace, as both schemes require.
    """
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    combined: dict[str, list[str]] = {}
    for name, value in pairs:
        combined.setdefault(name.strip().lower(), []).append(value.strip())
    return {name: ", ".join(values) for name, values in combined.items()}


@dataclass(frozen=True, slots=True)
class RequestView:
    """An HTTP request reduced to what signatures cover.

    ``url`` is the URL the *client* addressed. Behind a TLS-terminating proxy, pass the
    configured public base URL joined with the request's path and query, not the URL the proxy
    forwarded: ``host``, ``@authority`` and ``@target-uri`` are all taken from it.
    """

    method: str
    url: str
    fields: Mapping[str, str]
    body: bytes

    @classmethod
    def build(cls, method: str, url: str, headers: Headers, body: bytes) -> RequestView:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise AuthenticationError("the request URL must be an absolute http(s) URL")
        return cls(method.upper(), url, combine_fields(headers), body)

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()

    @property
    def authority(self) -> str:
        """Host (lower-cased) and port, the port left out when it is the scheme's default."""
        return authority_of(self.url)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def query(self) -> str:
        """The query with its leading ``?``; ``?`` alone when there is none (RFC 9421 §2.2.7)."""
        return "?" + urlsplit(self.url).query

    @property
    def request_target(self) -> str:
        """Path and query as in the request line (cavage ``(request-target)``)."""
        query = urlsplit(self.url).query
        return self.path + ("?" + query if query else "")

    def field(self, name: str) -> str | None:
        return self.fields.get(name.lower())


def authority_of(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError as exc:
        raise AuthenticationError("the request URL has an invalid port") from exc
    if port is None or port == DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def http_date(epoch: float) -> str:
    """An IMF-fixdate (``Tue, 20 Apr 2021 02:07:55 GMT``) for a ``Date`` header."""
    return format_datetime(datetime.fromtimestamp(int(epoch), tz=UTC), usegmt=True)


def parse_http_date(value: str) -> float:
    """Seconds since the epoch from an HTTP date; AuthenticationError when unreadable."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise AuthenticationError("the Date header is not an HTTP date") from exc
    if when.tzinfo is None:
        raise AuthenticationError("the Date header has no time zone")
    return when.timestamp()


def check_time_window(when: float, now: float, window: float, what: str) -> None:
    """Refuse a time more than ``window`` seconds before or after ``now``."""
    if when < now - window:
        raise AuthenticationError(f"{what} is too old (more than {int(window)} s before now)")
    if when > now + window:
        raise AuthenticationError(f"{what} is in the future (more than {int(window)} s ahead)")

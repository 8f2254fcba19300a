"""The SSRF guard: outbound requests reach only public addresses unless explicitly allowed.

Refused: schemes other than http(s); user info in the URL; loopback in every spelling
(``127.0.0.0/8``, ``0.0.0.0``, ``::1``, ``::ffff:127.0.0.1``, ``2130706433``, ``0177.0.0.1``,
``0x7f.1``, ``localhost``, ``*.localhost``); private, CGNAT, link-local (the cloud metadata
address ``169.254.169.254`` included), unique-local, multicast, reserved and otherwise
non-global ranges; IPv6 forms that embed any of these (mapped, compatible, 6to4, NAT64,
Teredo); and a host name whose DNS answers include ANY such address.

``GuardedTransport`` enforces this at connection time: it resolves the host once, checks every
answer, then connects to the checked address (keeping ``Host`` and TLS SNI / certificate checks
on the name), so a DNS answer that changes between a check and the connection (rebinding)
cannot slip through. Every redirect hop passes through the transport again.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from bridge.core.errors import ConfigurationError, TransientError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]
"""``resolve(host, port) -> [address, …]``; raises OSError when the name does not resolve."""

ALLOWED_SCHEMES = {"http": 80, "https": 443}
METADATA = ipaddress.IPv4Address("169.254.169.254")
CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
ULA = ipaddress.IPv6Network("fc00::/7")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class BlockedDestination(ConfigurationError):
    """The destination is not allowed (SSRF guard). Retrying cannot help."""

    kind = "blocked_destination"


class UnresolvableHost(TransientError):
    """The host name did not resolve (may be passing)."""

    kind = "unresolvable_host"


@dataclass(frozen=True, slots=True)
class AllowPolicy:
    """Explicit exceptions to the guard: networks and host names an operator trusts."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)
    """Host names allowed whatever they resolve to (lower-case, no trailing dot)."""

    @classmethod
    def build(
        cls,
        *,
        allow_loopback: bool = False,
        networks: Iterable[str] = (),
        hosts: Iterable[str] = (),
    ) -> AllowPolicy:
        """From configuration (``delivery.allow_loopback``, ``delivery.allow_networks``)."""
        parsed: list[IPNetwork] = list(LOOPBACK_NETWORKS) if allow_loopback else []
        for network in networks:
            try:
                parsed.append(ipaddress.ip_network(network, strict=False))
            except ValueError as exc:
                raise ConfigurationError(f"allow_networks: {network!r} is not a network") from exc
        names = frozenset(h.strip().lower().rstrip(".") for h in hosts)
        return cls(tuple(parsed), names)

    def allows_address(self, ip: IPAddress) -> bool:
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        return any(c in n for c in candidates for n in self.networks if c.version == n.version)

    def allows_loopback(self) -> bool:
        return any(ipaddress.ip_address("127.0.0.1") in n for n in self.networks if n.version == 4)


NOTHING_ALLOWED = AllowPolicy()


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """Read ``host`` as ``inet_aton`` would: ``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``.

    None when ``host`` is not a number-and-dots spelling at all.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                values.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                values.append(int(part[1:], 8))
            else:
                values.append(int(part, 10) if part.isdigit() else -1)
        except ValueError:
            return None
        if values[-1] < 0:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def parse_ip_literal(host: str) -> IPAddress | None:
    """An IP address written in ``host`` in any accepted spelling, else None (a name)."""
    text = host.strip().strip("[]").rstrip(".")
    text = text.split("%", 1)[0]  # an IPv6 zone id
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if ":" in text:
        raise BlockedDestination("the host is a malformed IPv6 address")
    loose = parse_ipv4_loose(text)
    last = text.rsplit(".", 1)[-1].lower()
    if loose is None and last and (last[0].isdigit() or last.startswith("0x")):
        raise BlockedDestination("the host looks like an IP address but is not a valid one")
    return loose


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be contacted, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = blocked_reason(embedded)
            if inner is not None:
                return f"{inner} (embedded in an IPv6 address)"
            if ip.ipv4_mapped is not None:
                return None  # how dual-stack sockets spell a public IPv4 address
            if ip.ipv4_mapped is None and ip not in NAT64 and ip.sixtofour is None:
                return "an IPv4-compatible or Teredo IPv6 address"
    if ip == METADATA:
        return "the cloud metadata address"
    checks: tuple[tuple[bool, str], ...] = (
        (ip.is_loopback, "loopback"),
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT, "carrier-grade NAT space"),
        (isinstance(ip, ipaddress.IPv6Address) and ip in ULA, "unique-local (private)"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "site-local"),
        (not ip.is_global, "not globally routable"),
    )
    return next((what for hit, what in checks if hit), None)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64 or (int(ip) >> 32 == 0 and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_localhost_name(name: str) -> bool:
    return name == "localhost" or name.endswith(".localhost")


def check_host(host: str, port: int, *, resolve: Resolver, allow: AllowPolicy) -> list[IPAddress]:
    """Resolve ``host`` once and check every answer; the addresses that may be contacted."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if not name:
        raise BlockedDestination("the URL has no host")
    literal = parse_ip_literal(name)
    if literal is not None:
        _check_address(literal, allow, name)
        return [literal]
    if _is_localhost_name(name) and not (allow.allows_loopback() or name in allow.hosts):
        raise BlockedDestination(f"host {name} is loopback")
    try:
        answers = resolve(name, port)
    except OSError as exc:
        raise UnresolvableHost(f"host {name} did not resolve") from exc
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            addresses.append(ipaddress.ip_address(answer.split("%", 1)[0]))
        except ValueError as exc:
            raise BlockedDestination(f"host {name} resolved to a malformed address") from exc
    if not addresses:
        raise UnresolvableHost(f"host {name} resolved to no address")
    if name not in allow.hosts:
        for address in addresses:
            _check_address(address, allow, name)
    return addresses


def _check_address(ip: IPAddress, allow: AllowPolicy, name: str) -> None:
    if allow.allows_address(ip):
        return
    reason = blocked_reason(ip)
    if reason is not None:
        shown = name if name == str(ip) else f"{name} ({ip})"
        raise BlockedDestination(f"destination {shown} is {reason}")


def check_url(url: str, *, resolve: Resolver, allow: AllowPolicy) -> None:
    """Raise ``BlockedDestination`` (or ``UnresolvableHost``) unless ``url`` may be fetched."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedDestination(f"scheme {scheme or '(none)'}: is not allowed; use http(s)")
    if "@" in parts.netloc:
        raise BlockedDestination("user info in URLs is not allowed")
    try:
        port = parts.port or ALLOWED_SCHEMES[scheme]
    except ValueError as exc:
        raise BlockedDestination("the URL has an invalid port") from exc
    check_host(parts.hostname or "", port, resolve=resolve, allow=allow)


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that checks every request (every redirect hop) with the guard.

    It resolves the host once, refuses the request when any answer is forbidden, and sends it
    to the checked address itself, keeping the ``Host`` header and the TLS server name.
    """

    def __init__(
        self,
        *,
        allow: AllowPolicy,
        resolve: Resolver = system_resolver,
        inner: httpx.BaseTransport | None = None,
    ) -> None:
        self._allow = allow
        self._resolve = resolve
        self._inner = inner if inner is not None else httpx.HTTPTransport(trust_env=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ALLOWED_SCHEMES:
            raise BlockedDestination(f"scheme {url.scheme}: is not allowed; use http(s)")
        if url.userinfo:
            raise BlockedDestination("user info in URLs is not allowed")
        host = url.raw_host.decode("ascii")
        port = url.port or ALLOWED_SCHEMES[url.scheme]
        try:
            addresses = check_host(host, port, resolve=self._resolve, allow=self._allow)
        except UnresolvableHost as exc:
            raise httpx.ConnectError(exc.reason, request=request) from exc
        is_name = parse_ip_literal(host) is None
        error: httpx.ConnectError | None = None
        for address in addresses:
            request.url = url.copy_with(host=str(address))
            if is_name and url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
            try:
                return self._inner.handle_request(request)
            except httpx.ConnectError as exc:
                error = exc
            finally:
                request.url = url
        raise error or httpx.ConnectError("no address to connect to", request=request)

    def close(self) -> None:
        self._inner.close()


def guarded_client(
    allow: AllowPolicy,
    *,
    resolve: Resolver = system_resolver,
    timeout: float = 10.0,
    inner: httpx.BaseTransport | None = None,
    user_agent: str = "vultron-bridge",
) -> httpx.Client:
    """An ``httpx.Client`` whose every request and redirect hop goes through the guard.

    Redirects are not followed unless a request asks (``follow_redirects=True``), and then at
    most 5 hops. Proxies and credentials from the environment are ignored.
    """
    return httpx.Client(
        transport=GuardedTransport(allow=allow, resolve=resolve, inner=inner),
        timeout=timeout,
        follow_redirects=False,
        max_redirects=5,
        trust_env=False,
        headers={"User-Agent": user_agent},
    )

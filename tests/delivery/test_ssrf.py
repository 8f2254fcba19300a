"""The SSRF guard: a table of forbidden targets, all refused with no connection; allowlists;
DNS rebinding; redirect hops; and a real loopback server."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from bridge.core.errors import ConfigurationError
from bridge.delivery.ssrf import (
    AllowPolicy,
    BlockedDestination,
    UnresolvableHost,
    blocked_reason,
    check_url,
    guarded_client,
)
from tests.delivery.ssrf_helpers import FakeResolver, Recorder
from tests.support.servers import Answer, Receiver

PUBLIC = "93.184.216.34"
RESOLVER_ANSWERS: dict[str, list[str] | list[list[str]]] = {
    "example.com": [PUBLIC],
    "rebind-any.example": [PUBLIC, "10.0.0.1"],
    "internal.example": ["192.168.0.10"],
    "metadata.example": ["169.254.169.254"],
    "v6private.example": ["2606:4700::1", "fd12::1"],
    "127.0.0.1.nip.io": ["127.0.0.1"],
    "mapped.example": ["::ffff:172.16.5.4"],
    "localhost": ["127.0.0.1"],
}

FORBIDDEN = [
    "file:///etc/passwd",
    "gopher://example.com:70/_GET",
    "ftp://example.com/",
    "javascript:alert(1)",
    "http://user:pw@example.com/",
    "http://user@example.com/",
    "http://127.0.0.1/",
    "http://127.9.9.9:8080/x",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.1/",
    "http://08.0.0.1/",
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST:8000/",
    "http://api.localhost/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.1.1/",
    "http://[fd00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
    "http://rebind-any.example/",
    "http://internal.example/",
    "http://metadata.example/",
    "http://v6private.example/",
    "https://127.0.0.1.nip.io/",
    "http://mapped.example/",
]


def test_the_table_is_big_enough() -> None:
    assert len(FORBIDDEN) >= 24


@pytest.mark.parametrize("url", FORBIDDEN)
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(BlockedDestination) as info:
        check_url(url, resolve=FakeResolver(RESOLVER_ANSWERS), allow=AllowPolicy())
    assert info.value.reason
    assert isinstance(info.value, ConfigurationError)


@pytest.mark.parametrize("url", FORBIDDEN)
def test_guarded_client_refuses_without_connecting(url: str) -> None:
    recorder = Recorder()
    client = guarded_client(
        AllowPolicy(), resolve=FakeResolver(RESOLVER_ANSWERS), inner=recorder.transport()
    )
    with client, pytest.raises((BlockedDestination, httpx.UnsupportedProtocol, httpx.InvalidURL)):
        client.get(url)
    assert recorder.requests == []


def test_a_public_name_is_sent_to_the_checked_address_keeping_host_and_sni() -> None:
    recorder = Recorder()
    resolver = FakeResolver(RESOLVER_ANSWERS)
    with guarded_client(AllowPolicy(), resolve=resolver, inner=recorder.transport()) as client:
        assert client.get("https://example.com/actors/a").status_code == 200
    [sent] = recorder.requests
    assert sent.url.host == PUBLIC
    assert sent.headers["Host"] == "example.com"
    assert sent.extensions["sni_hostname"] == "example.com"
    assert resolver.calls == ["example.com"]


def test_allowlisted_loopback_is_allowed() -> None:
    recorder = Recorder()
    allow = AllowPolicy.build(allow_loopback=True)
    check_url("http://127.0.0.1:8123/inbox/", resolve=FakeResolver(), allow=allow)
    check_url("http://localhost/", resolve=FakeResolver(RESOLVER_ANSWERS), allow=allow)
    with guarded_client(allow, resolve=FakeResolver(), inner=recorder.transport()) as client:
        assert client.post("http://127.0.0.1:8123/inbox/", content=b"{}").status_code == 200
    assert [str(r.url) for r in recorder.requests] == ["http://127.0.0.1:8123/inbox/"]
    with pytest.raises(BlockedDestination):  # loopback allowed; private still refused
        check_url("http://10.0.0.1/", resolve=FakeResolver(), allow=allow)


def test_allowlisted_networks_and_hosts() -> None:
    allow = AllowPolicy.build(networks=["10.20.0.0/16"], hosts=["Internal.Example."])
    resolver = FakeResolver(RESOLVER_ANSWERS)
    check_url("http://10.20.1.1/", resolve=resolver, allow=allow)
    check_url("http://internal.example/", resolve=resolver, allow=allow)
    with pytest.raises(BlockedDestination):
        check_url("http://10.21.1.1/", resolve=resolver, allow=allow)
    with pytest.raises(ConfigurationError, match="not a network"):
        AllowPolicy.build(networks=["ten-dot-something"])


def test_dns_rebinding_between_check_and_connect_is_caught() -> None:
    resolver = FakeResolver({"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
    check_url("http://rebind.example/", resolve=resolver, allow=AllowPolicy())  # public now
    recorder = Recorder()
    client = guarded_client(AllowPolicy(), resolve=resolver, inner=recorder.transport())
    with client, pytest.raises(BlockedDestination, match="loopback"):
        client.get("http://rebind.example/")
    assert recorder.requests == []


def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    resolver = FakeResolver({"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
    recorder = Recorder()
    with guarded_client(AllowPolicy(), resolve=resolver, inner=recorder.transport()) as client:
        client.get("http://rebind.example/")
    # One resolution per request, and the connection used its (checked) answer, not a new one.
    assert resolver.calls == ["rebind.example"]
    assert recorder.requests[0].url.host == PUBLIC


def test_every_redirect_hop_is_checked() -> None:
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})

    recorder = Recorder(handler=redirect)
    resolver = FakeResolver(RESOLVER_ANSWERS)
    with guarded_client(AllowPolicy(), resolve=resolver, inner=recorder.transport()) as client:
        assert client.get("http://example.com/a").status_code == 302  # not followed by default
        with pytest.raises(BlockedDestination, match="metadata"):
            client.get("http://example.com/a", follow_redirects=True)
    assert len(recorder.requests) == 2


def test_redirects_are_bounded() -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://example.com/again"})

    recorder = Recorder(handler=loop)
    resolver = FakeResolver(RESOLVER_ANSWERS)
    client = guarded_client(AllowPolicy(), resolve=resolver, inner=recorder.transport())
    with client, pytest.raises(httpx.TooManyRedirects):
        client.get("http://example.com/a", follow_redirects=True)
    assert len(recorder.requests) <= 6


def test_unresolvable_host() -> None:
    with pytest.raises(UnresolvableHost):
        check_url("http://nowhere.example/", resolve=FakeResolver(), allow=AllowPolicy())
    client = guarded_client(AllowPolicy(), resolve=FakeResolver(), inner=Recorder().transport())
    with client, pytest.raises(httpx.ConnectError):
        client.get("http://nowhere.example/")


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("169.254.169.254", "metadata"),
        ("100.64.0.1", "carrier-grade"),
        ("fd00::1", "unique-local"),
        ("::ffff:127.0.0.1", "embedded"),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_blocked_reasons_name_the_range(address: str, words: str | None) -> None:
    reason = blocked_reason(ipaddress.ip_address(address))
    assert (reason is None) if words is None else (reason is not None and words in reason)


def test_real_loopback_server_reached_only_when_allowed() -> None:
    with Receiver(answers={"/": Answer(200, b"ok")}) as server:
        resolver = FakeResolver({"peer.test": ["127.0.0.1"]})
        with guarded_client(AllowPolicy(), resolve=resolver) as client:
            with pytest.raises(BlockedDestination):
                client.get(f"{server.base}/x")
            with pytest.raises(BlockedDestination):
                client.get(f"http://peer.test:{server.port}/x")
        assert server.requests == []
        allow = AllowPolicy.build(allow_loopback=True)
        with guarded_client(allow, resolve=resolver) as client:
            answer = client.get(f"http://peer.test:{server.port}/x")
        assert answer.status_code == 200 and answer.content == b"ok"
        [seen] = server.requests
        assert (seen.method, seen.path) == ("GET", "/x")
        assert seen.headers["Host"] == f"peer.test:{server.port}"

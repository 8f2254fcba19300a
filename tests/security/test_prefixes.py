"""Trusted prefixes: an unsigned activity is trusted only when its actor really lies under a
configured ``peers.trusted[].prefix``.

The attack: matching was on raw strings, so ``…/actors/../admin`` passed a prefix
``…/actors/`` (the server resolves it to ``/admin``), and ``https://evil.example\\@host/…``
passed as ``host`` (Python reads the part after ``@`` as the host; WHATWG URL parsers, and so
most HTTP stacks, read ``evil.example``). Both places that decide trust — the inbox and the
GitHub Action's ``repository_dispatch`` — disagreed on top: for the prefix
``https://peer.example/`` the inbox trusted ``https://peer.example`` and the Action did not.

Now both call one pure rule, ``bridge.core.urls.trusted_peer`` (``under_prefix`` after
``normalise_url``), and neither module has a copy of it: dot segments, userinfo,
backslashes and encoded slashes are refused; scheme and host lower-cased; default ports
folded; unreserved percent-escapes decoded; a prefix matches on path-segment boundaries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bridge.action import flows, poll
from bridge.config.schema import TrustedPeer
from bridge.core import urls
from bridge.core.errors import InputError
from bridge.service import inbox
from tests.reliability.appenv import BEARER, INBOX_PATH, AppEnv, activity, app_env
from tests.reliability.signing import MEDIA

ACTORS = "https://trusted.example/actors/"
ONE = "https://trusted.example/actors/t"
ORIGIN_SLASH = "https://peer.example/"
ORIGIN = "https://peer.example"
PEERS = tuple(TrustedPeer(prefix=p) for p in (ACTORS, ONE, ORIGIN_SLASH))

#: (actor, prefix it tries to pass): each must be refused by the inbox and the Action.
ATTACKS = [
    ("https://trusted.example/actors/../admin", ACTORS),
    ("https://trusted.example/actors/%2e%2e/admin", ACTORS),
    ("https://trusted.example/actors/%2E%2E/%2e%2e/x", ACTORS),
    ("https://trusted.example/actors/./../admin", ACTORS),
    ("https://trusted.example/actors/t/..", ONE),
    ("https://trusted.example/actors/t%2f..%2f..%2fadmin", ACTORS),
    ("https://trusted.example/actors/t%5c..%5cadmin", ACTORS),
    ("https://trusted.example/actors\\..\\admin", ACTORS),
    ("https://evil.example\\@trusted.example/actors/t", ACTORS),
    ("https://evil.example@trusted.example/actors/t", ACTORS),
    ("https://trusted.example:443@evil.example/actors/t", ACTORS),
    ("https://user:pw@trusted.example/actors/t", ACTORS),
    ("https://trusted.example/actors/t2", ONE),
    ("https://trusted.example/actorsx/t", ACTORS),
    ("https://trusted.example:8443/actors/t", ACTORS),
    ("http://trusted.example/actors/t", ACTORS),
    ("https://trusted.example.evil/actors/t", ACTORS),
    ("https://trusted.example/actors/t\n", ACTORS),
    ("https://trusted.example/actors/t%zz", ACTORS),
]

#: (actor, prefix that covers it): each must be trusted by the inbox and the Action alike.
HONEST = [
    ("https://trusted.example/actors/t", ACTORS),
    ("HTTPS://Trusted.EXAMPLE:443/actors/t", ACTORS),
    ("https://trusted.example/actors/%74", ACTORS),
    ("https://trusted.example/actors/t/sub", ONE),
    ("https://trusted.example/actors/t", ONE),
    ("https://peer.example", ORIGIN_SLASH),
    ("https://peer.example/", ORIGIN_SLASH),
    ("https://peer.example/actors/anyone", ORIGIN_SLASH),
]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[AppEnv]:
    """The real app (trusted prefix ``https://trusted.example/actors/`` with a bearer)."""
    with app_env(tmp_path) as e:
        yield e


def _decisions(peers: tuple[TrustedPeer, ...], actor: str) -> tuple[bool, bool]:
    """(the inbox trusts it, the Action trusts it), each through the name its module calls."""
    return (inbox.trusted_peer(peers, actor) is not None,
            flows.trusted_peer(peers, actor) is not None)


def test_one_trusted_peer_rule_in_the_core() -> None:
    """The inbox and the Action call the core's rule; neither keeps a copy that could drift
    (two copies once disagreed on ``https://peer.example`` under ``https://peer.example/``)."""
    assert inbox.trusted_peer is urls.trusted_peer
    assert flows.trusted_peer is urls.trusted_peer
    peer = TrustedPeer(prefix=ORIGIN_SLASH)
    assert urls.trusted_peer((peer,), ORIGIN) is peer
    assert urls.trusted_peer((TrustedPeer(prefix=ACTORS), peer), ORIGIN + "/x") is peer
    assert urls.trusted_peer((peer,), None) is None


def test_trusted_prefix_matrix() -> None:
    attempts = refused = 0
    wrongly: list[str] = []
    for actor, prefix in ATTACKS:
        peers = (TrustedPeer(prefix=prefix),)
        for place, decision in zip(("inbox", "action"), _decisions(peers, actor), strict=True):
            attempts += 1
            refused += not decision
            if decision:
                wrongly.append(f"{place} trusted {actor!r} under {prefix!r}")
    honest = disagree = 0
    for actor, prefix in HONEST:
        inbox, action = _decisions((TrustedPeer(prefix=prefix),), actor)
        honest += inbox + action
        disagree += inbox != action
    print(f"\ntrusted prefixes: attempts={attempts} refused={refused} "
          f"leaked/accepted={attempts - refused}; honest accepted {honest}/{2 * len(HONEST)}, "
          f"inbox/Action disagreements {disagree}")
    assert wrongly == []
    assert refused == attempts
    assert (honest, disagree) == (2 * len(HONEST), 0)
    # a prefix with or without its trailing slash means the same
    for actor in ("https://peer.example", "https://peer.example/", "https://peer.example/x"):
        for prefix in (ORIGIN, ORIGIN_SLASH):
            assert _decisions((TrustedPeer(prefix=prefix),), actor) == (True, True)


def test_the_inbox_refuses_a_dot_segment_or_userinfo_actor(env: AppEnv) -> None:
    before = env.counts()
    headers = {"Content-Type": MEDIA, "Authorization": f"Bearer {BEARER}"}
    statuses = []
    for n, actor in enumerate(["https://trusted.example/actors/../admin",
                               "https://trusted.example/actors/%2e%2e/admin",
                               "https://evil.example\\@trusted.example/actors/t",
                               "https://evil.example@trusted.example/actors/t"]):
        body = json.dumps(activity(actor, n)).encode()
        statuses.append(env.client.post(INBOX_PATH, body, headers).status)
    honest = json.dumps(activity("https://TRUSTED.example:443/actors/t", 9)).encode()
    ok = env.client.post(INBOX_PATH, honest, headers).status
    print(f"\ntrusted prefixes at the inbox: attempts={len(statuses)} "
          f"refused={sum(s == 401 for s in statuses)} "
          f"leaked/accepted={sum(s == 202 for s in statuses)}; honest {ok}")
    assert statuses == [401] * len(statuses)
    assert ok == 202
    assert env.counts().inbound == before.inbound + 1


@pytest.mark.parametrize(("url", "normal"), [
    ("https://peer.example", "https://peer.example/"),
    ("HTTPS://Peer.Example:443/A/b", "https://peer.example/A/b"),
    ("http://peer.example:80/x", "http://peer.example/x"),
    ("http://peer.example:443/x", "http://peer.example:443/x"),
    ("https://peer.example/%7e%41%2D/%c3%a9/é", "https://peer.example/~A-/%C3%A9/%C3%A9"),
    ("https://peer.example/a?b=%7e#c", "https://peer.example/a?b=~#c"),
    ("https://[2001:DB8::1]:8443/a", "https://[2001:db8::1]:8443/a"),
    ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
])
def test_normalise_url(url: str, normal: str) -> None:
    from bridge.core.urls import normalise_url

    assert normalise_url(url) == normal
    assert normalise_url(normal) == normal


@pytest.mark.parametrize("url", [
    "", "peer.example/a", "ftp://peer.example/", "https:///a", "https://peer.example:99999/",
    "https://u@peer.example/", "https://peer.example\\x/", "https://peer.example/a/../b",
    "https://peer.example/./b", "https://peer.example/%2E", "https://peer.example/a%2Fb",
    "https://peer.example/a b", "https://peer.example/%4", "https://pe%72r.example/",
])
def test_normalise_url_refuses(url: str) -> None:
    from bridge.core.urls import normalise_url

    with pytest.raises(InputError):
        normalise_url(url)


def test_under_prefix_is_on_segment_boundaries() -> None:
    from bridge.core.urls import under_prefix

    assert under_prefix("https://p.example/actors/a", "https://p.example/actors/a")
    assert under_prefix("https://p.example/actors/a/b", "https://p.example/actors/a")
    assert not under_prefix("https://p.example/actors/ab", "https://p.example/actors/a")
    assert under_prefix("https://p.example/actors/ab", "https://p.example/actors/")
    assert not under_prefix("https://p.example/actors", "https://p.example/actors/")
    with pytest.raises(InputError):
        under_prefix("https://p.example/a", "https://p.example/?q=1")


class _Outbox:
    """An in-memory outbox reader (the poll's only I/O)."""

    def __init__(self, url: str, items: list[dict[str, Any]]) -> None:
        self.pages = {url: {"type": "OrderedCollection", "orderedItems": items}}

    def get(self, url: str) -> dict[str, Any]:
        return self.pages[url]


def test_a_polled_activity_speaks_only_for_the_outbox_server() -> None:
    outbox_url = "https://peer.example/outbox"
    me = "https://bridge.example/actors/vendor"
    foreign = ["https://evil.example\\@peer.example/actors/x",
               "https://evil.example@peer.example/actors/x",
               "https://peer.example:443@evil.example/actors/x",
               "https://peer.example/actors/%2e%2e/x"]
    honest = ["https://peer.example/actors/x", "HTTPS://PEER.example:443/actors/y"]
    items = [{"type": "Create", "id": f"https://peer.example/a/{n}", "actor": actor, "to": [me]}
             for n, actor in enumerate(foreign + honest)]
    got = poll.poll(_Outbox(outbox_url, items), outbox_url, {}, me)  # type: ignore[arg-type]
    accepted = [a["actor"] for a in got.activities]
    print(f"\npolled actors: attempts={len(foreign)} "
          f"refused={sum(a not in accepted for a in foreign)} "
          f"leaked/accepted={sum(a in accepted for a in foreign)}; "
          f"honest accepted {sum(a in accepted for a in honest)}/{len(honest)}")
    assert sorted(accepted) == sorted(honest)
    # an unusable actor id is skipped, not a crash of the whole poll
    bad = [{"type": "Create", "id": "https://peer.example/a/9", "to": [me],
            "actor": "https://peer.example:99999/actors/x"}]
    got = poll.poll(_Outbox(outbox_url, bad), outbox_url, {}, me)  # type: ignore[arg-type]
    assert got.activities == [] and got.ignored_ids == ["https://peer.example/a/9"]


@pytest.mark.parametrize("prefix", [
    "https://u@peer.example/actors/", "https://peer.example/actors/../", "peer.example/actors/",
    "https://peer.example\\actors/", "https://peer.example/actors/?x=1", "https://peer.example/#a",
])
def test_an_unusable_trusted_prefix_is_refused_when_the_configuration_loads(prefix: str) -> None:
    with pytest.raises(ValidationError, match="trusted|URL"):
        TrustedPeer(prefix=prefix)

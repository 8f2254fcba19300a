"""Inbox requests signed in every way a peer (or an attacker) might: the real signing
functions with the covered components, parameters and dates chosen by the test."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from bridge.httpsig import algorithms
from bridge.httpsig.cavage import sign_cavage
from bridge.httpsig.digest import content_digest_header, digest_header
from bridge.httpsig.message import RequestView, authority_of, http_date
from bridge.httpsig.rfc9421 import signature_base
from bridge.httpsig.sfv import InnerList, Item, Params, serialize_bare_item, serialize_inner_list
from tests.reliability.appenv import INBOX_URL, Peer

MEDIA = "application/activity+json"


def base_headers(body: bytes, now: float, url: str = INBOX_URL) -> dict[str, str]:
    return {"Host": authority_of(url), "Date": http_date(now), "Content-Type": MEDIA}


def cavage(peer: Peer, body: bytes, now: float, *, covered: Sequence[str] | None = None,
           url: str = INBOX_URL, algorithm: str | None = None,
           date: float | None = None) -> dict[str, str]:
    """A draft-cavage-12 signed request; ``covered`` defaults to what the bridge signs."""
    headers = base_headers(body, now if date is None else date, url)
    headers["Digest"] = digest_header(body)
    names = list(covered or ("(request-target)", "host", "date", "digest", "content-type"))
    view = RequestView.build("POST", url, headers, body)
    value = sign_cavage(view, peer.key_id, peer.key, names)
    if algorithm is not None:
        value = value.replace('algorithm="rsa-sha256"', f'algorithm="{algorithm}"').replace(
            'algorithm="hs2019"', f'algorithm="{algorithm}"')
    headers["Signature"] = value
    return headers


def rfc9421(peer: Peer, body: bytes, now: float, *, components: Sequence[str] | None = None,
            url: str = INBOX_URL, created: int | None | bool = True,
            digest_body: bytes | None = None) -> dict[str, str]:
    """An RFC 9421 signed request. ``created=None`` leaves the parameter out; an int sets it."""
    headers = base_headers(body, now, url)
    headers["Content-Digest"] = content_digest_header(body if digest_body is None
                                                      else digest_body)
    names = tuple(components or ("@method", "@target-uri", "content-digest", "content-type",
                                 "date"))
    params: Params = {"keyid": peer.key_id}
    if created is True:
        params["created"] = int(now)
    elif isinstance(created, int) and created is not False:
        params["created"] = created
    algorithm = algorithms.signing_algorithm(peer.key)
    params["alg"] = algorithm
    covered = InnerList(tuple(Item(n) for n in names), params)
    view = RequestView.build("POST", url, headers, body)
    raw = algorithms.sign(algorithm, peer.key, signature_base(view, covered))
    headers["Signature-Input"] = "sig1=" + serialize_inner_list(covered)
    headers["Signature"] = "sig1=" + serialize_bare_item(raw)
    return headers


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

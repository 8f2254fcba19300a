"""RFC 9421 HTTP Message Signatures for requests, with RFC 9530 ``Content-Digest``.

We sign ``("@method" "@target-uri" "content-digest" "content-type" "date")`` with
``created``, ``keyid`` and ``alg`` under the label ``sig1``. We verify the first signature
whose covered components meet the policy: ``@method``; ``@target-uri`` or both ``@authority``
and ``@path``; ``content-digest`` when there is a body; ``created`` and ``keyid`` present.
Component parameters (``;sf``, ``;key``, ``;bs``, ``;req``, ``;name``, ``;tr``) are not
supported and refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from bridge.core.errors import AuthenticationError
from bridge.httpsig import algorithms
from bridge.httpsig.digest import check_content_digest
from bridge.httpsig.keys import FetchedKey, KeyLookup, PrivateKey
from bridge.httpsig.message import (
    RequestView,
    SignatureScheme,
    check_time_window,
    parse_http_date,
)
from bridge.httpsig.policy import VerifiedSignature, VerifyPolicy, verify_with_key
from bridge.httpsig.sfv import (
    InnerList,
    Item,
    Member,
    Params,
    parse_dictionary,
    serialize_bare_item,
    serialize_inner_list,
    serialize_item,
)

LABEL = "sig1"
SIGNED_WITH_BODY = ("@method", "@target-uri", "content-digest", "content-type", "date")
SIGNED_WITHOUT_BODY = ("@method", "@target-uri", "date")


def component_value(view: RequestView, name: str) -> str:
    """The value of one covered component (RFC 9421 §2.1, §2.2) for a request."""
    derived = {
        "@method": lambda: view.method,
        "@target-uri": lambda: view.url,
        "@authority": lambda: view.authority,
        "@scheme": lambda: view.scheme,
        "@request-target": lambda: view.request_target,
        "@path": lambda: view.path,
        "@query": lambda: view.query,
    }
    if name.startswith("@"):
        if name not in derived:
            raise AuthenticationError(f"covered component {name} is not supported")
        return derived[name]()
    value = view.field(name)
    if value is None:
        raise AuthenticationError(f"the covered field {name} is missing from the request")
    return value


def signature_base(view: RequestView, covered: InnerList) -> bytes:
    """The signature base (RFC 9421 §2.5) for ``covered`` with its signature parameters."""
    lines: list[str] = []
    seen: set[str] = set()
    for item in covered.items:
        name = item.value
        if not isinstance(name, str) or name != name.lower() or not name:
            raise AuthenticationError("covered component names must be lower-case strings")
        if item.params:
            raise AuthenticationError(f"component parameters on {name} are not supported")
        ident = serialize_item(item)
        if ident in seen:
            raise AuthenticationError(f"covered component {name} is listed twice")
        seen.add(ident)
        value = component_value(view, name)
        if "\n" in value or "\r" in value:
            raise AuthenticationError(f"covered component {name} holds a line break")
        lines.append(f"{ident}: {value}")
    lines.append(f'"@signature-params": {serialize_inner_list(covered)}')
    return "\n".join(lines).encode("utf-8")


def sign_rfc9421(
    view: RequestView,
    key_id: str,
    key: PrivateKey,
    *,
    created: int,
    components: Sequence[str] | None = None,
    label: str = LABEL,
    include_alg: bool = True,
) -> tuple[str, str]:
    """``(Signature-Input, Signature)`` header values for ``view``.

    The request's ``Content-Digest`` and ``Date`` fields must already be set.
    """
    names = tuple(components or (SIGNED_WITH_BODY if view.body else SIGNED_WITHOUT_BODY))
    algorithm = algorithms.signing_algorithm(key)
    params: Params = {"created": int(created), "keyid": key_id}
    if include_alg:
        params["alg"] = algorithm
    covered = InnerList(tuple(Item(n) for n in names), params)
    signature = algorithms.sign(algorithm, key, signature_base(view, covered))
    return (
        f"{label}={serialize_inner_list(covered)}",
        f"{label}={serialize_bare_item(signature)}",
    )


def covered_names(member: Member) -> tuple[str, ...]:
    if not isinstance(member, InnerList):
        raise AuthenticationError("a Signature-Input member is not an inner list")
    return tuple(str(item.value) for item in member.items)


def check_coverage(view: RequestView, member: Member) -> None:
    """Refuse a signature that leaves out what the policy needs covered."""
    names = covered_names(member)
    params = member.params
    if "@method" not in names:
        raise AuthenticationError("the signature does not cover @method")
    if "@target-uri" not in names and not {"@authority", "@path"} <= set(names):
        raise AuthenticationError("the signature does not cover @target-uri (or @authority+@path)")
    if view.body and "content-digest" not in names:
        raise AuthenticationError("the signature does not cover content-digest")
    if not _is_int(params.get("created")):
        raise AuthenticationError("the signature has no created parameter")
    if not isinstance(params.get("keyid"), str):
        raise AuthenticationError("the signature has no keyid parameter")


def verify_rfc9421(
    view: RequestView,
    *,
    fetch_key: KeyLookup,
    now: float,
    policy: VerifyPolicy,
    refresh_key: KeyLookup | None = None,
) -> VerifiedSignature:
    inputs = parse_dictionary(view.field("signature-input") or "", "Signature-Input")
    signatures = parse_dictionary(view.field("signature") or "", "Signature")
    if not inputs:
        raise AuthenticationError("no RFC 9421 Signature-Input header")
    label, covered, problem = None, None, None
    for name, member in inputs.items():
        try:
            check_coverage(view, member)
        except AuthenticationError as exc:
            problem = problem or exc
            continue
        label, covered = name, member
        break
    if label is None or not isinstance(covered, InnerList):
        raise problem or AuthenticationError("no usable RFC 9421 signature")
    signed = signatures.get(label)
    if not isinstance(signed, Item) or not isinstance(signed.value, bytes):
        raise AuthenticationError(f"the Signature header has no byte value for {label}")
    key_id = str(covered.params["keyid"])
    raw_alg = covered.params.get("alg")
    alg = None if raw_alg is None else str(raw_alg)
    if alg is not None:
        algorithms.refuse_weak(alg)
        if alg not in algorithms.VERIFIABLE:
            raise AuthenticationError(f"signature algorithm {alg} is not supported")
    _check_times(view, covered, now, policy)
    if "content-digest" in covered_names(covered):
        check_content_digest(view.field("content-digest") or "", view.body)
    base = signature_base(view, covered)

    def candidates(fetched: FetchedKey) -> tuple[str, ...]:
        return (alg,) if alg is not None else algorithms.for_key(fetched.public_key)

    fetched, algorithm = verify_with_key(
        key_id,
        candidates,
        base,
        signed.value,
        fetch_key=fetch_key,
        refresh_key=refresh_key,
        policy=policy,
    )
    return VerifiedSignature(
        key_id=key_id,
        owner=fetched.owner,
        scheme=SignatureScheme.RFC9421,
        algorithm=algorithm,
        covered=covered_names(covered),
    )


def _check_times(view: RequestView, covered: InnerList, now: float, policy: VerifyPolicy) -> None:
    created = covered.params["created"]
    if not _is_int(created):
        raise AuthenticationError("the signature has no created parameter")
    check_time_window(float(created), now, policy.date_window, "the signature's created time")
    expires = covered.params.get("expires")
    if expires is not None and (not _is_int(expires) or float(expires) < now):
        raise AuthenticationError("the signature has expired")
    if "date" in covered_names(covered):
        date = view.field("date") or ""
        check_time_window(parse_http_date(date), now, policy.date_window, "the Date header")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

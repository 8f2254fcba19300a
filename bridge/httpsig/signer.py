"""Signing outbound requests at send time, with either scheme."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.httpsig.cavage import sign_cavage
from bridge.httpsig.digest import content_digest_header, digest_header
from bridge.httpsig.keys import PrivateKey, key_id_for
from bridge.httpsig.message import RequestView, SignatureScheme, authority_of, http_date
from bridge.httpsig.rfc9421 import sign_rfc9421


@dataclass(frozen=True, slots=True)
class Signer:
    """Our actor's key and key id (``{actor id}#main-key``)."""

    key_id: str
    private_key: PrivateKey

    @classmethod
    def for_actor(cls, actor_id: str, key: PrivateKey) -> Signer:
        return cls(key_id_for(actor_id), key)

    def headers_for(
        self,
        method: str,
        url: str,
        body: bytes,
        *,
        scheme: SignatureScheme,
        now: float,
        content_type: str | None = None,
    ) -> dict[str, str]:
        """Every header the signature needs, freshly dated ``now`` (seconds since the epoch).

        Cavage covers ``(request-target) host date digest content-type``; RFC 9421 covers
        ``"@method" "@target-uri" "content-digest" "content-type" "date"`` with ``created``,
        ``keyid`` and ``alg``. Digests and content type are left out for a body-less request.
        Send the returned ``Host`` as is: it is what was signed.
        """
        headers = {"Host": authority_of(url), "Date": http_date(now)}
        has_body = bool(body) or method.upper() in ("POST", "PUT", "PATCH")
        if content_type and has_body:
            headers["Content-Type"] = content_type
        if scheme is SignatureScheme.CAVAGE:
            covered = ["(request-target)", "host", "date"]
            if has_body:
                headers["Digest"] = digest_header(body)
                covered.append("digest")
            if "Content-Type" in headers:
                covered.append("content-type")
            view = RequestView.build(method, url, headers, body)
            headers["Signature"] = sign_cavage(view, self.key_id, self.private_key, covered)
            return headers
        components = ["@method", "@target-uri"]
        if has_body:
            headers["Content-Digest"] = content_digest_header(body)
            components.append("content-digest")
        if "Content-Type" in headers:
            components.append("content-type")
        components.append("date")
        view = RequestView.build(method, url, headers, body)
        signature_input, signature = sign_rfc9421(
            view, self.key_id, self.private_key, created=int(now), components=components
        )
        headers["Signature-Input"] = signature_input
        headers["Signature"] = signature
        return headers

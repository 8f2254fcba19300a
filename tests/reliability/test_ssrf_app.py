"""The SSRF guard at app level: key ids named by inbox signatures and recipients' inboxes that
point at refused addresses open no connection at all (every socket connect in the process is
counted); an allowlisted address works. The guard's own table is in tests/delivery/test_ssrf.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from bridge.app.delivery import actor_key, make_send
from bridge.core.retry import Verdict
from bridge.httpsig import Signer
from bridge.httpsig.keys import key_id_for, public_key_document
from bridge.store import outbox
from bridge.store.db import transaction
from tests.reliability.appenv import INBOX_PATH, INBOX_URL, AppEnv, app_env, cached_key
from tests.reliability.figures import figure
from tests.support.servers import Answer, Receiver, Seen

BLOCKED_HOSTS = [
    "127.0.0.1", "127.1.2.3", "localhost", "app.localhost", "[::1]", "0.0.0.0", "2130706433",
    "0177.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]", "10.0.0.1", "172.16.5.4", "192.168.1.1",
    "100.64.0.1", "169.254.169.254", "[fd00::1]", "[fe80::1]", "224.0.0.1", "[64:ff9b::a00:1]",
    "[2002:7f00:1::]", "240.0.0.1",
]
BAD_SCHEMES = ["file:///etc/passwd", "gopher://127.0.0.1:70/x", "ftp://10.0.0.1/x"]


def _signed_by(key_id: str, actor: str, env: AppEnv) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
                       "id": f"{actor}/activities/1", "actor": actor,
                       "object": {"type": "VulnerabilityReport", "id": f"{actor}/r/1"}}).encode()
    signer = Signer(key_id, cached_key("rsa-alice"))
    from bridge.httpsig import SignatureScheme

    return body, signer.headers_for("POST", INBOX_URL, body, scheme=SignatureScheme.CAVAGE,
                                    now=env.clock(), content_type="application/activity+json")


def test_key_ids_at_refused_addresses_open_no_connection(tmp_path: Path) -> None:
    from tests.reliability.appenv import ConnectionCounter

    targets = [f"http://{h}:8080/actors/x" for h in BLOCKED_HOSTS] + BAD_SCHEMES
    with app_env(tmp_path, real_fetcher=True) as env, ConnectionCounter() as net:
        before = env.counts()
        statuses = []
        for actor in targets:
            body, headers = _signed_by(key_id_for(actor), actor, env)
            statuses.append(env.client.post(INBOX_PATH, body, headers).status)
        assert statuses == [401] * len(targets)
        assert net.attempts == [] and env.counts() == before
    figure("SSRF: inbox key ids", f"{len(targets)} key ids at refused addresses/schemes -> "
           f"401, {len(net.attempts)} connections")


def test_recipients_at_refused_addresses_open_no_connection(tmp_path: Path) -> None:
    from tests.reliability.appenv import ConnectionCounter

    inboxes = [f"http://{h}:8080/actors/x/inbox/" for h in BLOCKED_HOSTS]
    with app_env(tmp_path) as env, ConnectionCounter() as net:
        send = make_send(env.rt, actor_key(env.rt))
        with transaction(env.rt.sessions) as s:
            for n, inbox in enumerate(inboxes):
                outbox.enqueue(s, f"urn:uuid:{n}", {"id": f"urn:uuid:{n}", "type": "Join"},
                               [(inbox.removesuffix("/inbox/"), inbox)], env.clock())
        with env.rt.sessions() as s:
            items = outbox.list_outbox(s, limit=1000)
        outcomes = [send(item) for item in items]
    assert [o.verdict for o in outcomes] == [Verdict.DEAD] * len(inboxes)
    reasons = [o.error or "" for o in outcomes]
    assert all("SSRF" in r or "cannot be used" in r for r in reasons), reasons
    assert net.attempts == []
    figure("SSRF: delivery recipients", f"{len(inboxes)} inboxes at refused addresses -> "
           f"dead-lettered, {len(net.attempts)} connections")


def test_an_allowlisted_address_is_reached(tmp_path: Path) -> None:
    key = cached_key("rsa-alice")
    docs: dict[str, dict[str, object]] = {}

    def respond(seen: Seen) -> Answer:
        doc = docs.get(seen.path)
        if seen.method == "GET" and doc is not None:
            return Answer(200, json.dumps(doc).encode(),
                          {"Content-Type": "application/activity+json"})
        return Answer(202 if seen.method == "POST" else 404)

    with Receiver(answers={"/": respond}) as server:
        actor = f"{server.base}/actors/peer"
        docs["/actors/peer"] = {"id": actor, "type": "Person", "inbox": actor + "/inbox/",
                                "publicKey": public_key_document(actor, key)}
        extra = 'delivery: {allow_networks: ["127.0.0.1/32"]}\n'
        with app_env(tmp_path, real_fetcher=True, extra=extra) as env:
            body, headers = _signed_by(key_id_for(actor), actor, env)
            accepted = env.client.post(INBOX_PATH, body, headers)
            send = make_send(env.rt, actor_key(env.rt))
            with transaction(env.rt.sessions) as s:
                outbox.enqueue(s, "urn:uuid:ok", {"id": "urn:uuid:ok", "type": "Join"},
                               [(actor, actor + "/inbox/")], env.clock())
            with env.rt.sessions() as s:
                item = outbox.list_outbox(s)[0]
            outcome = send(item)  # as the worker does: no transaction open while sending
    assert accepted.status == 202, accepted.text
    assert outcome.verdict is Verdict.DELIVERED
    methods = [seen.method for seen in server.requests]
    # one GET for the inbox's signature key, one for the actor document naming the inbox
    assert methods.count("GET") == 2 and methods.count("POST") == 1
    assert outcome.inbox is None  # the document's inbox is the one the row named
    figure("SSRF: allowlisted 127.0.0.1/32", "key fetched (1 GET), inbox signature 202, "
           "actor document fetched for its inbox (1 GET), delivery 202")

"""Wiring outbound delivery: our actor's key, the SSRF-guarded client, the signing sender,
and the adapter from outbox rows to what the sender posts.

Before each send: a message carrying report content goes only to an admitted participant of
its case (or report) as the store knows them now — anyone else's copy is dead-lettered with the
reason (``bridge.core.rules.audience.content_refusal``) — and the inbox is the one the
recipient's actor document names (``bridge.app.inboxes``).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from bridge.app.inboxes import Inboxes
from bridge.app.runtime import Runtime
from bridge.app.subjects import members
from bridge.core.retry import Verdict
from bridge.core.rules.audience import content_refusal, subjects_of
from bridge.delivery import worker
from bridge.delivery.bounded import BoundedTransport
from bridge.delivery.keyfetch import KeyFetcher
from bridge.delivery.outcome import DeliveryOutcome
from bridge.delivery.sender import MemoryPeerSchemes, Sender
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig.keys import PrivateKey, load_key_file, load_or_generate, load_private_pem
from bridge.httpsig.signer import Signer
from bridge.mail.outgoing import is_mail_recipient, send_to_reporter
from bridge.store import db, state
from bridge.store.cases import INVITATION
from bridge.store.outbox import OutboxItem


def actor_key(rt: Runtime) -> PrivateKey:
    """The actor's signing key: ``actor.key_pem``, ``actor.key_file`` (which must exist:
    ``vultron-bridge keygen`` makes one; never a silent new identity), or — neither
    configured — one generated next to the SQLite database (``<db>.actor-key.pem``, mode
    0600) on first start."""
    actor = rt.config.actor
    if actor.key_pem is not None:
        return load_private_pem(actor.key_pem.get_secret_value())
    if actor.key_file:
        return load_key_file(Path(actor.key_file))
    sqlite = db.sqlite_path(rt.config.database_url)
    base = sqlite if sqlite is not None else Path("vultron-bridge")
    path = base.with_name(base.name + ".actor-key.pem")
    try:
        return load_or_generate(path)
    except FileExistsError:  # another process generated it just now
        return load_private_pem(path.read_bytes())


def make_send(rt: Runtime, key: PrivateKey) -> worker.Send:
    allow = AllowPolicy.build(
        allow_loopback=rt.config.delivery.allow_loopback,
        networks=rt.config.delivery.allow_networks,
    )
    timeout = rt.config.delivery.timeout_seconds
    # each attempt (and each actor fetch) within a total deadline: a drip cannot hold it
    client = guarded_client(allow, timeout=timeout, inner=BoundedTransport(
        httpx.HTTPTransport(trust_env=False), total=timeout))
    signer = Signer.for_actor(rt.actor_id, key)
    sender = Sender(
        client, signer, peer_scheme=MemoryPeerSchemes(),
        clock=rt.clock, timeout=rt.config.delivery.timeout_seconds,
    )
    fetcher = KeyFetcher(client, clock=rt.clock, timeout=rt.config.delivery.timeout_seconds,
                         signer=signer)
    inboxes = Inboxes(rt, fetcher.fetch_actor)

    def send(item: OutboxItem) -> DeliveryOutcome:
        with rt.readers() as session:
            refusal = content_refusal(item.activity, item.recipient,
                                      admitted(session, item.activity))
        if refusal is not None:
            return DeliveryOutcome(Verdict.DEAD, error=refusal)
        if is_mail_recipient(item.recipient):  # a reporter who wrote by email: SMTP
            return send_to_reporter(rt, item)
        inbox = inboxes.resolve(item.recipient)
        if inbox == item.inbox_url:
            return sender.send(item)
        return dataclasses.replace(sender.send(dataclasses.replace(item, inbox_url=inbox)),
                                   inbox=inbox)

    return send


def admitted(session: Session, activity: dict[str, object]) -> frozenset[str] | None:
    """The admitted participants, now, of the first case or report ``activity`` is about that
    the store knows; for a case we only know by its invitation to us, whom invited us (None
    when it knows none of them)."""
    subjects = subjects_of(activity)
    for subject in subjects:
        record = state.get_case(session, subject)
        if record is not None:
            return frozenset(members(session, subject, dict(record.data)))
    for subject in subjects:
        invitation = state.get_object(session, INVITATION + subject)
        if invitation is not None and invitation.data.get("inviter"):
            return frozenset({str(invitation.data["inviter"])})
    return None


def run_delivery(rt: Runtime, worker_id: str, stop: threading.Event,
                 send: worker.Send | None = None) -> None:
    """Deliver outbox rows until ``stop`` is set."""
    def sleep(seconds: float) -> None:
        # idle: wake early when the processing loop queued something (or on stop)
        rt.loops.beat("deliver")
        rt.wake_deliver.wait(seconds)
        rt.wake_deliver.clear()

    def stopper() -> None:
        stop.wait()
        rt.wake_deliver.set()

    threading.Thread(target=stopper, daemon=True, name="deliver-stop").start()
    worker.run_forever(
        rt.sessions, send or make_send(rt, actor_key(rt)), worker_id=worker_id, now=rt.clock,
        policy=rt.policy, rnd=random.random, sleep=sleep, stop=stop, idle_seconds=0.5,
        batch=32, concurrency=8, lease_seconds=4 * rt.config.delivery.timeout_seconds + 30,
    )

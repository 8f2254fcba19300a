"""Wiring outbound delivery: our actor's key, the SSRF-guarded client, the signing sender,
and the adapter from outbox rows to what the sender posts."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from bridge.delivery import worker
from bridge.delivery.outcome import DeliveryOutcome
from bridge.delivery.sender import MemoryPeerSchemes, Sender
from bridge.delivery.ssrf import AllowPolicy, guarded_client
from bridge.httpsig.keys import PrivateKey, load_or_generate, load_private_pem
from bridge.httpsig.signer import Signer
from bridge.mail.outgoing import is_mail_recipient, send_to_reporter
from bridge.service.runtime import Runtime
from bridge.store import db
from bridge.store.outbox import OutboxItem


def actor_key(rt: Runtime) -> PrivateKey:
    """The actor's signing key: ``actor.key_pem``, ``actor.key_file``, or one generated next
    to the SQLite database (``<db>.actor-key.pem``, mode 0600) on first start."""
    actor = rt.config.actor
    if actor.key_pem is not None:
        return load_private_pem(actor.key_pem.get_secret_value())
    if actor.key_file:
        path = Path(actor.key_file)
    else:
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
    client = guarded_client(allow, timeout=rt.config.delivery.timeout_seconds)
    sender = Sender(
        client, Signer.for_actor(rt.actor_id, key), peer_scheme=MemoryPeerSchemes(),
        clock=rt.clock, timeout=rt.config.delivery.timeout_seconds,
    )

    def send(item: OutboxItem) -> DeliveryOutcome:
        if is_mail_recipient(item.recipient):  # a reporter who wrote by email: SMTP
            return send_to_reporter(rt, item)
        return sender.send(item)

    return send


def run_delivery(rt: Runtime, worker_id: str, stop: threading.Event,
                 send: worker.Send | None = None) -> None:
    """Deliver outbox rows until ``stop`` is set."""
    def sleep(seconds: float) -> None:
        # idle: wake early when the processing loop queued something (or on stop)
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

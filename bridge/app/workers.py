"""Starting this process's background loops (processing, delivery), each supervised.

``start_workers`` is what ``serve`` (unless ``--no-worker``) and ``worker`` call. Every loop
runs under ``bridge.app.supervise``: restarted when it crashes, heartbeats for
``/readyz``. Delivery is isolated per row as processing is per input: an unexpected exception
while sending one row becomes that row's retry (``internal: <Type> at <place>``), dead-lettered
at the attempt bound like any other failure, and the loop goes on.
"""

from __future__ import annotations

import logging
import threading

from bridge.app import supervise
from bridge.app.faults import describe
from bridge.app.runtime import Runtime
from bridge.core.errors import BridgeError
from bridge.core.retry import Verdict
from bridge.delivery import worker
from bridge.delivery.outcome import DeliveryOutcome
from bridge.logs import event
from bridge.store.outbox import OutboxItem

log = logging.getLogger("bridge.deliver")

DELIVER = "deliver"
"""The delivery loop's name in ``rt.loops``."""


def isolated(rt: Runtime, send: worker.Send) -> worker.Send:
    """``send`` that beats the delivery loop's heartbeat and turns an unexpected exception
    into a retry of that one row."""
    def guarded(item: OutboxItem) -> DeliveryOutcome:
        rt.loops.beat(DELIVER)
        try:
            return send(item)
        except BridgeError:
            raise  # the worker maps these (bridge.delivery.worker.outcome_of_error)
        except Exception as exc:  # noqa: BLE001 - one row must never stop delivery
            error = describe(exc)
            event(log, "delivery.internal_error", logging.ERROR, outbox_id=item.id,
                  error=error)
            return DeliveryOutcome(Verdict.RETRY, error=error)
    return guarded


def _deliver(rt: Runtime, worker_id: str, stop: threading.Event) -> None:
    from bridge.app.delivery import actor_key, make_send, run_delivery

    run_delivery(rt, worker_id, stop, send=isolated(rt, make_send(rt, actor_key(rt))))


def start_workers(rt: Runtime, stop: threading.Event, name: str) -> list[threading.Thread]:
    """The processing and delivery loops in supervised daemon threads."""
    from bridge.app import guard, process

    # Import what the worker threads would import lazily, here, before they start: two
    # threads importing one package's cyclic modules at once can each see the other's
    # half-initialised module (ImportError at start-up, found by bench/soak_webhooks.py).
    del guard
    process._load_handlers()
    return [
        supervise.start(rt.loops, process.LOOP,
                        lambda: process.run_forever(rt, f"{name}-process", stop), stop),
        supervise.start(rt.loops, DELIVER, lambda: _deliver(rt, f"{name}-deliver", stop), stop),
    ]

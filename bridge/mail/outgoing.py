"""Delivering protocol messages to a reporter who wrote by email (a ``mailto:`` recipient).

The outbox holds these rows like any other (durable, retried, in order per reporter); at
send time the delivery path hands a ``mailto:`` recipient to ``send_to_reporter`` instead of
an HTTP inbox. It mails only a reporter of a mail thread of the message's report or case
(the bridge never mails an address that did not write to it), the notice
``bridge.core.mail.notices`` makes of the message (messages without one are recorded as
delivered, not mailed), threaded to the reporter's last mail, PGP/MIME encrypted when the
thread has the reporter's key (a failure to encrypt never falls back to clear text), through
``mail.relay``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.app.runtime import Runtime
from bridge.core.errors import PermanentError
from bridge.core.mail.compose import (
    Envelope,
    encrypted_mail,
    inner_part,
    plain_mail,
    reply_subject,
)
from bridge.core.mail.ids import address_of, our_message_id
from bridge.core.mail.notices import notice_for
from bridge.core.retry import Verdict
from bridge.core.vocab.base import ref_ids
from bridge.delivery.outcome import DeliveryOutcome
from bridge.mail import threads
from bridge.mail.keys import pgp_for
from bridge.mail.relay import send_mail
from bridge.store import db
from bridge.store.outbox import OutboxItem


def is_mail_recipient(recipient: str) -> bool:
    return recipient.lower().startswith("mailto:")


def subjects_in(activity: Mapping[str, Any]) -> list[str]:
    """The report or case ids an activity is about (its context, a case it carries, the
    report of the Offer it answers)."""
    obj = activity.get("object")
    found: list[str] = [*ref_ids(activity.get("context"))]
    if isinstance(obj, Mapping):
        found += ref_ids(obj.get("context"))
        if obj.get("type") == "VulnerabilityCase" and isinstance(obj.get("id"), str):
            found.append(obj["id"])
        inner = obj.get("object")
        if obj.get("type") == "Offer" and isinstance(inner, Mapping):
            found += ref_ids(inner.get("id"))
    return list(dict.fromkeys(found))


def _dead(reason: str) -> DeliveryOutcome:
    return DeliveryOutcome(Verdict.DEAD, error=reason)


def send_to_reporter(rt: Runtime, item: OutboxItem) -> DeliveryOutcome:
    cfg = rt.config.mail
    address = address_of(item.recipient)
    if address is None:
        return _dead("not a usable mailto: address")
    with rt.readers() as session:
        found = threads.threads_for(session, subjects_in(item.activity))
    if found is None or found[1].get("reporter") != address:
        return _dead("the bridge mails only reporters who wrote to it: no mail thread of this "
                     "report or case is theirs")
    notice = notice_for(item.activity)
    if notice is None:
        return DeliveryOutcome(Verdict.DELIVERED, error="not mailed: no mail notice for this "
                                                        "message")
    if cfg.relay is None or cfg.from_address is None:
        return DeliveryOutcome(Verdict.RETRY, error="mail.relay and mail.from_address are "
                                                    "needed to mail reporters")
    if address.endswith(".invalid"):
        return _dead("the reporter's address is unknown (.invalid)")
    report, thread = found
    env = Envelope(
        sender=cfg.from_address, to=address, subject=reply_subject(str(thread.get("subject"))),
        message_id=our_message_id(f"{item.activity_id}\x1f{item.recipient}", cfg.domain()),
        date=rt.now(), in_reply_to=thread.get("last_in"),
        references=tuple(str(i) for i in thread.get("messages", [])),
        automatic=notice.automatic)
    key = thread.get("reply_key")
    if key:
        pgp = pgp_for(rt)
        if pgp is None:
            return DeliveryOutcome(Verdict.RETRY, error="the reporter's key is known but "
                                                        "mail.gpg_home is not configured")
        try:
            armored = pgp.encrypt(inner_part(notice.text).as_bytes(), str(key))
        except PermanentError as exc:
            return _dead(exc.reason)
        message = encrypted_mail(env, armored)
    elif cfg.require_encryption:
        return _dead("no key for the reporter and mail.require_encryption is on")
    else:
        message = plain_mail(env, notice.text)
    now = rt.clock()
    with db.transaction(rt.sessions) as session:  # before sending: an answer finds the thread
        threads.remember(session, env.message_id, report, "out", now)
        threads.add_message(session, report, env.message_id, now, incoming=False)
    return send_mail(cfg.relay, cfg.from_address, address, message.as_bytes())

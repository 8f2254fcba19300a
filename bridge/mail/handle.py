"""The worker's handler for stored mails (``mail:`` inputs): mail → report, comment or note.

1. The mail is read (``bridge.core.mail.parse``) and judged (``mail_kind``): one of our own
   mails come back is dropped (``ignored``, with the reason); a bounce or an automatic reply
   becomes a private note on the issue of the thread it answers (``ignored`` when it answers
   none) — never a report.
2. Its PGP is opened (``bridge.mail.content``).
3. A mail in a known thread (an id of ``References``/``In-Reply-To`` the bridge has seen, the
   reporter's or ours) becomes a private comment on that report's issue, once (the comment
   carries a marker). Any other mail starts a thread: its report — id derived from the
   thread's root — is offered to the bridge as an ``Offer(VulnerabilityReport)`` whose actor
   is the reporter's ``mailto:`` identity, and mirrored like any Offer
   (``bridge.app.mirror_report.on_offer``): one private issue, ``vultron:received``, the
   reporter as finder. Validate, engage, embargo and close then work as for any report.

Reprocessing (a crash, an expired lease) repeats nothing: the thread is recorded before the
issue is ensured (found again by its marker), comments carry markers, the input is finished
with the last write.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bridge.app.effects import apply_effects
from bridge.app.finish import finish_item
from bridge.app.guard import to_ref
from bridge.app.mirror_base import Context
from bridge.app.mirror_report import on_offer
from bridge.app.mirror_texts import HEADER, clean
from bridge.app.runtime import Runtime
from bridge.core.effects import Comment
from bridge.core.errors import TransientError
from bridge.core.mail.ids import (
    digest,
    mail_actor,
    referenced_ids,
    thread_report_id,
    thread_root,
)
from bridge.core.mail.kinds import MailKind, mail_kind
from bridge.core.mail.parse import Limits, ParsedMail, parse_mail
from bridge.core.mail.report import Opened, automatic_note, followup_comment, report_content
from bridge.core.refs import TrackerRef
from bridge.core.storable import unstorable_field
from bridge.core.vocab.activities import Activity
from bridge.core.vocab.objects import VulnerabilityReport
from bridge.core.vocab.parse import parse_activity
from bridge.mail import threads
from bridge.mail.content import open_mail
from bridge.mail.keys import pgp_for, reply_key
from bridge.store import audit, db, links
from bridge.store.inbound import InboundItem

log = logging.getLogger("bridge.mail")
UNKNOWN_SENDER = "unknown@sender.invalid"
MAX_COMMENT = 60_000


@dataclass
class Handled:
    what: str
    report: str | None = None
    finished: bool = True


def limits_of(rt: Runtime) -> Limits:
    cfg = rt.config.mail.limits
    return Limits(cfg.max_headers, cfg.max_depth, cfg.max_parts)


def handle_mail(rt: Runtime, item: InboundItem) -> Handled:
    cfg = rt.config.mail
    mail = parse_mail(item.body, limits_of(rt))
    envelope_from = item.headers.get("x-envelope-from")
    kind, why = mail_kind(mail, envelope_from=envelope_from, domain=cfg.domain(),
                          our_address=cfg.from_address)
    h = mail.headers
    found = unstorable_field({"from": h.from_address, "message_id": h.message_id,
                              "envelope_from": envelope_from, "subject": h.subject})
    if found is not None:  # neither database stores it: say so, never fail the input
        return _ignored(rt, item, f"the mail's {found} holds a NUL character or an unpaired "
                                  "surrogate")
    own_id = h.message_id or item.key
    answered = referenced_ids(h.in_reply_to, h.references)
    if kind is MailKind.LOOP:
        return _ignored(rt, item, f"loop: {why}")
    if kind in (MailKind.BOUNCE, MailKind.AUTO_REPLY):
        original = mail.body.report.original_id if mail.body.report else None
        with rt.readers() as session:
            report = threads.find_report(session, [*answered, *([original] if original else [])])
        if report is None:
            return _ignored(rt, item, f"{kind.value} ({why}); it answers no report's thread")
        body = automatic_note(kind.value, why, h, mail.body.report)
        return _comment(rt, item, report, body, own_id, incoming=False, what=kind.value)
    with rt.readers() as session:
        report = threads.find_report(session, [own_id, *answered])
        thread = threads.get_thread(session, report) if report else None
    opened = open_mail(mail, pgp_for(rt), limits_of(rt), import_keys=cfg.import_attached_keys)
    stored = f"inbound #{item.id} (sha256 `{digest(item.body)[:16]}…`)"
    if report is not None and thread is not None and thread.get("root") != own_id:
        body = followup_comment(opened, h, envelope_from, stored, thread.get("reporter"))
        _keep_key(rt, report, opened, thread.get("reporter"))
        return _comment(rt, item, report, body, own_id, incoming=True, what="follow-up")
    return _new_report(rt, item, mail, opened, own_id, envelope_from, stored)


def _new_report(rt: Runtime, item: InboundItem, mail: ParsedMail, opened: Opened, own_id: str,
                envelope_from: str | None, stored: str) -> Handled:
    h = mail.headers
    sender = (h.from_address or (envelope_from or "").strip("<> ").lower() or UNKNOWN_SENDER)
    actor = mail_actor(sender if "@" in sender else UNKNOWN_SENDER)
    root = thread_root(own_id, h.in_reply_to, h.references) or own_id
    report_id = thread_report_id(rt.config.actor.base_url, root)
    now = rt.clock()
    with db.transaction(rt.sessions) as session:  # before the issue: a retry finds the thread
        threads.open_thread(session, report_id, root=own_id, reporter=actor[len("mailto:"):],
                            subject=h.subject, now=now)
        threads.remember(session, own_id, report_id, "in", now)
        for other in {root} - {own_id}:
            threads.remember(session, other, report_id, "in", now)
    _keep_key(rt, report_id, opened, actor[len("mailto:"):])
    activity = _offer(rt, report_id, actor, h.subject,
                      report_content(opened, h, envelope_from, stored))
    result = on_offer(Context(rt, item, activity), _report(activity))
    with db.transaction(rt.sessions) as session:
        audit.append(session, "mail.report", report_id, {
            "input": item.id, "message_id": digest(own_id), "encrypted": opened.crypto.encrypted,
            "decrypted": opened.crypto.decrypted,
            "signatures": [{"valid": s.valid, "key": s.fingerprint or s.key_id}
                           for s in opened.crypto.signatures],
        }, rt.clock())
    return Handled("report", report_id, finished=result.finished)


def _offer(rt: Runtime, report_id: str, actor: str, subject: str, content: str) -> Activity:
    wire: dict[str, Any] = {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
        "id": f"{report_id}/offer", "actor": actor, "to": [rt.actor_id],
        "object": {"type": "VulnerabilityReport", "id": report_id,
                   "name": subject or "(no subject)", "content": content,
                   "mediaType": "text/markdown", "attributedTo": actor},
    }
    activity = parse_activity(wire).document
    assert isinstance(activity, Activity)
    return activity


def _report(activity: Activity) -> VulnerabilityReport:
    report = activity.object_
    assert isinstance(report, VulnerabilityReport)
    return report


def _keep_key(rt: Runtime, report: str, opened: Opened, reporter: str | None) -> None:
    fingerprint = reply_key(rt, opened, reporter)
    if fingerprint:
        with db.transaction(rt.sessions) as session:
            threads.set_reply_key(session, report, fingerprint, rt.clock())


def _issues(rt: Runtime, report: str) -> list[TrackerRef]:
    with rt.readers() as session:
        found = [link.ref for link in links.links_for_subject(session, report)
                 if link.relation is links.Relation.MIRRORS]
    return [to_ref(rt, ref) for ref in found]


def _comment(rt: Runtime, item: InboundItem, report: str, body: str, own_id: str, *,
             incoming: bool, what: str) -> Handled:
    refs = _issues(rt, report)
    if not refs:
        raise TransientError("the report's issue is not written yet; the mail waits for it")
    text = f"{HEADER}: {clean(body, MAX_COMMENT)}\n"
    for ref in refs:
        apply_effects(rt, ref.tracker, [Comment(ref=ref, body=text, content=True,
                                                marker_id=f"mail:{item.key}")])
    now = rt.clock()
    with db.transaction(rt.sessions) as session:
        threads.remember(session, own_id, report, "in", now)
        if incoming:
            threads.add_message(session, report, own_id, now, incoming=True)
        audit.append(session, f"mail.{what}", report, {
            "input": item.id, "message_id": digest(own_id), "issues": [str(r) for r in refs],
        }, now)
        finished = finish_item(session, item, "done", now)
    return Handled(what, report, finished=finished)


def _ignored(rt: Runtime, item: InboundItem, reason: str) -> Handled:
    now = rt.clock()
    with db.transaction(rt.sessions) as session:
        audit.append(session, "mail.ignored", f"inbound:{item.id}", {"reason": reason}, now)
        finished = finish_item(session, item, "ignored", now, reason)
    log.info("mail %s ignored: %s", item.id, reason)
    return Handled("ignored", finished=finished)

"""The mails the bridge writes to a reporter (pure): threaded to their report's thread, in
clear or PGP/MIME encrypted (RFC 3156) around a ciphertext gpg made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from bridge.core.mail.ids import MAX_REFERENCES

FOOTER = ("\n\n-- \nThis mail is about the vulnerability report you sent. Reply to it to "
          "answer: your reply goes to the team's private tracker.\n")


@dataclass(frozen=True)
class Envelope:
    sender: str
    to: str
    subject: str
    message_id: str
    """Without brackets."""
    date: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    automatic: bool = True
    """A state-change notice (``Auto-Submitted: auto-generated``, RFC 3834)."""


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())[:200] or "your vulnerability report"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def body_text(text: str) -> str:
    return text.rstrip() + FOOTER


def inner_part(text: str) -> EmailMessage:
    """The text part (what is encrypted, when it is)."""
    part = EmailMessage(policy=SMTP)
    part.set_content(body_text(text), subtype="plain", charset="utf-8", cte="quoted-printable")
    return part


def _headers(msg: EmailMessage, env: Envelope) -> None:
    msg["From"] = env.sender
    msg["To"] = env.to
    msg["Subject"] = env.subject
    msg["Date"] = format_datetime(env.date)
    msg["Message-ID"] = f"<{env.message_id}>"
    if env.in_reply_to:
        msg["In-Reply-To"] = f"<{env.in_reply_to}>"
    refs = env.references[-MAX_REFERENCES:]
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg["Auto-Submitted"] = "auto-generated" if env.automatic else "no"
    if env.automatic:
        msg["X-Auto-Response-Suppress"] = "All"


def plain_mail(env: Envelope, text: str) -> EmailMessage:
    msg = inner_part(text)
    _headers(msg, env)
    return msg


def encrypted_mail(env: Envelope, armored: str) -> EmailMessage:
    """``multipart/encrypted; protocol="application/pgp-encrypted"`` around ``armored``."""
    msg = EmailMessage(policy=SMTP)
    _headers(msg, env)
    msg.set_type("multipart/encrypted")
    msg.set_param("protocol", "application/pgp-encrypted")
    version = EmailMessage(policy=SMTP)
    version.set_content(b"Version: 1\r\n", maintype="application", subtype="pgp-encrypted",
                        cte="7bit")
    version.replace_header("Content-Type", "application/pgp-encrypted")
    del version["MIME-Version"]
    data = EmailMessage(policy=SMTP)
    data.set_content(armored.encode("ascii"), maintype="application", subtype="octet-stream",
                     cte="7bit", disposition="inline", filename="encrypted.asc")
    del data["MIME-Version"]
    msg.attach(version)
    msg.attach(data)
    return msg

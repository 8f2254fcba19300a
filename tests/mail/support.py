"""Mail test support: throwaway gpg keyrings (real gpg, temp GNUPGHOME), an SMTP sink on
loopback standing in for the team's relay, mail builders, and a bridge with its mail
listener, HTTP app (for the fake GitHub's webhooks) and fake GitHub — stepped by hand
(``work``, ``deliver``): nothing waits on timing."""

from __future__ import annotations

import random
import shutil
import smtplib
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import gnupg
from aiosmtpd.controller import Controller

from bridge.app import delivery
from bridge.core.retry import RetryPolicy
from bridge.delivery import worker
from bridge.mail.server import MailListener
from tests.fakes.github.harness import PRIVATE_REPO
from tests.service.bridge_env import BridgeEnv, bridge_env
from tests.support.app_env import process_all
from tests.support.servers import free_port

TEAM = "security@vendor.example"
REPORTER = "alice@finder.example"


@dataclass
class Keyring:
    home: str
    gpg: Any
    fingerprint: str
    address: str

    def public(self) -> str:
        return str(self.gpg.export_keys(self.fingerprint))

    def trust(self, other: Keyring) -> None:
        self.gpg.import_keys(other.public())


@contextmanager
def keyring(address: str) -> Iterator[Keyring]:
    """A new GnuPG home with one ed25519/cv25519 key for ``address`` (no passphrase)."""
    home = tempfile.mkdtemp(prefix="vbg")  # short: gpg-agent's socket lives here
    try:
        gpg = gnupg.GPG(gnupghome=home)
        spec = gpg.gen_key_input(key_type="EDDSA", key_curve="ed25519", subkey_type="ECDH",
                                 subkey_curve="cv25519", name_real=address.split("@")[0],
                                 name_email=address, expire_date=0, no_protection=True)
        key = gpg.gen_key(spec)
        assert key.fingerprint, key.stderr
        yield Keyring(home, gpg, str(key.fingerprint), address)
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], check=False,
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Sink:
    """An SMTP server that keeps what it is sent (the relay)."""

    mails: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.mails.append((envelope.mail_from, list(envelope.rcpt_tos),
                               bytes(envelope.original_content)))
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [BytesParser(policy=default).parsebytes(m[2]) for m in self.mails]


@contextmanager
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def encrypt_to(sender: Keyring, team: Keyring, data: bytes, *, sign: bool = True) -> str:
    result = sender.gpg.encrypt(data, [team.fingerprint], always_trust=True, armor=True,
                                sign=sender.fingerprint if sign else None)
    assert result.ok, result.status
    return str(result)


def text_part(text: str, *, key: str | None = None,
              attachment: bytes | None = None) -> EmailMessage:
    inner = EmailMessage()
    inner.set_content(text)
    if key is not None:
        inner.add_attachment(key.encode(), maintype="application", subtype="pgp-keys",
                             filename="alice.asc")
    if attachment is not None:
        inner.add_attachment(attachment, maintype="application", subtype="octet-stream",
                             filename="poc.bin")
    return inner


def pgp_mime(sender: Keyring, team: Keyring, inner: EmailMessage, *, subject: str,
             message_id: str, in_reply_to: str | None = None,
             references: str | None = None, sign: bool = True) -> bytes:
    """A PGP/MIME (RFC 3156) encrypted and signed mail, as a mail client writes it."""
    armored = encrypt_to(sender, team, inner.as_bytes(), sign=sign)
    msg = EmailMessage()
    msg["From"] = f"Alice <{sender.address}>"
    msg["To"] = team.address
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg["Date"] = "Mon, 23 Nov 2026 12:00:00 +0000"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = references
    msg.set_type("multipart/encrypted")
    msg.set_param("protocol", "application/pgp-encrypted")
    version = EmailMessage()
    version.set_content(b"Version: 1\n", maintype="application", subtype="pgp-encrypted")
    data = EmailMessage()
    data.set_content(armored.encode(), maintype="application", subtype="octet-stream")
    msg.attach(version)
    msg.attach(data)
    return msg.as_bytes()


def plain(text: str, *, subject: str = "Bug in parse()", message_id: str | None = None,
          sender: str = REPORTER, headers: dict[str, str] | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = TEAM
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = f"<{message_id}>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    return msg.as_bytes()


MAIL = """mail:
  listen: "127.0.0.1:{listen}"
  protocol: {protocol}
  recipients: [{team}]
  from_address: {team}
  relay: {{host: 127.0.0.1, port: {relay}, security: none}}
{gpg}"""


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@dataclass
class MailEnv(BridgeEnv):
    listener: MailListener | None = None
    sink: Sink | None = None

    def smtp(self, raw: bytes, *, sender: str = REPORTER,
             to: str = TEAM) -> tuple[int, bytes]:
        """One SMTP transaction with the listener; its answer to the data."""
        assert self.listener is not None
        with smtplib.SMTP(self.listener.host, self.listener.port, timeout=30) as client:
            client.ehlo()
            client.mail(sender)
            code, answer = client.rcpt(to)
            if code != 250:
                return code, answer
            return client.data(crlf(raw))  # on the wire lines end in CRLF

    def work(self) -> list[str]:
        """Process every due input (as the worker would); their final statuses."""
        return process_all(self.rt)

    def mails(self) -> list[tuple[str, str | None]]:
        """(status, last error) of every stored mail, in order."""
        from sqlalchemy import select

        from bridge.store.models import Inbound

        with self.rt.sessions() as session:
            return [(r.status, r.last_error) for r in session.execute(
                select(Inbound.status, Inbound.last_error).where(Inbound.source.like("mail:%"))
                .order_by(Inbound.id)).all()]

    def settle(self) -> list[tuple[str, str | None]]:
        """Process everything due (mails, the webhooks the tracker sends back); the mails'
        statuses. No input may fail."""
        assert "failed" not in self.work()
        return self.mails()

    def deliver(self) -> int:
        """Deliver every due outbox row once (as the delivery loop would)."""
        send = delivery.make_send(self.rt, delivery.actor_key(self.rt))
        policy = RetryPolicy(base=0.01, factor=1, cap=0.01, max_attempts=3)
        total = 0
        while True:
            done = worker.run_once(self.rt.sessions, send, worker_id="t", now=self.rt.clock,
                                   policy=policy, rnd=random.random)
            if not done:
                return total
            total += done

    def issues(self) -> list[Any]:
        return list(self.gh.fake.issues_of(PRIVATE_REPO))


@contextmanager
def mail_env(tmp: Path, *, team: Keyring | None = None, protocol: str = "smtp",
             extra: str = "", webhooks: bool = True) -> Iterator[MailEnv]:
    """``bridge_env``'s bridge (no workers: stepped by hand) with the mail listener and the
    relay."""
    listen = free_port()
    gpg = (f"  gpg_home: {team.home}\n  key_fingerprint: {team.fingerprint}\n"
           if team else "")
    with ExitStack() as stack:
        sink, relay_port = stack.enter_context(smtp_sink())
        mail = MAIL.format(listen=listen, protocol=protocol, team=TEAM, relay=relay_port,
                           gpg=gpg)
        base = stack.enter_context(
            bridge_env(tmp, workers=False, webhooks=webhooks, extra=mail + extra))
        listener = MailListener(base.rt, "127.0.0.1", listen).start()
        stack.callback(listener.stop)
        yield MailEnv(base.rt, base.gh, base.receiver, base.bridge_url, base.receiver_url,
                      listener=listener, sink=sink)

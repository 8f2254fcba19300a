"""The mail listener ``serve`` runs when ``mail.listen`` is set: SMTP or LMTP (aiosmtpd) on a
loopback or internal address, for the local MTA (Postfix, Exim) to hand mail to.

Each DATA is stored and committed (``bridge.mail.intake``) before the 250 goes out; a mail
that breaks a limit gets a 5xx naming the limit; a storage failure gets 451 (the MTA keeps
the mail and tries again). The server's own size limit stops reading at ``max_bytes`` (and
refuses a ``SIZE=`` above it at MAIL FROM). Nothing a client sends makes the handler raise:
every answer is a status line. LMTP answers once per accepted recipient after DATA.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from bridge.app.runtime import Runtime
from bridge.mail.intake import MailRefused, store_mail

log = logging.getLogger("bridge.mail")


class IntakeHandler:
    """aiosmtpd handler: RCPT checks, DATA → store → answer."""

    def __init__(self, rt: Runtime, *, lmtp: bool = False) -> None:
        self.rt = rt
        self.lmtp = lmtp
        self.channel = "lmtp" if lmtp else "smtp"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        cfg = self.rt.config.mail
        if len(envelope.rcpt_tos) >= cfg.limits.max_recipients:
            return "452 4.5.3 Too many recipients"
        if cfg.recipients and address.strip().lower() not in cfg.recipients:
            return "550 5.1.1 No such recipient here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):  # only when a server decodes data; ours does not
            raw = raw.encode("utf-8", "surrogateescape")
        store = functools.partial(
            store_mail, self.rt, bytes(raw), channel=self.channel,
            envelope_from=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            peer=str(session.peer[0]) if isinstance(session.peer, tuple) else None)
        try:
            stored = await asyncio.get_running_loop().run_in_executor(None, store)
        except MailRefused as exc:
            status = exc.smtp()
        except Exception as exc:  # noqa: BLE001 - the MTA must keep the mail: a 4xx, always
            log.warning("storing a mail failed: %s", type(exc).__name__)
            status = "451 4.3.0 The message could not be stored; try again later"
        else:
            status = (f"250 2.0.0 Already received as #{stored.id}" if stored.duplicate
                      else f"250 2.0.0 Stored as #{stored.id}")
        if self.lmtp:
            return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))
        return status

    async def handle_exception(self, error: Exception) -> str:
        log.warning("mail session error: %s", type(error).__name__)
        return "421 4.3.0 Error in the session; try again later"


LINE_LIMIT = 65_536
"""Longest line taken (RFC 5321 says 1,000, but MTAs pass longer ones on): above it 500."""


class _SMTP(SMTP):
    line_length_limit = LINE_LIMIT


class _LMTP(LMTP):
    line_length_limit = LINE_LIMIT


class _Controller(Controller):
    def __init__(self, handler: IntakeHandler, *, lmtp: bool, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._lmtp = lmtp

    def factory(self) -> SMTP:
        if self._lmtp:
            return _LMTP(self.handler, **self.SMTP_kwargs)
        return _SMTP(self.handler, **self.SMTP_kwargs)


class MailListener:
    """The running listener; ``stop()`` closes it."""

    def __init__(self, rt: Runtime, host: str, port: int) -> None:
        cfg = rt.config.mail
        lmtp = cfg.protocol == "lmtp"
        self.host, self.port = host, port
        self._controller = _Controller(
            IntakeHandler(rt, lmtp=lmtp), lmtp=lmtp, hostname=host, port=port,
            data_size_limit=cfg.limits.max_bytes, decode_data=False,
            server_hostname=cfg.domain(), ident="vultron-bridge", timeout=120)

    def start(self) -> MailListener:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def start_listener(rt: Runtime) -> MailListener | None:
    """Start the listener ``mail.listen`` names (None when it names none)."""
    where = rt.config.mail.listen_host_port()
    if where is None:
        return None
    return MailListener(rt, *where).start()

"""Sending one mail through the configured relay (``mail.relay``) with smtplib; the SMTP
answer classified like an HTTP one: delivered, retry (4xx, no answer, TLS or login trouble
an operator can fix) or dead (5xx for the recipient or the message)."""

from __future__ import annotations

import smtplib
import ssl

from bridge.config.mail import MailRelay
from bridge.core.retry import Verdict
from bridge.delivery.outcome import DeliveryOutcome

_RETRY_5XX = frozenset({530, 534, 535, 538})
"""Authentication answers: configuration an operator can fix, not the message's fault."""


def _answer(code: int, message: bytes | str) -> DeliveryOutcome:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    error = f"SMTP {code} {' '.join(text.split())[:200]}"
    if 500 <= code < 600 and code not in _RETRY_5XX:
        return DeliveryOutcome(Verdict.DEAD, error=error)
    return DeliveryOutcome(Verdict.RETRY, error=error)


def send_mail(relay: MailRelay, sender: str, recipient: str, data: bytes) -> DeliveryOutcome:
    try:
        client: smtplib.SMTP
        if relay.security == "tls":
            client = smtplib.SMTP_SSL(relay.host, relay.port, timeout=relay.timeout_seconds,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout_seconds)
        with client:
            client.ehlo()
            if relay.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if relay.user:
                secret = relay.password.get_secret_value() if relay.password else ""
                client.login(relay.user, secret)
            client.sendmail(sender, [recipient], data)
    except smtplib.SMTPRecipientsRefused as exc:
        code, message = next(iter(exc.recipients.values()), (550, b"refused"))
        return _answer(int(code), message)
    except smtplib.SMTPResponseException as exc:
        return _answer(int(exc.smtp_code), exc.smtp_error)
    except (smtplib.SMTPException, OSError) as exc:  # no answer, TLS, a dropped connection
        return DeliveryOutcome(Verdict.RETRY, error=f"SMTP relay {relay.host}:{relay.port}: "
                               f"{type(exc).__name__}")
    return DeliveryOutcome(Verdict.DELIVERED)

"""The ``mail:`` section: reports by email (docs/email.md). Every key is documented in
docs/configuration.md."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

_ADDRESS = r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MailRelay(_Strict):
    """Where replies and notices to reporters are sent (the team's outgoing SMTP server)."""

    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` (port 587), ``tls`` (implicit TLS, port 465) or ``none`` (a relay on
    loopback only)."""
    user: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = Field(30.0, gt=0, le=300)

    @model_validator(mode="after")
    def _plain_only_on_loopback(self) -> MailRelay:
        if self.security == "none" and not _is_loopback(self.host):
            raise ValueError("security: none is only for a relay on loopback "
                             "(127.0.0.1, ::1, localhost); use starttls or tls")
        if self.password is not None and self.user is None:
            raise ValueError("password needs user")
        return self


class MailLimits(_Strict):
    """What a mail may be before it is refused or its parts are left unread."""

    max_bytes: int = Field(10 * 1_048_576, ge=4096, le=100 * 1_048_576)
    """A mail above this is refused before it is stored (SMTP 552, ``ingest-mail`` exit 65)."""
    max_headers: int = Field(500, ge=20, le=10_000)
    """Header fields in the mail's header (refused above) or in one MIME part (left unread)."""
    max_depth: int = Field(12, ge=2, le=100)
    """MIME nesting read; deeper parts are listed as not read."""
    max_parts: int = Field(200, ge=1, le=10_000)
    """MIME parts read; the rest are listed as not read."""
    max_decrypted_bytes: int = Field(50 * 1_048_576, ge=4096, le=1024 * 1_048_576)
    """What gpg may write when decrypting (a compressed PGP message can expand hugely)."""
    max_recipients: int = Field(50, ge=1, le=1000)
    """RCPT TO addresses accepted in one SMTP transaction."""


class MailConfig(_Strict):
    listen: str | None = None
    """``HOST:PORT`` where ``serve`` listens for mail from the MTA (loopback or an internal
    address); none: no listener (``ingest-mail`` still works)."""
    protocol: Literal["smtp", "lmtp"] = "smtp"
    recipients: tuple[str, ...] = ()
    """Addresses accepted in RCPT TO (``security@example.org``); empty: any."""
    from_address: str | None = Field(None, pattern=_ADDRESS)
    """The sender of replies and notices (and the domain of the bridge's Message-IDs)."""
    relay: MailRelay | None = None
    gpg_home: str | None = None
    """The GnuPG home holding the team's secret key and reporters' public keys; none: PGP
    mails are kept undecrypted (an issue still says so) and replies go unencrypted."""
    key_fingerprint: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{40}$")
    """The team's key: replies are signed with it when its passphrase is given."""
    key_passphrase: SecretStr | None = None
    require_encryption: bool = False
    """Never mail a reporter in clear: without their key a reply or notice is dead-lettered
    with the reason instead."""
    import_attached_keys: bool = True
    """Import a public key attached to a mail when one of its user ids is the mail's From
    address (the usual way reporters hand theirs over); replies are then encrypted to it."""
    limits: MailLimits = MailLimits()

    @field_validator("listen")
    @classmethod
    def _host_port(cls, v: str | None) -> str | None:
        if v is not None:
            listen_address(v)
        return v

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(a.strip().lower() for a in v)

    def listen_host_port(self) -> tuple[str, int] | None:
        return None if self.listen is None else listen_address(self.listen)

    def domain(self) -> str:
        """The domain of the bridge's own Message-IDs."""
        return (self.from_address or "vultron-bridge@localhost").rpartition("@")[2].lower()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:25`` for IPv6) → (host, port); ValueError naming the problem.
    The host must be an IP address or ``localhost``: the listener is for the local MTA."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:2525")
    host = host.strip("[]")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError("the host must be an IP address or localhost") from None
    return host, int(port)

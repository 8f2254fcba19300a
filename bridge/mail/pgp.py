"""The team's PGP keyring through python-gnupg and the system's ``gpg``.

One GnuPG home (``mail.gpg_home``) holds the team's secret key and the public keys of
reporters. gpg never fetches keys from the network here (``--no-auto-key-retrieve``) and
never writes more than ``mail.limits.max_decrypted_bytes`` when decrypting
(``--max-output``: a compressed message cannot expand without bound). Secrets (the
passphrase) go to gpg on its input, never on its command line or in a log.
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any

import gnupg

from bridge.config.mail import MailConfig
from bridge.core.errors import ConfigurationError, PermanentError
from bridge.core.mail.report import Signature

log = logging.getLogger(__name__)
logging.getLogger("gnupg").setLevel(logging.ERROR)  # its warnings quote gpg's status lines


class Pgp:
    def __init__(self, home: str, *, passphrase: str | None, max_output: int,
                 team_key: str | None = None, binary: str = "gpg") -> None:
        if not os.path.isdir(home):
            raise ConfigurationError(f"mail.gpg_home {home!r} is not a directory")
        try:
            self._gpg: Any = gnupg.GPG(
                gpgbinary=binary, gnupghome=home,
                options=["--max-output", str(max_output), "--no-auto-key-retrieve",
                         "--no-auto-key-locate"])
        except (OSError, ValueError, RuntimeError) as exc:
            raise ConfigurationError(f"gpg cannot be used ({type(exc).__name__}); is gnupg "
                                     "installed?") from exc
        self._gpg.encoding = "utf-8"
        self._passphrase = passphrase
        self.team_key = team_key

    @classmethod
    def from_config(cls, mail: MailConfig) -> Pgp | None:
        if mail.gpg_home is None:
            return None
        secret = mail.key_passphrase.get_secret_value() if mail.key_passphrase else None
        return cls(mail.gpg_home, passphrase=secret,
                   max_output=mail.limits.max_decrypted_bytes, team_key=mail.key_fingerprint)

    def decrypt(self, data: bytes) -> tuple[bytes | None, str, Signature | None]:
        """Decrypt (or, for a clear-signed block, verify) ``data``: the plaintext (None when
        it could not be had), gpg's status, and the signature it carried, if any."""
        result = self._gpg.decrypt(data, passphrase=self._passphrase)
        signature = _signature(result)
        if result.ok or (signature is not None and result.data):
            return bytes(result.data), str(result.status or "ok"), signature
        status = str(result.status or "failed")
        if result.key_id:
            status += f" (encrypted to key {result.key_id})"
        return None, status, signature

    def verify_detached(self, data: bytes, signature: bytes) -> Signature:
        handle, path = tempfile.mkstemp(prefix="vb-sig-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(signature)
            result = self._gpg.verify_data(path, data)
        finally:
            os.unlink(path)
        return _signature(result) or Signature(False, str(result.status or "no signature"))

    def import_reporter_key(self, data: bytes, address: str) -> str | None:
        """Import the key in ``data`` when one of its user ids is ``address``; its
        fingerprint (None: no such key, nothing imported)."""
        try:
            scanned = self._gpg.scan_keys_mem(data)
        except (ValueError, OSError):
            return None
        wanted = f"<{address.lower()}>"
        for key in scanned:
            if any(wanted in str(uid).lower() for uid in key.get("uids", [])):
                result = self._gpg.import_keys(data)
                fingerprint = str(key.get("fingerprint") or "")
                if fingerprint and fingerprint in (result.fingerprints or []):
                    return fingerprint
        return None

    def key_for(self, address: str) -> str | None:
        """The fingerprint of a usable public key whose user id is ``address``."""
        wanted = f"<{address.lower()}>"
        for key in self._gpg.list_keys():
            if key.get("trust") in ("r", "e", "d"):  # revoked, expired, disabled
                continue
            if any(wanted in str(uid).lower() for uid in key.get("uids", [])):
                return str(key["fingerprint"])
        return None

    def encrypt(self, data: bytes, fingerprint: str) -> str:
        """``data`` encrypted to ``fingerprint`` (and signed with the team's key when its
        passphrase is configured), ASCII-armored; PermanentError when gpg refuses."""
        options: dict[str, Any] = {"always_trust": True, "armor": True}
        if self.team_key and self._passphrase is not None:
            options |= {"sign": self.team_key, "passphrase": self._passphrase}
        result = self._gpg.encrypt(data, [fingerprint], **options)
        if not result.ok:
            raise PermanentError(f"gpg could not encrypt to the reporter's key {fingerprint}: "
                                 f"{result.status or 'failed'}")
        return bytes(result.data).decode("ascii")


_SIGNATURE_STATUSES = frozenset({"signature valid", "signature bad", "no public key",
                                 "signature error", "key expired", "sig expired",
                                 "key revoked", "signature expired"})


def _signature(result: Any) -> Signature | None:
    """What gpg said about a signature in ``result`` (None: it carried none)."""
    status = str(getattr(result, "status", "") or "")
    if not (result.signature_id or result.fingerprint or status in _SIGNATURE_STATUSES):
        return None
    if status in ("", "decryption ok"):
        status = "signature valid" if result.valid else "signature not verified"
    key_id = result.key_id if status in _SIGNATURE_STATUSES or result.fingerprint else None
    return Signature(valid=bool(result.valid), status=status,
                     key_id=str(key_id) if key_id else None,
                     fingerprint=str(result.fingerprint) if result.fingerprint else None,
                     user=str(result.username)[:200] if result.username else None)

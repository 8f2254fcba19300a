"""A parsed mail with its PGP opened: decrypted with the team's key, signatures checked,
an attached reporter key imported (``mail.import_attached_keys``).

An encrypted mail that cannot be decrypted (no key configured, not our key, damaged) is not
lost: what it says is that it could not be decrypted, and why — the issue shows it. Decrypted
PGP/MIME content is a MIME entity of its own, read with the same limits; encryption inside
encryption is opened at most ``MAX_LAYERS`` deep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import compat32

from bridge.core.mail.parse import Attachment, Body, Limits, ParsedMail, placeholder, read_entity
from bridge.core.mail.report import Crypto, Opened, Signature
from bridge.mail.pgp import Pgp

MAX_LAYERS = 3


@dataclass
class _State:
    texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    encrypted: bool = False
    decrypted: bool = True
    problem: str | None = None
    imported: str | None = None


def open_mail(mail: ParsedMail, pgp: Pgp | None, limits: Limits, *,
              import_keys: bool = True) -> Opened:
    state = _State()
    _open(mail.body, pgp, limits, state, 0, mail.headers.from_address if import_keys else None)
    crypto = Crypto(encrypted=state.encrypted, decrypted=state.encrypted and state.decrypted,
                    problem=state.problem, signatures=tuple(state.signatures),
                    imported_key=state.imported)
    return Opened("\n\n".join(t.strip("\n") for t in state.texts if t.strip()),
                  tuple(state.attachments), tuple(state.notes), crypto)


def _open(body: Body, pgp: Pgp | None, limits: Limits, state: _State, layer: int,
          address: str | None) -> None:
    texts = list(body.texts)
    state.attachments += body.attachments
    state.notes += body.notes
    inner: list[Body] = []
    for n, blob in enumerate(body.pgp):
        if blob.kind == "key":
            if pgp is not None and address and state.imported is None:
                state.imported = pgp.import_reporter_key(blob.data, address)
            continue
        if blob.kind == "encrypted" or (blob.kind == "inline" and b"PGP MESSAGE" in
                                        blob.data[:40]):
            state.encrypted = True
        if pgp is None:
            state.problem = "mail.gpg_home is not configured, so PGP is not opened"
            state.decrypted = False
            texts = [t.replace(placeholder(n), blob.data.decode("utf-8", "replace"))
                     for t in texts]
            continue
        if blob.kind == "signed":
            assert blob.signed is not None
            state.signatures.append(pgp.verify_detached(blob.signed, blob.data))
            continue
        plain, status, signature = pgp.decrypt(blob.data)
        if signature is not None:
            state.signatures.append(signature)
        if plain is None:
            state.decrypted = False
            state.problem = f"gpg: {status}"
            texts = [t.replace(placeholder(n), blob.data.decode("utf-8", "replace"))
                     for t in texts]
            continue
        if blob.kind == "inline":
            texts = [t.replace(placeholder(n), plain.decode("utf-8", "replace"))
                     for t in texts]
        elif layer + 1 >= MAX_LAYERS:
            state.notes.append(f"encryption nested more than {MAX_LAYERS} deep was not opened")
        else:
            inner.append(_entity(plain, limits))
    state.texts += texts
    for found in inner:
        _open(found, pgp, limits, state, layer + 1, address)


def _entity(data: bytes, limits: Limits) -> Body:
    try:
        msg = BytesParser(policy=compat32).parsebytes(data)
    except Exception as exc:  # noqa: BLE001 - hostile plaintext: a note, never a crash
        return Body(texts=[data[:1_000_000].decode("utf-8", "replace")],
                    notes=[f"the decrypted content could not be read as MIME "
                           f"({type(exc).__name__})"])
    return read_entity(msg, data, limits, depth=1)

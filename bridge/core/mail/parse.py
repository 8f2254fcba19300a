"""One RFC 5322 message → headers and body parts (pure; never raises on hostile input).

The stdlib parser reads the MIME tree; the walk over it is our own, bounded: at most
``max_depth`` levels and ``max_parts`` parts are read, a part with more than ``max_headers``
header fields is skipped, and every part left unread is named in ``notes`` (so the issue says
so). Nothing is ever decompressed. Bodies are decoded with their charset, or replaced where
they cannot be. A message whose structure cannot be read at all keeps its headers and its
raw text, with a note.

PGP is found, not opened (that needs gpg: ``bridge.mail.content``): PGP/MIME encrypted
(``multipart/encrypted``), PGP/MIME signed (``multipart/signed``: the signed part's bytes as
they came, canonicalised to CRLF), inline blocks in text (left as a placeholder in the text),
and attached public keys.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from typing import Literal

from bridge.core.mail.ids import digest, normalise_message_id
from bridge.core.mail.text import html_to_text

MAX_TEXT = 1_000_000
PGP_BEGIN = ("-----BEGIN PGP MESSAGE-----", "-----BEGIN PGP SIGNED MESSAGE-----")
PGP_END = {"-----BEGIN PGP MESSAGE-----": "-----END PGP MESSAGE-----",
           "-----BEGIN PGP SIGNED MESSAGE-----": "-----END PGP SIGNATURE-----"}


def placeholder(n: int) -> str:
    """Where inline PGP block ``n`` stood in the text (replaced once it is opened)."""
    return f"[[vultron-bridge:pgp:{n}]]"


@dataclass(frozen=True)
class Limits:
    max_headers: int = 500
    max_depth: int = 12
    max_parts: int = 200


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PgpBlob:
    kind: Literal["encrypted", "signed", "inline", "key"]
    data: bytes
    """The armored message, signature or key (inline: the whole block)."""
    signed: bytes | None = None
    """``signed``: the bytes the detached signature is over."""


@dataclass(frozen=True)
class DeliveryReport:
    """What a bounce (``multipart/report; report-type=delivery-status``) says."""

    status: str | None = None
    diagnostic: str | None = None
    recipient: str | None = None
    original_id: str | None = None
    """The Message-ID of the mail that bounced (from its attached copy or headers)."""


@dataclass(frozen=True)
class Headers:
    message_id: str | None = None
    subject: str = ""
    from_address: str | None = None
    """The claimed ``From`` address (lower-cased): recorded, never trusted."""
    from_name: str = ""
    date: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    auto_submitted: str | None = None
    precedence: str | None = None
    content_type: str = "text/plain"
    return_path: str | None = None
    flags: tuple[str, ...] = ()
    """Auto-reply markers present (``x-autoreply``, ``x-autorespond``)."""
    x_loop: tuple[str, ...] = ()
    count: int = 0


@dataclass
class Body:
    texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    pgp: list[PgpBlob] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report: DeliveryReport | None = None
    parts: int = 0
    text_size: int = 0


@dataclass(frozen=True)
class ParsedMail:
    headers: Headers
    body: Body


def split_head(raw: bytes) -> tuple[bytes, bytes]:
    """The header section and the body (split at the first empty line)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            other = raw.find(b"\n\n" if sep == b"\r\n\r\n" else b"\r\n\r\n")
            if other < 0 or at <= other:
                return raw[:at], raw[at + len(sep):]
    return raw, b""


def header_count(head: bytes) -> int:
    """Header fields in a header section (continuation lines belong to their field)."""
    return sum(1 for line in head.splitlines() if line and line[:1] not in (b" ", b"\t"))


def decoded(value: object) -> str:
    """A header value with RFC 2047 words decoded; undecodable bytes replaced."""
    if value is None:
        return ""
    text = str(value)
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # noqa: BLE001 - hostile input: keep the raw value
        return text.encode("utf-8", "replace").decode("utf-8", "replace")


def headers_of(msg: Message) -> Headers:
    def get(name: str) -> str | None:
        value = msg.get(name)
        return None if value is None else decoded(value)[:10_000]

    name, address = email.utils.parseaddr(get("From") or "")
    address = address.strip().lower()
    flags = tuple(h for h in ("x-autoreply", "x-autorespond") if msg.get(h) is not None)
    return Headers(
        message_id=normalise_message_id(get("Message-ID")),
        subject=" ".join((get("Subject") or "").split())[:500],
        from_address=address if "@" in address and len(address) <= 320 else None,
        from_name=name[:200], date=get("Date"), in_reply_to=get("In-Reply-To"),
        references=get("References"), auto_submitted=(get("Auto-Submitted") or None),
        precedence=(get("Precedence") or "").strip().lower() or None,
        content_type=msg.get_content_type(), return_path=get("Return-Path"), flags=flags,
        x_loop=tuple(decoded(v).strip().lower() for v in (msg.get_all("X-Loop") or [])),
        count=len(msg.keys()),
    )


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID, read from the header section alone (cheap; for the dedup key)."""
    head, _ = split_head(raw)
    try:
        return normalise_message_id(decoded(BytesHeaderParser(policy=compat32)
                                            .parsebytes(head + b"\r\n\r\n").get("Message-ID")))
    except Exception:  # noqa: BLE001 - hostile input: no usable id
        return None


def parse_mail(raw: bytes, limits: Limits = Limits()) -> ParsedMail:
    """The mail's headers and body; never raises (what cannot be read is a note)."""
    try:
        msg = BytesParser(policy=compat32).parsebytes(raw)
        headers = headers_of(msg)
    except Exception as exc:  # noqa: BLE001 - hostile input becomes a note, never a crash
        return _unreadable(raw, type(exc).__name__)
    return ParsedMail(headers, read_entity(msg, raw, limits))


def read_entity(msg: Message, raw: bytes | None, limits: Limits, depth: int = 0) -> Body:
    """The body of a parsed entity (``raw``: its bytes, when it is the top of what was
    parsed, for exact signed parts)."""
    body = Body()
    try:
        _walk(msg, raw, limits, depth, body)
    except RecursionError:
        body.notes.append("the mail's MIME structure is nested too deeply to read")
    return body


def _unreadable(raw: bytes, why: str) -> ParsedMail:
    head, rest = split_head(raw)
    try:
        headers = headers_of(BytesHeaderParser(policy=compat32).parsebytes(head + b"\r\n\r\n"))
    except Exception:  # noqa: BLE001 - not even the headers: keep the text
        headers = Headers()
    body = Body(notes=[f"the mail's structure could not be read ({why}); its raw text "
                       "is shown and the whole mail is kept by the bridge"])
    body.texts.append(rest[:MAX_TEXT].decode("utf-8", "replace"))
    return ParsedMail(headers, body)


def _walk(root: Message, raw: bytes | None, limits: Limits, depth: int, body: Body) -> None:
    stack: list[tuple[Message, int, bytes | None]] = [(root, depth, raw)]
    while stack:
        part, level, part_raw = stack.pop()
        body.parts += 1
        if body.parts > limits.max_parts:
            body.notes.append(f"more than {limits.max_parts} MIME parts: the rest were not read")
            return
        if level > limits.max_depth:
            body.notes.append(f"MIME parts nested deeper than {limits.max_depth} levels "
                              "were not read")
            continue
        if len(part.keys()) > limits.max_headers:
            body.notes.append(f"a MIME part with more than {limits.max_headers} header "
                              "fields was not read")
            continue
        try:
            children = _part(part, level, part_raw, body)
        except Exception as exc:  # noqa: BLE001 - one bad part is a note, the rest is read
            body.notes.append(f"a MIME part ({_ctype(part)}) could not be read "
                              f"({type(exc).__name__})")
            continue
        stack.extend((child, level + 1, None) for child in reversed(children))


def _ctype(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001 - hostile header
        return "unknown type"


def _part(part: Message, level: int, raw: bytes | None, body: Body) -> list[Message]:
    """Read one part; the children to read next."""
    ctype = part.get_content_type()
    if ctype == "message/delivery-status":  # its payload is a list of field blocks
        body.report = _delivery_status(part, body.report)
        return []
    if part.is_multipart():
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        return _multipart(part, ctype, children, raw, body)
    if ctype == "text/rfc822-headers":
        payload = part.get_payload(decode=True) or b""
        original = BytesHeaderParser(policy=compat32).parsebytes(bytes(payload) + b"\r\n\r\n")
        _note_original(body, original)
        return []
    payload = part.get_payload(decode=True)
    data = bytes(payload) if isinstance(payload, bytes | bytearray) else b""
    filename = _filename(part)
    attached = part.get_content_disposition() == "attachment" or (
        filename is not None and not ctype.startswith("text/"))
    if ctype == "application/pgp-keys":
        body.pgp.append(PgpBlob("key", data))
    if ctype in ("text/plain", "text/html") and not attached:
        _text(body, _decode(part, data), html=ctype == "text/html")
        return []
    if ctype != "application/pgp-encrypted":  # the PGP/MIME version part says nothing
        body.attachments.append(Attachment(filename or "(unnamed)", ctype, len(data),
                                           digest(data)))
    return []


def _multipart(part: Message, ctype: str, children: list[Message], raw: bytes | None,
               body: Body) -> list[Message]:
    protocol = _param(part, "protocol")
    if ctype == "multipart/encrypted" and protocol == "application/pgp-encrypted":
        if len(children) == 2:
            payload = children[1].get_payload(decode=True)
            body.pgp.append(PgpBlob("encrypted", bytes(payload or b"")))
            return []
        body.notes.append("a PGP/MIME encrypted part is malformed (it needs two parts)")
        return []
    if ctype == "multipart/signed" and protocol == "application/pgp-signature":
        if len(children) == 2:
            signed = _signed_bytes(part, children[0], raw)
            signature = bytes(children[1].get_payload(decode=True) or b"")
            body.pgp.append(PgpBlob("signed", signature, signed))
            return [children[0]]
        body.notes.append("a PGP/MIME signed part is malformed (it needs two parts)")
        return children[:1]
    if ctype == "multipart/alternative" and children:
        for wanted in ("text/plain", "text/html"):
            for child in children:
                if child.get_content_type() == wanted:
                    return [child]
        return [children[-1]]
    if ctype == "message/rfc822":
        inner = children[0] if children else None
        data = inner.as_bytes() if inner is not None else b""
        if body.report is not None:  # the copy of the mail that bounced
            _note_original(body, inner)
        body.attachments.append(Attachment(_filename(part) or "(attached mail)",
                                           "message/rfc822", len(data), digest(data)))
        return []
    if ctype == "multipart/report" and _param(part, "report-type") == "delivery-status":
        body.report = body.report or DeliveryReport()
    return children


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    if isinstance(value, tuple):
        value = email.utils.collapse_rfc2231_value(value)
    return value.strip().lower() if isinstance(value, str) else ""


def _note_original(body: Body, original: Message | None) -> None:
    if original is None:
        return
    found = normalise_message_id(decoded(original.get("Message-ID")))
    report = body.report or DeliveryReport()
    if found and not report.original_id:
        body.report = DeliveryReport(report.status, report.diagnostic, report.recipient, found)
    else:
        body.report = report


def _delivery_status(part: Message, report: DeliveryReport | None) -> DeliveryReport:
    blocks = [b for b in part.get_payload() if isinstance(b, Message)]
    status = diagnostic = recipient = None
    for block in blocks:
        status = status or (decoded(block.get("Status")).strip() or None)
        diagnostic = diagnostic or (decoded(block.get("Diagnostic-Code")).strip() or None)
        recipient = recipient or (decoded(block.get("Final-Recipient")).strip() or None)
    original = report.original_id if report else None
    return DeliveryReport(status and status[:40], diagnostic and diagnostic[:500],
                          recipient and recipient[:320], original)


def _filename(part: Message) -> str | None:
    name = part.get_filename()
    if name is None:
        return None
    return " ".join(decoded(name).split())[:200] or None


def _decode(part: Message, data: bytes) -> str:
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except (LookupError, ValueError):  # unknown or unusable charset
        return data.decode("utf-8", "replace")


def _text(body: Body, text: str, *, html: bool) -> None:
    if html:
        text = html_to_text(text)
    room = MAX_TEXT - body.text_size
    if room <= 0:
        body.notes.append("text beyond 1,000,000 characters was not read")
        return
    if len(text) > room:
        text = text[:room]
        body.notes.append("text beyond 1,000,000 characters was not read")
    body.text_size += len(text)
    body.texts.append(_inline_pgp(body, text))


def _inline_pgp(body: Body, text: str) -> str:
    """Inline PGP blocks taken out of ``text`` (a placeholder stays where each was)."""
    out, rest = [], text
    while True:
        starts = [(rest.find(b), b) for b in PGP_BEGIN if rest.find(b) >= 0]
        if not starts:
            break
        at, begin = min(starts)
        end = rest.find(PGP_END[begin], at)
        if end < 0:
            break
        end += len(PGP_END[begin])
        body.pgp.append(PgpBlob("inline", rest[at:end].encode("utf-8", "replace")))
        out += [rest[:at], placeholder(len(body.pgp) - 1)]
        rest = rest[end:]
    return "".join(out) + rest


def _signed_bytes(part: Message, first: Message, raw: bytes | None) -> bytes:
    """The bytes a PGP/MIME signature is over: the first part exactly as it came (from the
    raw entity when this part is its top), else as re-serialised; CRLF line ends."""
    boundary = part.get_boundary()
    data = split_first_part(raw, boundary) if raw is not None and boundary else None
    if data is None:
        data = first.as_bytes()
    return canonical(data)


def split_first_part(raw: bytes, boundary: str) -> bytes | None:
    """The first body part of a multipart entity's raw bytes (between the first two
    boundary lines), or None when the bytes do not have that shape."""
    _, rest = split_head(raw)
    delimiter = b"--" + boundary.encode("ascii", "replace")
    lines = rest.split(b"\n")
    starts = [n for n, line in enumerate(lines) if line.rstrip(b"\r\t ") == delimiter]
    if len(starts) < 2:
        return None
    chunk = b"\n".join(lines[starts[0] + 1:starts[1]])
    return chunk[:-1] if chunk.endswith(b"\r") else chunk  # that CRLF is the delimiter's


def canonical(data: bytes) -> bytes:
    """Line ends as CRLF (what OpenPGP signs for text)."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

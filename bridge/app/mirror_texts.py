"""What inbound mirroring writes into trackers: the report issue, participants tables, embargo
and note comments. Report content appears only in the report issue and in notes, both written
by adapters that re-check privacy first; state comments carry ids, states and times only.

Text from peers is untrusted: it goes through ``bridge.core.safetext`` (``clean`` is its
``block``, ``inline`` its ``inline``, ids in code spans its ``code``): command lines defused, raw
HTML and hidden markers inert, mentions defused, code spans unbreakable, lengths capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bridge.core.safetext import MAX_FIELD, code, inline
from bridge.core.safetext import block as clean
from bridge.core.times import when
from bridge.core.vocab.base import ASObject, ref_ids

HEADER = "**vultron-bridge**"
MAX_TITLE = 200
_PRODUCT_FIELDS = ("affectedProducts", "affected_products", "products", "affects")
__all__ = ["MAX_FIELD", "clean", "code", "inline"]


@dataclass(frozen=True)
class Row:
    actor: str
    roles: Sequence[str]
    rm: str
    consent: str | None = None
    vfd: str | None = None
    """The last vfd status the participant announced."""


_VFD_WORDS = {"F": "fix ready", "D": "fix deployed", "V": "vendor aware"}


def vfd_words(vfd: str | None) -> str:
    """``VFd`` → "fix ready" (the furthest event the status announces)."""
    if not vfd or len(vfd) != 3:
        return "—"
    for letter in "DFV":
        if letter in vfd:
            return _VFD_WORDS[letter]
    return "—"


def participants_table(rows: Iterable[Row], our_actor: str) -> str:
    lines = ["| participant | roles | report management | embargo consent | status |",
             "|---|---|---|---|---|"]
    for row in sorted(rows, key=lambda r: r.actor):
        who = code(row.actor, table=True) + (" (this bridge)" if row.actor == our_actor else "")
        roles = ", ".join(inline(r, 40) for r in row.roles) or "—"
        lines.append(f"| {who} | {roles} | {row.rm} | {row.consent or '—'} | "
                     f"{vfd_words(row.vfd)} |")
    return "\n".join(lines) + "\n"


def _products(report: ASObject) -> list[str]:
    extras = report.extras
    for key in _PRODUCT_FIELDS:
        value = extras.get(key)
        if value:
            items = value if isinstance(value, list) else [value]
            return [inline(i.get("name", i) if isinstance(i, dict) else i) for i in items][:50]
    return []


def report_title(report: ASObject) -> str:
    name = inline(report.name or report.summary or "", MAX_TITLE)
    return f"Vulnerability report: {name}" if name else f"Vulnerability report {report.id}"


def report_body(report: ASObject, offer_id: str | None, reporter: str | None,
                table: str) -> str:
    parts = [f"{HEADER}: a vulnerability report received through the Vultron protocol. "
             "This issue is private; keep it so until the case is public.", ""]
    parts += [f"- **Report:** {code(report.id)}"]
    if offer_id:
        parts.append(f"- **Offer:** {code(offer_id)}")
    if reporter:
        parts.append(f"- **Reporter:** {code(reporter)}")
    if report.published:
        parts.append(f"- **Published:** {when(report.published)}")
    products = _products(report)
    if products:
        parts.append("- **Affected products:** " + ", ".join(products))
    for label, value in (("Name", report.name), ("Summary", report.summary),
                         ("Content", report.content)):
        if value:
            parts += ["", f"### {label}", "", clean(value)]
    parts += ["", "### Participants", "", table, "",
              "Triage with the `vultron:*` labels or `/vultron` commands "
              "(`/vultron help`)."]
    return "\n".join(parts) + "\n"


def participants_comment(subject: str, table: str) -> str:
    return f"{HEADER}: participants of {code(subject)}:\n\n{table}"


def how_to_answer() -> str:
    return ("To answer: add the label `vultron:embargo-accept` or `vultron:embargo-reject`, "
            "or comment `/vultron embargo accept` or `/vultron embargo reject`.")


def embargo_proposed(subject: str, actor: str | None, end: datetime | None,
                     revision: bool) -> str:
    what = "a revision of the embargo" if revision else "an embargo"
    return (f"{HEADER}: {code(actor or 'a participant')} proposes {what} on "
            f"{code(subject)} ending **{when(end)}**.\n\n{how_to_answer()}\n")


def embargo_changed(subject: str, actor: str | None, what: str, state: str,
                    end: datetime | None) -> str:
    return (f"{HEADER}: {code(actor or 'a participant')} {what} the embargo on "
            f"{code(subject)}. Embargo state: **{state}**, agreed end: {when(end)}.\n")


def note_comment(note: ASObject, actor: str | None) -> str:
    who = ref_ids(note.attributed_to) or ([actor] if actor else [])
    by = code(who[0]) if who else "a participant"
    title = f" — {inline(note.name)}" if note.name and note.name != "Note" else ""
    return f"{HEADER}: note from {by}{title}:\n\n{clean(note.content or note.summary)}\n"


def invitation_comment(inviter: str, case_id: str) -> str:
    """An invitation to a case: who invites, which case, how to answer."""
    return (f"{HEADER}: {inline(inviter, 300)} invites us to take part in case "
            f"{inline(case_id, 300)}.\n\nAnswer with a comment `/vultron case accept` or "
            "`/vultron case reject` (the answer goes to the inviter). Until then the case's "
            "messages are not mirrored here.\n")


def invitation_title(case_id: str) -> str:
    return f"Invitation to vulnerability case {inline(case_id, 150)}"

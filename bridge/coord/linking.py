"""Linking subjects (report and case ids) to tracker refs, every change audited.

``link`` / ``unlink`` write the link rows and their audit entries (``link.added`` /
``link.removed``) in the caller's transaction, so a link never exists without its record.
Refs are parsed by ``bridge.core.refs`` only; ``classify`` tells a subject from a ref.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bridge.core.errors import InputError
from bridge.core.refs import (
    DEFAULT_HOSTS,
    DEFAULT_TRACKERS,
    RefForm,
    TrackerKind,
    TrackerRef,
    parse_ref,
)
from bridge.store import audit, links
from bridge.store.links import Relation
from bridge.store.models import MAX_KEY

_SUBJECT = re.compile(rf"[^\s\x00-\x1f\x7f]{{1,{MAX_KEY}}}")
MAX_REFS = 1000
"""Most refs one ``link`` call (CLI or HTTP) may name."""


@dataclass(frozen=True, slots=True)
class RefSyntax:
    """What refs may look like here: configured tracker names and web hosts."""

    trackers: Mapping[str, RefForm | TrackerKind]
    hosts: Mapping[str, str]

    @classmethod
    def defaults(cls) -> RefSyntax:
        return cls(DEFAULT_TRACKERS, DEFAULT_HOSTS)

    def parse(self, text: str) -> TrackerRef:
        return parse_ref(text, self.trackers, self.hosts)

    def looks_like_ref(self, text: str) -> bool:
        """True when ``text`` is meant as a ref (a configured tracker name or web host), even
        if malformed — so ``links github:acme/widget`` reports the typo instead of answering
        "no links" for a subject of that name."""
        text = text.strip()
        if text.startswith(("https://", "http://")):
            host = text.split("/", 3)[2].rpartition("@")[2].split(":")[0].lower()
            return host in self.hosts
        name, sep, _ = text.partition(":")
        return bool(sep) and name in self.trackers


def check_subject(subject: str) -> str:
    """A report or case id: 1 to 1000 characters, no spaces or control characters."""
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise InputError(
            "a subject is a report or case id: 1 to 1000 characters without spaces or "
            "control characters"
        )
    return subject


def relation(value: str | Relation) -> Relation:
    try:
        return Relation(value)
    except ValueError:
        choices = ", ".join(r.value for r in Relation)
        raise InputError(f"unknown link relation; use one of: {choices}") from None


def check_by(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InputError("the linker's name must be 1 to 200 characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InputError("the linker's name must not contain control characters")
    return name


@dataclass(frozen=True, slots=True)
class LinkResult:
    subject: str
    ref: str
    relation: Relation
    changed: bool
    """Created (link) or removed (unlink); False when there was nothing to do."""


def link(
    session: Session,
    subject: str,
    refs: Sequence[TrackerRef],
    rel: Relation | str,
    by: str,
    now: float,
    *,
    via: str = "cli",
) -> list[LinkResult]:
    """Link ``subject`` to each ref; audit every link created (existing ones are no-ops)."""
    subject, rel, by = check_subject(subject), relation(rel), check_by(by)
    if not refs:
        raise InputError("name at least one tracker reference")
    if len(refs) > MAX_REFS:
        raise InputError(f"at most {MAX_REFS} references per request")
    out = []
    for ref in dict.fromkeys(refs):
        created = links.add_link(session, subject, ref, rel, by, now)
        if created:
            audit.append(session, "link.added", subject, {
                "ref": str(ref), "relation": rel.value, "by": by, "via": via,
            }, now)
        out.append(LinkResult(subject, str(ref), rel, created))
    return out


def unlink(
    session: Session,
    subject: str,
    ref: TrackerRef,
    rel: Relation | str | None,
    by: str,
    now: float,
    *,
    via: str = "cli",
    reason: str | None = None,
) -> list[LinkResult]:
    """Remove the link (every relation when ``rel`` is None); audit each link removed."""
    subject, by = check_subject(subject), check_by(by)
    wanted = None if rel is None else relation(rel)
    existing = [r for r in links.links_for_subject(session, subject)
                if r.ref == str(ref) and (wanted is None or r.relation is wanted)]
    out = []
    for record in existing:
        removed = links.remove_link(session, subject, ref, record.relation)
        if removed:
            data = {"ref": str(ref), "relation": record.relation.value, "by": by, "via": via}
            if reason:
                data["reason"] = reason
            audit.append(session, "link.removed", subject, data, now)
        out.append(LinkResult(subject, str(ref), record.relation, bool(removed)))
    return out


def move(
    session: Session, old: TrackerRef | str, new: TrackerRef, by: str, now: float
) -> int:
    """Point every link of ``old`` at ``new`` (a transferred/moved issue); returns links moved.

    Each move is audited as ``link.removed`` + ``link.added`` with ``reason: moved``.
    """
    moved = 0
    for record in links.links_for_ref(session, old):
        links.remove_link(session, record.subject, old, record.relation)
        audit.append(session, "link.removed", record.subject, {
            "ref": str(old), "relation": record.relation.value, "by": by, "via": "reconcile",
            "reason": "moved", "moved_to": str(new),
        }, now)
        if links.add_link(session, record.subject, new, record.relation, record.linked_by, now):
            audit.append(session, "link.added", record.subject, {
                "ref": str(new), "relation": record.relation.value, "by": by,
                "via": "reconcile", "reason": "moved", "moved_from": str(old),
            }, now)
        moved += 1
    return moved


def parse_refs(syntax: RefSyntax, texts: Iterable[str]) -> list[TrackerRef]:
    """Parse every ref; the first bad one raises (its message lists the accepted forms)."""
    return [syntax.parse(text) for text in texts]

"""At publication (our CP), the case's records are written where ``publication.write`` says.

Nothing is written while the case is not public (an embargo binds it: a CP then is a breach
the embargo guard reports, not a publication). Each record is validated first; one that cannot
be built or does not validate is not written, and the private comment says why. Files are
written whole (a temporary file renamed over the old one), so a reader never sees half a
record; writing again writes the same records.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bridge.app.runtime import Runtime
from bridge.core.effects import Comment, TrackerEffect
from bridge.core.errors import InputError
from bridge.core.records.attach import attachment
from bridge.core.records.feed import render
from bridge.core.refs import TrackerRef
from bridge.core.rules import Decision
from bridge.publish import export
from bridge.store import audit, state
from bridge.store.fields import load_fields, save_fields

HEADER = "**vultron-bridge**"


def write_file(path: Path, record: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "wb") as out:
        out.write(render(record))
    os.replace(tmp, path)


@dataclass
class Written:
    """What writing a subject's records did."""

    paths: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    """Comment bodies attaching the records to the issue (``publication.write.attach``)."""


def write_records(session: Session, rt: Runtime, subject: str, formats: tuple[str, ...],
                  now: datetime) -> Written:
    """Write (and, configured so, attach) the subject's records. Only for a public case."""
    cfg = rt.config.publication
    out = Written()
    if not (cfg.write.directory or cfg.write.attach):
        return out
    src = export.source(session, subject, cfg, now)
    if not src.meta.public:
        return out
    for fmt in formats:
        try:
            record = export.build(fmt, src)
        except InputError as exc:
            out.problems.append(exc.reason)
            continue
        name = export.relative_path(fmt, src)
        if cfg.write.directory:
            target = Path(cfg.write.directory) / name
            write_file(target, record)
            out.paths.append(str(target))
        if cfg.write.attach:
            out.attachments.append(attachment(fmt, Path(name).name, record, subject))
    return out


def osv_entries(session: Session, rt: Runtime, now: datetime,
                at: float) -> tuple[list[dict[str, object]], list[str]]:
    """The OSV entry of every public case in the store, as :func:`write_records` builds it
    now (``withdrawn`` included once set); (entries, problems). A report that is part of a
    case is the case's. A public case's first publication time is recorded here when no
    record was written at its CP (so ``published`` stays the same from run to run)."""
    cfg = rt.config.publication
    entries: list[dict[str, object]] = []
    problems: list[str] = []
    for subject in state.case_ids(session):
        record = state.get_case(session, subject)
        if record is None or record.data.get("case_id") not in (None, subject):
            continue
        src = export.source(session, subject, cfg, now)
        if not src.meta.public:
            continue
        if src.fields.published_at is None:
            save_fields(session, subject, src.fields.with_changes(published_at=now), at)
            src = export.source(session, subject, cfg, now)
        try:
            entries.append(export.build("osv", src))
        except InputError as exc:
            problems.append(f"{src.meta.token}: {exc.reason}")
    return entries, problems


def _comment(ref: TrackerRef, title: str, written: list[str], problems: list[str]) -> Comment:
    lines = [f"- wrote `{p}`" for p in written] + [f"- not written: {p}" for p in problems]
    return Comment(ref=ref, body=f"{HEADER}: {title}\n\n" + "\n".join(lines) + "\n",
                   content=False)


def after_decision(session: Session, rt: Runtime, subject: str | None, decision: Decision,
                   ref: TrackerRef | None, now: float) -> Decision:
    """The decision, with a private comment on ``ref`` about the records its CP (or a
    withdrawal, ``decision.rewrite``) wrote."""
    publishing = "CP" in {i.message for i in decision.intents}
    if not subject or not (publishing or decision.rewrite):
        return decision
    when = rt.now()
    fields = load_fields(session, subject)
    formats = rt.config.publication.write.formats
    if not publishing:
        formats = tuple(f for f in formats if f in decision.rewrite)
    done = write_records(session, rt, subject, formats, when)
    if (done.paths or done.attachments) and fields.published_at is None:
        save_fields(session, subject, fields.with_changes(published_at=when), now)
    if not (done.paths or done.problems or done.attachments):
        return decision
    audit.append(session, "publication.written", subject,
                 {"written": done.paths, "problems": done.problems,
                  "attached": len(done.attachments)}, now)
    extra: list[TrackerEffect] = []
    if ref is not None:
        title = "publication records" if publishing else "withdrawn records"
        if done.paths or done.problems:
            extra.append(_comment(ref, title, done.paths, done.problems))
        extra += [Comment(ref=ref, body=body) for body in done.attachments]
    return replace(decision, effects=decision.effects + tuple(extra))

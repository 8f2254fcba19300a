"""The case-fields commands and per-transition requirements, as the rules use them (pure).

``/vultron set|add|unset …`` changes the stored fields and answers with a private comment
showing them; ``/vultron fields`` only shows them. A bad value changes nothing and the
comment says how to write it. :func:`requirement_gaps` is what ``decide`` asks before a
transition: the requirements the case's fields do not meet yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bridge.core.errors import InputError
from bridge.core.records import requirements, ssvc
from bridge.core.records.edit import USAGE, apply_edit, parse_edit
from bridge.core.records.fields import CaseFields

HEADER = "**vultron-bridge**"
VERBS = ("set", "add", "unset")
COMMANDS = (*VERBS, "fields", "ssvc")
SSVC_USAGE = (
    "`/vultron ssvc <decision point> <value>` (public, contacted, credibility, cardinality, "
    "engagement, utility, safety) or `/vultron ssvc SSVCv2/RP:N/SCON:Y/RC:C/SC:M/SE:U/U:S/PSI:S/`"
)


@dataclass(frozen=True)
class FieldOutcome:
    comment: str
    """The private comment to answer with (it shows field values: report content)."""
    fields: CaseFields | None = None
    """The fields to store (None: unchanged)."""
    refused: str | None = None


def show(fields: CaseFields) -> str:
    """The fields as a Markdown list."""
    rows = [
        ("title", fields.title or "—"),
        ("description", (fields.description or "—")[:500]),
        ("CVE", fields.cve_id or ("none (no CVE id)" if fields.no_cve else "—")),
        ("CWE", " ".join(fields.cwes) or "—"),
        ("CVSS", "; ".join(f"{s.vector} ({s.score} {s.severity})" for s in fields.scores())
         or "—"),
        ("products", "; ".join(f"{p.key} {', '.join(r.text() for r in p.ranges) or '(no versions)'}"
                               for p in fields.products) or "—"),
        ("credits", "; ".join(f"{c.name} ({c.type})" for c in fields.credits) or "—"),
        ("references", " ".join(r.url for r in fields.references) or "—"),
        ("fixes", "; ".join(f"{f.kind} {f.ref}" for f in fields.fixes) or "—"),
    ]
    if fields.ssvc:
        rows.append(("SSVC", ssvc.describe(stored_ssvc(fields))))
    return "\n".join(f"- **{name}**: {value}" for name, value in rows)


def stored_ssvc(fields: CaseFields) -> dict[str, str]:
    """The case's SSVC answers (none when its stored vector does not parse)."""
    try:
        return ssvc.parse_vector(fields.ssvc) if fields.ssvc else {}
    except InputError:
        return {}


def _refused(reason: str, usage: str) -> FieldOutcome:
    return FieldOutcome(f"{HEADER}: nothing was changed: {reason}\n\nUsage: {usage}\n",
                        refused=reason)


def on_ssvc(text: str, fields: CaseFields) -> FieldOutcome:
    """``/vultron ssvc …``: answer decision points (or show the triage); the outcome, once all
    are answered, is proposed as the RM transition — never made."""
    current = stored_ssvc(fields)
    if not text.strip():
        shown = ssvc.describe(current) if current else "no decision point answered yet"
        return FieldOutcome(f"{HEADER}: SSVC coordinator triage: {shown}\n\nUsage: "
                            f"{SSVC_USAGE}\n")
    try:
        answers = ssvc.answer(current, text)
    except InputError as exc:
        return _refused(exc.reason, SSVC_USAGE)
    new = fields.with_changes(ssvc=ssvc.to_vector(answers))
    proposal = ssvc.proposal(answers)
    tail = f"\n\n{proposal}" if proposal else ""
    return FieldOutcome(f"{HEADER}: SSVC coordinator triage: {ssvc.describe(answers)}{tail}\n",
                        fields=new)


def on_withdraw(fields: CaseFields, now: datetime) -> FieldOutcome:
    """``/vultron withdraw``: the published records are withdrawn as of ``now`` (OSV's
    ``withdrawn``); refused for a case never published, or withdrawn already."""
    if fields.published_at is None:
        reason = ("this case's records were never published (the bridge writes them at "
                  "publication: `vultron:public` or `/vultron published`)")
        return _refused(reason, "`/vultron invalidate` or `/vultron close` ends a report that "
                                "was never published")
    if fields.withdrawn_at is not None:
        reason = f"the records were withdrawn already, on {fields.withdrawn_at.isoformat()}"
        return _refused(reason, "`/vultron withdraw` once, after publication")
    return FieldOutcome(f"{HEADER}: the published records are withdrawn as of "
                        f"{now.isoformat()}: the OSV entry is written again with `withdrawn`; "
                        "a CVE record is rejected by its CNA in CVE Services (`cve reject`)\n",
                        fields=fields.with_changes(withdrawn_at=now))


def on_command(name: str, text: str, fields: CaseFields) -> FieldOutcome:
    """``/vultron <name> <text>`` for a case whose fields are ``fields``."""
    if name == "fields":
        return FieldOutcome(f"{HEADER}: publication fields of this case\n\n{show(fields)}\n")
    if name == "ssvc":
        return on_ssvc(text, fields)
    try:
        edit = parse_edit(name, text)
    except InputError as exc:
        return _refused(exc.reason, USAGE)
    new = apply_edit(fields, edit)
    return FieldOutcome(f"{HEADER}: {edit.summary()[:300]}\n\n{show(new)}\n", fields=new)


def requirement_gaps(action: str, fields: CaseFields,
                     table: Mapping[str, Sequence[str]]) -> str | None:
    """Why ``action`` must wait for fields (None: nothing it requires is missing)."""
    gaps = requirements.missing(fields, table.get(action, ()))
    return requirements.refusal(action, gaps) if gaps else None

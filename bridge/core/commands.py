"""``/vultron <command>`` comments: the one parser both trackers use.

A comment may contain several lines; every line that starts with ``/vultron`` is a command.
Unknown commands are not errors here: they parse to ``Command(name="help", error=...)`` so the
rules can answer with a private comment saying what is available.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

PREFIX = "/vultron"

COMMANDS: dict[str, str] = {
    "validate": "validate the report (RV)",
    "invalidate": "invalidate the report (RI)",
    "engage": "engage the case (RA)",
    "defer": "defer the case (RD)",
    "reengage": "re-engage a deferred case (RA)",
    "close": "close the report or case (RC)",
    "fix-ready": "the fix is ready (CS: F)",
    "fix-deployed": "the fix is deployed (CS: D)",
    "published": "the vulnerability is public (CS: P)",
    "exploit-public": "an exploit is public (CS: X)",
    "attacks-observed": "attacks are observed (CS: A)",
    "embargo": "embargo accept | reject | propose <ISO-8601 end with time zone> | terminate",
    "case": "case accept | reject: answer an invitation to join a case",
    "note": "send the rest of the line to the case as a Note",
    "set": "set a publication field: title, description, cve, cwe, cvss (docs/publication.md)",
    "add": "add to a publication field: product, credit, reference, fix, cwe",
    "unset": "clear a publication field (or one product, credit, reference, fix)",
    "fields": "post the case's publication fields as a private comment",
    "ssvc": "answer SSVC coordinator triage: <decision point> <value>, or a vector; the "
            "outcome is proposed as the RM transition",
    "withdraw": "withdraw the published records (OSV `withdrawn`) when it was not a "
                "vulnerability after all; the reason may follow",
    "reply": "send the rest of the line to the reporter alone (by email when they wrote by "
             "email)",
    "status": "post the case's current state as a private comment",
    "help": "list the commands",
}
EMBARGO_ACTIONS = ("accept", "reject", "propose", "terminate")
CASE_ACTIONS = ("accept", "reject")

_LINE = re.compile(r"^[ \t]*/vultron(?:[ \t]+(?P<rest>.*))?$", re.IGNORECASE)


class Command(BaseModel):
    """One parsed ``/vultron`` line."""

    model_config = ConfigDict(frozen=True)

    name: str
    args: tuple[str, ...] = ()
    text: str = ""
    """Free text after the command (for ``note``) or after the embargo action."""
    error: str | None = None
    """Set when the line could not be understood; ``name`` is then ``help``."""


def _parse_rest(rest: str) -> Command:
    words = rest.split(None, 1)
    if not words:
        return Command(name="help")
    name = words[0].lower()
    tail = words[1].strip() if len(words) > 1 else ""
    if name not in COMMANDS:
        return Command(name="help", error=f"unknown command {name[:40]!r}")
    if name in ("note", "reply"):
        if not tail:
            return Command(name="help", error=f"/vultron {name} needs text after it")
        return Command(name=name, text=tail)
    if name in ("set", "add", "unset", "ssvc", "withdraw"):  # parsed by bridge.core.records
        return Command(name=name, text=tail)
    if name == "case":
        action = tail.split()[0].lower() if tail else ""
        if action not in CASE_ACTIONS:
            return Command(name="help", error="/vultron case takes accept or reject")
        return Command(name="case", args=(action,))
    if name == "embargo":
        parts = tail.split(None, 1)
        action = parts[0].lower() if parts else ""
        if action not in EMBARGO_ACTIONS:
            return Command(
                name="help", error="/vultron embargo takes accept, reject, propose or terminate"
            )
        arg = parts[1].strip() if len(parts) > 1 else ""
        if action == "propose" and not arg:
            return Command(
                name="help",
                error="/vultron embargo propose needs an end date with a time zone, "
                "e.g. 2027-01-31T00:00:00+00:00",
            )
        return Command(name="embargo", args=(action,), text=arg)
    return Command(name=name, args=tuple(tail.split()) if tail else ())


def parse_commands(body: str | None) -> list[Command]:
    """Every ``/vultron`` command in a comment body, in order (outside fenced code blocks)."""
    if not body:
        return []
    found: list[Command] = []
    fenced = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            fenced = not fenced
            continue
        if fenced:
            continue
        m = _LINE.match(line)
        if m:
            found.append(_parse_rest((m.group("rest") or "").strip()))
    return found

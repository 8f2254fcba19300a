"""What a run tells the people watching it: the step summary, outputs and log annotations.

Workflow logs and step summaries of a public repository are public. So the summary names
message types, counts, issue/advisory references and peer hosts — never report content, titles,
comment text, actor URLs or secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bridge.action.env import escape_data
from bridge.core.safetext import inline


@dataclass
class Report:
    event: str
    dry_run: bool = False
    came_in: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    advisory: str = ""
    issue: str = ""
    messages_sent: int = 0

    def outputs(self) -> dict[str, str]:
        return {"advisory": self.advisory, "issue": self.issue,
                "messages-sent": str(self.messages_sent)}


def host(url: str) -> str:
    try:
        return urlsplit(url).netloc or "?"
    except ValueError:
        return "?"


def _section(title: str, items: list[str], empty: str) -> list[str]:
    lines = [f"### {title}", ""]
    lines += [f"- {_md(item)}" for item in items] if items else [f"_{empty}_"]
    return [*lines, ""]


def _md(text: str) -> str:
    """One line of inert text (``bridge.core.safetext.inline``: no HTML, no mentions, no
    command lines) that starts no workflow command either."""
    return inline(text, 500).replace("::", ":\u200b:")


def markdown(report: Report) -> str:
    mode = " (dry run: nothing was written or sent)" if report.dry_run else ""
    lines = [f"## vultron-bridge: `{_md(report.event)}`{mode}", ""]
    if report.error:
        lines += [f"> **Error:** {_md(report.error)}", ""]
    lines += _section("What came in", report.came_in, "nothing")
    verb = "What would be written" if report.dry_run else "What was written"
    lines += _section(verb, report.written, "nothing")
    lines += _section("What would be sent" if report.dry_run else "What was sent", report.sent,
                      "nothing")
    if report.pending:
        lines += _section("Waiting for a later run (schedule)", report.pending, "nothing")
    lines += _section("What was refused, and why", report.refused, "nothing")
    if report.notes:
        lines += _section("Notes", report.notes, "none")
    return "\n".join(lines) + "\n"


def write_summary(report: Report, path: Path | None) -> None:
    if path is None:
        return
    with path.open("a", encoding="utf-8") as fh:
        fh.write(markdown(report))


def write_outputs(report: Report, path: Path | None) -> None:
    if path is None:
        return
    with path.open("a", encoding="utf-8") as fh:
        for name, value in report.outputs().items():
            fh.write(f"{name}={value.replace(chr(10), ' ').replace(chr(13), ' ')}\n")


def annotate(report: Report, emit: Callable[[str], None]) -> None:
    """``::error::`` / ``::warning::`` workflow commands for the run's problems."""
    if report.error:
        emit(f"::error title=vultron-bridge::{escape_data(report.error)}")
    for item in report.refused:
        emit(f"::warning title=vultron-bridge refused::{escape_data(item)}")

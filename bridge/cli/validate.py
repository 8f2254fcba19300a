"""``vultron-bridge validate`` and ``vultron-bridge explain``: check Vultron documents offline.

Output of ``validate`` (one line per file, in the order given)::

    FILE: OK <message type> <shape> [N warnings]
    FILE: INVALID <reason>

``<message type>`` is the catalogue's code (``RV``, ``EP``, ``CREATE_CASE`` …) or ``-`` when the
document is a plain object (a VulnerabilityReport, a Person…) or an activity that matches no
message. ``<shape>`` is ``Accept(Offer)`` for an activity, the type name for an object.
``--json`` prints one JSON object per file instead, with keys ``file``, ``ok``,
``message_type`` (null when none), ``object_type`` (the plain object's type, or the type of an
activity's ``object``; null for a URI reference), ``document_type``, ``warnings``, ``errors``.
Exit status: 0 when every file is valid, 1 when any is not, 2 on a usage error.

Only the standard library, click and the pure core are imported here, to keep start-up fast.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from bridge.core.catalogue import classify
from bridge.core.catalogue import explain as explain_lines
from bridge.core.errors import InputError
from bridge.core.jsonload import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, load_json
from bridge.core.vocab import EM, Activity, ASObject, Parsed, parse_document

STDIN = "-"


def read_document(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of ``path`` (``-`` = standard input), at most ``max_bytes`` + 1 of them."""
    try:
        if path == STDIN:
            return sys.stdin.buffer.read(max_bytes + 1)
        with open(path, "rb") as handle:
            return handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise InputError("cannot read: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError("cannot read: it is a directory") from exc
    except PermissionError as exc:
        raise InputError("cannot read: permission denied") from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or 'input/output error'}") from exc


def load_and_parse(path: str) -> Parsed:
    data = read_document(path)
    if len(data) > DEFAULT_MAX_BYTES:
        raise InputError(f"too large: more than {DEFAULT_MAX_BYTES} bytes")
    return parse_document(load_json(data, max_bytes=DEFAULT_MAX_BYTES,
                                    max_depth=DEFAULT_MAX_DEPTH))


def _object_type(document: ASObject) -> str | None:
    if isinstance(document, Activity):
        inner = document.object_
        return inner.type if isinstance(inner, ASObject) else None
    return document.type


def _shape(document: ASObject) -> str:
    if isinstance(document, Activity):
        return f"{document.type}({_object_type(document) or 'reference'})"
    return document.type


def check(path: str, em_state: EM | None = None) -> dict[str, Any]:
    """The validation result for one file, as the ``--json`` record."""
    try:
        parsed = load_and_parse(path)
    except InputError as exc:
        return {"file": path, "ok": False, "message_type": None, "object_type": None,
                "document_type": None, "warnings": [], "errors": [exc.reason]}
    document = parsed.document
    message = classify(document, em_state=em_state)
    warnings = list(parsed.warnings)
    if isinstance(document, Activity) and message is None:
        warnings.append("matches no Vultron message type")
    return {"file": path, "ok": True, "message_type": message.value if message else None,
            "object_type": _object_type(document), "document_type": document.type,
            "warnings": warnings, "errors": [], "shape": _shape(document)}


def _text_line(result: dict[str, Any]) -> str:
    if not result["ok"]:
        return f"{result['file']}: INVALID {'; '.join(result['errors'])}"
    line = f"{result['file']}: OK {result['message_type'] or '-'} {result['shape']}"
    count = len(result["warnings"])
    if count:
        line += f" [{count} warning{'s' if count > 1 else ''}]"
    return line


_EM_CHOICE = click.Choice([state.value for state in EM], case_sensitive=False)


@click.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@click.option("-w", "--warnings", "show_warnings", is_flag=True,
              help="List each warning under its file (text output).")
@click.option("--em-state", type=_EM_CHOICE, default=None,
              help="The case's EM state, to tell EP/EV, EA/EC, ER/EJ apart.")
def validate(files: tuple[str, ...], as_json: bool, show_warnings: bool,
             em_state: str | None) -> None:
    """Check Vultron documents: print OK <message type> or INVALID <reason> per FILE."""
    state = EM(em_state.upper()) if em_state else None
    all_ok = True
    for path in files:
        result = check(path, state)
        all_ok = all_ok and result["ok"]
        if as_json:
            result.pop("shape", None)
            click.echo(json.dumps(result, ensure_ascii=False))
            continue
        click.echo(_text_line(result))
        if show_warnings:
            for warning in result["warnings"]:
                click.echo(f"    warning: {warning}")
    sys.exit(0 if all_ok else 1)


@click.command()
@click.argument("file")
@click.option("--em-state", type=_EM_CHOICE, default=None,
              help="The case's EM state, to tell EP/EV, EA/EC, ER/EJ apart.")
def explain(file: str, em_state: str | None) -> None:
    """Say in plain words who does what to which report or case, and the state change."""
    try:
        parsed = load_and_parse(file)
    except InputError as exc:
        click.echo(f"{file}: INVALID {exc.reason}")
        sys.exit(1)
    state = EM(em_state.upper()) if em_state else None
    for line in explain_lines(parsed.document, em_state=state):
        click.echo(line)
    if parsed.warnings:
        click.echo("Wire format notes (what to change before sending to a current server):")
        for warning in parsed.warnings:
            click.echo(f"  - {warning}")
    sys.exit(0)

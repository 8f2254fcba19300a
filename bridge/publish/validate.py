"""Every record is validated before it leaves the bridge, offline, with its format's validator:

* CVE: the CNA published container schema (5.1.1) bundled in ``cvelib`` (``CveRecord.validate``);
* CSAF 2.0: the ``csaf`` package's JSON schema check and the standard's mandatory tests (6.1.x);
* OSV: the OSV JSON Schema shipped in ``bridge/data/osv-schema.json``, with ``jsonschema``.
"""

from __future__ import annotations

import importlib
import json
import logging
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from bridge.core.errors import InputError

OSV_SCHEMA = Path(__file__).resolve().parent.parent / "data" / "osv-schema.json"


class InvalidRecord(InputError):
    """A built record failed its format's validator: ``problems`` says where and why."""

    def __init__(self, record: str, problems: list[str]) -> None:
        self.record, self.problems = record, problems
        shown = "; ".join(problems[:8]) + (f"; … {len(problems) - 8} more"
                                           if len(problems) > 8 else "")
        super().__init__(f"the {record} record does not validate: {shown}")


def import_csaf(module: str) -> ModuleType:
    """Import a module of the ``csaf`` package, undoing what its import does to logging
    (it calls ``logging.basicConfig`` at INFO, which would print every library's INFO lines
    in ``serve``)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return importlib.import_module(module)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _where(path: Any) -> str:
    return "/" + "/".join(str(p) for p in path)


def validate_cve(container: dict[str, Any]) -> None:
    """Against the CVE JSON 5 CNA published container schema."""
    from cvelib.cve_api import CveRecord, CveRecordValidationError

    try:
        CveRecord.validate(container)
    except CveRecordValidationError as exc:
        errors = exc.errors or []
        raise InvalidRecord("CVE", [f"{_where(e.absolute_path)}: {e.message[:200]}"
                                    for e in errors] or [str(exc)[:300]]) from None


def validate_csaf(document: dict[str, Any]) -> None:
    """The CSAF 2.0 schema and the mandatory tests (the ``basic`` preset)."""
    report = import_csaf("csaf.csaf.v20").validate(document, preset="basic")
    if report.overall_valid:
        return
    problems = [f"{r.id} {r.title}: " + "; ".join(f"{e.instance_path} {e.message[:160]}"
                                                  for e in r.errors[:3])
                for r in report.results if not r.passed and not r.skipped]
    raise InvalidRecord("CSAF", problems)


@cache
def _osv_validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(OSV_SCHEMA.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_osv(entry: dict[str, Any]) -> None:
    """Against the OSV JSON Schema (formats checked)."""
    errors = sorted(_osv_validator().iter_errors(entry), key=lambda e: list(e.absolute_path))
    if errors:
        raise InvalidRecord("OSV", [f"{_where(e.absolute_path)}: {e.message[:200]}"
                                    for e in errors])


VALIDATORS = {"cve": validate_cve, "csaf": validate_csaf, "osv": validate_osv}

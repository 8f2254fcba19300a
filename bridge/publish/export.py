"""A case's records from the store: fields and publication state read, each record built by
the pure builders (:mod:`bridge.core.records`) and validated before it is handed out.

A record that would not validate is never returned (:class:`InvalidRecord`); a CVE or OSV
record of a case that is not public does not exist (:class:`RecordError`), and its CSAF
advisory is the interim TLP:AMBER one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bridge.config.publication import PublicationConfig
from bridge.core.errors import NotFound
from bridge.core.records.csaf import build_csaf, file_name, tracking_id
from bridge.core.records.cve import build_cve
from bridge.core.records.fields import CaseFields
from bridge.core.records.meta import RecordMeta, is_public
from bridge.core.records.osv import build_osv, osv_id
from bridge.publish.cwe import cwe_names
from bridge.publish.validate import VALIDATORS
from bridge.store import state
from bridge.store.fields import load_fields


@dataclass(frozen=True)
class CaseRecordSource:
    fields: CaseFields
    meta: RecordMeta


def source(session: Session, subject: str, config: PublicationConfig,
           now: datetime) -> CaseRecordSource:
    """The fields and record metadata of ``subject`` (a case, or a report in no case)."""
    record = state.get_case(session, subject)
    if record is None:
        raise NotFound(f"no case or report {subject[:200]!r} in the store")
    fields = load_fields(session, subject)
    end = datetime.fromtimestamp(record.embargo_end, UTC) if record.embargo_end else None
    public = is_public(record.cs_state, record.em_state, end, now)
    meta = RecordMeta(subject, now, config.publisher_meta(), public=public,
                      published=fields.published_at, withdrawn=fields.withdrawn_at)
    return CaseRecordSource(fields, meta)


def build(fmt: str, src: CaseRecordSource) -> dict[str, Any]:
    """The ``fmt`` record (``cve``, ``csaf``, ``osv``), validated."""
    names = cwe_names(src.fields.cwes)
    builders: dict[str, Callable[[], dict[str, Any]]] = {
        "cve": lambda: build_cve(src.fields, src.meta, names),
        "csaf": lambda: build_csaf(src.fields, src.meta, names),
        "osv": lambda: build_osv(src.fields, src.meta),
    }
    record = builders[fmt]()
    VALIDATORS[fmt](record)
    return record


def relative_path(fmt: str, src: CaseRecordSource) -> str:
    """Where the record goes below a records directory: ``cve/CVE-….json``,
    ``csaf/<tracking id>.json`` (CSAF's file name rule), ``osv/<id>.json``."""
    if fmt == "cve":
        return f"cve/{src.fields.cve_id or src.meta.token}.json"
    if fmt == "csaf":
        return "csaf/" + file_name(tracking_id(src.fields, src.meta))
    return f"osv/{osv_id(src.meta)}.json"

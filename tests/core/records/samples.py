"""A complete set of case fields, written the way a team would on the tracker."""

from __future__ import annotations

from datetime import UTC, datetime

from bridge.core.records.edit import apply_edit, parse_edit
from bridge.core.records.fields import CaseFields
from bridge.core.records.meta import Publisher, RecordMeta

CASE = "https://bridge.example/cases/2f6c1a"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CNA = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6"
PUBLISHER = Publisher(name="Example Widgets", namespace="https://widgets.example",
                      contact="security@widgets.example", cna_org_id=CNA,
                      cna_short_name="widgets")
COMMIT = "https://github.com/example/widget/commit/0123456789abcdef0123456789abcdef01234567"
EDITS = (
    ("set", "title Stored XSS in the widget preview"),
    ("set", "description The preview endpoint echoes the name parameter unescaped."),
    ("set", "cve CVE-2026-10001"),
    ("set", "cwe CWE-79"),
    ("set", "cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
    ("set", "cvss CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:L/VA:N/SC:L/SI:L/SA:N"),
    ("add", "product pkg:pypi/example-widget >=1.0 <1.4.2"),
    ("add", 'credit finder "Jane Doe" <jane@finder.example>'),
    ("add", "reference report https://github.com/example/widget/issues/7"),
    ("add", f"fix {COMMIT}"),
    ("add", "fix release 1.4.2 https://github.com/example/widget/releases/tag/v1.4.2"),
)


def complete(edits: tuple[tuple[str, str], ...] = EDITS) -> CaseFields:
    fields = CaseFields()
    for verb, text in edits:
        fields = apply_edit(fields, parse_edit(verb, text))
    return fields


def meta(public: bool = True, **changes: object) -> RecordMeta:
    values: dict[str, object] = {"case_id": CASE, "now": NOW, "publisher": PUBLISHER,
                                 "public": public, **changes}
    return RecordMeta(**values)  # type: ignore[arg-type]

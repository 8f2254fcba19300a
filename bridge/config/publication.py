"""``publication:`` — who publishes the case's records, what each transition requires, and
where the records are written at publication (docs/publication.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bridge.core.records import feed, requirements
from bridge.core.records.meta import Publisher


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublisherConfig(_Strict):
    name: str = "vultron-bridge"
    namespace: str = "https://example.invalid"
    """A URL of the publishing organisation (CSAF ``publisher.namespace``)."""
    category: Literal["coordinator", "discoverer", "other", "translator", "user",
                      "vendor"] = "vendor"
    contact: str | None = None


class CveConfig(_Strict):
    org_id: str | None = Field(None, pattern=r"^[0-9a-fA-F-]{36}$")
    """Your CNA's UUID (CVE ``providerMetadata.orgId``); a CVE record needs it."""
    short_name: str | None = None


class OsvConfig(_Strict):
    id_prefix: str = Field("x_vultron-", min_length=2)
    """Prefix of the OSV ids of your database (OSV allows ``x_`` for private ones)."""


class CsafConfig(_Strict):
    id_prefix: str = ""
    """Put before the case's token in ``tracking.id`` when the case has no CVE id."""


class WriteConfig(_Strict):
    directory: str | None = None
    """Write the records here at publication (``cve/``, ``csaf/``, ``osv/`` below it)."""
    formats: tuple[Literal["cve", "csaf", "osv"], ...] = ("cve", "csaf", "osv")
    attach: bool = False
    """Also attach each record to the case's issue, as a private comment, at publication."""


class OsvFeedConfig(_Strict):
    """The Action commits the OSV entries of published cases to a branch of the repository."""

    branch: str = "osv"
    directory: str = "osv"
    """Where the entries go in that branch (relative; ``.`` is its top)."""

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        problem = feed.branch_problem(value)
        if problem:
            raise ValueError(f"{value[:80]!r} is not a branch name: it {problem}")
        return value

    @field_validator("directory")
    @classmethod
    def _directory(cls, value: str) -> str:
        problem = feed.directory_problem(value)
        if problem:
            raise ValueError(f"{value[:80]!r}: the directory {problem}")
        return value if value == "." else value.rstrip("/")


class PublicationConfig(_Strict):
    publisher: PublisherConfig = PublisherConfig()
    cve: CveConfig = CveConfig()
    osv: OsvConfig = OsvConfig()
    csaf: CsafConfig = CsafConfig()
    default_requirements: bool = False
    """Require :data:`bridge.core.records.requirements.DEFAULTS` (fix-ready: affected
    versions; published: title, description, affected and fixed versions, CVSS, CVE id)."""
    requirements: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Action → the fields it requires (replacing the default for that action)."""
    write: WriteConfig = WriteConfig()
    osv_feed: OsvFeedConfig | None = None
    """Set (``osv_feed: {}`` for the defaults) to have the Action commit OSV entries to a
    branch (docs/action.md#publishing-an-osv-feed)."""

    @field_validator("requirements")
    @classmethod
    def _known(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        from bridge.core.rules.actions import Action

        actions = {a.value for a in Action}
        for action, names in value.items():
            if action not in actions:
                known = ", ".join(sorted(actions))
                raise ValueError(f"{action!r} is not an action; known: {known}")
            bad = requirements.unknown(names)
            if bad:
                raise ValueError(f"{action}: unknown requirement {bad[0]!r}; known: "
                                 f"{', '.join(requirements.CHECKS)}")
        return value

    def publisher_meta(self) -> Publisher:
        return Publisher(
            name=self.publisher.name, namespace=self.publisher.namespace,
            category=self.publisher.category, contact=self.publisher.contact,
            cna_org_id=self.cve.org_id, cna_short_name=self.cve.short_name,
            osv_prefix=self.osv.id_prefix, csaf_prefix=self.csaf.id_prefix,
        )

    def requirement_table(self) -> dict[str, tuple[str, ...]]:
        """Action → what it requires: the defaults when turned on, then ``requirements``."""
        return requirements.table(self.requirements, defaults=self.default_requirements)

"""The configuration schema. Every key is documented in docs/configuration.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bridge.config.mail import MailConfig
from bridge.config.publication import PublicationConfig
from bridge.core.effects import DestinationMode
from bridge.core.errors import InputError
from bridge.core.refs import RefForm, TrackerKind
from bridge.core.urls import normalise_prefix


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActorConfig(_Strict):
    name: str = Field("vendor", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """The actor's name: it lives at ``{base_url}/actors/{name}``."""
    base_url: str = "http://127.0.0.1:8000"
    """The public base URL of this bridge (what peers and proxies see)."""
    display_name: str | None = None
    key_file: str | None = None
    """PEM private key used to sign deliveries; generated into the data dir when absent."""
    key_pem: SecretStr | None = None
    """The PEM key itself (for the Action: the ``actor-key`` input); overrides key_file."""

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")


class TrackerConfig(_Strict):
    kind: str
    """The tracker's kind, one of ``adapters.registry.TRACKERS`` (github, gitlab, ...)."""
    url: str | None = None
    """API base: GitHub ``https://api.github.com`` (Enterprise: ``https://HOST/api/v3``),
    GitLab ``https://gitlab.com``. Defaults by kind."""
    web_host: str | None = None
    """The web host whose issue URLs map to this tracker (for references)."""
    token: SecretStr | None = None
    token_kind: Literal["token", "oauth", "app"] = "token"
    webhook_secrets: tuple[SecretStr, ...] = ()
    """GitHub: HMAC secrets (several during rotation). GitLab: X-Gitlab-Token values."""
    signing_keys: tuple[SecretStr, ...] = ()
    """GitLab Standard Webhooks signing keys (``whsec_…``)."""
    bot_login: str | None = None
    """The login the bridge writes as (its own echoes are ignored)."""
    min_permission: Literal["triage", "write", "maintain", "admin"] = "write"
    """GitHub: the weakest repository role whose labels and ``/vultron`` commands count."""
    min_access_level: int = Field(30, ge=15, le=50)
    """GitLab: the weakest membership access level whose labels and commands count
    (15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner)."""
    permission_cache_seconds: float = Field(60.0, ge=0, le=3600)
    """How long an answer about a person's access is reused before asking again."""

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        from adapters.registry import TRACKERS

        if v not in TRACKERS:
            raise ValueError(f"unknown tracker kind; use one of {', '.join(sorted(TRACKERS))}")
        return v

    @model_validator(mode="after")
    def _options_match_kind(self) -> TrackerConfig:
        from adapters.registry import TRACKERS

        spec = TRACKERS[self.kind]
        for option in sorted(self.model_fields_set):
            owners = [t.title for t in TRACKERS.values() if option in t.options]
            if owners and option not in spec.options:
                hint = f"; {spec.options_hint}" if spec.options_hint else ""
                raise ValueError(f"{option} is for {' and '.join(owners)} trackers{hint}")
        if self.url is None and spec.default_url is None:
            raise ValueError(f"url is required for {spec.title} trackers")
        return self

    def api_url(self) -> str:
        from adapters.registry import TRACKERS

        url = self.url or TRACKERS[self.kind].default_url
        assert url is not None  # _options_match_kind refuses a kind without one
        return url.rstrip("/")


class DestinationConfig(_Strict):
    tracker: str
    project: str
    mode: DestinationMode


class TrustedPeer(_Strict):
    prefix: str
    """Actor URL prefix accepted without HTTP signatures (the reference implementation signs
    nothing). Keep it as narrow as possible. Matched normalised, on path-segment boundaries
    (``bridge.core.urls.under_prefix``); one with userinfo, dot segments, backslashes, a query
    or a fragment is refused here."""
    bearer_token: SecretStr | None = None

    @field_validator("prefix")
    @classmethod
    def _usable_prefix(cls, v: str) -> str:
        try:
            normalise_prefix(v)
        except InputError as exc:
            raise ValueError(exc.reason) from exc
        return v


class PeersConfig(_Strict):
    trusted: tuple[TrustedPeer, ...] = ()
    poll: tuple[str, ...] = ()
    """Outbox URLs polled by ``schedule`` runs of the Action."""
    date_window_seconds: int = Field(300, ge=30, le=3600)
    fetch_threads: int = Field(8, ge=1, le=64)
    """Threads that authenticate inbox posts (and fetch peers' keys): their own pool, so slow
    peers never hold the threads webhooks and ``/readyz`` use."""
    fetch_per_origin: int = Field(2, ge=1, le=64)
    """Key and actor fetches in flight to one origin at once; one more is refused at once
    (the post gets 503 with Retry-After)."""


class RetryConfig(_Strict):
    base: float = Field(2.0, gt=0)
    factor: float = Field(2.0, ge=1)
    cap: float = Field(3600.0, gt=0)
    max_attempts: int = Field(12, ge=1, le=100)


class DeliveryConfig(_Strict):
    allow_loopback: bool = False
    """Allow deliveries and key fetches to loopback addresses (tests, single-host setups)."""
    allow_networks: tuple[str, ...] = ()
    timeout_seconds: float = Field(10.0, gt=0, le=120)
    retry: RetryConfig = RetryConfig()


class RulesConfig(_Strict):
    labels: dict[str, str] = Field(default_factory=dict)
    """Extra or overriding label → message mappings (see docs/mapping.md)."""
    close_policy: Literal["all", "any"] = "all"
    """Close the report/case when all (default) or any of this participant's linked issues
    are closed."""
    aggregate_policy: Literal["all", "any"] = "all"
    """A case is fix-ready when all / any linked issues are."""


class LimitsConfig(_Strict):
    max_body_bytes: int = Field(1_048_576, ge=1024, le=64 * 1_048_576)
    max_json_depth: int = Field(64, ge=4, le=512)


class ProcessingConfig(_Strict):
    concurrency: int = Field(8, ge=1, le=64)
    """Inputs one worker handles at once (inputs about one case, report or project stay in
    order); 1 handles them one after another."""
    batch: int = Field(32, ge=1, le=500)
    """Inputs one worker claims at a time."""
    stall_seconds: float = Field(300.0, ge=5, le=86_400)
    """``/readyz`` answers 503 when a processing or delivery loop of this process has not
    made progress (no heartbeat) for this long."""
    max_pending_age_seconds: float | None = Field(900.0, ge=5)
    """``/readyz`` answers 503 when the oldest due pending input has waited this long for a
    worker (any process's); ``null`` turns the check off."""


class ServerConfig(_Strict):
    """The HTTP server of ``serve`` (bridge.service.httpserver)."""

    request_timeout_seconds: float = Field(30.0, gt=0, le=600)
    """A request — head and body — must arrive within this long after its connection opened
    (or its previous response ended); else 408 and the connection is closed."""
    keep_alive_seconds: int = Field(5, ge=1, le=300)
    """An idle keep-alive connection is closed after this long."""
    max_header_bytes: int = Field(16_384, ge=1024, le=1_048_576)
    """The largest request head (request line and headers) accepted."""


class LoggingConfig(_Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"
    """``serve``/``worker`` log level (``--log-level`` overrides)."""
    format: Literal["text", "json"] = "text"
    """One line per event: ``key=value`` text or a JSON object (``--log-format``)."""


class NotifierConfig(_Strict):
    webhook_url: SecretStr | None = None
    """Slack-compatible incoming webhook for alarms (embargo breach, public destination)."""


class ActionConfig(_Strict):
    allow_unsealed_state: bool = False
    """GitHub Action only: without an ``actor-key``, read and write state blocks unsealed.
    Anyone who can edit the issue or advisory can then forge the bridge's state (and have the
    next run sign what they wrote). Off: without a key no state is kept; with a key only a
    block sealed with it is ever read, whatever this says."""


class ApiToken(_Strict):
    token: SecretStr
    role: Literal["coordinator", "auditor", "vendor", "operator"]
    cases: tuple[str, ...] = ()
    """For a vendor token: the cases it may see."""


class BridgeConfig(_Strict):
    actor: ActorConfig = ActorConfig()
    database_url: str = "sqlite:///vultron-bridge.db"
    trackers: dict[str, TrackerConfig] = Field(default_factory=dict)
    destinations: dict[str, DestinationConfig] = Field(default_factory=dict)
    """Where inbound reports land; the ``default`` entry is used unless a rule names another."""
    peers: PeersConfig = PeersConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    rules: RulesConfig = RulesConfig()
    limits: LimitsConfig = LimitsConfig()
    processing: ProcessingConfig = ProcessingConfig()
    notifier: NotifierConfig = NotifierConfig()
    server: ServerConfig = ServerConfig()
    logging: LoggingConfig = LoggingConfig()
    action: ActionConfig = ActionConfig()
    api_tokens: tuple[ApiToken, ...] = ()
    mail: MailConfig = MailConfig()
    """Reports by email (docs/email.md)."""
    publication: PublicationConfig = PublicationConfig()
    """Publication records and the fields they need (docs/publication.md)."""

    @model_validator(mode="after")
    def _destinations_name_trackers(self) -> BridgeConfig:
        from adapters.registry import TRACKERS

        for key, dest in self.destinations.items():
            tracker = self.trackers.get(dest.tracker)
            where = f"destinations.{key}"
            if tracker is None:
                raise ValueError(f"{where}.tracker names {dest.tracker!r}, not under trackers")
            spec = TRACKERS[tracker.kind]
            if dest.mode not in spec.modes:
                modes = " or ".join(sorted(m.value for m in spec.modes))
                raise ValueError(f"{where}.mode must be {modes} on {spec.title}")
        return self

    def tracker_kinds(self) -> dict[str, RefForm | TrackerKind]:
        """Tracker names → their kind's ref form, for bridge.core.refs.parse_ref (defaults
        included)."""
        from adapters.registry import TRACKERS

        kinds: dict[str, RefForm | TrackerKind] = {
            "github": TrackerKind.GITHUB, "gitlab": TrackerKind.GITLAB}
        kinds.update({name: TRACKERS[t.kind].refs for name, t in self.trackers.items()})
        return kinds

    def web_hosts(self) -> dict[str, str]:
        hosts = {"github.com": "github", "gitlab.com": "gitlab"}
        hosts.update({t.web_host: name for name, t in self.trackers.items() if t.web_host})
        return hosts

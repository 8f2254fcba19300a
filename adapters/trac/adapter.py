"""``TracAdapter``: the bridge's writes to Trac, through our plugin's JSON API.

Report content lands only in **security tickets** (type ``security``, the plugin's
``SECURITY_VIEW`` policy first), each write preceded by a fresh check through the API
(``check_private``: the ticket is a security ticket, the policy is active, and neither
anonymous nor a plain authenticated user may view it). Creates are idempotent by the hidden
marker, adopting only tickets the bot itself reported. Every exception leaving this class is
a ``bridge.core.errors`` type.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import httpx

from adapters.trac.session import Session
from adapters.trac.wiki import hidden, verbatim
from bridge.core.effects import Destination, DestinationMode
from bridge.core.errors import (
    AmbiguousWrite,
    ConfigurationError,
    NotPrivateError,
    PermanentError,
)
from bridge.core.labels import resolve_labels
from bridge.core.markers import has_marker, marker_for, marker_token, written_by
from bridge.core.refs import TrackerRef
from bridge.core.tracker import Capability, EnsureResult, IssueSnapshot
from bridge.core.ttlcache import TtlCache

PERMISSIONS = {"triage": "TICKET_CHGPROP", "write": "TICKET_MODIFY",
               "maintain": "TICKET_ADMIN", "admin": "TRAC_ADMIN"}
"""``min_permission`` → the Trac action a person must hold on the ticket (with
``SECURITY_VIEW``) for their keywords, closes and ``/vultron`` commands to count."""
DEFAULT_BOT = "vultron-bot"
"""The plugin's default ``[vultron] api_user``."""


def _body(body: str, object_id: str) -> str:
    return f"{verbatim(body)}\n\n{hidden(marker_for(object_id))}\n"


class TracAdapter:
    """A Trac site whose environments (projects) run the vultron-bridge plugin."""

    kind: ClassVar[str] = "trac"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.CONFIDENTIAL_ISSUES, Capability.SIGNED_WEBHOOKS})

    def __init__(self, url: str, *, token: str | None, name: str = "trac",
                 bot_login: str | None = None, min_permission: str = "write",
                 permission_ttl: float = 60.0, clock: Callable[[], float] = time.time,
                 timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        """``url``: where the environments are served, each under its name (``{url}/P``);
        ``token``: the plugin's bearer token; ``bot_login``: its ``api_user``."""
        if min_permission not in PERMISSIONS:
            raise ConfigurationError(
                f"min_permission {min_permission[:20]!r}: use {', '.join(PERMISSIONS)}")
        self._s = Session(url, token, timeout=timeout, clock=clock, transport=transport)
        self._name = name
        self._bot = bot_login or DEFAULT_BOT
        self._action = PERMISSIONS[min_permission]
        self._writers: TtlCache[tuple[str, str, int | None], bool] = TtlCache(
            permission_ttl, clock)

    @property
    def name(self) -> str:
        return self._name

    def disconnect(self) -> None:
        """Close the HTTP connections (the adapter is not used afterwards)."""
        self._s.close()

    def bot_identity(self) -> str:
        return self._bot

    def _own(self, ref: TrackerRef) -> int:
        if ref.tracker != self._name or ref.number is None:
            raise ConfigurationError(f"{ref} is not a ticket of the tracker {self._name!r}")
        return ref.number

    def _ticket(self, ref: TrackerRef) -> dict[str, Any]:
        number = self._own(ref)
        data = self._s.call(f"read ticket {ref}", "GET", ref.project, f"tickets/{number}")
        if not isinstance(data, dict):
            raise ConfigurationError(f"Trac's answer for {ref} is not a ticket")
        return data

    # -- privacy -------------------------------------------------------------------------

    def check_private(self, destination: Destination | TrackerRef) -> None:
        if isinstance(destination, TrackerRef):
            data = self._ticket(destination)
            if data.get("private") is not True:
                raise NotPrivateError(f"{destination} is not private: {_why(data)}")
            return
        if destination.mode is not DestinationMode.CONFIDENTIAL_ISSUE:
            raise ConfigurationError("Trac destinations are confidential_issue (security tickets)")
        seen = self._s.call(f"read the visibility of {destination.project}", "GET",
                            destination.project, "visibility")
        if not isinstance(seen, dict) or seen.get("policy_active") is not True:
            raise NotPrivateError(f"trac:{destination.project}: the SecurityTicketPolicy is not "
                                  "first in [trac] permission_policies")
        for who in ("anonymous", "authenticated"):
            if seen.get(f"{who}_security_view") is not False:
                raise NotPrivateError(f"trac:{destination.project}: {who} holds SECURITY_VIEW")

    # -- creates -------------------------------------------------------------------------

    def _find(self, project: str, object_id: str) -> tuple[TrackerRef | None,
                                                           tuple[TrackerRef, ...]]:
        found = self._s.call(f"search {project} for a marker", "GET", project, "tickets",
                             params={"marker": marker_token(object_id)})
        ours: TrackerRef | None = None
        planted: list[TrackerRef] = []
        for item in found if isinstance(found, list) else ():
            ref = TrackerRef(self._name, project, int(item["id"]))
            if ours is None and written_by(item.get("reporter"), self._bot):
                ours = ref
            elif not written_by(item.get("reporter"), self._bot):
                planted.append(ref)
        return ours, tuple(planted)

    def ensure_private_issue(self, destination: Destination, object_id: str, title: str,
                             body: str, labels: Sequence[str] = (), *,
                             fresh: bool = False) -> EnsureResult:
        self.check_private(destination)
        project = destination.project
        planted: tuple[TrackerRef, ...] = ()
        if not fresh:
            ours, planted = self._find(project, object_id)
            if ours is not None:
                return EnsureResult(ref=ours, created=False, planted=planted)
        data = {"summary": title, "description": _body(body, object_id),
                "keywords": " ".join(labels)}
        try:
            made = self._s.call(f"create a ticket in {project}", "POST", project, "tickets",
                                json=data, create=True)
        except AmbiguousWrite:
            ours, planted = self._find(project, object_id)
            if ours is None:
                raise
            return EnsureResult(ref=ours, created=False, planted=planted)
        ref = TrackerRef(self._name, project, int(made["id"]))
        if fresh:
            planted = self._find(project, object_id)[1]
        return EnsureResult(ref=ref, created=True, planted=planted)

    # -- writes --------------------------------------------------------------------------

    def _update(self, ref: TrackerRef, what: str, **change: Any) -> None:
        number = self._own(ref)
        self._s.call(f"{what} on {ref}", "POST", ref.project, f"tickets/{number}", json=change)

    def set_labels(self, ref: TrackerRef, add: Sequence[str], remove: Sequence[str]) -> None:
        current = _keywords(self._ticket(ref))
        plus, minus = resolve_labels(set(current), add, remove)
        if not plus and not minus:
            return
        kept = [k for k in current if k not in minus] + sorted(plus)
        self._update(ref, "set keywords", fields={"keywords": " ".join(kept)})

    def comment(self, ref: TrackerRef, body: str, *, marker_id: str | None = None) -> bool:
        """A comment on the security ticket, after re-checking that it is private. False when
        a comment with ``marker_id``'s marker is already there (nothing written)."""
        data = self._ticket(ref)
        if data.get("private") is not True:
            raise NotPrivateError(f"{ref} is not private: {_why(data)}")
        if marker_id is not None:
            if any(has_marker(c.get("text"), marker_id) for c in data.get("comments") or ()):
                return False
            text = f"{verbatim(body)}\n\n{hidden(marker_for(marker_id))}\n"
        else:
            text = verbatim(body)
        self._update(ref, "comment", comment=text)
        return True

    def close(self, ref: TrackerRef) -> None:
        if self._ticket(ref).get("status") != "closed":
            self._update(ref, "close", action="close")

    def reopen(self, ref: TrackerRef) -> None:
        if self._ticket(ref).get("status") == "closed":
            self._update(ref, "reopen", action="reopen")

    def link(self, ref: TrackerRef, other: TrackerRef) -> None:
        """Trac has no cross-tracker links: a private comment naming ``other``, once."""
        self.comment(ref, f"Linked by vultron-bridge with {other}.",
                     marker_id=f"link:{ref}->{other}")

    def set_advisory_fields(self, ref: TrackerRef, fields: Mapping[str, Any]) -> None:
        raise PermanentError(f"{ref} is a Trac ticket, not an advisory: it has no advisory "
                             "fields")

    # -- reads ---------------------------------------------------------------------------

    def get_issue(self, ref: TrackerRef) -> IssueSnapshot:
        data = self._ticket(ref)
        return IssueSnapshot(ref=ref, title=str(data.get("summary") or ""),
                             state="closed" if data.get("status") == "closed" else "open",
                             labels=tuple(_keywords(data)), private=data.get("private") is True,
                             url=data.get("url") if isinstance(data.get("url"), str) else None)

    def actor_can_write(self, target: TrackerRef | str, login: str) -> bool:
        project = target if isinstance(target, str) else target.project
        number = self._own(target) if isinstance(target, TrackerRef) else None
        key = (project, login.casefold(), number)
        known = self._writers.get(key)
        if known is not None:
            return known
        params = {"user": login, "action": self._action}
        if number is not None:
            params["ticket"] = str(number)
        answer = self._s.call(f"read {login[:40]!r}'s permissions in {project}", "GET",
                              project, "can-write", params=params)
        allowed = isinstance(answer, dict) and answer.get("allowed") is True
        self._writers.put(key, allowed)
        return allowed


def _keywords(data: dict[str, Any]) -> list[str]:
    text = data.get("keywords")
    return [w for w in (text if isinstance(text, str) else "").replace(",", " ").split() if w]


def _why(data: dict[str, Any]) -> str:
    if data.get("security") is not True:
        return "it is not a security ticket"
    if data.get("policy_active") is not True:
        return "the SecurityTicketPolicy is not first in [trac] permission_policies"
    return "anonymous or authenticated users can view it"

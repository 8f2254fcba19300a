"""API tokens for the coordinator API: ``Authorization: Bearer <token>``.

Tokens and their roles come from ``config.api_tokens``:

| role | may |
|---|---|
| ``coordinator`` | read and write every link and case |
| ``auditor`` | read every link and case |
| ``vendor`` | read the links and views of the cases listed in its ``cases`` (and of those
  cases' reports); never write |
| ``operator`` | the admin API (``bridge.service.admin_api``): inputs and deliveries, list,
  show, retry, drop; read every link and case; never write links |

Every configured token is compared (``hmac.compare_digest``, no early exit) so the answer
time does not say which token nearly matched. 401 when the header is missing or the token
unknown, 403 when the token's role may not do what was asked. Tokens are never logged; a
short SHA-256 fingerprint names the token in audit entries.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from bridge.config import BridgeConfig
from bridge.core.errors import InputError
from bridge.store import state


class Role(StrEnum):
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"
    VENDOR = "vendor"
    OPERATOR = "operator"


class Forbidden(InputError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason, status=403)


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    cases: frozenset[str]
    fingerprint: str
    """``sha256:`` and the first 12 hex digits of the token's hash (not the token)."""

    @property
    def can_write(self) -> bool:
        return self.role is Role.COORDINATOR

    def require_write(self) -> None:
        if not self.can_write:
            raise Forbidden(f"a {self.role.value} token may not change links")

    def sees_all(self) -> bool:
        return self.role is not Role.VENDOR

    def may_see(self, session: Session, subject: str) -> bool:
        """A vendor sees its cases and the reports that belong to them."""
        if self.sees_all() or subject in self.cases:
            return True
        record = state.get_case(session, subject)
        case_id = record.data.get("case_id") if record else None
        return isinstance(case_id, str) and case_id in self.cases


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(401, reason, headers={"WWW-Authenticate": 'Bearer realm="vultron-bridge"'})


def fingerprint(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:12]


def authenticate(config: BridgeConfig, authorization: str | None) -> Principal:
    """The principal for an ``Authorization`` header value; raise 401 otherwise."""
    if not authorization:
        raise _unauthorized("an API token is required: Authorization: Bearer <token>")
    scheme, _, presented = authorization.strip().partition(" ")
    presented = presented.strip()
    if scheme.lower() != "bearer" or not presented:
        raise _unauthorized("use Authorization: Bearer <token>")
    given = presented.encode("utf-8", "surrogateescape")
    found = None
    for entry in config.api_tokens:
        if hmac.compare_digest(entry.token.get_secret_value().encode(), given) and found is None:
            found = entry
    if found is None:
        raise _unauthorized("unknown API token")
    return Principal(Role(found.role), frozenset(found.cases), fingerprint(presented))


def principal(request: Request) -> Principal:
    """FastAPI dependency: the authenticated caller."""
    config: BridgeConfig = request.app.state.runtime.config
    return authenticate(config, request.headers.get("authorization"))

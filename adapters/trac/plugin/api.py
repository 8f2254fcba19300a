"""``/vultron/api``: the authenticated JSON endpoint the bridge writes through.

Authentication: ``Authorization: Bearer TOKEN``, where ``sha256(TOKEN)`` (hex) is one of
``[vultron] api_token_sha256`` (a list: several during rotation); the request then runs as
``[vultron] api_user``, and every operation checks that user's Trac permissions on the ticket
(``SECURITY_VIEW`` included, through the policy). Nothing else is accepted here: no session
cookie, no form. Answers are JSON; errors are ``{"error": "..."}`` without request content.

| method and path | permission | does |
|---|---|---|
| ``GET visibility`` | — | the policy's state and who holds ``SECURITY_VIEW`` |
| ``GET whoami`` | — | the API user and its permissions |
| ``GET tickets?marker=T`` | ``TICKET_VIEW`` per ticket | tickets whose description holds T |
| ``POST tickets`` | ``TICKET_CREATE``, ``SECURITY_VIEW`` | create a security ticket |
| ``GET tickets/N`` | ``TICKET_VIEW`` | fields, comments, visibility now |
| ``POST tickets/N`` | ``TICKET_APPEND`` / ``CHGPROP`` / ``MODIFY`` | comment, fields, close |
| ``GET can-write?user=U&action=A`` | ``TICKET_VIEW`` | U holds A and ``SECURITY_VIEW`` |
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from trac.core import Component, implements
from trac.perm import PermissionCache, PermissionSystem
from trac.resource import Resource, ResourceNotFound
from trac.ticket.model import Ticket
from trac.util import hex_entropy
from trac.web.api import IAuthenticator, IRequestHandler, RequestDone

from .policy import (
    SECTION,
    SECURITY_VIEW,
    holds_security_view,
    is_security_ticket,
    policy_active,
    security_field,
    security_types,
)

PREFIX = "/vultron/api/"
_TICKET = re.compile(r"tickets/([1-9][0-9]{0,11})")
_MARKER = re.compile(r"[a-z0-9]{8,64}")
ACTIONS = ("TICKET_APPEND", "TICKET_CHGPROP", "TICKET_MODIFY", "TICKET_ADMIN", "TRAC_ADMIN")
WRITABLE = ("keywords", "summary", "priority", "severity", "component", "milestone", "owner")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _bearer(env: Any, req: Any) -> str | None:
    """The API user when the request carries a valid bearer token, else None."""
    header = req.get_header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    allowed = env.config.getlist(SECTION, "api_token_sha256", [])
    if not any(hmac.compare_digest(digest, a.lower()) for a in allowed):
        return None
    return str(env.config.get(SECTION, "api_user", "vultron-bot"))


class BridgeApi(Component):
    """The JSON endpoint and its bearer-token authentication."""

    implements(IAuthenticator, IRequestHandler)

    is_valid_default_handler = False

    def authenticate(self, req: Any) -> str | None:
        if not req.path_info.startswith(PREFIX):
            return None
        return _bearer(self.env, req)

    def match_request(self, req: Any) -> bool:
        return bool(req.path_info.startswith(PREFIX))

    def process_request(self, req: Any) -> None:
        try:
            user = _bearer(self.env, req)
            if user is None:
                raise ApiError(401, "a valid bearer token is required")
            status, data = self._route(req, user, req.path_info[len(PREFIX):])
        except ApiError as exc:
            status, data = exc.status, {"error": str(exc)}
        except ResourceNotFound:
            status, data = 404, {"error": "no such ticket"}
        body = json.dumps(data, default=str, ensure_ascii=False).encode("utf-8")
        req.send(body, "application/json", status)
        raise RequestDone  # pragma: no cover - req.send raises it

    def _route(self, req: Any, user: str, path: str) -> tuple[int, Any]:
        post = req.method == "POST"
        if path == "visibility" and not post:
            return 200, self._visibility()
        if path == "whoami" and not post:
            perms = sorted(PermissionSystem(self.env).get_user_permissions(user))
            return 200, {"user": user, "permissions": perms}
        if path == "tickets":
            return self._create(req, user) if post else (200, self._search(req))
        if path == "can-write" and not post:
            return 200, self._can_write(req)
        match = _TICKET.fullmatch(path)
        if match is None:
            raise ApiError(404, "no such endpoint")
        number = int(match.group(1))
        if post:
            self._update(req, user, number)
        return 200, self._ticket(req, number)

    # -- reads -----------------------------------------------------------------------

    def _visibility(self) -> dict[str, Any]:
        return {"policy_active": policy_active(self.env),
                "anonymous_security_view": holds_security_view(self.env, "anonymous"),
                "authenticated_security_view": holds_security_view(self.env, "authenticated"),
                "security_types": security_types(self.env),
                "security_field": security_field(self.env)}

    def _visible_to(self, resource: Any) -> dict[str, bool]:
        probe = "vultron-probe-" + hex_entropy(16)  # no real user: the authenticated group
        return {name: PermissionCache(self.env, name).has_permission("TICKET_VIEW", resource)
                for name in ("anonymous", probe)}

    def _ticket(self, req: Any, number: int) -> dict[str, Any]:
        resource = Resource("ticket", number)
        if "TICKET_VIEW" not in req.perm(resource):
            raise ApiError(403, "the API user may not view this ticket")
        ticket = Ticket(self.env, number)
        comments = [{"author": author, "text": new, "time": str(when)}
                    for when, author, field, _old, new, _p in ticket.get_changelog()
                    if field == "comment" and new]
        seen = self._visible_to(resource)
        anonymous = seen.pop("anonymous")
        security = is_security_ticket(self.env, number)
        data = {name: ticket[name] for name in ("summary", "description", "status",
                                                "resolution", "type", "keywords", "reporter",
                                                "owner")}
        active = policy_active(self.env)
        private = security and active and not anonymous and not any(seen.values())
        return data | {"id": number, "security": security, "policy_active": active,
                       "anonymous_can_view": anonymous,
                       "authenticated_can_view": any(seen.values()),
                       "private": private, "comments": comments,
                       "url": req.abs_href.ticket(number)}

    def _search(self, req: Any) -> list[dict[str, Any]]:
        marker = req.args.get("marker") or ""
        if not _MARKER.fullmatch(marker):
            raise ApiError(400, "marker must be 8-64 lower-case letters and digits")
        rows = self.env.db_query(
            "SELECT id, reporter FROM ticket WHERE description LIKE %s ORDER BY id",
            ("%" + marker + "%",))
        return [{"id": i, "reporter": r} for i, r in rows
                if "TICKET_VIEW" in req.perm(Resource("ticket", i))]

    def _can_write(self, req: Any) -> dict[str, Any]:
        login, action = req.args.get("user") or "", req.args.get("action") or "TICKET_MODIFY"
        if action not in ACTIONS or not login or len(login) > 200:
            raise ApiError(400, f"user and an action of {', '.join(ACTIONS)} are required")
        number = req.args.get("ticket")
        resource = Resource("ticket", int(number)) if number and number.isdigit() else None
        if resource is not None and "TICKET_VIEW" not in req.perm(resource):
            raise ApiError(403, "the API user may not view this ticket")
        perm = PermissionCache(self.env, login)
        allowed = holds_security_view(self.env, login) and perm.has_permission(action, resource)
        return {"user": login, "action": action, "allowed": bool(allowed)}

    # -- writes ----------------------------------------------------------------------

    def _json(self, req: Any) -> dict[str, Any]:
        try:
            data = json.loads(req.read() or b"{}")
        except ValueError:
            raise ApiError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the body must be a JSON object")
        return data

    def _create(self, req: Any, user: str) -> tuple[int, Any]:
        req.perm.require("TICKET_CREATE")
        if SECURITY_VIEW not in req.perm:
            raise ApiError(403, "the API user lacks SECURITY_VIEW")
        types = security_types(self.env)
        if not types:
            raise ApiError(409, "no [vultron] security_types: refusing to create")
        data = self._json(req)
        ticket = Ticket(self.env)
        ticket["summary"] = str(data.get("summary") or "")[:255] or "(no title)"
        ticket["description"] = str(data.get("description") or "")
        ticket["keywords"] = str(data.get("keywords") or "")
        ticket["reporter"] = user
        ticket["type"] = types[0]
        ticket["status"] = "new"
        ticket[security_field(self.env)] = "1"
        number = ticket.insert()
        return 201, self._ticket(req, number)

    def _update(self, req: Any, user: str, number: int) -> None:
        resource = Resource("ticket", number)
        data = self._json(req)
        ticket = Ticket(self.env, number)
        fields = data.get("fields") or {}
        action = data.get("action")
        if not isinstance(fields, dict) or any(k not in WRITABLE for k in fields):
            raise ApiError(400, f"fields may set {', '.join(WRITABLE)}")
        if data.get("comment"):
            req.perm(resource).require("TICKET_APPEND")
        if fields:
            req.perm(resource).require("TICKET_CHGPROP")
        for name, value in fields.items():
            ticket[name] = str(value)
        if action in ("close", "reopen"):
            req.perm(resource).require("TICKET_MODIFY")
            closing = action == "close"
            ticket["status"] = "closed" if closing else "reopened"
            ticket["resolution"] = str(data.get("resolution") or "fixed") if closing else ""
        elif action is not None:
            raise ApiError(400, "action is close or reopen")
        ticket.save_changes(author=user, comment=str(data.get("comment") or "") or None)

"""Private by construction: a security ticket is visible only with ``SECURITY_VIEW``.

A ticket is a security ticket when its type is one of ``[vultron] security_types`` (default
``security``) or its checkbox field ``[vultron] security_field`` (default ``security``) is
set. For such a ticket — and everything under it: attachments, changes — every action is
refused to a user without ``SECURITY_VIEW`` (``TRAC_ADMIN`` holds it), whatever else they may
do. The policy must come first in ``[trac] permission_policies``; ``policy_active`` tells the
bridge whether it does.
"""

from __future__ import annotations

from typing import Any

from trac.core import Component, implements
from trac.perm import IPermissionPolicy, IPermissionRequestor, PermissionSystem

SECURITY_VIEW = "SECURITY_VIEW"
POLICY_NAME = "SecurityTicketPolicy"
SECTION = "vultron"


def security_types(env: Any) -> list[str]:
    return [t for t in env.config.getlist(SECTION, "security_types", ["security"]) if t]


def security_field(env: Any) -> str:
    return str(env.config.get(SECTION, "security_field", "security"))


def is_security_ticket(env: Any, ticket_id: int) -> bool:
    """Whether ticket ``ticket_id`` is a security ticket (read from the database now)."""
    types = security_types(env)
    for (kind,) in env.db_query("SELECT type FROM ticket WHERE id=%s", (ticket_id,)):
        if kind in types:
            return True
    rows = env.db_query("SELECT value FROM ticket_custom WHERE ticket=%s AND name=%s",
                        (ticket_id, security_field(env)))
    return any(value == "1" for (value,) in rows)


def policy_active(env: Any) -> bool:
    """Whether this policy is enabled and the first of ``[trac] permission_policies``."""
    policies = env.config.getlist("trac", "permission_policies", [])
    return bool(policies) and policies[0] == POLICY_NAME and env.is_component_enabled(
        SecurityTicketPolicy)


def holds_security_view(env: Any, username: str) -> bool:
    """Whether ``username`` (or a group it is in: anonymous, authenticated) holds
    ``SECURITY_VIEW`` directly or through a meta permission such as ``TRAC_ADMIN``."""
    return SECURITY_VIEW in PermissionSystem(env).get_user_permissions(username)


def _ticket_of(resource: Any) -> Any:
    while resource is not None:
        if resource.realm == "ticket":
            return resource
        resource = resource.parent
    return None


class SecurityTicketPolicy(Component):
    """Defines ``SECURITY_VIEW`` and refuses everything on a security ticket without it."""

    implements(IPermissionRequestor, IPermissionPolicy)

    def get_permission_actions(self) -> list[str]:
        return [SECURITY_VIEW]

    def check_permission(self, action: str, username: str, resource: Any,
                         perm: Any) -> bool | None:
        if action == SECURITY_VIEW:
            return None
        ticket = _ticket_of(resource)
        if ticket is None or ticket.id is None:
            return None
        try:
            ticket_id = int(ticket.id)
        except (TypeError, ValueError):
            return None
        if is_security_ticket(self.env, ticket_id) and SECURITY_VIEW not in perm:
            return False
        return None

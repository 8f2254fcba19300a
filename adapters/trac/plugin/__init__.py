"""The vultron-bridge Trac plugin: loaded by Trac (entry point ``trac.plugins``), never by the
bridge. Importing it registers its components; enable them in trac.ini::

    [components]
    adapters.trac.plugin.* = enabled

* ``policy`` — ``SECURITY_VIEW`` and the policy hiding security tickets from everyone else
* ``hooks`` — each ticket change POSTed to the bridge, HMAC-signed, from a durable queue
* ``api`` — the authenticated JSON endpoint the bridge writes through (``/vultron/api``)

Only the standard library and Trac are imported here (docs/trac.md).
"""

from __future__ import annotations

from . import api, hooks, policy

__all__ = ["api", "hooks", "policy"]

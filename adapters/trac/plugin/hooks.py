"""Every ticket change, POSTed to the bridge from a durable queue in the Trac database.

A change is first written to ``vultron_outbox`` (one row per delivery, its id stable across
retries), then sent: ``POST [vultron] webhook_url`` with the JSON body, ``X-Trac-Event``,
``X-Trac-Delivery`` and ``X-Hub-Signature-256: sha256=HMAC-SHA256(webhook_secret, body)`` —
GitHub's scheme. A 2xx answer deletes the row; anything else (bridge down, 5xx, timeout)
keeps it with its attempts, next attempt time (exponential backoff, capped) and last error
(the status or the error's class, never a body). A thread of the Trac process retries due
rows every ``retry_seconds``; a row failing ``max_attempts`` times is kept, marked dead, for
an operator (``SELECT * FROM vultron_outbox``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from trac.core import Component, implements
from trac.db.api import DatabaseManager
from trac.db.schema import Column, Table
from trac.env import IEnvironmentSetupParticipant
from trac.ticket.api import ITicketChangeListener
from trac.web.api import IRequestFilter

from .policy import SECTION, is_security_ticket

DB_NAME = "vultron_db_version"
DB_VERSION = 1
SCHEMA = [
    Table("vultron_outbox", key="id")[
        Column("id", auto_increment=True),
        Column("delivery"),
        Column("event"),
        Column("body"),
        Column("created", type="int64"),
        Column("attempts", type="int"),
        Column("next_attempt", type="int64"),
        Column("last_error"),
        Column("dead", type="int"),
    ],
]
FIELDS = ("summary", "status", "resolution", "type", "keywords", "reporter", "owner",
          "component", "milestone", "priority", "severity")


def project_name(env: Any) -> str:
    return str(env.config.get(SECTION, "project", "") or os.path.basename(env.path))


def ticket_json(env: Any, ticket: Any) -> dict[str, Any]:
    data = {name: ticket[name] for name in FIELDS if ticket[name] is not None}
    data["id"] = ticket.id
    data["security"] = is_security_ticket(env, ticket.id) if ticket.id else False
    return data


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class TicketHooks(Component):
    """Queues and sends ticket changes; creates the queue table (``trac-admin ENV upgrade``)."""

    implements(ITicketChangeListener, IEnvironmentSetupParticipant, IRequestFilter)

    def __init__(self) -> None:
        self._send_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- setup -----------------------------------------------------------------------

    def environment_created(self) -> None:
        self.upgrade_environment()

    def environment_needs_upgrade(self) -> bool:
        return bool(DatabaseManager(self.env).needs_upgrade(DB_VERSION, DB_NAME))

    def upgrade_environment(self) -> None:
        manager = DatabaseManager(self.env)
        with self.env.db_transaction as db:
            if manager.get_database_version(DB_NAME) is False:
                manager.create_tables(SCHEMA)
            for kind in self.env.config.getlist(SECTION, "security_types", ["security"]):
                if not db("SELECT name FROM enum WHERE type='ticket_type' AND name=%s",
                          (kind,)):
                    count = db("SELECT COUNT(*) FROM enum WHERE type='ticket_type'")[0][0]
                    db("INSERT INTO enum (type, name, value) VALUES ('ticket_type', %s, %s)",
                       (kind, str(count + 1)))
            manager.set_database_version(DB_VERSION, DB_NAME)

    # -- listener --------------------------------------------------------------------

    def ticket_created(self, ticket: Any) -> None:
        self._queue("ticket.created", ticket, author=ticket["reporter"])

    def ticket_changed(self, ticket: Any, comment: str | None, author: str | None,
                       old_values: dict[str, Any]) -> None:
        changes = {k: {"old": v, "new": ticket[k]} for k, v in old_values.items()
                   if k != "comment"}
        self._queue("ticket.changed", ticket, author=author, comment=comment or "",
                    changes=changes)

    def ticket_deleted(self, ticket: Any) -> None:
        self._queue("ticket.deleted", ticket, author=None)

    def ticket_comment_modified(self, ticket: Any, cdate: Any, author: str | None,
                                comment: str, old_comment: str) -> None:
        self._queue("ticket.comment_edited", ticket, author=author)

    def ticket_change_deleted(self, ticket: Any, cdate: Any, changes: Any) -> None:
        self._queue("ticket.change_deleted", ticket, author=None)

    # -- request filter: resume sending after a restart ------------------------------

    def pre_process_request(self, req: Any, handler: Any) -> Any:
        self._start()
        return handler

    def post_process_request(self, req: Any, template: Any, data: Any,
                             metadata: Any) -> tuple[Any, Any, Any]:
        return template, data, metadata

    # -- queue -----------------------------------------------------------------------

    def _queue(self, event: str, ticket: Any, *, author: str | None, **extra: Any) -> None:
        if not self.env.config.get(SECTION, "webhook_url"):
            return
        delivery = str(uuid.uuid4())
        payload = {"event": event, "delivery": delivery, "project": project_name(self.env),
                   "author": author, "time": time.time(),
                   "ticket": ticket_json(self.env, ticket), **extra}
        body = json.dumps(payload, default=str, ensure_ascii=False)
        now = int(time.time())
        with self.env.db_transaction as db:
            db("""INSERT INTO vultron_outbox (delivery, event, body, created, attempts,
                  next_attempt, last_error, dead) VALUES (%s, %s, %s, %s, 0, %s, '', 0)""",
               (delivery, event, body, now, now))
        self.flush()
        self._start()

    def _start(self) -> None:
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="vultron-hooks",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.env.config.getfloat(SECTION, "retry_seconds", 30.0))
            try:
                self.flush()
            except Exception as exc:  # noqa: BLE001 - the retry thread must survive; logged
                self.log.warning("vultron: retrying webhooks failed: %s", type(exc).__name__)

    def flush(self) -> int:
        """Send the queued rows, oldest first, up to the first that fails or is not due yet
        (a row waiting out its backoff holds back the later ones too); the number delivered."""
        sent = 0
        with self._send_lock:
            rows = self.env.db_query(
                """SELECT id, delivery, event, body, attempts, next_attempt FROM vultron_outbox
                   WHERE dead=0 ORDER BY id""")
            now = int(time.time())
            for row_id, delivery, event, body, attempts, due in rows:
                if due > now:
                    break  # in order: later rows wait for this one's next attempt
                error = self._send(delivery, event, body.encode("utf-8"))
                if error is None:
                    with self.env.db_transaction as db:
                        db("DELETE FROM vultron_outbox WHERE id=%s", (row_id,))
                    sent += 1
                    continue
                self._failed(row_id, attempts + 1, error)
                break  # in order: later rows wait for this one
        return sent

    def _failed(self, row_id: int, attempts: int, error: str) -> None:
        cfg = self.env.config
        base = cfg.getfloat(SECTION, "retry_seconds", 30.0)
        delay = min(base * 2 ** (attempts - 1), cfg.getfloat(SECTION, "retry_cap_seconds", 3600))
        dead = int(attempts >= cfg.getint(SECTION, "max_attempts", 20))
        with self.env.db_transaction as db:
            db("""UPDATE vultron_outbox SET attempts=%s, next_attempt=%s, last_error=%s, dead=%s
                  WHERE id=%s""", (attempts, int(time.time() + delay), error, dead, row_id))
        self.log.info("vultron: webhook delivery failed (%s), attempt %d", error, attempts)

    def _send(self, delivery: str, event: str, body: bytes) -> str | None:
        url = self.env.config.get(SECTION, "webhook_url")
        secret = self.env.config.get(SECTION, "webhook_secret")
        if not url.startswith(("http://", "https://")) or not secret:
            return "webhook_url or webhook_secret is not configured"
        request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
            "Content-Type": "application/json", "User-Agent": "vultron-trac-plugin",
            "X-Trac-Event": event, "X-Trac-Delivery": delivery,
            "X-Hub-Signature-256": sign(secret, body)})
        timeout = self.env.config.getfloat(SECTION, "timeout_seconds", 5.0)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
                status = answer.status
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            return type(exc).__name__
        return None if 200 <= status < 300 else f"HTTP {status}"

"""The Prometheus metrics, kept at their old import path; they live in ``bridge.metrics``
(below both the service and ``bridge/coord``, which registers its collector there)."""

from bridge.metrics import (
    ALERTS,
    DELIVERIES,
    INBOUND_REFUSED,
    INBOX,
    MESSAGES,
    PROCESS_SECONDS,
    PROCESSED,
    QUEUE,
    REFUSED,
    REGISTRY,
    WEBHOOKS,
)

__all__ = ["ALERTS", "DELIVERIES", "INBOUND_REFUSED", "INBOX", "MESSAGES", "PROCESSED",
           "PROCESS_SECONDS", "QUEUE", "REFUSED", "REGISTRY", "WEBHOOKS"]

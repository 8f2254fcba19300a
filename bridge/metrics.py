"""Prometheus metrics. Labels carry only bounded, non-sensitive values (tracker names,
outcomes, message codes) — never ids, refs or content."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOKS = Counter(
    "vultron_bridge_webhooks_total", "Webhook deliveries by tracker and outcome",
    ["tracker", "outcome"], registry=REGISTRY,
)
INBOX = Counter(
    "vultron_bridge_inbox_total", "Inbox posts by outcome", ["outcome"], registry=REGISTRY,
)
PROCESSED = Counter(
    "vultron_bridge_processed_total", "Inputs processed by the worker", ["source", "status"],
    registry=REGISTRY,
)
MESSAGES = Counter(
    "vultron_bridge_messages_total", "Protocol messages queued by code", ["message"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "vultron_bridge_deliveries_total", "Delivery attempts by verdict", ["verdict"],
    registry=REGISTRY,
)
REFUSED = Counter(
    "vultron_bridge_refused_total", "Transitions refused by the state machines", registry=REGISTRY,
)
INBOUND_REFUSED = Counter(
    "vultron_bridge_inbound_refused_total",
    "Inbound protocol messages refused by the authority rule", ["rule"], registry=REGISTRY,
)
ALERTS = Counter(
    "vultron_bridge_alerts_total", "Alarms raised (embargo breach, public destination)", ["kind"],
    registry=REGISTRY,
)
QUEUE = Gauge(
    "vultron_bridge_queue", "Rows by queue and status", ["queue", "status"], registry=REGISTRY,
)
PROCESS_SECONDS = Histogram(
    "vultron_bridge_process_seconds", "Time to process one input", registry=REGISTRY,
)

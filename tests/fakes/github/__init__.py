"""A fake GitHub REST server (``FakeGitHub``) with fault injection and signed webhooks."""

from tests.fakes.github.hooks import SentWebhook, WebhookSender
from tests.fakes.github.server import FakeGitHub, Fault

__all__ = ["FakeGitHub", "Fault", "SentWebhook", "WebhookSender"]

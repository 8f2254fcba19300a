"""GitLab: webhook verification and parsing (pure) and writes through python-gitlab.

``parse_webhook`` is importable without python-gitlab being loaded; ``GitLabAdapter`` loads
it lazily on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.gitlab.signatures import sign_standard_webhook
from adapters.gitlab.webhooks import parse_webhook

if TYPE_CHECKING:
    from adapters.gitlab.adapter import GitLabAdapter

__all__ = ["GitLabAdapter", "parse_webhook", "sign_standard_webhook"]


def __getattr__(name: str) -> Any:
    if name == "GitLabAdapter":
        from adapters.gitlab.adapter import GitLabAdapter

        return GitLabAdapter
    raise AttributeError(name)

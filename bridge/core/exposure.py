"""What may be written on a tracker issue that is not private (pure).

A public issue never carries protocol state: the bridge's ``vultron:*`` labels there
(``vultron:embargo-active``, ``vultron:embargo-breach``, ``vultron:valid``…) would announce
that a vulnerability case, and maybe an embargo, exists. ``public_safe`` strips them from an
effect; the service runs every write through it when the adapter does not verify the issue
private (``bridge.app.tracker_authority.exposure_checked``, called by
``bridge.app.effects.apply_effects``), so inbound mirroring, the outbound rules and the
embargo guard share this one filter. Comments need no filter here: the adapters refuse any
comment on an issue that is not private.
"""

from __future__ import annotations

from bridge.core.effects import SetLabels, TrackerEffect
from bridge.core.labels import PREFIX


def reveals(label: str) -> bool:
    """Whether a label would show protocol state (every label of the bridge's own set)."""
    return label.startswith(PREFIX)


def needs_privacy_check(effect: TrackerEffect) -> bool:
    """Whether ``effect`` would add protocol state to its issue (check privacy first)."""
    return isinstance(effect, SetLabels) and any(reveals(name) for name in effect.add)


def public_safe(effect: TrackerEffect) -> TrackerEffect | None:
    """``effect`` as it may be applied to a public issue; None when nothing remains.
    Removing labels stays allowed: it announces nothing."""
    if not isinstance(effect, SetLabels):
        return effect
    add = tuple(name for name in effect.add if not reveals(name))
    if not add and not effect.remove:
        return None
    return effect.model_copy(update={"add": add})

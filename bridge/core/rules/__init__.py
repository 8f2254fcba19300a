"""Translation rules (pure): a tracker event + the linked case's state → protocol intents and
tracker effects. The default mapping is the table in ``docs/mapping.md``; every row is a test.
"""

from bridge.core.rules.actions import DEFAULT_LABELS, Action, RuleSet
from bridge.core.rules.decide import CaseView, Decision, Intent, decide

__all__ = ["DEFAULT_LABELS", "Action", "CaseView", "Decision", "Intent", "RuleSet", "decide"]

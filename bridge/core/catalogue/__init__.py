"""The protocol message catalogue: message types, wire shapes, state changes, factories,
the classifier that names a parsed activity's message type, and plain-words explanations."""

from bridge.core.catalogue.classify import Resolver, classify, kind_of
from bridge.core.catalogue.explain import describe, explain
from bridge.core.catalogue.table import BY_TYPE, CATALOGUE, spec_for
from bridge.core.catalogue.types import Machine, MessageSpec, MessageType, Party, StateChange

__all__ = [
    "BY_TYPE", "CATALOGUE", "Machine", "MessageSpec", "MessageType", "Party", "Resolver",
    "StateChange", "classify", "describe", "explain", "kind_of", "spec_for",
]

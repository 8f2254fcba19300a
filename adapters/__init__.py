"""Tracker adapters: one module (package) per tracker behind bridge.core.tracker.TrackerAdapter."""

"""The pure core: no network, no database, no clock (enforced by tests/test_meta.py)."""

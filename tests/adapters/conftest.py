"""Fixtures shared by the adapter tests: one real tracd per test session (Trac)."""

from __future__ import annotations

from tests.adapters.trac.fixtures import trac_project, trac_server

__all__ = ["trac_project", "trac_server"]

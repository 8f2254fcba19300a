"""Safe accessors over a decoded webhook payload: a missing or mistyped field is an InputError.

The reasons name the field, never its value (payloads may hold embargoed report content).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bridge.core.errors import InputError


def obj(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise InputError(f"{where} payload lacks the object {key!r}")
    return value


def opt_obj(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, dict) else None


def text(data: dict[str, Any] | None, key: str) -> str | None:
    if data is None:
        return None
    value = data.get(key)
    return value if isinstance(value, str) else None


def req_text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"{where} payload lacks the string {key!r}")
    return value


def number(data: dict[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputError(f"{where} payload lacks a positive integer {key!r}")
    return value


def flag(data: dict[str, Any] | None, key: str) -> bool | None:
    if data is None:
        return None
    value = data.get(key)
    return value if isinstance(value, bool) else None


def when(data: dict[str, Any] | None, *keys: str) -> datetime | None:
    """The first parseable ISO-8601 timestamp among ``keys`` (None when absent or bad)."""
    if data is None:
        return None
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                continue
    return None


def login(data: dict[str, Any] | None) -> str | None:
    """``sender.login`` (or any user object's login)."""
    return text(data, "login")


def project_of(payload: dict[str, Any]) -> str | None:
    """``repository.full_name`` when the payload has a repository."""
    return text(opt_obj(payload, "repository"), "full_name")


def private_of(payload: dict[str, Any]) -> bool | None:
    return flag(opt_obj(payload, "repository"), "private")


def norm_ghsa(ghsa: str) -> str:
    """``GHSA-xxxx-xxxx-xxxx`` with the canonical case (as bridge.core.refs prints it)."""
    if len(ghsa) > 5 and ghsa[:5].upper() == "GHSA-":
        return "GHSA-" + ghsa[5:].lower()
    return ghsa

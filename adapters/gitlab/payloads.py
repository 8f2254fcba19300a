"""Small, forgiving readers for GitLab webhook payloads (pure).

Payloads from old GitLab versions lack ``event_type``, ``labels``, ``changes`` and
``project.id``; timestamps come as ``2016-08-18 17:47:36 UTC`` or ISO-8601 with ``Z``.
Every reader here returns None (or an empty value) rather than raising on a missing or
oddly typed field: the caller decides whether the delivery is usable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S %z")


def obj(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty mapping."""
    return value if isinstance(value, Mapping) else {}


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def parse_time(value: Any) -> datetime | None:
    """A GitLab timestamp in either of its formats, as an aware datetime; else None."""
    if not isinstance(value, str) or not value:
        return None
    for fmt in _TIME_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def path_from_url(url: str | None) -> str | None:
    """``group/project`` from a project or issue web URL (``…/-/issues/3``, ``…/issues/3``)."""
    if not url:
        return None
    segs = [s for s in urlsplit(url).path.split("/") if s]
    if "-" in segs:
        segs = segs[: segs.index("-")]
    elif len(segs) >= 2 and segs[-2] in ("issues", "work_items", "merge_requests"):
        segs = segs[:-2]
    return "/".join(segs) if len(segs) >= 2 else None


def project_path(payload: Mapping[str, Any]) -> str | None:
    """The full project path: ``project.path_with_namespace``, else derived from a web URL."""
    project = obj(payload.get("project"))
    return (
        text(project.get("path_with_namespace"))
        or path_from_url(text(project.get("web_url")))
        or path_from_url(text(obj(payload.get("object_attributes")).get("url")))
    )


def project_host(payload: Mapping[str, Any]) -> str | None:
    """The web host of the payload's project (to recognise same-instance issue URLs)."""
    project = obj(payload.get("project"))
    url = text(project.get("web_url")) or text(project.get("homepage"))
    if url is None:
        return None
    return (urlsplit(url).hostname or "").lower() or None


def actor(payload: Mapping[str, Any]) -> str | None:
    """Who caused the event: ``user.username`` (``user_username`` on push-like payloads)."""
    return text(obj(payload.get("user")).get("username")) or text(payload.get("user_username"))


def label_titles(value: Any) -> set[str]:
    """Titles from a list of label objects (``{"title": ...}``) or plain names."""
    titles: set[str] = set()
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str) and item:
                titles.add(item)
            elif isinstance(item, Mapping) and text(item.get("title")):
                titles.add(str(item["title"]))
    return titles


def change(payload: Mapping[str, Any], field: str) -> tuple[Any, Any] | None:
    """``(previous, current)`` of ``changes.<field>`` when the payload reports that change."""
    entry = obj(obj(payload.get("changes")).get(field))
    if not entry or ("previous" not in entry and "current" not in entry):
        return None
    return entry.get("previous"), entry.get("current")

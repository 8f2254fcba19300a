"""Operational log lines: one per accepted input, processed input, delivery attempt, alarm.

``event(logger, name, **fields)`` writes one line whose message is the event's name
(``input.accepted``, ``input.processed``, ``delivery.attempt``, ``alarm``, ``loop.crashed`` …)
and whose fields are **ids, kinds, counts and durations only** — never report content, never a
secret, never a URL that may hold one (the notifier's webhook URL is a secret). Values are cut
to ``MAX_VALUE`` characters and rendered so that a peer-chosen id cannot forge a second line.

``configure(level, fmt)`` installs one handler on the root logger: ``text`` (one line,
``key=value`` fields) or ``json`` (one object per line). Third-party loggers that print
request URLs (``httpx``, ``httpcore``) are held at WARNING whatever the level, as are the
chatty ones (``alembic``, ``uvicorn.access``).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import Any, Literal, TextIO

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
Format = Literal["text", "json"]
MAX_VALUE = 300

QUIET = ("httpx", "httpcore", "hpack", "alembic", "uvicorn.access", "urllib3", "github",
         "gitlab", "gnupg", "mail.log", "asyncio")
"""Loggers held at WARNING: ``httpx``/``httpcore`` log every request URL at INFO/DEBUG (the
notifier's webhook URL is a secret), the others are noise at INFO."""

_FIELDS = "vb_fields"
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                   "-_.:/@#+=,")


def _clip(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def event(logger: logging.Logger, name: str, level: int = logging.INFO,
          **fields: Any) -> None:
    """Log the event ``name`` with ``fields`` (ids and kinds only, see the module)."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={_FIELDS: {k: _clip(v) for k, v in fields.items()}})


def fields_of(record: logging.LogRecord) -> Mapping[str, Any]:
    found = getattr(record, _FIELDS, None)
    return found if isinstance(found, dict) else {}


def _text_value(value: Any) -> str:
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    text = str(value)
    if text and set(text) <= _PLAIN:
        return text
    return json.dumps(text, ensure_ascii=True)  # quotes, escapes newlines and controls


def _safe_message(record: logging.LogRecord) -> str:
    message = record.getMessage()
    # one record, one line: a peer's text in a message cannot start a forged line
    return message.replace("\r", "\\r").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """``2026-05-10T12:00:00Z INFO bridge.worker input.processed id=3 outcome=done``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return time.strftime(datefmt or "%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ")
        parts = [stamp, record.levelname, record.name, _safe_message(record)]
        parts += [f"{k}={_text_value(v)}" for k, v in fields_of(record).items()]
        line = " ".join(parts)
        if record.exc_info and record.exc_info[0] is not None:
            line += f" exc={record.exc_info[0].__name__}"  # the type only: messages may quote
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``logger``, ``event`` and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3), "level": record.levelname.lower(),
            "logger": record.name, "event": record.getMessage(),
        }
        for key, value in fields_of(record).items():
            out.setdefault(key, value)
        if record.exc_info and record.exc_info[0] is not None:
            out["exc"] = record.exc_info[0].__name__
        return json.dumps(out, ensure_ascii=True, default=str)


def quiet_third_parties() -> None:
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure(level: str = "info", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Install the bridge's one log handler on the root logger (replacing earlier ones)."""
    if level.lower() not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    quiet_third_parties()

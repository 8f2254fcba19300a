"""Shared helpers for the GitLab adapter tests: corpus loading and delivery signing."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from adapters.gitlab.signature import sign_standard_webhook
from tests.paths import GITLAB_CORPUS

TOKEN = "s3cret-hook-token"
SIGNING_KEY = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
NOW = 1_750_000_000.0

#: Corpus files that document rather than deliver: used elsewhere or skipped, with the reason.
DOCUMENTATION = {
    "delivery_headers_doc.json": "a table of GitLab's delivery headers, not a payload; "
    "test_corpus.py replays it as the headers of a delivery",
    "README.md": "describes the corpus (sources, licences)",
}


def payload_files() -> list[Path]:
    """Every payload body in the corpus (``X.json`` that is neither headers nor documentation)."""
    return sorted(
        p
        for p in GITLAB_CORPUS.iterdir()
        if p.suffix == ".json"
        and not p.name.endswith(".headers.json")
        and p.name not in DOCUMENTATION
    )


def corpus_headers(path: Path) -> dict[str, str]:
    """The recorded headers paired with a payload (``X.headers.json``), if any."""
    paired = path.with_name(path.stem + ".headers.json")
    if not paired.exists():
        return {}
    loaded = json.loads(paired.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return {str(k): str(v) for k, v in loaded.items()}


def signed_headers(
    body: bytes, *, msg_id: str = "msg_1", timestamp: float = NOW, key: str = SIGNING_KEY
) -> dict[str, str]:
    stamp = str(int(timestamp))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": sign_standard_webhook(key, msg_id, stamp, body),
    }


def payload(name: str) -> dict[str, Any]:
    loaded = json.loads((GITLAB_CORPUS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def body_of(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode("utf-8")

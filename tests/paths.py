"""Where the shared corpus and contracts are: ``../shared`` next to the repository."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO.parent / "shared").resolve()
CORPUS = SHARED / "corpus"
CONTRACTS = SHARED / "contracts"
VULTRON_CORPUS = CORPUS / "vultron"
GITHUB_CORPUS = CORPUS / "github-webhooks"
GITLAB_CORPUS = CORPUS / "gitlab-webhooks"

if not CORPUS.is_dir():  # pragma: no cover - a broken checkout layout, not a test outcome
    raise RuntimeError(f"the shared corpus is missing: expected it at {CORPUS}")

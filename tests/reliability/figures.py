"""Every test prints its figure (run pytest with ``-s`` to see them). With
``RELIABILITY_FIGURES=path`` set, figures are also appended to that file as JSON lines, which
is how the table in docs/reliability.md is produced."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable


def figure(name: str, text: str) -> None:
    line = f"{name}: {text}"
    print(line)
    target = os.environ.get("RELIABILITY_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"name": name, "figure": text}) + "\n")


def histogram(statuses: Iterable[int]) -> str:
    counts = Counter(statuses)
    return " ".join(f"{code}x{n}" for code, n in sorted(counts.items()))

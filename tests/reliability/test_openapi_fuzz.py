"""Invariant 4 against the app's own OpenAPI description: schemathesis generates requests for
every documented operation (valid and invalid path, query and header values) and the app never
answers 5xx.

Schemathesis' pytest plugin does not work with this pytest version, so its Python API is used:
each operation's hypothesis strategy drives ``case.call`` against the ASGI app.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.appenv import app_env
from tests.reliability.figures import figure, histogram


def test_no_operation_answers_5xx(tmp_path: Path) -> None:
    with app_env(tmp_path) as env:
        schema = schemathesis.openapi.from_asgi("/openapi.json", env.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 5
        statuses: Counter[int] = Counter()
        per_operation: Counter[str] = Counter()
        failures: list[str] = []
        def fuzz(operation: object) -> None:
            strategies = [operation.as_strategy(generation_mode=mode)  # type: ignore[attr-defined]
                          for mode in schemathesis.GenerationMode]
            label = str(operation.label)  # type: ignore[attr-defined]

            @settings(max_examples=80, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=st.one_of(*strategies))
            def run(case: schemathesis.Case) -> None:
                response = case.call()
                statuses[response.status_code] += 1
                per_operation[label] += 1
                if response.status_code >= 500:
                    failures.append(f"{label}: {response.status_code}")

            run()

        for operation in operations:
            fuzz(operation)
        assert failures == [], failures[:10]
        figure("schemathesis (app's OpenAPI)", f"{sum(statuses.values())} requests over "
               f"{len(operations)} operations (positive and negative) -> "
               f"{histogram(statuses.elements())}; 0 5xx")

"""Every module of the use cases (``bridge/app``) and the HTTP layer (``bridge/service``) has
tests a newcomer can find: a test file named after it in ``tests/app`` or ``tests/service``
(``bridge/app/guard.py`` → ``tests/app/test_guard.py``), or an entry in ``TESTED_BY`` naming
the test file that exercises it through the module that calls it. An entry whose module has
a named test file, or whose test file is gone, fails: the index stays true."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.paths import REPO

TESTED_BY: dict[str, str] = {
    "bridge/app/delivery.py": "tests/reliability/test_privacy_fanout.py",
    "bridge/app/effects.py": "tests/app/test_echoes.py",
    "bridge/app/faults.py": "tests/app/test_process.py",
    "bridge/app/finish.py": "tests/app/test_mirror_report.py",
    "bridge/app/intents.py": "tests/service/test_e2e_case_owner.py",
    "bridge/app/mirror.py": "tests/app/test_mirror_report.py",
    "bridge/app/mirror_authority.py": "tests/security/test_case_authority.py",
    "bridge/app/mirror_base.py": "tests/app/test_mirror_case.py",
    "bridge/app/mirror_invite.py": "tests/service/test_e2e_invitation.py",
    "bridge/app/mirror_texts.py": "tests/security/test_peer_text.py",
    "bridge/app/notifier.py": "tests/app/test_guard.py",
    "bridge/app/render.py": "tests/interop/test_reference_flow.py",
    "bridge/app/runtime.py": "tests/app/test_process.py",
    "bridge/app/subjects.py": "tests/coord/test_caseview.py",
    "bridge/app/supervise.py": "tests/app/test_process.py",
    "bridge/app/tracker_authority.py": "tests/security/test_tracker_authority.py",
    "bridge/service/app.py": "tests/service/test_app_routes.py",
    "bridge/service/auth.py": "tests/service/test_links_api.py",
    "bridge/service/http.py": "tests/reliability/test_bad_requests.py",
    "bridge/service/httpserver.py": "tests/reliability/test_slow_peers.py",
    "bridge/service/readiness.py": "tests/app/test_process.py",
    "bridge/service/startup.py": "tests/cli/test_serve_startup.py",
}


def modules() -> list[str]:
    return sorted(f.relative_to(REPO).as_posix() for package in ("app", "service")
                  for f in (REPO / "bridge" / package).glob("*.py") if f.name != "__init__.py")


def named_test(module: str) -> Path:
    package, name = Path(module).parent.name, Path(module).stem
    return REPO / "tests" / package / f"test_{name}.py"


@pytest.mark.parametrize("module", modules())
def test_every_module_has_findable_tests(module: str) -> None:
    if named_test(module).exists():
        assert module not in TESTED_BY, f"{module} has {named_test(module).name}: drop the entry"
        return
    assert module in TESTED_BY, (f"{module}: add tests/{Path(module).parent.name}/"
                                 f"{named_test(module).name}, or name its tests in TESTED_BY")
    assert (REPO / TESTED_BY[module]).is_file(), f"{TESTED_BY[module]} does not exist"


def test_the_index_names_only_real_modules() -> None:
    assert sorted(set(TESTED_BY) - set(modules())) == []

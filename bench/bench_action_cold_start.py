"""Cold start of the GitHub Action (not a test; prints figures).

Time from a fresh Python process (``python -m bridge.cli.main action``, what the composite
action's last step runs once dependencies are installed) to the end of a typical run: a
``repository_dispatch`` carrying a finder's ``Offer(VulnerabilityReport)`` mirrored into a
private issue of the fake GitHub (every step real: config, throwaway store, marker search,
issue creation, labels, state block sealed and written). Goal: under 3 s.

Also measured: the same process with only ``--help`` (interpreter + click + lazy group), and
the import time of the modules the run needs (``-X importtime`` total).

    .venv/bin/python -m bench.bench_action_cold_start [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bridge.httpsig.keys import generate_rsa, private_pem
from tests.fakes.github.harness import PRIVATE_REPO, TOKEN
from tests.fakes.github.server import FakeGitHub

REPO = Path(__file__).resolve().parent.parent
GOAL = 3.0
CONFIG = """
actor: {{name: vendor, base_url: "https://vendor.example"}}
destinations:
  default: {{tracker: github, project: "{repo}", mode: private_issue}}
peers:
  trusted: [{{prefix: "https://finder.example/actors/"}}]
"""


def _env(tmp: Path, fake: FakeGitHub, n: int, key: str) -> dict[str, str]:
    event = tmp / f"event-{n}.json"
    offer = {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Offer",
        "id": f"https://finder.example/activities/offer-{n}",
        "actor": "https://finder.example/actors/finder",
        "object": {"type": "VulnerabilityReport", "id": f"https://finder.example/reports/{n}",
                   "name": f"R-{n}", "content": "heap overflow in parse()"},
    }
    event.write_text(json.dumps({"action": "vultron-activity",
                                 "client_payload": {"activity": offer}}))
    config = tmp / "vultron-bridge.yml"
    config.write_text(CONFIG.format(repo=PRIVATE_REPO))
    return {
        "PATH": "/usr/bin:/bin", "GITHUB_EVENT_NAME": "repository_dispatch",
        "GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": fake.base_url,
        "GITHUB_REPOSITORY": PRIVATE_REPO, "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "GITHUB_OUTPUT": str(tmp / "output.txt"), "RUNNER_TEMP": str(tmp / "temp"),
        "GITHUB_RUN_ID": str(n), "INPUT_TOKEN": TOKEN, "INPUT_CONFIG": str(config),
        "INPUT_ACTOR-KEY": key,
    }


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    key = private_pem(generate_rsa())
    runs: list[float] = []
    helps: list[float] = []
    with tempfile.TemporaryDirectory() as tmpdir, FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(PRIVATE_REPO, private=True)
        tmp = Path(tmpdir)
        for n in range(1, args.runs + 1):
            env = _env(tmp, fake, n, key)
            seconds, done = _timed([sys.executable, "-m", "bridge.cli.main", "action"], env)
            if done.returncode != 0:
                sys.exit(f"run {n} failed: {done.stdout[-500:]}{done.stderr[-500:]}")
            runs.append(seconds)
            seconds, _ = _timed([sys.executable, "-m", "bridge.cli.main", "--help"], env)
            helps.append(seconds)
        issues = len(fake.issues_of(PRIVATE_REPO))
        env = _env(tmp, fake, 999, key)
        importtime = subprocess.run(
            [sys.executable, "-X", "importtime", "-c",
             "import bridge.action.runner, bridge.action.flows, bridge.app.mirror, "
             "bridge.app.delivery"], cwd=REPO, env=env, capture_output=True, text=True,
            check=False)
    imports_us = sum(int(line.split("|")[1]) for line in importtime.stderr.splitlines()
                     if line.startswith("import time:") and line.split("|")[1].strip().isdigit()
                     and line.split("|")[2].startswith(" ") and not
                     line.split("|")[2].startswith("  "))
    median = statistics.median(runs)
    print(f"action cold start, dispatch → one private issue ({args.runs} runs, {issues} issues)")
    print(f"  end to end: median {median:.2f} s, min {min(runs):.2f} s, max {max(runs):.2f} s "
          f"(goal < {GOAL:.0f} s: {'met' if median < GOAL else 'NOT met'})")
    print(f"  `vultron-bridge --help` alone: median {statistics.median(helps):.2f} s")
    print(f"  imports the run needs: {imports_us / 1e6:.2f} s (-X importtime, top level)")


if __name__ == "__main__":
    main()

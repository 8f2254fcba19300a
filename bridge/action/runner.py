"""One run of the action, start to end: mask secrets, build, handle the trigger, deliver,
commit the OSV feed (``publication.osv_feed``), write the state back, report. Returns the
exit code (0 done, 1 a problem the summary names).

Whatever happens, the state is committed (what was done stays known to the next run) and the
step summary and outputs are written; errors become one ``::error::`` line, never a traceback.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from bridge.action import deliver as delivering
from bridge.action import flows, osvfeed
from bridge.action.env import ActionEnv, mask
from bridge.action.setup import Run, build
from bridge.action.summary import Report, annotate, write_outputs, write_summary
from bridge.config.load import ConfigError
from bridge.core.errors import BridgeError, InputError
from bridge.core.jsonload import load_json
from bridge.delivery.worker import Send

MAX_EVENT_BYTES = 25 * 1024 * 1024


def read_event(env: ActionEnv) -> object:
    try:
        raw = env.event_path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read GITHUB_EVENT_PATH ({type(exc).__name__})") from exc
    try:
        return load_json(raw, max_bytes=MAX_EVENT_BYTES, max_depth=64)
    except InputError as exc:
        raise InputError(f"the event file is {exc.reason}") from exc


def _handle(run: Run, payload: object) -> None:
    name = run.env.event_name
    if name == "repository_dispatch":
        flows.on_dispatch(run, payload)
    elif name in ("issues", "issue_comment"):
        flows.on_issue_event(run, payload)
    elif name in ("schedule", "workflow_dispatch"):
        flows.on_schedule(run)
    else:
        run.report.notes.append(f"the {name[:40]!r} event does not concern the bridge")


def _send(run: Run) -> Send | None:
    if run.env.dry_run:
        return None
    from bridge.app.delivery import actor_key, make_send

    if run.key is None:
        run.report.notes.append("no actor-key input: messages were signed with a throwaway key "
                                "that peers cannot verify; set the actor-key secret")
    return make_send(run.rt, run.key or actor_key(run.rt))


def _outputs(run: Run) -> None:
    journal = run.adapter.journal
    from bridge.app.guard import to_ref

    refs = [*journal.created, *journal.found]
    refs += [to_ref(run.rt, home) for home in sorted(run.store.origins.loaded)
             if home.startswith(f"{run.adapter.name}:{run.destination.project}")
             and home not in run.store.holders]
    report = run.report
    report.written += [f"{what}: {ref}" for what, ref in journal.entries]
    report.refused += journal.refused
    report.written += [f"state saved in {ref}" for ref in run.store.committed]
    for ref in refs:
        if ref.ghsa and not report.advisory:
            report.advisory = ref.ghsa
        elif ref.number and not report.issue:
            report.issue = str(ref.number)


def run(env: ActionEnv, emit: Callable[[str], None],
        sleep: Callable[[float], None] = time.sleep) -> int:
    mask(env.secrets(), emit)
    report = Report(event=env.event_name, dry_run=env.dry_run)
    code = 0
    current: Run | None = None
    try:
        payload = read_event(env)
        current = build(env, report)
        _handle(current, payload)
        delivering.deliver(current.rt, _send(current), report, sleep=sleep)
        osvfeed.after_run(current, osvfeed.checkout_dir(os.environ))
    except (BridgeError, ConfigError) as exc:
        report.error = exc.reason if isinstance(exc, BridgeError) else str(exc)
        code = 1
    finally:
        if current is not None:
            try:
                current.store.commit_all()
            except BridgeError as exc:
                report.notes.append(f"the state could not be saved: {exc.reason}")
                report.error = report.error or f"the state could not be saved: {exc.reason}"
                code = 1
            _outputs(current)
            current.close()
    write_summary(report, env.summary_path)
    write_outputs(report, env.output_path)
    annotate(report, emit)
    emit(json.dumps({"event": env.event_name, "exit": code, "sent": report.messages_sent,
                     "issue": report.issue, "advisory": report.advisory,
                     "dry_run": env.dry_run}))
    return code

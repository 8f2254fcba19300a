"""Action mode: a collaborator who can edit an issue but lacks the actor key cannot make the
action sign and deliver a forged activity, nor make it discard the real (sealed) state.

The attack: an unsealed state block put before the sealed one (or after it, or opened without
an end so that it swallows the real one, or sealed with the attacker's own key). The next
``schedule`` run must ignore every such block, say so in the step summary, deliver nothing
forged and keep the real state. Without an actor key, no unsealed block is read unless the
configuration says ``action.allow_unsealed_state: true``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bridge.action.seal import sealer
from bridge.core import stateblock
from bridge.httpsig.keys import generate_ed25519, load_private_pem
from tests.action.harness import ACTOR_BASE, OUR_ACTOR, ActionEnv, Result, action_env, actor_pem

_SEALED = re.compile(r"<!-- vultron-bridge-state v1 s\s+[A-Za-z0-9+/=\s]*?-->")


def _forged(env: ActionEnv, tag: str) -> dict[str, Any]:
    """A state whose only content is a pending message the attacker wants us to sign."""
    aid = f"{ACTOR_BASE}/forged/{tag}"
    state = stateblock.empty()
    state["outbox"][stateblock.outbox_key(aid, env.finder)] = {
        "id": aid, "to": env.finder, "inbox": f"{env.finder}/inbox/", "status": "pending",
        "activity": {"@context": "https://www.w3.org/ns/activitystreams", "type": "Note",
                     "id": aid, "actor": OUR_ACTOR, "to": [env.finder],
                     "content": "FORGED by a collaborator"},
        "attempts": 0, "next": 0.0, "created": 0.0, "at": 0.0,
    }
    return state


def _plant(env: ActionEnv, number: int, how: str) -> None:
    issue = env.issue(number)
    real = issue.body or ""
    tag = f"{how}-{number}"
    unsealed = stateblock.render(_forged(env, tag))
    if how == "unsealed before sealed":
        body = f"{unsealed}\n\n{real}"
    elif how == "unsealed after sealed":
        body = f"{real}\n\n{unsealed}"
    elif how == "unsealed without an end, swallowing the sealed one":
        body = unsealed.replace(stateblock.END, "") + "\n" + real
    elif how == "sealed with another key, before":
        other, _ = sealer(generate_ed25519())
        body = f"{stateblock.render(_forged(env, tag), other)}\n\n{real}"
    else:  # "unsealed only, no actor key"
        body = f"{stateblock.strip(real)}\n{unsealed}"
    with env.fake.lock:
        issue.body = body


def _real_state_kept(env: ActionEnv, number: int) -> bool:
    """A block sealed with our key still holds the report's subject."""
    _, unseal = sealer(load_private_pem(actor_pem()))
    subject = f"{env.receiver_url}/reports/{number}"
    for payload in _SEALED.findall(env.issue(number).body or ""):
        try:
            block = stateblock.read(f"{stateblock.BEGIN}\n{payload}\n{stateblock.END}", unseal)
        except stateblock.StateBlockError:
            continue
        if block is not None and subject in block.subjects:
            return True
    return False


def _run_without_key(env: ActionEnv) -> Result:
    from click.testing import CliRunner

    from bridge.cli.main import cli

    environ = env.environ("schedule", {})
    environ["INPUT_ACTOR-KEY"] = ""
    result = CliRunner().invoke(cli, ["action"], env=environ, catch_exceptions=False)
    return env._result(environ, result.exit_code, result.output)


KEYED = ["unsealed before sealed", "unsealed after sealed",
         "unsealed without an end, swallowing the sealed one", "sealed with another key, before"]


def test_only_a_block_sealed_with_the_actor_key_is_state(tmp_path: Path) -> None:
    with action_env(tmp_path) as env:
        numbers: dict[str, int] = {}
        for n, how in enumerate([*KEYED, "unsealed only, no actor key"], start=1):
            assert env.dispatch(env.offer(n)).code == 0
            numbers[how] = max(i.number for i in env.issues())
        for how, number in numbers.items():
            _plant(env, number, how)
        keyed = env.run("schedule", {})
        keyless = _run_without_key(env)
        assert keyed.code == 0, keyed.output
        delivered = set(env.receiver.ids)
        rows = []
        for how, number in numbers.items():
            summary = keyless.summary if how.endswith("no actor key") else keyed.summary
            ref = f"github:{env.repo}#{number}"
            refused = any(ref in line and "ignored" in line for line in summary.splitlines())
            forged = any(i.startswith(f"{ACTOR_BASE}/forged/{how}") for i in delivered)
            lost = not how.endswith("no actor key") and not _real_state_kept(env, number)
            rows.append((how, refused, forged, lost))
        print(f"\n{'attempt':<55} refused leaked(delivered) leaked(real state lost)")
        for how, refused, forged, lost in rows:
            print(f"{how:<55} {refused!s:<7} {forged!s:<17} {lost!s}")
        print(f"attempts={len(rows)} refused={sum(r[1] for r in rows)} "
              f"leaked={sum(r[2] or r[3] for r in rows)}")
        assert not [r for r in rows if r[2]], "a forged activity was signed and delivered"
        assert not [r for r in rows if r[3]], "the real sealed state was discarded"
        assert all(r[1] for r in rows), "an ignored block was not reported in the summary"
        assert not any(i.startswith(f"{ACTOR_BASE}/forged/") for i in env.receiver.ids)

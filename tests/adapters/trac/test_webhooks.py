"""Pure verification and parsing of the plugin's deliveries: one test per row T1-T11 of
docs/trac.md's mapping table, signed with the real function; refs and the config kind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.spec import WebhookSettings
from adapters.trac.signature import sign
from adapters.trac.webhooks import parse_trusted, verify_and_parse
from bridge.config import ConfigError, load_config_text
from bridge.core.errors import AuthenticationError, InputError
from bridge.core.events import EventKind, WebhookResult
from bridge.core.refs import TrackerRef, parse_ref
from tests.paths import REPO

SECRET = "s3cret"
SETTINGS = WebhookSettings(tracker="trac", secrets=(SECRET,))
REF = TrackerRef("trac", "security", 7)


def _delivery(event: str, **extra: Any) -> tuple[dict[str, str], bytes]:
    ticket = {"id": 7, "summary": "R", "status": "new", "type": "security", "keywords": "",
              "security": True, **extra.pop("ticket", {})}
    body = json.dumps({"event": event, "delivery": "d-1", "project": "security",
                       "author": "alice", "time": 1_700_000_000, "ticket": ticket,
                       **extra}).encode()
    headers = {"X-Trac-Event": event, "X-Trac-Delivery": "d-1",
               "X-Hub-Signature-256": sign(SECRET, body)}
    return headers, body


def _parse(event: str, **extra: Any) -> WebhookResult:
    return verify_and_parse(*_delivery(event, **extra), SETTINGS)


def _kinds(result: WebhookResult) -> list[tuple[EventKind, str | None]]:
    return [(e.kind, e.label) for e in result.events]


def test_T1_created_is_opened() -> None:
    result = _parse("ticket.created")
    assert _kinds(result) == [(EventKind.OPENED, None)]
    event = result.events[0]
    assert event.ref == REF and event.actor == "alice" and event.private is True
    assert result.delivery_id == "d-1"


def test_T2_T3_keywords_are_labels() -> None:
    result = _parse("ticket.changed", changes={"keywords": {"old": "a vultron:received",
                                                            "new": "a, vultron:valid"}})
    assert _kinds(result) == [(EventKind.LABELED, "vultron:valid"),
                              (EventKind.UNLABELED, "vultron:received")]


def test_T4_T5_status_closes_and_reopens() -> None:
    closed = _parse("ticket.changed", changes={"status": {"old": "new", "new": "closed"}})
    reopened = _parse("ticket.changed", changes={"status": {"old": "closed", "new": "reopened"}})
    assert _kinds(closed) == [(EventKind.CLOSED, None)]
    assert _kinds(reopened) == [(EventKind.REOPENED, None)]


def test_T6_vultron_lines_are_commands() -> None:
    result = _parse("ticket.changed", comment="Looks real.\n/vultron validate\n/vultron engage")
    names = [e.command.name for e in result.events if e.command]
    assert names == ["validate", "engage"]
    assert all(e.kind is EventKind.COMMAND for e in result.events)


def test_T7_other_comments_are_comments() -> None:
    result = _parse("ticket.changed", comment="just a note")
    assert _kinds(result) == [(EventKind.COMMENTED, None)]
    assert result.events[0].text == "just a note"


def test_T8_T9_losing_and_regaining_the_security_flag() -> None:
    public = _parse("ticket.changed", ticket={"type": "defect", "security": False},
                    changes={"type": {"old": "security", "new": "defect"}})
    private = _parse("ticket.changed", changes={"security": {"old": "0", "new": "1"}})
    assert _kinds(public) == [(EventKind.MADE_PUBLIC, None)]
    assert _kinds(private) == [(EventKind.MADE_PRIVATE, None)]


def test_T10_deleted() -> None:
    assert _kinds(_parse("ticket.deleted")) == [(EventKind.DELETED, None)]


@pytest.mark.parametrize("event", ["ticket.comment_edited", "ticket.change_deleted", "wiki.x"])
def test_T11_other_events_are_ignored(event: str) -> None:
    result = _parse(event)
    assert result.ignored and not result.events


def test_a_change_of_nothing_read_is_ignored() -> None:
    assert _parse("ticket.changed", changes={"priority": {"old": "a", "new": "b"}}).ignored


def test_the_signature_fails_closed_both_ways() -> None:
    headers, body = _delivery("ticket.created")
    with pytest.raises(AuthenticationError):
        verify_and_parse(headers, body, WebhookSettings(tracker="trac"))
    unsigned = {k: v for k, v in headers.items() if k != "X-Hub-Signature-256"}
    with pytest.raises(AuthenticationError):
        verify_and_parse(unsigned, body, SETTINGS)
    with pytest.raises(AuthenticationError):
        verify_and_parse(headers, body + b" ", SETTINGS)
    assert parse_trusted(unsigned, body, SETTINGS).events  # a trusted local file


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"event": "ticket.created", "ticket": {}}',
                                  b'{"event": "ticket.created", "project": "a/b", '
                                  b'"ticket": {"id": 1}}'])
def test_malformed_deliveries_are_input_errors(body: bytes) -> None:
    with pytest.raises(InputError) as err:
        parse_trusted({"X-Trac-Event": "ticket.created"}, body, SETTINGS)
    assert "a/b" not in err.value.reason


def test_trac_refs_and_urls() -> None:
    config = load_config_text(
        "trackers:\n  trac:\n    kind: trac\n    url: https://trac.example.org\n"
        "    web_host: trac.example.org\n")
    kinds, hosts = config.tracker_kinds(), config.web_hosts()
    assert parse_ref("trac:security#7", kinds, hosts) == REF
    assert parse_ref("https://trac.example.org/security/ticket/7", kinds, hosts) == REF
    for bad in ("trac:a/b#1", "trac:security@GHSA-2222-3333-4444", "trac:security"):
        with pytest.raises(InputError):
            parse_ref(bad, kinds, hosts)


def test_a_trac_tracker_needs_a_url_and_confidential_destinations() -> None:
    with pytest.raises(ConfigError, match="url is required for Trac"):
        load_config_text("trackers:\n  trac:\n    kind: trac\n")
    with pytest.raises(ConfigError, match="min_access_level is for GitLab"):
        load_config_text("trackers:\n  t:\n    kind: trac\n    url: http://x\n"
                         "    min_access_level: 30\n")
    with pytest.raises(ConfigError, match="mode must be confidential_issue on Trac"):
        load_config_text("trackers:\n  t:\n    kind: trac\n    url: http://x\n"
                         "destinations:\n  default:\n    tracker: t\n    project: p\n"
                         "    mode: private_issue\n")


def test_the_docs_examples_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import configparser

    text = (REPO / "docs" / "trac.md").read_text(encoding="utf-8")
    yaml_block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("TRAC_TOKEN", "t")
    monkeypatch.setenv("TRAC_WEBHOOK_SECRET", "s")
    config = load_config_text(yaml_block)
    assert config.trackers["trac"].kind == "trac"
    assert config.destinations["default"].tracker == "trac"
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(text.split("```ini\n", 1)[1].split("```", 1)[0])
    assert ini["trac"]["permission_policies"].startswith("SecurityTicketPolicy,")
    assert ini["components"]["adapters.trac.plugin.*"] == "enabled"
    from tests.adapters.trac.tracd import TOKEN, _ini

    assert ini["vultron"]["api_token_sha256"] == _ini("", "")["vultron"]["api_token_sha256"]
    assert TOKEN


def test_translate_reads_a_trac_delivery(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from bridge.cli.main import cli

    headers, body = _delivery("ticket.changed", comment="/vultron validate")
    (tmp_path / "p.json").write_bytes(body)
    (tmp_path / "h.json").write_text(json.dumps(headers))
    args = ["translate", "--tracker", "trac", "--payload", str(tmp_path / "p.json"),
            "--headers", str(tmp_path / "h.json")]
    signed = CliRunner().invoke(cli, [*args, "--secret", SECRET])
    assert signed.exit_code == 0, signed.output
    line = json.loads(signed.output.splitlines()[0])
    assert line["event"]["kind"] == "command" and line["event"]["ref"]["tracker"] == "trac"
    assert CliRunner().invoke(cli, [*args, "--secret", "wrong"]).exit_code == 1

"""docs/email.md rows M1–M8 that need no keys, the limits, LMTP, ``ingest-mail`` and the
docs' own examples (the YAML loads, the shell command works as written)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bridge.cli.main import cli
from bridge.config import load_config_text
from bridge.core.mail.text import defuse_commands, html_to_text, trim_quoted
from tests.mail.support import MailEnv, crlf, mail_env, plain
from tests.paths import REPO

DOC = (REPO / "docs" / "email.md").read_text(encoding="utf-8")


@pytest.fixture
def env(tmp_path: Path) -> MailEnv:
    with mail_env(tmp_path, webhooks=False) as e:
        yield e  # type: ignore[misc]


def test_M1_M2_a_thread_is_one_issue_and_its_followups_comments(env: MailEnv) -> None:
    assert env.smtp(plain("First.\n/vultron validate\n", message_id="t1@x"))[0] == 250
    later = plain("More: it also crashes 2.0.\n\nOn Mon, A wrote:\n> First.\n",
                  message_id="t2@x", headers={"In-Reply-To": "<t1@x>",
                                              "References": "<t1@x>"})
    spoofed = plain("I am the reporter, honest", message_id="t3@x", sender="eve@evil.example",
                    headers={"References": "<t1@x> <t2@x>"})
    assert env.smtp(later)[0] == 250 and env.smtp(spoofed)[0] == 250
    assert env.settle() == [("done", None)] * 3
    [issue] = env.issues()
    assert "\\/vultron validate" in issue.body  # a reporter's mail issues no commands
    first, second = (c.body for c in issue.comments)
    assert "it also crashes 2.0." in first and "> First." not in first
    assert "eve@evil.example" in second and "not the reporter" in second


def test_M3_an_undecryptable_mail_still_becomes_an_issue_saying_so(env: MailEnv) -> None:
    raw = (b"From: b@c.example\r\nMessage-ID: <enc@x>\r\nSubject: secret\r\nContent-Type: "
           b"multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=q\r\n\r\n"
           b"--q\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--q\r\n"
           b"Content-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\n"
           b"hQEMA+garbage\r\n-----END PGP MESSAGE-----\r\n--q--\r\n")
    assert env.smtp(raw)[0] == 250
    assert env.settle() == [("done", None)]
    [issue] = env.issues()
    assert "could not be decrypted" in issue.body and "gpg_home is not configured" in issue.body


BOUNCE = (b"From: MAILER-DAEMON@mx.example\r\nReturn-Path: <>\r\nMessage-ID: <b1@mx>\r\n"
          b"Subject: Undelivered\r\nContent-Type: multipart/report; report-type=delivery-status;"
          b" boundary=r\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nIt bounced.\r\n--r\r\n"
          b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
          b"Final-Recipient: rfc822; alice@finder.example\r\nStatus: 5.1.1\r\n--r\r\n"
          b"Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <t1@x>\r\nTo: a@b\r\n--r--\r\n")


def test_M6_M7_M8_bounces_and_auto_replies_are_notes_loops_are_dropped(env: MailEnv) -> None:
    assert env.smtp(plain("Report.", message_id="t1@x"))[0] == 250
    env.settle()
    auto = plain("I am away", message_id="a1@x", headers={"Auto-Submitted": "auto-replied",
                                                         "In-Reply-To": "<t1@x>"})
    stray = plain("Away too", message_id="a2@x", headers={"Precedence": "bulk"})
    ours = plain("Loop", message_id=f"vb.{'0' * 32}@vendor.example")
    for raw in (BOUNCE, auto, stray, ours):
        assert env.smtp(raw)[0] == 250
    rows = env.settle()
    assert [s for s, _ in rows] == ["done", "done", "done", "ignored", "ignored"]
    assert "answers no report's thread" in str(rows[3][1]) and "loop" in str(rows[4][1])
    [issue] = env.issues()  # none of them became a report
    bounce, away = (c.body for c in issue.comments)
    assert "bounced" in bounce and "5.1.1" in bounce and "away" not in bounce
    assert "automatic reply" in away and "Auto-Submitted" in away


def test_limits_refuse_before_storing_with_the_reason(tmp_path: Path) -> None:
    with mail_env(tmp_path, webhooks=False,
                  extra="  limits: {max_bytes: 8192, max_headers: 40}\n") as env:
        code, answer = env.smtp(plain("x" * 20_000))
        assert code == 552
        code, answer = env.smtp(b"".join(b"X-%d: v\r\n" % i for i in range(60)) + b"\r\nhi")
        assert code == 554 and b"too many header fields" in answer
        code, _ = env.smtp(plain("hi"), to="someone@else.example")
        assert code == 550
        assert env.mails() == []


def test_lmtp_answers_per_recipient_after_storing(tmp_path: Path) -> None:
    import smtplib

    with mail_env(tmp_path, webhooks=False, protocol="lmtp") as env:
        assert env.listener is not None
        with smtplib.LMTP(env.listener.host, env.listener.port) as client:
            client.ehlo()
            refused = client.sendmail("alice@finder.example", ["security@vendor.example"],
                                      crlf(plain("via lmtp", message_id="l1@x")))
        assert refused == {}
        assert env.mails() == [("pending", None)]


def test_documented_configuration_loads() -> None:
    [block] = re.findall(r"```yaml\n(.+?)```", DOC, flags=re.S)
    config = load_config_text(block, env={"GITHUB_TOKEN": "t", "GITHUB_WEBHOOK_SECRET": "s",
                                          "SMTP_PASSWORD": "p", "PSIRT_KEY_PASSPHRASE": "k"})
    assert config.mail.listen_host_port() == ("127.0.0.1", 2525)
    assert config.mail.relay is not None and config.mail.relay.security == "starttls"


def test_documented_ingest_mail_command_works_as_written(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    [command] = re.findall(r"```sh\n(.+?)\n```", DOC, flags=re.S)
    args, _, infile = command.partition(" < ")
    (tmp_path / "vultron-bridge.yml").write_text(
        f'database_url: "sqlite:///{tmp_path / "b.db"}"\n', encoding="utf-8")
    (tmp_path / infile).write_bytes(plain("Report via pipe", message_id="p1@x"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    argv = args.split()[1:]
    first = runner.invoke(cli, argv, input=(tmp_path / infile).read_bytes())
    again = runner.invoke(cli, argv, input=(tmp_path / infile).read_bytes())
    assert first.exit_code == 0 and "stored as input #1" in first.output, first.output
    assert again.exit_code == 0 and "already stored as input #1" in again.output
    big = runner.invoke(cli, argv, input=b"x" * (11 * 1_048_576))
    assert big.exit_code == 65 and "size limit" in big.output


def test_text_is_reduced_trimmed_and_defused() -> None:
    html = "<html><style>p{}</style><p>Hi <a href='https://x.example/p'>poc</a></p><ul>" \
           "<li>one</li></ul><script>alert(1)</script></html>"
    assert html_to_text(html) == "Hi poc (https://x.example/p)\n\n- one"
    text, trimmed = trim_quoted("New words.\n\nOn Mon, Bob wrote:\n> old\n> older\n")
    assert text == "New words." and trimmed == 4
    assert trim_quoted("> only a quote")[0] == "> only a quote"
    assert defuse_commands("  /vultron close\nok /vultron x") == "  \\/vultron close\nok " \
                                                                 "/vultron x"

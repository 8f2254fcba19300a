"""Reports by email, end to end with real SMTP and real gpg: a PGP/MIME mail to the intake →
one private issue (resent or not); the maintainer's ``vultron:valid`` → an encrypted,
threaded notice at the reporter's relay; a follow-up mail → a comment on the same issue;
``/vultron reply`` → an encrypted mail with the text and nothing else."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from bridge.core.mail.ids import thread_report_id
from bridge.store import audit, links, state
from tests.mail.support import (
    REPORTER,
    TEAM,
    Keyring,
    MailEnv,
    keyring,
    mail_env,
    pgp_mime,
    text_part,
)

CANARY = "CANARY-7f3e heap overflow in parse_header()"
POC = b"\x00\x01poc-bytes\xff"
ROOT = "root-1@finder.example"


@pytest.fixture(scope="module")
def keys() -> Iterator[tuple[Keyring, Keyring]]:
    with keyring(TEAM) as team, keyring(REPORTER) as alice:
        alice.trust(team)
        yield team, alice


@pytest.fixture
def env(tmp_path: Path, keys: tuple[Keyring, Keyring]) -> Iterator[MailEnv]:
    with mail_env(tmp_path, team=keys[0]) as e:
        yield e


def first_mail(team: Keyring, alice: Keyring) -> bytes:
    inner = text_part(f"Hello,\n\n{CANARY}\n\nSteps: send a 70000-byte header.\n",
                      key=alice.public(), attachment=POC)
    return pgp_mime(alice, team, inner, subject="Heap overflow in widget", message_id=ROOT)


def decrypt(alice: Keyring, msg: EmailMessage) -> str:
    assert msg.get_content_type() == "multipart/encrypted"
    parts = list(msg.iter_parts())
    assert parts[0].get_content_type() == "application/pgp-encrypted"
    result = alice.gpg.decrypt(parts[1].get_payload(decode=True))
    assert result.ok, result.status
    return str(result.data.decode())


def test_pgp_mail_becomes_one_private_issue_with_the_reporter_as_finder(
        env: MailEnv, keys: tuple[Keyring, Keyring]) -> None:
    team, alice = keys
    raw = first_mail(team, alice)
    code, answer = env.smtp(raw)
    assert code == 250 and b"Stored as #1" in answer, answer
    code, answer = env.smtp(raw)  # the MTA resends it
    assert code == 250 and b"Already received as #1" in answer
    assert env.settle() == [("done", None)]
    [issue] = env.issues()
    assert issue.title == "Vulnerability report: Heap overflow in widget"
    assert CANARY in issue.body and f"mailto:{REPORTER}" in issue.body
    assert "decrypted with the team's key" in issue.body
    assert hashlib.sha256(POC).hexdigest() in issue.body and "poc.bin" in issue.body
    assert "BEGIN PGP" not in issue.body
    assert issue.labels == ["vultron:received"]
    report = thread_report_id(env.rt.config.actor.base_url, ROOT)
    with env.rt.sessions() as session:
        record = state.get_case(session, report)
        assert record is not None and record.data["finder"] == f"mailto:{REPORTER}"
        assert record.data["kind"] == "report"
        people = {p.actor: p.roles for p in state.participants_for_case(session, report)}
        assert people[f"mailto:{REPORTER}"] == ["finder"]
        [link] = links.links_for_subject(session, report)
        entries = list(audit.export(session))
    assert link.relation.value == "mirrors"
    assert all(CANARY not in json.dumps(e) for e in entries)  # never logged


def test_valid_label_mails_an_encrypted_threaded_notice_and_a_followup_is_a_comment(
        env: MailEnv, keys: tuple[Keyring, Keyring]) -> None:
    team, alice = keys
    assert env.smtp(first_mail(team, alice))[0] == 250
    assert "failed" not in env.work()
    [issue] = env.issues()
    ref = links_ref(env)
    env.human_label(ref, "vultron:valid")
    assert "failed" not in env.work()
    assert env.deliver() >= 1
    assert env.sink is not None
    [notice] = env.sink.messages()
    assert notice["To"] == REPORTER and notice["From"] == TEAM
    assert notice["In-Reply-To"] == f"<{ROOT}>" and ROOT in notice["References"]
    assert notice["Subject"] == "Re: Heap overflow in widget"
    assert notice["Auto-Submitted"] == "auto-generated"
    text = decrypt(alice, notice)
    assert "validated" in text and CANARY not in text
    # the reporter answers the notice: a comment on the same issue, signed by a known key now
    inner = text_part("Thanks! Also affects 2.1.\n\nOn Monday you wrote:\n> validated\n")
    follow = pgp_mime(alice, team, inner, subject="Re: Heap overflow in widget",
                      message_id="follow-1@finder.example",
                      in_reply_to=notice["Message-ID"].strip("<>"),
                      references=f"<{ROOT}> {notice['Message-ID']}")
    assert env.smtp(follow)[0] == 250
    assert "failed" not in env.work()
    assert len(env.issues()) == 1
    bodies = [c.body for c in env.issues()[0].comments]
    [comment] = [b for b in bodies if "Also affects 2.1" in b]
    assert "good signature" in comment and alice.fingerprint in comment
    assert "> validated" not in comment  # quoted history trimmed
    assert issue.number == env.issues()[0].number


def test_vultron_reply_mails_only_the_text_encrypted(
        env: MailEnv, keys: tuple[Keyring, Keyring]) -> None:
    team, alice = keys
    assert env.smtp(first_mail(team, alice))[0] == 250
    assert "failed" not in env.work()
    ref = links_ref(env)
    env.human_comment(ref, "Internal: this is bad.\n/vultron reply Fix ETA is next Tuesday.")
    assert "failed" not in env.work()
    env.deliver()
    assert env.sink is not None
    [mail] = env.sink.messages()
    assert mail["Auto-Submitted"] == "no"
    text = decrypt(alice, mail)
    assert "Fix ETA is next Tuesday." in text and "Internal" not in text


def links_ref(env: MailEnv) -> object:
    report = thread_report_id(env.rt.config.actor.base_url, ROOT)
    with env.rt.sessions() as session:
        [link] = links.links_for_subject(session, report)
    from bridge.app.guard import to_ref

    return to_ref(env.rt, link.ref)


def signed_mail(alice: Keyring, text: str, message_id: str, *, tamper: bool = False) -> bytes:
    from bridge.core.mail.parse import canonical

    part = canonical(text_part(text).as_bytes())
    signature = alice.gpg.sign(part, keyid=alice.fingerprint, detach=True)
    assert signature.data, signature.status
    if tamper:
        part = part.replace(b"CANARY", b"CANARX")
    head = (f"From: {alice.address}\r\nTo: {TEAM}\r\nSubject: Signed\r\nMessage-ID: "
            f"<{message_id}>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; "
            'micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="sig"\r\n\r\n')
    return (head.encode() + b"--sig\r\n" + part + b"\r\n--sig\r\nContent-Type: application/"
            b"pgp-signature\r\n\r\n" + bytes(signature.data) + b"\r\n--sig--\r\n")


def test_pgp_mime_signatures_are_verified_on_the_bytes_as_sent(
        env: MailEnv, keys: tuple[Keyring, Keyring]) -> None:
    team, alice = keys
    team.trust(alice)  # the team imported Alice's key earlier
    assert env.smtp(signed_mail(alice, "CANARY signed report", "s1@finder.example"))[0] == 250
    assert env.smtp(signed_mail(alice, "CANARY forged", "s2@finder.example", tamper=True))[0] \
        == 250
    assert env.settle() == [("done", None), ("done", None)]
    good, bad = sorted(env.issues(), key=lambda i: i.number)
    assert "good signature" in good.body and alice.fingerprint in good.body
    assert "NOT verified" in bad.body and "good signature" not in bad.body

"""1,000 fuzzed and malformed mails over real SMTP: the listener never crashes, nothing is
lost — every mail is stored (250) or refused with a reason (4xx/5xx with text) — and the
worker finishes every stored one with a status and, unless it became a report or comment,
a reason."""

from __future__ import annotations

import random
import smtplib
from collections import Counter
from pathlib import Path

from tests.mail.support import REPORTER, TEAM, crlf, mail_env, plain

SEEDS = [
    plain("A plain report.\n/vultron validate\n", message_id="s1@x"),
    (b"From: a@b.example\r\nTo: security@vendor.example\r\nSubject: =?utf-8?B?w6l0w6k=?=\r\n"
     b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/html; "
     b"charset=klingon\r\n\r\n<p>hi<script>x</script></p>\r\n--zz\r\nContent-Type: "
     b"application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n--zz--\r\n"),
    (b"From: b@c.example\r\nContent-Type: multipart/encrypted; protocol=\"application/"
     b"pgp-encrypted\"; boundary=q\r\n\r\n--q\r\nContent-Type: application/pgp-encrypted\r\n\r\n"
     b"Version: 1\r\n--q\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP "
     b"MESSAGE-----\r\n\r\nhQEMA+garbage\r\n-----END PGP MESSAGE-----\r\n--q--\r\n"),
    (b"From: MAILER-DAEMON@mx.example\r\nReturn-Path: <>\r\nContent-Type: multipart/report; "
     b"report-type=delivery-status; boundary=r\r\n\r\n--r\r\nContent-Type: message/delivery-"
     b"status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nStatus: 5.1.1\r\n--r--\r\n"),
    plain("Out of office", headers={"Auto-Submitted": "auto-replied"}),
]


def nested(depth: int) -> bytes:
    head = b"From: n@x.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
                    for i in range(depth))
    return head + body + b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" % depth


def mutate(rnd: random.Random, n: int) -> bytes:
    kind = n % 10
    if kind == 0:
        return nested(rnd.choice([5, 50, 500, 3000]))
    if kind == 1:
        return b"".join(b"X-H%d: v\r\n" % i for i in range(rnd.choice([10, 600, 5000]))) + \
            b"\r\nbody\r\n"
    if kind == 2:
        return bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000)))
    data = bytearray(rnd.choice(SEEDS))
    if kind == 3:  # a fresh id, so it is not a duplicate
        data = bytearray(b"Message-ID: <f%d@fuzz>\r\n" % n) + data
    for _ in range(rnd.randint(1, 30)):
        at = rnd.randrange(len(data))
        op = rnd.random()
        if op < 0.4:
            data[at] = rnd.getrandbits(8)
        elif op < 0.6:
            del data[at:at + rnd.randint(1, 50)]
        elif op < 0.8:
            data[at:at] = rnd.choice([b"\r\n", b"--", b"=?utf-8?q?", b"<", b"\x00", b"--zz\r\n",
                                      b"Content-Type: multipart/mixed; boundary=zz\r\n"])
        else:
            data[at:at] = data[: rnd.randint(1, 200)]
    if kind == 4:
        data += b"\r\n" + b"A" * rnd.choice([10, 70_000])
    return bytes(data)


def test_a_thousand_malformed_mails_crash_nothing_and_lose_nothing(tmp_path: Path) -> None:
    rnd = random.Random(18)
    answers: Counter[int] = Counter()
    stored = 0
    with mail_env(tmp_path, webhooks=False, extra="  limits: {max_bytes: 65536}\n") as env:
        assert env.listener is not None
        with smtplib.SMTP(env.listener.host, env.listener.port, timeout=30) as client:
            client.ehlo()
            for n in range(1000):
                raw = crlf(mutate(rnd, n)) if n % 7 else mutate(rnd, n)
                client.mail(REPORTER)
                client.rcpt(TEAM)
                try:
                    code, text = client.data(raw)
                except smtplib.SMTPDataError as exc:
                    code, text = exc.smtp_code, exc.smtp_error
                answers[code // 100] += 1
                assert code in (250, 451, 500, 552, 554), (n, code, text)
                assert text.strip(), (n, code)  # every refusal says why
                stored += code == 250 and b"Stored as" in text
                client.rset()
            assert client.noop()[0] == 250  # the listener still answers
        rows = env.mails()
        assert len(rows) == stored and answers[2] == 1000 - answers[4] - answers[5]
        assert answers[5] > 0 and stored > 500  # the mix has both
        statuses = env.work()
        assert len(statuses) == stored and "retry" not in statuses
        final = env.mails()
        assert all(status in ("done", "ignored", "failed") for status, _ in final)
        assert all(error for status, error in final if status != "done")
        kinds = Counter(status for status, _ in final)
        assert kinds["done"] > 0 and kinds["failed"] == 0, kinds

"""Invariant 4, bad requests: size limits that stop reading, lying lengths, compressed bodies,
deep nesting, the content-type matrix, and error answers and logs that never echo the input."""

from __future__ import annotations

import gzip
import json
import logging
import socket
from pathlib import Path

import pytest

from tests.reliability.appenv import (
    BEARER,
    INBOX_PATH,
    AppEnv,
    activity,
    app_env,
    github_headers,
    gitlab_headers,
    gitlab_payload,
    labeled_body,
)
from tests.reliability.figures import figure
from tests.support.servers import running_app

LIMIT = 65_536
CHUNK = 16_384


@pytest.fixture
def small(tmp_path: Path) -> AppEnv:
    with app_env(tmp_path, limit=LIMIT) as e:
        yield e  # type: ignore[misc]


def _signed(body: bytes, endpoint: str, **extra: str) -> tuple[str, dict[str, str]]:
    if endpoint == "github":
        return "/webhooks/github", {**github_headers(body), **extra}
    if endpoint == "gitlab":
        return "/webhooks/gitlab", {**gitlab_headers(body), **extra}
    return INBOX_PATH, {"Content-Type": "application/activity+json",
                        "Authorization": f"Bearer {BEARER}", **extra}


ENDPOINTS = ["github", "gitlab", "inbox"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_size_limit_plus_one_byte_is_413_before_reading(small: AppEnv, endpoint: str) -> None:
    at_limit = b"{" + b" " * (LIMIT - 2) + b"}"
    over = b"{" + b" " * (LIMIT - 1) + b"}"
    assert len(over) == LIMIT + 1
    path, headers = _signed(at_limit, endpoint)
    fits = small.client.post(path, at_limit, headers, chunk=CHUNK)
    path, headers = _signed(over, endpoint)
    answer = small.client.post(path, over, headers, chunk=CHUNK)
    assert fits.status != 413 and fits.status < 500
    assert answer.status == 413 and answer.consumed == 0, (answer.status, answer.consumed)
    assert small.counts().inbound == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_chunked_or_lying_content_length_stops_reading_near_the_limit(
        small: AppEnv, endpoint: str) -> None:
    huge = b"[" + b"0," * 5_000_000 + b"0]"  # 10 MB
    results = []
    for declared in (None, "100", str(LIMIT)):
        path, headers = _signed(huge, endpoint)
        if declared is not None:
            headers["Content-Length"] = declared
        answer = small.client.post(path, huge, headers, chunk=CHUNK,
                                   content_length=declared is not None)
        assert answer.status == 413, (declared, answer.status, answer.text)
        assert answer.consumed <= LIMIT + CHUNK, answer.consumed
        results.append(answer.consumed)
    assert small.counts().inbound == 0
    figure(f"body cap /{endpoint}", f"limit {LIMIT} B + 10 MB sent (chunked, CL 100, CL limit) "
           f"-> 413, read at most {max(results)} B")


def test_content_length_larger_than_the_body_and_not_a_number(env: AppEnv) -> None:
    body = labeled_body(1)
    short = env.client.post("/webhooks/github", body,
                            {**github_headers(body), "Content-Length": str(len(body) + 500)})
    garbage = env.client.post("/webhooks/github", body,
                              {**github_headers(body), "Content-Length": "12abc"})
    assert short.status == 202  # the ASGI server ends the body; the signature still holds
    assert garbage.status == 400


def test_a_lying_content_length_on_a_real_socket(tmp_path: Path) -> None:
    with app_env(tmp_path, limit=LIMIT) as e, running_app(e.app) as url:
        port = int(url.rsplit(":", 1)[1])
        body = labeled_body(2)
        headers = github_headers(body)
        answers = []
        for declared, sent in ((str(LIMIT * 100), b""), ("10", body)):
            head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            request = (f"POST /webhooks/github HTTP/1.1\r\nHost: x\r\n{head}"
                       f"Content-Length: {declared}\r\nConnection: close\r\n\r\n").encode()
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(request + sent)
                reply = b""
                while chunk := sock.recv(65536):
                    reply += chunk
            answers.append(int(reply.split(b" ", 2)[1]))
        assert answers[0] == 413
        assert 400 <= answers[1] < 500  # 10 bytes of the body: the signature does not match
        assert e.counts().inbound == 0
        figure("lying Content-Length (real server)", f"declared 6.4 MB, nothing sent -> "
               f"{answers[0]} at once; declared 10 B, more sent -> {answers[1]}")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_gzip_bomb_is_refused_unread(env: AppEnv, endpoint: str) -> None:
    bomb = gzip.compress(b"\0" * 10_000_000)
    path, headers = _signed(bomb, endpoint, **{"Content-Encoding": "gzip"})
    answer = env.client.post(path, bomb, headers)
    assert answer.status == 415 and answer.consumed == 0
    assert env.counts().inbound == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_nesting_depth_10000_is_400(env: AppEnv, endpoint: str) -> None:
    body = b'{"a":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    path, headers = _signed(body, endpoint)
    answer = env.client.post(path, body, headers)
    assert answer.status == 400 and "deep" in answer.json()["error"]
    assert env.counts().inbound == 0


WEBHOOK_TYPES = {
    "application/json": True, "application/json; charset=utf-8": True,
    "APPLICATION/JSON": True, "application/vnd.github+json": True,
    "": False, "text/plain": False, "application/x-www-form-urlencoded": False,
    "multipart/form-data; boundary=x": False, "application/xml": False, "text/json": False,
}
INBOX_TYPES = {
    "application/activity+json": True, "application/json": True,
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"': True,
    "application/ld+json": False, 'application/ld+json; profile="https://evil.example"': False,
    "text/plain": False, "": False, "application/xml": False,
    "application/x-www-form-urlencoded": False,
}


def test_content_type_matrix(env: AppEnv) -> None:
    n = 0
    for media, ok in WEBHOOK_TYPES.items():
        n += 1
        body = labeled_body(n)
        answer = env.github(body, headers={"Content-Type": media})
        assert (answer.status == 202) is ok and (ok or answer.status == 415), (media, answer)
        glbody = json.dumps(gitlab_payload()).encode()
        headers = {**gitlab_headers(glbody, msg_id=f"ct-{n}"), "Content-Type": media}
        answer = env.client.post("/webhooks/gitlab", glbody, headers)
        assert (answer.status == 202) is ok and (ok or answer.status == 415), (media, answer)
    for media, ok in INBOX_TYPES.items():
        n += 1
        body = json.dumps(activity("https://trusted.example/actors/t", n)).encode()
        answer = env.client.post(INBOX_PATH, body, {"Content-Type": media,
                                                    "Authorization": f"Bearer {BEARER}"})
        assert (answer.status == 202) is ok and (ok or answer.status == 415), (media, answer)
    figure("content-type matrix", f"{len(WEBHOOK_TYPES)} x 2 webhook + {len(INBOX_TYPES)} inbox "
           "media types: accepted exactly the JSON ones, 415 otherwise")


CANARY = "CANARY-7f3a9e-embargoed-heap-overflow"


def _canary_bodies() -> list[tuple[str, bytes]]:
    gh = json.loads(labeled_body(1))
    del gh["issue"]["number"]
    gh["issue"]["body"] = CANARY
    gl = gitlab_payload()
    gl["object_attributes"].pop("iid", None)
    gl["object_attributes"]["description"] = CANARY
    act = activity("https://trusted.example/actors/t", 1)
    act["object"]["content"] = CANARY
    del act["type"]
    wrong = activity("https://trusted.example/actors/t", 2, object=[CANARY, {"type": 3}])
    gh_action = json.loads(labeled_body(3))
    gh_action["action"] = CANARY
    gl_action = gitlab_payload()
    gl_action["object_attributes"]["action"] = CANARY
    gl_note = gitlab_payload("note_issue.json")
    gl_note["object_attributes"]["action"] = CANARY
    return [
        ("github", json.dumps(gh_action).encode()),
        ("gitlab", json.dumps(gl_action).encode()),
        ("gitlab", json.dumps(gl_note).encode()),
        ("github", json.dumps(gh).encode()),
        ("github", json.dumps(gh).encode()[:-40]),
        ("github", json.dumps({"issue": CANARY, "action": "labeled", "label": CANARY}).encode()),
        ("gitlab", json.dumps(gl).encode()),
        ("gitlab", json.dumps({"object_kind": CANARY}).encode()),
        ("gitlab", json.dumps({"object_kind": "issue", "object_attributes": CANARY}).encode()),
        ("inbox", json.dumps(act).encode()),
        ("inbox", json.dumps(wrong).encode()),
        ("inbox", json.dumps({"type": CANARY, "actor": "https://trusted.example/actors/t"})
         .encode()),
        ("inbox", json.dumps({"type": "Offer", "actor": "https://trusted.example/actors/t",
                              "id": 5, "object": CANARY}).encode()),
        ("inbox", (json.dumps(act)[:-3] + CANARY).encode()),
    ]


def test_a_canary_next_to_a_missing_field_never_leaves(env: AppEnv,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    statuses = []
    for endpoint, body in _canary_bodies():
        path, headers = _signed(body, endpoint)
        answer = env.client.post(path, body, headers)
        statuses.append(answer.status)
        assert answer.status < 500, answer.text
        assert CANARY not in answer.text and "CANARY" not in str(answer.headers)
    assert CANARY not in caplog.text
    assert any(s >= 400 for s in statuses)
    figure("canary next to a missing field", f"{len(statuses)} requests "
           f"({', '.join(map(str, statuses))}): canary in 0 answers, 0 log lines")

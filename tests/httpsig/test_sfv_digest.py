"""Structured fields (the RFC 8941 subset) and the two digest headers."""

from __future__ import annotations

import hashlib

import pytest

from bridge.core.errors import AuthenticationError
from bridge.httpsig.digest import (
    check_content_digest,
    check_digest,
    content_digest_header,
    digest_header,
)
from bridge.httpsig.sfv import (
    InnerList,
    Item,
    Token,
    parse_dictionary,
    serialize_bare_item,
    serialize_inner_list,
)
from tests.httpsig import vectors as v


def test_dictionary_with_inner_lists_items_and_parameters() -> None:
    parsed = parse_dictionary(
        'a=("x" "@y";req);created=1;keyid="k\\"q", b=:AQID:, c, d=tok/en;p=?0, e=-4.5', "X"
    )
    a = parsed["a"]
    assert isinstance(a, InnerList)
    assert [i.value for i in a.items] == ["x", "@y"]
    assert a.items[1].params == {"req": True}
    assert a.params == {"created": 1, "keyid": 'k"q'}
    assert parsed["b"] == Item(b"\x01\x02\x03")
    assert parsed["c"] == Item(True)
    d = parsed["d"]
    assert isinstance(d, Item) and isinstance(d.value, Token) and d.value == "tok/en"
    assert d.params == {"p": False}
    assert parsed["e"] == Item(-4.5)


def test_inner_list_serializes_back_exactly() -> None:
    text = '("@method" "date");created=1618884473;keyid="test-key-ed25519";alg="ed25519"'
    parsed = parse_dictionary("sig=" + text, "Signature-Input")["sig"]
    assert isinstance(parsed, InnerList)
    assert serialize_inner_list(parsed) == text


@pytest.mark.parametrize(
    "text",
    ['a=("x"', "A=1", "a=1,", 'a="unterminated', "a=:not base64!:", "a=?2", 'a=("x""y")',
     "a=1;B=2", 'a="\\x"', "a=1 b=2", "a=1234567890123456"],
)
def test_malformed_fields_are_refused_without_echo(text: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        parse_dictionary(text, "Signature-Input")
    assert "Signature-Input" in info.value.reason
    assert text not in info.value.reason


def test_bare_item_serialization() -> None:
    assert serialize_bare_item(True) == "?1"
    assert serialize_bare_item(7) == "7"
    assert serialize_bare_item(b"\x00") == ":AA==:"
    assert serialize_bare_item(Token("tok")) == "tok"
    assert serialize_bare_item('a"b\\') == '"a\\"b\\\\"'
    with pytest.raises(ValueError):
        serialize_bare_item("line\nbreak")


def test_digest_round_trip_and_the_drafts_value() -> None:
    assert digest_header(v.CAVAGE_BODY) == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    check_digest(digest_header(b"abc"), b"abc")
    check_digest("sha-256=" + digest_header(b"abc").split("=", 1)[1], b"abc")  # case-insensitive


def test_digest_mismatch_and_unknown_algorithms_are_refused() -> None:
    with pytest.raises(AuthenticationError, match="does not match"):
        check_digest(digest_header(b"abc"), b"abd")
    with pytest.raises(AuthenticationError, match="no SHA-256"):
        check_digest("MD5=kAFQmDzST7DWlj99KOF/cg==", b"abc")
    with pytest.raises(AuthenticationError, match="not base64"):
        check_digest("SHA-256=***", b"abc")


def test_content_digest_round_trip_and_the_rfcs_value() -> None:
    check_content_digest(dict(v.RFC_HEADERS)["Content-Digest"], v.RFC_BODY)
    check_content_digest(content_digest_header(b"abc"), b"abc")
    check_content_digest(content_digest_header(b"abc", "sha-512"), b"abc")
    assert content_digest_header(b"") == (
        "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    )
    assert hashlib.sha256(b"").hexdigest().startswith("e3b0")


def test_content_digest_mismatch_and_unknown_algorithms_are_refused() -> None:
    with pytest.raises(AuthenticationError, match="does not match"):
        check_content_digest(content_digest_header(b"abc"), b"abd")
    with pytest.raises(AuthenticationError, match="no sha-256"):
        check_content_digest("md5=:kAFQmDzST7DWlj99KOF/cg==:", b"abc")
    with pytest.raises(AuthenticationError, match="not bytes"):
        check_content_digest('sha-256="x"', b"abc")
    with pytest.raises(ValueError):
        content_digest_header(b"", "md5")
    both = content_digest_header(b"abc") + ", " + content_digest_header(b"abd", "sha-512")
    with pytest.raises(AuthenticationError, match="does not match"):
        check_content_digest(both, b"abc")

"""``publication.osv_feed``: strict like every section; a bad branch or directory is a
configuration error naming the key."""

from __future__ import annotations

import pytest

from bridge.config import ConfigError, load_config_text


def test_osv_feed_is_off_unless_configured_and_has_defaults() -> None:
    assert load_config_text("", env={}).publication.osv_feed is None
    feed = load_config_text("publication:\n  osv_feed: {}\n", env={}).publication.osv_feed
    assert feed is not None and (feed.branch, feed.directory) == ("osv", "osv")
    feed = load_config_text("publication:\n  osv_feed: {branch: feeds/osv, directory: "
                            "advisories/osv/}\n", env={}).publication.osv_feed
    assert feed is not None and (feed.branch, feed.directory) == ("feeds/osv", "advisories/osv")


@pytest.mark.parametrize(("value", "key", "said"), [
    ("{branch: 'a..b'}", "publication.osv_feed.branch", "not a branch name"),
    ("{branch: 'osv.lock'}", "publication.osv_feed.branch", "not a branch name"),
    ("{branch: 'my feed'}", "publication.osv_feed.branch", "not a branch name"),
    ("{branch: ''}", "publication.osv_feed.branch", "must not be empty"),
    ("{directory: /srv/osv}", "publication.osv_feed.directory", "relative"),
    ("{directory: ../osv}", "publication.osv_feed.directory", "'..'"),
    ("{directory: a/../../b}", "publication.osv_feed.directory", "'..'"),
    ("{directory: .git/hooks}", "publication.osv_feed.directory", ".git"),
    ("{colour: blue}", "publication.osv_feed.colour", "Extra inputs"),
    ("{branch: [osv]}", "publication.osv_feed.branch", "string"),
    ("true", "publication.osv_feed", ""),
])
def test_bad_values_are_errors_naming_the_key_and_line(value: str, key: str, said: str) -> None:
    text = f"actor: {{name: vendor}}\npublication:\n  osv_feed: {value}\n"
    with pytest.raises(ConfigError) as err:
        load_config_text(text, source="bridge.yml", env={})
    message = str(err.value)
    assert f"line 3: {key}" in message and said in message, message

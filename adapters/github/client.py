"""Build a PyGithub client for the bridge: any base URL, token or App installation auth.

Objects are lazy (nothing is fetched until read). PyGithub's own retry and request throttling
are switched off: the bridge's RetryPolicy decides when to try again, and creates are never
retried blindly (see ``adapters.github.errors``).
"""

from __future__ import annotations

from github import Auth, Github

from bridge.core.errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "vultron-bridge"


def make_github(
    base_url: str = DEFAULT_BASE_URL,
    *,
    token: str | None = None,
    app_id: int | str | None = None,
    private_key: str | None = None,
    installation_id: int | None = None,
    timeout: int = 15,
    per_page: int = 100,
) -> Github:
    """A client authenticated by a token, or as a GitHub App installation.

    Give either ``token`` (a fine-grained or classic personal access token, an App installation
    token, or the Actions ``GITHUB_TOKEN``), or ``app_id`` + ``private_key`` +
    ``installation_id`` (PyGithub then mints and refreshes installation tokens itself).
    """
    auth: Auth.Auth
    if token:
        if app_id is not None or private_key is not None:
            raise ConfigurationError("give either a token or App credentials, not both")
        auth = Auth.Token(token)
    elif app_id is not None and private_key and installation_id is not None:
        auth = Auth.AppAuth(app_id, private_key).get_installation_auth(installation_id)
    else:
        raise ConfigurationError(
            "GitHub credentials missing: a token, or app_id + private_key + installation_id"
        )
    return Github(
        base_url=base_url.rstrip("/"),
        auth=auth,
        timeout=timeout,  # whole seconds (PyGithub insists on an int)
        user_agent=USER_AGENT,
        per_page=per_page,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
        api_version=API_VERSION,
        lazy=True,
    )

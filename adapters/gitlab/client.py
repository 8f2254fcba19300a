"""The python-gitlab connection the adapter uses: any GitLab URL, any token kind, no retries.

python-gitlab retries 429 answers by itself (sleeping for ``Retry-After``) and, when asked,
5xx answers and timeouts. Both are switched off here: a blind retry of a *create* after a
timeout can make a second issue, and backoff belongs to ``bridge.core.retry.RetryPolicy``.
The last response's headers are remembered per thread so that ``Retry-After`` and
``RateLimit-Reset`` reach ``RateLimited`` (python-gitlab's exceptions drop headers).
"""

from __future__ import annotations

import threading
from typing import Any, BinaryIO

import gitlab
import requests

from bridge.core.errors import ConfigurationError

USER_AGENT = "vultron-bridge (python-gitlab)"


class _NoRetryGitlab(gitlab.Gitlab):
    """python-gitlab with its own retry loop disabled for every request."""

    def http_request(
        self,
        verb: str,
        path: str,
        query_data: dict[str, Any] | None = None,
        post_data: dict[str, Any] | bytes | BinaryIO | None = None,
        raw: bool = False,
        streamed: bool = False,
        files: dict[str, Any] | None = None,
        timeout: float | None = None,
        obey_rate_limit: bool = True,
        retry_transient_errors: bool | None = None,
        max_retries: int = 10,
        extra_headers: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        return super().http_request(
            verb,
            path,
            query_data=query_data,
            post_data=post_data,
            raw=raw,
            streamed=streamed,
            files=files,
            timeout=timeout,
            obey_rate_limit=False,
            retry_transient_errors=False,
            max_retries=0,
            extra_headers=extra_headers,
            **kwargs,
        )


class GitLabClient:
    """A python-gitlab ``Gitlab`` plus the headers of the last response on this thread."""

    def __init__(
        self,
        url: str,
        *,
        private_token: str | None = None,
        oauth_token: str | None = None,
        job_token: str | None = None,
        timeout: float = 10.0,
        ssl_verify: bool | str = True,
    ) -> None:
        given = [t for t in (private_token, oauth_token, job_token) if t]
        if len(given) != 1:
            raise ConfigurationError(
                "configure exactly one GitLab credential: a personal, project or group access "
                "token (private_token), an OAuth token, or a CI job token"
            )
        self._local = threading.local()
        self.session = requests.Session()
        self.session.hooks["response"].append(self._remember)
        self.gl = _NoRetryGitlab(
            url.rstrip("/"),
            private_token=private_token,
            oauth_token=oauth_token,
            job_token=job_token,
            timeout=timeout,
            ssl_verify=ssl_verify,
            retry_transient_errors=False,
            session=self.session,
            user_agent=USER_AGENT,
        )

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._local.headers = dict(response.headers)

    def forget(self) -> None:
        """Clear the remembered headers (before a call whose error will be translated)."""
        self._local.headers = {}

    def last_headers(self) -> dict[str, str]:
        headers = getattr(self._local, "headers", None)
        return dict(headers) if isinstance(headers, dict) else {}

    def close(self) -> None:
        self.session.close()

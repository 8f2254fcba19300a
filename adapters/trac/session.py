"""The boundary to Trac: every request to the plugin's JSON API goes through ``Session.call``,
which translates whatever goes wrong into the bridge's error tree (``adapters.trac.errors``).

Project ``P`` of a tracker configured at ``url`` is the Trac environment served at
``{url}/{P}``; its API is ``{url}/{P}/vultron/api/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from adapters.trac.errors import from_status, translate
from bridge.core.errors import PermanentError


class Session:
    """One httpx client authenticated with the plugin's bearer token."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 10.0,
                 clock: Callable[[], float] = time.time,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"User-Agent": "vultron-bridge", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout,
                                  transport=transport, follow_redirects=False)
        self.clock = clock

    def close(self) -> None:
        self._http.close()

    def call(self, what: str, method: str, project: str, path: str, *,
             json: Any = None, params: dict[str, str] | None = None,
             create: bool = False) -> Any:
        """``method`` ``/{project}/vultron/api/{path}``; the decoded JSON answer."""
        url = f"/{quote(project, safe='')}/vultron/api/{path}"
        try:
            response = self._http.request(method, url, json=json, params=params)
        except httpx.HTTPError as exc:
            raise translate(exc, what, create=create) from exc
        if not response.is_success:
            raise from_status(response, what, self.clock())
        try:
            return response.json()
        except ValueError as exc:
            raise PermanentError(f"Trac's answer to {what} is not JSON") from exc

"""The ``env`` fixture of the service tests: a bridge on loopback (``tests.support.app_env``)."""

from tests.support.app_env import env  # noqa: F401 - the fixture, found here by pytest

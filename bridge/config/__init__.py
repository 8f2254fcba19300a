"""Configuration: one YAML schema for ``vultron-bridge.yml`` and the Action's
``.github/vultron-bridge.yml``, validated by pydantic with errors naming the key and line.
"""

from bridge.config.load import ConfigError, load_config, load_config_text
from bridge.config.schema import BridgeConfig

__all__ = ["BridgeConfig", "ConfigError", "load_config", "load_config_text"]

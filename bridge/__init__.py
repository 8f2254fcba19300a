"""vultron-bridge: a Vultron CVD protocol bridge for issue trackers."""

__version__ = "0.1.0"

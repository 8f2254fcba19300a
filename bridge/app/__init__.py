"""Use cases: what the bridge does with an activity, a webhook or a delivery, over the store,
delivery and the adapters, under the HTTP routes of ``bridge/service``."""

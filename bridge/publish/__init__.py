"""Publication records at the edge: validated with each format's own validator, loaded from
the store and configuration, and written where the configuration says."""

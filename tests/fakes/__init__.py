"""In-memory fakes of the services the bridge talks to (served on loopback for real HTTP)."""

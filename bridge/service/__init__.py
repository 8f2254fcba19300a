"""The service: FastAPI app (webhooks, actor, inbox, links, health, metrics) and processing."""

"""Outbound delivery: signing, SSRF-guarded HTTP, retries, the worker loop."""

"""Reports by email, the I/O edges: the SMTP/LMTP listener and ``ingest-mail`` intake, the
worker's mail handler, gpg, threads in the store, and mailing reporters through the relay
(docs/email.md). The pure part is ``bridge.core.mail``."""

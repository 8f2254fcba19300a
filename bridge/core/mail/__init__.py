"""Reports by email, the pure part: reading a mail (headers, MIME, text), telling reports
from bounces, auto-replies and loops, thread keys, and the mails the bridge writes back.
The I/O (SMTP, gpg, the store) is in ``bridge.mail``; the mapping is docs/email.md."""

"""The durable store: SQLite by default, PostgreSQL by URL.

Modules: ``db`` (engines, sessions, migrations), ``models`` (tables), ``inbound`` (accepted
inputs), ``outbox`` (transactional outbox with leased claims), ``audit`` (hash-chained log),
``links`` (subjects <-> tracker refs), ``state`` (protocol objects, cases, participants),
``writes`` (the bridge's own tracker writes, for echo suppression), ``peers`` (peer
signature schemes, cached actor documents, poll cursors).

Every function takes the caller's ``Session`` and never commits: the caller decides the
transaction, so a state change and the messages it causes commit together or not at all.
"""

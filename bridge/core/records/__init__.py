"""Publication records (CVE JSON 5, CSAF 2.0, OSV) built from the case's fields: pure.

Validation against each format's validator happens at the edge (``bridge.publish``).
"""

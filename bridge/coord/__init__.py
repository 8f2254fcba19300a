"""Coordinator features (service layer): links with audit, the case view, drift repair,
CVD metrics from the audit log and bulk import. Pure arithmetic lives in
``bridge.core.cvdmetrics``; the CLI and HTTP API call these modules.
"""

"""What the CRM sources share, so that each CRM's folder holds only what is its own.

``accounts`` (named accounts and missing-settings checks from dlt's config providers),
``cursors`` (the per-account incremental cursor), ``throttle`` (the client-side rate limiter),
``errors`` (permanent API errors, optional endpoints), ``token_store`` (OAuth token pairs) and
``plugin`` (the parts every ``<crm>/plugin.py`` declares the same way).
"""

"""Pieces shared by the CRM sources (e.g. the OAuth token store)."""

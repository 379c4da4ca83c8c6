"""Ingestion layer: dlt sources for the CRMs, the synthetic company and the CRM API emulators."""

"""Test doubles of crm-kpi: CRM API emulators, the synthetic company and the demo.

A distribution of its own (``crm-kpi-emulators``): the demo and the tests import it, the
product (``crm_kpi``) never does.
"""

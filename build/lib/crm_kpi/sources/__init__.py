"""Sources: the dlt sources of each CRM and of the hand-kept inputs (sales plan, spend)."""

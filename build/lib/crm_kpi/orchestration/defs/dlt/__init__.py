"""dlt: one asset per raw table of each registered CRM, and the hand-kept inputs."""

"""Serving: publish the marts to BI tools (snapshot, Parquet/CSV, PostgreSQL), report, digest."""

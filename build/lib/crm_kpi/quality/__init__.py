"""Data quality: Great Expectations 1.x suites as code, run on pandas frames of warehouse tables.

GX has no DuckDB data source, so each checked table is read over a read-only DuckDB
connection into pandas and validated with an in-memory (ephemeral) context.
"""

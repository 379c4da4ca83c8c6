"""Serving: publish validated marts to BI tools and people (snapshot files, PostgreSQL, HTML report, email)."""

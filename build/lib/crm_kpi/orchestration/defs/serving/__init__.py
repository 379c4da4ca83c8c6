"""Publishing: snapshot, PostgreSQL, HTML report, e-mail digest."""

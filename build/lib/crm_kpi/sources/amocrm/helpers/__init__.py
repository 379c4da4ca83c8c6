"""HTTP plumbing of the amoCRM source: the REST client, its throttle and its errors."""

"""Calendar periods the serving layer picks by default."""

from __future__ import annotations

import datetime as dt


def last_full_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s month."""
    first_of_this_month = today.replace(day=1)
    return (first_of_this_month - dt.timedelta(days=1)).replace(day=1)

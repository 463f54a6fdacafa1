"""Time in one place: stored instants are aware UTC, due dates are calendar days in the user's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_in(timezone: str) -> date:
    """Today's date where the user is: a task due today is not overdue in Riyadh at 01:00 UTC+3."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()

"""When a rule runs: every N minutes (or hours), or once a day at a time of day in the owner's time zone.

Written the way a person says it: "every 15 minutes", "every 2h", "hourly", "daily at 09:00",
"at 9am", "tous les jours à 9h". `Schedule.next_after(moment)` is the first run strictly after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from ..dates import zone
from ..errors import InvalidInput

MIN_EVERY = timedelta(minutes=5)  # a rule is a watch, not a poll loop: the upstream's rate limits are shared
EVERY = re.compile(
    r"^(?:every|toutes les|tous les|chaque)\s*(\d+)?\s*"
    r"(m|min|mins|minute|minutes|h|hr|hrs|hour|hours|heure|heures|d|day|days|jour|jours)$"
)
COMPACT = re.compile(r"^(\d+)\s*(m|min|h|d)$")
AT = re.compile(
    r"^(?:(?:daily|every day|each day|tous les jours|chaque jour)\s*)?(?:at|à|a)?\s*"
    r"(\d{1,2})(?:[:h](\d{2}))?\s*(am|pm|h)?$"
)
UNITS = {"m": 60, "h": 3600, "d": 86400, "j": 86400}
HOW = 'Say "every 30 minutes", "every 2 hours", or "daily at 09:00" (in your time zone).'


@dataclass(frozen=True)
class Schedule:
    every: timedelta | None = None  # every N minutes
    at: time | None = None  # or once a day at this local time
    timezone: str = "UTC"

    def next_after(self, moment: datetime) -> datetime:
        if self.every is not None:
            return moment + self.every
        assert self.at is not None
        tz = zone(self.timezone)
        local = moment.astimezone(tz)
        candidate = datetime.combine(local.date(), self.at, tzinfo=tz)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.at, tzinfo=tz)
        return candidate.astimezone(UTC)

    def describe(self) -> str:
        if self.every is not None:
            minutes = int(self.every.total_seconds() // 60)
            return (
                f"every {minutes // 60} hours"
                if minutes % 60 == 0 and minutes >= 120
                else ("every hour" if minutes == 60 else f"every {minutes} minutes")
            )
        assert self.at is not None
        return f"daily at {self.at.strftime('%H:%M')} ({self.timezone})"


def parse_schedule(text: str, timezone: str = "UTC") -> Schedule:
    """A schedule from words; a clear message when it is not one."""
    said = " ".join(text.strip().lower().split())
    if said in ("hourly", "every hour", "toutes les heures"):
        return Schedule(every=timedelta(hours=1))
    if said in ("daily", "every day", "tous les jours"):
        return Schedule(at=time(9, 0), timezone=timezone)
    match = EVERY.match(said) or COMPACT.match(said)
    if match:
        count = int(match.group(1) or 1)
        every = timedelta(seconds=count * UNITS[match.group(2)[0]])
        if every < MIN_EVERY:
            raise InvalidInput(f'schedule "{text}" is too often: rules run at most every 5 minutes. {HOW}')
        return Schedule(every=every)
    match = AT.match(said)
    spelled_as_time = not said[0].isdigit() or ":" in said or match is not None and match.group(3)
    if match and spelled_as_time:  # a bare "9" is not a time of day
        hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if suffix == "pm" and hour < 12:
            hour += 12
        if suffix == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            raise InvalidInput(f'schedule "{text}" is not a time of day. {HOW}')
        zone(timezone)  # an unknown zone is reported here, not at the first run
        return Schedule(at=time(hour, minute), timezone=timezone)
    raise InvalidInput(f'schedule "{text}" is not understood. {HOW}')


def schedule_text(schedule: Schedule) -> str:
    """What is stored: parseable again by `parse_schedule` with the same zone."""
    if schedule.every is not None:
        return f"every {int(schedule.every.total_seconds() // 60)} minutes"
    assert schedule.at is not None
    return f"daily at {schedule.at.strftime('%H:%M')}"

"""Dates as people say them, in English and French.

- `parse_duration("48h")` -> timedelta ("30m", "48h", "7d", "2w", "3 days", "2 jours").
- `parse_range("this week", tz)` -> (start, end): named periods are calendar ranges in the
  configured time zone ("this week" and "cette semaine" are the current ISO week, Monday 00:00
  to now); a duration means "from that long ago until now"; any other text is one point in
  time (ISO date, "yesterday", "il y a 3 jours", ...) parsed by dateparser, until now.
- `parse_point(text, tz)` -> aware datetime.
All results are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

from .errors import InvalidInput

_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "heure": "hours",
    "heures": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "j": "days",
    "jour": "days",
    "jours": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "semaine": "weeks",
    "semaines": "weeks",
}
_DURATION = re.compile(r"^\s*-?\s*(\d+|[a-zéèêû]+)\s*([a-zA-Z]+)\s*$")
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "quinze": 15,
    "vingt": 20,
    "trente": 30,
}
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "lundi": 0,
    "mardi": 1,
    "mercredi": 2,
    "jeudi": 3,
    "vendredi": 4,
    "samedi": 5,
    "dimanche": 6,
}
_SINCE = re.compile(r"^(since|from|after|depuis|à partir de|a partir de|après|apres)\s+(le\s+|la\s+|l')?", re.I)
_LAST = re.compile(r"^(last|dernier|derniere|dernière)\s+", re.I)
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
MAX_DURATION = timedelta(days=365 * 50)

_PERIODS = {
    "today": ("day", 0),
    "aujourd'hui": ("day", 0),
    "aujourdhui": ("day", 0),
    "yesterday": ("day", -1),
    "hier": ("day", -1),
    "this week": ("week", 0),
    "cette semaine": ("week", 0),
    "last week": ("week", -1),
    "la semaine dernière": ("week", -1),
    "semaine dernière": ("week", -1),
    "la semaine derniere": ("week", -1),
    "this month": ("month", 0),
    "ce mois-ci": ("month", 0),
    "ce mois": ("month", 0),
    "last month": ("month", -1),
    "le mois dernier": ("month", -1),
    "mois dernier": ("month", -1),
}

PERIOD_NAMES = frozenset(_PERIODS)

HOW_TO = (
    'Use an ISO date ("2026-11-02"), a duration ("48h", "7d", "two days"), a weekday ("since Monday", "depuis lundi") '
    'or a period ("this week", "cette semaine").'
)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f'Unknown time zone "{name}". Use an IANA name such as "Europe/Paris".') from None


def parse_duration(text: str) -> timedelta | None:
    """ "48h", "7d", "3 days", "two days", "deux jours" -> a timedelta; None if it is not a duration."""
    match = _DURATION.match(_SINCE.sub("", (text or "").strip().lower()))
    if not match or match.group(2).lower() not in _UNITS:
        return None
    amount = match.group(1)
    count = int(amount) if amount.isdigit() else _NUMBERS.get(amount)
    if count is None:
        return None
    unit = _UNITS[match.group(2).lower()]
    if count > MAX_DURATION / timedelta(**{unit: 1}):
        raise InvalidInput(f'"{text[:40]}" reaches back more than 50 years. {HOW_TO}')
    return timedelta(**{unit: count})


def _checked(moment: datetime, text: str) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise InvalidInput(f'The date "{text[:40]}" is out of range (1970 to 2100). {HOW_TO}')
    return moment


def _weekday(text: str, tz: str, now: datetime) -> datetime | None:
    """ "monday" / "lundi" (also "last monday"): that day's 00:00 in `tz`, the most recent one (today included)."""
    day = _WEEKDAYS.get(_LAST.sub("", text))
    if day is None:
        return None
    local_now = now.astimezone(zone(tz))
    back = (local_now.weekday() - day) % 7
    start = (local_now - timedelta(days=back)).replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC)


def _period(kind: str, offset: int, now: datetime) -> tuple[datetime, datetime]:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "day":
        start = day + timedelta(days=offset)
        return start, min(now, start + timedelta(days=1))
    if kind == "week":
        start = day - timedelta(days=day.weekday()) + timedelta(weeks=offset)
        return start, min(now, start + timedelta(weeks=1))
    start = day.replace(day=1)
    if offset:
        start = (start - timedelta(days=1)).replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, min(now, following)


def parse_point(text: str, tz: str = "UTC", *, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    text = " ".join(_SINCE.sub("", text.strip()).split())
    duration = parse_duration(text)
    if duration is not None:
        return now - duration
    weekday = _weekday(text.lower(), tz, now)
    if weekday is not None:
        return weekday
    settings = {
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": tz,
        "TO_TIMEZONE": "UTC",
        "RELATIVE_BASE": now.astimezone(zone(tz)).replace(tzinfo=None),
        "DATE_ORDER": "YMD" if re.match(r"^\d{4}", text.strip()) else "DMY",
    }
    try:
        parsed = dateparser.parse(text, languages=["en", "fr"], settings=settings)
    except (OverflowError, ValueError):
        parsed = None
    if parsed is None:
        raise InvalidInput(f'Could not understand the date "{text[:60]}". {HOW_TO}')
    return _checked(parsed.astimezone(UTC), text)


def parse_range(text: str, tz: str = "UTC", *, now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or datetime.now(UTC)
    key = " ".join(_SINCE.sub("", text.strip().lower()).split())
    if key in _PERIODS:
        kind, offset = _PERIODS[key]
        start, end = _period(kind, offset, now.astimezone(zone(tz)))
        return start.astimezone(UTC), end.astimezone(UTC)
    return parse_point(text, tz, now=now), now


# -- showing times to people --------------------------------------------------------------------


def parse_timestamp(value: object) -> datetime | None:
    """An upstream timestamp (ISO 8601 with any offset form, or epoch milliseconds) as aware UTC, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str) or len(value) < 10:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):  # Jira's +0000
        text = text[:-2] + ":" + text[-2:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def local(value: object, tz: str) -> str:
    """ "2026-11-20 15:03" in the person's zone (say the zone once, next to the list or document)."""
    moment = parse_timestamp(value)
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_day(value: object, tz: str) -> str:
    moment = parse_timestamp(value)
    return moment.astimezone(zone(tz)).strftime("%Y-%m-%d") if moment else ""


def times_in(tz: str) -> str:
    return f"Times are in {tz}."

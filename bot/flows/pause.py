"""Pauses with an end: `/match pause 4w`, `pausieren 4 Wochen`, `pause 2 weeks`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.messages import t
from bot.settings import Settings
from profiles.models import Member

MAX_PAUSE = timedelta(days=366)

_UNITS = {
    "d": 1, "day": 1, "days": 1, "tag": 1, "tage": 1, "tagen": 1,
    "w": 7, "wk": 7, "wks": 7, "week": 7, "weeks": 7, "woche": 7, "wochen": 7,
    "m": 30, "mo": 30, "month": 30, "months": 30, "monat": 30, "monate": 30, "monaten": 30,
}  # fmt: skip
_DURATION = re.compile(r"(?:for\s+|für\s+)?(\d{1,3})\s*([a-zäöü]+)\.?")


def parse_duration(text: str) -> timedelta | None:
    """The length of a pause in ``text`` ("4w", "2 weeks", "4 Wochen", "10 Tage"), or None
    when it is not one (or longer than a year)."""
    m = _DURATION.fullmatch(text.strip().lower())
    if m is None or m.group(2) not in _UNITS:
        return None
    length = timedelta(days=int(m.group(1)) * _UNITS[m.group(2)])
    if not timedelta(0) < length <= MAX_PAUSE:
        return None
    return length


def pause_date(until: datetime, settings: Settings) -> str:
    """The day a pause ends, in the workspace's default time zone."""
    return until.astimezone(ZoneInfo(settings.digest_timezone)).date().isoformat()


def pause_note(member: Member | None, now: datetime, settings: Settings, lang: str) -> str:
    """What App Home says about the member's pause ("" when there is none)."""
    if member is None:
        return ""
    if member.paused_reason == "auto" and not member.opted_in:
        return t("bot.home.paused_auto", lang)
    if member.paused_until is not None and member.paused_until > now:
        return t("bot.home.paused_until", lang, until=pause_date(member.paused_until, settings))
    return ""

"""Row ids that come from outside: button values, modal metadata, command words.

SQLite binds integers as signed 64 bit and raises OverflowError beyond that, so an id
outside 1..MAX_ID must never reach a query; no row can have such an id anyway.
"""

from __future__ import annotations

import re
from typing import TypeGuard

MAX_ID = 2**63 - 1

# ASCII only: str.isdigit() also accepts "²" (int() refuses it) and other scripts' digits.
_DIGITS = re.compile(r"[0-9]{1,19}")


def valid_id(value: object) -> TypeGuard[int]:
    """True for an int (not a bool) that a row id can have."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(value: object) -> int | None:
    """The row id in ``value`` (an int or a string of ASCII digits), or None."""
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            return None
        value = int(value)
    return value if valid_id(value) else None

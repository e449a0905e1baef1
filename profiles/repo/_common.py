"""Helpers shared by the repository modules."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


def chunks(items: list[T], size: int = 500) -> list[list[T]]:
    # Bounded IN lists: SQLite caps bound parameters per statement.
    return [items[i : i + size] for i in range(0, len(items), size)]


def rowcount(result: Any) -> int:
    """Rows a Core UPDATE/DELETE touched (0 where the driver does not say)."""
    return int(getattr(result, "rowcount", 0) or 0)

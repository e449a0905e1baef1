"""The one shape of an entry as a member, the entry form or an import row gives it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class EntryData:
    """What a member says about a project or dataset.

    The matcher's ``prepare`` validates and enriches it, and the repository stores only
    what ``prepare`` returned. ``detected_groups`` is ``prepare``'s to fill (a caller's
    value is replaced); the needs it detects are added to ``looking_for`` and ``offers``.
    """

    title: str = ""
    description: str = ""
    kind: str = "project"
    target_groups: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    region: str = ""
    looking_for: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    external_id: str | None = None
    detected_groups: list[str] = field(default_factory=list)

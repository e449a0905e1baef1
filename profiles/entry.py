"""The one shape of an entry as a member, the entry form or an import row gives it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class EntryData:
    """What a member says about a project or dataset.

    The matcher's ``prepare`` validates and enriches it; the repository stores only
    prepared data. ``detected_groups`` (and the needs merged into ``looking_for`` and
    ``offers``) come from ``prepare``: what a caller passes there is recomputed.
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

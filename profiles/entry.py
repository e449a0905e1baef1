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


def entry_text(title: str, description: str) -> str:
    """The text that is embedded: title and description."""
    if title and description:
        return f"{title}. {description}"
    return title or description


@dataclass(frozen=True, slots=True)
class MemberRow:
    """What matching reads of an entry's member."""

    user_id: str
    organisation: str
    display_name: str
    consenting: bool


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A stored entry as matching reads it (profiles.repo.entry_rows), without the ORM: a
    start reads thousands, and a plain row costs a fraction of a mapped object."""

    id: int
    title: str
    description: str
    kind: str
    external_id: str | None
    target_groups: list[str]
    detected_groups: list[str]
    tools: list[str]
    region: str
    looking_for: list[str]
    offers: list[str]
    member: MemberRow

    @property
    def all_groups(self) -> list[str]:
        return list(dict.fromkeys([*self.target_groups, *self.detected_groups]))

    def text(self) -> str:
        return entry_text(self.title, self.description)


@dataclass(frozen=True, slots=True)
class VectorRow:
    """A stored vector as matching reads it (profiles.repo.vector_rows)."""

    entry_id: int
    text_hash: str
    dim: int
    vector: bytes
    sentence_vectors: bytes

"""SQLAlchemy 2.0 models. Every table carries the Slack team id of its workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from profiles.entry import entry_text


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps on every backend (SQLite drops the zone on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


CADENCES = ("weekly", "biweekly", "monthly", "paused")
KINDS = ("project", "dataset")
# met / collaboration / not_fit come from follow-up answers; not_fit vetoes like not_relevant.
FEEDBACK_KINDS = ("connect", "not_relevant", "known", "met", "collaboration", "not_fit")
VETO_KINDS = ("not_relevant", "known", "not_fit")
POSITIVE_KINDS = ("connect", "met", "collaboration")
NEGATIVE_KINDS = ("not_relevant", "not_fit")
# How a member came to be here. "self": they used /match themselves; "imported": a
# facilitator's file put them here and nobody has asked them yet; "invited": the one
# invitation DM went out; "accepted": they said yes (or described themselves). Only
# "self" and "accepted" members are contacted, suggested to others or counted as active.
CONSENTS = ("self", "imported", "invited", "accepted")
CONSENTING = ("self", "accepted")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_member_team_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # "member" (typed by the member: nothing else overwrites it), "import" or "".
    organisation_source: Mapped[str] = mapped_column(String(16), default="", server_default="")
    language: Mapped[str] = mapped_column(String(5), default="de")
    opted_in: Mapped[bool] = mapped_column(Boolean, default=True)
    cadence: Mapped[str] = mapped_column(String(16), default="weekly")
    consent: Mapped[str] = mapped_column(String(16), default="self", server_default="self")
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Raised by every write (profiles.db): change detection must not rely on the clock.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A pause with an end: digests resume by themselves once it has passed.
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # "" (not paused, or paused by the member) or "auto" (ignored several digests).
    paused_reason: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # Digests ignored "in a row" are counted from here (the last resume).
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    entries: Mapped[list[Entry]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def consenting(self) -> bool:
        return self.consent in CONSENTING


class Entry(Base):
    """A project or dataset a member described."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("team_id", "external_id", name="uq_entry_team_external"),
        Index("ix_entries_team_member", "team_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    kind: Mapped[str] = mapped_column(String(16), default="project")
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    detected_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    tools: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(200), default="")
    looking_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    offers: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Raised by every write (profiles.db): change detection must not rely on the clock.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    member: Mapped[Member] = relationship(back_populates="entries")
    # One per model: after a model change the old vectors serve until the new are complete.
    vectors: Mapped[list[EntryVector]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def all_groups(self) -> list[str]:
        return list(dict.fromkeys([*self.target_groups, *self.detected_groups]))

    def text(self) -> str:
        """The text that is embedded: title and description."""
        return entry_text(self.title, self.description)


class EntryVector(Base):
    """An entry's embedding by one model, tied to the exact text it came from."""

    __tablename__ = "entry_vectors"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    # Sentence vectors (float16, n x dim) explain a match by its closest
    # sentence pair without embedding anything again at query time.
    sentence_count: Mapped[int] = mapped_column(Integer, default=0)
    sentence_vectors: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    entry: Mapped[Entry] = relationship(back_populates="vectors")


class EntryDerived(Base):
    """What matching derives from an entry's text (themes, needs, tokens, ...), stored so that
    a start reads it instead of running the detectors again; tied to the exact inputs and
    to the vocabulary version it came from."""

    __tablename__ = "entry_derived"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    vocab_version: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)


class Feedback(Base):
    """A member's reaction to a suggested partner."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_team_user", "team_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    other_user_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SuggestionLog(Base):
    """Every partner shown to a member, for "no repeats" and community statistics."""

    __tablename__ = "suggestions"
    __table_args__ = (Index("ix_suggestions_team_user", "team_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    other_user_id: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(16))  # instant, digest, find, workshop
    period: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestClaim(Base):
    """One digest per member and period: the unique key is the guarantee."""

    __tablename__ = "digest_claims"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "period", name="uq_digest_team_user_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    period: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed/sent/failed
    owner: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TeamSettings(Base):
    """Per-workspace settings: digest schedule and facilitators.

    ``None`` means "not chosen for this workspace": the process Settings decide
    (bot.settings.team_config), so there is one source of defaults.
    """

    __tablename__ = "team_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest_day: Mapped[str | None] = mapped_column(String(3), default=None)
    digest_hour: Mapped[int | None] = mapped_column(Integer, default=None)
    digest_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    facilitators: Mapped[list[str]] = mapped_column(JSON, default=list)
    exclude_same_org: Mapped[bool | None] = mapped_column(Boolean, default=None)
    max_per_period: Mapped[int | None] = mapped_column(Integer, default=None)


class TeamRevision(Base):
    """A counter per workspace, raised in every transaction that writes its entries or
    members, so that a process can tell "nothing changed" from one row instead of
    reading every entry's version."""

    __tablename__ = "team_revisions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


class WorkshopPlan(Base):
    """A facilitator's workshop matching, kept between preview and send."""

    __tablename__ = "workshop_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    facilitator: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(64), default="")
    mode: Mapped[str] = mapped_column(String(16), default="pairs")
    group_size: Mapped[int] = mapped_column(Integer, default=2)
    rounds: Mapped[int] = mapped_column(Integer, default=1)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft/sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Introduction(Base):
    """Two members the bot put in touch (a "connect us" group DM or a workshop pair).

    One row per pair: follow-ups ask about the pair, not about each click.
    """

    __tablename__ = "introductions"
    __table_args__ = (UniqueConstraint("team_id", "user_a", "user_b", name="uq_intro_team_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    user_a: Mapped[str] = mapped_column(String(128))  # user_a < user_b
    user_b: Mapped[str] = mapped_column(String(128))
    starter: Mapped[str] = mapped_column(String(128), default="")
    source: Mapped[str] = mapped_column(String(16), default="connect")  # connect/workshop
    channel: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    followups: Mapped[list[Followup]] = relationship(
        back_populates="introduction", cascade="all, delete-orphan", passive_deletes=True
    )

    def other(self, user_id: str) -> str:
        return self.user_b if user_id == self.user_a else self.user_a


class Followup(Base):
    """One follow-up question to one member about one introduction, at one stage.

    Like DigestClaim the unique key is the exactly-once guarantee: a row is inserted
    (claimed) before the question is sent, and only one process can insert it.
    """

    __tablename__ = "followups"
    __table_args__ = (
        UniqueConstraint(
            "team_id", "intro_id", "stage", "user_id", name="uq_followup_intro_stage_user"
        ),
        Index("ix_followups_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    intro_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(16))  # met / met_again / collab
    status: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed/sent/failed
    owner: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    answer: Mapped[str | None] = mapped_column(String(16), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    introduction: Mapped[Introduction] = relationship(back_populates="followups")


class WeightFit(Base):
    """A refit of a workspace's scoring weights from its feedback and outcomes."""

    __tablename__ = "weight_fits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    positives: Mapped[int] = mapped_column(Integer, default=0)
    negatives: Mapped[int] = mapped_column(Integer, default=0)
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    prior: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    change: Mapped[float] = mapped_column(Float, default=0.0)  # L1 distance to the prior
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Workspace(Base):
    """A workspace's installation state. No row means active (single-token mode, and
    every workspace from before this table existed)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active/uninstalled
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Every row of the workspace is deleted once this has passed (bot.scheduler).
    purge_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

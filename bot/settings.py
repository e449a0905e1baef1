"""The one settings object, read from the environment (and .env) at start-up only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from profiles.models import TeamSettings

_T = TypeVar("_T")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The bot scopes an OAuth install asks for; bot/manifest.yaml lists the same (a test
# checks), so a workspace installed either way grants the same.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "mpim:write",
    "users:read",
    "files:write",
    "channels:read",
    "groups:read",
)


def _split_list(value: object) -> object:
    """A list setting given as "a,b" or as a JSON list."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [v.strip() for v in text.split(",") if v.strip()]
    return value


class Settings(BaseSettings):
    """Configuration of a process; domain code gets values from here, never from os.environ."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_nested_delimiter="__")

    database_url: str = "sqlite:///civic-match.db"
    model: str = Field(
        "default",
        description="'default'/'use' (USE multilingual, bundled), 'e5' or 'use+e5' (extra e5),"
        " or a sentence-transformers name/path",
    )
    threads: int = Field(2, ge=1, le=64, description="BLAS threads for embedding")
    # The bot embeds one short text per describe next to the threads that ack: with 2
    # BLAS threads OpenBLAS's helper takes the second core for each tiny product (and
    # waits 50-140 ms when that core is busy). See BENCHMARKS.md, "Ack latency".
    bot_threads: int = Field(
        1, ge=1, le=64, description="BLAS threads for embedding inside the running bot"
    )
    # Two: a digest, suggest --all or eval of a large community ranks its second half in a
    # forked process (matching.parallel); only commands fork, never the running bot.
    rank_processes: int = Field(
        2, ge=1, le=2, description="processes for ranking many entries at once (1 or 2)"
    )

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = Field(
        None, description="Web API base URL, e.g. for GovSlack or a test server"
    )

    # OAuth mode (many workspaces; HTTP only) is on when client id and secret are set.
    # The names are Bolt's own.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_scopes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(BOT_SCOPES),
        description="bot scopes an OAuth install asks for (default: the manifest's)",
    )
    slack_allowed_team_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="if set, only these workspaces may install the app (OAuth mode)",
    )
    token_encryption_key: SecretStr | None = Field(
        None,
        description="Fernet key(s) for the bot tokens at rest, comma-separated: the first "
        "encrypts, all decrypt (rotation)",
    )

    # NoDecode: the value is "U1,U2" or a JSON list; the validator below takes both.
    facilitators: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Slack user ids allowed to run workshops, digests now and stats",
    )
    default_language: str = "de"
    exclude_same_org: bool = False
    max_text_chars: int = Field(4000, ge=100, le=40000)
    suggestions_shown: int = Field(5, ge=1, le=20)
    worker_threads: int = Field(2, ge=1, le=32, description="threads for slow work after the ack")

    digest_day: str = Field("mon", description="mon, tue, … sun")
    digest_hour: int = Field(9, ge=0, le=23)
    digest_minute: int = Field(0, ge=0, le=59)
    digest_timezone: str = "Europe/Berlin"
    digest_max_suggestions: int = Field(3, ge=1, le=10)
    purge_grace_days: int = Field(
        30,
        ge=0,
        le=365,
        description="days after an uninstall until the workspace's data is deleted",
    )
    digest_max_per_member: int = Field(
        3, ge=1, le=50, description="how often one member may be suggested to others per period"
    )

    followup_days: int = Field(
        14, ge=1, le=365, description="days after an introduction until 'did you get in touch?'"
    )
    followup_again_days: int = Field(
        14, ge=1, le=365, description="days after 'not yet' until the question comes once more"
    )
    followup_collab_days: int = Field(
        90,
        ge=1,
        le=730,
        description="days after 'yes, we talked' until 'did something come of it?'",
    )
    auto_pause_after: int = Field(
        4,
        ge=0,
        le=52,
        description="digests in a row without a click before an automatic pause (0: never)",
    )
    feedback_strength: float = Field(
        0.5, ge=0.0, le=2.0, description="how far a member's own feedback moves their ranking"
    )
    community_feedback_strength: float = Field(
        0.5,
        ge=0.0,
        le=2.0,
        description="how far the community's reacted pairs move similar pairs of every member",
    )
    feedback_half_life_days: int = Field(
        120, ge=1, le=3650, description="after this many days a click counts half"
    )
    refit_weights: bool = Field(
        False,
        description="rank with each workspace's refit scoring weights (the scheduler computes "
        "and stores a fit either way; off by default: see BENCHMARKS.md, learning from feedback)",
    )

    @field_validator("digest_day", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        if isinstance(value, str):
            day = value.strip().lower()[:3]
            if day not in DAYS:
                raise ValueError(f"must be one of {', '.join(DAYS)}")
            return day
        return value

    @field_validator("digest_timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("facilitators", "slack_scopes", "slack_allowed_team_ids", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _split_list(value)

    @property
    def oauth_mode(self) -> bool:
        """Many workspaces through Bolt's OAuth flow, rather than one bot token."""
        secret = self.slack_client_secret
        return bool(
            (self.slack_client_id or "").strip() and secret and secret.get_secret_value().strip()
        )


@dataclass(frozen=True)
class TeamConfig:
    """A workspace's effective settings: its own choices, else the process Settings."""

    digest_day: str
    digest_hour: int
    digest_minute: int
    timezone: str
    exclude_same_org: bool
    max_per_member: int
    facilitators: frozenset[str]


def _pick(own: _T | None, default: _T) -> _T:
    return default if own is None else own


def team_config(settings: Settings, row: TeamSettings) -> TeamConfig:
    """Settings is the one source of defaults; a workspace overrides what it has set."""

    return TeamConfig(
        digest_day=_pick(row.digest_day, settings.digest_day),
        digest_hour=_pick(row.digest_hour, settings.digest_hour),
        digest_minute=_pick(row.digest_minute, settings.digest_minute),
        timezone=row.timezone or settings.digest_timezone,
        exclude_same_org=_pick(row.exclude_same_org, settings.exclude_same_org),
        max_per_member=row.max_per_period or settings.digest_max_per_member,
        facilitators=frozenset([*settings.facilitators, *(row.facilitators or [])]),
    )

"""The one settings object, read from the environment (and .env) at start-up only."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of a process; domain code gets values from here, never from os.environ."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_nested_delimiter="__")

    database_url: str = "sqlite:///civic-match.db"
    model: str = Field(
        "default",
        description="'default' (USE multilingual, bundled) or a sentence-transformers name/path",
    )
    threads: int = Field(2, ge=1, le=64, description="BLAS threads for embedding")
    # The bot embeds one short text per describe next to the threads that ack: with 2
    # BLAS threads OpenBLAS's helper takes the second core for each tiny product (and
    # waits 50-140 ms when that core is busy). See BENCHMARKS.md, "Ack latency".
    bot_threads: int = Field(
        1, ge=1, le=64, description="BLAS threads for embedding inside the running bot"
    )

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = Field(
        None, description="Web API base URL, e.g. for GovSlack or a test server"
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

    digest_day: str = "mon"
    digest_hour: int = Field(9, ge=0, le=23)
    digest_timezone: str = "Europe/Berlin"
    digest_max_suggestions: int = Field(3, ge=1, le=10)
    digest_max_per_member: int = Field(
        3, ge=1, le=50, description="how often one member may be suggested to others per period"
    )

    @field_validator("facilitators", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [v.strip() for v in text.split(",") if v.strip()]
        return value

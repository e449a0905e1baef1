"""Shared fixtures: a store per test on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import select
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from matching.embedder import USEEmbedder
from matching.service import Matcher
from profiles.clock import ManualClock
from profiles.db import Store
from profiles.migrate import upgrade
from testkit.embedders import HashEmbedder

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _sleep_without_absolute_deadline(seconds: float) -> None:
    select.select([], [], [], max(0.0, seconds))


# Under libfaketime with FAKETIME_DONT_FAKE_MONOTONIC=1 (how the week-boundary runs are
# made), time.sleep fails with EINVAL: CPython sleeps until an absolute CLOCK_MONOTONIC
# deadline and libfaketime shifts it. A relative select() timeout is unaffected.
if "faketime" in os.environ.get("LD_PRELOAD", ""):
    time.sleep = _sleep_without_absolute_deadline

BACKENDS = ["sqlite", *(["postgres"] if PG_URL else [])]


def _pg_url(schema: str) -> str:
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A migrated, empty database: a temp SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return
    schema = f"cm_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# A Monday morning: the week boundaries that broke the digest tests once are tested on
# purpose in test_digest; everything else runs at this fixed instant, whatever the hour.
DEFAULT_NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    """The one clock of the store (and so of every service built on it) in this test."""
    return ManualClock(DEFAULT_NOW)


@pytest.fixture
def store(db_url: str, clock: ManualClock) -> Iterator[Store]:
    st = Store.from_url(db_url, clock)
    upgrade(st.engine)
    yield st
    st.dispose()


@pytest.fixture(scope="session")
def use_embedder() -> USEEmbedder:
    """The real default model, loaded once per test session."""
    return USEEmbedder(threads=2)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def matcher(store: Store, hash_embedder: HashEmbedder) -> Matcher:
    """A matcher with the fast test embedder; tests of ranking quality use the real one."""
    return Matcher(store, hash_embedder)


@pytest.fixture
def real_matcher(store: Store, use_embedder: USEEmbedder) -> Matcher:
    return Matcher(store, use_embedder)

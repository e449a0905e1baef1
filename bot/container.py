"""Wiring: a store and a matcher built from settings, with migrations applied."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.settings import Settings
from matching.embedder import Embedder, load_embedder
from matching.service import Matcher
from profiles.db import Store
from profiles.errors import StoreUnavailable
from profiles.migrate import upgrade


@dataclass
class Runtime:
    settings: Settings
    store: Store
    matcher: Matcher


def open_store(url: str, migrate: bool = True) -> Store:
    """Open the database (creating a SQLite file's folder) and apply migrations."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreUnavailable(f"DATABASE_URL is not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    store = Store.from_url(url)
    if migrate:
        upgrade(store.engine)
    return store


def build(
    settings: Settings, embedder: Embedder | None = None, *, threads: int | None = None
) -> Runtime:
    """Store and matcher from settings; ``threads`` overrides Settings.threads."""
    store = open_store(settings.database_url)
    emb = embedder or load_embedder(settings.model, threads=threads or settings.threads)
    return Runtime(settings, store, Matcher(store, emb))

"""Engine and session set-up: SQLite (WAL) by default, PostgreSQL via a URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import get_history

from profiles.clock import Clock, system_clock
from profiles.errors import StoreUnavailable
from profiles.models import Entry, EntryVector, Member, TeamRevision


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the bot read while a digest run writes; busy_timeout makes two
    # processes wait for each other instead of failing with "database is locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` and check that the database answers."""
    try:
        if url.startswith("postgresql://"):
            # psycopg 3 is the driver we ship in the extra; plain URLs mean it.
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("postgresql"):
            kwargs["connect_args"] = {"connect_timeout": 5}
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreUnavailable(f"DATABASE_URL is not usable: {exc}") from exc
    except ModuleNotFoundError as exc:
        raise StoreUnavailable(
            f"the database driver is missing ({exc.name}); for PostgreSQL install "
            "'civic-match[postgres]'"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, SQLAlchemyError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise StoreUnavailable(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: "
            f"{reason}"
        ) from exc
    return engine


_STAMPED_ON_INSERT = ("created_at", "updated_at", "claimed_at")


def now(s: Session) -> datetime:
    """The time of the clock the session's store was built with."""
    clock: Clock | None = s.info.get("clock")
    if clock is None:
        raise RuntimeError("session was not opened through a Store; it has no clock")
    return clock()


def _stamp_times(session: Session, _context: Any, _instances: Any) -> None:
    """Timestamps come from the store's clock, never from a column default.

    A column default would read the real clock, and a digest run at an injected
    time would then compare its own "now" with rows stamped at another instant.
    """
    stamp = now(session)
    for obj in session.new:
        for attr in _STAMPED_ON_INSERT:
            if hasattr(obj, attr) and getattr(obj, attr) is None:
                setattr(obj, attr, stamp)
    for obj in session.dirty:
        if not isinstance(obj, Entry | Member) or not session.is_modified(obj):
            continue
        if not get_history(obj, "updated_at").has_changes():
            obj.updated_at = stamp
        # In SQL, not in Python: two writers that read the same version still both count.
        setattr(obj, "version", type(obj).version + 1)  # noqa: B010


def _bump_team_revisions(session: Session, _context: Any, _instances: Any) -> None:
    """Raise the revision of every workspace whose entries or members this flush writes.

    It runs inside the writer's transaction, so a reader sees the new revision exactly
    when it can see the change (matching.service.Matcher.sync relies on that).
    """
    teams: set[str] = set()
    for obj in (*session.new, *session.deleted):
        # A vector of a new model, or the old model's dropped: the matcher may switch.
        if isinstance(obj, Entry | Member | EntryVector):
            teams.add(obj.team_id)
    for obj in session.dirty:
        if isinstance(obj, Entry | Member) and session.is_modified(obj):
            teams.add(obj.team_id)
    if not teams:
        return
    dialect = session.get_bind().dialect.name
    for team_id in sorted(teams):  # one order for every writer: no lock-order deadlocks
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite_insert if dialect == "sqlite" else pg_insert
            session.execute(
                insert(TeamRevision)
                .values(team_id=team_id, revision=1)
                .on_conflict_do_update(
                    index_elements=[TeamRevision.team_id],
                    set_={"revision": TeamRevision.revision + 1},
                )
            )
            continue
        raised = session.execute(
            update(TeamRevision)
            .where(TeamRevision.team_id == team_id)
            .values(revision=TeamRevision.revision + 1)
        )
        if not getattr(raised, "rowcount", 0):
            session.add(TeamRevision(team_id=team_id, revision=1))


class Store:
    """A database handle: engine plus session factory."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self._factory = sessionmaker(engine, expire_on_commit=False, info={"clock": clock})
        event.listen(self._factory, "before_flush", _stamp_times)
        event.listen(self._factory, "before_flush", _bump_team_revisions)

    @classmethod
    def from_url(cls, url: str, clock: Clock = system_clock) -> Store:
        return cls(make_engine(url), clock)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error."""
        with self._factory() as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise StoreUnavailable(f"database error: {exc.orig}") from exc
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()

"""Messages sent exactly once: claimed in the store before sending, finished after, swept.

Digests and follow-ups share this guarantee. A row with a unique key is inserted (the
claim) holding the rendered message before anything is sent; after the DM it is marked
sent or failed. A sweep takes over claims that failed for a passing reason or whose
process died (stuck in "claimed"), each with a compare-and-set so two sweepers never
send the same one.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.flows.ports import DeliveryError, Notifier
from profiles import repo
from profiles.db import Store

log = logging.getLogger(__name__)

# Errors that another attempt cannot fix: the person is gone or can't get DMs.
PERMANENT_ERRORS = (
    "user_not_found",
    "user_disabled",
    "account_inactive",
    "cannot_dm_bot",
    "not_allowed_token_type",
    "user_is_bot",
)


def workspace_active(store: Store, team_id: str) -> bool:
    """False once the app was uninstalled from ``team_id``: asked before each message, so
    an uninstall in the middle of a run stops the rest of it at once."""
    with store.session() as s:
        return repo.workspace_active(s, team_id)


def new_owner() -> str:
    """Identifies this process in claims (host, pid and a random part)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SweepQuery(Protocol):
    def __call__(
        self,
        s: Session,
        team_id: str,
        *,
        stuck_before: Any,
        max_attempts: int,
        permanent_errors: Sequence[str],
    ) -> Sequence[Any]: ...


class Finish(Protocol):
    def __call__(
        self, s: Session, claim_id: int, owner: str, *, sent: bool, error: str = ""
    ) -> bool: ...


@dataclass
class OnceSender:
    """Sends and sweeps one kind of claimed message (the repo functions of that kind)."""

    store: Store
    to_sweep: SweepQuery
    reclaim: Callable[[Session, Any, str], bool]
    finish: Finish
    owner: str
    stuck_after: timedelta = timedelta(minutes=15)
    max_attempts: int = 3

    def send(
        self,
        notifier: Notifier,
        team_id: str,
        claim_id: int,
        user_id: str,
        payload: dict[str, Any],
        on_sent: Callable[[Session], None] | None = None,
    ) -> str | None:
        """DM a claimed message with ``team_id``'s token: None once sent, else the reason
        it failed (recorded).

        ``on_sent`` runs in the transaction that marks the claim sent, and only if this
        process still held it, so what it records is recorded once.
        """
        try:
            # Inside the try: a workspace without an installation fails like a closed DM.
            notifier.for_team(team_id).dm(user_id, str(payload["text"]), payload.get("blocks"))
        except DeliveryError as exc:
            log.warning("message %s to %s failed: %s", claim_id, user_id, exc.reason)
            with self.store.session() as s:
                self.finish(s, claim_id, self.owner, sent=False, error=exc.reason)
            return exc.reason
        with self.store.session() as s:
            if self.finish(s, claim_id, self.owner, sent=True) and on_sent is not None:
                on_sent(s)
        return None

    def reclaimed(self, team_id: str) -> Iterator[tuple[Any, dict[str, Any]]]:
        """Claims this process took over from a failed or dead sender, with their message."""
        with self.store.session() as s:
            todo = self.to_sweep(
                s,
                team_id,
                stuck_before=self.store.clock() - self.stuck_after,
                max_attempts=self.max_attempts,
                permanent_errors=PERMANENT_ERRORS,
            )
            rows = [(c, dict(c.payload)) for c in todo]
        for claim, payload in rows:
            with self.store.session() as s:
                taken = self.reclaim(s, claim, self.owner)
            if taken and "text" in payload:
                yield claim, payload

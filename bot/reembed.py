"""Re-embedding after a model change: once, for the entries the configured model lacks.

Stored vectors are never recomputed at a start just because it is a start: only entries
without a vector of the configured model are embedded, by `civic-match reembed` or in a
background thread when the bot starts. Until a workspace is complete the matcher keeps
serving it from the previous model's vectors (matching.models.ModelChoice); then the
old vectors are dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from matching.service import Matcher
from profiles import repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reembedded:
    """What one run did per workspace: entries embedded, old vectors dropped."""

    team_id: str
    embedded: int
    dropped: int


def pending(matcher: Matcher, team_id: str | None = None) -> dict[str, int]:
    """Workspaces with active entries the configured model has no vector of, and how many."""
    with matcher.store.session() as s:
        counts = repo.teams_without_vectors(s, matcher.embedder.model_id)
    if team_id is not None:
        return {team_id: counts[team_id]} if team_id in counts else {}
    return counts


def reembed(
    matcher: Matcher,
    team_id: str | None = None,
    progress: Callable[[int], object] | None = None,
    batch: int = 64,
) -> list[Reembedded]:
    """Embed what the configured model lacks, workspace by workspace, and switch each.

    Vectors are committed per batch, so an interrupted run resumes where it stopped.
    Other models' vectors are dropped only once the workspace is complete.
    """
    model = matcher.embedder.model_id
    teams = sorted(pending(matcher, team_id)) if team_id is None else [team_id]
    out = []
    for team in teams:
        with matcher.store.session() as s:
            missing = repo.entries_without_vector(s, team, model)
            matcher.store_vectors(s, missing, progress, batch)
            dropped = 0
            # An entry added meanwhile by a process still on the old model waits for the
            # next run; until then the old vectors keep serving.
            if not repo.entries_without_vector(s, team, model):
                dropped = repo.drop_vectors_except(s, team, model)
                s.commit()
        matcher.sync(team)
        out.append(Reembedded(team, len(missing), dropped))
        log.info("re-embedded %d entries of %s with %s", len(missing), team, model)
    return out


def start_background(matcher: Matcher) -> threading.Thread | None:
    """At a bot start: re-embed in a background thread if (and only if) something lacks a
    vector of the configured model; None when nothing is to do."""
    todo = pending(matcher)
    if not todo:
        return None
    log.info(
        "model %s: %d entries in %d workspaces lack vectors; re-embedding in the background",
        matcher.embedder.model_id,
        sum(todo.values()),
        len(todo),
    )

    def work() -> None:
        try:
            reembed(matcher)
        except Exception:  # the bot keeps serving from the old vectors
            log.exception("re-embedding failed; suggestions keep using the previous vectors")

    thread = threading.Thread(target=work, name="civic-reembed", daemon=True)
    thread.start()
    return thread

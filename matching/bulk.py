"""Suggestions for many members or entries at once: one Pool.rank_many, reasons for the top k only.

The Matcher's per-member and per-entry suggestions are a batch of one of these, so a
digest, `suggest --all`, the evaluation and a member's own /match rank identically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from matching import learning as learn
from matching.doc import Doc, Match
from matching.explain import Reason, reasons_for
from matching.gcpause import paused_gc
from matching.pool import Pool
from matching.scoring import sentence_pair
from matching.snapshot import Query
from profiles import repo


@dataclass(frozen=True)
class Suggestion:
    """A person to talk to, the entry of theirs that fits best, and why."""

    user_id: str
    display_name: str
    organisation: str
    score: float
    entry_id: int
    entry_title: str
    entry_external_id: str | None
    query_entry_id: int | None
    query_external_id: str | None
    # The reasons, or how to work them out: when first read, because a digest ranks ten
    # candidates per member and shows three (reasons were a fifth of a digest's time).
    why: tuple[Reason, ...] | Callable[[], tuple[Reason, ...]] = field(
        default=(), compare=False, repr=False
    )

    @cached_property
    def reasons(self) -> tuple[Reason, ...]:
        return self.why() if callable(self.why) else self.why


def suggestions(pool: Pool, queries: dict[int, Doc], matches: list[Match]) -> list[Suggestion]:
    """Matches as suggestions with their reasons: the sentence pair is shown from the
    pool's model's threshold (its ScaleProfile)."""
    out = []
    for m in matches:
        q = queries[m.query_id]
        # The ranked doc, not pool.docs[...]: a forget since the ranking may have
        # removed the entry from the pool.
        d = m.doc
        out.append(
            Suggestion(
                user_id=d.user_id,
                display_name=d.display_name,
                organisation=d.organisation,
                score=round(m.score, 4),
                entry_id=d.entry_id,
                entry_title=d.title,
                entry_external_id=d.external_id,
                query_entry_id=q.entry_id if q.entry_id >= 0 else None,
                query_external_id=q.external_id,
                why=_Explanation(q, m, pool.min_sentence_sim),
            )
        )
    return out


class _Explanation:
    """A suggestion's reasons, worked out when called."""

    # One object per suggestion where a partial took two (itself and its arguments' tuple):
    # a digest makes one for each of ~100,000 candidates, and every object the garbage
    # collector tracks lengthens each of its full passes over a snapshot's objects.
    __slots__ = ("match", "min_sentence_sim", "query")

    def __init__(self, query: Doc, match: Match, min_sentence_sim: float) -> None:
        self.query = query
        self.match = match
        self.min_sentence_sim = min_sentence_sim

    def __call__(self) -> tuple[Reason, ...]:
        q, m = self.query, self.match
        pair = sentence_pair(q.sentence_vectors, m.doc.sentence_vectors)
        return reasons_for(q, m.doc, m, self.min_sentence_sim, pair)


def _blocked(m: learn.Learner, team_id: str) -> dict[str, set[str]]:
    with m.store.session() as s:
        pairs = repo.blocked_pairs(s, team_id)
    out: dict[str, set[str]] = {}
    for pair in pairs:
        if len(pair) == 2:
            a, b = sorted(pair)
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return out


def suggest(
    m: learn.Learner,
    pool: Pool,
    team_id: str,
    asks: Sequence[tuple[str, list[Doc]]],
    k: int,
    *,
    exclude_same_org: bool = False,
    also_exclude: Iterable[str] = (),
    among: Iterable[str] | None = None,
    listed_only: bool = True,
) -> list[list[Suggestion]]:
    """Suggestions for each ``(member, query entries)``: never the member, nor anyone they
    blocked or were blocked by, nor (``exclude_same_org``) their own organisation."""
    blocked = _blocked(m, team_id)
    also = frozenset(also_exclude)
    within = frozenset(among) if among is not None else None
    specs = []
    for user, docs in asks:
        org = next((d.org for d in pool.docs_of(user) if d.org), "")
        specs.append(
            Query(
                docs,
                exclude_users=frozenset({user} | blocked.get(user, set())) | also,
                exclude_orgs=frozenset({org}) if exclude_same_org and org else frozenset(),
                among=within,
                listed_only=listed_only,
            )
        )
    # Candidates are found as deep as learning could reach, so that whether anyone has
    # reacted yet changes only how many are ranked, not who can be suggested.
    deep = learn.depth(k, m.learning)
    ranked = pool.rank_many(specs, k=deep if learn.reacted(m, team_id) else k, recall=deep)
    # One read of the workspace's reactions for many members; one member reads their own.
    ctx = learn.context(m, team_id, pool) if len(asks) > 1 else None
    out = []
    # A digest's ~100,000 suggestions are objects the collector tracks and that live on:
    # its passes over them and the snapshot find no cycles (paused_gc says why).
    with paused_gc():
        for (user, docs), matches in zip(asks, ranked, strict=True):
            top = learn.learned(m, team_id, user, pool, matches, k, ctx)
            out.append(suggestions(pool, {d.entry_id: d for d in docs}, top))
    return out


def for_members(
    m: learn.Learner,
    pool: Pool,
    team_id: str,
    users: Iterable[str],
    k: int,
    *,
    exclude_same_org: bool = False,
    also_exclude: Iterable[str] = (),
    among: Iterable[str] | None = None,
    listed_only: bool = True,
) -> dict[str, list[Suggestion]]:
    """Each member's partners across all of their entries; members without entries left out."""
    asks = [(u, pool.docs_of(u)) for u in sorted(set(users))]
    asks = [(u, docs) for u, docs in asks if docs]
    found = suggest(
        m,
        pool,
        team_id,
        asks,
        k,
        exclude_same_org=exclude_same_org,
        also_exclude=also_exclude,
        among=among,
        listed_only=listed_only,
    )
    return {u: x for (u, _docs), x in zip(asks, found, strict=True)}


def for_entries(
    m: learn.Learner,
    pool: Pool,
    team_id: str,
    entry_ids: Iterable[int],
    k: int,
    *,
    exclude_same_org: bool = False,
    listed_only: bool = True,
) -> dict[int, list[Suggestion]]:
    """Partners for each entry on its own (entries not in the pool left out)."""
    docs = [pool.docs[e] for e in entry_ids if e in pool.docs]
    asks = [(d.user_id, [d]) for d in docs]
    found = suggest(
        m,
        pool,
        team_id,
        asks,
        k,
        exclude_same_org=exclude_same_org,
        listed_only=listed_only,
    )
    return {d.entry_id: x for d, x in zip(docs, found, strict=True)}

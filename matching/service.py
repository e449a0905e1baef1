"""The matching service: the one entry point the bot, the CLI and the evaluation use."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

import numpy as np
from sqlalchemy.orm import Session

from matching import bulk
from matching import learning as learn
from matching.bulk import Suggestion as Suggestion
from matching.derived import Deriving, docs_of
from matching.embedder import Embedder, Vectors, text_hash
from matching.entries import embed_text, prepare, topics
from matching.errors import EmptyText
from matching.feedback import Fit, Learning
from matching.gcpause import paused_gc
from matching.lexical import TOKENS, tokens
from matching.models import ModelChoice, model_profile
from matching.pool import Doc, Pool
from matching.scoring import Weights
from matching.snapshot import Query
from matching.taxonomy import detect_groups, detect_needs, detect_tools
from matching.text import clean, split_sentences
from profiles import repo
from profiles.db import Store
from profiles.entry import EntryData, EntryRow
from profiles.errors import NotFound
from profiles.models import Entry, EntryVector

Progress = Callable[[int], object]


# The name the bot, the importer and the tests know; one type with what the repository stores.
EntryInput = EntryData


# Even with an unchanged revision, compare every entry's version this often: a write
# that bypassed the ORM (a hand-run SQL fix) is picked up within this time.
FULL_CHECK_S = 30.0
# Entries read and turned into Docs at a time by a sync (a multiple of the repository's
# IN-list chunk, so that rows come in the same order as one read of them all).
SYNC_CHUNK = 1000


class Matcher:
    """Keeps one Pool per workspace in step with the database and answers queries."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        weights: Weights | None = None,
        learning: Learning | None = None,
        embedders: Callable[[str], Embedder | None] | None = None,
        workers: int = 1,
    ) -> None:
        self.store = store
        # Processes for ranking many queries at once (Pool.workers).
        self.workers = workers
        self.embedder = embedder
        # Until a changed model's vectors are complete, a workspace is served by the model
        # of its stored vectors; this gives that model's embedder (None: not available).
        self.models = ModelChoice(embedder, embedders)
        # The embedder's scale decides the default weights (the prior every refit is
        # pulled towards) and how close a sentence pair must be to be shown.
        self.profile = model_profile(embedder.model_id)
        self.weights = weights or self.profile.weights
        self.learning = learning or Learning()
        self._pools: dict[str, Pool] = {}
        self._known: dict[str, dict[int, str]] = {}
        # Per team: the revision the pool reflects and when versions were last compared.
        self._revision: dict[str, tuple[int, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # ------------------------------------------------------------ sync

    def _lock(self, team_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(team_id, threading.Lock())

    @staticmethod
    def _versions(s: Session, team_id: str) -> dict[int, str]:
        """A cheap version stamp per active entry: its own and its member's last change."""
        return repo.entry_versions(s, team_id)

    def _embed(
        self, entries: list[Entry], embedder: Embedder
    ) -> list[tuple[Vectors, Vectors, list[str]]]:
        """Document vector plus sentence vectors for each entry, in one batched call."""
        texts: list[str] = []
        spans: list[tuple[int, int, list[str]]] = []
        for e in entries:
            text = embed_text(e)
            sents = split_sentences(text)
            start = len(texts)
            texts.append(text)
            if len(sents) > 1:
                texts.extend(sents)
            spans.append((start, len(texts), sents))
        vecs = embedder.embed(texts)
        out = []
        for start, end, sents in spans:
            doc = vecs[start]
            sent_vecs = vecs[start + 1 : end] if end - start > 1 else vecs[start : start + 1]
            out.append((doc, sent_vecs, sents))
        return out

    def store_vectors(
        self,
        s: Session,
        entries: list[Entry],
        progress: Progress | None = None,
        batch: int = 64,
        embedder: Embedder | None = None,
    ) -> dict[int, EntryVector]:
        """Embed and store the entries' vectors (by the configured model unless given)."""
        emb = embedder or self.embedder
        out: dict[int, EntryVector] = {}
        for start in range(0, len(entries), batch):
            chunk = entries[start : start + batch]
            for e, (doc, sents, _texts) in zip(chunk, self._embed(chunk, emb), strict=True):
                out[e.id] = repo.save_vector(
                    s,
                    e,
                    model_id=emb.model_id,
                    text_hash=text_hash(embed_text(e)),
                    vector=doc.astype(np.float32).tobytes(),
                    dim=int(doc.shape[0]),
                    sentence_vectors=sents.astype(np.float16).tobytes(),
                    sentence_count=int(sents.shape[0]),
                )
            # Commit per batch: a long import must not hold SQLite's write lock (and
            # block the bot or a digest run) for the whole embedding time.
            s.commit()
            if progress:
                progress(len(chunk))
        return out

    def _weights(self, model: str, team_id: str) -> Weights:
        """The configured model's (possibly learned) weights; an old model's own meanwhile."""
        if model == self.embedder.model_id:
            return learn.weights_for(self, team_id)
        return model_profile(model).weights

    def _min_sentence_sim(self, model: str) -> float:
        """From which cosine a sentence pair is shown, on the scale of the serving model."""
        if model == self.embedder.model_id:
            return self.profile.min_sentence_sim
        return model_profile(model).min_sentence_sim

    def _load(
        self, s: Session, team_id: str, ids: list[int], model: str, progress: Progress | None
    ) -> tuple[list[Doc], list[int], int | None]:
        """Docs of the entries ``ids`` (in the order the store gives them), the ids left
        out (no vector of ``model`` for their text, and no embedder for it), and the
        dimension of a stored vector of ``model`` (None if none was read).

        Read, checked and built SYNC_CHUNK entries at a time, as plain rows: at 10,000
        entries, mapped objects, blobs and JSON of everyone at once doubled the peak memory
        of a start and took a third of its time. Entries whose vector is missing or stale
        are embedded together at the end, in the same batches as one call would make.
        """
        built: dict[int, Doc] = {}
        order: list[int] = []
        stale: list[tuple[EntryRow, str]] = []
        dim: int | None = None
        with Deriving(len(ids)) as derived_for:
            for start in range(0, len(ids), SYNC_CHUNK):
                chunk = ids[start : start + SYNC_CHUNK]
                entries = repo.entry_rows(s, team_id, chunk)
                vectors = repo.vector_rows(s, chunk, model)
                # A current stored row knows the hash of the entry's embedded text: the
                # text is cleaned and hashed only for entries without one.
                stored = derived_for.stored(s, team_id, entries)
                texts: dict[int, str] = {}
                fresh = []
                for e in entries:
                    order.append(e.id)
                    v = vectors.get(e.id)
                    dim = v.dim if v is not None else dim
                    hit = stored.get(e.id)
                    if hit is None:
                        texts[e.id] = embed_text(e)
                    h = hit[0] if hit is not None else text_hash(texts[e.id])
                    if v is not None and v.text_hash == h:
                        fresh.append(e)
                    else:
                        stale.append((e, texts[e.id] if e.id in texts else embed_text(e)))
                todo = [e for e in fresh if e.id not in stored]
                derived = derived_for(s, team_id, todo, texts) if todo else {}
                ready = [
                    (e, vectors[e.id], stored[e.id][1] if e.id in stored else derived[e.id])
                    for e in fresh
                ]
                for d in docs_of(ready):
                    built[d.entry_id] = d
                del ready
                del entries, vectors, stored, derived, fresh
            emb = self.models.embedder(model)
            if stale and emb is not None:
                rows = [e for e, _text in stale]
                by_id = {e.id: e for e in repo.entries_by_ids(s, team_id, [e.id for e in rows])}
                mapped = [by_id[e.id] for e in rows]
                stored_vectors = self.store_vectors(s, mapped, progress, embedder=emb)
                derived = derived_for(s, team_id, rows, dict((e.id, t) for e, t in stale))
                done = [(e, stored_vectors[e.id], derived[e.id]) for e, _text in stale]
                for d in docs_of(done):
                    built[d.entry_id] = d
                    dim = stored_vectors[d.entry_id].dim
        # Else the old model is gone: these join when the re-embedding is done.
        dropped = [e.id for e, _text in stale if e.id not in built]
        return [built[i] for i in order if i in built], dropped, dim

    def sync(self, team_id: str, progress: Progress | None = None, force: bool = False) -> Pool:
        """Bring the team's pool in line with the database, incrementally.

        Only entries whose version stamp changed (here or in another process)
        are read again; only those without a vector of the serving model for
        their exact text are embedded. ``force`` rebuilds the pool from scratch
        (still without re-embedding unchanged text). The serving model is the configured
        one once the workspace's vectors of it are complete (matching.models).
        """
        with self._lock(team_id), self.store.session() as s:
            pool = None if force else self._pools.get(team_id)
            # Read before the versions: a change committed in between shows up as a new
            # revision next time, so nothing is missed, at worst compared twice.
            revision = repo.team_revision(s, team_id)
            seen = self._revision.get(team_id)
            now = time.monotonic()
            if (
                pool is not None
                and seen is not None
                and seen[0] == revision
                and now - seen[1] < FULL_CHECK_S
            ):
                return pool
            model = self.models.serving(s, team_id)
            if model != self.models.served.get(team_id):
                pool = None  # another model's vectors: a new index, other dimensions
            versions = self._versions(s, team_id)
            known = self._known.get(team_id, {}) if pool is not None else {}
            changed = [i for i, v in versions.items() if known.get(i) != v]
            removed = [i for i in known if i not in versions]
            if pool is not None and not changed and not removed:
                self._revision[team_id] = (revision, now)
                return pool
            with paused_gc():
                docs, dropped, dim = self._load(s, team_id, changed, model, progress)
                removed += dropped
                if pool is None:
                    pool = Pool(
                        self.models.dim(model, dim),
                        self._weights(model, team_id),
                        min_sentence_sim=self._min_sentence_sim(model),
                        workers=self.workers,
                    )
                pool.remove(removed)
                pool.upsert(docs)
                del docs
            self._pools[team_id] = pool
            self.models.served[team_id] = model
            self._known[team_id] = versions
            # Only now: if anything above failed, the next call compares again.
            self._revision[team_id] = (revision, now)
            return pool

    # ------------------------------------------------------------ writes

    def save_entry(
        self,
        team_id: str,
        user_id: str,
        data: EntryInput,
        *,
        display_name: str | None = None,
        organisation: str | None = None,
        language: str | None = None,
    ) -> int:
        """Store a new entry for a member (created on first contact), embed and index it."""
        prepared = prepare(data)
        with self.store.session() as s:
            member = repo.upsert_member(
                s,
                team_id,
                user_id,
                display_name=display_name,
                organisation=organisation,
                language=language,
            )
            repo.accept_member(s, team_id, user_id)  # describing oneself is agreeing
            entry = repo.add_entry(s, member, prepared)
            self.store_vectors(s, [entry])
            entry_id = entry.id
        self.sync(team_id)
        return entry_id

    def import_entries(
        self,
        team_id: str,
        rows: Iterable[tuple[str, str, str, EntryInput]],
        progress: Progress | None = None,
        *,
        consent: str = "imported",
    ) -> list[int]:
        """Store many entries (member id, name, organisation, entry) and embed them in batches;
        new members are "imported" (profiles.models.CONSENTS), existing ones keep theirs."""
        ids: list[int] = []
        with self.store.session() as s:
            for user_id, name, org, data in rows:
                member = repo.upsert_member(
                    s,
                    team_id,
                    user_id,
                    display_name=name or None,
                    organisation=org or None,
                    consent=consent,
                )
                ids.append(repo.add_entry(s, member, prepare(data)).id)
        self.sync(team_id, progress=progress)
        return ids

    def update_entry(self, team_id: str, user_id: str, entry_id: int, data: EntryInput) -> None:
        prepared = prepare(data)
        with self.store.session() as s:
            entry = repo.update_entry(s, team_id, user_id, entry_id, prepared)
            repo.accept_member(s, team_id, user_id)  # editing is describing: agreeing
            self.store_vectors(s, [entry])
        self.sync(team_id)

    def delete_entry(self, team_id: str, user_id: str, entry_id: int) -> None:
        with self.store.session() as s:
            repo.delete_entry(s, team_id, user_id, entry_id)
        self.sync(team_id)

    def forget_member(self, team_id: str, user_id: str) -> dict[str, int]:
        """Delete everything about a member: entries, vectors, feedback, history."""
        with self.store.session() as s:
            counts = repo.forget_member(s, team_id, user_id)
        self.sync(team_id)
        return counts

    def refit_weights(self, team_id: str) -> Fit | None:
        """Refit this workspace's weights from its feedback (see matching/learning.py)."""
        return learn.refit_pool(self, self.sync(team_id), team_id)

    # ------------------------------------------------------------ queries

    def suggest_for_entry(
        self,
        team_id: str,
        entry_id: int,
        k: int = 5,
        *,
        exclude_same_org: bool = False,
        listed_only: bool = True,
    ) -> list[Suggestion]:
        """Partners for one entry: one suggestion per person, never its owner."""
        pool = self.sync(team_id)
        if entry_id not in pool.docs:
            raise NotFound(f"no entry {entry_id}")
        found = bulk.for_entries(
            self, pool, team_id, [entry_id], k, exclude_same_org=exclude_same_org,
            listed_only=listed_only,
        )  # fmt: skip
        return found[entry_id]

    def suggest_for_entries(
        self,
        team_id: str,
        entry_ids: Iterable[int],
        k: int = 5,
        *,
        exclude_same_org: bool = False,
        listed_only: bool = True,
    ) -> dict[int, list[Suggestion]]:
        """suggest_for_entry for many entries, ranked in one batch (unknown ids left out)."""
        return bulk.for_entries(
            self, self.sync(team_id), team_id, entry_ids, k, exclude_same_org=exclude_same_org,
            listed_only=listed_only,
        )  # fmt: skip

    def suggest_for_member(
        self,
        team_id: str,
        user_id: str,
        k: int = 5,
        *,
        exclude_same_org: bool = False,
        also_exclude: Iterable[str] = (),
        among: Iterable[str] | None = None,
        listed_only: bool = True,
    ) -> list[Suggestion]:
        """Partners for a member across all of their entries (only ``among`` these, if given)."""
        return self.suggest_for_members(
            team_id, [user_id], k, exclude_same_org=exclude_same_org, also_exclude=also_exclude,
            among=among, listed_only=listed_only,
        ).get(user_id, [])  # fmt: skip

    def suggest_for_members(
        self,
        team_id: str,
        users: Iterable[str],
        k: int = 5,
        *,
        exclude_same_org: bool = False,
        also_exclude: Iterable[str] = (),
        among: Iterable[str] | None = None,
        listed_only: bool = True,
    ) -> dict[str, list[Suggestion]]:
        """suggest_for_member for many members, ranked in one batch."""
        return bulk.for_members(
            self, self.sync(team_id), team_id, users, k, exclude_same_org=exclude_same_org,
            also_exclude=also_exclude, among=among, listed_only=listed_only,
        )  # fmt: skip

    def find(
        self, team_id: str, text: str, k: int = 5, *, user_id: str = "", listed_only: bool = True
    ) -> list[Suggestion]:
        """Who works on this, or has data about it: free-text search over the community."""
        cleaned = clean(text)
        if not cleaned:
            raise EmptyText("empty query")
        pool = self.sync(team_id)
        sents = split_sentences(cleaned)
        vecs = self.models.require(self.models.served[team_id]).embed([cleaned, *sents])
        looks, offers = detect_needs(cleaned)
        query = Doc(
            entry_id=-1,
            user_id=user_id,
            vector=vecs[0],
            sentences=sents,
            sentence_vectors=vecs[1:] if len(sents) > 0 else vecs[:1],
            tokens=TOKENS.encode(tokens(cleaned)),
            **topics(
                cleaned,
                groups=detect_groups(cleaned),
                tools=detect_tools(cleaned),
                looking_for=looks,
                offers=offers,
            ),
        )
        users = frozenset({user_id}) if user_id else frozenset()
        spec = Query([query], exclude_users=users, listed_only=listed_only)
        return bulk.suggestions(pool, {-1: query}, pool.rank_many([spec], k=k)[0])

    def partner_candidates(
        self, team_id: str, k: int = 10, users: Iterable[str] | None = None
    ) -> dict[str, list[Suggestion]]:
        """Each member's best ``k`` partners (before any planning), for digests and workshops."""
        pool = self.sync(team_id)
        wanted = users if users is not None else pool.users()
        return bulk.for_members(self, pool, team_id, wanted, k)

    def record_shown(
        self,
        team_id: str,
        user_id: str,
        suggestions: list[Suggestion],
        source: str,
        period: str | None = None,
    ) -> None:
        with self.store.session() as s:
            repo.log_suggestions(
                s, team_id, user_id, [(x.user_id, x.score) for x in suggestions], source, period
            )

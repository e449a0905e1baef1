"""Batch ranking (suggest --all, digests, eval, workshops) equals the single-query path."""

from __future__ import annotations

import numpy as np
import pytest

from matching import batch as batch_mod
from matching.candidates import _top, _top_many, candidates, open_candidates
from matching.service import EntryInput, Matcher, Suggestion
from matching.snapshot import Query
from profiles import repo
from tests.support.community import TEAM, community

EXTRA = [
    ("U03", "Digitale Teilhabe für Senior*innen mit Tablets und Ehrenamt in Leipzig"),
    ("U07", "Offene Daten zu Schulen und Lernförderung, Karten mit Leaflet"),
    ("U12", "Wir suchen Partner mit Daten zu Wohnungslosen, wir bieten Beratung"),
]


def _setup(matcher: Matcher) -> list[str]:
    users = community(matcher, n=24)
    matcher.import_entries(
        TEAM,
        [(u, "", "", EntryInput(description=text)) for u, text in EXTRA],
        consent="self",
    )
    with matcher.store.session() as s:
        # A declined pair: neither may be suggested to the other, on either path.
        repo.record_feedback(s, TEAM, "U00", "U01", "not_relevant")
    return users


def _plain(sugg: list[Suggestion]) -> list[tuple[str, int, float, tuple[object, ...]]]:
    return [(x.user_id, x.entry_id, x.score, x.reasons) for x in sugg]


def test_every_entry_ranks_the_same_alone_and_in_one_batch(matcher: Matcher) -> None:
    _setup(matcher)
    pool = matcher.sync(TEAM)
    ids = sorted(pool.docs)
    batch = matcher.suggest_for_entries(TEAM, ids, 8, listed_only=False)
    assert set(batch) == set(ids)
    for e in ids:
        alone = matcher.suggest_for_entry(TEAM, e, 8, listed_only=False)
        assert alone, e
        assert _plain(batch[e]) == _plain(alone)
    owner = {e: pool.docs[e].user_id for e in ids}
    assert all(x.user_id != owner[e] for e in ids for x in batch[e])
    assert any(x.reasons for sugg in batch.values() for x in sugg)


def test_many_small_blocks_rank_as_one_block(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(matcher)
    pool = matcher.sync(TEAM)
    ids = sorted(pool.docs)
    # Few candidates per query (2 by BM25, 20 nearest vectors for k=2), so that each
    # block must be given its own queries' neighbours.
    monkeypatch.setattr(pool, "candidates", 2)
    whole = matcher.suggest_for_entries(TEAM, ids, 2, listed_only=False)
    monkeypatch.setattr(batch_mod, "BLOCK", 4)
    assert len(ids) > 3 * 4
    spread = matcher.suggest_for_entries(TEAM, ids, 2, listed_only=False)
    assert {e: _plain(v) for e, v in spread.items()} == {e: _plain(v) for e, v in whole.items()}


def test_members_rank_the_same_alone_in_a_batch_and_as_digest_candidates(
    matcher: Matcher,
) -> None:
    users = _setup(matcher)
    batch = matcher.suggest_for_members(TEAM, users, 6)
    digest = matcher.partner_candidates(TEAM, k=6)
    for u in users:
        alone = matcher.suggest_for_member(TEAM, u, 6)
        assert len(alone) == 6
        assert _plain(batch[u]) == _plain(alone) == _plain(digest[u])
    assert "U01" not in {x.user_id for x in batch["U00"]}
    assert "U00" not in {x.user_id for x in batch["U01"]}
    # Members with two entries are matched on both: their second entry can be the query.
    assert any(x.query_entry_id is not None for x in batch["U03"])


def test_workshop_pairs_rank_the_same_alone_and_in_one_batch(matcher: Matcher) -> None:
    users = _setup(matcher)
    people = users[:9]
    batch = matcher.suggest_for_members(TEAM, people, k=len(people), among=people)
    for u in people:
        alone = matcher.suggest_for_member(TEAM, u, k=len(people), among=people)
        assert _plain(batch[u]) == _plain(alone)
        # Every other participant is scored (a workshop needs all pairs), bar the declined one.
        others = set(people) - {u} - ({"U01"} if u == "U00" else {"U00"} if u == "U01" else set())
        assert {x.user_id for x in alone} == others


def test_block_candidate_mask_picks_what_the_per_row_selection_picks() -> None:
    # Ties at the cut are where a vectorised top-n goes wrong: few distinct values.
    rng = np.random.default_rng(7)
    for n_docs, n in [(50, 10), (300, 100), (40, 100)]:
        lex = rng.integers(-2, 6, size=(33, n_docs)).astype(np.float32) / 2
        mask = _top_many(lex, n)
        for row, picked in zip(lex, mask, strict=True):
            assert np.flatnonzero(picked).tolist() == sorted(_top(row, n).tolist())


def test_candidates_of_a_block_equal_those_of_each_query_alone(matcher: Matcher) -> None:
    _setup(matcher)
    pool = matcher.sync(TEAM)
    snap = pool._lex()
    docs = [pool.docs[e] for e in sorted(pool.docs)]
    specs = [
        Query(
            [d],
            # The declined pair, an excluded organisation and consent, as in real asks.
            exclude_users=frozenset({"U01"} if d.user_id == "U00" else set()),
            exclude_orgs=frozenset({docs[0].org}) if i % 3 == 0 else frozenset(),
            listed_only=i % 2 == 0,
        )
        for i, d in enumerate(docs)
    ]
    block = list(zip(docs, specs, strict=True))
    lex_all = snap.index.scores_of_ids([snap.token_ids(d) for d in docs])
    hits = pool.index.search_ids(np.vstack([d.vector for d in docs]), 5)
    found = [row[row >= 0] for row in hits]
    together = open_candidates(pool, snap, block, lex_all, list(found))
    assert set(together) == set(range(len(docs)))
    for b, (d, spec) in enumerate(block):
        rows, extra = candidates(pool, snap, d, spec, lex_all[b], found[b])
        assert together[b][0].tolist() == rows.tolist()
        assert [x.entry_id for x in together[b][1]] == [x.entry_id for x in extra]
        assert d.entry_id not in snap.table.ids[together[b][0]].tolist()
    assert any(len(rows) for rows, _extra in together.values())

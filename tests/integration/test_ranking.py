"""Ranking against brute-force numpy, and the pure scoring functions."""

from __future__ import annotations

import numpy as np
import pytest

from matching.embedder import normalise
from matching.index import VectorIndex
from matching.lexical import TOKENS, tokens
from matching.pool import Doc, Pool
from matching.scoring import Weights, sentence_alignment, set_overlap, top_k


def _random(n: int, dim: int, seed: int) -> np.ndarray:
    return normalise(np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32))


def test_faiss_index_matches_brute_force() -> None:
    vecs = _random(500, 64, 1)
    ids = list(range(1000, 1500))
    ix = VectorIndex(64)
    ix.add(ids, vecs)
    for q in _random(20, 64, 2):
        got = ix.search(q, 10)
        want = top_k(q, vecs, ids, 10)
        assert [i for i, _ in got] == [i for i, _ in want]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)


def test_index_add_remove_replace_without_rebuild() -> None:
    vecs = _random(10, 16, 3)
    ix = VectorIndex(16)
    ix.add(list(range(10)), vecs)
    ix.remove([3, 4])
    assert len(ix) == 8 and 3 not in ix
    assert all(i not in (3, 4) for i, _ in ix.search(vecs[3], 10))
    ix.add([5], vecs[3:4])  # replace 5's vector by 3's
    assert len(ix) == 8
    assert ix.search(vecs[3], 1)[0][0] == 5
    assert ix.search(vecs[3], 100)[0][1] > 0.999


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Points around 40 topics: real descriptions cluster, which is what IVF relies on."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dim))
    pts = centres[rng.integers(0, 40, n)] + 0.6 * rng.standard_normal((n, dim))
    return normalise(pts.astype(np.float32))


def test_index_turns_approximate_past_its_exact_size_and_keeps_its_semantics() -> None:
    vecs = _clustered(3000, 32, 7)
    ids = list(range(10_000, 13_000))
    ix = VectorIndex(32, exact_up_to=1000, nprobe=8)
    ix.add(ids[:1000], vecs[:1000])
    assert not ix.approximate
    # The flat index gives its vectors back as they went in, before and after the switch.
    assert np.array_equal(ix.vector(10_010), vecs[10]) and ix.vector(9) is None
    ix.add(ids[1000:], vecs[1000:])
    assert ix.approximate and len(ix) == 3000
    assert np.array_equal(ix.vector(10_010), vecs[10])
    assert np.array_equal(ix.vector(12_999), vecs[2999])

    queries = vecs[:50] + 0.3 * _random(50, 32, 8)
    recall = []
    for q in normalise(queries.astype(np.float32)):
        want = {i for i, _ in top_k(q, vecs, ids, 10)}
        got = ix.search(q, 10)
        assert len(got) == 10 and [s for _, s in got] == sorted((s for _, s in got), reverse=True)
        recall.append(len(want & {i for i, _ in got}) / 10)
    assert np.mean(recall) >= 0.9

    # Add, replace and remove behave as in the flat index.
    ix.remove([10_003, 10_004])
    assert len(ix) == 2998 and 10_003 not in ix
    assert all(i not in (10_003, 10_004) for i, _ in ix.search(vecs[3], 50))
    ix.add([10_005], vecs[3:4])
    assert len(ix) == 2998 and ix.search(vecs[3], 1)[0][0] == 10_005
    assert [r[0][0] for r in ix.search_many(vecs[10:12], 1)] == [10_010, 10_011]


def test_approximate_index_is_retrained_when_it_has_doubled() -> None:
    vecs = _clustered(900, 16, 9)
    ix = VectorIndex(16, exact_up_to=200)
    ix.add(list(range(300)), vecs[:300])
    first = ix._trained_on
    assert first == 300
    ix.add(list(range(300, 500)), vecs[300:500])
    assert ix._trained_on == first  # not yet doubled: new vectors go into the trained cells
    ix.add(list(range(500, 900)), vecs[500:])
    assert ix._trained_on == 900 and len(ix) == 900
    assert ix.search(vecs[700], 1)[0][0] == 700


def test_pool_semantic_only_equals_brute_force_cosine() -> None:
    vecs = _random(60, 32, 4)
    pool = Pool(32, Weights(semantic=1, sentence=0, lexical=0, groups=0, tools=0, needs=0))
    pool.upsert(
        Doc(entry_id=i, user_id=f"U{i}", vector=vecs[i], sentence_vectors=vecs[i : i + 1])
        for i in range(60)
    )
    got = [(m.entry_id, m.score) for m in pool.rank(pool.docs[0], k=10)]
    want = [x for x in top_k(vecs[0], vecs, list(range(60)), 11) if x[0] != 0][:10]
    assert [i for i, _ in got] == [i for i, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)


def test_rank_members_names_each_person_once_and_skips_self() -> None:
    vecs = _random(30, 16, 5)
    pool = Pool(16)
    pool.upsert(Doc(entry_id=i, user_id=f"U{i % 5}", vector=vecs[i]) for i in range(30))
    res = pool.rank_members([pool.docs[0], pool.docs[5]], k=10)
    users = [m.user_id for m in res]
    assert len(users) == len(set(users)) == 4
    assert "U0" not in users
    assert res[0].score >= res[-1].score


WORDS = [
    "Senioren Tablet Kurse Nachbarschaft",
    "Geflüchtete Ukraine Wohnungssuche Beratung",
    "Wohnungslose Kältehilfe Notunterkunft Plätze",
    "Hass im Netz Beratung Betroffene Anzeige",
    "Kinderarmut Stadtteil Daten Analyse",
]


def _lexical_docs(n: int, seed: int) -> list[Doc]:
    vecs = _random(n, 16, seed)
    return [
        Doc(
            entry_id=i,
            user_id=f"U{i}",
            vector=vecs[i],
            tokens=TOKENS.encode(
                tokens(f"{WORDS[i % len(WORDS)]} {WORDS[(i * 3) % len(WORDS)]} Projekt {i}")
            ),
        )
        for i in range(n)
    ]


def _features(pool: Pool, query: Doc) -> dict[int, tuple[float, float]]:
    return {m.entry_id: (m.features.lexical, m.score) for m in pool.rank(query, k=100)}


def test_large_pool_ranks_with_the_last_lexical_index_while_it_is_rebuilt() -> None:
    docs = _lexical_docs(40, 11)
    # Every rebuild after the first in the background.
    pool = Pool(16, sync_lexical_up_to=0, lexical_delay_s=0.05)
    pool.upsert(docs[:30])
    first = _features(pool, docs[0])
    assert any(lex > 0 for lex, _ in first.values())

    pool.upsert(docs[30:])
    pool.remove([1, 2])
    during = _features(pool, docs[0])
    # Whatever the rebuild's progress, removed entries never come back.
    assert 1 not in during and 2 not in during
    assert pool.wait_lexical()
    after = _features(pool, docs[0])

    exact = Pool(16)
    exact.upsert(d for d in docs if d.entry_id not in (1, 2))
    want = _features(exact, docs[0])
    assert after.keys() == want.keys()
    for e, (lex, score) in want.items():
        assert after[e] == pytest.approx((lex, score), rel=1e-5)
    # The new entries now have their lexical share (before the rebuild they had none).
    assert any(after[e][0] > 0 for e in range(30, 40))


def test_small_pool_rebuilds_the_lexical_index_before_ranking() -> None:
    docs = _lexical_docs(20, 12)
    pool = Pool(16)
    pool.upsert(docs[:10])
    pool.rank(docs[0], k=5)
    pool.upsert(docs[10:])
    got = _features(pool, docs[0])
    exact = Pool(16)
    exact.upsert(docs)
    want = _features(exact, docs[0])
    assert got.keys() == want.keys()
    for e, pair in want.items():
        assert got[e] == pytest.approx(pair, rel=1e-5)
    assert pool._rebuilder is None  # no thread for a small pool


def test_group_overlap_lifts_a_candidate() -> None:
    v = _random(3, 8, 6)
    same = normalise((v[0] + v[1]) / 2)
    pool = Pool(8)
    pool.upsert(
        [
            Doc(entry_id=1, user_id="A", vector=v[0], groups=frozenset({"seniors"})),
            Doc(entry_id=2, user_id="B", vector=same[0], groups=frozenset()),
            Doc(entry_id=3, user_id="C", vector=same[0], groups=frozenset({"seniors"})),
        ]
    )
    ranked = [m.entry_id for m in pool.rank(pool.docs[1], k=2)]
    assert ranked == [3, 2]


def test_sentence_alignment_finds_the_closest_pair() -> None:
    a = normalise(np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32))
    b = normalise(np.array([[0, 0, 1], [0, 0.9, 0.1]], dtype=np.float32))
    soft, i, j, sim = sentence_alignment(a, b)
    assert (i, j) == (1, 1)
    assert sim > 0.99
    assert 0 < soft < 1


def test_set_overlap_saturates() -> None:
    a = frozenset({"x", "y", "z"})
    assert set_overlap(a, frozenset()) == 0
    one, two = set_overlap(a, frozenset({"x"})), set_overlap(a, frozenset({"x", "y"}))
    assert 0 < one < two < 1


def test_among_scores_every_chosen_member_exactly() -> None:
    vecs = _random(50, 16, 7)
    pool = Pool(16, candidates=2)  # a shallow index search would miss far entries
    pool.upsert(Doc(entry_id=i, user_id=f"U{i}", vector=vecs[i]) for i in range(50))
    q = pool.docs[0]
    far = min(range(1, 50), key=lambda i: float(vecs[i] @ vecs[0]))
    assert far not in {m.entry_id for m in pool.rank(q, k=3)}
    got = pool.rank_members([q], k=10, among=frozenset({f"U{far}", "U1", "U0"}))
    assert {m.user_id for m in got} == {f"U{far}", "U1"}
    sem = {m.user_id: m.features.semantic for m in got}
    assert abs(sem[f"U{far}"] - float(vecs[far] @ vecs[0])) < 1e-5

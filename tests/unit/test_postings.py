"""The numpy sparse product of batch ranking, against dense numpy and bm25s itself."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from matching import postings
from matching.lexical import Lexical, tokens
from matching.postings import Postings, Sparse


def _random(rng: np.random.Generator, n: int, m: int, density: float) -> np.ndarray:
    return np.where(rng.random((n, m)) < density, rng.random((n, m)), 0.0)


def _sparse(dense: np.ndarray) -> Sparse:
    r, c = np.nonzero(dense)
    return Sparse.of(r.tolist(), c.tolist(), dense[r, c].tolist(), dense.shape)


def test_product_equals_dense_and_a_query_scores_the_same_alone_or_in_a_batch() -> None:
    rng = np.random.default_rng(3)
    table = _random(rng, 40, 30, 0.3)
    queries = _random(rng, 12, 30, 0.4)
    p = Postings.of(_sparse(table))
    together = p.dot(_sparse(queries))
    np.testing.assert_allclose(together, queries @ table.T, rtol=1e-12)
    for i in range(len(queries)):
        alone = p.dot(_sparse(queries[i : i + 1]))
        assert np.array_equal(alone[0], together[i])


def test_small_steps_split_the_work_without_changing_a_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(4)
    table = _random(rng, 50, 20, 0.5)
    queries = _random(rng, 6, 20, 0.6)
    p = Postings.of(_sparse(table))
    whole = p.dot(_sparse(queries))
    monkeypatch.setattr(postings, "STEP", 7)
    stepped = p.dot(_sparse(queries))
    np.testing.assert_allclose(stepped, whole, rtol=1e-12)
    for i in range(len(queries)):
        assert np.array_equal(p.dot(_sparse(queries[i : i + 1]))[0], stepped[i])


def test_bm25_scores_equal_bm25s() -> None:
    texts = [
        "Beratung für Geflüchtete aus der Ukraine mit CiviCRM",
        "Senior*innen im Quartier, Besuchsdienst und Ehrenamt",
        "Wohnungslose Menschen, Kältehilfe und Beratung",
        "Geflüchtete Familien, Beratung und Sprachkurse im Quartier",
    ]
    corpus = [tokens(t) for t in texts]
    ref = bm25s.BM25()
    ref.index(corpus, show_progress=False)
    lex = Lexical(corpus)
    for q in ["Beratung Geflüchtete", "Quartier Senior*innen Ehrenamt Ehrenamt", "nichts"]:
        want = np.asarray(ref.get_scores(tokens(q)), dtype=np.float32) if tokens(q) else 0
        np.testing.assert_allclose(lex.scores(tokens(q)), want, rtol=1e-5, atol=1e-6)

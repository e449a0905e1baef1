"""The numpy sparse product of batch ranking, against dense numpy and bm25s itself."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from matching import postings
from matching.lexical import Lexical, _bm25, tokens
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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STEP", 7),
        ("BINS", 1),
        ("BINS", 90),
        ("ALONE", 0),  # every query in a step of its own
        ("GATHER_BY_SLICES", 0),  # postings always copied as slices
        ("GATHER_BY_SLICES", 10**9),  # always through an index array
    ],
)
def test_small_steps_split_the_work_without_changing_a_query(
    monkeypatch: pytest.MonkeyPatch, name: str, value: int
) -> None:
    rng = np.random.default_rng(4)
    table = _random(rng, 50, 20, 0.5)
    queries = _random(rng, 6, 20, 0.6)
    p = Postings.of(_sparse(table))
    whole = p.dot(_sparse(queries))
    monkeypatch.setattr(postings, name, value)
    stepped = p.dot(_sparse(queries))
    np.testing.assert_allclose(stepped, whole, rtol=1e-12)
    for i in range(len(queries)):
        assert np.array_equal(p.dot(_sparse(queries[i : i + 1]))[0], stepped[i])


def test_duplicate_query_entries_add_up() -> None:
    table = np.array([[0.0, 2.0], [1.5, 0.0], [0.5, 0.25]])
    p = Postings.of(_sparse(table))
    q = Sparse.of([0, 0, 0, 1], [1, 1, 0, 0], [1.0, 1.0, 2.0, 3.0], (2, 2))
    np.testing.assert_array_equal(p.dot(q), [[4.0, 3.0, 1.5], [0.0, 4.5, 1.5]])


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


def test_a_document_scored_by_its_stored_ids_scores_as_by_its_tokens() -> None:
    texts = [
        "Beratung für Geflüchtete aus der Ukraine, Beratung im Quartier",
        "",
        "Wohnungslose Menschen, Kältehilfe und Beratung",
        "Geflüchtete Familien und Sprachkurse",
    ]
    corpus = [tokens(t) for t in texts]
    lex = Lexical(corpus)
    by_ids = lex.scores_of_ids([lex.doc_ids(r) for r in range(len(corpus))])
    np.testing.assert_array_equal(by_ids, lex.scores_many(corpus))
    assert not by_ids[1].any() and by_ids[0, 0] > by_ids[0, 2] > 0


def test_documents_without_any_token_score_nothing() -> None:
    lex = Lexical([[], []])
    assert lex.doc_ids(1).size == 0
    assert not lex.scores_of_ids([lex.doc_ids(0), lex.token_ids(tokens("Beratung"))]).any()


def test_bm25_weights_are_bm25s_own_to_the_bit() -> None:
    texts = [
        "Beratung für Geflüchtete aus der Ukraine, Beratung und nochmals Beratung",
        "Senior*innen im Quartier, Besuchsdienst und Ehrenamt",
        "Wohnungslose Menschen, Kältehilfe und Beratung in der Stadt",
        "",
        "Geflüchtete Familien, Sprachkurse im Quartier und Beratung",
    ]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tokens(x) or ["\x00"]] for x in texts]
    ref = bm25s.BM25().build_index_from_ids(
        unique_token_ids=list(range(len(vocab))), corpus_token_ids=ids, show_progress=False
    )
    flat = np.array([j for row in ids for j in row], dtype=np.int32)
    indptr, rows, data = _bm25(flat, np.array([len(row) for row in ids]), len(vocab))
    assert np.array_equal(indptr, ref["indptr"]) and np.array_equal(rows, ref["indices"])
    assert data.dtype == np.float32 and np.array_equal(data, ref["data"])

"""The numpy sparse product of batch ranking, against dense numpy and bm25s itself."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from matching import lexical, postings
from matching.lexical import TOKENS, Lexical, Tokens, _bm25, tokens
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
    lex = Lexical.of_tokens(corpus)
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
    lex = Lexical.of_tokens(corpus)
    by_ids = lex.scores_of_ids([lex.doc_ids(r) for r in range(len(corpus))])
    np.testing.assert_array_equal(by_ids, lex.scores_many(corpus))
    assert not by_ids[1].any() and by_ids[0, 0] > by_ids[0, 2] > 0


def test_documents_without_any_token_score_nothing() -> None:
    lex = Lexical.of_tokens([[], []])
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


STEP_TEXTS = [
    "Beratung für Geflüchtete aus der Ukraine, Beratung und nochmals Beratung",
    "",
    "Senior*innen im Quartier, Besuchsdienst und Ehrenamt",
    "Wohnungslose Menschen, Kältehilfe und Beratung in der Stadt",
    "",
    "Geflüchtete Familien, Sprachkurse im Quartier und Beratung",
    "Kinder in Armut, Lernhilfe und Beratung im Quartier",
]


def _weights_by_column(lex: Lexical) -> np.ndarray:
    """The index's weights as one (column x document) matrix, dense and postings rows merged."""
    assert lex._weights is not None
    p = lex._weights
    out = np.zeros((p.n_cols, lex.size))
    for j in range(p.n_cols):
        out[j, p.rows[p.indptr[j] : p.indptr[j + 1]]] = p.vals[p.indptr[j] : p.indptr[j + 1]]
    for j, f in enumerate(lex._dense_of.tolist()):
        if f >= 0:
            out[j] = lex._dense[f]
    return out


@pytest.mark.parametrize("step", [1, 5, 40, 1 << 17])
def test_an_index_built_in_steps_holds_the_weights_of_one_pass(
    monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    corpus = [tokens(t) for t in STEP_TEXTS]
    # Columns as the index numbered them from a vocabulary dict: tokens in the order the
    # documents first have them, then the empty documents' placeholder.
    vocab: dict[str, int] = {}
    for t in (t for doc in corpus for t in doc):
        vocab.setdefault(t, len(vocab))
    vocab["\x00"] = len(vocab)
    ids = [[vocab[t] for t in doc or ["\x00"]] for doc in corpus]
    flat = np.array([j for row in ids for j in row], dtype=np.int32)
    indptr, rows, data = _bm25(flat, np.array([len(row) for row in ids]), len(vocab))
    want = np.zeros((len(vocab), len(corpus)))
    for j in range(len(vocab)):
        want[j, rows[indptr[j] : indptr[j + 1]]] = data[indptr[j] : indptr[j + 1]]
    monkeypatch.setattr(lexical, "STEP_TOKENS", step)
    # Every token frequent enough for the dense rows, and none: both halves of the build.
    for share in (0.05, 2.0):
        monkeypatch.setattr(lexical, "DENSE_SHARE", share)
        lex = Lexical.of_tokens(corpus)
        assert [lex.token_ids([t]).tolist() for t in vocab] == [[j] for j in range(len(vocab))]
        assert np.array_equal(_weights_by_column(lex), want)
        assert lex._weights is not None
        ptr, rows_of = lex._weights.indptr, lex._weights.rows
        for j in range(len(ptr) - 1):  # each token's documents in ascending order
            assert np.all(np.diff(rows_of[ptr[j] : ptr[j + 1]]) > 0)


def test_token_numbers_are_stable_and_only_known_ones_are_looked_up() -> None:
    table = Tokens()
    first = table.encode(["#ber", "bera", "#ber"])
    assert first.dtype == np.int32 and first[0] == first[2] != first[1]
    assert table.encode(["bera", "neu#"]).tolist() == [first[1], len(table) - 1]
    assert table.known(["unbekannt", "neu#", "#ber"]).tolist() == [len(table) - 1, first[0]]


def test_a_document_is_scored_by_its_token_numbers_as_by_its_tokens() -> None:
    corpus = [tokens(t) for t in STEP_TEXTS]
    lex = Lexical.of_tokens(corpus)
    # Numbers the index has never seen (a text tokenised after it was built) are left out.
    later = np.concatenate([TOKENS.encode(corpus[0]), TOKENS.encode(["zzz-nie-gesehen"])])
    assert np.array_equal(lex.ids_of(later), lex.token_ids(corpus[0]))
    assert np.array_equal(lex.ids_of(TOKENS.encode(corpus[3])), lex.doc_ids(3))

"""The doc table's arrays hold what the per-item rarity facts say, row by row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching import doctable
from matching.doc import Doc, rarity_of
from matching.doctable import COUNTED, WEIGHTED, DocTable, Vocab, _items, half_to_float32


def _doc(i: int, themes: set[str], terms: list[str], tools: set[str]) -> Doc:
    return Doc(
        entry_id=i,
        user_id=f"U{i}",
        vector=np.ones(4, dtype=np.float32),
        themes=frozenset(themes),
        terms={t: t.title() for t in terms},
        tools=frozenset(tools),
    )


DOCS = [
    _doc(1, {"housing", "age"}, ["tafel", "senior", "kiez"], {"civicrm"}),
    _doc(2, {"housing"}, ["tafel", "senior"], {"civicrm"}),
    _doc(3, {"housing", "refugees"}, ["ukraine"], {"excel"}),
    _doc(4, {"housing"}, ["tafel", "mobil"], set()),
    _doc(5, set(), [], {"civicrm"}),
]


def test_weights_are_each_items_facts() -> None:
    vocab = Vocab.build(DOCS, rarity_of(DOCS))
    for kind in (*COUNTED, *WEIGHTED):
        for item, j in vocab.columns[kind].items():
            common, idf = vocab.rarity.facts(kind, item)
            want = (0.0 if common else idf) if kind in WEIGHTED else (0.0 if common else 1.0)
            assert vocab.weights[kind][j] == want


def test_table_rows_and_query_norms_equal_the_plain_sums() -> None:
    vocab = Vocab.build(DOCS, rarity_of(DOCS))
    table = DocTable.build(DOCS, vocab, 4)
    outsider = _doc(9, {"housing", "unknown"}, ["tafel", "neu"], set())
    for kind in WEIGHTED:
        for r, d in enumerate(DOCS):
            plain = math.sqrt(sum(vocab.weight(kind, x) ** 2 for x in _items(d, kind)))
            assert table.norms[kind][r] == plain == vocab.norm(d, kind)
        plain = math.sqrt(sum(vocab.weight(kind, x) ** 2 for x in _items(outsider, kind)))
        assert vocab.norm(outsider, kind) == plain
    q = vocab.queries([outsider, DOCS[0]])
    # The outsider's unknown items have no column; common ones weigh nothing.
    for kind in WEIGHTED:
        got = {
            (int(r), int(c)): float(v)
            for r, c, v in zip(q[kind].rows, q[kind].cols, q[kind].vals, strict=True)
        }
        want = {
            (r, vocab.columns[kind][x]): vocab.weight(kind, x)
            for r, d in enumerate([outsider, DOCS[0]])
            for x in _items(d, kind)
            if x in vocab.columns[kind] and vocab.weight(kind, x)
        }
        assert got == want


def test_half_bits_convert_every_finite_float16_as_astype_does() -> None:
    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.int16)
    finite = bits[np.isfinite(bits.view(np.float16))]
    got = half_to_float32(finite)
    assert got.dtype == np.float32
    assert np.array_equal(
        got.view(np.int32), finite.view(np.float16).astype(np.float32).view(np.int32)
    )


def _sentence_docs(dtype: type, values: list[float] | None = None) -> list[Doc]:
    rng = np.random.default_rng(3)
    docs = []
    for i, n in enumerate([3, 0, 1, 5, 2]):
        sv: np.ndarray = (rng.standard_normal((n, 4)) / 3).astype(np.float16).astype(dtype)
        if values is not None and n:
            sv[0, : len(values)] = values
        docs.append(Doc(entry_id=i, user_id=f"U{i}", vector=np.ones(4, dtype=np.float32),
                        sentence_vectors=sv))  # fmt: skip
    return docs


def test_float16_sentences_are_kept_as_float16_and_read_as_float32(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A handful of rows per step of the norms: their steps give the norms of one pass.
    monkeypatch.setattr(doctable, "NORM_ROWS", 3)
    for values in (None, [0.0, -0.0, 6e-8, -3e-5], [np.inf, np.nan]):
        docs = _sentence_docs(np.float16, values)
        own = [d.sentence_vectors.astype(np.float32) for d in docs]
        table = DocTable.build(docs, Vocab.build(docs, rarity_of(docs)), 4)
        assert table.sentences.dtype == np.float16
        rows = np.array([3, 1, 0, 3, 4])
        sents, counts = table.sentence_rows(rows)
        want = np.concatenate([own[r] for r in rows.tolist()])
        assert sents.dtype == np.float32 and counts.tolist() == [5, 0, 3, 5, 2]
        assert np.array_equal(sents.view(np.int32), want.view(np.int32))
        norms = [np.linalg.norm(a, axis=1).max() if len(a) else 0.0 for a in own]
        assert np.array_equal(
            table.sentence_norm, np.array(norms, dtype=np.float64), equal_nan=True
        )
        table.share_sentences()
        assert all(
            np.array_equal(d.sentence_vectors, o, equal_nan=True)
            for d, o in zip(docs, own, strict=True)
        )


def test_float32_sentences_of_a_query_are_not_rounded_to_float16() -> None:
    docs = _sentence_docs(np.float16)
    docs[0].sentence_vectors = np.full((2, 4), 0.1, dtype=np.float32)
    table = DocTable.build(docs, Vocab.build(docs, rarity_of(docs)), 4)
    assert table.sentences.dtype == np.float32
    sents, _counts = table.sentence_rows(np.array([0]))
    assert np.array_equal(sents, np.full((2, 4), 0.1, dtype=np.float32))

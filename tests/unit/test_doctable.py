"""The doc table's arrays hold what the per-item rarity facts say, row by row."""

from __future__ import annotations

import math

import numpy as np

from matching.doc import Doc, rarity_of
from matching.doctable import COUNTED, WEIGHTED, DocTable, Vocab, _items


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

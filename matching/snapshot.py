"""What ranking reads: a query's specification, and a snapshot of the pool (BM25 index,
doc table, item vocabulary) that many queries are ranked against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matching.doc import Doc, rarity_of
from matching.doctable import DocTable, Vocab
from matching.lexical import Lexical
from matching.terms import Rarity

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Query:
    """The entries of one member (or one free-text query) and who must not be suggested."""

    docs: Sequence[Doc]
    exclude_users: frozenset[str] = frozenset()
    exclude_orgs: frozenset[str] = frozenset()
    among: frozenset[str] | None = None
    listed_only: bool = True


@dataclass(frozen=True)
class Snapshot:
    """BM25, item counts and the doc table over one snapshot of the pool."""

    index: Lexical
    table: DocTable
    vocab: Vocab
    row_of: dict[int, int]
    # False once the pool replaced or removed the row's entry since the snapshot.
    live: NDArray[np.bool_] = field(compare=False)
    # Rows in entry id order, to find many ids' rows at once.
    order: I64 = field(compare=False)

    @property
    def rarity(self) -> Rarity:
        return self.vocab.rarity

    @classmethod
    def build(cls, docs: list[Doc], dim: int) -> Snapshot:
        vocab = Vocab.build(docs, rarity_of(docs))
        table = DocTable.build(docs, vocab, dim)
        table.share_sentences()
        return cls(
            index=Lexical([d.tokens for d in docs]),
            table=table,
            vocab=vocab,
            row_of={d.entry_id: r for r, d in enumerate(docs)},
            live=np.ones(len(docs), dtype=bool),
            order=np.argsort(np.array([d.entry_id for d in docs], dtype=np.int64), kind="stable"),
        )

    def rows(self, entry_ids: I64) -> I64:
        """The snapshot's row of each entry id, -1 where it has none."""
        order = self.order
        ids = self.table.ids[order]
        at = np.minimum(np.searchsorted(ids, entry_ids), max(len(ids) - 1, 0))
        if not len(ids):
            return np.full(len(entry_ids), -1, dtype=np.int64)
        return np.where(ids[at] == entry_ids, order[at], -1).astype(np.int64)

    def _row(self, d: Doc) -> int | None:
        """``d``'s row when the snapshot holds this very doc (not an older version of it)."""
        row = self.row_of.get(d.entry_id)
        return row if row is not None and self.table.docs[row] is d else None

    def token_ids(self, d: Doc) -> NDArray[np.int32]:
        """``d``'s BM25 token ids (the index's columns of the tokens it knows)."""
        return self.index.ids_of(d.tokens)

    def sentence_norm(self, d: Doc) -> float:
        """The largest norm of ``d``'s sentence vectors (0 without any); the table's when it
        holds ``d``."""
        row = self._row(d)
        if row is not None:
            return float(self.table.sentence_norm[row])
        a = d.sentence_vectors.astype(np.float32, copy=False)
        return float(np.linalg.norm(a, axis=1).max()) if len(a) else 0.0

    def forget(self, entry_ids: Sequence[int]) -> None:
        """Mark entries changed or removed in the pool since this snapshot."""
        for e in entry_ids:
            r = self.row_of.get(e)
            if r is not None:
                self.live[r] = False

"""Derived per-entry data is stored with the entry: a start reads it, a new vocabulary redoes it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import select, update

from matching import derived, service
from matching.doc import Doc
from matching.embedder import text_hash
from matching.entries import embed_text
from matching.lexical import TOKENS, tokens
from matching.service import Matcher
from profiles.models import Entry, EntryDerived, EntryVector
from testkit.embedders import HashEmbedder
from tests.support.community import TEAM, community

FIELDS = ("groups", "themes", "tools", "terms", "needs", "tokens", "region", "sentences")


def _fields(d: Doc) -> list[object]:
    """The derived fields, token numbers as a list (arrays do not compare as one value)."""
    return [getattr(d, f).tolist() if f == "tokens" else getattr(d, f) for f in FIELDS]


def _versions(matcher: Matcher) -> list[str]:
    with matcher.store.session() as s:
        return list(s.scalars(select(EntryDerived.vocab_version)))


def test_a_start_reads_stored_topics_and_tokens_instead_of_deriving_them(
    matcher: Matcher, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    community(matcher, n=12)
    fresh = matcher.sync(TEAM).docs
    assert _versions(matcher) == [derived.vocab_version()] * 12

    def fail(*_a: object) -> str:
        raise AssertionError("derived again although stored and current")

    monkeypatch.setattr(derived, "derive", fail)
    cold = Matcher(matcher.store, hash_embedder).sync(TEAM).docs
    assert sorted(cold) == sorted(fresh)
    for e, d in fresh.items():
        assert _fields(cold[e]) == _fields(d)
    assert any(d.themes for d in cold.values()) and all(d.tokens.size for d in cold.values())


def test_a_new_vocabulary_recomputes_every_entry_once(
    matcher: Matcher, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    community(matcher, n=6)
    calls: list[int] = []
    real = derived.derive

    def counting(e: object, text: str) -> str:
        calls.append(1)
        return real(e, text)  # type: ignore[arg-type]

    monkeypatch.setattr(derived, "derive", counting)
    monkeypatch.setattr(derived, "vocab_version", lambda: "a-new-vocabulary")
    Matcher(matcher.store, hash_embedder).sync(TEAM)
    assert len(calls) == 6
    assert _versions(matcher) == ["a-new-vocabulary"] * 6
    Matcher(matcher.store, hash_embedder).sync(TEAM)
    assert len(calls) == 6


def test_a_start_checks_vectors_by_the_stored_text_hash_without_cleaning_texts(
    matcher: Matcher, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    community(matcher, n=8)
    fresh = matcher.sync(TEAM).docs

    def fail(*_a: object) -> str:
        raise AssertionError("text cleaned again although its hash is stored")

    monkeypatch.setattr(service, "embed_text", fail)
    monkeypatch.setattr(derived, "embed_text", fail)
    cold = Matcher(matcher.store, hash_embedder).sync(TEAM).docs
    assert sorted(cold) == sorted(fresh)


def test_a_text_changed_behind_the_orm_is_embedded_and_derived_again(
    matcher: Matcher, hash_embedder: HashEmbedder
) -> None:
    community(matcher, n=4)
    first = min(matcher.sync(TEAM).docs)
    with matcher.store.session() as s:
        # A hand-run SQL fix: no version stamp changes, only the stored text.
        s.execute(update(Entry).where(Entry.id == first).values(description="Tafel  für Senioren."))
        s.commit()
    cold = Matcher(matcher.store, hash_embedder).sync(TEAM).docs
    assert cold[first].sentences == ["Tafel für Senioren."]
    with matcher.store.session() as s:
        vector = s.scalars(select(EntryVector).where(EntryVector.entry_id == first)).one()
        assert vector.text_hash == text_hash("Tafel für Senioren.")


def test_stored_tokens_decode_to_the_numbers_of_the_texts_tokens(matcher: Matcher) -> None:
    community(matcher, n=4)
    with matcher.store.session() as s:
        rows = {r.entry_id: r.data for r in s.scalars(select(EntryDerived))}
        entries = list(s.scalars(select(Entry)))
        for e in entries:
            want = TOKENS.encode(tokens(embed_text(e))).tolist()
            fields = derived.decode(rows[e.id])
            assert fields["tokens"].dtype == np.int32 and fields["tokens"].tolist() == want
            # The stored string split token by token (not by words) gives the same numbers.
            stored = " " + json.loads(rows[e.id])["tokens"]
            assert derived.Grams(derived.Strings()).tokens(stored).tolist() == want


def test_a_sync_shares_item_sets_and_reads_vectors_into_blocks(matcher: Matcher) -> None:
    community(matcher, n=12)
    docs = list(Matcher(matcher.store, matcher.embedder).sync(TEAM).docs.values())
    with matcher.store.session() as s:
        stored = {v.entry_id: v for v in s.scalars(select(EntryVector))}
    for d in docs:
        v = stored[d.entry_id]
        assert np.array_equal(d.vector, np.frombuffer(v.vector, dtype=np.float32))
        assert d.vector.flags.writeable
        assert d.sentence_vectors.dtype == np.float16
        want = np.frombuffer(v.sentence_vectors, dtype=np.float16).reshape(-1, v.dim)
        assert np.array_equal(d.sentence_vectors, want)
    # One block per sync chunk, not an array per doc.
    assert len({id(d.vector.base) for d in docs}) == 1
    by_items: dict[tuple[str, ...], frozenset[str]] = {}
    for d in docs:
        assert by_items.setdefault(tuple(sorted(d.themes)), d.themes) is d.themes
    assert len(by_items) < len(docs)

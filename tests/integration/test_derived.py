"""Derived per-entry data is stored with the entry: a start reads it, a new vocabulary redoes it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from matching import derived, service
from matching.embedder import text_hash
from matching.service import Matcher
from profiles.models import Entry, EntryDerived, EntryVector
from testkit.embedders import HashEmbedder
from tests.support.community import TEAM, community

FIELDS = ("groups", "themes", "tools", "terms", "needs", "tokens", "region", "sentences")


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
        assert [getattr(cold[e], f) for f in FIELDS] == [getattr(d, f) for f in FIELDS]
    assert any(d.themes for d in cold.values()) and all(d.tokens for d in cold.values())


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

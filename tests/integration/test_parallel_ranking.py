"""Ranking a large batch in two processes gives what one process gives."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import pytest

from bot.cli.quality import run
from matching import parallel
from matching.service import Matcher, Suggestion
from matching.snapshot import Query
from testkit.embedders import HashEmbedder
from tests.support.community import TEAM, community


def _plain(found: dict[int, list[Suggestion]]) -> dict[int, list[tuple[str, int, float]]]:
    return {e: [(x.user_id, x.entry_id, x.score) for x in v] for e, v in found.items()}


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small batches fork, whatever the test runner's threads and cores; the forks counted."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 4)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    monkeypatch.setattr(parallel, "_alone", lambda: True)
    forks: list[int] = []
    start = parallel._start

    def counted(*args: object, **kw: object) -> tuple[int, int]:
        child = start(*args, **kw)  # type: ignore[arg-type]
        forks.append(child[0])
        return child

    monkeypatch.setattr(parallel, "_start", counted)
    return forks


def _rank(matcher: Matcher, workers: int) -> dict[int, list[Suggestion]]:
    pool = matcher.sync(TEAM)
    pool.workers = workers
    return matcher.suggest_for_entries(TEAM, sorted(pool.docs), 6, listed_only=False)


def test_two_processes_rank_every_entry_as_one_does(matcher: Matcher, forking: list[int]) -> None:
    community(matcher, n=24)
    one = _rank(matcher, 1)
    assert not forking
    two = _rank(matcher, 2)
    assert len(forking) == 1
    assert _plain(two) == _plain(one)
    assert all(len(v) == 6 for v in two.values())
    # Reasons are worked out from the docs the parent maps the child's ids back to.
    e = max(two)
    assert [x.reasons for x in two[e]] == [x.reasons for x in one[e]]


def test_digest_candidates_are_the_same_in_two_processes(
    matcher: Matcher, forking: list[int]
) -> None:
    community(matcher, n=24)
    pool = matcher.sync(TEAM)
    pool.workers = 1
    one = matcher.partner_candidates(TEAM, k=5)
    pool.workers = 2
    two = matcher.partner_candidates(TEAM, k=5)
    assert forking
    assert {u: [(x.user_id, x.score) for x in v] for u, v in two.items()} == {
        u: [(x.user_id, x.score) for x in v] for u, v in one.items()
    }


def test_a_failing_child_leaves_its_half_to_the_parent(
    matcher: Matcher,
    forking: list[int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    community(matcher, n=24)
    one = _rank(matcher, 1)

    def broken(_r: object) -> object:
        raise RuntimeError("child broke")

    # Only the child packs its results: this breaks the child alone.
    monkeypatch.setattr(parallel, "_pack", broken)
    with caplog.at_level(logging.WARNING, logger="matching.parallel"):
        two = _rank(matcher, 2)
    assert forking
    assert _plain(two) == _plain(one)
    assert "second ranking process failed" in caplog.text


def test_a_process_with_other_threads_does_not_fork() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert not parallel.can_fork(2, 10**6)
    finally:
        stop.set()
        other.join()
    assert not parallel.can_fork(1, 10**6)
    assert not parallel.can_fork(2, parallel.PARALLEL_FROM - 1)


def test_a_parent_that_gives_up_ends_its_child(matcher: Matcher, forking: list[int]) -> None:
    community(matcher, n=24)
    pool = matcher.sync(TEAM)
    snap = pool._lex()
    items = [(d, Query([d])) for d in pool.docs.values()]
    ranked = parallel.rank_split(pool, snap, items, 5, 5, workers=2)
    next(ranked)
    assert len(forking) == 1
    ranked.close()  # the caller stops reading: the child must not be left behind
    with pytest.raises(ChildProcessError):
        os.waitpid(forking[0], os.WNOHANG)


def test_eval_scores_the_same_in_two_processes(
    tmp_path: Path, hash_embedder: HashEmbedder, forking: list[int]
) -> None:
    src = tmp_path / "labelled.jsonl"
    topics = ["Senior*innen und Tablets", "Geflüchtete und Wohnungen", "Luftqualität und Sensoren"]
    src.write_text(
        "".join(
            json.dumps(
                {"id": f"i{i}", "text": f"{topics[i % 3]} im Projekt {i}.", "labels": [str(i % 3)]}
            )
            + "\n"
            for i in range(12)
        ),
        encoding="utf-8",
    )
    one = run(src, ["labels"], hash_embedder, k=3, echo=lambda _line: None, with_ablations=False)
    assert not forking
    two = run(
        src,
        ["labels"],
        hash_embedder,
        k=3,
        echo=lambda _line: None,
        with_ablations=False,
        workers=2,
    )
    assert forking
    assert two == one
    assert one["product"]["labels"].queries == 12

"""Learning from feedback in the ranking path: per member, per workspace, with guard rails."""

from __future__ import annotations

from datetime import timedelta

from bot import scheduler as sched
from bot.flows.digest import DigestService
from bot.flows.ports import RecordingNotifier
from matching.feedback import Learning
from matching.scoring import Weights
from matching.service import EntryInput, Matcher
from profiles import repo
from profiles.clock import ManualClock
from profiles.db import Store
from testkit.embedders import HashEmbedder
from tests.support.cli import run_cli
from tests.support.community import TEAM, TOPICS, community, settings

OTHER_TEAM = "T2"
# Every topic of the sample community appears twice: U00 and U10 have the same text.
N = 20


def learner(store: Store, emb: HashEmbedder, **kw: object) -> Matcher:
    return Matcher(store, emb, learning=Learning(**kw))  # type: ignore[arg-type]


def scores(m: Matcher, user: str, team: str = TEAM) -> dict[str, float]:
    return {x.user_id: x.score for x in m.suggest_for_member(team, user, k=N)}


def react(store: Store, user: str, other: str, kind: str, team: str = TEAM) -> None:
    with store.session() as s:
        repo.record_feedback(s, team, user, other, kind)


def test_decline_lowers_similar_entries_for_that_member(
    store: Store, hash_embedder: HashEmbedder
) -> None:
    m = learner(store, hash_embedder, strength=0.5)
    community(m, N)
    before = scores(m, "U00")
    react(store, "U00", "U01", "not_relevant")
    after = scores(m, "U00")
    assert "U01" not in after  # the pair itself is vetoed
    # U11 has U01's very text: it drops by the full strength, a less similar one far less.
    assert before["U11"] - after["U11"] > 0.4
    assert before["U11"] - after["U11"] > 2 * abs(before["U04"] - after["U04"])


def test_connect_raises_similar_entries(store: Store, hash_embedder: HashEmbedder) -> None:
    m = learner(store, hash_embedder, strength=0.5)
    community(m, N)
    before = scores(m, "U00")
    react(store, "U00", "U04", "connect")
    after = scores(m, "U00")
    assert after["U14"] - before["U14"] > 0.4
    assert list(after).index("U14") < list(before).index("U14")


def test_clicks_decay_with_the_stores_clock(
    store: Store, hash_embedder: HashEmbedder, clock: ManualClock
) -> None:
    m = learner(store, hash_embedder, strength=0.5, half_life_days=30)
    community(m, N)
    base = scores(m, "U00")["U14"]
    react(store, "U00", "U04", "connect")
    fresh = scores(m, "U00")["U14"] - base
    clock.advance(timedelta(days=30))
    aged = scores(m, "U00")["U14"] - base
    assert abs(aged - fresh / 2) < 1e-3


def test_vetoed_pairs_never_come_back(store: Store, hash_embedder: HashEmbedder) -> None:
    m = learner(store, hash_embedder, strength=2.0, community=2.0)
    community(m, N)
    react(store, "U00", "U01", "not_relevant")
    # A strong positive click on U01's twin must not bring U01 back, either way round.
    react(store, "U00", "U11", "connect")
    assert "U01" not in scores(m, "U00")
    assert "U00" not in scores(m, "U01")
    assert all(
        "U01" not in [x.user_id for x in v]
        for u, v in m.partner_candidates(TEAM, k=N).items()
        if u == "U00"
    )


def test_bystanders_lists_do_not_change_and_digest_coverage_holds(
    store: Store, hash_embedder: HashEmbedder
) -> None:
    m = learner(store, hash_embedder, strength=0.5)
    users = community(m, N)
    before = {u: scores(m, u) for u in users}
    for other in ("U01", "U02", "U03", "U04", "U05"):
        react(store, "U00", other, "not_relevant")
    react(store, "U10", "U06", "connect")
    involved = {"U00", "U01", "U02", "U03", "U04", "U05", "U10", "U06"}
    for u in users:
        if u not in involved:
            assert scores(m, u) == before[u], u
    # Nobody drops out of everyone's lists: each member is still someone's candidate,
    # and every member still gets a full set of candidates for the digest planner.
    cands = m.partner_candidates(TEAM, k=3)
    assert set(cands) == set(users)
    assert all(len(v) == 3 for v in cands.values())
    assert {x.user_id for v in cands.values() for x in v} >= set(users) - {"U00"}


def test_others_pairs_move_similar_pairs_of_a_member_who_never_clicked(
    store: Store, hash_embedder: HashEmbedder
) -> None:
    m = learner(store, hash_embedder, strength=0.5, community=0.5)
    own_only = learner(store, hash_embedder, strength=0.5)
    community(m, N)
    before = scores(m, "U10")
    # U00 has U10's text and U04 has U14's: U00's connect with U04 is about U10 and U14.
    react(store, "U00", "U04", "connect")
    after = scores(m, "U10")
    assert after["U14"] - before["U14"] > 0.1
    assert list(after).index("U14") < list(before).index("U14")
    assert scores(own_only, "U10") == before  # U10 took no part: only the community moved it
    react(store, "U01", "U05", "not_relevant")
    assert scores(m, "U11")["U15"] < scores(own_only, "U11")["U15"] - 0.1


def test_community_learning_keeps_everyone_in_someones_list(
    store: Store, hash_embedder: HashEmbedder
) -> None:
    m = learner(store, hash_embedder, strength=2.0, community=2.0)
    users = community(m, N)
    # Most members decline U13: U03, who has U13's text, sinks in everyone's ranking but
    # stays someone's candidate, and the digest planner still gives everyone a partner.
    for u in users:
        if u not in {"U03", "U13"} and u < "U16":
            react(store, u, "U13", "not_relevant")
    cands = m.partner_candidates(TEAM, k=3)
    assert set(cands) == set(users)
    assert all(len(v) == 3 for v in cands.values())
    assert "U03" in {x.user_id for v in cands.values() for x in v}
    planned = DigestService(store, m, RecordingNotifier(), settings()).plan(TEAM)
    assert {d.user_id for d in planned} == set(users)
    assert all(d.suggestions for d in planned)


def _many_reactions(store: Store, team: str = TEAM) -> int:
    """Connect with the partner of the same theme, decline one of another theme."""
    n = 0
    for i in range(N):
        u = f"U{i:02d}"
        twin = f"U{(i + 10) % N:02d}"
        far = f"U{(i + 4) % N:02d}"
        react(store, u, twin, "connect", team)
        react(store, u, far, "not_relevant", team)
        n += 2
    return n


def test_refit_is_stored_with_its_size_and_change_and_used(
    store: Store, hash_embedder: HashEmbedder
) -> None:
    m = learner(store, hash_embedder, fitted_weights=True)
    community(m, N)
    assert m.refit_weights(TEAM) is None  # no data: the prior stays, nothing stored
    n = _many_reactions(store)
    fit = m.refit_weights(TEAM)
    assert fit is not None
    # Negatives: the declined partners plus, per member, every member they did not react
    # to (fewer than UNSHOWN_PER_MEMBER here).
    assert fit.positives == n // 2
    assert fit.negatives == n // 2 + N * (N - 3)
    with store.session() as s:
        rows = repo.weight_fits(s, TEAM)
        assert [(r.positives, r.negatives, r.change) for r in rows] == [
            (fit.positives, fit.negatives, fit.change)
        ]
        assert rows[0].prior == vars(Weights())
    assert m.sync(TEAM).weights == fit.weights
    # Another process picks the latest fit up; a matcher not told to use fits does not.
    assert learner(store, hash_embedder, fitted_weights=True).sync(TEAM).weights == fit.weights
    assert Matcher(store, hash_embedder).sync(TEAM).weights == Weights()


def test_another_workspaces_feedback_never_counts(
    store: Store, hash_embedder: HashEmbedder
) -> None:
    m = learner(store, hash_embedder, strength=0.5, community=0.5, fitted_weights=True)
    users = community(m, N)
    m.import_entries(
        OTHER_TEAM,
        [(u, u, "", EntryInput(description=TOPICS[i % len(TOPICS)])) for i, u in enumerate(users)],
    )
    before = {u: scores(m, u, OTHER_TEAM) for u in users}
    _many_reactions(store, TEAM)
    assert m.refit_weights(TEAM) is not None
    assert m.refit_weights(OTHER_TEAM) is None
    with store.session() as s:
        assert repo.weight_fits(s, OTHER_TEAM) == []
        assert repo.reactions(s, OTHER_TEAM, "U00") == []
    assert {u: scores(m, u, OTHER_TEAM) for u in users} == before


def test_scheduler_stores_a_fit_ranking_uses_it_only_when_switched_on(
    store: Store, hash_embedder: HashEmbedder
) -> None:
    plain = Matcher(store, hash_embedder)
    community(plain, N)
    _many_reactions(store)
    sched.install(DigestService(store, plain, RecordingNotifier(), settings()))
    sched.refit_all()
    with store.session() as s:
        assert len(repo.weight_fits(s, TEAM)) == 1
        # A later fit with clearly different weights: the newest one is what counts.
        custom = Weights(semantic=0.5, lexical=1.0)
        repo.save_weight_fit(
            s, TEAM, positives=30, negatives=30, weights=vars(custom), prior={}, change=1.0
        )
    assert Matcher(store, hash_embedder).sync(TEAM).weights == Weights()
    assert learner(store, hash_embedder, fitted_weights=True).sync(TEAM).weights == custom


def test_weights_command_shows_the_stored_fits_of_one_workspace(
    store: Store, hash_embedder: HashEmbedder, db_url: str
) -> None:
    env = {"DATABASE_URL": db_url}
    out = run_cli(["weights", "--team", TEAM], env=env)
    assert out.returncode == 0, out.stderr
    assert "no weight fit yet" in out.stdout
    m = learner(store, hash_embedder)
    community(m, N)
    _many_reactions(store)
    fit = m.refit_weights(TEAM)
    assert fit is not None
    out = run_cli(["weights", "--team", TEAM], env={**env, "REFIT_WEIGHTS": "false"})
    assert out.returncode == 0, out.stderr
    assert f"{fit.positives} positive / {fit.negatives} negative" in out.stdout
    assert "2026-11-30" in out.stdout and "not used (REFIT_WEIGHTS=false)" in out.stdout
    groups = next(
        line.split() for line in out.stdout.splitlines() if line.split()[:1] == ["groups"]
    )
    assert float(groups[1]) == Weights().groups
    assert abs(float(groups[2]) - fit.weights.groups) < 1e-3
    assert f"change (L1) {fit.change:.3f}" in out.stdout
    # Another workspace has no fit of its own and sees none of this one's.
    out = run_cli(["weights", "--team", OTHER_TEAM], env=env)
    assert out.returncode == 0 and "no weight fit yet" in out.stdout

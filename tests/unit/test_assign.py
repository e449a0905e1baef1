"""Digest planning and workshop grouping: properties over many random instances, and brute force."""

from __future__ import annotations

import importlib.util
import itertools
import random
from collections import Counter

import pytest

from matching import digest_plan as assign
from matching.digest_plan import clean_edges, plan_digest
from matching.errors import PlanningError
from matching.workshop_plan import (
    WorkshopProblem,
    group_sizes,
    pairs_of,
    plan_workshop,
    repeats,
    swap,
)

# ---------------------------------------------------------------- digests

HAVE_ORTOOLS = importlib.util.find_spec("ortools") is not None
needs_ortools = pytest.mark.skipif(not HAVE_ORTOOLS, reason="the [ortools] extra is not installed")
# HiGHS is the default install's planner; OR-Tools (an extra) and networkx are the references.
SOLVERS = ["highs", "networkx", pytest.param("ortools", marks=needs_ortools)]


def random_edges(rng: random.Random, n: int, k: int) -> list[tuple[str, str, float]]:
    users = [f"U{i}" for i in range(n)]
    edges = []
    for u in users:
        for v in rng.sample(users, min(k, n)):
            edges.append((u, v, round(rng.random(), 2)))
    return edges


def brute_force(edges: list[tuple[str, str, float]], max_s: int, max_p: int) -> tuple[int, int]:
    """Best (coverage, total score in hundredths) over every subset of edges."""
    cand = list(clean_edges(edges).items())
    best = (0, 0)
    for mask in range(1 << len(cand)):
        chosen = [cand[i] for i in range(len(cand)) if mask >> i & 1]
        per_viewer = Counter(v for (v, _), _s in chosen)
        per_partner = Counter(p for (_, p), _s in chosen)
        if any(c > max_s for c in per_viewer.values()) or any(
            c > max_p for c in per_partner.values()
        ):
            continue
        value = (len(per_viewer), round(sum(s for _k, s in chosen) * 100))
        best = max(best, value)
    return best


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(40))
def test_plan_matches_brute_force_on_tiny_instances(seed: int, solver: assign.Solver) -> None:
    rng = random.Random(seed)
    edges = random_edges(rng, rng.randint(2, 5), 3)[: rng.randint(1, 11)]
    max_s, max_p = rng.randint(1, 3), rng.randint(1, 2)
    plan = plan_digest(edges, max_suggestions=max_s, max_per_member=max_p, solver=solver)
    assert (plan.covered, round(plan.total_score * 100)) == brute_force(edges, max_s, max_p)


@pytest.mark.parametrize("seed", range(15))
def test_highs_and_networkx_agree(seed: int) -> None:
    rng = random.Random(100 + seed)
    edges = random_edges(rng, 40, 6)
    max_s, max_p = rng.randint(1, 4), rng.randint(1, 3)
    a = plan_digest(edges, max_suggestions=max_s, max_per_member=max_p, solver="highs")
    b = plan_digest(edges, max_suggestions=max_s, max_per_member=max_p, solver="networkx")
    assert a.covered == b.covered
    assert a.total_score == pytest.approx(b.total_score, abs=1e-6)


@needs_ortools
@pytest.mark.parametrize("seed", range(10))
def test_highs_and_ortools_agree_on_larger_instances(seed: int) -> None:
    # Sparse enough that not everyone can be covered, so the coverage bonus matters.
    rng = random.Random(300 + seed)
    edges = random_edges(rng, 1500, rng.randint(1, 8))
    max_s, max_p = rng.randint(1, 4), rng.randint(1, 3)
    a = plan_digest(edges, max_suggestions=max_s, max_per_member=max_p, solver="highs")
    b = plan_digest(edges, max_suggestions=max_s, max_per_member=max_p, solver="ortools")
    assert a.covered == b.covered
    assert a.total_score == pytest.approx(b.total_score, abs=1e-6)


def test_auto_prefers_ortools_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    for name in ("_flow_highs", "_flow_ortools"):
        real = getattr(assign, name)

        def spy(*args: object, _real: object = real, _name: str = name) -> object:
            used.append(_name)
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(assign, name, spy)
    edges = [("A", "B", 0.5), ("B", "A", 0.4)]
    monkeypatch.setattr(assign, "_have_ortools", lambda: False)
    assert plan_digest(edges).covered == 2
    assert used == ["_flow_highs"]
    if HAVE_ORTOOLS:
        monkeypatch.setattr(assign, "_have_ortools", lambda: True)
        assert plan_digest(edges).covered == 2
        assert used == ["_flow_highs", "_flow_ortools"]


@pytest.mark.parametrize("solver", ["highs", "auto"])
@pytest.mark.parametrize("seed", range(20))
def test_caps_hold_and_picks_are_candidates(seed: int, solver: assign.Solver) -> None:
    rng = random.Random(200 + seed)
    edges = random_edges(rng, 60, 8)
    cand = clean_edges(edges)
    plan = plan_digest(edges, max_suggestions=3, max_per_member=2, solver=solver)
    assert max(plan.load().values()) <= 2
    for viewer, picks in plan.picks.items():
        assert len(picks) <= 3
        assert len({p for p, _ in picks}) == len(picks)
        for p, s in picks:
            assert cand[(viewer, p)] == s
        assert [s for _, s in picks] == sorted((s for _, s in picks), reverse=True)


@pytest.mark.parametrize("solver", SOLVERS)
def test_coverage_beats_score(solver: assign.Solver) -> None:
    # Star: everyone's best candidate is P, who may appear once. The planner must
    # still give A and B someone, even though their other candidates are weak.
    edges = [
        ("A", "P", 0.99),
        ("B", "P", 0.98),
        ("C", "P", 0.97),
        ("A", "Q", 0.10),
        ("B", "R", 0.05),
    ]
    plan = plan_digest(edges, max_suggestions=1, max_per_member=1, solver=solver)
    assert plan.covered == 3
    assert plan.picks["C"] == [("P", 0.97)]


@pytest.mark.parametrize("solver", SOLVERS)
def test_popular_member_is_capped(solver: assign.Solver) -> None:
    edges = [(f"U{i}", "STAR", 0.9) for i in range(10)] + [
        (f"U{i}", f"U{i + 1}", 0.2) for i in range(9)
    ]
    plan = plan_digest(edges, max_suggestions=2, max_per_member=3, solver=solver)
    assert plan.load()["STAR"] == 3
    assert plan.covered == 10


@pytest.mark.parametrize("solver", SOLVERS)
def test_self_pairs_weak_and_duplicate_edges_are_dropped(solver: assign.Solver) -> None:
    edges = [("A", "A", 1.0), ("A", "B", 0.0), ("A", "C", 0.3), ("A", "C", 0.5)]
    plan = plan_digest(edges, solver=solver)
    assert plan.picks == {"A": [("C", 0.5)]}
    assert plan_digest([], solver=solver).picks == {}


# ---------------------------------------------------------------- workshops


def random_problem(rng: random.Random, n: int) -> WorkshopProblem:
    people = [f"P{i}" for i in range(n)]
    scores = {frozenset(p): rng.random() for p in itertools.combinations(people, 2)}
    orgs = {p: rng.choice(["AWO", "DRK", "Caritas", ""]) for p in people}
    return WorkshopProblem(people, scores, orgs)


def check_rounds(rounds: list[list[tuple[str, ...]]], people: list[str], size: int) -> None:
    for rnd in rounds:
        placed = [p for g in rnd for p in g]
        assert sorted(placed) == sorted(people), "everyone placed exactly once"
        sizes = sorted(len(g) for g in rnd)
        assert sizes == sorted(group_sizes(len(people), size))
    assert repeats(rounds) == []


@pytest.mark.parametrize("seed", range(25))
def test_pairs_never_repeat_and_nobody_is_left_out(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 21)
    problem = random_problem(rng, n)
    r = rng.randint(1, max(1, min(5, n // 3)))
    rounds = plan_workshop(problem, rounds=r, seed=rng.randint(0, 3))
    assert len(rounds) == r
    check_rounds(rounds, list(problem.people), 2)


@pytest.mark.parametrize("seed", range(15))
def test_groups_never_repeat_and_nobody_is_left_out(seed: int) -> None:
    rng = random.Random(1000 + seed)
    size = rng.randint(3, 5)
    n = rng.randint(size, 40)
    problem = random_problem(rng, n)
    r = rng.randint(1, 3) if n >= size * (size + 2) else 1
    rounds = plan_workshop(problem, group_size=size, rounds=r, seed=seed)
    check_rounds(rounds, list(problem.people), size)


def test_round_robin_is_possible_to_the_limit() -> None:
    problem = random_problem(random.Random(5), 8)
    rounds = plan_workshop(problem, rounds=7)
    check_rounds(rounds, list(problem.people), 2)
    assert len({p for rnd in rounds for g in rnd for p in pairs_of(g)}) == 28


def _perfect(people: list[str]) -> list[tuple[str, str]]:
    """Brute force: the best perfect matching (as pairs) of a small even set."""
    best: tuple[float, list[tuple[str, str]]] = (float("-inf"), [])

    def rec(rest: list[str], acc: list[tuple[str, str]], problem: WorkshopProblem) -> None:
        nonlocal best
        if not rest:
            w = sum(problem.weight(a, b) for a, b in acc)
            if w > best[0]:
                best = (w, list(acc))
            return
        a = rest[0]
        for b in rest[1:]:
            rec([x for x in rest if x not in (a, b)], [*acc, (a, b)], problem)

    rec(people, [], _CURRENT[0])
    return best[1]


_CURRENT: list[WorkshopProblem] = []


@pytest.fixture(autouse=True)
def _reset() -> None:
    _CURRENT.clear()


def test_max_weight_matching_against_brute_force() -> None:
    rng = random.Random(11)
    for _ in range(15):
        problem = random_problem(rng, rng.choice([4, 6, 8]))
        _CURRENT[:] = [problem]
        [rnd] = plan_workshop(problem)
        got = sum(problem.weight(a, b) for a, b in rnd)
        best = sum(problem.weight(a, b) for a, b in _perfect(list(problem.people)))
        assert got == pytest.approx(best, abs=1e-3)


def test_other_organisations_are_preferred() -> None:
    people = ["a1", "a2", "b1", "b2"]
    orgs = {"a1": "AWO", "a2": "AWO", "b1": "DRK", "b2": "DRK"}
    scores = {frozenset(("a1", "a2")): 0.4, frozenset(("b1", "b2")): 0.4}
    [rnd] = plan_workshop(WorkshopProblem(people, scores, orgs))
    assert all(orgs[a] != orgs[b] for a, b in rnd)


def test_odd_person_joins_a_trio() -> None:
    problem = random_problem(random.Random(3), 7)
    rounds = plan_workshop(problem, rounds=3)
    for rnd in rounds:
        assert sorted(len(g) for g in rnd) == [2, 2, 3]
    assert repeats(rounds) == []


def test_locked_pairs_are_respected_and_reshuffle_changes_the_plan() -> None:
    problem = random_problem(random.Random(9), 12)
    locks = [(0, "P0", "P1"), (1, "P2", "P3")]
    plans = [plan_workshop(problem, rounds=2, locks=locks, seed=s) for s in range(6)]
    for rounds in plans:
        assert ("P0", "P1") in rounds[0]
        assert ("P2", "P3") in rounds[1]
        check_rounds(rounds, list(problem.people), 2)
    assert len({str(p) for p in plans}) > 1, "reshuffling with other seeds gives other plans"
    assert plan_workshop(problem, rounds=2, seed=4) == plan_workshop(problem, rounds=2, seed=4)


def test_locks_in_groups() -> None:
    problem = random_problem(random.Random(4), 12)
    rounds = plan_workshop(problem, group_size=4, locks=[(0, "P0", "P5"), (0, "P5", "P7")])
    assert any({"P0", "P5", "P7"} <= set(g) for g in rounds[0])


def test_impossible_requests_are_refused() -> None:
    with pytest.raises(PlanningError, match="one round"):
        plan_workshop(random_problem(random.Random(1), 12), group_size=4, rounds=2)
    problem = random_problem(random.Random(1), 4)
    with pytest.raises(PlanningError):
        plan_workshop(problem, rounds=4)
    with pytest.raises(PlanningError):
        plan_workshop(WorkshopProblem(["solo"]))


def test_swap_exchanges_two_people() -> None:
    rounds = [[("a", "b"), ("c", "d")]]
    assert swap(rounds, 0, "b", "c") == [[("a", "c"), ("b", "d")]]
    with pytest.raises(PlanningError):
        swap(rounds, 0, "a", "zz")


def test_group_sizes() -> None:
    assert group_sizes(5, 2) == [3, 2]
    assert group_sizes(7, 4) == [4, 3]
    assert group_sizes(5, 4) == [5]
    assert group_sizes(6, 4) == [3, 3]
    assert group_sizes(3, 4) == [3]
    assert sum(group_sizes(23, 3)) == 23


def test_five_people_cannot_have_two_rounds_with_a_trio() -> None:
    # After {a,b,x} and {c,d} no three people are strangers to each other.
    with pytest.raises(PlanningError):
        plan_workshop(random_problem(random.Random(2), 5), rounds=2)


def test_highs_writes_nothing_to_stdout() -> None:
    # `suggest --json` and dry runs print machine-readable stdout; HiGHS's C++ banner
    # must not end up in it.
    import subprocess
    import sys

    code = (
        "from matching.digest_plan import plan_digest\n"
        "plan_digest([('a', 'b', 0.5), ('b', 'a', 0.4)], max_suggestions=1, "
        "max_per_member=1, solver='highs')\n"
        "plan_digest([('a', 'b', 0.5)], max_suggestions=1, max_per_member=1, solver='highs')\n"
        "print('only this')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "only this\n"

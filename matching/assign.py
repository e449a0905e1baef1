"""Assignment: who is suggested to whom in a digest run, and who meets whom in a workshop.

Pure functions over user ids and scores: no database, no Slack.

Digest planning is a bipartite b-matching solved as a min-cost flow: viewers on
the left (the members who receive a digest), partners on the right (the
members suggested to them). A viewer takes at most ``max_suggestions``
partners, a partner is shown to at most ``max_per_member`` viewers. Coverage
comes first: a viewer's first suggestion earns a bonus larger than any total
of scores, so the optimum is lexicographic — as many members with at least one
suggestion as possible, then the highest total score among those plans.

The default install solves it as a linear program with HiGHS (``highspy``,
8 MB with numpy as its only dependency): the constraint matrix is totally
unimodular, so the simplex vertex HiGHS returns is integral and the same plan
a network solver finds. OR-Tools' ``SimpleMinCostFlow`` is several times
faster at 100,000 members but pulls in pandas (about 160 MB), so it is the
optional extra ``civic-match[ortools]`` and used whenever it is installed.
networkx's network simplex (slow, pure Python) solves the same network and is
kept as the reference the tests compare with. Figures in BENCHMARKS.md.

Workshop grouping uses networkx's maximum-weight matching per round (pairs) and
a greedy assignment with pairwise swaps for groups of three or more.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np

from matching.errors import MatchingError

SCALE = 10_000  # scores become integer costs with four decimals
Solver = Literal["auto", "highs", "ortools", "networkx"]


class PlanningError(MatchingError):
    """The solver failed or the request cannot be met (e.g. more rounds than partners)."""


# ================================================================ digests


@dataclass(frozen=True)
class DigestPlan:
    """The chosen partners per viewer (best first), with their scores."""

    picks: dict[str, list[tuple[str, float]]]

    @property
    def covered(self) -> int:
        return sum(1 for v in self.picks.values() if v)

    @property
    def total_score(self) -> float:
        return sum(s for v in self.picks.values() for _, s in v)

    def load(self) -> Counter[str]:
        """How often each partner is shown in this run."""
        return Counter(p for v in self.picks.values() for p, _ in v)


def clean_edges(
    edges: Iterable[tuple[str, str, float]], min_score: float = 0.0
) -> dict[tuple[str, str], float]:
    """Drop self-pairs and weak candidates; keep the best score of duplicate edges."""
    out: dict[tuple[str, str], float] = {}
    for viewer, partner, score in edges:
        if viewer == partner or score <= min_score:
            continue
        key = (viewer, partner)
        if score > out.get(key, float("-inf")):
            out[key] = float(score)
    return out


def plan_digest(
    edges: Iterable[tuple[str, str, float]],
    *,
    max_suggestions: int = 3,
    max_per_member: int = 3,
    min_score: float = 0.0,
    solver: Solver = "auto",
) -> DigestPlan:
    """Choose partners for every viewer jointly.

    ``edges`` are (viewer, partner, score): "suggest partner to viewer", already
    filtered for recent, declined and known pairs. Maximises, in this order,
    the number of viewers with at least one suggestion and the total score,
    subject to at most ``max_suggestions`` per viewer and at most
    ``max_per_member`` appearances per partner.
    """
    if max_suggestions < 1 or max_per_member < 1:
        raise PlanningError("max_suggestions and max_per_member must be at least 1")
    cand = clean_edges(edges, min_score)
    viewers = sorted({v for v, _ in cand})
    if not cand:
        return DigestPlan({})
    partners = sorted({p for _, p in cand})
    vi = {v: i for i, v in enumerate(viewers)}
    pi = {p: i for i, p in enumerate(partners)}
    pairs = list(cand.items())
    tails = np.fromiter((vi[v] for (v, _), _s in pairs), dtype=np.int64, count=len(pairs))
    heads = np.fromiter((pi[p] for (_, p), _s in pairs), dtype=np.int64, count=len(pairs))
    gains = np.fromiter(
        (max(0, round(s * SCALE)) for _k, s in pairs), dtype=np.int64, count=len(pairs)
    )
    # The bonus must exceed every achievable total of gains, so that one more
    # covered viewer always beats any amount of extra score.
    bonus = int(gains.max()) * max_suggestions * len(viewers) + 1
    if solver == "auto":
        solver = "ortools" if _have_ortools() else "highs"
    solve = {"highs": _flow_highs, "ortools": _flow_ortools, "networkx": _flow_networkx}[solver]
    flows = solve(
        tails, heads, gains, len(viewers), len(partners), max_suggestions, max_per_member, bonus
    )
    picks: dict[str, list[tuple[str, float]]] = {v: [] for v in viewers}
    for idx in np.flatnonzero(flows):
        (v, p), s = pairs[int(idx)]
        picks[v].append((p, s))
    for lst in picks.values():
        lst.sort(key=lambda x: (-x[1], x[0]))
    return DigestPlan(picks)


def _have_ortools() -> bool:
    try:
        import ortools.graph.python.min_cost_flow  # noqa: F401
    except ImportError:
        return False
    return True


def _flow_highs(
    tails: np.ndarray,
    heads: np.ndarray,
    gains: np.ndarray,
    n_v: int,
    n_p: int,
    max_s: int,
    max_p: int,
    bonus: int,
) -> np.ndarray:
    """Solve the planning network as an LP with HiGHS; returns the flow on each candidate edge.

    Columns are the candidate edges (shown or not), then one per viewer
    (covered or not, earning the bonus). A viewer's row says
    ``0 <= shown - covered <= max_s - 1``: the network's flow conservation at
    the viewer with its bonus arc and its arc for further slots folded in. A
    partner's row says ``shown <= max_p``. That matrix is the incidence matrix
    of a bipartite graph plus unit columns, so it is totally unimodular and
    every simplex vertex is integral; the check below guards against numerical
    trouble rather than against fractional optima.
    """
    import highspy

    n_e = len(tails)
    lp = highspy.HighsLp()
    lp.num_col_ = n_e + n_v
    lp.num_row_ = n_v + n_p
    lp.col_cost_ = np.concatenate([-gains.astype(np.float64), np.full(n_v, -float(bonus))])
    lp.col_lower_ = np.zeros(n_e + n_v)
    lp.col_upper_ = np.ones(n_e + n_v)
    lp.row_lower_ = np.concatenate([np.zeros(n_v), np.full(n_p, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.full(n_v, max_s - 1.0), np.full(n_p, float(max_p))])
    index = np.empty(2 * n_e + n_v, dtype=np.int32)
    index[0 : 2 * n_e : 2] = tails
    index[1 : 2 * n_e : 2] = n_v + heads
    index[2 * n_e :] = np.arange(n_v)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate(
        [np.arange(0, 2 * n_e + 1, 2), 2 * n_e + 1 + np.arange(n_v)]
    ).astype(np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = np.concatenate([np.ones(2 * n_e), np.full(n_v, -1.0)])
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # its __init__ is unannotated
    h.setOptionValue("output_flag", False)
    # Dual simplex measured fastest here (interior point with crossover took
    # twice as long at 100,000 members), and a vertex is what makes it integral.
    h.setOptionValue("solver", "simplex")
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise PlanningError(f"LP solver failed ({h.modelStatusToString(status)})")
    x = np.asarray(h.getSolution().col_value[:n_e], dtype=np.float64)
    flows = np.rint(x).astype(np.int64)
    if (
        np.abs(x - flows).max(initial=0.0) > 1e-6
        or flows.min(initial=0) < 0
        or flows.max(initial=0) > 1
        or np.bincount(tails, flows, n_v).max(initial=0) > max_s
        or np.bincount(heads, flows, n_p).max(initial=0) > max_p
    ):
        raise PlanningError("LP solver returned a fractional or infeasible plan")
    return flows


def _flow_ortools(
    tails: np.ndarray,
    heads: np.ndarray,
    gains: np.ndarray,
    n_v: int,
    n_p: int,
    max_s: int,
    max_p: int,
    bonus: int,
) -> np.ndarray:
    """Solve the planning network with OR-Tools; returns the flow on each candidate edge."""
    from ortools.graph.python import min_cost_flow

    # Nodes: 0 source, 1 sink, 2 pool for a viewer's further slots,
    # 3.. viewers, then partners.
    src, sink, extra = 0, 1, 2
    v_nodes = 3 + np.arange(n_v, dtype=np.int64)
    p_nodes = 3 + n_v + np.arange(n_p, dtype=np.int64)
    supply = n_v * max_s
    t = np.concatenate(
        [np.full(n_v, src), np.full(n_v, extra), v_nodes[tails], p_nodes, [src, src]]
    )
    h = np.concatenate([v_nodes, v_nodes, p_nodes[heads], np.full(n_p, sink), [extra, sink]])
    cap = np.concatenate(
        [
            np.ones(n_v, np.int64),
            np.full(n_v, max_s - 1),
            np.ones(len(tails), np.int64),
            np.full(n_p, max_p),
            [supply, supply],
        ]
    )
    cost = np.concatenate(
        [np.full(n_v, -bonus), np.zeros(n_v, np.int64), -gains, np.zeros(n_p, np.int64), [0, 0]]
    )
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        t.astype(np.int64), h.astype(np.int64), cap.astype(np.int64), cost.astype(np.int64)
    )
    smcf.set_node_supply(src, supply)
    smcf.set_node_supply(sink, -supply)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise PlanningError(f"min-cost flow solver failed (status {status})")
    first = 2 * n_v
    flows: np.ndarray = smcf.flows(arcs[first : first + len(tails)])
    return flows


def _flow_networkx(
    tails: np.ndarray,
    heads: np.ndarray,
    gains: np.ndarray,
    n_v: int,
    n_p: int,
    max_s: int,
    max_p: int,
    bonus: int,
) -> np.ndarray:
    """The same network solved with networkx's network simplex (slow; the reference)."""
    g = nx.DiGraph()
    supply = n_v * max_s
    g.add_node("s", demand=-supply)
    g.add_node("t", demand=supply)
    g.add_edge("s", "x", capacity=supply, weight=0)
    g.add_edge("x", "t", capacity=supply, weight=0)  # unused flow drains here
    for v in range(n_v):
        g.add_edge("s", ("v", v), capacity=1, weight=-bonus)
        if max_s > 1:
            g.add_edge("x", ("v", v), capacity=max_s - 1, weight=0)
    for a, b, w in zip(tails.tolist(), heads.tolist(), gains.tolist(), strict=True):
        g.add_edge(("v", a), ("p", b), capacity=1, weight=-w)
    for p in range(n_p):
        g.add_edge(("p", p), "t", capacity=max_p, weight=0)
    _cost, flow = nx.network_simplex(g)
    return np.array(
        [flow[("v", a)][("p", b)] for a, b in zip(tails.tolist(), heads.tolist(), strict=True)],
        dtype=np.int64,
    )


# ================================================================ workshops

Group = tuple[str, ...]
Round = list[Group]
Lock = tuple[int, str, str]  # (round index, a, b): keep a and b together in that round


@dataclass
class WorkshopProblem:
    """Who takes part, how well each pair fits, and what is fixed.

    ``scores`` maps frozenset({a, b}) to a matching score (missing pairs count
    as 0); ``orgs`` gives each person's organisation for the same-org penalty;
    ``met`` are pairs that must not meet again (e.g. earlier workshops).
    """

    people: Sequence[str]
    scores: Mapping[frozenset[str], float] = field(default_factory=dict)
    orgs: Mapping[str, str] = field(default_factory=dict)
    met: Iterable[frozenset[str]] = ()
    same_org_penalty: float = 0.5

    def weight(self, a: str, b: str) -> float:
        w = self.scores.get(frozenset((a, b)), 0.0)
        oa, ob = self.orgs.get(a, ""), self.orgs.get(b, "")
        if oa and oa == ob:
            w -= self.same_org_penalty
        return w


def group_sizes(n: int, size: int) -> list[int]:
    """Split n people into groups of ``size``; leftovers join groups (pairs → one trio).

    When the leftovers are more than the groups can absorb, there is one group
    more and sizes go down by one instead (7 people in fours: 4 + 3).
    """
    if n <= 0:
        return []
    g = n // size
    rem = n - g * size
    if g == 0 or rem > g:
        g += 1
    base, extra = divmod(n, g)
    return [base + 1 if i < extra else base for i in range(g)]


def pairs_of(group: Group) -> list[frozenset[str]]:
    return [frozenset(p) for p in itertools.combinations(group, 2)]


def repeats(rounds: Sequence[Round], met: Iterable[frozenset[str]] = ()) -> list[frozenset[str]]:
    """Pairs that meet more than once across the rounds (or met before)."""
    seen = set(met)
    out: list[frozenset[str]] = []
    for rnd in rounds:
        for group in rnd:
            for p in pairs_of(group):
                if p in seen:
                    out.append(p)
                seen.add(p)
    return out


def plan_workshop(
    problem: WorkshopProblem,
    *,
    group_size: int = 2,
    rounds: int = 1,
    locks: Iterable[Lock] = (),
    seed: int = 0,
    attempts: int = 30,
) -> list[Round]:
    """Rounds of pairs (or groups of ``group_size``) where nobody meets anyone twice.

    Everyone is placed in every round. Pairs come from a maximum-weight
    matching of the fit scores (same-org pairs penalised); an odd person joins
    the pair that suits them best. Groups of three or more are formed greedily
    and improved by swaps (a heuristic: exact grouping is NP-hard). ``seed`` 0
    gives the best plan; other seeds add jitter to the weights for a
    different but still good plan. When a round cannot avoid repeats, the
    whole plan is retried with other jitter, then falls back to a round-robin
    schedule; if that fails too, PlanningError.
    """
    people = list(dict.fromkeys(problem.people))
    n = len(people)
    if group_size < 2:
        raise PlanningError("groups need at least two people")
    if rounds < 1:
        raise PlanningError("at least one round")
    if n < 2:
        raise PlanningError("a workshop needs at least two participants with entries")
    if rounds > max(1, n - 1):
        raise PlanningError(f"{n} people can meet new partners in at most {n - 1} rounds")
    sizes = group_sizes(n, group_size)
    if rounds > 1 and max(sizes) > len(sizes):
        # A second round puts into each group people from different groups of
        # the first round, so a group can't be larger than the number of groups.
        raise PlanningError(
            f"{n} people in groups of {group_size} can only meet new partners in one round"
        )
    lock_list = [(r, a, b) for r, a, b in locks if a in people and b in people and a != b]
    for attempt in range(attempts):
        jitter_seed = seed * 1000 + attempt
        jitter = 0.0 if (seed == 0 and attempt == 0) else 0.2
        plan = _try_plan(problem, people, group_size, rounds, lock_list, jitter_seed, jitter)
        if plan is not None:
            return plan
    if group_size == 2 and not lock_list:
        fallback = _round_robin(people, rounds, random.Random(seed))
        if not repeats(fallback, problem.met):
            return fallback
    raise PlanningError("could not form the rounds without repeating partners")


def _try_plan(
    problem: WorkshopProblem,
    people: list[str],
    group_size: int,
    rounds: int,
    locks: list[Lock],
    seed: int,
    jitter: float,
) -> list[Round] | None:
    rng = random.Random(seed)
    noise: dict[frozenset[str], float] = {}

    def weight(a: str, b: str) -> float:
        key = frozenset((a, b))
        if key not in noise:
            noise[key] = rng.random() * jitter if jitter else 0.0
        return problem.weight(a, b) + noise[key]

    met: set[frozenset[str]] = set(problem.met)
    out: list[Round] = []
    for r in range(rounds):
        round_locks = [(a, b) for lr, a, b in locks if lr == r]
        if group_size == 2:
            rnd = _pairs_round(people, weight, met, round_locks)
        else:
            rnd = _groups_round(people, weight, met, round_locks, group_size, rng)
        if rnd is None:
            return None
        for group in rnd:
            met.update(pairs_of(group))
        out.append(rnd)
    return out


def _pairs_round(
    people: list[str],
    weight: Callable[[str, str], float],
    met: set[frozenset[str]],
    locks: list[tuple[str, str]],
) -> Round | None:
    groups: list[list[str]] = []
    taken: set[str] = set()
    for a, b in locks:
        if a in taken or b in taken:
            return None  # one person locked into two pairs of the same round
        groups.append([a, b])
        taken.update((a, b))
    free = [p for p in people if p not in taken]
    g = nx.Graph()
    g.add_nodes_from(free)
    for a, b in itertools.combinations(free, 2):
        if frozenset((a, b)) not in met:
            # Integer weights keep the blossom algorithm exact; the offset keeps
            # them positive (a constant per edge does not change which perfect
            # matching is best).
            g.add_edge(a, b, weight=round((weight(a, b) + 2.0) * SCALE))
    matching = nx.max_weight_matching(g, maxcardinality=True)
    for a, b in matching:
        groups.append(sorted((a, b), key=people.index))
    left = [p for p in free if not any(p in m for m in matching)]
    if len(left) > 1 or (left and not groups):
        return None
    if left:
        x = left[0]
        options = [
            (sum(weight(x, m) for m in grp), i)
            for i, grp in enumerate(groups)
            if all(frozenset((x, m)) not in met for m in grp)
        ]
        if not options:
            return None
        _w, best = max(options, key=lambda o: (o[0], -o[1]))
        groups[best].append(x)
    return [tuple(grp) for grp in groups]


def _groups_round(
    people: list[str],
    weight: Callable[[str, str], float],
    met: set[frozenset[str]],
    locks: list[tuple[str, str]],
    size: int,
    rng: random.Random,
) -> Round | None:
    """Greedy placement of locked clusters and people, then improving swaps."""
    forbidden = -1e6  # a repeat costs more than any fit can gain

    def w(a: str, b: str) -> float:
        return forbidden if frozenset((a, b)) in met else weight(a, b)

    sizes = group_sizes(len(people), size)
    # Locked people form clusters that move as one unit.
    parent = {p: p for p in people}

    def find(p: str) -> str:
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for a, b in locks:
        parent[find(a)] = find(b)
    clusters: dict[str, list[str]] = defaultdict(list)
    for p in people:
        clusters[find(p)].append(p)
    units = list(clusters.values())
    if max(len(u) for u in units) > max(sizes):
        return None
    rng.shuffle(units)
    # Big clusters and people with strong ties first: they have the fewest good places.
    units.sort(
        key=lambda u: (
            -len(u),
            -sum(max((w(a, b) for b in people if b != a), default=0.0) for a in u),
        )
    )
    groups: list[list[str]] = [[] for _ in sizes]
    for unit in units:
        best_i, best_gain = -1, float("-inf")
        for i, grp in enumerate(groups):
            if len(grp) + len(unit) > sizes[i]:
                continue
            # Empty groups get a small bonus so seeds spread out before groups fill.
            gain = sum(w(a, b) for a in unit for b in grp) + (0.01 if not grp else 0.0)
            if gain > best_gain:
                best_i, best_gain = i, gain
        if best_i < 0:
            return None
        groups[best_i].extend(unit)
    locked = {p for u in units if len(u) > 1 for p in u}
    where = {p: i for i, grp in enumerate(groups) for p in grp}

    def member_gain(p: str, grp: list[str], without: str = "") -> float:
        return sum(w(p, q) for q in grp if q != p and q != without)

    improved, passes = True, 0
    while improved and passes < 50:
        improved, passes = False, passes + 1
        movable = [p for p in people if p not in locked]
        for a, b in itertools.combinations(movable, 2):
            ia, ib = where[a], where[b]
            if ia == ib:
                continue
            ga, gb = groups[ia], groups[ib]
            before = member_gain(a, ga) + member_gain(b, gb)
            after = member_gain(a, gb, without=b) + member_gain(b, ga, without=a)
            if after > before + 1e-9:
                ga[ga.index(a)], gb[gb.index(b)] = b, a
                where[a], where[b] = ib, ia
                improved = True
    result = [tuple(sorted(grp, key=people.index)) for grp in groups]
    if any(p in met for grp in result for p in pairs_of(grp)):
        return None
    return result


def _round_robin(people: list[str], rounds: int, rng: random.Random) -> list[Round]:
    """The circle method: n-1 rounds of pairs in which everyone meets everyone once."""
    order = people[:]
    rng.shuffle(order)
    odd = len(order) % 2 == 1
    if odd:
        order.append("")
    n = len(order)
    out: list[Round] = []
    for _r in range(rounds):
        pairs = [(order[i], order[n - 1 - i]) for i in range(n // 2)]
        rnd: list[list[str]] = [[a, b] for a, b in pairs if a and b]
        if odd:
            bye = next(a or b for a, b in pairs if not (a and b))
            rnd[0].append(bye)
        out.append([tuple(g) for g in rnd])
        order = [order[0], order[-1], *order[1:-1]]
    return out


def swap(rounds: Sequence[Round], round_index: int, a: str, b: str) -> list[Round]:
    """Exchange the places of ``a`` and ``b`` in one round (a facilitator's edit)."""
    out = [list(r) for r in rounds]
    if not 0 <= round_index < len(out):
        raise PlanningError(f"no round {round_index + 1}")
    rnd = out[round_index]

    def sub(p: str) -> str:
        return b if p == a else a if p == b else p

    if not any(a in g for g in rnd) or not any(b in g for g in rnd):
        raise PlanningError("both people must take part in that round")
    out[round_index] = [tuple(sub(p) for p in g) for g in rnd]
    return [list(r) for r in out]

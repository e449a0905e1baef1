"""Workshop planning: who meets whom, in pairs or groups, over several rounds.

Pure functions over user ids and scores: no database, no Slack. Pairs use
networkx's maximum-weight matching per round; groups of three or more a greedy
assignment with pairwise swaps. No pair meets twice when it can be avoided.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from matching.errors import PlanningError
from matching.orgs import org_key

SCALE = 10_000  # scores become integer weights with four decimals

Group = tuple[str, ...]
Round = list[Group]
Lock = tuple[int, str, str]  # (round index, a, b): keep a and b together in that round


@dataclass
class WorkshopProblem:
    """Who takes part, how well each pair fits, and what is fixed.

    ``scores`` maps frozenset({a, b}) to a matching score (missing pairs count
    as 0); ``orgs`` gives each person's organisation for the same-org penalty
    (compared by matching.orgs.org_key, so spellings of one organisation count);
    ``met`` are pairs that must not meet again (e.g. earlier workshops).
    """

    people: Sequence[str]
    scores: Mapping[frozenset[str], float] = field(default_factory=dict)
    orgs: Mapping[str, str] = field(default_factory=dict)
    met: Iterable[frozenset[str]] = ()
    same_org_penalty: float = 0.5
    _org_keys: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # weight() runs for every pair in every round: normalise each name once.
        self._org_keys = {p: org_key(o) for p, o in self.orgs.items()}

    def weight(self, a: str, b: str) -> float:
        w = self.scores.get(frozenset((a, b)), 0.0)
        oa, ob = self._org_keys.get(a, ""), self._org_keys.get(b, "")
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
    # Loaded here: every CLI command and the bot import this module, few pair a workshop.
    import networkx as nx

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

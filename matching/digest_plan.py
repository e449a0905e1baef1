"""Digest planning: who is suggested to whom in a digest run.

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
"""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from matching.errors import PlanningError

SCALE = 10_000  # scores become integer costs with four decimals
Solver = Literal["auto", "highs", "ortools", "networkx"]


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


@dataclass(frozen=True)
class Network:
    """The planning network every solver gets: candidate edges (viewer index ``tails``,
    partner index ``heads``, integer ``gains``), the counts of viewers and partners, the
    caps per viewer and per partner, and the bonus for covering a viewer."""

    tails: np.ndarray
    heads: np.ndarray
    gains: np.ndarray
    n_v: int
    n_p: int
    max_s: int
    max_p: int
    bonus: int

    def unpack(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, int, int, int]:
        return (
            self.tails,
            self.heads,
            self.gains,
            self.n_v,
            self.n_p,
            self.max_s,
            self.max_p,
            self.bonus,
        )


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
        Network(
            tails, heads, gains, len(viewers), len(partners), max_suggestions, max_per_member, bonus
        )
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


_HIGHS_LOCK = threading.Lock()
_highs_greeted = False


def _new_highs() -> Any:
    """A HiGHS instance, without the banner it prints to stdout once per process.

    `civic-match suggest --json` and dry runs write machine-readable stdout; the
    banner (written by the C++ library, so not catchable in Python) would corrupt it.
    """
    global _highs_greeted
    import highspy  # imported where used: the planner module loads without it

    with _HIGHS_LOCK:
        if _highs_greeted:
            return highspy.Highs()  # type: ignore[no-untyped-call]  # unannotated __init__
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 1)
                h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _highs_greeted = True
        return h


def _flow_highs(
    net: Network,
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
    tails, heads, gains, n_v, n_p, max_s, max_p, bonus = net.unpack()
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
    h = _new_highs()
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
    net: Network,
) -> np.ndarray:
    """Solve the planning network with OR-Tools; returns the flow on each candidate edge."""
    tails, heads, gains, n_v, n_p, max_s, max_p, bonus = net.unpack()
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
    net: Network,
) -> np.ndarray:
    """The same network solved with networkx's network simplex (slow; the reference)."""
    tails, heads, gains, n_v, n_p, max_s, max_p, bonus = net.unpack()
    import networkx as nx  # the reference solver: not loaded by every command

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

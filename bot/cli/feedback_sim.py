"""`civic-match eval --simulate-feedback`: does learning from feedback help, and whom?

Half the members (seeded) react to their top 5 through the same code path as the Slack
buttons (MemberFlows.connect / feedback): connect when the partner shares a label, else
'not relevant'. Then the scheduler's refit runs, and P@5 is compared with paired
bootstrap errors: for the members who did not react, their top 5 before vs after; for
those who did, the next 5 they had not seen yet, before vs after; for both, against a
'veto only' counterfactual (the same feedback, used only to exclude the pairs) and an
'own clicks' one (each member's own and received clicks, without the community's pairs).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bot.cli.quality import import_file, strip_labels
from bot.container import build_container, open_store
from bot.flows.ports import RecordingNotifier
from bot.settings import Settings
from matching.embedder import Embedder
from matching.evaluate import load_labels, precision_at
from matching.feedback import Fit, Learning
from matching.scoring import Weights
from matching.service import Matcher
from profiles.db import Store

TEAM = "T_EVAL"


@dataclass(frozen=True)
class Delta:
    mean: float
    se: float


@dataclass(frozen=True)
class SimResult:
    """P@5 per group and variant, the paired differences and the refit."""

    p5: dict[str, dict[str, float]]
    deltas: dict[str, dict[str, Delta]]
    fit: Fit | None
    reactions: tuple[int, int]


def paired(a: Sequence[float], b: Sequence[float], n: int = 2000, seed: int = 0) -> Delta:
    """Mean of b - a with its bootstrap standard error over the same queries."""
    diff = [y - x for x, y in zip(a, b, strict=True)]
    if not diff:
        return Delta(0.0, 0.0)
    rng = random.Random(seed)
    means = []
    for _ in range(n):
        sample = [diff[rng.randrange(len(diff))] for _ in diff]
        means.append(sum(sample) / len(sample))
    mu = sum(means) / n
    se = (sum((m - mu) ** 2 for m in means) / max(n - 1, 1)) ** 0.5
    return Delta(sum(diff) / len(diff), se)


def simulate(
    data: Path,
    field: str,
    embedder: Embedder,
    *,
    settings: Settings | None = None,
    seed: int = 0,
    db_url: str | None = None,
    echo: Callable[[str], None] = print,
) -> SimResult:
    cfg = settings or Settings()
    learning = Learning(
        cfg.feedback_strength,
        cfg.feedback_half_life_days,
        community=cfg.community_feedback_strength,
    )
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "items.jsonl"
        strip_labels(data, clean, None)
        store = open_store(db_url or f"sqlite:///{tmp}/sim.db")
        try:
            return _run(store, embedder, clean, load_labels(data, field), learning, seed, echo)
        finally:
            store.dispose()


def _run(
    store: Store,
    embedder: Embedder,
    clean: Path,
    labels: dict[str, frozenset[str]],
    learning: Learning,
    seed: int,
    echo: Callable[[str], None],
) -> SimResult:
    learner = Matcher(store, embedder, learning=learning)
    veto_only = Matcher(store, embedder)
    own_only = Matcher(store, embedder, learning=replace(learning, community=0.0))
    refitted = Matcher(store, embedder, learning=replace(learning, fitted_weights=True))
    # The simulated members click buttons like members who described themselves do.
    import_file(learner, TEAM, clean, consent="self")
    flows = build_container(Settings(), matcher=learner, notifier=RecordingNotifier()).members
    users = sorted(u for u in learner.sync(TEAM).users() if labels.get(u))
    rng = random.Random(seed)
    shuffled = users[:]
    rng.shuffle(shuffled)
    reacting = set(shuffled[: len(shuffled) // 2])

    def p5(u: str, ranked: list[str]) -> float:
        return precision_at(ranked, labels[u], labels, 5)

    ranked = learner.suggest_for_members(TEAM, users, k=10)
    before = {u: [x.user_id for x in ranked.get(u, [])] for u in users}
    pos = neg = 0
    for u in sorted(reacting):
        for sg in learner.suggest_for_member(TEAM, u, k=5):
            if labels[u] & labels.get(sg.user_id, frozenset()):
                flows.connect(TEAM, u, sg.user_id, sg.entry_id, "de")
                pos += 1
            else:
                flows.feedback(TEAM, u, sg.user_id, "not_relevant", "de")
                neg += 1
    fit = learner.refit_weights(TEAM)

    def top(m: Matcher, u: str) -> list[str]:
        seen = before[u][:5] if u in reacting else []
        return [x.user_id for x in m.suggest_for_member(TEAM, u, k=5, also_exclude=seen)]

    groups = {
        "no feedback (top 5)": [u for u in users if u not in reacting],
        "gave feedback (next 5 unseen)": [u for u in users if u in reacting],
    }
    p5s: dict[str, dict[str, float]] = {}
    deltas: dict[str, dict[str, Delta]] = {}
    for name, members in groups.items():
        fb = name.startswith("gave")
        b = [p5(u, before[u][5:10] if fb else before[u][:5]) for u in members]
        v = [p5(u, top(veto_only, u)) for u in members]
        o = [p5(u, top(own_only, u)) for u in members]
        a = [p5(u, top(learner, u)) for u in members]
        r = [p5(u, top(refitted, u)) for u in members]
        n = max(len(members), 1)
        p5s[name] = {
            "before": sum(b) / n,
            "veto only": sum(v) / n,
            "own clicks": sum(o) / n,
            "learning": sum(a) / n,
            "+ refit": sum(r) / n,
        }
        deltas[name] = {
            "learning - before": paired(b, a),
            "own clicks - veto only": paired(v, o),
            "learning - veto only": paired(v, a),
            "learning - own clicks": paired(o, a),
            "refit - veto only": paired(v, r),
            "refit - learning": paired(a, r),
            "veto only - before": paired(b, v),
        }
    echo(f"{len(users)} members, {len(reacting)} reacted: {pos} connect, {neg} not relevant")
    echo(
        "P@5; own clicks = the member's own and received clicks only; learning = also the "
        "community's pairs; + refit = also the refit weights"
    )
    echo(
        f"{'group':<32}{'n':>5}{'before':>9}{'veto only':>11}{'own clicks':>12}{'learning':>10}"
        f"{'+ refit':>9}{'own-veto':>16}{'learning-veto':>16}{'learning-own':>16}"
        f"{'+refit-veto':>16}{'+refit-learning':>16}"
    )
    for name, members in groups.items():
        row, d = p5s[name], deltas[name]
        echo(
            f"{name:<32}{len(members):>5}{row['before']:>9.3f}{row['veto only']:>11.3f}"
            f"{row['own clicks']:>12.3f}{row['learning']:>10.3f}{row['+ refit']:>9.3f}"
            f"{_pm(d['own clicks - veto only']):>16}{_pm(d['learning - veto only']):>16}"
            f"{_pm(d['learning - own clicks']):>16}{_pm(d['refit - veto only']):>16}"
            f"{_pm(d['refit - learning']):>16}"
        )
    echo(weights_table(Weights(), fit))
    return SimResult(p5s, deltas, fit, (pos, neg))


def _pm(d: Delta) -> str:
    return f"{d.mean:+.3f} ± {d.se:.3f}"


def weights_table(prior: Weights, fit: Fit | None) -> str:
    """The prior and the fitted weights side by side, with the fit's data size."""
    if fit is None:
        return "weights: no refit (too little feedback); ranking uses the defaults"
    p, w = asdict(prior), asdict(fit.weights)
    lines = [f"weights refit from {fit.positives} positive / {fit.negatives} negative clicks"]
    lines += [f"  {k:<10}{p[k]:>8.3f} -> {w[k]:.3f}" for k in p]
    lines.append(f"  change (L1) {fit.change:.3f}")
    return "\n".join(lines)

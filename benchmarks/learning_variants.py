"""Learning-from-feedback variants on the feedback simulation's state, paired errors.

    PYTHONPATH=. python benchmarks/learning_variants.py \
        --data ../shared/data/eval/datenprojekte-dev.jsonl --field labels_fine

Imports the file through the product (labels stripped), lets half the members (seed 0)
react to their top 5 through MemberFlows like `civic-match eval --simulate-feedback`
(with own-click learning only, as on main before the community part), then:

* community part: reranks each member's 25 veto-only candidates with the member's own
  clicks plus one community variant (bilinear, kernel regression, nearest pairs);
* refit: ranks with weights refit pointwise (clicked pairs only) or pairwise with
  sampled unshown members as extra negatives, plus own clicks.

Prints Δ P@5 against veto only with the paired bootstrap SE, for members without
feedback (top 5) and with feedback (next 5 unseen). Labels are read for scoring only.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.cli.feedback_sim import TEAM, paired
from bot.cli.quality import import_file, strip_labels
from bot.container import build_container, open_store
from bot.flows.ports import RecordingNotifier
from bot.settings import Settings
from matching import learning as learn
from matching.embedder import load_embedder
from matching.evaluate import load_labels, precision_at
from matching.feedback import (
    NAMES,
    Learning,
    adjustments,
    as_row,
    centred,
    direction,
    fit_weights,
    sign_of,
    unit_mean,
)
from matching.scoring import Weights
from matching.service import Matcher, Suggestion
from profiles import repo

Array = np.ndarray


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--field", required=True)
    args = ap.parse_args()
    s = Settings()
    emb = load_embedder(s.model, threads=s.threads)
    tmp = Path(tempfile.mkdtemp())
    strip_labels(args.data, tmp / "items.jsonl", None)
    store = open_store(f"sqlite:///{tmp}/sim.db")
    labels = load_labels(args.data, args.field)
    own_learning = Learning(0.5, 120)
    learner = Matcher(store, emb, learning=own_learning)
    veto = Matcher(store, emb)
    import_file(learner, TEAM, tmp / "items.jsonl", consent="self")
    flows = build_container(Settings(), matcher=learner, notifier=RecordingNotifier()).members
    users = sorted(u for u in learner.sync(TEAM).users() if labels.get(u))
    shuffled = users[:]
    random.Random(0).shuffle(shuffled)
    reacting = set(shuffled[: len(shuffled) // 2])

    def p5(u: str, ranked: list[str]) -> float:
        return precision_at(ranked, labels[u], labels, 5)

    before = {u: [x.user_id for x in learner.suggest_for_member(TEAM, u, k=10)] for u in users}
    for u in sorted(reacting):
        for sg in learner.suggest_for_member(TEAM, u, k=5):
            if labels[u] & labels.get(sg.user_id, frozenset()):
                flows.connect(TEAM, u, sg.user_id, sg.entry_id, "de")
            else:
                flows.feedback(TEAM, u, sg.user_id, "not_relevant", "de")
    pool = veto.sync(TEAM)
    with store.session() as ss:
        rows = repo.reactions(ss, TEAM)
    now = store.clock()
    groups = {
        "no feedback": [u for u in users if u not in reacting],
        "gave feedback": [u for u in users if u in reacting],
    }

    def seen(u: str) -> list[str]:
        return before[u][:5] if u in reacting else []

    cands = {u: veto.suggest_for_member(TEAM, u, k=25, also_exclude=seen(u)) for u in users}
    ctx = learn.Context(now, {})
    for r in rows:
        ctx.by_member.setdefault(r[0], []).append(r)
        ctx.by_member.setdefault(r[1], []).append(r)
    centre = np.vstack([d.vector for d in pool.docs.values()]).mean(axis=0).astype(np.float32)
    member = {u: unit_mean([d.vector for d in pool.docs_of(u)]) for u in pool.users()}
    latest = {frozenset(r[:2]): (r[0], r[1], sign_of(r[2])) for r in rows}
    pairs = [p for p in latest.values() if p[2] != 0]
    left = centred(np.vstack([member[a] for a, _, _ in pairs]), centre)
    right = centred(np.vstack([member[b] for _, b, _ in pairs]), centre)
    signs = np.array([s_ for _, _, s_ in pairs])

    def own(u: str, sg: list[Suggestion]) -> Array:
        clicks = learn.clicks(pool, u, ctx.of(u), now)
        d = direction(clicks, 120) if clicks else None
        if d is None:
            return np.zeros(len(sg))
        return adjustments(d, np.vstack([pool.docs[x.entry_id].vector for x in sg]), 0.5)

    def community(kind: str, strength: float, a: float, b: float) -> Callable[..., Array]:
        def fn(u: str, sg: list[Suggestion]) -> Array:
            c = centred(member[u], centre)[0]
            cand = centred(np.vstack([pool.docs[x.entry_id].vector for x in sg]), centre)
            ca, cb = left @ c, right @ c
            da, db = cand @ left.T, cand @ right.T
            if kind == "bilinear":
                raw = ((da * cb + db * ca) * signs / 2).sum(axis=1) / len(signs) * a
                return np.asarray(strength * np.clip(raw, -1, 1))
            k1 = np.maximum(ca, 0)[None, :] * np.maximum(db, 0)
            k2 = np.maximum(cb, 0)[None, :] * np.maximum(da, 0)
            kern = np.maximum(k1, k2) ** a
            if kind == "nearest":
                kern = kern.copy()
                np.put_along_axis(kern, np.argsort(-kern, axis=1)[:, int(b) :], 0.0, axis=1)
            return np.asarray(strength * (kern @ signs) / (kern.sum(axis=1) + 1.0))

        return lambda u, sg: own(u, sg) + fn(u, sg)

    def report(name: str, ranked: Callable[[str], list[str]]) -> None:
        out = []
        for g, members in groups.items():
            v = [p5(u, [x.user_id for x in cands[u][:5]]) for u in members]
            d = paired(v, [p5(u, ranked(u)) for u in members])
            out.append(f"{g} {d.mean:+.3f} ± {d.se:.3f}")
        print(f"{name:<56}" + "   ".join(out), flush=True)

    def reranked(fn: Callable[[str, list[Suggestion]], Array]) -> Callable[[str], list[str]]:
        def ranked(u: str) -> list[str]:
            sg = cands[u]
            if not sg:
                return []
            sc = np.array([x.score for x in sg]) + fn(u, sg)
            order = sorted(range(len(sg)), key=lambda i: (-sc[i], sg[i].entry_id))
            return [sg[i].user_id for i in order[:5]]

        return ranked

    print(f"{len(pairs)} reacted pairs, {int((signs > 0).sum())} positive")
    report("own clicks only", reranked(own))
    for scale in (30.0, 100.0):
        report(
            f"+ bilinear, strength 0.5, x{scale:g}", reranked(community("bilinear", 0.5, scale, 0))
        )
    for power in (1.0, 2.0, 4.0):
        for strength in (0.25, 0.5, 1.0):
            fn = community("kernel", strength, power, 0)
            report(f"+ kernel regression, power {power:g}, strength {strength:g}", reranked(fn))
    report("+ 10 nearest pairs, strength 0.5", reranked(community("nearest", 0.5, 1.0, 10)))

    # Refit variants: pointwise on the clicked pairs (old) and pairwise with samples.
    w0 = Weights()
    w0_row = np.array([getattr(w0, n) for n in NAMES])
    ordered = {(a, b): sign_of(k) for a, b, k, _ in rows}
    fits: dict[str, Weights] = {"no refit": w0}
    feats = [(learn.features_among(pool, a, [b]).get(b), s_) for (a, b), s_ in ordered.items()]
    xs = np.array([as_row(f) for f, s_ in feats if f is not None and s_ != 0])
    ys = np.array([s_ > 0 for f, s_ in feats if f is not None and s_ != 0], dtype=float)
    fits["pointwise, clicked pairs only (old)"] = pointwise(xs, ys, w0_row)
    for n_sampled in (0, 5, 20):
        for prior in (10.0, 100.0):
            comp, pos, neg = learn.comparisons(pool, rows, per_member=n_sampled, seed=1)
            fit = fit_weights(comp, w0, positives=pos, negatives=neg, prior_strength=prior)
            if fit is not None:
                fits[f"pairwise + {n_sampled} sampled, prior {prior:g}"] = fit.weights
    for name, w in fits.items():
        m = Matcher(store, emb, weights=w, learning=own_learning)
        report(
            f"refit {name} (themes {w.themes:.3f})",
            lambda u, m=m: [
                x.user_id for x in m.suggest_for_member(TEAM, u, k=5, also_exclude=seen(u))
            ],
        )


def pointwise(x: Array, y: Array, w0: Array, prior: float = 10.0) -> Weights:
    """The refit as it was: logistic over the clicked pairs, prior score free-scaled."""
    design = np.column_stack([np.ones(len(y)), x @ w0, x])
    penalty = np.diag([1e-6, 1e-6, *([prior] * x.shape[1])])
    theta = np.zeros(design.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ theta)))
        grad = design.T @ (p - y) + penalty @ theta
        hess = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        theta -= np.linalg.solve(hess, grad)
    fitted = np.clip(w0 + theta[2:] / theta[1], 0.0, None)
    return Weights(**{n: float(v) for n, v in zip(NAMES, fitted, strict=True)})


if __name__ == "__main__":
    main()

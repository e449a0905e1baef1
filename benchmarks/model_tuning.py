"""Scale profiles per model (matching/models.py): the grid they were chosen from.

For each model: its cosine spread over all pairs of the dev sets (matching.embedder.SPREADS),
P@5 on both dev sets for a small grid of round weights (the product path: import,
embed, index, rank; only the weights differ), and the sentence-pair closeness that shows
the same share of top-5 pairs as USE's MIN_SENTENCE_SIM. Vectors are cached on disk by
text (benchmarks/embed_cache.py), so a second run embeds nothing.

    PYTHONPATH=. python benchmarks/model_tuning.py --model e5 --scale 3 4 5 6 8
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.embed_cache import CachedEmbedder
from bot.cli.quality import import_file, strip_labels
from bot.container import open_store
from matching.embedder import (
    DEFAULT_MODEL,
    E5_MODEL,
    SPREADS,
    E5Embedder,
    Embedder,
    EnsembleEmbedder,
    USEEmbedder,
)
from matching.evaluate import load_labels, precision_at, score
from matching.models import model_profile
from matching.scoring import Weights
from matching.service import Matcher

EVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"
SETS = [
    ("datenprojekte-dev.jsonl", ["labels_fine", "labels"], None),
    ("ukcat-dev.jsonl", ["label_categories"], "welfare_relevant"),
]
CACHE = Path(tempfile.gettempdir()) / "civic-embcache"


def cached(model: str, threads: int = 2) -> Embedder:
    """USE, e5 or both, each part read from the on-disk cache."""
    use = CachedEmbedder(USEEmbedder(threads=threads), CACHE / "use.pkl")
    e5 = CachedEmbedder(E5Embedder(threads=threads), CACHE / "e5.pkl")
    if model == "use":
        return use
    if model == "e5":
        return e5
    return EnsembleEmbedder([use, e5], [SPREADS[DEFAULT_MODEL], SPREADS[E5_MODEL]])


def spread(m: Matcher, team: str) -> float:
    vecs = np.vstack([d.vector for d in m.sync(team).docs.values()])
    sims = vecs @ vecs.T
    return float(sims[np.triu_indices(len(vecs), 1)].std())


def evaluate(
    model: str,
    candidates: list[tuple[str, Weights]],
    sets: list[str],
    thresholds: list[float],
    save: Path | None = None,
    data: Path = EVAL,
) -> None:
    emb = cached(model)
    base = model_profile(emb.model_id).weights
    print(f"model {emb.model_id}")
    table: dict[str, list[float]] = {name: [] for name, _ in candidates}
    for name, fields, subset in SETS:
        if not any(name.startswith(x) for x in sets):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            clean = Path(tmp) / "items.jsonl"
            strip_labels(data / name, clean, subset)
            m = Matcher(open_store(f"sqlite:///{tmp}/eval.db"), emb, base)
            import_file(m, "T", clean)
            for c in (emb, *getattr(emb, "parts", [])):
                if isinstance(c, CachedEmbedder):
                    c.save()
            print(f"{name}: cosine spread over all pairs {spread(m, 'T'):.3f}")
            pool = m.sync("T")
            labels = {f: load_labels(data / name, f, subset) for f in fields}
            for cand, w in candidates:
                pool.weights = w
                ranks: dict[str, list[str]] = {}
                sims: list[float] = []
                for doc in list(pool.docs.values()):
                    ms = pool.rank_members(
                        [doc], k=10, exclude_users=frozenset({doc.user_id}), listed_only=False
                    )
                    ranks[doc.external_id or str(doc.entry_id)] = [
                        m.doc.external_id or str(m.entry_id) for m in ms
                    ]
                    sims += [m.pair[2] for m in ms[:5]]
                ps = [score(ranks, labels[f]).p_at_5 for f in fields]
                if save is not None and cand == candidates[0][0]:
                    save.mkdir(parents=True, exist_ok=True)
                    (save / f"{model}-{name}.json").write_text(json.dumps(ranks))
                table[cand] += ps
                q = np.quantile(sims, [0.5, 0.75, 0.9])
                if cand == candidates[0][0] and thresholds:
                    shown = [float(np.mean(np.array(sims) >= t)) for t in thresholds]
                    print("  top-5 pairs at least as close as", end="")
                    print(
                        "".join(f"  {t:g}: {x:.0%}" for t, x in zip(thresholds, shown, strict=True))
                    )
                print(
                    f"  {cand:<40}"
                    + "".join(f" {f} {p:.3f}" for f, p in zip(fields, ps, strict=True))
                    + f"   top-5 pair cosine p50/p75/p90 {q[0]:.2f}/{q[1]:.2f}/{q[2]:.2f}"
                )
    print("mean P@5 over fine, coarse, UK-CAT:")
    for cand, ps in table.items():
        print(f"  {cand:<40} {np.mean(ps):.4f}  ({' '.join(f'{p:.3f}' for p in ps)})")


def paired(save: Path, a: str, b: str, rounds: int = 2000) -> None:
    """P@5 of model ``b`` minus model ``a`` per data set and field, with the paired
    bootstrap standard error over queries (rankings saved by --save)."""
    rng = np.random.default_rng(0)
    for name, fields, subset in SETS:
        ranks = [json.loads((save / f"{m}-{name}.json").read_text()) for m in (a, b)]
        for f in fields:
            labels = load_labels(EVAL / name, f, subset)
            per = []
            for r in ranks:
                per.append(
                    [
                        precision_at(
                            [x for x in r[q] if x in labels and x != q], labels[q], labels, 5
                        )
                        for q in sorted(r)
                        if labels.get(q)
                    ]
                )
            d = np.array(per[1]) - np.array(per[0])
            boot = [d[rng.integers(0, len(d), len(d))].mean() for _ in range(rounds)]
            print(f"{name} {f}: {b} - {a} = {d.mean():+.3f} ± {np.std(boot):.3f} (n={len(d)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["use", "e5", "use+e5"], default="use")
    ap.add_argument("--scale", type=float, nargs="+", default=[1.0])
    ap.add_argument("--lexical", type=float, nargs="+", default=[])
    ap.add_argument(
        "--vary",
        nargs="+",
        default=[],
        help="more candidates at the first scale: weight=value (e.g. lexical=0.5 terms=0.3)",
    )
    ap.add_argument("--thresholds", type=float, nargs="+", default=[])
    ap.add_argument("--sets", nargs="+", default=["datenprojekte", "ukcat"])
    ap.add_argument("--save", type=Path, help="keep the first candidate's rankings here")
    ap.add_argument("--paired", nargs=2, metavar=("A", "B"), help="compare saved rankings")
    args = ap.parse_args()
    if args.paired:
        paired(args.save, *args.paired)
        return
    base = Weights()
    cands = [
        (f"semantic x{k:g}", replace(base, semantic=k, sentence=base.sentence * k))
        for k in args.scale
    ]
    k0 = args.scale[0]
    cands += [
        (
            f"semantic x{k0:g}, lexical {lx:g}",
            replace(base, semantic=k0, sentence=base.sentence * k0, lexical=lx),
        )
        for lx in args.lexical
    ]
    for v in args.vary:
        key, value = v.split("=")
        w = replace(cands[0][1], **{key: float(value)})
        cands.append((f"semantic x{k0:g}, {key} {float(value):g}", w))
    evaluate(args.model, cands, args.sets, args.thresholds, args.save)


if __name__ == "__main__":
    main()

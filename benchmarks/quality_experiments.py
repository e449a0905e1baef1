"""Re-ranking ideas measured against the product score, with paired bootstrap errors.

    python benchmarks/quality_experiments.py --data ../shared/data/eval/datenprojekte-dev.jsonl \
        --field labels_fine --field labels
    python benchmarks/quality_experiments.py --data ../shared/data/eval/ukcat-dev.jsonl \
        --subset welfare_relevant --field label_categories

The file is imported through the product (labels stripped, `bot.quality`),
and every pair of entries is scored once by `Pool.rank(..., among=everyone)`,
so each feature below is exactly the one the product computes. The variants
then re-combine or re-rank those matrices; none of them is in the product.
Each P@5 is printed with the paired bootstrap standard error of its
difference to the product, over queries: a difference inside ±2 SE is noise.

Labels are read here for scoring only. The method phrases for the subspace
variant are generic data-project vocabulary, written before looking at any
item; they live in this script, not in the product.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.cli.quality import import_file, strip_labels
from bot.container import open_store
from matching.embedder import Embedder, USEEmbedder
from matching.evaluate import load_labels
from matching.scoring import Features, Weights
from matching.service import Matcher

Matrix = NDArray[np.float64]

METHOD_PHRASES = [
    "Datenanalyse",
    "Datenvisualisierung",
    "interaktives Dashboard",
    "maschinelles Lernen",
    "Künstliche Intelligenz",
    "Text Mining",
    "Open-Source-Software",
    "Web-App",
    "Softwareentwicklung",
    "Datenbank",
    "automatisierte Berichte",
    "Umfrage auswerten",
    "Statistik",
    "Algorithmus",
    "Programmierung in R und Python",
    "Schnittstelle (API)",
    "Karte",
    "Datensatz",
    "data analysis",
    "machine learning",
    "web application",
    "survey",
    "Das Projekt entwickelt ein Tool",
    "Das Team unterstützte die Organisation",
]


def feature_matrices(
    data: Path, subset: str | None, embedder: Embedder | None = None
) -> tuple[dict[str, Matrix], list[str], Matrix]:
    """Every pair's product features, the entries' external ids and document vectors
    (with ``embedder``, USE by default)."""
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "items.jsonl"
        strip_labels(data, clean, subset)
        store = open_store(f"sqlite:///{tmp}/eval.db")
        matcher = Matcher(store, embedder or USEEmbedder(threads=2))
        import_file(matcher, "T_EVAL", clean)
        pool = matcher.sync("T_EVAL")
        docs = list(pool.docs.values())
        row = {d.entry_id: i for i, d in enumerate(docs)}
        n = len(docs)
        out = {f.name: np.zeros((n, n)) for f in fields(Features)}
        everyone = frozenset(pool.users())
        for i, q in enumerate(docs):
            # Imported entries are unlisted until their members agree; the eval ranks them all.
            for m in pool.rank(q, k=n, among=everyone, listed_only=False):
                for f in fields(Features):
                    out[f.name][i, row[m.entry_id]] = getattr(m.features, f.name)
        store.dispose()
        vectors = np.vstack([d.vector for d in docs]).astype(np.float64)
        return out, [str(d.external_id) for d in docs], vectors


def relevance(ids: list[str], labels: dict[str, frozenset[str]]) -> NDArray[np.bool_]:
    sets = [labels.get(x, frozenset()) for x in ids]
    rel = np.array([[bool(a & b) for b in sets] for a in sets])
    np.fill_diagonal(rel, False)
    return rel


def top5(score: Matrix) -> NDArray[np.intp]:
    s = score.copy()
    np.fill_diagonal(s, -np.inf)
    return np.argsort(-s, axis=1, kind="stable")[:, :5]


def per_query_p5(picks: NDArray[np.intp], rel: NDArray[np.bool_]) -> Matrix:
    return np.take_along_axis(rel, picks, axis=1).mean(axis=1).astype(np.float64)


def bootstrap_se(diff: Matrix, rounds: int = 2000, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, diff.size, (rounds, diff.size))
    return float(diff[idx].mean(axis=1).std())


def zscore(x: Matrix) -> Matrix:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 0 else x * 0


def variants(
    feats: dict[str, Matrix], vectors: Matrix
) -> list[tuple[str, Callable[[], NDArray[np.intp]]]]:
    w = Weights()
    product = sum(getattr(w, f.name) * feats[f.name] for f in fields(Features))
    assert isinstance(product, np.ndarray)
    sem = feats["semantic"]
    n = sem.shape[0]
    off = sem - np.eye(n) * 9

    def prior(kind: str, beta: float) -> Callable[[], NDArray[np.intp]]:
        def run() -> NDArray[np.intp]:
            if kind == "centrality":
                # How close an entry is to its 10 nearest others: well-connected entries
                # might be better partners for anyone (the opposite of hubness correction).
                value = np.sort(off, axis=1)[:, -10:].mean(axis=1)
            else:
                value = np.log1p(feats["_length"][0])
            return top5(product + beta * zscore(value)[None, :])

        return run

    def subspace(rank: int) -> Callable[[], NDArray[np.intp]]:
        def run() -> NDArray[np.intp]:
            phrases = USEEmbedder(threads=2).embed(METHOD_PHRASES).astype(np.float64)
            basis = np.linalg.svd(phrases, full_matrices=False)[2][:rank]
            x = vectors - (vectors @ basis.T) @ basis
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            return top5(product - sem + x @ x.T)

        return run

    def reciprocal(k: int, lam: float) -> Callable[[], NDArray[np.intp]]:
        def run() -> NDArray[np.intp]:
            s = product - np.eye(n) * 9
            near = np.zeros((n, n), dtype=bool)
            near[np.arange(n)[:, None], np.argsort(-s, axis=1)[:, :k]] = True
            mutual = (near & near.T).astype(np.float64)
            inter = mutual @ mutual.T
            size = mutual.sum(axis=1)
            union = size[:, None] + size[None, :] - inter
            jac = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
            return top5((1 - lam) * product + lam * jac * product.std() / max(jac.std(), 1e-9))

        return run

    def mmr(lam: float) -> Callable[[], NDArray[np.intp]]:
        def run() -> NDArray[np.intp]:
            out = np.zeros((n, 5), dtype=np.intp)
            for i in range(n):
                cand = [int(j) for j in np.argsort(-product[i])[:30] if j != i]
                chosen: list[int] = []
                while len(chosen) < 5 and cand:
                    best = max(
                        cand,
                        key=lambda j: (
                            lam * product[i, j]
                            - (1 - lam) * max((sem[j, c] for c in chosen), default=0.0)
                        ),
                    )
                    chosen.append(best)
                    cand.remove(best)
                out[i, : len(chosen)] = chosen
            return out

        return run

    return [
        ("product", lambda: top5(product)),
        ("plain cosine", lambda: top5(sem)),
        ("+ centrality prior (z, 0.02)", prior("centrality", 0.02)),
        ("+ centrality prior (z, 0.1)", prior("centrality", 0.1)),
        ("+ length prior (z, 0.02)", prior("length", 0.02)),
        ("method subspace removed (3 PCs)", subspace(3)),
        ("method subspace removed (20 PCs)", subspace(20)),
        ("k-reciprocal Jaccard (k 5, 0.1)", reciprocal(5, 0.1)),
        ("k-reciprocal Jaccard (k 20, 0.3)", reciprocal(20, 0.3)),
        ("MMR diversity (λ 0.8)", mmr(0.8)),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--field", action="append", required=True)
    ap.add_argument("--subset", default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or Path(f"benchmarks/results/quality_experiments_{args.data.stem}.json")
    os.environ.setdefault("TQDM_DISABLE", "1")
    t0 = time.perf_counter()
    feats, ids, vectors = feature_matrices(args.data, args.subset)
    with args.data.open(encoding="utf-8") as fh:
        words = {
            str(r["id"]): len(str(r.get("text", "")).split())
            for r in map(json.loads, filter(str.strip, fh))
        }
    feats["_length"] = np.array([[words.get(x, 1) for x in ids]], dtype=np.float64)
    rels = {f: relevance(ids, load_labels(args.data, f, args.subset)) for f in args.field}
    print(f"{args.data.name}: {len(ids)} entries, features in {time.perf_counter() - t0:.0f} s")
    print(f"{'variant':<36}" + "".join(f"{f + ' P@5 (Δ ± SE)':>34}" for f in args.field))
    base: dict[str, Matrix] = {}
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, run in variants(feats, vectors):
        picks = run()
        cells = []
        for f, rel in rels.items():
            has = rel.any(axis=1)
            p = per_query_p5(picks, rel)[has]
            row = table.setdefault(name, {})
            if name == "product":
                base[f] = p
                cells.append(f"{p.mean():.3f}")
                row[f] = {"p_at_5": round(float(p.mean()), 4)}
            else:
                d = p - base[f]
                se = bootstrap_se(d)
                cells.append(f"{p.mean():.3f} ({d.mean():+.3f} ± {se:.3f})")
                row[f] = {
                    "p_at_5": round(float(p.mean()), 4),
                    "delta": round(float(d.mean()), 4),
                    "se": round(se, 4),
                }
        print(f"{name:<36}" + "".join(f"{c:>34}" for c in cells))
    sys.stdout.flush()
    meta = {"data": args.data.name, "subset": args.subset, "entries": len(ids)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": table}, indent=2) + "\n")


if __name__ == "__main__":
    main()

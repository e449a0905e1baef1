"""Relevance metrics for partner suggestions on externally labelled sets.

A suggestion is relevant when it shares at least one label with the query.
Labels are read only here, for scoring; the product never sees them.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Scores:
    p_at_5: float
    ndcg_at_10: float
    queries: int

    def row(self) -> str:
        return f"P@5 {self.p_at_5:.3f}   nDCG@10 {self.ndcg_at_10:.3f}   (n={self.queries})"


def load_labels(path: Path, field: str, subset: str | None = None) -> dict[str, frozenset[str]]:
    """Labels of ``field`` per id; ``subset`` keeps rows whose boolean key is true."""
    out: dict[str, frozenset[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            if subset and not rec.get(subset):
                continue
            value = rec.get(field) or []
            out[str(rec["id"])] = frozenset(value if isinstance(value, list) else [value])
    return out


def precision_at(
    ranked: Sequence[str], rel: Iterable[str], labels: Mapping[str, frozenset[str]], k: int
) -> float:
    relevant = frozenset(rel)
    top = list(ranked[:k])
    if not top:
        return 0.0
    return sum(bool(labels.get(x, frozenset()) & relevant) for x in top) / k


def ndcg_at(
    ranked: Sequence[str],
    rel: Iterable[str],
    labels: Mapping[str, frozenset[str]],
    pool: Sequence[str],
    k: int,
) -> float:
    """Binary-relevance nDCG; the ideal ranking puts all relevant pool items first."""
    relevant = frozenset(rel)
    gains = [1.0 if labels.get(x, frozenset()) & relevant else 0.0 for x in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    n_rel = sum(1 for x in pool if labels.get(x, frozenset()) & relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, n_rel)))
    return dcg / ideal if ideal > 0 else 0.0


def score(rankings: Mapping[str, Sequence[str]], labels: Mapping[str, frozenset[str]]) -> Scores:
    """Mean P@5 and nDCG@10 over queries that have labels and are in the pool."""
    pool = [x for x in rankings if x in labels]
    p5: list[float] = []
    nd: list[float] = []
    for q in pool:
        rel = labels[q]
        if not rel:
            continue
        ranked = [x for x in rankings[q] if x in labels and x != q]
        others = [x for x in pool if x != q]
        p5.append(precision_at(ranked, rel, labels, 5))
        nd.append(ndcg_at(ranked, rel, labels, others, 10))
    n = len(p5)
    return Scores(sum(p5) / n if n else 0.0, sum(nd) / n if n else 0.0, n)


def random_rankings(ids: Sequence[str], k: int, seed: int = 0) -> dict[str, list[str]]:
    rng = random.Random(seed)
    out = {}
    for q in ids:
        others = [x for x in ids if x != q]
        out[q] = rng.sample(others, min(k, len(others)))
    return out


def rankings_from_jsonl(lines: Iterable[str]) -> dict[str, list[str]]:
    """Rankings from `civic-match suggest --all --json` output."""
    out: dict[str, list[str]] = {}
    for line in lines:
        if line.strip():
            rec: dict[str, Any] = json.loads(line)
            out[str(rec["profile"])] = [str(s["profile"]) for s in rec["suggestions"]]
    return out

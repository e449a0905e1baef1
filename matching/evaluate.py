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

from matching.terms import COMMON_SHARE, Rarity, key_terms, term_key


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


def list_fields(path: Path) -> set[str]:
    """Fields that hold a non-empty list in some row: what ``--field`` can score."""
    out: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                out.update(k for k, v in rec.items() if isinstance(v, list) and v)
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


# Reason kinds that name concrete common ground; "sentences" only quotes two sentences.
CONCRETE = frozenset({"groups", "themes", "terms", "region", "tools", "needs"})


@dataclass(frozen=True)
class ReasonShares:
    """How suggestions are explained: by a concrete shared item or only by a sentence pair."""

    suggestions: int
    concrete: float
    sentence_only: float
    unexplained: float
    reasons: int
    common: float  # reasons naming an item more than a quarter of the pool has

    def row(self) -> str:
        return (
            f"concrete {self.concrete:.1%}   sentence pair only {self.sentence_only:.1%}   "
            f"no reason {self.unexplained:.1%}   (n={self.suggestions})   "
            f"reasons naming a common item {self.common:.1%} (of {self.reasons})"
        )


def item_counts(docs: Iterable[Any]) -> Rarity:
    """How many pool entries have each item, counted here rather than by the product."""
    docs = list(docs)

    def terms(d: Any) -> Iterable[str]:
        t = getattr(d, "terms", None)
        return t if t is not None else key_terms(" ".join(d.sentences))

    return Rarity.count(
        len(docs),
        {
            "group": [d.groups for d in docs],
            "theme": [d.themes for d in docs],
            "tool": [d.tools for d in docs],
            "term": [terms(d) for d in docs],
            "need": [d.looking_for | d.offers for d in docs],
            "region": [[r.casefold()] if (r := getattr(d, "region", "")) else [] for d in docs],
        },
    )


def _term(surface: str) -> str:
    return " ".join(term_key(w) for w in surface.split())


def reason_items(reason: Any) -> list[tuple[str, str]]:
    """The (kind, key) items a reason names, as item_counts counts them."""
    kind = reason.kind
    if kind in ("groups", "themes", "tools"):
        return [(kind[:-1], x) for x in reason.items]
    if kind == "terms":
        return [("term", _term(x)) for x in reason.items]
    if kind == "region":
        return [("region", x.casefold()) for x in reason.items]
    if kind == "needs":
        about = [x.split(":", 1) for x in getattr(reason, "about", ())]
        if not about:
            return [("need", x) for x in reason.items]
        return [(k, _term(v) if k == "term" else v) for k, v in about]
    return []


def reason_shares(explained: Iterable[Sequence[Any]], counts: Rarity) -> ReasonShares:
    """Shares over suggestions (each a sequence of reasons) and over their reasons."""
    n = concrete = sentence_only = none = reasons = common = 0
    for rs in explained:
        n += 1
        kinds = {r.kind for r in rs}
        if kinds & CONCRETE:
            concrete += 1
        elif kinds:
            sentence_only += 1
        else:
            none += 1
        for r in rs:
            reasons += 1
            common += any(counts.share(k, x) > COMMON_SHARE for k, x in reason_items(r))
    return ReasonShares(
        n,
        concrete / n if n else 0.0,
        sentence_only / n if n else 0.0,
        none / n if n else 0.0,
        reasons,
        common / reasons if reasons else 0.0,
    )

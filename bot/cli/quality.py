"""`civic-match eval`: the product path (import, embed, index, score, suggest) on a labelled set."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path

from tqdm import tqdm

from bot.container import open_store
from bot.flows.importer import Row, read_rows
from matching.embedder import Embedder
from matching.evaluate import (
    ReasonShares,
    Scores,
    item_counts,
    load_labels,
    random_rankings,
    reason_shares,
    score,
)
from matching.models import model_profile
from matching.scoring import Weights
from matching.service import Matcher, Suggestion
from profiles import repo
from profiles.db import Store

# Fields of the eval files that must never reach the product.
LABEL_KEYS = (
    "labels",
    "labels_fine",
    "label_categories",
    "beneficiary_groups",
    "target_group_tags",
)

# Baselines: one signal alone, every other weight zero.
_NONE = Weights(**{f.name: 0.0 for f in fields(Weights)})
PLAIN = replace(_NONE, semantic=1.0)
LEXICAL = replace(_NONE, lexical=1.0)


def strip_labels(src: Path, dst: Path, subset: str | None) -> int:
    """Copy the items to import without any label field; returns how many."""
    n = 0
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        for line in fin:
            if not line.strip():
                continue
            rec = json.loads(line)
            if subset and not rec.get(subset):
                continue
            for key in (*LABEL_KEYS, subset or "", "welfare_relevant"):
                rec.pop(key, None)
            fout.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def import_file(matcher: Matcher, team: str, path: Path, consent: str = "imported") -> int:
    rows = [r for r in read_rows(path) if isinstance(r, Row)]
    with tqdm(total=len(rows), desc="embedding", unit="entry", file=sys.stderr) as bar:
        matcher.import_entries(
            team,
            ((r.user_id, r.name, r.organisation, r.entry) for r in rows),
            progress=bar.update,
            consent=consent,
        )
    return len(rows)


def suggestions(matcher: Matcher, team: str, k: int) -> dict[str, list[Suggestion]]:
    """Exactly what `civic-match suggest --team T --all --k K --json` prints, per entry."""
    with matcher.store.session() as s:
        entries = [(e.id, e.external_id or str(e.id)) for e in repo.active_entries(s, team)]
    found = matcher.suggest_for_entries(team, [e for e, _ext in entries], k, listed_only=False)
    return {ext: found.get(entry_id, []) for entry_id, ext in entries}


def rankings(matcher: Matcher, team: str, k: int) -> dict[str, list[str]]:
    """The suggestions as id lists, best first."""
    return {
        q: [str(x.entry_external_id or x.entry_id) for x in sug]
        for q, sug in suggestions(matcher, team, k).items()
    }


def explained(matcher: Matcher, team: str, k: int = 5) -> ReasonShares:
    """How the product's top-``k`` suggestions are explained (see matching.evaluate)."""
    counts = item_counts(matcher.sync(team).docs.values())
    per_query = suggestions(matcher, team, k)
    return reason_shares((x.reasons for sug in per_query.values() for x in sug), counts)


def ablations(base: Weights) -> list[tuple[str, Weights]]:
    """The product, then the product without each signal."""
    out = [("product", base)]
    for f in fields(Weights):
        if getattr(base, f.name):
            out.append((f"  without {f.name}", replace(base, **{f.name: 0.0})))
    return out


def run(
    data: Path,
    fields_: list[str],
    embedder: Embedder,
    *,
    subset: str | None = None,
    k: int = 10,
    db_url: str | None = None,
    weights: Weights | None = None,
    echo: Callable[[str], None] = print,
    with_ablations: bool = True,
    workers: int = 1,
) -> dict[str, dict[str, Scores]]:
    """Import ``data`` (labels stripped) and score baselines, the product and ablations.

    ``workers``: processes for ranking (Settings.rank_processes); the same rankings.
    """
    base = weights or model_profile(embedder.model_id).weights
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "items.jsonl"
        n = strip_labels(data, clean, subset)
        store: Store = open_store(db_url or f"sqlite:///{tmp}/eval.db")
        team = "T_EVAL"
        import_file(Matcher(store, embedder, base), team, clean)
        label_sets = {f: load_labels(data, f, subset) for f in fields_}
        variants: list[tuple[str, Weights | None]] = [
            ("random", None),
            ("BM25 only", LEXICAL),
            ("plain cosine", PLAIN),
        ]
        variants += ablations(base) if with_ablations else [("product", base)]
        results: dict[str, dict[str, Scores]] = {}
        echo(f"{data.name}: {n} items{f' ({subset})' if subset else ''}, model {embedder.model_id}")
        echo(f"{'method':<24}" + "".join(f"{f + ' P@5':>28}{f + ' nDCG@10':>32}" for f in fields_))
        for name, w in variants:
            if w is None:
                ranks = random_rankings(sorted(label_sets[fields_[0]]), k)
            else:
                ranks = rankings(Matcher(store, embedder, w, workers=workers), team, k)
            results[name] = {f: score(ranks, label_sets[f]) for f in fields_}
            echo(
                f"{name:<24}"
                + "".join(
                    f"{results[name][f].p_at_5:>28.3f}{results[name][f].ndcg_at_10:>32.3f}"
                    for f in fields_
                )
            )
        shares = explained(Matcher(store, embedder, base), team)
        echo(f"reasons of the product's top 5: {shares.row()}")
        store.dispose()
    return results

"""The community map's geometry: 2-D layout, clusters and their labels, loners, lines.

Pure functions of numpy arrays and label lists, free of the database, of Slack and of
plotting, so the layout is tested on its own and the same code serves the bot, the
CLI and the benchmark.

Why PCA of vectors plus tags, and not t-SNE or UMAP
----------------------------------------------------
Measured on the bundled demo community (42 entries, real model): the mean 2-D distance
of entries sharing a target group, relative to all pairs, is 0.85 for PCA of the text
vectors alone and 0.90 for t-SNE (perplexity 10). With the entry's target groups and
themes appended as weighted indicator columns (what the matcher also scores), PCA gives
0.70 and t-SNE 0.74. PCA keeps global distances, which is what a facilitator reads
("these two groups are far apart"); t-SNE keeps only neighbourhoods. PCA is also
deterministic (the same community gives the same map week after week, and a new entry
does not reshuffle everyone), needs no library beyond numpy (UMAP brings numba and
llvmlite, ~150 MB) and lays out 10,000 entries in well under a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

Coords = NDArray[np.float64]

# Target groups weigh more than themes: colours and labels are mostly by group, and a
# theme ("Digitalisierung") is shared far more widely than a group.
GROUP_WEIGHT = 0.7
THEME_WEIGHT = 0.4


def indicator(tags: Sequence[Iterable[str]]) -> NDArray[np.float64]:
    """One column per tag; each row has unit length, so many tags do not outweigh few."""
    sets = [sorted(set(t)) for t in tags]
    keys = sorted({k for s in sets for k in s})
    col = {k: i for i, k in enumerate(keys)}
    out = np.zeros((len(sets), len(keys)), dtype=np.float64)
    for r, s in enumerate(sets):
        for k in s:
            out[r, col[k]] = 1.0 / np.sqrt(len(s))
    return out


def features(
    vectors: NDArray[np.floating],
    groups: Sequence[Iterable[str]] = (),
    themes: Sequence[Iterable[str]] = (),
    *,
    group_weight: float = GROUP_WEIGHT,
    theme_weight: float = THEME_WEIGHT,
) -> NDArray[np.float64]:
    """Unit text vectors with the weighted tag indicators appended."""
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    parts = [v / np.where(norms > 0, norms, 1.0)]
    if len(groups):
        parts.append(group_weight * indicator(groups))
    if len(themes):
        parts.append(theme_weight * indicator(themes))
    return np.hstack(parts)


def project(x: NDArray[np.floating]) -> Coords:
    """PCA to two dimensions, scaled to [-1, 1] on the wider axis.

    Via the d×d covariance, not an SVD of the n×d data: at 10,000 entries that is a
    ~550×550 eigenproblem instead of a large factorisation. Each axis's sign is fixed
    (its largest loading positive), so the map does not mirror between runs.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if n == 0:
        return np.zeros((0, 2))
    xc = x - x.mean(axis=0)
    if n == 1 or not np.any(xc):
        return np.zeros((n, 2))
    cov = xc.T @ xc
    vals, vecs = np.linalg.eigh(cov)
    axes = vecs[:, np.argsort(vals)[::-1][:2]]
    if axes.shape[1] < 2:
        axes = np.hstack([axes, np.zeros((axes.shape[0], 2 - axes.shape[1]))])
    for j in range(2):
        if axes[np.argmax(np.abs(axes[:, j])), j] < 0:
            axes[:, j] = -axes[:, j]
    y: Coords = xc @ axes
    span = float(np.abs(y).max())
    return y / span if span > 0 else y


def layout(
    vectors: NDArray[np.floating],
    groups: Sequence[Iterable[str]] = (),
    themes: Sequence[Iterable[str]] = (),
) -> Coords:
    """Map positions for entries: see the module docstring for the method."""
    return project(features(vectors, groups, themes))


def kmeans(coords: Coords, k: int, *, seed: int = 0, iterations: int = 50) -> NDArray[np.intp]:
    """Cluster ids for 2-D points: k-means with k-means++ seeding, deterministic per seed."""
    n = coords.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    centres = [coords[int(rng.integers(n))]]
    d2 = ((coords - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = float(d2.sum())
        if total <= 0:
            break
        centres.append(coords[int(rng.choice(n, p=d2 / total))])
        d2 = np.minimum(d2, ((coords - centres[-1]) ** 2).sum(axis=1))
    c = np.array(centres)
    labels = np.zeros(n, dtype=np.intp)
    for _ in range(iterations):
        dist = ((coords[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        new = dist.argmin(axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(c)):
            members = coords[labels == j]
            if len(members):
                c[j] = members.mean(axis=0)
    return labels


def cluster_count(n: int) -> int:
    """About one labelled cluster per 7 entries in a small community, at most 7: more
    labels than that crowd a picture seen at Slack's preview size."""
    return max(1, min(7, round(n / 7)))


def cluster_labels(
    labels: NDArray[np.intp],
    tags: Sequence[Iterable[str]],
    *,
    top: int = 2,
    min_share: float = 0.25,
) -> dict[int, list[str]]:
    """Per cluster, its most frequent tags, most distinctive first.

    A tag counts when at least ``min_share`` of the cluster has it; among those, tags
    more frequent here than in the whole community come first, so a tag everybody
    carries ("volunteers") does not name every cluster.
    """
    n = len(labels)
    overall: Counter[str] = Counter(k for t in tags for k in set(t))
    out: dict[int, list[str]] = {}
    for c in sorted({int(x) for x in labels}):
        idx = np.flatnonzero(labels == c)
        here: Counter[str] = Counter(k for i in idx for k in set(tags[int(i)]))
        size = len(idx)
        ranked = sorted(
            (k for k, m in here.items() if m / size >= min_share),
            key=lambda k: (-(here[k] / size - overall[k] / n), -here[k], k),
        )
        out[c] = ranked[:top]
    return out


def best_partner_scores(
    vectors: NDArray[np.floating], owners: Sequence[str], *, block: int = 1024
) -> NDArray[np.float32]:
    """Each entry's highest cosine similarity to an entry of somebody else (-1: nobody).

    Cosine of the text vectors is the largest part of the match score and the one
    computable for all pairs at once; in blocks, so 10,000 entries need ~40 MB at a time.
    """
    raw = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    v = (raw / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    _, owner_ids = np.unique(np.asarray(owners, dtype=object).astype(str), return_inverse=True)
    n = v.shape[0]
    best = np.full(n, -1.0, dtype=np.float32)
    for start in range(0, n, block):
        sims = v[start : start + block] @ v.T
        same = owner_ids[start : start + block, None] == owner_ids[None, :]
        sims[same] = -1.0
        if sims.size:
            best[start : start + block] = sims.max(axis=1)
    return best


def loners(scores: NDArray[np.floating], threshold: float) -> NDArray[np.bool_]:
    """Entries whose best partner scores below ``threshold``: introduce them by hand."""
    return np.asarray(scores) < threshold


def connection_lines(
    vectors: NDArray[np.floating], owners: Sequence[str], pairs: Iterable[tuple[str, str]]
) -> list[tuple[int, int]]:
    """For each pair of members, the indices of their two most similar entries (the line
    on the map); pairs of whom one has no entry on the map are left out."""
    v = np.asarray(vectors, dtype=np.float32)
    rows: dict[str, list[int]] = {}
    for i, o in enumerate(owners):
        rows.setdefault(o, []).append(i)
    out: list[tuple[int, int]] = []
    for a, b in pairs:
        ra, rb = rows.get(a), rows.get(b)
        if not ra or not rb or a == b:
            continue
        sims = v[ra] @ v[rb].T
        i, j = divmod(int(np.argmax(sims)), len(rb))
        out.append((ra[i], rb[j]))
    return out


def closeness_ratio(
    coords: Coords, tags: Sequence[Iterable[str]], *, max_pairs: int = 200_000, seed: int = 0
) -> float:
    """Mean distance of pairs that share a tag, relative to the mean of all pairs
    (below 1: sharing a tag brings entries together). Large maps use a pair sample."""
    n = coords.shape[0]
    if n < 2:
        return 1.0
    sets = [frozenset(t) for t in tags]
    if n * (n - 1) // 2 <= max_pairs:
        i, j = np.triu_indices(n, 1)
    else:
        rng = np.random.default_rng(seed)
        i, j = rng.integers(n, size=max_pairs), rng.integers(n, size=max_pairs)
        keep = i != j
        i, j = i[keep], j[keep]
    d = np.linalg.norm(coords[i] - coords[j], axis=1)
    shared = np.fromiter((bool(sets[a] & sets[b]) for a, b in zip(i, j, strict=True)), bool, len(i))
    if not shared.any() or d.mean() == 0:
        return 1.0
    return float(d[shared].mean() / d.mean())

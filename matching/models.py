"""Per-model scale profiles: the weights and thresholds that depend on a model's cosine scale.

Models differ in how far apart their cosines lie: USE spreads related and unrelated
descriptions over about 0.1, e5 over about 0.02 (matching.embedder.SPREADS). Weights
that add a cosine to the lexical and topic signals, and the closeness a sentence pair
needs to be shown, are therefore chosen per model, on both dev sets together, as round
numbers (BENCHMARKS.md, "Model choice"). Learned refits (matching.learning) start from
these weights.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from matching.embedder import DEFAULT_MODEL, E5_MODEL, ENSEMBLE_MODEL, Embedder, load_embedder
from matching.errors import ModelUnavailable
from matching.scoring import Weights
from profiles import repo


@dataclass(frozen=True)
class ScaleProfile:
    """What depends on a model's similarity scale."""

    weights: Weights = field(default_factory=Weights)
    # A sentence pair is shown as a reason only from this cosine on ("really close").
    min_sentence_sim: float = 0.35


PROFILES: dict[str, ScaleProfile] = {
    DEFAULT_MODEL: ScaleProfile(),
    E5_MODEL: ScaleProfile(Weights(semantic=5.0, sentence=1.25), min_sentence_sim=0.87),
    ENSEMBLE_MODEL: ScaleProfile(Weights(semantic=3.0, sentence=0.75), min_sentence_sim=0.8),
}


def model_profile(model_id: str) -> ScaleProfile:
    """The profile of a model; models without one (sentence-transformers, test seams) get
    USE's, whose cosines spread similarly."""
    return PROFILES.get(model_id, PROFILES[DEFAULT_MODEL])


def bundled_embedder(model_id: str, threads: int) -> Embedder | None:
    """The embedder of a bundled model id (None for others: they cannot be loaded back)."""
    if model_id not in PROFILES:
        return None
    try:
        emb = load_embedder(model_id, threads=threads)
    except ModelUnavailable:
        return None
    return emb


class ModelChoice:
    """Which model serves each workspace, and the embedders of the models in use.

    The configured model serves a workspace once it has a vector of every active entry,
    at least as many as any other model. Until then the model with more vectors (the
    previous one) keeps serving, so suggestions work while `civic-match reembed` runs.
    """

    def __init__(
        self, configured: Embedder, loader: Callable[[str], Embedder | None] | None = None
    ) -> None:
        self.configured = configured
        threads = int(getattr(configured, "threads", 1))
        self._loader = loader or (lambda m: bundled_embedder(m, threads))
        self._loaded: dict[str, Embedder | None] = {configured.model_id: configured}
        self._lock = threading.Lock()
        # Per workspace: the model its pool was built from.
        self.served: dict[str, str] = {}

    def serving(self, s: Session, team_id: str) -> str:
        target = self.configured.model_id
        counts = repo.vector_models(s, team_id)
        others = {m: n for m, n in counts.items() if m != target}
        if not others:
            return target
        best = max(others, key=lambda m: (others[m], m))
        return best if others[best] > counts.get(target, 0) else target

    def embedder(self, model_id: str) -> Embedder | None:
        with self._lock:
            if model_id not in self._loaded:
                self._loaded[model_id] = self._loader(model_id)
            return self._loaded[model_id]

    def require(self, model_id: str) -> Embedder:
        emb = self.embedder(model_id)
        if emb is None:
            raise ModelUnavailable(f"model {model_id} is not available until re-embedding ends")
        return emb

    def dim(self, model_id: str, stored: int | None) -> int:
        """The model's dimension: its embedder's, else that of a ``stored`` vector of it."""
        emb = self.embedder(model_id)
        if emb is not None:
            return emb.dim
        return stored if stored is not None else self.configured.dim

"""Per-model scale profiles and the ensemble's mixed cosine, without the real models."""

from __future__ import annotations

import numpy as np

from matching.embedder import DEFAULT_MODEL, E5_MODEL, ENSEMBLE_MODEL, EnsembleEmbedder
from matching.models import model_profile
from testkit.embedders import HashEmbedder


class Other(HashEmbedder):
    model_id = "test-hash-other"
    dim = 64


def test_each_model_has_weights_on_its_own_scale() -> None:
    use, e5, both = (model_profile(m) for m in (DEFAULT_MODEL, E5_MODEL, ENSEMBLE_MODEL))
    # A narrower cosine spread needs a larger weight to count as much next to BM25.
    assert use.weights.semantic < both.weights.semantic < e5.weights.semantic
    assert use.min_sentence_sim < both.min_sentence_sim < e5.min_sentence_sim
    # Signals that do not depend on the model's scale keep their weights.
    assert use.weights.lexical == e5.weights.lexical == both.weights.lexical
    assert model_profile("st:/some/local/model") == use


def test_the_ensemble_inner_product_is_the_spread_weighted_mean_of_cosines() -> None:
    a, b = HashEmbedder(), Other()
    both = EnsembleEmbedder([a, b], [0.1, 0.02])
    assert both.model_id == "test-hash-256+test-hash-other" and both.dim == 256 + 64
    texts = ["Senioren lernen Tablets", "Tablets für Senioren im Café", "Hochwasser an der Elbe"]
    v = both.embed(texts)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    ca, cb = a.embed(texts) @ a.embed(texts).T, b.embed(texts) @ b.embed(texts).T
    # Weights 1/0.1 and 1/0.02 on the cosines: 1/6 and 5/6.
    np.testing.assert_allclose(v @ v.T, ca / 6 + cb * 5 / 6, atol=1e-5)

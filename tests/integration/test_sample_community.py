"""The bundled sample community that `civic-match demo` loads."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from matching.taxonomy import NEEDS, detect_groups
from profiles.db import Store

SAMPLE = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_community.jsonl"
REQUIRED = {
    "id",
    "member",
    "member_name",
    "organisation",
    "kind",
    "title",
    "description",
    "tools",
    "looking_for",
    "region",
    "lang",
}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "no blank lines"
    return [json.loads(line) for line in lines]


def test_size_and_ids(rows: list[dict[str, Any]]) -> None:
    assert 35 <= len(rows) <= 45
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))


def test_required_keys_and_types(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        assert set(r) == REQUIRED, r["id"]
        assert r["kind"] in {"project", "dataset"}
        assert r["lang"] in {"de", "en"}
        for key in ("id", "member", "member_name", "organisation", "title", "region"):
            assert isinstance(r[key], str) and r[key].strip(), (r["id"], key)
        assert isinstance(r["tools"], list) and all(isinstance(t, str) for t in r["tools"])
        assert set(r["looking_for"]) <= set(NEEDS), r["id"]
        sentences = r["description"].count(". ") + 1
        assert 2 <= sentences <= 6, r["id"]


def test_organisations_and_members(rows: list[dict[str, Any]]) -> None:
    assert len({r["organisation"] for r in rows}) >= 10
    orgs_per_member: dict[str, set[str]] = {}
    names_per_member: dict[str, set[str]] = {}
    for r in rows:
        orgs_per_member.setdefault(r["member"], set()).add(r["organisation"])
        names_per_member.setdefault(r["member"], set()).add(r["member_name"])
    assert 20 <= len(orgs_per_member) <= 26
    assert all(len(o) == 1 for o in orgs_per_member.values())
    assert all(len(n) == 1 for n in names_per_member.values())
    assert any(c >= 2 for c in Counter(r["member"] for r in rows).values())


def test_mostly_german(rows: list[dict[str, Any]]) -> None:
    langs = Counter(r["lang"] for r in rows)
    assert langs["de"] >= 0.75 * len(rows)
    assert langs["en"] >= 4


def test_demo_topics_overlap(rows: list[dict[str, Any]]) -> None:
    # The demo is only convincing if several members share each headline topic.
    found = Counter(
        g for r in rows for g in set(detect_groups(f"{r['title']}. {r['description']}"))
    )
    for group in ("refugees_ukraine", "seniors", "homeless", "online_hate", "poverty"):
        assert found[group] >= 3, group
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["dataset"] >= 8


class _NoModel:
    """Stands in for the default model and fails if anything reaches it."""

    def __init__(self, model_id: str, dim: int) -> None:
        self.model_id, self.dim = model_id, dim

    def embed(self, texts: list[str]) -> Any:
        raise AssertionError(f"embedded {len(texts)} texts: {texts[:2]}")


@pytest.mark.parametrize("model", ["default", "use+e5"])
def test_shipped_demo_vectors_cover_the_sample(store: Store, model: str) -> None:
    from bot.flows.importer import Row, read_rows
    from bot.settings import Settings
    from matching.embedder import Precomputed, load_embedder
    from matching.service import Matcher

    if model == "default":
        model = Settings.model_fields["model"].default
    real = load_embedder(model)  # loads nothing before its first text
    vectors = SAMPLE.with_name(f"demo-vectors-{real.model_id}.npz")
    emb = Precomputed.load(_NoModel(real.model_id, real.dim), vectors)
    assert isinstance(emb, Precomputed), "scripts/demo_vectors.py writes them"
    rows = [r for r in read_rows(SAMPLE) if isinstance(r, Row)]
    m = Matcher(store, emb)
    m.import_entries("T", ((r.user_id, r.name, r.organisation, r.entry) for r in rows))
    assert len(m.sync("T")) == len(rows)  # every text found, none embedded


def test_demo_vectors_of_another_model_are_ignored(tmp_path: Path) -> None:
    import numpy as np

    from matching.embedder import Precomputed, text_hash
    from testkit.embedders import HashEmbedder

    path = tmp_path / "v.npz"
    vec = np.full((1, 256), 1 / 16, dtype=np.float32)
    np.savez(path, model_id="other", dim=256, hashes=np.array([text_hash("a")]), vectors=vec)
    inner = HashEmbedder()
    assert Precomputed.load(inner, path) is inner
    assert Precomputed.load(inner, tmp_path / "missing.npz") is inner
    np.savez(path, model_id=inner.model_id, dim=256, hashes=[text_hash("a")], vectors=vec)
    both = Precomputed.load(inner, path)
    out = both.embed(["a", "b"])
    assert inner.texts_embedded == 1  # only "b"
    np.testing.assert_array_equal(out[0], vec[0])  # the shipped vector, exactly
    np.testing.assert_allclose(out[1], inner.embed(["b"])[0])

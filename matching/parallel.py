"""Ranking a large batch of queries in two processes: the second half in a forked child.

numpy's sparse sums hold Python's lock, so a second thread slowed them down as soon as
another program used the other core; a forked process shares the snapshot's memory
(copy-on-write) and competes for nothing but the core. Only a process with no other
thread forks (a thread holding a lock at the fork would leave it held in the child for
ever): the command-line tools, not the running bot, whose digests stay in one process.
Whatever goes wrong in the child, the parent ranks that half itself.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from matching.batch import Found, Ranked, rank_docs, search
from matching.doc import Doc
from matching.snapshot import Query, Snapshot

if TYPE_CHECKING:
    from matching.pool import Pool

log = logging.getLogger(__name__)

# Queries from which a second process pays for its start (a fork, and the results sent
# back): about 0.4 s of ranking at 10,000 entries.
PARALLEL_FROM = 256
F64 = NDArray[np.float64]
# A Ranked as sent back by the child: its docs' entry ids, scores and features.
Packed = tuple[list[int], F64, F64]


def can_fork(workers: int, n: int) -> bool:
    """Whether ``n`` queries are ranked in two processes."""
    # Linux only: on macOS the system's BLAS (Accelerate) runs on a thread pool that a
    # forked child must not use.
    return (
        workers >= 2
        and n >= PARALLEL_FROM
        and sys.platform.startswith("linux")
        and _cores() >= 2
        and _alone()
    )


def _cores() -> int:
    return os.cpu_count() or 1


def _alone() -> bool:
    """No other thread runs (the bot's listeners, a BM25 rebuild, a progress monitor)."""
    return threading.active_count() == 1


def rank_split(
    pool: Pool,
    snap: Snapshot,
    items: list[tuple[Doc, Query]],
    depth: int,
    reach: int,
    workers: int,
) -> Iterator[Ranked]:
    """rank_docs over ``items``, the second half in a child process when that is allowed.

    The same Ranked as rank_docs, in the same order: one faiss search for all queries,
    before the fork, and every query ranked on its own (batch.rank_docs).
    """
    found = search(pool, items, depth, reach)
    if not can_fork(workers, len(items)):
        yield from rank_docs(pool, snap, items, depth, found=found)
        return
    cut = len(items) // 2
    later = items[cut:]
    later_found = {i - cut: ids for i, ids in found.items() if i >= cut}
    child = _start(pool, snap, later, depth, later_found)
    try:
        yield from rank_docs(pool, snap, items[:cut], depth, found=found)
        packed = _collect(child)
    except BaseException:
        _abandon(child)
        raise
    if packed is None:
        log.warning("the second ranking process failed; ranking its half here")
        yield from rank_docs(pool, snap, later, depth, found=later_found)
        return
    yield from _unpack(pool, later, packed)


def _start(
    pool: Pool, snap: Snapshot, items: list[tuple[Doc, Query]], depth: int, found: Found
) -> tuple[int, int]:
    """Fork a child that ranks ``items`` and writes them to a pipe: (pid, read end)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        code = 1
        try:
            os.close(read)
            # The collector would walk (and so copy) every object shared with the parent.
            gc.disable()
            ranked = rank_docs(pool, snap, items, depth, found=found, bar=False)
            out = [_pack(r) for r in ranked]
            with os.fdopen(write, "wb") as fh:
                pickle.dump(out, fh, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            # No exit handlers, buffers or finalizers of the parent's objects (database
            # connections, printed output) run twice.
            os._exit(code)
    os.close(write)
    return pid, read


def _pack(r: Ranked) -> Packed:
    return [d.entry_id for d in r.docs], r.scores, r.features


def _collect(child: tuple[int, int]) -> list[Packed] | None:
    """The child's rankings, or None when it failed; the child reaped either way."""
    pid, read = child
    packed: list[Packed] | None
    try:
        with os.fdopen(read, "rb") as fh:
            packed = pickle.load(fh)
    except (EOFError, pickle.UnpicklingError, OSError):
        packed = None
    _pid, status = os.waitpid(pid, 0)
    return packed if os.waitstatus_to_exitcode(status) == 0 else None


def _abandon(child: tuple[int, int]) -> None:
    """The parent gave up (an error, Ctrl-C): the child's work is not wanted; end and reap it."""
    pid, read = child
    with contextlib.suppress(OSError):
        os.close(read)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _unpack(pool: Pool, items: list[tuple[Doc, Query]], packed: list[Packed]) -> Iterator[Ranked]:
    # Every ranked doc is the pool's own (a live snapshot row, or an entry changed since):
    # the pool is locked for the whole ranking, so its ids name the same objects.
    docs = pool.docs
    for (q, _spec), (ids, scores, features) in zip(items, packed, strict=True):
        yield Ranked(q, [docs[i] for i in ids], scores, features)

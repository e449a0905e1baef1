"""A bounded pool for the slow work that follows an ack.

bolt runs listeners (and their acks) on one small executor. If the embedding and
searching that follow an ack ran there too, a burst of ``describe``s would occupy
every thread and the acks of later requests would wait past Slack's 3 seconds. So
listeners only ack and hand the rest to this pool, which has its own threads and a
bounded queue: when it is full, :meth:`Worker.submit` says so at once and the listener
tells the member to try again, instead of queueing work nobody waits for any more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Worker:
    """``threads`` workers; at most ``max_pending`` jobs waiting or running."""

    def __init__(self, threads: int = 2, max_pending: int = 200, name: str = "civic-work") -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(max_pending)
        self._idle = threading.Condition()
        self._active = 0
        self.threads = threads
        self.max_pending = max_pending

    def submit(self, job: Job, on_error: Callable[[BaseException], None] | None = None) -> bool:
        """Queue ``job``; False (and nothing queued) if the pool is full or shut down."""
        if not self._slots.acquire(blocking=False):
            log.warning("worker queue full (%d jobs); refusing new work", self.max_pending)
            return False
        with self._idle:
            self._active += 1
        try:
            future = self._pool.submit(self._run, job, on_error)
        except RuntimeError:  # shut down
            self._release()
            return False
        del future
        return True

    def _run(self, job: Job, on_error: Callable[[BaseException], None] | None) -> None:
        try:
            job()
        except Exception as exc:
            log.exception("background job failed")
            if on_error is not None:
                try:
                    on_error(exc)
                except Exception:
                    log.exception("error callback of a background job failed")
        finally:
            self._release()

    def _release(self) -> None:
        self._slots.release()
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    @property
    def pending(self) -> int:
        with self._idle:
            return self._active

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job is queued or running (tests, shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

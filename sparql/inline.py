"""Runs the queries the guard proves cheap (sparql.guard.cheap) inside the web process.

Isolation costs a hop to another process on every query: on a loaded machine the worker has to
be scheduled before it starts, which made a DESCRIBE of one resource 4 to 9 times slower than the
Oxigraph server. A query whose cost is bounded by what one resource says of itself cannot hang
or crash the web process, so it skips the hop; it still runs on a bounded number of threads (as
many as the pool has workers) and through the same serialisation, so its answer is byte for byte
the worker's. Everything else keeps the isolated worker and its hard time limit (sparql.pool).
"""

from __future__ import annotations

import queue
import threading

from core.store import EmbeddedStore
from sparql.formats import FORMATS
from sparql.jobs import Answer, Job, QueryFailed, Worker

# A queue of `size` tokens per thread count: a thread holds one while it answers. SimpleQueue's
# get and put are C (0.1 us the pair), where a BoundedSemaphore's Python acquire and release took 0.9.
_SLOTS: dict[int, queue.SimpleQueue] = {}
_SLOTS_LOCK = threading.Lock()


def _slots(size: int) -> queue.SimpleQueue:
    slots = _SLOTS.get(size)
    if slots is None:
        with _SLOTS_LOCK:
            if size not in _SLOTS:
                tokens: queue.SimpleQueue = queue.SimpleQueue()
                for _ in range(max(1, size)):
                    tokens.put(None)
                _SLOTS[size] = tokens
            slots = _SLOTS[size]
    return slots


def run(store: EmbeddedStore, job: Job, threads: int, wait_s: float) -> Answer:
    """Answer a cheap job on the calling thread, at most `threads` at once in this process."""
    slots = _slots(threads)
    try:
        token = slots.get(timeout=wait_s)
    except queue.Empty:
        raise QueryFailed(503, "The query service is busy; try again in a few seconds.") from None
    try:
        body = Worker.over(store.raw, job.store_path).answer(job)
    finally:
        slots.put(token)
    return Answer(media_type=FORMATS[job.fmt].media_type, chunks=[body])

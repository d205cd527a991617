"""Each web worker process on a CPU of its own, and the processes it starts on every CPU.

Under Granian a request is read on a Rust thread and answered on a Python thread of the same
worker process. Left to the scheduler, those two threads and the client wake on different cores,
so every hand-off is a wake-up across cores and a small query's Python runs on caches another
core has just filled. Pinned, a DESCRIBE of one observation over HTTP takes about a fifth less
time (docs/scaling.md). The query processes a worker starts run the heavy queries, and must not
inherit its one CPU.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import Counter
from multiprocessing.sharedctypes import SynchronizedArray

# The CPUs this process could use before it pinned itself; None while it is not pinned.
_UNPINNED: frozenset[int] | None = None


def claims(workers: int) -> SynchronizedArray:
    """Shared record of which worker holds which CPU, made in the server process before it starts
    its workers: a (pid, cpu) pair per worker, with room for as many again (a worker that died and
    has not been reaped yet still looks alive)."""
    return multiprocessing.Array("i", 4 * max(1, workers))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pin_worker(records: SynchronizedArray) -> int | None:
    """Pin the calling thread, and so every thread it starts afterwards, to the CPU the fewest
    live workers hold. Call it in a worker process before its server threads start. Returns the
    CPU, or None when the worker stays unpinned (one CPU to use, or no CPU affinity here)."""
    global _UNPINNED
    if not hasattr(os, "sched_setaffinity"):  # Linux only: elsewhere the scheduler places threads
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    me = os.getpid()
    with records.get_lock():
        pairs = [(records[i], records[i + 1]) for i in range(0, len(records), 2)]
        live = [bool(pid) and pid != me and _alive(pid) for pid, _ in pairs]
        held = Counter(cpu for (_, cpu), up in zip(pairs, live, strict=True) if up)
        cpu = min(allowed, key=lambda c: (held[c], c))
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:  # not allowed here (a sandbox, say): unpinned, as with the setting off
            return None
        # Recorded only once held; with no free pair (dead workers not yet reaped) it goes unrecorded.
        if False in live:
            free = live.index(False)
            records[2 * free], records[2 * free + 1] = me, cpu
    _UNPINNED = frozenset(allowed)
    return cpu


def unpin(pid: int) -> None:
    """Give a process started from a pinned thread (which inherits its one CPU) every CPU this
    process had before it pinned itself. Call it as soon as the process has started, before it
    starts threads of its own."""
    if _UNPINNED is not None:
        # A process that has already exited is left to its owner, who finds out why.
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(pid, _UNPINNED)

"""Which memory allocator the SPARQL query processes run with.

The engine (Oxigraph over RocksDB) allocates and frees small buffers all through a query, from
several threads at once. Under glibc's malloc a fifth of a heavy query's CPU time went to malloc
and free, and the threads queued on the allocator's locks (about 500 context switches a query at
concurrency 8); under mimalloc or jemalloc the same queries ran a fifth to a third faster, with
about 25 switches a query (docs/scaling.md). pyoxigraph cannot choose its allocator, so a query
process is started with the library preloaded (LD_PRELOAD) when one is installed.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from functools import cache

# Library name -> Debian package; preferred first: in the measurements mimalloc was the steadier.
KNOWN = {"mimalloc": "libmimalloc2.0", "jemalloc": "libjemalloc2"}
SETTING = "LACAT_QUERY_ALLOCATOR"


class AllocatorNotFound(ValueError):
    """The allocator the setting names is not installed, or its file does not exist."""


@cache
def find(name: str) -> str | None:
    """The installed library `name` (a key of KNOWN), or None. find_library answers with the
    library's soname, which the dynamic loader looks up itself."""
    return ctypes.util.find_library(name)


@cache
def resolve(choice: str) -> str | None:
    """The library to preload for `choice`, or None for the system allocator.

    `auto` takes the first of KNOWN that is installed (None when none is, or off Linux);
    `system` is glibc's malloc; `mimalloc` or `jemalloc` must be installed; anything else is the
    path of a shared library, which must exist.
    """
    value = choice.strip()
    if value.lower() in ("", "system"):
        return None
    if value.lower() == "auto":
        if not sys.platform.startswith("linux"):
            return None
        return next((lib for lib in map(find, KNOWN) if lib), None)
    if value.lower() in KNOWN:
        lib = find(value.lower())
        if lib is None:
            raise AllocatorNotFound(
                f"{SETTING}={choice!r}: {value.lower()} is not installed on this machine "
                f"(on Debian: apt-get install {KNOWN[value.lower()]}); set it to 'auto' or 'system'.")
        return lib
    if not os.path.isfile(value):
        raise AllocatorNotFound(
            f"{SETTING}={choice!r}: no such file; give 'auto', 'system', one of {', '.join(KNOWN)}, "
            "or the path of a shared library.")
    return value


def preload(env: dict[str, str], lib: str | None) -> dict[str, str]:
    """`env` with `lib` first in LD_PRELOAD (kept as it was when lib is None)."""
    if lib is None:
        return env
    rest = env.get("LD_PRELOAD", "")
    return {**env, "LD_PRELOAD": f"{lib}:{rest}" if rest else lib}

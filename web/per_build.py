"""Values the pages compute once per live build, per process.

A build never changes once it is live, so anything derived from it alone (the explorer's
catalogue, the datasets finder's items, the flag list) can be read once and kept until the
live build changes. The key is the store's path as well as its build id: a copied or restored
store can carry the same build id with different contents.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from core.queries import select
from core.store import Store

T = TypeVar("T")

_VALUES: dict[str, tuple[Hashable, Any]] = {}
_LOCK = threading.Lock()


def per_build(name: str, store: Store, compute: Callable[[], T], *extra: Hashable) -> T:
    """compute(), once per (store path, build id, *extra) under this name; only the latest is kept."""
    key = (store.info.path, store.info.version, *extra)
    with _LOCK:
        found = _VALUES.get(name)
    if found is not None and found[0] == key:
        return found[1]
    # Computed outside the lock: two threads may both compute a value the first time, which is
    # cheaper than making every request wait behind a slow first one.
    value = compute()
    with _LOCK:
        _VALUES[name] = (key, value)
    return value


def rows_per_build(store: Store, name: str) -> list[dict[str, object]]:
    """The rows of the named query (sparql/queries/{name}.rq, nothing bound), read once per build.

    For the small lists pages filter or look up in (councils, regions, versions, memberships): one
    store round trip per build instead of one per request. Callers must not change the rows.
    """
    return per_build("rows:" + name, store, lambda: select(store, name))


def grouped_per_build(store: Store, name: str, key: str) -> dict[str, list[dict[str, object]]]:
    """The rows of the named query (nothing bound) grouped by the value of `key`, once per build:
    a page looks up its resource's rows (a council's memberships, say) without a round trip.
    Within a group the rows keep the query's order."""
    def group() -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {}
        for row in rows_per_build(store, name):
            out.setdefault(str(row.get(key, "")), []).append(row)
        return out

    return per_build("grouped:" + name + ":" + key, store, group)


def memo_per_build(name: str, store: Store, key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), once per build for each key (a council's section of its page, one metric's
    values in one period): every key a page can ask for names a resource of the build, so the
    table is bounded by the catalogue and dropped with the build. Callers must not change the value."""
    table: dict[Hashable, Any] = per_build("memo:" + name, store, dict)
    if key in table:
        return table[key]
    value = compute()
    with _LOCK:
        table[key] = value
    return value


def lru_per_build(name: str, store: Store, key: Hashable, compute: Callable[[], T], size: int) -> T:
    """memo_per_build for values too large to keep for every key a crawler could ask for (a
    rendered section of a page, 100 to 300 KB): the `size` most recently used are kept."""
    table: OrderedDict[Hashable, Any] = per_build("lru:" + name, store, OrderedDict)
    with _LOCK:
        if key in table:
            table.move_to_end(key)
            return table[key]
    value = compute()
    with _LOCK:
        table[key] = value
        while len(table) > size:
            table.popitem(last=False)
    return value

"""Whole /sparql responses kept in memory, bounded in bytes, for repeated GETs (sparql.protocol)."""

from __future__ import annotations

import threading
from collections import OrderedDict


class ResultCache:
    """LRU of (media type, body) keyed by catalogue version + query + dataset + format."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max(max_bytes // 8, 1)
        self._data: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[str, bytes] | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, media_type: str, body: bytes) -> None:
        if len(body) > self.max_entry:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._data[key] = (media_type, body)
            self._size += len(body)
            while self._size > self.max_bytes and self._data:
                _, (_, evicted) = self._data.popitem(last=False)
                self._size -= len(evicted)

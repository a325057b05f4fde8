"""A least-recently-used map bounded in bytes, for finished answers (the data never changes while served).

Written here rather than taken from cachetools: its caches bound a count or a `getsizeof` sum but
have no admission filter, and this one needs both a byte bound and "keep on the second request"
(the doorkeeper of TinyLFU, as CDNs cache on a second hit): a query asked once — most of what a
crawler or a federating engine sends — costs the cache 32 bytes, not its answer.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


DOORKEEPER_KEYS = 8192     # keys seen once, remembered (~0.8 MB of 32-byte keys); then forgotten at once


class ByteLRU:
    """Keeps entries until their summed sizes pass `capacity`, then drops the least recently used.

    `second_sighting`: an entry is kept only when it is put for the second time, within the last
    DOORKEEPER_KEYS keys seen once; the first put only remembers its key."""

    def __init__(self, capacity: int, second_sighting: bool = False):
        self.capacity = capacity
        self.size = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._seen: set[Hashable] | None = set() if second_sighting else None
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.capacity // 8:     # one huge answer must not flush everything else
            return
        with self._lock:
            if self._seen is not None and key not in self._items:
                if key not in self._seen:
                    if len(self._seen) >= DOORKEEPER_KEYS:
                        self._seen.clear()
                    self._seen.add(key)
                    return
                self._seen.discard(key)
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._items[key] = (value, size)
            self.size += size
            while self.size > self.capacity:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped

    def __len__(self) -> int:
        return len(self._items)

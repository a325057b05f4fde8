"""A least-recently-used map bounded in bytes, for finished answers (the data never changes while served)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class ByteLRU:
    """Keeps entries until their summed sizes pass `capacity`, then drops the least recently used."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.size = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
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

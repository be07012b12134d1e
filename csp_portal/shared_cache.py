"""The shared cache, with a small copy in this process's memory in front of it.

Only for values whose key says everything they were built from (a data version, an audience,
a path): such a value never changes under its key, so a process may keep its own copy without
ever serving anything another process would not. Each worker then fetches a large page from
the shared cache once, not on every request. The copy is bounded (MEMO_BYTES, least recently
used out first) and lost with the process, which changes nothing but speed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models import Model
from django.utils import timezone

MEMO_BYTES = 64 * 1024 * 1024


def _size(value: Any) -> int:
    if hasattr(value, "memo_size"):
        return value.memo_size()
    if isinstance(value, bytes | str):
        return len(value)
    if isinstance(value, list | tuple):
        return sum(_size(v) for v in value) + 8 * len(value)
    return 64


class _Memo:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            self.items.move_to_end(key)
            return found[0]

    def put(self, key: str, value: Any) -> None:
        size = _size(value)
        if size > self.limit:
            return
        with self.lock:
            if key in self.items:
                self.bytes -= self.items.pop(key)[1]
            self.items[key] = (value, size)
            self.bytes += size
            while self.bytes > self.limit:
                _, (_, dropped) = self.items.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.bytes = 0


memo = _Memo(MEMO_BYTES)


def get(key: str, unpack: Callable[[Any], Any] | None = None) -> Any:
    """This process's copy, else the shared cache's (kept here for next time), else None.

    `unpack` turns what `set` stored with its `pack` back into the value.
    """
    value = memo.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            if unpack is not None:
                value = unpack(value)
            memo.put(key, value)
    return value


def set(key: str, value: Any, timeout: int, pack: Callable[[Any], Any] | None = None) -> None:
    """Keep `value` here and in the shared cache (as `pack(value)`, e.g. compressed)."""
    memo.put(key, value)
    cache.set(key, pack(value) if pack is not None else value, timeout)


def clear() -> None:
    """Empty both (tests, and after restoring a backup)."""
    memo.clear()
    cache.clear()


def key(kind: str, version: str, *parts: object) -> str:
    """The key of a response built from the data at `version`: with the code's hash and the
    day (lists such as "overdue" count from today) as well as the `parts` it depends on."""
    from .code_version import CODE_VERSION

    text = "\n".join([version, CODE_VERSION, timezone.localdate().isoformat(), *map(str, parts)])
    return f"{kind}:{hashlib.sha256(text.encode()).hexdigest()}"


def freeze(row: Model) -> tuple[list[str], list]:
    """A model row as plain values, to keep in memory and make fresh instances from."""
    names = [f.attname for f in type(row)._meta.concrete_fields]
    return names, [getattr(row, name) for name in names]


def thaw(model: type[Model], using: str, frozen: tuple[list[str], list]) -> Model:
    """A new instance each time: a request may set attributes on what it is given."""
    names, values = frozen
    return model.from_db(using, names, values)

"""A storage layer that fails like a USB stick pulled out mid-write.

Writes land in a volatile cache until flush(); a crash can happen after any byte count (the write
in flight is torn at that byte), and the image that survives holds everything flushed plus any
subset of the unflushed writes, in any order, each possibly torn.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from papka.vault.storage import MemoryStorage


class Crash(Exception):
    """The simulated power loss."""


@dataclass
class FaultyStorage:
    durable: bytearray
    pending: list[tuple[int, bytes]] = field(default_factory=list)
    budget: int | None = None          # bytes that may still be written before the crash
    crashed: bool = False
    writes: int = 0

    @classmethod
    def of_size(cls, size: int, seed: int = 0) -> FaultyStorage:
        return cls(bytearray(random.Random(seed).randbytes(size)))

    @property
    def size(self) -> int:
        return len(self.durable)

    def read(self, offset: int, length: int) -> bytes:
        view = bytearray(self.durable[offset:offset + length])
        for where, data in self.pending:
            lo, hi = max(where, offset), min(where + len(data), offset + length)
            if lo < hi:
                view[lo - offset:hi - offset] = data[lo - where:hi - where]
        return bytes(view)

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        if self.crashed:
            raise Crash()
        data = bytes(data)
        self.writes += 1
        if self.budget is not None:
            if len(data) > self.budget:
                self.pending.append((offset, data[:self.budget]))
                self.crashed = True
                raise Crash()
            self.budget -= len(data)
        self.pending.append((offset, data))

    def flush(self) -> None:
        if self.crashed:
            raise Crash()
        for where, data in self.pending:
            self.durable[where:where + len(data)] = data
        self.pending.clear()

    def close(self) -> None:
        pass

    def survivor(self, rng: random.Random) -> MemoryStorage:
        """The image after power loss: flushed data plus a random subset of the rest, reordered
        and torn."""
        image = bytearray(self.durable)
        pending = [w for w in self.pending if rng.random() < 0.5]
        rng.shuffle(pending)
        for where, data in pending:
            cut = len(data) if rng.random() < 0.7 else rng.randrange(len(data) + 1)
            image[where:where + cut] = data[:cut]
        return MemoryStorage(image)

    def clean_image(self) -> MemoryStorage:
        """The image after a clean shutdown."""
        self.flush()
        return MemoryStorage(bytearray(self.durable))


def write_boundaries(storage: FaultyStorage, action: Callable[[], object]) -> list[int]:
    """Run ``action`` on ``storage`` and return the byte counts at which each of its writes
    starts, and a point inside each: the places a crash is worth trying."""
    sizes: list[int] = []
    real_write = storage.write

    def recording(offset: int, data: bytes | bytearray | memoryview) -> None:
        sizes.append(len(data))
        real_write(offset, data)

    storage.write = recording  # type: ignore[method-assign]
    try:
        action()
    finally:
        storage.write = real_write  # type: ignore[method-assign]
    points, total = [], 0
    for size in sizes:
        points += [total, total + size // 2]
        total += size
    return points

"""The object store of a format 3 compartment above level 0: every object coded, every share in
one sector of the session's plan (docs/FORMAT.md §10, "Erasure coding").

It offers the narrow interface of papka.vault.objects.ObjectStore that the document store and
the compartment use (writer, write_bytes, read_bytes, read_range, chunks, chunks_reusing, open,
free, fits, tx), so the catalog and its pointers keep their format 2 form: a coded object's
pointer is its seed, its length and one one-sector extent per share, stripe after stripe, data
shares first (papka.vault.coded). Shares that a repair wrote elsewhere are looked up in the
compartment's table of moved shares (CatalogRoot.moved).

Reading names the shares that failed authentication (`lost`), so that the session can rebuild
them before it ends; an object whose stripe lost more shares than its parity reads as
ChunkDamaged, like a damaged chunk of format 2, never as wrong bytes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from papka.vault import _crypto, coded
from papka.vault.coded import MAX_DATA_SHARES, SHARE_PAYLOAD, StripeLost
from papka.vault.objects import (
    FREE,
    ChunkDamaged,
    Extent,
    ObjectReader,
    Pointer,
    Progress,
    SpaceMap,
    Transaction,
    fill,
)
from papka.vault.storage import Storage

if TYPE_CHECKING:
    from papka.vault.cover import SessionCover

STRIPE_BYTES = MAX_DATA_SHARES * SHARE_PAYLOAD
_HEAD = 8192


class CodedStore:
    """Writes and reads one coded compartment's objects."""

    def __init__(self, storage: Storage, space: SpaceMap, data_key: bytearray, *,
                 cover: Callable[[], SessionCover], moved: Callable[[], dict[str, dict[str, int]]],
                 random: _crypto.RandomSource,
                 before_write: Callable[[], None] | None = None) -> None:
        self._storage = storage
        self._space = space
        self._data_key = data_key
        self._cover = cover
        self._moved = moved
        self._random = random
        self._before_write = before_write
        self.tx = Transaction()
        #: Objects whose reads found lost shares in this session, by seed: the pointer and the
        #: indices lost (a repair rebuilds them, docs/FORMAT.md §10 "Repair").
        self.lost: dict[bytes, tuple[Pointer, set[int]]] = {}
        self._last_primary: tuple[bytes, Pointer] | None = None
        #: Seeds of the objects freed in this session (seeds are never reused).
        self._freed: set[bytes] = set()
        #: Seeds of the objects written in this session: their shares lie in sectors this
        #: session's plan gave them, which nothing else writes before it ends, so the end of
        #: the session need not read them back to find lost ones.
        self.written: set[bytes] = set()

    # -- places ---------------------------------------------------------------------------------
    def take(self, count: int) -> list[int]:
        """`count` sectors of the session's plan for new shares."""
        if self._before_write is not None:
            self._before_write()
        sectors = self._cover().take(count)
        self.tx.allocated.extend((sector, 1) for sector in sectors)
        return sectors

    def place(self, pointer: Pointer) -> Callable[[int], int]:
        """Where share i of the object lies: moved by a repair, or where it was written."""
        sectors = shares_of(pointer)
        moved = self._moved().get(pointer.seed.hex())
        if not moved:
            return sectors.__getitem__
        return lambda index: moved.get(str(index), sectors[index])

    def sectors(self, pointer: Pointer) -> list[int]:
        """Every sector the object's shares occupy now."""
        place = self.place(pointer)
        return [place(i) for i in range(len(pointer.extents))]

    def sectors_holding(self, pointer: Pointer, offset: int, length: int
                        ) -> tuple[Extent, ...]:
        """The sectors whose shares bytes `offset` … `offset + length` of the object depend on:
        every share of the stripes that hold them (a member of a pack, docs/FORMAT.md §4)."""
        place = self.place(pointer)
        first, last = offset // STRIPE_BYTES, (offset + max(length, 1) - 1) // STRIPE_BYTES
        out: list[Extent] = []
        index = 0
        for number, (k, m) in enumerate(coded.stripes(pointer.length)):
            if first <= number <= last:
                out += [(place(i), 1) for i in range(index, index + k + m)]
            index += k + m
        return tuple(out)

    def free(self, pointer: Pointer) -> None:
        """Forget an object. Its sectors are not overwritten: the key that opens them lives only
        in catalogs that later anchors stop reaching (§10, "Removal in a hidden compartment").
        An object is freed once: the catalog frees both its copies, which write_bytes made one
        object, and a second free, after the first dropped its moved shares, would free the
        places they were moved from, which others may use by now."""
        if pointer.seed in self._freed:
            return
        self._freed.add(pointer.seed)
        self.tx.freed.extend((sector, 1) for sector in self.sectors(pointer))
        self._moved().pop(pointer.seed.hex(), None)

    def fits(self, length: int) -> bool:
        """Whether the zone has room for the object's shares (the zone, not the container:
        coded objects live nowhere else)."""
        cover = self._cover()
        room = self._space.map.count(FREE, cover.start, cover.end) + cover.available()
        return coded.share_count(length) <= room

    # -- writing --------------------------------------------------------------------------------
    def writer(self, *, progress: Progress | None = None, expected: int = 0, copy: int = 0,
               chunk_sectors: int = 0) -> CodedWriter:
        """A new coded object. `copy` and `chunk_sectors` are ObjectStore's and change nothing:
        every share is one sector already, and parity stands in for a second copy."""
        del copy, chunk_sectors
        return CodedWriter(self, progress=progress, expected=expected)

    def write_stream(self, source: BinaryIO, *, progress: Progress | None = None,
                     expected: int = 0, copy: int = 0) -> tuple[Pointer, str, bytes]:
        return fill(self.writer(progress=progress, expected=expected, copy=copy), source)

    def write_bytes(self, data: bytes, copy: int = 0) -> Pointer:
        """Write an object. The catalog asks for its objects twice (copy 0, then copy 1, far
        apart, docs/FORMAT.md §6); a coded object is rebuilt from any k of its shares, so the
        second request gets the first object again instead of costing the plan its size twice."""
        digest = hashlib.sha256(data).digest()
        if copy and self._last_primary is not None and self._last_primary[0] == digest:
            return self._last_primary[1]
        pointer = self.write_stream(io.BytesIO(data))[0]
        self._last_primary = (digest, pointer) if not copy else None
        return pointer

    # -- reading --------------------------------------------------------------------------------
    def _stripes(self, pointer: Pointer, first: int = 0,
                 last: int | None = None) -> Iterator[bytes]:
        """The object's bytes stripe by stripe (stripes `first` … `last`)."""
        plan = coded.stripes(pointer.length)
        if len(pointer.extents) != sum(k + m for k, m in plan):
            raise ChunkDamaged()
        place = self.place(pointer)
        key = coded.object_key(self._data_key, pointer.seed)
        try:
            index = 0
            for number, (k, m) in enumerate(plan):
                if number >= first and (last is None or number <= last):
                    try:
                        shares, lost = coded.read_stripe(self._storage, key, index, k, m, place)
                    except StripeLost:
                        raise ChunkDamaged() from None
                    if lost:
                        self._note_lost(pointer, lost)
                    at = number * STRIPE_BYTES
                    yield b"".join(shares)[:max(0, pointer.length - at)]
                index += k + m
        finally:
            _crypto.wipe(key)

    def _note_lost(self, pointer: Pointer, lost: list[int]) -> None:
        known = self.lost.setdefault(pointer.seed, (pointer, set()))
        known[1].update(lost)

    def chunks(self, pointer: Pointer) -> Iterator[bytes]:
        yield from self._stripes(pointer)

    def chunks_reusing(self, pointer: Pointer) -> Iterator[memoryview]:
        for stripe in self._stripes(pointer):
            yield memoryview(stripe)

    def read_bytes(self, pointer: Pointer) -> bytes:
        return b"".join(self._stripes(pointer))

    def read_range(self, pointer: Pointer, offset: int, length: int) -> bytes:
        """`length` bytes from `offset`, decoding only the stripes that hold them."""
        if length <= 0:
            return b""
        first, last = offset // STRIPE_BYTES, (offset + length - 1) // STRIPE_BYTES
        data = b"".join(self._stripes(pointer, first, last))
        start = offset - first * STRIPE_BYTES
        out = data[start:start + length]
        if len(out) != length:
            raise ChunkDamaged()
        return out

    def open(self, pointer: Pointer, on_damage: Callable[[], Exception]) -> ObjectReader:
        return ObjectReader(self.chunks_reusing(pointer), pointer.length, on_damage)

    # -- the session's plan ----------------------------------------------------------------------
    def reseal(self, pointer: Pointer, wanted: set[int]) -> set[int]:
        """Encrypt again, in place, the object's shares that lie in `wanted` (sectors of the
        plan); returns the sectors done. A share already lost is left to the plan's fill."""
        place = self.place(pointer)
        done: set[int] = set()
        key = coded.object_key(self._data_key, pointer.seed)
        try:
            for index in range(len(pointer.extents)):
                sector = place(index)
                if sector in wanted and coded.reseal(self._storage, key, index, sector,
                                                     self._random):
                    done.add(sector)
        finally:
            _crypto.wipe(key)
        return done

    def stripes_to_rebuild(self) -> list[tuple[float, Pointer, int, int, int]]:
        """Every stripe whose reads found shares lost: (the share of its parity lost, pointer,
        first share index, k, m), most at risk first."""
        out = []
        for pointer, lost in self.lost.values():
            index = 0
            for k, m in coded.stripes(pointer.length):
                count = sum(index <= i < index + k + m for i in lost)
                if count:
                    out.append((count / max(m, 1), pointer, index, k, m))
                index += k + m
        out.sort(key=lambda entry: entry[0], reverse=True)
        return out

    def rebuild_stripe(self, pointer: Pointer, first: int, k: int, m: int,
                       moved: dict[str, dict[str, int]]) -> int:
        """Write the stripe's lost shares again in the plan, recording their new sectors in
        `moved`; returns how many were written. ChunkDamaged when it lost more than its
        parity."""
        place = self.place(pointer)
        key = coded.object_key(self._data_key, pointer.seed)
        try:
            try:
                shares, lost = coded.read_stripe(self._storage, key, first, k, m, place)
            except StripeLost:
                raise ChunkDamaged() from None
            if lost:
                sectors = self.take(len(lost))
                coded.write_shares(self._storage, key, first, shares, lost, sectors,
                                   self._random)
                table = moved.setdefault(pointer.seed.hex(), {})
                table.update((str(i), sector) for i, sector in zip(lost, sectors, strict=True))
        finally:
            _crypto.wipe(key)
        return len(lost)

    def release(self, extents: list[Extent]) -> None:
        """Sectors freed by a durable commit become free; nothing is written over them."""
        self._space.mark(extents, FREE)


def shares_of(pointer: Pointer) -> list[int]:
    """The sector of each share as written: every extent of a coded pointer is one sector."""
    if any(count != 1 for _, count in pointer.extents):
        raise ChunkDamaged()
    return [start for start, _ in pointer.extents]


class CodedWriter:
    """One coded object being written: bytes gather into a stripe of MAX_DATA_SHARES shares,
    which is coded and written as soon as it is full; close() writes the last, shorter one."""

    def __init__(self, store: CodedStore, *, progress: Progress | None, expected: int) -> None:
        self._store = store
        self._progress = progress
        self._expected = expected
        self._seed = store._random(32)
        self._key = coded.object_key(store._data_key, self._seed)
        self._digest = hashlib.sha256()
        self._head = b""
        self._buffer = bytearray()
        self._sectors: list[int] = []
        self._length = 0
        self._closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data).cast("B")
        taken = 0
        while taken < len(view):
            n = min(STRIPE_BYTES - len(self._buffer), len(view) - taken)
            self._buffer += view[taken:taken + n]
            taken += n
            if len(self._buffer) == STRIPE_BYTES:
                self._stripe()
        return taken

    def fill_from(self, source: BinaryIO) -> int:
        data = source.read(STRIPE_BYTES - len(self._buffer))
        return self.write(data) if data else 0

    def _stripe(self) -> None:
        data = bytes(self._buffer)
        self._buffer.clear()
        if not self._head:
            self._head = data[:_HEAD]
        self._digest.update(data)
        shares = [data[at:at + SHARE_PAYLOAD].ljust(SHARE_PAYLOAD, b"\0")
                  for at in range(0, max(len(data), 1), SHARE_PAYLOAD)]
        sectors = self._store.take(len(shares) + coded.parity_shares(len(shares)))
        coded.write_stripe(self._store._storage, self._key, len(self._sectors), shares, sectors,
                           self._store._random)
        self._sectors += sectors
        self._length += len(data)
        if self._progress is not None:
            self._progress(self._length, self._expected)

    def _pointer(self) -> Pointer:
        return Pointer(self._seed, self._length, tuple((s, 1) for s in self._sectors))

    def close(self) -> tuple[Pointer, str, bytes]:
        if self._closed:
            raise ValueError("this object is already closed")
        self._closed = True
        try:
            if self._buffer or not self._sectors:
                self._stripe()
        finally:
            _crypto.wipe(self._key)
        self._store.written.add(self._seed)
        return self._pointer(), self._digest.hexdigest(), self._head

    def take_small(self, limit: int) -> tuple[bytes, str, bytes] | None:
        """Like ObjectWriter.take_small: the bytes back for a pack while nothing is written."""
        if self._closed or self._sectors or len(self._buffer) > limit:
            return None
        self._closed = True
        _crypto.wipe(self._key)
        data = bytes(self._buffer)
        self._digest.update(data)
        return data, self._digest.hexdigest(), data[:_HEAD]

    def abort(self) -> None:
        if not self._closed:
            self._closed = True
            _crypto.wipe(self._key)
            self._store.free(self._pointer())

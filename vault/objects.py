"""Encrypted objects in data sectors: the free-space map, and streaming write/read of objects.

An object (a document's bytes, a catalog page) is a list of chunks. Each chunk fills a run of
contiguous sectors (at most 1 MiB) and is one AES-256-GCM message under a key derived for that
object alone, with the chunk's index as nonce and its position as associated data
(docs/FORMAT.md §4). The pointer to an object (seed, length, extents) lives in its parent, which is
itself authenticated, up to the slot.
"""

from __future__ import annotations

import hashlib
import io
import struct
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag

from papka.errors import EnvironmentProblem
from papka.vault import _crypto
from papka.vault.errors import ContainerFull
from papka.vault.header import SECTOR, Geometry
from papka.vault.storage import Storage

MAX_CHUNK_SECTORS = 256          # 1 MiB chunks
TAG = 16
FREE, USED = 0, 1

Extent = tuple[int, int]         # (first sector, sector count)
Progress = Callable[[int, int], None]


class ChunkDamaged(Exception):
    """A chunk failed authentication; the caller turns this into a DocumentDamaged."""


@dataclass(frozen=True)
class Pointer:
    """Where an object lives and how to decrypt it."""

    seed: bytes
    length: int
    extents: tuple[Extent, ...]

    _HEAD = struct.Struct(">32sQI")
    _EXTENT = struct.Struct(">QI")

    def to_bytes(self) -> bytes:
        parts = [self._HEAD.pack(self.seed, self.length, len(self.extents))]
        parts += [self._EXTENT.pack(start, count) for start, count in self.extents]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Pointer:
        seed, length, n = cls._HEAD.unpack_from(raw)
        if len(raw) != cls._HEAD.size + n * cls._EXTENT.size:
            raise ValueError("malformed pointer")
        extents = tuple(cls._EXTENT.unpack_from(raw, cls._HEAD.size + i * cls._EXTENT.size)
                        for i in range(n))
        return cls(seed, length, extents)

    def to_json(self) -> dict[str, Any]:
        return {"s": self.seed.hex(), "n": self.length, "e": [list(e) for e in self.extents]}

    def to_text(self) -> str:
        """The form catalog records hold: "seed length start+count ...", one string, which
        parses several times faster than the JSON object (docs/FORMAT.md §6)."""
        return " ".join([self.seed.hex(), str(self.length),
                         *(f"{start}+{count}" for start, count in self.extents)])

    @staticmethod
    def text_extents(text: str) -> list[Extent]:
        """The extents of a pointer's text form, checked for shape (ValueError otherwise)."""
        extents = []
        for part in text.split(" ")[2:]:
            start, plus, count = part.partition("+")
            if not (plus and start.isdigit() and count.isdigit() and start.isascii()
                    and count.isascii() and int(count) > 0):
                raise ValueError("malformed pointer")
            extents.append((int(start), int(count)))
        return extents

    @classmethod
    def _from_text(cls, text: str) -> Pointer:
        seed_hex, _, rest = text.partition(" ")
        length_text = rest.partition(" ")[0]
        if not (length_text.isdigit() and length_text.isascii()):
            raise ValueError("malformed pointer")
        seed = bytes.fromhex(seed_hex)
        if len(seed) != 32:
            raise ValueError("malformed pointer")
        return cls(seed, int(length_text), tuple(cls.text_extents(text)))

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> Pointer:
        """A pointer from its JSON object, or from its text form (to_text)."""
        if isinstance(data, str):
            return cls._from_text(data)
        # Authenticated, but possibly crafted by whoever holds the passphrase: check the shape
        # (cheaply: this runs for every document at unlock).
        seed, length, extents = bytes.fromhex(data["s"]), data["n"], tuple(map(tuple, data["e"]))
        if len(seed) != 32 or type(length) is not int or length < 0 or not all(
                len(e) == 2 and type(e[0]) is int and type(e[1]) is int and e[0] >= 0 and e[1] > 0
                for e in extents):
            raise ValueError("malformed pointer")
        return cls(seed, length, extents)

    @property
    def sectors(self) -> int:
        return sum(count for _, count in self.extents)


def _chunk_spans(pointer: Pointer) -> Iterator[tuple[int, Extent, int, int]]:
    """Each chunk of an object: its index, its sectors, and the offset and size of the
    plaintext it holds (every chunk but the last is full, docs/FORMAT.md §4)."""
    at = 0
    for index, (start, count) in enumerate(pointer.extents):
        size = max(0, min(pointer.length - at, count * SECTOR - TAG))
        yield index, (start, count), at, size
        at += size


def sectors_holding(pointer: Pointer, offset: int, length: int) -> tuple[Extent, ...]:
    """The runs of sectors whose chunks hold bytes `offset` … `offset + length` of an object:
    where one member of a pack lives."""
    return tuple(extent for _, extent, at, size in _chunk_spans(pointer)
                 if at < offset + length and offset < at + size)


def sectors_for(length: int) -> int:
    """Sectors an object of `length` bytes occupies when its chunks are contiguous."""
    chunk_capacity = MAX_CHUNK_SECTORS * SECTOR - TAG
    full, rest = divmod(length, chunk_capacity)
    return full * MAX_CHUNK_SECTORS + (-(-(rest + TAG) // SECTOR) if rest else 0)


#: Above this many extents in one mark(), the free count is taken over the whole map at the end.
_COUNT_EACH = 64


class SpaceMap:
    """One byte per sector: FREE or USED, for every compartment unlocked in this session.

    Sectors freed in an open transaction stay USED until the commit that frees them is durable,
    so a crash never finds a committed object overwritten.
    """

    def __init__(self, geometry: Geometry, limit: int | None = None) -> None:
        """`limit`: the bytes really there, when a truncated container records a larger size."""
        self.geometry = geometry
        end = geometry.end_data_sector
        if limit is not None:
            end = min(end, limit // SECTOR)
        self.map = bytearray(max(end, 0))
        self.map[:geometry.first_data_sector] = b"\x01" * min(geometry.first_data_sector, end)
        # Kept up to date by mark(), so that asking for room before every add does not count
        # the whole map (which made importing many small files quadratic).
        self._free = self.map.count(FREE)

    def mark(self, extents: Iterator[Extent] | tuple[Extent, ...] | list[Extent],
             value: int) -> None:
        fill = bytes([value])
        m = self.map
        size = len(m)
        marked = 0
        for start, count in extents:
            if start < 0 or count < 0:
                raise ValueError("an extent outside the container")
            stop = min(start + count, size)
            if start < stop:                     # extents past a truncated end are not mapped
                if marked < _COUNT_EACH:
                    was_free = m.count(FREE, start, stop)
                    self._free += (stop - start if value == FREE else 0) - was_free
                m[start:stop] = fill * (stop - start)
                marked += 1
        if marked >= _COUNT_EACH:
            # Many extents at once (every document's, at unlock): counting the whole map once
            # is cheaper than counting each extent.
            self._free = m.count(FREE)

    def free_sectors(self) -> int:
        return self._free

    def find(self, max_sectors: int, descending: bool, cursor: int) -> Extent | None:
        """The next free run at or beyond `cursor` in the allocation direction, capped in size."""
        m = self.map
        if not descending:
            start = m.find(FREE, cursor)
            if start < 0:
                return None
            end = m.find(USED, start, start + max_sectors)
            return (start, (end if end >= 0 else min(len(m), start + max_sectors)) - start)
        last = m.rfind(FREE, 0, cursor)
        if last < 0:
            return None
        low = max(0, last + 1 - max_sectors)
        used = m.rfind(USED, low, last)
        start = used + 1 if used >= 0 else low
        return (start, last + 1 - start)


@dataclass
class Transaction:
    """What one compartment has allocated and freed since its last commit."""

    allocated: list[Extent] = field(default_factory=list)
    freed: list[Extent] = field(default_factory=list)
    cursors: dict[int, int] = field(default_factory=dict)   # per copy (0 primary, 1 secondary)


class ObjectStore:
    """Writes and reads one compartment's objects. Created by the container, one per compartment."""

    def __init__(self, storage: Storage, space: SpaceMap, data_key: bytearray, *,
                 descending: bool, random: _crypto.RandomSource,
                 padding: Callable[[int], bytes],
                 origins: tuple[int, int] | None = None,
                 before_write: Callable[[], None] | None = None,
                 allocated: Callable[[Extent], None] | None = None) -> None:
        """`origins`: where copies 0 and 1 start, ascending, instead of the level's ends (a new
        compartment's first catalog, docs/FORMAT.md §7). `allocated` hears of every run taken
        (a format 3 decoy's writes set the size of the session's plan, docs/FORMAT.md §10)."""
        self._storage = storage
        self._origins = origins
        #: Raises when the session may not write (read-only or truncated): checked before the
        #: first sector is allocated, so a refused change writes nothing at all.
        self._before_write = before_write
        self._allocated = allocated
        self._space = space
        self._data_key = data_key
        self.descending = descending
        self._random = random
        self._padding = padding
        self.tx = Transaction()
        self._spare_buffers: tuple[list[bytearray], bytearray] | None = None

    # -- allocation ---------------------------------------------------------------------------
    def _start(self, copy: int) -> int:
        """Where allocation begins: copy 0 from the compartment's end of the container, copy 1
        (the second copy of catalog objects) a quarter of the way in, so that no single damaged
        region holds both copies (docs/FORMAT.md §6)."""
        g = self._space.geometry
        if self._origins is not None:
            return self._origins[copy]
        if copy == 0:
            return g.end_data_sector if self.descending else g.first_data_sector
        span = g.end_data_sector - g.first_data_sector
        return g.first_data_sector + (3 * span // 4 if self.descending else span // 4)

    def _allocate(self, max_sectors: int, copy: int = 0) -> Extent:
        if self._before_write is not None:
            self._before_write()
        cursor = self.tx.cursors.get(copy, self._start(copy))
        run = self._space.find(max_sectors, self.descending, cursor)
        if run is None and copy:
            run = self._space.find(max_sectors, self.descending, self._start(0))
        if run is None and self._origins is not None:
            run = self._space.find(max_sectors, self.descending, 0)
        if run is None:
            raise ContainerFull()
        start, count = run
        self._space.mark([run], USED)
        self.tx.allocated.append(run)
        self.tx.cursors[copy] = start if self.descending else start + count
        if self._allocated is not None:
            self._allocated(run)
        return run

    def free(self, pointer: Pointer) -> None:
        self.tx.freed.extend(pointer.extents)

    def fits(self, length: int) -> bool:
        return sectors_for(length) <= self._space.free_sectors()

    @staticmethod
    def sectors_holding(pointer: Pointer, offset: int, length: int) -> tuple[Extent, ...]:
        return sectors_holding(pointer, offset, length)

    # -- keys -----------------------------------------------------------------------------------
    def _cipher(self, seed: bytes) -> Any:
        key = _crypto.hkdf(self._data_key, b"papka/v1/object", salt=seed)
        try:
            return _crypto.chunk_cipher(key)
        finally:
            _crypto.wipe(key)

    @staticmethod
    def _aad(index: int, start: int, count: int) -> bytes:
        return b"papka/v1/chunk" + struct.pack(">QQI", index, start, count)

    # -- writing --------------------------------------------------------------------------------
    def writer(self, *, progress: Progress | None = None, expected: int = 0,
               copy: int = 0, chunk_sectors: int = MAX_CHUNK_SECTORS) -> ObjectWriter:
        """A new object, written by pushing bytes into it (ObjectWriter.write) or by letting it
        read a stream (write_stream). `chunk_sectors` caps each chunk's size: a pack of small
        documents uses one-sector chunks, so that a damaged sector loses only the documents
        whose bytes it held (docs/FORMAT.md §4)."""
        return ObjectWriter(self, progress=progress, expected=expected, copy=copy,
                            chunk_sectors=chunk_sectors)

    def write_stream(self, source: BinaryIO, *, progress: Progress | None = None,
                     expected: int = 0, copy: int = 0) -> tuple[Pointer, str, bytes]:
        """Store everything `source` yields. Returns the pointer, the SHA-256 hex and the first
        bytes (for media-type detection). Memory stays at about three chunks."""
        return fill(self.writer(progress=progress, expected=expected, copy=copy), source)

    def _borrow_buffers(self) -> tuple[list[bytearray], bytearray]:
        """Two plaintext buffers and one for a sealed chunk, made once per store and lent to one
        write at a time: allocating (and zeroing) 3 MiB for every small file was a tenth of
        importing a folder of them."""
        spare, self._spare_buffers = self._spare_buffers, None
        return spare or ([bytearray(MAX_CHUNK_SECTORS * SECTOR - TAG) for _ in range(2)],
                         bytearray(MAX_CHUNK_SECTORS * SECTOR))

    def _return_buffers(self, buffers: tuple[list[bytearray], bytearray]) -> None:
        self._spare_buffers = buffers

    def write_bytes(self, data: bytes, copy: int = 0) -> Pointer:
        return self.write_stream(io.BytesIO(data), copy=copy)[0]

    # -- reading --------------------------------------------------------------------------------
    def _open_chunk(self, cipher: Any, index: int, extent: Extent, size: int) -> bytes:
        """Chunk `index` of an object, holding `size` bytes of plaintext, read and decrypted;
        ChunkDamaged when it cannot be read or does not authenticate."""
        start, count = extent
        try:
            raw = self._storage.read(start * SECTOR, size + TAG)
        except EnvironmentProblem:          # a truncated container: the chunk is gone
            raise ChunkDamaged() from None
        try:
            plain: bytes = cipher.decrypt(index.to_bytes(12, "big"), raw,
                                          self._aad(index, start, count))
        except InvalidTag:
            raise ChunkDamaged() from None
        return plain

    def chunks(self, pointer: Pointer) -> Iterator[bytes]:
        cipher = self._cipher(pointer.seed)
        remaining = pointer.length
        for index, (start, count) in enumerate(pointer.extents):
            size = min(remaining, count * SECTOR - TAG)
            yield self._open_chunk(cipher, index, (start, count), size)
            remaining -= size
        if remaining:
            raise ChunkDamaged()

    def chunks_reusing(self, pointer: Pointer) -> Iterator[memoryview]:
        """The object's chunks like chunks(), but read and decrypted into two buffers made once:
        each view is valid only until the next one is asked for. Getting a large document back
        then allocates nothing per chunk."""
        cipher = self._cipher(pointer.seed)
        largest = min(pointer.length, MAX_CHUNK_SECTORS * SECTOR - TAG)   # small objects: small
        sealed = bytearray(largest + TAG)
        plain = bytearray(largest)
        read_into = getattr(self._storage, "read_into", None)
        remaining = pointer.length
        for index, (start, count) in enumerate(pointer.extents):
            size = min(remaining, count * SECTOR - TAG)
            if size < 0 or size + TAG > len(sealed):
                raise ChunkDamaged()             # an extent larger than any chunk papka writes
            raw = memoryview(sealed)[:size + TAG]
            try:
                if read_into is not None:
                    read_into(start * SECTOR, raw)
                else:
                    raw[:] = self._storage.read(start * SECTOR, size + TAG)
            except EnvironmentProblem:          # a truncated container: the chunk is gone
                raise ChunkDamaged() from None
            out = memoryview(plain)[:size]
            try:
                cipher.decrypt_into(index.to_bytes(12, "big"), raw,
                                    self._aad(index, start, count), out)
            except InvalidTag:
                raise ChunkDamaged() from None
            remaining -= size
            yield out
        if remaining:
            raise ChunkDamaged()

    def read_bytes(self, pointer: Pointer) -> bytes:
        return b"".join(self.chunks(pointer))

    def read_range(self, pointer: Pointer, offset: int, length: int) -> bytes:
        """`length` bytes of the object from `offset`, decrypting only the chunks that hold
        them (a member of a pack). ChunkDamaged when one of those chunks fails."""
        cipher = None
        parts: list[bytes] = []
        for index, extent, at, size in _chunk_spans(pointer):
            if at + size <= offset or at >= offset + length:
                continue
            if cipher is None:
                cipher = self._cipher(pointer.seed)
            plain = self._open_chunk(cipher, index, extent, size)
            parts.append(plain[max(0, offset - at):offset + length - at])
        data = b"".join(parts)
        if len(data) != length:
            raise ChunkDamaged()                 # a range the object does not hold
        return data

    def open(self, pointer: Pointer, on_damage: Callable[[], Exception]) -> ObjectReader:
        return ObjectReader(self.chunks_reusing(pointer), pointer.length, on_damage)


class ObjectWriter:
    """One object being written, chunk by chunk, from bytes pushed into it.

    Bytes gather in a buffer of one chunk; a full chunk is sealed into the next free run of
    sectors, and close() seals the rest. A reader that pushes decrypted bytes (a bundle being
    imported) and a stream that is pulled (a file being added) both end here, so neither needs a
    thread to meet the other. While one chunk is sealed and written, the SHA-256 of the one
    before runs on a second thread (hashlib lets go of the GIL), so the two plaintext buffers
    take turns.
    """

    def __init__(self, store: ObjectStore, *, progress: Progress | None, expected: int,
                 copy: int, chunk_sectors: int = MAX_CHUNK_SECTORS) -> None:
        if not 1 <= chunk_sectors <= MAX_CHUNK_SECTORS:
            raise ValueError("a chunk holds 1 to 256 sectors")
        self._store = store
        self._chunk_sectors = chunk_sectors
        self._capacity = chunk_sectors * SECTOR - TAG
        self._progress = progress
        self._expected = expected
        self._copy = copy
        self._seed = store._random(32)
        self._cipher = store._cipher(self._seed)
        self._digest = hashlib.sha256()
        self._lent = store._borrow_buffers()
        self._buffers, self._sealed = self._lent
        self._buffer = self._buffers[0]
        self._filled = 0
        self._hashing: Future[None] | None = None
        self._hasher: ThreadPoolExecutor | None = None
        self._extents: list[Extent] = []
        self._head = b""
        self._length = 0
        self._closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take `data` (copied; the caller may reuse its buffer)."""
        view = memoryview(data).cast("B")
        taken = 0
        while taken < len(view):
            room = memoryview(self._buffer)[self._filled:self._capacity]
            n = min(len(room), len(view) - taken)
            room[:n] = view[taken:taken + n]
            taken += n
            self._advance(n)
        return taken

    def fill_from(self, source: BinaryIO) -> int:
        """Read from `source` straight into the chunk buffer; 0 at the end of the stream."""
        n = _read_into(source, memoryview(self._buffer)[self._filled:self._capacity])
        self._advance(n)
        return n

    def _advance(self, n: int) -> None:
        self._filled += n
        if self._filled == self._capacity:
            self._seal(self._chunk_sectors)

    def _hash(self, data: memoryview) -> None:
        if self._hashing is not None:
            self._hashing.result()              # chunks are hashed in order
            self._hashing = None
        if not self._extents:
            self._head = bytes(data[:8192])
            self._digest.update(data)           # one small object: no thread at all
            return
        if self._hasher is None:
            self._hasher = ThreadPoolExecutor(max_workers=1)
        self._hashing = self._hasher.submit(self._digest.update, data)

    def _seal(self, wanted_sectors: int) -> None:
        """Seal the front of the buffer into one run of at most `wanted_sectors` sectors."""
        store = self._store
        start, count = store._allocate(wanted_sectors, self._copy)
        size = min(self._filled, count * SECTOR - TAG)
        data = memoryview(self._buffer)[:size]
        index = len(self._extents)
        self._hash(data)
        out = memoryview(self._sealed)[:count * SECTOR]
        self._cipher.encrypt_into(index.to_bytes(12, "big"), data,
                                  store._aad(index, start, count), out[:size + TAG])
        if count * SECTOR > size + TAG:
            out[size + TAG:] = store._padding(count * SECTOR - size - TAG)
        store._storage.write(start * SECTOR, out)
        self._extents.append((start, count))
        self._length += size
        # The next chunk goes into the other buffer (this one may still be being hashed); what
        # did not fit a short run moves there first.
        rest = self._filled - size
        other = self._buffers[1] if self._buffer is self._buffers[0] else self._buffers[0]
        if rest:
            other[:rest] = self._buffer[size:self._filled]
        self._buffer, self._filled = other, rest
        if self._progress is not None:
            self._progress(self._length, self._expected)

    def _finish(self) -> None:
        try:
            if self._hashing is not None:
                self._hashing.result()
                self._hashing = None
        finally:
            if self._hasher is not None:
                self._hasher.shutdown(wait=True)
            self._store._return_buffers(self._lent)

    def close(self) -> tuple[Pointer, str, bytes]:
        """Seal what is left. Returns the pointer, the SHA-256 hex and the first bytes."""
        if self._closed:
            raise ValueError("this object is already closed")
        self._closed = True
        try:
            while self._filled:                  # the object's end: the pointer keeps its length
                self._seal(-(-(self._filled + TAG) // SECTOR))
        finally:
            self._finish()
        return (Pointer(self._seed, self._length, tuple(self._extents)),
                self._digest.hexdigest(), self._head)

    def take_small(self, limit: int) -> tuple[bytes, str, bytes] | None:
        """When everything written so far is at most `limit` bytes and still in the first chunk's
        buffer (nothing sealed), close this object without writing it and hand the bytes back,
        with their SHA-256 hex and first bytes, for a pack (docs/FORMAT.md §4). None otherwise:
        the object stays open and close() seals it as usual."""
        if self._closed or self._extents or self._filled > limit:
            return None
        self._closed = True
        try:
            data = bytes(self._buffer[:self._filled])
            self._digest.update(data)
        finally:
            self._finish()
        return data, self._digest.hexdigest(), data[:8192]

    def abort(self) -> None:
        """Give up this object: its sectors are freed with the next commit."""
        if not self._closed:
            self._closed = True
            self._finish()
            self._store.free(Pointer(self._seed, self._length, tuple(self._extents)))


class Writer(Protocol):
    """What both kinds of store hand out for a new object (ObjectWriter, CodedWriter)."""

    def fill_from(self, source: BinaryIO) -> int: ...
    def close(self) -> tuple[Pointer, str, bytes]: ...
    def abort(self) -> None: ...


def fill(writer: Writer, source: BinaryIO) -> tuple[Pointer, str, bytes]:
    """Write everything `source` yields into a new object and close it; the object is given up
    if reading or writing fails."""
    try:
        while writer.fill_from(source):
            pass
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _read_into(source: BinaryIO, view: memoryview) -> int:
    filled = 0
    readinto = getattr(source, "readinto", None)
    while filled < len(view):
        if readinto is not None:
            n = readinto(view[filled:])
        else:
            data = source.read(len(view) - filled)
            n = len(data)
            view[filled:filled + n] = data
        if not n:
            break
        filled += n
    return filled


class ObjectReader(io.RawIOBase):
    """A read-only stream over an object, decrypting one chunk at a time."""

    def __init__(self, chunks: Iterator[bytes | memoryview], length: int,
                 on_damage: Callable[[], Exception]) -> None:
        super().__init__()
        self._chunks = chunks
        self._current = memoryview(b"")
        self._on_damage = on_damage
        self.length = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._current:
            try:
                self._current = memoryview(next(self._chunks))
            except StopIteration:
                return 0
            except ChunkDamaged:
                raise self._on_damage() from None
        n = min(len(buffer), len(self._current))
        buffer[:n] = self._current[:n]
        self._current = self._current[n:]
        return n

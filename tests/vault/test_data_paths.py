"""The fast paths of storing and reading documents: free space counted as it changes, the
just-allocated run given back, chunks read into reused buffers, hashing on a second thread."""

from __future__ import annotations

import hashlib
import io
import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papka.vault import Container
from papka.vault.errors import DocumentDamaged
from papka.vault.header import SECTOR, Geometry
from papka.vault.objects import FREE, USED, SpaceMap
from papka.vault.storage import MemoryStorage
from tests.vault.helpers import DECOY, MiB, add_bytes, new_container, sectors_of

extent = st.tuples(st.integers(0, 3000), st.integers(0, 400))


@settings(max_examples=60, deadline=None)
@given(marks=st.lists(st.tuples(st.lists(extent, max_size=4), st.sampled_from([FREE, USED])),
                      max_size=30))
def test_the_free_count_always_equals_a_count_of_the_map(
        marks: list[tuple[list[tuple[int, int]], int]]) -> None:
    space = SpaceMap(Geometry.for_size(16 * MiB))
    for extents, value in marks:
        space.mark(extents, value)
        assert space.free_sectors() == space.map.count(FREE)


def test_a_rolled_back_batch_of_many_objects_gives_every_sector_back(tmp_path: Path) -> None:
    path = new_container(tmp_path / "box")
    with Container.open(path, [DECOY]) as box:
        before = box.space.free_sectors()
        store = box.newest.store
        with pytest.raises(RuntimeError), box.newest.documents.batch():
            for number in range(300):
                add_bytes(box, os.urandom(number * 37))
            assert box.space.free_sectors() < before
            raise RuntimeError("cancelled")
        assert not store.tx.allocated
        assert box.space.free_sectors() == before == box.space.map.count(FREE)


class _ReadOnly(io.RawIOBase):
    """A source with read() only, in small uneven pieces."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = min(size if size >= 0 else len(self._data), 70_001)
        piece, self._data = self._data[:size], self._data[size:]
        return bytes(piece)

    readinto = None  # type: ignore[assignment]


@pytest.mark.parametrize("size", [0, 1, MiB - 16, MiB - 15, 3 * MiB + 5])
def test_documents_of_every_chunk_shape_come_back_with_their_hash(size: int,
                                                                   tmp_path: Path) -> None:
    data = random.Random(size).randbytes(size)
    path = new_container(tmp_path / "box")
    with Container.open(path, [DECOY]) as box:
        docs = box.newest.documents
        from_stream = add_bytes(box, data)
        from_reader = docs.add(_ReadOnly(data))  # type: ignore[arg-type]
        for doc in (from_stream, from_reader):
            assert doc.sha256 == hashlib.sha256(data).hexdigest() and doc.size == size
            out = io.BytesIO()
            assert docs.copy_to(doc.id, out) == size and out.getvalue() == data
            with docs.open(doc.id) as stream:
                assert stream.read() == data
            target = docs.save_to(doc.id, tmp_path / f"{doc.id}.out")
            assert target.read_bytes() == data


def test_memory_storage_reads_into_a_buffer_and_refuses_past_its_end() -> None:
    storage = MemoryStorage(bytes(range(256)) * 16)
    view = memoryview(bytearray(10))
    storage.read_into(250, view)
    assert bytes(view) == bytes(range(250, 256)) + bytes(range(4))
    with pytest.raises(Exception, match="shorter"):
        storage.read_into(4090, view)


def test_damage_in_a_later_chunk_stops_a_get_and_leaves_no_file(tmp_path: Path) -> None:
    path = new_container(tmp_path / "box")
    data = os.urandom(3 * MiB)
    with Container.open(path, [DECOY]) as box:
        doc = add_bytes(box, data)
        extents = sectors_of(box, -1, doc.id)
    start, _count = extents[1]          # the second chunk: the first one reads fine
    with open(path, "r+b") as container:
        container.seek(start * SECTOR + 1000)
        byte = container.read(1)
        container.seek(start * SECTOR + 1000)
        container.write(bytes([byte[0] ^ 1]))
    with Container.open(path, [DECOY]) as box:
        docs = box.newest.documents
        with pytest.raises(DocumentDamaged):
            docs.save_to(doc.id, tmp_path / "out")
        assert [p.name for p in tmp_path.iterdir()] == ["box"]     # no partial file either
        with pytest.raises(DocumentDamaged):
            docs.copy_to(doc.id, io.BytesIO())
        with pytest.raises(DocumentDamaged), docs.open(doc.id) as stream:
            stream.read()


def test_no_add_counts_the_whole_free_space_map(tmp_path: Path) -> None:
    """Asking for room before each add used to count the whole map (quadratic imports)."""
    path = new_container(tmp_path / "box")
    counted: list[int] = []
    original = bytearray.count

    with Container.open(path, [DECOY]) as box:
        space = box.space

        class CountingMap(bytearray):
            def count(self, *args: object) -> int:  # type: ignore[override]
                counted.append(len(args))
                return original(self, *args)  # type: ignore[arg-type]

        space.map = CountingMap(space.map)
        folder = tmp_path / "folder"
        folder.mkdir()
        for number in range(50):
            (folder / f"{number}.txt").write_bytes(b"x" * number)
        box.newest.documents.import_folder(folder)
    # mark() counts only the slice it changes (three arguments); nothing counts the whole map.
    assert counted and all(n == 3 for n in counted)

"""One Argon2id run per unlock, and the second only when region A does not answer for region B
(docs/FORMAT.md §3): the copies of a slot at different generations, a damaged region A copy, an
overwritten region B salt, a region A record that carries a wrong key."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest

from papka.vault import Container, header
from papka.vault.storage import MemoryStorage
from tests.vault.faults import Crash, FaultyStorage
from tests.vault.helpers import DECOY, HIDDEN

SIZE = 16 * 1024 * 1024


def _container() -> MemoryStorage:
    rng = random.Random(11)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes)
    with Container.open_on(memory, [DECOY], random=rng.randbytes) as box:
        box.newest.documents.add(io.BytesIO(b"decoy paper"), title="cv")
        box.add_compartment(HIDDEN).documents.add(io.BytesIO(b"hidden paper"), title="case")
    return memory


def _open(data: bytearray, passphrase: str, kdf_runs: Counter[str],
          writable: bool = False) -> tuple[int, dict[int, list[str]], int]:
    """(KDF runs, titles per level, generation of the compartment the passphrase opened)."""
    kdf_runs.clear()
    storage = MemoryStorage(data)           # a copy; a writing session's result is copied back
    with Container.open_on(storage, [passphrase], writable=writable) as box:
        titles = {c.level: sorted(d.title for d in c.documents.list())
                  for c in box.compartments}
        result = kdf_runs["kdf"], titles, box.newest.generation
    data[:] = storage.data
    return result


def _slot(box: Container) -> int:
    return box.newest.slot


def test_a_commit_cut_between_the_two_slot_copies_opens_the_new_generation_with_one_run(
        kdf_runs: Counter[str]) -> None:
    memory = _container()
    storage = FaultyStorage(bytearray(memory.data))
    box = Container.open_on(storage, [HIDDEN])
    before = box.newest.generation
    slot_b = box.geometry.slot_offset(1, box.newest.slot)
    real_write = storage.write

    def stop_at_region_b(offset: int, data: bytes | bytearray | memoryview) -> None:
        if offset == slot_b:
            raise Crash()
        real_write(offset, data)
        storage.flush()

    storage.write = stop_at_region_b  # type: ignore[method-assign]
    with pytest.raises(Crash):
        box.newest.documents.add(io.BytesIO(b"new hidden paper"), title="summons")
    image = storage.durable
    count, titles, generation = _open(image, HIDDEN, kdf_runs)
    # Region A (generation g + 1) carries the key that opens region B's copy at g.
    assert (count, generation) == (1, before + 1)
    assert titles == {0: ["cv"], 1: ["case", "summons"]}
    # A writing session rewrites region B's copy; then both copies agree.
    assert _open(image, HIDDEN, kdf_runs, writable=True)[0] == 1
    assert _open(image, HIDDEN, kdf_runs)[0] == 1


def test_a_damaged_region_a_copy_costs_a_second_run_until_it_is_rewritten(
        kdf_runs: Counter[str]) -> None:
    memory = _container()
    with Container.open_on(MemoryStorage(bytearray(memory.data)), [DECOY],
                           writable=False) as box:
        at = box.geometry.slot_offset(0, _slot(box))
    data = bytearray(memory.data)
    data[at + 100] ^= 0x01
    assert _open(data, DECOY, kdf_runs)[:2] == (2, {0: ["cv"]})
    assert _open(data, HIDDEN, kdf_runs)[0] == 1         # another compartment's slot is untouched
    assert _open(data, DECOY, kdf_runs, writable=True)[0] == 2   # opens, repairs
    assert _open(data, DECOY, kdf_runs)[0] == 1


def test_an_overwritten_region_b_is_rebuilt_under_its_own_salt(kdf_runs: Counter[str]) -> None:
    memory = _container()
    data = bytearray(memory.data)
    data[SIZE - header.REGION_SIZE:] = random.Random(5).randbytes(header.REGION_SIZE)
    # Region A carries a key region B no longer answers to: the second run finds the new one.
    assert _open(data, DECOY, kdf_runs, writable=True)[0] == 2
    assert _open(data, DECOY, kdf_runs)[0] == 1
    # Region B now opens the decoy alone, under the key its own (new) salt gives.
    data[:header.REGION_SIZE] = bytes(header.REGION_SIZE)
    assert _open(data, DECOY, kdf_runs)[:2] == (2, {0: ["cv"]})


def test_a_region_a_record_carrying_a_wrong_key_costs_a_second_run_and_is_put_right(
        kdf_runs: Counter[str]) -> None:
    """Only someone with the passphrase can seal such a record; papka then uses region B's own
    key, and the next write carries the right one again."""
    memory = _container()
    data = bytearray(memory.data)
    with Container.open_on(MemoryStorage(bytearray(data)), [DECOY], writable=False) as box:
        compartment = box.newest
        slot, geometry = compartment.slot, box.geometry
        master_a = compartment.masters[0]
        at = geometry.slot_offset(0, slot)
        keys = header.SlotKeys.derive(master_a, 0, slot)
        record = header.open_slot(bytes(data[at:at + header.SLOT_SIZE]), keys, 0, slot)
        assert record is not None and record.region_b_master == compartment.masters[1]
        record.region_b_master = bytearray(32)
        data[at:at + header.SLOT_SIZE] = header.seal_slot(record, keys, 0, slot,
                                                          random.Random(2).randbytes)
    assert _open(data, DECOY, kdf_runs, writable=True)[:2] == (2, {0: ["cv"]})
    assert _open(data, DECOY, kdf_runs)[0] == 1

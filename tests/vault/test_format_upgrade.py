"""Containers made by papka 0.1.0 (format version 1, two KDF runs per unlock) still open, and the
first session that writes rewrites each open compartment's slots in the current format, crash-
safely (docs/FORMAT.md §3, "Format versions"). The old container is the known-answer file
vectors/container/v1-0.1.0.papka.gz, made by papka 0.1.0."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest

from papka.vault import Container, _crypto, header
from papka.vault.storage import MemoryStorage
from tests.vault import container_vectors as vectors
from tests.vault.faults import Crash, FaultyStorage, write_boundaries

OLD = "v1-0.1.0.papka.gz"
State = dict[int, dict[str, bytes]]


def _state(box: Container) -> State:
    return {c.level: {d.id: c.documents.read_bytes(d.id) for d in c.documents.list()}
            for c in box.compartments}


def _slot_versions(data: bytes | bytearray, passphrase: str) -> list[int]:
    """The format version of each region's copy of the slot the passphrase opens."""
    geometry = header.Geometry.for_size(len(data))
    versions = []
    for region in (0, 1):
        at = geometry.region_offset(region)
        master = _crypto.argon2id(_crypto.passphrase_bytes(passphrase),
                                  bytes(data[at:at + header.SALT_SIZE]),
                                  _crypto.kdf_parameters())
        for slot in range(header.SLOT_COUNT):
            raw = bytes(data[geometry.slot_offset(region, slot):][:header.SLOT_SIZE])
            for version in header.READABLE_VERSIONS:
                if header.open_slot(raw, header.SlotKeys.derive(master, region, slot, version),
                                    region, slot):
                    versions.append(version)
    return versions


def _opened(data: bytes | bytearray, passphrases: list[str], kdf_runs: Counter[str], *,
            writable: bool = False) -> tuple[State, int]:
    kdf_runs.clear()
    with Container.open_on(MemoryStorage(bytearray(data)), passphrases,
                           writable=writable) as box:
        runs = kdf_runs["kdf"]
        return _state(box), runs


def test_an_old_container_opens_read_only_with_two_kdf_runs_and_is_left_as_it_was(
        kdf_runs: Counter[str]) -> None:
    old = vectors.load(OLD)
    memory = MemoryStorage(bytearray(old))
    kdf_runs.clear()
    with Container.open_on(memory, [vectors.HIDDEN], writable=False) as box:
        assert kdf_runs["kdf"] == 2
        assert [c.level for c in box.compartments] == [0, 1]
        assert box.headers_needing_repair == 0      # an old slot is not damage
        assert box.check().ok
    assert memory.data == old
    assert _slot_versions(old, vectors.HIDDEN) == [1, 1]


def test_the_first_writing_session_upgrades_every_open_compartment(
        kdf_runs: Counter[str]) -> None:
    old = vectors.load(OLD)
    before, _ = _opened(old, [vectors.HIDDEN], kdf_runs)
    memory = MemoryStorage(bytearray(old))
    kdf_runs.clear()
    # Opening writable repairs, and the repair path rewrites old slots: no document changes.
    with Container.open_on(memory, [vectors.HIDDEN]) as box:
        assert box.headers_repaired == 0            # an upgrade is not counted as a repair
        assert _state(box) == before
    assert kdf_runs["kdf"] == 2
    for passphrase in (vectors.DECOY, vectors.HIDDEN):
        assert _slot_versions(memory.data, passphrase) == [2, 2]
    after, runs = _opened(memory.data, [vectors.HIDDEN], kdf_runs)
    assert (after, runs) == (before, 1)
    decoy, runs = _opened(memory.data, [vectors.DECOY], kdf_runs)
    assert (decoy, runs) == ({0: before[0]}, 1)


def test_a_decoy_only_session_upgrades_the_decoy_and_leaves_the_hidden_one_readable(
        kdf_runs: Counter[str]) -> None:
    old = vectors.load(OLD)
    before, _ = _opened(old, [vectors.HIDDEN], kdf_runs)
    memory = MemoryStorage(bytearray(old))
    with Container.open_on(memory, [vectors.DECOY]) as box:
        box.newest.documents.add(io.BytesIO(b"a new decoy paper"), title="Резюме")
    assert _slot_versions(memory.data, vectors.DECOY) == [2, 2]
    assert _slot_versions(memory.data, vectors.HIDDEN) == [1, 1]
    state, runs = _opened(memory.data, [vectors.HIDDEN], kdf_runs)
    assert runs == 2 and state[1] == before[1] and len(state[0]) == 2
    # The hidden compartment's own first writing session upgrades it.
    Container.open_on(memory, [vectors.HIDDEN]).close()
    assert _slot_versions(memory.data, vectors.HIDDEN) == [2, 2]
    assert _opened(memory.data, [vectors.HIDDEN], kdf_runs)[1] == 1


def test_an_upgrade_cut_anywhere_loses_nothing_and_finishes_at_the_next_write(
        kdf_runs: Counter[str]) -> None:
    old = vectors.load(OLD)
    expected, _ = _opened(old, [vectors.HIDDEN], kdf_runs)

    def upgrade(storage: FaultyStorage) -> Container:
        return Container.open_on(storage, [vectors.HIDDEN], repair=False,
                                 random=random.Random(1).randbytes)

    storage = FaultyStorage(bytearray(old))
    box = upgrade(storage)
    points = write_boundaries(storage, box.repair_headers)
    assert len(points) >= 8                 # catalog objects and four slot copies at least
    rng = random.Random(3)
    for budget in points:
        storage = FaultyStorage(bytearray(old))
        box = upgrade(storage)
        storage.budget = budget
        with pytest.raises(Crash):
            box.repair_headers()
        for _ in range(3):
            survivor = storage.survivor(rng).data
            assert _opened(survivor, [vectors.HIDDEN], kdf_runs)[0] == expected
            assert _opened(survivor, [vectors.DECOY], kdf_runs)[0] == {0: expected[0]}
            # The next writing session finishes the upgrade.
            finished = MemoryStorage(bytearray(survivor))
            Container.open_on(finished, [vectors.HIDDEN]).close()
            assert _slot_versions(finished.data, vectors.HIDDEN) == [2, 2]
            assert _opened(finished.data, [vectors.HIDDEN], kdf_runs) == (expected, 1)

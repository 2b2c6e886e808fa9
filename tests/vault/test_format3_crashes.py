"""Format 3 sessions cut at every write (threat model A6): a hidden add, a decoy-only session
and a repair, each with the end of the session (the decoy's commit, the plan's fill, shares
encrypted again in place). Every survivor opens under every passphrase with each compartment's
papers as they were before the session or after it, and reads every paper back."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest

from papka.vault import Container
from papka.vault.header import SECTOR
from papka.vault.storage import MemoryStorage
from tests.vault.faults import Crash, FaultyStorage, write_boundaries

SIZE = 16 * 1024 * 1024
DECOY, HIDDEN = "decoy words here", "hidden words there"
Papers = dict[int, list[bytes]]
#: Images kept per cut: each keeps a random subset of the unflushed writes, torn or whole, so a
#: window one write wide (freed sectors overwritten before the anchor that stops using
#: them is durable) is found with probability about one in six per image.
SURVIVORS = 10


def _base() -> MemoryStorage:
    rng = random.Random(7)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes, format_version=3)
    with Container.open_on(memory, [DECOY], random=rng.randbytes) as box:
        box.compartments[0].documents.add(io.BytesIO(b"decoy paper" * 500), title="cv")
        hidden = box.add_compartment(HIDDEN)
        hidden.documents.add(io.BytesIO(rng.randbytes(30_000)), title="case")
        hidden.documents.add(io.BytesIO(b"a short note"), title="note")
    return memory


def _papers(memory: MemoryStorage) -> Papers:
    with Container.open_on(MemoryStorage(bytearray(memory.data)), [HIDDEN],
                           writable=False) as box:
        return {c.level: sorted(c.documents.read_bytes(d.id) for d in c.documents.list())
                for c in box.compartments}


def _cut_everywhere(base: MemoryStorage, opener: str,
                    action: Callable[[Container], None], step: int = 1) -> int:
    """Cut the session (`action`, then closing) at every `step`-th write boundary and inside
    those writes; SURVIVORS images of each cut must hold, per compartment, the papers before
    or after."""
    before = _papers(base)
    after_image = MemoryStorage(bytearray(base.data))
    with Container.open_on(after_image, [opener], random=random.Random(1).randbytes) as box:
        action(box)
    after = _papers(after_image)

    def session(storage: FaultyStorage) -> None:
        box = Container.open_on(storage, [opener], random=random.Random(1).randbytes)
        try:
            action(box)
        finally:
            box.close()

    recorder = FaultyStorage(bytearray(base.data))
    points = write_boundaries(recorder, lambda: session(recorder))[::step]
    rng = random.Random(5)
    survivors = 0
    for budget in points:
        storage = FaultyStorage(bytearray(base.data))
        storage.budget = budget
        with pytest.raises(Crash):
            session(storage)
        for _ in range(SURVIVORS):
            image = storage.survivor(rng)
            papers = _papers(image)
            for level in (0, 1):
                assert papers[level] in (before[level], after[level]), (budget, level)
            with Container.open_on(MemoryStorage(bytearray(image.data)), [DECOY],
                                   writable=False) as decoy:
                assert [c.level for c in decoy.compartments] == [0]
            survivors += 1
    return survivors


@pytest.mark.slow
def test_a_hidden_add_cut_anywhere_keeps_both_compartments_whole() -> None:
    def add(box: Container) -> None:
        box.compartments[0].documents.add(io.BytesIO(b"decoy work" * 40_000), title="cv 2")
        box.newest.documents.add(io.BytesIO(b"the summons" * 700), title="summons")

    assert _cut_everywhere(_base(), HIDDEN, add) > 100


@pytest.mark.slow
def test_a_decoy_only_session_cut_anywhere_keeps_the_hidden_papers() -> None:
    def add(box: Container) -> None:
        box.compartments[0].documents.add(io.BytesIO(b"decoy work" * 40_000), title="cv 2")

    assert _cut_everywhere(_base(), DECOY, add) > 100


@pytest.mark.slow
def test_a_repair_cut_anywhere_leaves_the_hidden_papers_readable() -> None:
    base = _base()
    with Container.open_on(MemoryStorage(bytearray(base.data)), [HIDDEN]) as box:
        hidden = box.compartments[1]
        sectors = sorted({s for p in hidden.documents.objects() for s in hidden.store.sectors(p)})
    rng = random.Random(8)
    for sector in rng.sample(sectors, len(sectors) // 8):
        base.data[sector * SECTOR:(sector + 1) * SECTOR] = rng.randbytes(SECTOR)

    def repair(box: Container) -> None:
        box.repair_all = True
        box.compartments[0].documents.add(io.BytesIO(b"decoy work" * 900), title="cv 2")

    assert _cut_everywhere(base, HIDDEN, repair) > 100


@pytest.mark.slow
def test_an_upgrade_cut_anywhere_keeps_every_paper_in_one_format_or_the_other() -> None:
    rng = random.Random(9)
    base = MemoryStorage(bytearray(SIZE))
    Container.create_on(base, DECOY, random=rng.randbytes)
    with Container.open_on(base, [DECOY], random=rng.randbytes) as box:
        box.compartments[0].documents.add(io.BytesIO(b"decoy paper" * 500), title="cv")
        hidden = box.add_compartment(HIDDEN)
        hidden.documents.add(io.BytesIO(rng.randbytes(30_000)), title="case")
        hidden.documents.add(io.BytesIO(b"a short note"), title="note")

    def upgrade(box: Container) -> None:
        assert box.upgrade() == 2

    assert _cut_everywhere(base, HIDDEN, upgrade, step=2) > 100

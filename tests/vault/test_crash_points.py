"""Crash at every write of a passphrase change, a re-link and a compartment add (threat model A6):
every passphrase reaches what it reached before or after, never a broken link, and `check`
finds nothing damaged."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest

from papka.vault import Container
from papka.vault.storage import MemoryStorage
from tests.vault.faults import Crash, FaultyStorage, write_boundaries

SIZE = 16 * 1024 * 1024
DECOY, HIDDEN, NEW = "decoy words here", "hidden words there", "the new words now"
State = dict[int, dict[str, bytes]]


def _state(box: Container) -> State:
    return {c.level: {d.id: c.documents.read_bytes(d.id) for d in c.documents.list()}
            for c in box.compartments}


def _base() -> MemoryStorage:
    rng = random.Random(7)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes)
    with Container.open_on(memory, [DECOY], random=rng.randbytes) as box:
        box.add_compartment(HIDDEN)
        box.compartments[0].documents.add(io.BytesIO(b"decoy paper" * 500), title="cv")
        box.compartments[1].documents.add(io.BytesIO(b"hidden paper" * 900), title="case")
    return memory


def _write_boundaries(base: MemoryStorage, opener: list[str],
                      action: Callable[[Container], None]) -> list[int]:
    """The byte counts at which each write of `action` starts, and a point inside each."""
    storage = FaultyStorage(bytearray(base.data))
    box = Container.open_on(storage, opener, random=random.Random(1).randbytes)
    return write_boundaries(storage, lambda: action(box))


def _crash_everywhere(opener: list[str], action: Callable[[Container], None],
                      check: Callable[[MemoryStorage], None]) -> int:
    base = _base()
    points = _write_boundaries(base, opener, action)
    rng = random.Random(3)
    survivors = 0
    for budget in points:
        storage = FaultyStorage(bytearray(base.data))
        box = Container.open_on(storage, opener, random=rng.randbytes)
        storage.budget = budget
        with pytest.raises(Crash):
            action(box)
        for _ in range(3):
            check(storage.survivor(rng))
            survivors += 1
    return survivors


def _opens(image: MemoryStorage, passphrases: list[str]) -> Container | None:
    try:
        return Container.open_on(MemoryStorage(bytearray(image.data)), passphrases)
    except Exception:  # noqa: BLE001 - any failure to open is what the caller checks for
        return None


def test_a_passphrase_change_cut_anywhere_breaks_no_link() -> None:
    expected = _state(Container.open_on(MemoryStorage(bytearray(_base().data)), [HIDDEN]))

    def change(box: Container) -> None:
        box.change_passphrase(box.compartments[0], NEW)

    def check(image: MemoryStorage) -> None:
        hidden = _opens(image, [HIDDEN])
        assert hidden is not None and _state(hidden) == expected
        report = hidden.check()
        assert report.ok and report.unreachable_older == 0, report
        # Cut between the two slot copies, both passphrases open (each its own copy, of the same
        # documents); otherwise exactly one does.
        opened = [box for box in (_opens(image, [DECOY]), _opens(image, [NEW])) if box]
        assert opened, "no decoy passphrase opens the decoy"
        assert all(_state(box) == {0: expected[0]} for box in opened)

    assert _crash_everywhere([HIDDEN], change, check) >= 60


def test_a_compartment_add_cut_anywhere_harms_nothing() -> None:
    base = _base()
    expected = _state(Container.open_on(MemoryStorage(bytearray(base.data)), [HIDDEN]))

    def add(box: Container) -> None:
        box.add_compartment(NEW)

    def check(image: MemoryStorage) -> None:
        hidden = _opens(image, [HIDDEN])
        assert hidden is not None and _state(hidden) == expected
        assert hidden.check().ok
        new = _opens(image, [NEW])
        if new is not None:
            assert _state(new) == {0: expected[0], 1: expected[1], 2: {}} or \
                _state(new)[new.newest.level] == {}

    assert _crash_everywhere([HIDDEN], add, check) >= 20


def test_opening_both_after_a_decoy_only_passphrase_change_links_them_again() -> None:
    image = _base()
    with Container.open_on(image, [DECOY]) as decoy:
        decoy.change_passphrase(decoy.compartments[0], NEW)
    with Container.open_on(image, [HIDDEN], writable=False) as hidden:
        assert hidden.unreachable_older == 1 and len(hidden.compartments) == 1
    with Container.open_on(image, [NEW, HIDDEN]) as both:   # repairs on open: links again
        assert len(both.compartments) == 2
    with Container.open_on(image, [HIDDEN], writable=False) as hidden:
        assert hidden.unreachable_older == 0 and len(hidden.compartments) == 2


def test_a_damaged_decoy_index_does_not_stop_the_hidden_passphrase_given_with_it() -> None:
    from papka.vault.errors import ContainerDamaged
    from papka.vault.header import SECTOR

    image = _base()
    with Container.open_on(image, [DECOY], writable=False) as decoy:
        extents = decoy.compartments[0]._root_extents()
    for start, count in extents:
        image.data[start * SECTOR:(start + count) * SECTOR] = bytes(count * SECTOR)
    with pytest.raises(ContainerDamaged):
        Container.open_on(MemoryStorage(bytearray(image.data)), [DECOY])
    with Container.open_on(MemoryStorage(bytearray(image.data)), [DECOY, HIDDEN]) as both:
        assert [c.level for c in both.compartments] == [1]
        assert both.damaged_opened == 1 and not both.check().ok


def _packed_base() -> MemoryStorage:
    """A hidden compartment holding 30 small papers in one pack, beside the usual two."""
    memory = _base()
    rng = random.Random(11)
    with Container.open_on(memory, [HIDDEN], random=rng.randbytes) as box:
        docs = box.newest.documents
        with docs.batch():
            for number in range(30):
                docs.add(io.BytesIO(rng.randbytes(700 + 37 * number)), title=f"paper {number}")
        assert docs._packs
    return memory


def _cut_everywhere(base: MemoryStorage, action: Callable[[Container], None]) -> int:
    """Cut `action` (in a session opened with the hidden passphrase) at every write boundary
    and inside every write; every survivor must hold the state before or the state after."""
    before_box = Container.open_on(MemoryStorage(bytearray(base.data)), [HIDDEN])
    before = _state(before_box)
    after_image = MemoryStorage(bytearray(base.data))
    after_box = Container.open_on(after_image, [HIDDEN], random=random.Random(1).randbytes)
    action(after_box)
    after = _state(after_box)
    assert after != before
    points = _write_boundaries(base, [HIDDEN], action)
    rng = random.Random(5)
    survivors = 0
    for budget in points:
        storage = FaultyStorage(bytearray(base.data))
        # The same randomness as the recorded run: compressed pages are the same size then.
        box = Container.open_on(storage, [HIDDEN], random=random.Random(1).randbytes)
        storage.budget = budget
        with pytest.raises(Crash):
            action(box)
        for _ in range(3):
            reopened = Container.open_on(storage.survivor(rng), [HIDDEN])
            state = _state(reopened)
            # Ids are drawn at random, so an added paper is compared by its title and bytes.
            assert _by_content(state) in (_by_content(before), _by_content(after))
            assert reopened.check().ok
            survivors += 1
    return survivors


def _by_content(state: State) -> dict[int, list[bytes]]:
    return {level: sorted(docs.values()) for level, docs in state.items()}


@pytest.mark.slow
def test_many_small_papers_added_in_one_commit_cut_anywhere_are_all_there_or_none() -> None:
    def add_many(box: Container) -> None:
        rng = random.Random(9)
        docs = box.newest.documents
        with docs.batch():
            for number in range(40):
                docs.add(io.BytesIO(rng.randbytes(900 + number)), title=f"new {number}")

    assert _cut_everywhere(_packed_base(), add_many) > 20


@pytest.mark.slow
def test_removing_a_packed_paper_cut_anywhere_keeps_every_other_paper() -> None:
    """The removal rewrites the pack without the paper (copy-on-write): a crash anywhere leaves
    the old pack with every paper, or the new one without it."""
    def remove_one(box: Container) -> None:
        docs = box.newest.documents
        victim = sorted(d.id for d in docs.list() if d.title == "paper 7")[0]
        docs.remove(victim)

    assert _cut_everywhere(_packed_base(), remove_one) > 20

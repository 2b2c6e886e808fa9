"""Format 3 (docs/FORMAT.md §10) in the real container: anchors instead of slot writes, the
session's plan, coded hidden papers, their repair, and removal by key erasure."""

from __future__ import annotations

import io
import random

import pytest

from papka.vault import Container
from papka.vault.anchors import zone
from papka.vault.coded_store import CodedStore
from papka.vault.errors import NoCompartmentOpens
from papka.vault.header import REGION_SIZE, SECTOR, SLOT_COUNT, SLOT_SIZE, SLOTS_OFFSET
from papka.vault.objects import ObjectStore
from papka.vault.storage import MemoryStorage

MiB = 1024 * 1024
SIZE = 32 * MiB
DECOY, HIDDEN, NEW = "decoy words here", "hidden words there", "the new words now"


def _opened(memory: MemoryStorage, passphrase: str, seed: int) -> Container:
    return Container.open_on(memory, [passphrase], random=random.Random(seed).randbytes)


def _made(seed: int = 1, format_version: int = 3,
          hidden_sizes: tuple[int, ...] = (700, 9_000, 200_000, 1_100_000),
          ) -> tuple[MemoryStorage, dict[str, bytes], dict[str, bytes]]:
    """A container with a decoy and a hidden compartment, a few papers in each (hidden: a pack,
    one stripe, several)."""
    rng = random.Random(seed)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes, format_version=format_version)
    decoy_papers: dict[str, bytes] = {}
    hidden_papers: dict[str, bytes] = {}
    with _opened(memory, DECOY, seed + 1) as box:
        for size in (900, 40_000, 300_000):
            data = rng.randbytes(size)
            decoy_papers[box.newest.documents.add(io.BytesIO(data)).id] = data
        hidden = box.add_compartment(HIDDEN)
        for size in hidden_sizes:
            data = rng.randbytes(size)
            hidden_papers[hidden.documents.add(io.BytesIO(data)).id] = data
    return memory, decoy_papers, hidden_papers


def _contents(box: Container, level: int) -> dict[str, bytes]:
    documents = box.compartments[level].documents
    return {d.id: documents.read_bytes(d.id) for d in documents.list()}


def _changed(before: bytes, after: bytes) -> set[int]:
    return {s for s in range(len(before) // SECTOR)
            if before[s * SECTOR:(s + 1) * SECTOR] != after[s * SECTOR:(s + 1) * SECTOR]}


def test_a_format_3_container_keeps_both_compartments_papers() -> None:
    memory, decoy_papers, hidden_papers = _made()
    with _opened(memory, HIDDEN, 5) as box:
        assert box.format == 3 and [c.level for c in box.compartments] == [0, 1]
        assert [c.anchored for c in box.compartments] == [False, True]
        assert isinstance(box.compartments[0].store, ObjectStore)
        assert isinstance(box.compartments[1].store, CodedStore)
        assert _contents(box, 0) == decoy_papers and _contents(box, 1) == hidden_papers
        assert box.check().ok
    with _opened(memory, DECOY, 6) as box:
        assert [c.level for c in box.compartments] == [0]
        assert _contents(box, 0) == decoy_papers
    with pytest.raises(NoCompartmentOpens):
        _opened(memory, NEW, 7)


def _slots_changed(before: bytes, after: bytes) -> set[int]:
    changed = set()
    for region in (0, len(before) - REGION_SIZE):
        for slot in range(SLOT_COUNT):
            at = region + SLOTS_OFFSET + slot * SLOT_SIZE
            if before[at:at + SLOT_SIZE] != after[at:at + SLOT_SIZE]:
                changed.add(slot)
    return changed


def test_hidden_shares_live_in_the_zone_and_every_writing_session_changes_the_decoys_slot_only(
        ) -> None:
    memory, _, _ = _made()
    with _opened(memory, HIDDEN, 5) as box:
        start, end = zone(box.geometry)
        hidden = box.compartments[1]
        shares = [s for p in hidden.objects() for s in hidden.store.sectors(p)]
        assert shares and all(start <= s < end for s in shares)
        decoy_slot = box.compartments[0].slot
    for seed, passphrase in enumerate((DECOY, HIDDEN, HIDDEN, DECOY)):
        before = bytes(memory.data)
        with _opened(memory, passphrase, 20 + seed) as box:
            if seed != 2:                            # the third session: the hidden one only
                box.compartments[0].documents.add(io.BytesIO(b"more decoy papers" * 900))
            if passphrase == HIDDEN:
                box.newest.documents.add(io.BytesIO(b"a hidden note"))
        assert _slots_changed(before, bytes(memory.data)) == {decoy_slot}


def test_every_writing_session_commits_the_decoy_and_a_reading_one_writes_nothing() -> None:
    memory, decoy_papers, _ = _made()
    with _opened(memory, DECOY, 5) as box:
        generation = box.compartments[0].generation
    with _opened(memory, HIDDEN, 6) as box:               # only the hidden compartment writes
        box.newest.documents.add(io.BytesIO(b"hidden only" * 500))
    with _opened(memory, DECOY, 7) as box:
        assert box.compartments[0].generation == generation + 1
        assert _contents(box, 0) == decoy_papers
    image = bytes(memory.data)
    with _opened(memory, HIDDEN, 8) as box:
        _contents(box, 1)
    assert bytes(memory.data) == image


def test_a_decoy_only_session_changes_the_plan_and_the_decoy_and_nothing_else() -> None:
    memory, _, _ = _made()
    with _opened(memory, DECOY, 5) as box:
        decoy = box.compartments[0]
        owned_before = {s for a, n in [*decoy.documents.extents(), *decoy._root_extents()]
                        for s in range(a, a + n)}
    before = bytes(memory.data)
    with _opened(memory, DECOY, 6) as box:
        box.compartments[0].documents.add(io.BytesIO(random.Random(3).randbytes(2 * MiB)))
        cover = box.cover
    after = bytes(memory.data)
    with _opened(memory, DECOY, 7) as box:
        decoy = box.compartments[0]
        owned_after = {s for a, n in [*decoy.documents.extents(), *decoy._root_extents()]
                       for s in range(a, a + n)}
    data = {s for s in _changed(before, after)
            if box.geometry.first_data_sector <= s < box.geometry.end_data_sector}
    unexplained = data - owned_before - owned_after
    start, end = zone(box.geometry)
    assert unexplained and all(start <= s < end for s in unexplained)
    assert len(unexplained) == cover.planned     # the plan: runs and singles, all written
    assert cover.planned == round(0.1 * cover.decoy_written) + 4
    assert not box.cover_exceeded


def test_a_hidden_session_within_its_cover_changes_as_many_sectors_as_a_decoy_one() -> None:
    counts = {}
    for hidden_session in (False, True):
        memory, _, _ = _made(seed=9)
        before = bytes(memory.data)
        with _opened(memory, HIDDEN if hidden_session else DECOY, 30) as box:
            box.compartments[0].documents.add(io.BytesIO(random.Random(4).randbytes(4 * MiB)))
            if hidden_session:
                box.newest.documents.add(io.BytesIO(b"the summons, photographed" * 300))
        assert not box.cover_exceeded
        counts[hidden_session] = len(_changed(before, bytes(memory.data)))
    # The same decoy work draws a plan of the same size; only where its runs fall differs.
    assert abs(counts[True] - counts[False]) <= 16, counts


def test_hidden_writes_beyond_the_cover_are_reported() -> None:
    memory, _, _ = _made()
    with _opened(memory, HIDDEN, 5) as box:
        box.newest.documents.add(io.BytesIO(random.Random(5).randbytes(300_000)))
    assert box.cover_exceeded
    with _opened(memory, DECOY, 6) as box:
        box.compartments[0].documents.add(io.BytesIO(b"x" * 1000))
    assert not box.cover_exceeded


def _damage_hidden(memory: MemoryStorage, share: float, seed: int) -> int:
    """Overwrite `share` of the hidden compartment's data shares, as plans of decoy-only
    sessions do; returns how many."""
    with Container.open_on(MemoryStorage(bytearray(memory.data)), [HIDDEN]) as box:
        hidden = box.compartments[1]
        sectors = sorted({s for p in hidden.documents.objects() for s in hidden.store.sectors(p)})
    rng = random.Random(seed)
    hit = rng.sample(sectors, int(share * len(sectors)))
    for sector in hit:
        memory.data[sector * SECTOR:(sector + 1) * SECTOR] = rng.randbytes(SECTOR)
    return len(hit)


def test_lost_shares_are_read_around_and_written_again_in_a_covered_session() -> None:
    memory, decoy_papers, hidden_papers = _made()
    assert _damage_hidden(memory, 0.12, seed=2) > 20
    with _opened(memory, HIDDEN, 5) as box:
        assert _contents(box, 1) == hidden_papers      # parity reads around the damage
        lost = box.compartments[1].lost_shares()
        assert lost > 20
        # Enough decoy writing to cover the repair: nothing is visible.
        box.compartments[0].documents.add(io.BytesIO(random.Random(6).randbytes(12 * MiB)))
    assert box.repaired_shares >= lost and box.lost_shares == 0
    assert not box.cover_exceeded
    with _opened(memory, HIDDEN, 7) as box:
        assert _contents(box, 1) == hidden_papers
        assert box.compartments[1].lost_shares() == 0
        assert box.compartments[1].root.moved
        assert box.check().ok


def test_a_repair_the_cover_cannot_hide_waits_unless_everything_is_asked_for() -> None:
    memory, _, hidden_papers = _made()
    _damage_hidden(memory, 0.12, seed=3)
    with _opened(memory, HIDDEN, 5) as box:
        box.compartments[0].documents.add(io.BytesIO(b"a small decoy paper"))
    assert box.repaired_shares == 0 and box.lost_shares > 0 and not box.cover_exceeded
    with _opened(memory, HIDDEN, 6) as box:
        box.repair_all = True
        box.compartments[0].documents.add(io.BytesIO(b"another small decoy paper"))
    assert box.repaired_shares > 0 and box.lost_shares == 0 and box.cover_exceeded
    with _opened(memory, HIDDEN, 7) as box:
        assert _contents(box, 1) == hidden_papers
        assert box.compartments[1].lost_shares() == 0


def test_check_with_repair_rebuilds_every_lost_share_in_a_session_that_wrote_nothing_else(
        ) -> None:
    memory, _, hidden_papers = _made()
    _damage_hidden(memory, 0.12, seed=3)
    with _opened(memory, HIDDEN, 5) as box:
        box.check(repair=True)
        assert box.repair_all
    assert box.repaired_shares > 0 and box.lost_shares == 0 and box.cover_exceeded
    with _opened(memory, HIDDEN, 6) as box:
        assert _contents(box, 1) == hidden_papers
        assert box.compartments[1].lost_shares() == 0
    # With only the decoy open there is nothing to rebuild, and check --repair writes nothing
    # more than a header repair would.
    before = bytes(memory.data)
    with _opened(memory, DECOY, 7) as box:
        box.check(repair=True)
        assert not box.repair_all
    assert bytes(memory.data) == before


def test_the_end_of_a_session_reads_back_only_what_it_did_not_write() -> None:
    """Finding lost shares means reading every share of the hidden compartment when a session
    ends, but not those of papers the session wrote itself: nothing else wrote their sectors."""

    class Reads(MemoryStorage):
        sectors: set[int] = set()

        def read(self, offset: int, length: int) -> bytes:
            self.sectors.add(offset // SECTOR)
            return super().read(offset, length)

    memory, _, hidden_papers = _made()
    watched = Reads(memory.data)
    box = _opened(watched, HIDDEN, 5)
    hidden = box.compartments[1]
    before = {p.seed for p in hidden.objects()}
    added = hidden.documents.add(io.BytesIO(random.Random(5).randbytes(2 * MiB))).id
    new = set(hidden.store.sectors(dict(hidden.documents._pointers())[added]))
    old = {s for p in hidden.objects() if p.seed in before for s in hidden.store.sectors(p)}
    assert old and new
    watched.sectors = set()
    box.close()
    assert old <= watched.sectors                     # every older share was read back
    assert not new & watched.sectors


def test_a_long_session_of_small_commits_is_not_refused_while_the_zone_has_room() -> None:
    """Within a session the plan never draws a sector twice, so a session of many commits
    drew the whole zone and refused the next paper as "the container is full" while most of
    the zone was free: every commit frees the catalog objects the one before wrote. The
    sectors freed since are the room left then."""
    rng = random.Random(8)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes, format_version=3)
    with _opened(memory, DECOY, 2) as box:
        box.add_compartment(HIDDEN)
    papers: dict[str, bytes] = {}
    with _opened(memory, HIDDEN, 3) as box:
        hidden = box.compartments[1]
        for _ in range(120):
            data = rng.randbytes(2000)
            papers[hidden.documents.add(io.BytesIO(data)).id] = data
        start, end = zone(box.geometry)
        assert len(box.cover.plan.drawn) >= (end - start) * 9 // 10   # the zone was drawn
    assert box.cover_exceeded and box.lost_shares == 0
    with _opened(memory, HIDDEN, 4) as box:
        assert _contents(box, 1) == papers
        assert box.check().ok


def test_a_stripe_past_its_parity_reads_as_damaged_never_as_wrong_bytes() -> None:
    memory, _, hidden_papers = _made()
    big = max(hidden_papers, key=lambda d: len(hidden_papers[d]))
    with Container.open_on(MemoryStorage(bytearray(memory.data)), [HIDDEN]) as box:
        hidden = box.compartments[1]
        pointer = dict(hidden.documents._pointers())[big]
        sectors = hidden.store.sectors(pointer)
    for sector in sectors[:100]:                       # more than the first stripe's parity
        memory.data[sector * SECTOR:(sector + 1) * SECTOR] = bytes(SECTOR)
    with _opened(memory, HIDDEN, 5) as box:
        report = box.check()
        assert not report.ok and report.damaged == [(1, big)]
        for doc_id, data in hidden_papers.items():
            if doc_id != big:
                assert box.compartments[1].documents.read_bytes(doc_id) == data


def test_plan_sectors_holding_open_hidden_shares_are_encrypted_again_not_lost() -> None:
    """Sessions that open the hidden compartment draw plans over its shares as decoy-only
    sessions do; those sectors change, and the shares stay."""
    memory, _, hidden_papers = _made()
    for seed in range(12):
        with _opened(memory, HIDDEN, 40 + seed) as box:
            box.compartments[0].documents.add(io.BytesIO(random.Random(seed).randbytes(MiB)))
        assert box.lost_shares == 0
    with _opened(memory, HIDDEN, 99) as box:
        assert _contents(box, 1) == hidden_papers
        assert box.compartments[1].lost_shares() == 0


def test_removing_a_hidden_paper_leaves_its_sectors_and_erases_its_key() -> None:
    memory, _, hidden_papers = _made()
    gone = min(hidden_papers, key=lambda d: -len(hidden_papers[d]))
    with _opened(memory, HIDDEN, 5) as box:
        hidden = box.compartments[1]
        sectors = hidden.store.sectors(dict(hidden.documents._pointers())[gone])
        held = {s: bytes(memory.data[s * SECTOR:(s + 1) * SECTOR]) for s in sectors}
        hidden.documents.remove(gone)
    with _opened(memory, HIDDEN, 6) as box:
        assert gone not in _contents(box, 1)
        # Removal wrote nothing over the paper's shares outside the plan: most are as they were.
        kept = sum(bytes(memory.data[s * SECTOR:(s + 1) * SECTOR]) == held[s] for s in sectors)
        assert kept >= 0.8 * len(sectors)


def test_passphrases_of_a_format_3_container_change_and_link_as_before() -> None:
    memory, decoy_papers, hidden_papers = _made()
    with _opened(memory, HIDDEN, 5) as box:
        box.change_passphrase(box.compartments[0], NEW)
    with _opened(memory, NEW, 6) as box:
        assert _contents(box, 0) == decoy_papers
    with pytest.raises(NoCompartmentOpens):
        _opened(memory, DECOY, 7)
    with _opened(memory, HIDDEN, 8) as box:
        assert box.unreachable_older == 0 and _contents(box, 0) == decoy_papers
        box.change_passphrase(box.compartments[1], "hidden words changed")
    with _opened(memory, "hidden words changed", 9) as box:
        assert _contents(box, 1) == hidden_papers


def test_a_read_only_session_of_a_format_3_container_writes_nothing() -> None:
    memory, _, hidden_papers = _made()
    _damage_hidden(memory, 0.05, seed=4)
    image = bytes(memory.data)
    with Container.open_on(memory, [HIDDEN], writable=False) as box:
        assert _contents(box, 1) == hidden_papers
    assert bytes(memory.data) == image


def test_format_2_stays_the_default() -> None:
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY)
    with Container.open_on(memory, [DECOY]) as box:
        assert box.format == 2 and not box.compartments[0].anchored
        hidden = box.add_compartment(HIDDEN)
        assert isinstance(hidden.store, ObjectStore) and not hidden.anchored


def _format_2() -> tuple[MemoryStorage, dict[str, bytes], dict[str, bytes]]:
    """A format 2 container: two packs' worth of small papers, one chunk, several."""
    return _made(format_version=2, hidden_sizes=(700, 1_500, 9_000, 200_000, 1_100_000))


def test_a_format_2_container_upgraded_keeps_every_paper_and_writes_format_3() -> None:
    memory, decoy_papers, hidden_papers = _format_2()
    with _opened(memory, HIDDEN, 5) as box:
        hidden = box.compartments[1]
        old = {s for a, n in [*hidden.documents.extents(), *hidden._root_extents()]
               for s in range(a, a + n)}
        held = {s: bytes(memory.data[s * SECTOR:(s + 1) * SECTOR]) for s in old}
        assert box.upgrade() == 2 and box.upgrade() == 0
    # Once converted, upgrading again writes nothing at all, not even a session's plan.
    before = bytes(memory.data)
    with _opened(memory, HIDDEN, 9) as box:
        assert box.upgrade() == 0
    assert bytes(memory.data) == before
    with _opened(memory, HIDDEN, 6) as box:
        assert box.format == 3 and [c.anchored for c in box.compartments] == [False, True]
        assert isinstance(box.compartments[1].store, CodedStore)
        assert _contents(box, 0) == decoy_papers and _contents(box, 1) == hidden_papers
        assert box.check().ok
        # The format 2 objects were overwritten once the format 3 compartment was in place.
        hidden = box.compartments[1]
        now = {s for p in hidden.objects() for s in hidden.store.sectors(p)}
        assert not any(bytes(memory.data[s * SECTOR:(s + 1) * SECTOR]) == held[s]
                       for s in old - now)
    with _opened(memory, DECOY, 7) as box:               # a decoy-only session runs the plan
        assert box.format == 3
        box.compartments[0].documents.add(io.BytesIO(random.Random(7).randbytes(MiB)))
    assert box.cover is not None and box.cover.planned > 4
    with _opened(memory, HIDDEN, 8) as box:
        assert _contents(box, 1) == hidden_papers


def test_an_upgrade_refuses_when_a_compartment_did_not_open() -> None:
    from papka.vault.errors import InvalidInput

    memory, _, _ = _format_2()
    with _opened(memory, HIDDEN, 5) as box:
        box.compartments[0]._wipe()
        box._compartments.pop(0)                 # as if the decoy could not be reached
        with pytest.raises(InvalidInput):
            box.upgrade()


def test_a_repaired_object_freed_as_both_its_catalog_copies_frees_only_where_it_lies() -> None:
    """The root is one coded object standing for both catalog copies, so a commit frees it
    twice; once one of its shares was moved by a repair, the place it was moved from must not be
    freed: something else may use it by now (the decoy, whose paper overwrote it)."""
    memory, _, hidden_papers = _made()
    with _opened(memory, HIDDEN, 5) as box:
        hidden = box.compartments[1]
        lost = hidden.store.sectors(hidden._root_chains[0][-1])[0]
    memory.data[lost * SECTOR:(lost + 1) * SECTOR] = bytes(SECTOR)
    with _opened(memory, HIDDEN, 6) as box:
        hidden = box.compartments[1]
        assert hidden.lost_shares() == 1 and hidden.repair(None) == 1
        assert lost not in {s for s, _ in hidden._pending_free}
        assert _contents(box, 1) == hidden_papers


def test_an_upgrade_refuses_a_damaged_paper_and_leaves_the_container_as_it_was() -> None:
    from papka.vault.errors import ContainerDamaged

    memory, decoy_papers, hidden_papers = _format_2()
    big = max(hidden_papers, key=lambda d: len(hidden_papers[d]))
    with _opened(memory, HIDDEN, 5) as box:
        start, _count = dict(box.compartments[1].documents._pointers())[big].extents[0]
    memory.data[start * SECTOR:(start + 1) * SECTOR] = bytes(SECTOR)
    with _opened(memory, HIDDEN, 6) as box, pytest.raises(ContainerDamaged):
        box.upgrade()
    with _opened(memory, HIDDEN, 7) as box:
        assert box.format == 2 and not box.compartments[1].anchored
        assert _contents(box, 0) == decoy_papers
        documents = box.compartments[1].documents
        for doc_id, data in hidden_papers.items():
            if doc_id != big:
                assert documents.read_bytes(doc_id) == data
        assert box.check().damaged == [(1, big)]

"""Packs of small documents (docs/FORMAT.md §4 "Packs"): they read back, a removed member is
gone from the container after the next commit, one damaged sector loses only the members whose
bytes it held, and the catalog says format 2 only when it needs to."""

from __future__ import annotations

import io
import json
import os
import random
import zlib
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from papka.vault import Container, _crypto
from papka.vault.catalog import CatalogRoot
from papka.vault.errors import ContainerDamaged, DocumentDamaged
from papka.vault.header import SECTOR
from papka.vault.objects import TAG, Pointer, sectors_holding
from papka.vault.packs import (
    PACK_BYTES,
    PACK_LIMIT,
    PACK_REFILL,
    Packed,
    pack_from_json,
    pack_to_json,
)
from papka.vault.storage import MemoryStorage
from tests.vault.helpers import DECOY, MiB, add_bytes, new_container

SIZE = 16 * MiB


@pytest.fixture
def box(workdir: Path) -> Container:
    path = new_container(workdir / "box", size=SIZE)
    with Container.open(path, [DECOY]) as opened:
        yield opened


def add_small(box: Container, count: int, size: int = 1024,
              rng: random.Random | None = None) -> dict[str, bytes]:
    """`count` papers of `size` random bytes in one commit; id -> bytes."""
    rng = rng or random.Random(count)
    added = {}
    docs = box.newest.documents
    with docs.batch():
        for number in range(count):
            data = rng.randbytes(size)
            added[docs.add(io.BytesIO(data), title=f"справка {number}").id] = data
    return added


def place(box: Container, doc_id: str) -> Packed:
    content = box.newest.documents._content[doc_id]
    assert isinstance(content, Packed)
    return content


def test_small_documents_share_sectors_and_read_back_every_way(box: Container) -> None:
    added = add_small(box, 40)
    docs = box.newest.documents
    packs = docs._packs
    assert len(packs) == 1
    pack = next(iter(packs.values()))
    # 40 KiB of papers in 11 sectors (40 × 1024 bytes over 4,080-byte chunks), not 40.
    assert pack.sectors == -(-40 * 1024 // (SECTOR - TAG)) == 11
    assert all(count == 1 for _, count in pack.extents)
    for doc_id, data in added.items():
        assert place(box, doc_id).length == len(data)
        assert docs.read_bytes(doc_id) == data
        out = io.BytesIO()
        assert docs.copy_to(doc_id, out) == len(data) and out.getvalue() == data
        assert docs.verify(doc_id) == len(data)
    report = box.check()
    assert report.ok and report.documents_checked == 40 and report.bytes_checked == 40 * 1024


def test_only_small_contents_are_packed_and_larger_ones_keep_their_own_object(
        box: Container) -> None:
    at_limit = add_bytes(box, b"a" * PACK_LIMIT)
    above = add_bytes(box, b"b" * (PACK_LIMIT + 1))
    empty = add_bytes(box, b"")
    docs = box.newest.documents
    assert isinstance(docs._content[at_limit.id], Packed)
    assert isinstance(docs._content[empty.id], Packed)
    assert isinstance(docs._content[above.id], Pointer)
    assert docs.read_bytes(empty.id) == b"" and docs.read_bytes(above.id) == b"b" * 3073


def test_packed_documents_survive_reopening(workdir: Path) -> None:
    path = new_container(workdir / "reopen", size=SIZE)
    with Container.open(path, [DECOY]) as opened:
        added = add_small(opened, 25, size=2000)
    with Container.open(path, [DECOY]) as opened:
        docs = opened.newest.documents
        assert {d: docs.read_bytes(d) for d in added} == added
        assert opened.check().ok


def test_a_paper_added_in_an_open_batch_reads_before_the_commit_writes_its_pack(
        box: Container) -> None:
    docs = box.newest.documents
    with docs.batch():
        doc = add_bytes(box, b"written at the commit")
        assert docs.read_bytes(doc.id) == b"written at the commit"
        assert not docs._packs
    assert docs._packs and docs.read_bytes(doc.id) == b"written at the commit"


def test_a_batch_that_fails_leaves_no_pack_and_no_member(box: Container) -> None:
    docs = box.newest.documents
    generation = box.newest.generation
    with pytest.raises(RuntimeError), docs.batch():
        add_small(box, 5)
        raise RuntimeError("the keeper's script stopped")
    assert len(docs) == 0 and not docs._packs and not docs._unwritten
    assert box.newest.generation == generation


def test_packs_hold_at_most_their_share_and_a_member_never_spans_two(box: Container) -> None:
    added = add_small(box, 300, size=3000)            # 900,000 bytes: four packs
    docs = box.newest.documents
    assert len(docs._packs) == 4          # 87 papers of 3,000 bytes fit one pack
    for pointer in docs._packs.values():
        assert pointer.length <= PACK_BYTES
    for doc_id, data in added.items():
        member = place(box, doc_id)
        assert member.offset + member.length <= docs._packs[member.pack].length
        assert docs.read_bytes(doc_id) == data


def _sector_decrypts_as_chunk_of(image: bytes, data_key: bytes, pack: Pointer) -> list[int]:
    """Every sector of `image` that still opens as some chunk of `pack` (its key derived from
    the compartment's data key and the pack's seed, FORMAT.md §4), at any index."""
    key = _crypto.hkdf(bytearray(data_key), b"papka/v1/object", salt=pack.seed)
    cipher = AESGCM(bytes(key))
    sizes = {min(SECTOR - TAG, pack.length - i * (SECTOR - TAG)) for i in range(len(pack.extents))}
    found = []
    for sector in range(len(image) // SECTOR):
        raw = image[sector * SECTOR:(sector + 1) * SECTOR]
        for index in range(len(pack.extents)):
            aad = b"papka/v1/chunk" + index.to_bytes(8, "big") + sector.to_bytes(8, "big") + \
                (1).to_bytes(4, "big")
            for size in sizes:
                try:
                    cipher.decrypt(index.to_bytes(12, "big"), raw[:size + TAG], aad)
                except InvalidTag:
                    continue
                found.append(sector)
    return found


def test_a_removed_member_is_not_recoverable_with_the_data_key_after_the_next_commit(
        workdir: Path) -> None:
    memory = MemoryStorage(bytearray(SIZE))
    rng = random.Random(7)
    Container.create_on(memory, DECOY, random=rng.randbytes)
    box = Container.open_on(memory, [DECOY], random=rng.randbytes)
    added = add_small(box, 12, size=1500, rng=rng)
    victim = sorted(added)[5]
    secret = added[victim]
    docs = box.newest.documents
    old_pack = docs._packs[place(box, victim).pack]
    data_key = bytes(box.newest._data_key)
    assert _sector_decrypts_as_chunk_of(bytes(memory.data), data_key, old_pack)
    docs.remove(victim)
    # The commit that removed it wrote the survivors into a new pack and freed the old one,
    # which stays whole until the next commit (FORMAT.md §5) ...
    assert old_pack.seed not in {p.seed for p in docs._packs.values()}
    survivors = {d: b for d, b in added.items() if d != victim}
    assert {d: docs.read_bytes(d) for d in survivors} == survivors
    add_bytes(box, b"the next commit", title="next")
    image = bytes(memory.data)
    # ... and after the next commit no sector opens as a chunk of the old pack,
    assert _sector_decrypts_as_chunk_of(image, data_key, old_pack) == []
    # nor does any object the catalog still reaches hold the removed bytes.
    compartment = box.newest
    reachable = [compartment.store.read_bytes(p) for p in docs._packs.values()]
    reachable += [compartment.store.read_bytes(c) for copies in docs._page_pointers if copies
                  for c in copies]
    reachable += [compartment.store.read_bytes(p) for p in docs._search_pointers if p]
    reachable.append(compartment.root.dumps().encode())
    reachable = [zlib.decompress(r) if r[:1] == b"x" else r for r in reachable]
    assert reachable and not any(secret[:64] in r or secret[-64:] in r for r in reachable)
    assert all(docs.read_bytes(d) == b for d, b in survivors.items())
    box.close()


def test_removing_every_member_frees_the_pack(box: Container) -> None:
    added = add_small(box, 6)
    docs = box.newest.documents
    with docs.batch():
        for doc_id in added:
            docs.remove(doc_id)
    assert docs._packs == {} and box.newest.root.packs == {}


def test_one_damaged_sector_of_a_pack_loses_only_the_members_it_held(
        box: Container) -> None:
    added = add_small(box, 60, size=1024)
    docs = box.newest.documents
    pack = next(iter(docs._packs.values()))
    hit = pack.extents[3][0]
    box.storage.write(hit * SECTOR, os.urandom(SECTOR))
    held = {d for d in added
            if hit in {s for s, _ in sectors_holding(pack, place(box, d).offset, 1024)}}
    # A 4,080-byte chunk holds parts of at most five 1 KiB papers.
    assert 1 <= len(held) <= 5
    for doc_id, data in added.items():
        if doc_id in held:
            with pytest.raises(DocumentDamaged):
                docs.read_bytes(doc_id)
        else:
            assert docs.read_bytes(doc_id) == data
    report = box.check()
    assert not report.ok and {d for _, d in report.damaged} == held
    assert {d for d, p in docs._pointers() if hit in {s for s, _ in p.extents}} == held


def test_removing_a_member_beside_a_damaged_one_is_refused_and_changes_nothing(
        box: Container) -> None:
    added = add_small(box, 10, size=1024)
    docs = box.newest.documents
    pack = next(iter(docs._packs.values()))
    box.storage.write(pack.extents[0][0] * SECTOR, os.urandom(SECTOR))
    damaged = {d for _, d in box.check().damaged}
    intact = sorted(set(added) - damaged)
    generation = box.newest.generation
    with pytest.raises(ContainerDamaged):
        docs.remove(intact[0])
    assert box.newest.generation == generation and len(docs) == 10
    assert docs.read_bytes(intact[0]) == added[intact[0]]
    # Removing the damaged ones first (as the hint says) works, and keeps the rest.
    with docs.batch():
        for doc_id in damaged:
            docs.remove(doc_id)
    assert {d: docs.read_bytes(d) for d in intact} == {d: added[d] for d in intact}
    docs.remove(intact[0])
    assert box.check().ok


def test_the_catalog_says_format_2_only_once_it_holds_packs_or_compressed_pages(
        workdir: Path) -> None:
    path = new_container(workdir / "formats", size=SIZE)
    with Container.open(path, [DECOY]) as opened:
        add_bytes(opened, os.urandom(10_000), title="скан")
        assert opened.newest.root.format == 1 and opened.newest.root.packs is None
        add_bytes(opened, b"small note")
        assert opened.newest.root.format == 2 and opened.newest.root.packs
    with Container.open(path, [DECOY]) as opened:
        assert opened.newest.root.format == 2


def test_a_catalog_page_is_compressed_when_that_saves_a_sector(box: Container) -> None:
    add_small(box, 400, size=100)
    compartment = box.newest
    docs = compartment.documents
    stored = [compartment.store.read_bytes(c[0]) for c in docs._page_pointers if c]
    assert any(s[:1] == b"x" for s in stored)
    for raw in stored:
        text = zlib.decompress(raw) if raw[:1] == b"x" else raw
        assert isinstance(json.loads(text), list)


def test_a_catalog_of_a_newer_format_is_refused_as_damage() -> None:
    root = CatalogRoot.new(bytes(32), [])
    root.format = 3
    with pytest.raises(ValueError):
        CatalogRoot.loads(root.dumps())
    root.format = 2
    assert CatalogRoot.loads(root.dumps()).format == 2


@pytest.mark.parametrize("member", [{"p": "zz", "o": 0, "n": 1}, {"p": "0011aabb", "o": -1,
                                    "n": 1}, {"p": "0011aabb", "o": 0, "n": "1"}])
def test_a_malformed_member_place_is_refused(member: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Packed.from_json(member)


def test_papers_added_one_commit_at_a_time_share_sectors_too(box: Container) -> None:
    docs = box.newest.documents
    rng = random.Random(3)
    added = {add_bytes(box, data := rng.randbytes(1024)).id: data for _ in range(60)}
    # Each commit rewrites the smallest pack under PACK_REFILL with the new paper: 60 KiB end
    # up in two packs of at most 32 KiB and a bit, not in 60 sectors.
    assert len(docs._packs) == 2
    assert sum(p.sectors for p in docs._packs.values()) <= 17
    assert all(p.length <= PACK_REFILL + 1024 for p in docs._packs.values())
    assert {d: docs.read_bytes(d) for d in added} == added and box.check().ok


def test_a_damaged_pack_is_not_refilled_and_adding_still_works(box: Container) -> None:
    added = add_small(box, 3)
    docs = box.newest.documents
    (pack_id, pack), = docs._packs.items()
    box.storage.write(pack.extents[0][0] * SECTOR, os.urandom(SECTOR))
    new = add_bytes(box, b"a new small paper")
    assert pack_id in docs._packs and place(box, new.id).pack != pack_id
    assert docs.read_bytes(new.id) == b"a new small paper"
    assert {d for _, d in box.check().damaged} == set(added)


def test_the_root_lists_a_packs_sectors_as_runs_and_refuses_a_crafted_size() -> None:
    pointer = Pointer(bytes(32), 3 * 4080, ((100, 1), (101, 1), (205, 1)))
    listed = pack_to_json(pointer)
    assert listed["r"] == [[100, 2], [205, 1]]
    assert pack_from_json(listed) == pointer
    for runs in ([[0, 10**12]], [[0, 0]], [[-1, 1]], [[0, 1, 2]], "x"):
        with pytest.raises(ValueError):
            pack_from_json({**listed, "r": runs})


def test_a_large_batch_of_small_papers_writes_full_packs_before_its_commit(
        box: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory stays bounded: past the limit, full packs are written inside the transaction,
    and the whole batch is still one commit (or none, if it fails)."""
    from papka.vault import packs

    monkeypatch.setattr(packs, "UNWRITTEN_LIMIT", 20_000)
    monkeypatch.setattr("papka.vault.documents.UNWRITTEN_LIMIT", 20_000)
    monkeypatch.setattr("papka.vault.documents.PACK_BYTES", 8_000)
    docs = box.newest.documents
    generation = box.newest.generation
    with pytest.raises(RuntimeError), docs.batch():
        add_small(box, 40, size=1000)
        assert len(docs._unwritten) < 40 and docs._packs
        raise RuntimeError("stopped")
    assert len(docs) == 0 and not docs._packs and box.newest.generation == generation
    added = add_small(box, 40, size=1000)
    assert box.newest.generation == generation + 1
    assert all(p.length <= 8_000 for p in docs._packs.values()) and len(docs._packs) == 5
    assert {d: docs.read_bytes(d) for d in added} == added and box.check().ok


def test_removing_a_member_rewrites_its_pack_but_changes_no_other_record(
        box: Container) -> None:
    """The others keep their pack id and offsets (the removed bytes become zeros in the new
    pack), so a removal rewrites one catalog page, not one per member."""
    added = add_small(box, 12, size=1000)
    docs = box.newest.documents
    (pack_id, before), = docs._packs.items()
    places = {d: place(box, d) for d in added}
    victim = sorted(added, key=lambda d: places[d].offset)[4]
    written: list[int] = []
    real = docs._flush_pages

    def counting() -> None:
        written.append(len(docs._dirty))
        real()

    docs._flush_pages = counting  # type: ignore[method-assign]
    docs.remove(victim)
    after = docs._packs[pack_id]
    assert after.seed != before.seed and after.length == before.length
    assert {d: place(box, d) for d in added if d != victim} == \
        {d: p for d, p in places.items() if d != victim}
    assert written == [1]
    plain = box.newest.store.read_bytes(after)
    hole = places[victim]
    assert plain[hole.offset:hole.offset + hole.length] == bytes(hole.length)
    assert {d: docs.read_bytes(d) for d in added if d != victim} == \
        {d: b for d, b in added.items() if d != victim}


def test_a_pack_with_more_removed_than_kept_is_compacted(box: Container) -> None:
    added = add_small(box, 10, size=1000)
    docs = box.newest.documents
    order = sorted(added, key=lambda d: place(box, d).offset)
    with docs.batch():
        for doc_id in order[:6]:
            docs.remove(doc_id)
    (pack,) = docs._packs.values()
    assert pack.length == 4000
    assert sorted(place(box, d).offset for d in order[6:]) == [0, 1000, 2000, 3000]
    assert {d: docs.read_bytes(d) for d in order[6:]} == {d: added[d] for d in order[6:]}


def test_removing_the_last_members_cuts_the_pack_short(box: Container) -> None:
    added = add_small(box, 10, size=1000)
    docs = box.newest.documents
    order = sorted(added, key=lambda d: place(box, d).offset)
    with docs.batch():
        for doc_id in order[7:]:
            docs.remove(doc_id)
    (pack,) = docs._packs.values()
    assert pack.length == 7000 and {d: docs.read_bytes(d) for d in order[:7]} == \
        {d: added[d] for d in order[:7]}


def test_refilling_a_pack_appends_and_leaves_its_members_where_they_were(
        box: Container) -> None:
    first = add_bytes(box, b"first paper " * 50)
    before = place(box, first.id)
    second = add_bytes(box, b"second paper " * 50)
    assert place(box, first.id) == before
    assert place(box, second.id) == Packed(before.pack, before.length, len(b"second paper ") * 50)
    assert box.newest.documents.read_bytes(second.id) == b"second paper " * 50


def test_empty_papers_keep_their_pack_through_refills_and_removals(box: Container) -> None:
    empties = [add_bytes(box, b"").id for _ in range(3)]
    docs = box.newest.documents
    docs.remove(empties[0])
    assert [docs.read_bytes(d) for d in empties[1:]] == [b"", b""] and box.check().ok

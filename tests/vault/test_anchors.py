"""Anchors (papka.vault.anchors, docs/FORMAT.md §10): where they lie, what one sector holds,
that nothing but the compartment's own key and the sector it was written to opens one, and
that rewriting a set cut at any byte leaves the generation before or after."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import random

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from papka.vault import anchors
from papka.vault.anchors import ANCHOR_REPLICAS, ANCHOR_SETS, Anchor, AnchorKeys
from papka.vault.header import SECTOR, Geometry
from papka.vault.storage import MemoryStorage
from tests.vault.faults import Crash, FaultyStorage, write_boundaries
from tests.vault.test_deniability import chi_square

MiB = 1024 * 1024
GEOMETRY = Geometry(64 * MiB)
SMALL = Geometry(16 * MiB)
ROOT = b"\x00" + bytes(range(60))          # a root field's shape: kind byte and a pointer


def _keys(seed: int = 1) -> AnchorKeys:
    return AnchorKeys(random.Random(seed).randbytes(32))


def test_the_places_are_distinct_sectors_of_the_zone_fixed_by_the_key() -> None:
    keys = _keys()
    rows = anchors.places(keys, GEOMETRY)
    flat = [s for row in rows for s in row]
    start, end = anchors.zone(GEOMETRY)
    assert (start, end) == (GEOMETRY.first_data_sector
                            + 3 * (GEOMETRY.end_data_sector - GEOMETRY.first_data_sector) // 4,
                            GEOMETRY.end_data_sector)
    assert len(rows) == ANCHOR_SETS and all(len(row) == ANCHOR_REPLICAS for row in rows)
    assert len(set(flat)) == len(flat) and all(start <= s < end for s in flat)
    assert anchors.places(_keys(), GEOMETRY) == rows
    # Another compartment's places are others (they may meet by chance: 32 of 4,088 sectors).
    other = {s for row in anchors.places(_keys(2), GEOMETRY) for s in row}
    assert len(set(flat) & other) < 4


def test_a_zone_just_large_enough_takes_every_sector_once() -> None:
    # A zone of 32 sectors (the anchors' number): the data area of 128 sectors' quarter;
    # collisions move up and wrap.
    tiny = Geometry(2 * 65536 + 128 * SECTOR)
    flat = sorted(s for row in anchors.places(_keys(), tiny) for s in row)
    assert flat == list(range(*anchors.zone(tiny)))


def test_the_places_are_what_the_format_says() -> None:
    """Known answer: HMAC-SHA256 of (set, replica) under HKDF(data key, "papka/v3/anchor/place"),
    modulo the zone, from `cryptography` alone."""
    data_key = bytes(range(32))
    place_key = HKDF(hashes.SHA256(), 32, None, b"papka/v3/anchor/place").derive(data_key)
    start, end = anchors.zone(GEOMETRY)
    expected = [start + int.from_bytes(hmac.new(place_key, bytes([s, r]), hashlib.sha256)
                                       .digest()[:8], "big") % (end - start)
                for s in range(ANCHOR_SETS) for r in range(ANCHOR_REPLICAS)]
    got = [s for row in anchors.places(AnchorKeys(data_key), GEOMETRY) for s in row]
    assert got == expected            # no collision for this key
    assert got[:4] == [16141, 13215, 12504, 12543]


def test_a_sealed_anchor_decodes_as_the_format_says() -> None:
    data_key = bytes(range(32))
    rng = random.Random(9)
    sealed = anchors.seal(AnchorKeys(data_key), 15000, Anchor(7, 42, ROOT), rng.randbytes)
    assert len(sealed) == SECTOR
    seal_key = HKDF(hashes.SHA256(), 32, None, b"papka/v3/anchor/seal").derive(data_key)
    body = ChaCha20Poly1305(seal_key).decrypt(sealed[:12], sealed[12:],
                                              b"papka/v3/anchor" + (15000).to_bytes(8, "big"))
    assert body[0] == 3
    assert int.from_bytes(body[1:9], "big") == 7 and int.from_bytes(body[9:17], "big") == 42
    assert int.from_bytes(body[17:19], "big") == len(ROOT) and body[19:19 + len(ROOT)] == ROOT
    assert len(body) == SECTOR - 28


def test_only_the_key_and_the_sector_it_was_written_to_open_an_anchor() -> None:
    keys = _keys()
    rng = random.Random(3)
    sealed = anchors.seal(keys, 20000, Anchor(1, 2, ROOT), rng.randbytes)
    assert anchors.open_sealed(keys, 20000, sealed) == Anchor(1, 2, ROOT)
    assert anchors.open_sealed(_keys(2), 20000, sealed) is None       # another compartment
    assert anchors.open_sealed(keys, 20001, sealed) is None           # moved
    assert anchors.open_sealed(keys, 20000, rng.randbytes(SECTOR)) is None
    newer = anchors.seal(keys, 20000, Anchor(1, 3, ROOT), rng.randbytes)
    assert anchors.open_sealed(keys, 20000, newer[:2000] + sealed[2000:]) is None   # torn
    flipped = bytearray(sealed)
    flipped[100] ^= 1
    assert anchors.open_sealed(keys, 20000, bytes(flipped)) is None
    with pytest.raises(ValueError):
        anchors.seal(keys, 20000, Anchor(1, 2, bytes(anchors.MAX_ROOT_FIELD + 1)), rng.randbytes)


def test_sealed_anchors_look_random() -> None:
    keys = _keys()
    rng = random.Random(4)
    data = b"".join(anchors.seal(keys, 20000 + i, Anchor(i, i, ROOT), rng.randbytes)
                    for i in range(16))
    assert chi_square(data) < 380


def test_opening_tries_the_newest_session_and_generation_first() -> None:
    keys = _keys()
    memory = FaultyStorage.of_size(SMALL.size)
    rng = random.Random(5)
    for number, (session, generation) in [(1, (1, 1)), (1, (1, 2)), (5, (2, 3)), (2, (3, 4)),
                                          (2, (3, 5))]:
        anchors.write_set(memory, keys, SMALL, number, Anchor(session, generation, ROOT),
                          rng.randbytes)
    found = anchors.read_all(keys, SMALL, anchors.storage_reader(memory))
    # Set 1 holds session 1's last commit, set 5 session 2's, set 2 session 3's; the others
    # were never written and hold random bytes.
    assert [(f.anchor.order, f.set) for f in found] == [((3, 5), 2), ((2, 3), 5), ((1, 2), 1)]
    # A session that writes set 5 again replaces session 2's anchors.
    anchors.write_set(memory, keys, SMALL, 5, Anchor(4, 6, ROOT), rng.randbytes)
    assert [f.anchor.order for f in anchors.read_all(keys, SMALL,
                                                     anchors.storage_reader(memory))] == [
        (4, 6), (3, 5), (1, 2)]


def test_anchors_past_the_end_of_a_truncated_container_are_skipped() -> None:
    keys = _keys()
    memory = FaultyStorage.of_size(SMALL.size)
    rng = random.Random(12)
    for number in range(ANCHOR_SETS):
        anchors.write_set(memory, keys, SMALL, number, Anchor(number, number, ROOT),
                          rng.randbytes)
    memory.flush()
    end = max(s for row in anchors.places(keys, SMALL) for s in row)
    short = MemoryStorage(bytearray(memory.durable[:end * SECTOR]))
    # Only the last anchor sector is cut off: every set still has replicas to read.
    found = anchors.read_all(keys, SMALL, anchors.storage_reader(short))
    assert sorted(f.anchor.order for f in found) == [(n, n) for n in range(ANCHOR_SETS)]


def test_a_session_draws_its_set_among_those_not_holding_the_newest_anchor() -> None:
    rng = random.Random(11)
    drawn = [anchors.choose_set(rng.randbytes, 3) for _ in range(2000)]
    assert 3 not in drawn
    counts = [drawn.count(number) for number in range(ANCHOR_SETS) if number != 3]
    assert len(counts) == ANCHOR_SETS - 1 and min(counts) > 200      # about 286 each
    assert set(anchors.choose_set(rng.randbytes, None) for _ in range(500)) == set(
        range(ANCHOR_SETS))


@pytest.mark.parametrize("new", [(3, 6), (4, 6)], ids=["same session", "next session"])
def test_a_set_rewritten_and_cut_at_any_byte_opens_before_or_after(new: tuple[int, int]) -> None:
    """Every write boundary and a byte inside every write, three power-loss survivors each
    (which keep any subset of the unflushed writes, reordered and torn). The same session
    rewrites its own set; the next one writes another set (here one that an older session
    wrote, whose anchors it replaces)."""
    keys = _keys()
    base = FaultyStorage.of_size(SMALL.size, seed=6)
    rng = random.Random(6)
    for number, (session, generation) in [(0, (2, 4)), (1, (3, 5))]:
        anchors.write_set(base, keys, SMALL, number, Anchor(session, generation, ROOT),
                          rng.randbytes)
    base.flush()
    image = bytes(base.durable)
    target = 1 if new[0] == 3 else 0

    def rewrite(storage: FaultyStorage) -> None:
        anchors.write_set(storage, keys, SMALL, target, Anchor(*new, ROOT),
                          random.Random(7).randbytes)

    probe = FaultyStorage(bytearray(image))
    points = write_boundaries(probe, lambda: rewrite(probe))
    seen = set()
    for point in [*points, ANCHOR_REPLICAS * SECTOR]:
        for survivor_seed in range(3):
            storage = FaultyStorage(bytearray(image), budget=point)
            with contextlib.suppress(Crash):
                rewrite(storage)
            survivor = storage.survivor(random.Random(survivor_seed))
            found = anchors.read_all(keys, SMALL, anchors.storage_reader(survivor))
            assert found, point
            assert found[0].anchor.order in {(3, 5), new}, (point, found[0].anchor.order)
            seen.add(found[0].anchor.order)
    assert seen == {(3, 5), new}

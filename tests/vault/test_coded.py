"""Coded objects (papka.vault.coded, docs/FORMAT.md §10): read back whole after losing up to
the parity of every stripe, refused (never wrong bytes) beyond it, repaired with fresh nonces,
each share bound to its index and its sector; and the plan's sectors (papka.vault.churn)."""

from __future__ import annotations

import random
import statistics

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from papka.vault import churn, coded
from papka.vault.coded import SHARE_PAYLOAD, CodedPointer, StripeLost
from papka.vault.header import SECTOR
from papka.vault.storage import MemoryStorage
from tests.prove.test_two_images_design import _rank
from tests.vault.test_deniability import chi_square

KEY = bytes(range(32))


def _stored(length: int, seed: int = 1) -> tuple[MemoryStorage, CodedPointer, bytes]:
    rng = random.Random(seed)
    data = rng.randbytes(length)
    memory = MemoryStorage(bytearray(rng.randbytes(8 * 1024 * 1024)))
    sectors = rng.sample(range(16, 2000), coded.share_count(length))
    pointer = coded.write(memory, KEY, rng.randbytes(32), data, sectors, rng.randbytes)
    return memory, pointer, data


def test_the_parity_follows_the_damage_it_is_chosen_for() -> None:
    assert [coded.parity_shares(k) for k in (1, 2, 16, 32, 64, 128)] == [7, 8, 18, 26, 39, 63]
    assert coded.parity_shares(16, damage=0.3) > coded.parity_shares(16)
    # What the parity costs: under 2x from 32 data shares on, 1.49x for a full stripe.
    assert (128 + 63) / 128 < 1.5 and (32 + 26) / 32 < 2


@pytest.mark.parametrize("length", [0, 1, SHARE_PAYLOAD, SHARE_PAYLOAD + 1,
                                    128 * SHARE_PAYLOAD + 5])
def test_an_object_reads_back_whole(length: int) -> None:
    memory, pointer, data = _stored(length)
    assert coded.read(memory, KEY, pointer) == (data, [])
    assert [k for k, _ in coded.stripes(length)] == (
        [128, 1] if length > 128 * SHARE_PAYLOAD else [max(1, -(-length // SHARE_PAYLOAD))])
    assert CodedPointer.from_bytes(pointer.to_bytes()) == pointer


def test_losing_up_to_the_parity_of_each_stripe_loses_nothing() -> None:
    length = 128 * SHARE_PAYLOAD + 3 * SHARE_PAYLOAD
    memory, pointer, data = _stored(length, seed=2)
    rng = random.Random(3)
    lost: list[int] = []
    at = 0
    for k, m in coded.stripes(length):
        lost += rng.sample(range(at, at + k + m), m)           # as many as its parity
        at += k + m
    for index in lost:
        memory.write(pointer.sectors[index] * SECTOR, rng.randbytes(SECTOR))
    got, found_lost = coded.read(memory, KEY, pointer)
    assert got == data and sorted(found_lost) == sorted(lost)


def test_one_share_more_than_the_parity_is_refused_never_wrong_bytes() -> None:
    memory, pointer, _ = _stored(3 * SHARE_PAYLOAD, seed=4)
    k, m = coded.stripes(3 * SHARE_PAYLOAD)[0]
    for index in range(m + 1):
        memory.write(pointer.sectors[index] * SECTOR, bytes(SECTOR))
    with pytest.raises(StripeLost):
        coded.read(memory, KEY, pointer)


def test_a_share_moved_swapped_or_altered_counts_as_lost() -> None:
    memory, pointer, data = _stored(2 * SHARE_PAYLOAD, seed=5)
    a, b = pointer.sectors[0], pointer.sectors[1]
    first, second = memory.read(a * SECTOR, SECTOR), memory.read(b * SECTOR, SECTOR)
    memory.write(a * SECTOR, second)
    memory.write(b * SECTOR, first)                             # swapped
    altered = bytearray(memory.read(pointer.sectors[2] * SECTOR, SECTOR))
    altered[50] ^= 0x80
    memory.write(pointer.sectors[2] * SECTOR, bytes(altered))
    got, lost = coded.read(memory, KEY, pointer)
    assert got == data and sorted(lost) == [0, 1, 2]


def test_shares_past_the_end_of_a_truncated_container_count_as_lost() -> None:
    memory, pointer, data = _stored(2 * SHARE_PAYLOAD, seed=12)
    last = max(pointer.sectors)
    short = MemoryStorage(bytearray(memory.data[:last * SECTOR]))
    got, lost = coded.read(short, KEY, pointer)
    assert got == data and lost == [pointer.sectors.index(last)]


def test_a_share_decodes_as_the_format_says() -> None:
    """From `cryptography` alone, following §10: the object key, the nonce in the sector, the
    index and the sector in the associated data."""
    memory, pointer, data = _stored(10, seed=6)
    key = HKDF(hashes.SHA256(), 32, pointer.seed, b"papka/v3/coded").derive(KEY)
    sector = pointer.sectors[0]
    raw = memory.read(sector * SECTOR, SECTOR)
    share = AESGCM(key).decrypt(raw[:12], raw[12:], b"papka/v3/share" + (0).to_bytes(8, "big")
                                + sector.to_bytes(8, "big"))
    assert share == data + bytes(SHARE_PAYLOAD - 10)


def test_rebuilt_shares_read_back_under_fresh_nonces() -> None:
    memory, pointer, data = _stored(5 * SHARE_PAYLOAD, seed=7)
    rng = random.Random(8)
    before = {i: memory.read(s * SECTOR, SECTOR) for i, s in enumerate(pointer.sectors)}
    for index in (0, 3, 6):
        memory.write(pointer.sectors[index] * SECTOR, rng.randbytes(SECTOR))
    got, lost = coded.read(memory, KEY, pointer)
    assert lost == [0, 3, 6]
    fresh = rng.sample(range(2000, 2048), 3)
    repaired = coded.rebuild(memory, KEY, pointer, got, lost, fresh, rng.randbytes)
    assert coded.read(memory, KEY, repaired) == (data, [])
    for index, sector in zip(lost, fresh, strict=True):
        assert repaired.sectors[index] == sector
        assert memory.read(sector * SECTOR, 12) != before[index][:12]      # a new nonce


def test_coded_sectors_look_random_and_have_full_rank_among_other_changes() -> None:
    """Encrypted one by one after coding, a stripe's shares are no linear combination of each
    other: stacked with other changed sectors they have full rank over GF(2^8)."""
    memory, pointer, _ = _stored(8 * SHARE_PAYLOAD, seed=9)
    shares = [memory.read(s * SECTOR, SECTOR) for s in pointer.sectors]
    assert chi_square(b"".join(shares)) < 380
    noise = random.Random(10)
    others = [noise.randbytes(SECTOR) for _ in range(20)]
    assert _rank(others + shares) == len(others) + len(shares)


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError):
        coded.write(MemoryStorage(bytearray(1 << 20)), KEY, bytes(32), b"abc", [20, 21],
                    random.Random(0).randbytes)
    with pytest.raises(ValueError):
        CodedPointer.from_bytes(CodedPointer(bytes(32), 5, (1, 2)).to_bytes())


# --- the plan ----------------------------------------------------------------------------------


def _plan(seed: int, decoy: set[int]) -> churn.Plan:
    return churn.Plan(1000, 3000, decoy.__contains__, random.Random(seed).randbytes)


def test_the_plan_draws_exactly_its_size_outside_the_decoy_in_runs_of_at_most_16() -> None:
    decoy = set(range(1000, 1500)) | set(range(2000, 2100, 3))
    plan = _plan(1, decoy)
    plan.grow(300)
    singles = plan.draw_singles()
    drawn = [s for run in plan.runs for s in run]
    assert plan.size == len(drawn) == 300 and len(singles) == churn.SINGLES
    assert len(set(drawn + singles)) == 304
    assert not set(drawn + singles) & decoy
    assert all(1 <= len(run) <= churn.RUN_LONGEST for run in plan.runs)
    assert all(b == a + 1 for run in plan.runs for a, b in zip(run, run[1:], strict=False))
    assert sorted(plan.untaken()) == sorted(drawn + singles)


def test_the_plans_runs_start_uniformly_over_the_sectors_the_decoy_leaves() -> None:
    starts = []
    for seed in range(60):
        plan = _plan(seed, set(range(1000, 2000)))
        plan.grow(200)
        starts += [run[0] for run in plan.runs]
    assert all(2000 <= s < 3000 for s in starts)
    # Uniform over 2000 ... 2999: the mean within a few standard errors of 2499.5.
    assert abs(statistics.fmean(starts) - 2499.5) < 4 * 288.7 / len(starts) ** 0.5


def test_taking_spreads_shares_over_runs_and_grows_the_plan_only_when_needed() -> None:
    plan = _plan(2, set())
    plan.grow(64)
    plan.draw_singles()
    runs = len(plan.runs)
    first = plan.take(runs)
    assert len({next(i for i, run in enumerate(plan.runs) if s in run) for s in first}) == runs
    assert plan.grown == 0
    rest = plan.take(64 - runs)
    assert plan.grown == 0 and len(set(first + rest)) == 64
    more = plan.take(10)                                        # beyond the plan: it grows
    assert plan.grown >= 10 and len(more) == 10
    anchor = next(s for s in range(1000, 3000) if s not in plan.drawn)
    count = len(plan.singles)
    plan.replace_single(anchor)
    assert len(plan.singles) == count and anchor in plan.taken
    assert len(plan.untaken()) == plan.grown - 10 + churn.SINGLES - 1

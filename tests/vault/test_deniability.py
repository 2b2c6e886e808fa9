"""Deniability against one image (threat model A1): random-looking bytes, nothing the decoy
passphrase can use to tell whether a hidden compartment exists, equal unlock work."""

from __future__ import annotations

import contextlib
import gc
import io
import math
import os
import random
import zlib
from collections import Counter
from pathlib import Path

import pytest

from papka.vault import Container, _crypto, header
from papka.vault.errors import NoCompartmentOpens
from papka.vault.storage import MemoryStorage
from tests.vault.helpers import DECOY, HIDDEN, MiB, new_container

SIZE = 16 * MiB


def chi_square(data: bytes) -> float:
    counts = Counter(data)
    expected = len(data) / 256
    return sum((counts.get(b, 0) - expected) ** 2 / expected for b in range(256))


def assert_random_looking(data: bytes) -> None:
    # 255 degrees of freedom: random bytes exceed 380 with a chance of about 6 in 10 million
    # per block (330, the earlier limit, is exceeded once in a thousand blocks, so a suite of
    # dozens of blocks failed by chance now and then); anything that is not random
    # (plaintext, zeros, a pattern) scores in the thousands.
    for start in range(0, len(data), 4 * MiB):
        block = data[start:start + 4 * MiB]
        assert chi_square(block) < 380, f"byte frequencies at {start} are not uniform"
        assert len(zlib.compress(block[:MiB], 9)) > MiB, f"bytes at {start} compress"


def test_a_new_container_looks_random(workdir: Path) -> None:
    assert_random_looking(new_container(workdir / "box", size=SIZE).read_bytes())


def test_a_used_container_looks_random(workdir: Path) -> None:
    path = new_container(workdir / "box", size=SIZE)
    with Container.open(path, [DECOY]) as box:
        box.newest.documents.add(io.BytesIO(bytes(3 * MiB)), title="zeros")   # worst case
        box.newest.documents.add(io.BytesIO(b"A" * MiB), title="letters")
        box.add_compartment(HIDDEN).documents.add(io.BytesIO(bytes(2 * MiB)))
        doomed = box.newest.documents.add(io.BytesIO(bytes(MiB)))
        box.newest.documents.remove(doomed.id)
    assert_random_looking(path.read_bytes())


def _decoy_view(with_hidden: bool, seed: int) -> dict[str, object]:
    """Everything the decoy passphrase lets an examiner observe, after the same decoy work."""
    memory = MemoryStorage(bytearray(SIZE))
    rng = random.Random(seed)
    Container.create_on(memory, DECOY, random=rng.randbytes)
    box = Container.open_on(memory, [DECOY], random=rng.randbytes)
    if with_hidden:
        other = random.Random(seed + 1000)
        hidden = Container.open_on(memory, [DECOY], random=other.randbytes)
        hidden.add_compartment(HIDDEN)
        hidden.newest.documents.add(io.BytesIO(other.randbytes(MiB)))
        box = Container.open_on(memory, [DECOY], random=rng.randbytes)
    for i in range(5):
        box.newest.documents.add(io.BytesIO(b"decoy paper %d" % i * 1000), title=f"paper {i}")
    decoy = box.compartments
    view: dict[str, object] = {
        "compartments": [c.level for c in decoy],
        "decoy_sectors": sorted(e for c in decoy for e in c.documents.extents()),
        "unreachable": box.unreachable_older,
        "free_sectors": box.space.free_sectors(),
        "size": memory.size,
    }
    return view


def test_the_decoy_passphrase_sees_the_same_with_and_without_a_hidden_compartment() -> None:
    with_hidden = _decoy_view(True, seed=3)
    without = _decoy_view(False, seed=3)
    assert with_hidden == without


def test_unlock_work_is_the_same_for_every_right_and_every_wrong_passphrase(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One Argon2id run for a passphrase that opens a compartment, whichever it opens and
    however many exist; two for one that opens nothing; 64 slot trials for every passphrase
    (docs/FORMAT.md §3). Right and wrong differ, which tells only what the person typing sees."""
    calls: Counter[str] = Counter()
    real_argon2, real_open = _crypto.argon2id, header.open_slot
    from papka.vault import unlock as unlock_module

    def counting_argon2(*args: object) -> bytearray:
        calls["kdf"] += 1
        return real_argon2(*args)  # type: ignore[arg-type]

    def counting_open(*args: object) -> object:
        calls["slot"] += 1
        return real_open(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_crypto, "argon2id", counting_argon2)
    monkeypatch.setattr(unlock_module, "open_slot", counting_open)

    def work(memory: MemoryStorage, passphrase: str) -> tuple[int, int]:
        calls.clear()
        with contextlib.suppress(NoCompartmentOpens):
            Container.open_on(MemoryStorage(memory.data), [passphrase])
        return calls["kdf"], calls["slot"]

    one = MemoryStorage(bytearray(SIZE))
    Container.create_on(one, DECOY)
    many = MemoryStorage(bytearray(one.data))
    box = Container.open_on(many, [DECOY])
    for i in range(6):
        box.add_compartment(f"{HIDDEN} {i}")
    trials = 2 * 2 * header.SLOT_COUNT          # both regions, both readable slot versions
    assert {work(one, "wrong"), work(many, "wrong")} == {(2, trials)}
    assert {work(one, DECOY), work(many, DECOY)} == {(1, trials)}
    # Hidden compartment i then reaches the i + 1 older ones through stored keys: one slot in
    # each region under both versions, and no KDF run.
    for i in range(6):
        assert work(many, f"{HIDDEN} {i}") == (1, trials + 4 * (i + 1))


@pytest.mark.slow
def test_unlock_time_depends_only_on_whether_the_passphrase_opens(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Timed with a real memory-hard KDF (a lighter one than the format's, for the suite's
    sake); compared between cases, never against a fixed number. The clock is this process's
    CPU time (all its threads, Argon2's lanes included): it measures the work an unlock does,
    which must not differ between right passphrases (whichever compartment opens, however many
    exist) nor between wrong ones, and other processes on a busy machine do not disturb it."""
    import time

    monkeypatch.setattr(_crypto, "_weakened", _crypto.KdfParameters(32 * 1024, 2, 2))
    one = MemoryStorage(bytearray(SIZE))
    Container.create_on(one, DECOY)
    many = MemoryStorage(bytearray(one.data))
    box = Container.open_on(many, [DECOY])
    for i in range(6):
        box.add_compartment(f"{HIDDEN} {i}")
    cases = {"right/1": (one, DECOY), "wrong/1": (one, "wrong"), "right/7": (many, DECOY),
             "hidden/7": (many, f"{HIDDEN} 2"), "wrong/7": (many, "wrong")}
    times: dict[str, list[float]] = {k: [] for k in cases}
    order = list(cases)
    rng = random.Random(5)
    for _ in range(9):
        rng.shuffle(order)
        for name in order:
            memory, passphrase = cases[name]
            copy = MemoryStorage(memory.data)
            # The test process's own garbage collector (a large heap under pytest) must not be
            # timed: collect before, and keep it off while one unlock runs.
            gc.collect()
            gc.disable()
            try:
                start = time.process_time()
                with contextlib.suppress(NoCompartmentOpens):
                    Container.open_on(copy, [passphrase])
                times[name].append(time.process_time() - start)
            finally:
                gc.enable()
    # The cheapest of nine interleaved runs.
    fastest = {k: min(v) for k, v in times.items()}
    right = [fastest[k] for k in ("right/1", "right/7", "hidden/7")]
    wrong = [fastest[k] for k in ("wrong/1", "wrong/7")]
    assert max(right) / min(right) < 1.5, fastest
    assert max(wrong) / min(wrong) < 1.5, fastest
    # A wrong passphrase costs the second KDF run (what the person typing sees anyway).
    assert 1.5 < min(wrong) / max(right) < 2.5, fastest


def test_free_space_statistics_match_with_and_without_hidden_data(workdir: Path) -> None:
    """The bytes the decoy does not own look alike whether hidden data sits there or not."""
    def free_bytes(with_hidden: bool) -> bytes:
        memory = MemoryStorage(bytearray(os.urandom(SIZE)))
        Container.create_on(memory, DECOY)
        if with_hidden:
            box = Container.open_on(memory, [DECOY])
            box.add_compartment(HIDDEN).documents.add(io.BytesIO(bytes(4 * MiB)))
        box = Container.open_on(memory, [DECOY])
        free = bytearray()
        for sector, used in enumerate(box.space.map):
            if not used:
                free += memory.data[sector * 4096:(sector + 1) * 4096]
        return bytes(free)

    for data in (free_bytes(True), free_bytes(False)):
        assert_random_looking(data)
    assert math.isclose(len(free_bytes(True)), len(free_bytes(False)))

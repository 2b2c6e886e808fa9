"""Deniability experiments (threat model A1, A2).

One image: forty containers get the same kind of decoy work; half of them also hold a hidden
compartment. Everything an examiner who has the decoy passphrase can observe is measured (slot
bytes, free-space statistics, the decoy's allocation pattern, the space it sees as free, the
error for a wrong passphrase, file size, file times; unlock work is counted below, and unlock
time is compared in tests/vault/test_deniability.py, since a timing feature would make this
experiment's result change from run to run), and two simple
classifiers (nearest centroid, and a threshold on the single most telling feature), trained and
tested by leave-one-out, try to tell the two halves apart. They must do no better than chance;
the threshold classifier on a view that does include hidden data (a positive control) must
succeed, which shows the test could fail.

Two images: the same container imaged before and after a session. The experiment records which
sectors changed in a hidden-only session and in a decoy-only session, and what the decoy
passphrase explains of each. The result is stated in docs/security.md: two images DO reveal a
hidden-only session (see the last test).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import random
import statistics
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from papka.vault import Container, header
from papka.vault.errors import NoCompartmentOpens
from papka.vault.header import REGION_SIZE, SECTOR, SLOT_SIZE, SLOTS_OFFSET
from papka.vault.storage import FileStorage, MemoryStorage
from tests.prove.figures import report

MiB = 1024 * 1024
SIZE = 16 * MiB
DECOY = "берёза окно чайник полка"
HIDDEN = "сосна дверь кастрюля шкаф"
CONTAINERS = 40


def chi_square(data: bytes) -> float:
    counts = Counter(data)
    expected = len(data) / 256
    return sum((counts.get(b, 0) - expected) ** 2 / expected for b in range(256))


FIXED_NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def session(path: Path, passphrase: str, randomness: Callable[[int], bytes]) -> Container:
    """Container.open with a fixed clock, so that the experiment's figures never change."""
    return Container.open_on(FileStorage(path), [passphrase], random=randomness,
                             clock=lambda: FIXED_NOW)


def make(path: Path, with_hidden: bool, seed: int, format_version: int = 2) -> None:
    """The same decoy work for a given seed; with_hidden first adds a hidden compartment with
    papers. Everything is seeded, so the experiment gives the same figures on every run."""
    decoy_work = random.Random(seed)
    hidden_work = random.Random(seed + 1_000_000)
    fill = random.Random(2 * seed + with_hidden).randbytes      # each container its own
    Container.create(path, SIZE, DECOY, random=fill, format_version=format_version)
    # Format 3 keeps hidden papers in the last quarter, coded (docs/FORMAT.md §10): smaller
    # ones, so that they fit there.
    largest = 2 * MiB if format_version == 2 else MiB // 4
    if with_hidden:
        with session(path, DECOY, random.Random(-seed).randbytes) as box:
            hidden = box.add_compartment(HIDDEN)
            for _ in range(hidden_work.randrange(1, 5)):
                size = hidden_work.randrange(10_000, largest)
                hidden.documents.add(io.BytesIO(hidden_work.randbytes(size)))
    elif format_version == 3:
        # Format 3 commits the decoy in every writing session, the hidden compartment's too, so
        # the decoy's generation counts writing sessions (docs/FORMAT.md §10.5): the half
        # without a hidden compartment has a writing session at the same point, with no decoy
        # work in it either.
        with session(path, DECOY, random.Random(-seed).randbytes) as box:
            box.compartments[0].commit()
    # The decoy's session draws its own randomness (document ids, nonces) from a source the
    # pair shares, so that any difference in what it does could only come from hidden data.
    with session(path, DECOY, random.Random(seed + 5_000_000).randbytes) as box:
        for i in range(decoy_work.randrange(3, 8)):
            size = decoy_work.randrange(1000, MiB)
            box.newest.documents.add(io.BytesIO(decoy_work.randbytes(size)), title=f"paper {i}")
        if len(box.newest.documents) > 3:
            box.newest.documents.remove(box.newest.documents.list(query="paper 0")[0].id)


def observe(path: Path) -> tuple[list[float], dict[str, object]]:
    """What the decoy passphrase shows: numeric features, and facts that must be identical."""
    data = path.read_bytes()
    before = os.stat(path)
    with Container.open(path, [DECOY], random=random.Random(1).randbytes) as box:
        decoy = box.compartments[0]
        extents = sorted(decoy.documents.extents())
        owned = {s for start_, n in [*extents, *decoy._root_extents()]
                 for s in range(start_, start_ + n)}
        free = box.space.free_sectors()
        levels = [c.level for c in box.compartments]
        own_slot = decoy.slot
        unreachable = box.unreachable_older
    after = os.stat(path)
    other_slots = b"".join(
        data[r + SLOTS_OFFSET + i * SLOT_SIZE:r + SLOTS_OFFSET + (i + 1) * SLOT_SIZE]
        for r in (0, len(data) - REGION_SIZE) for i in range(header.SLOT_COUNT) if i != own_slot)
    not_owned = bytearray()
    upper = bytearray()              # the top quarter, where hidden data would sit
    for sector in range(REGION_SIZE // SECTOR, (len(data) - REGION_SIZE) // SECTOR):
        if sector not in owned:
            chunk = data[sector * SECTOR:(sector + 1) * SECTOR]
            not_owned += chunk
            if sector > 3 * len(data) // SECTOR // 4:
                upper += chunk
    try:
        Container.open(path, ["не та фраза"])
        wrong = "opened"
    except NoCompartmentOpens as error:
        wrong = str(error)
    # A writing decoy session (after the bytes above were taken): the file's times come back.
    before_writing = os.stat(path)
    with session(path, DECOY, random.Random(2).randbytes) as box:
        box.newest.documents.add_note("note", title="note")
    after_writing = os.stat(path)
    features = [
        chi_square(other_slots), statistics.fmean(other_slots),
        chi_square(bytes(not_owned[:4 * MiB])),
        len(zlib.compress(bytes(not_owned[:MiB]), 1)) / MiB,
        chi_square(bytes(upper)), statistics.fmean(upper),
        float(free), float(len(extents)), float(max((s + n for s, n in extents), default=0)),
    ]
    facts: dict[str, object] = {
        "levels": levels, "unreachable": unreachable, "size": len(data), "wrong": wrong,
        "times_restored": (before.st_mtime_ns, before.st_atime_ns) ==
                          (after.st_mtime_ns, after.st_atime_ns) and
                          (before_writing.st_mtime_ns, before_writing.st_atime_ns) ==
                          (after_writing.st_mtime_ns, after_writing.st_atime_ns),
    }
    return features, facts


def leave_one_out_accuracy(rows: list[list[float]], labels: list[bool]) -> float:
    """Nearest centroid on standardised features, each container classified by the others."""
    columns = list(zip(*rows, strict=False))
    means = [statistics.fmean(c) for c in columns]
    spreads = [statistics.pstdev(c) or 1.0 for c in columns]
    scaled = [[(v - m) / s for v, m, s in zip(row, means, spreads, strict=True)]
              for row in rows]
    right = 0
    for i, row in enumerate(scaled):
        centroids = {}
        for label in (False, True):
            group = [r for j, r in enumerate(scaled) if j != i and labels[j] == label]
            centroids[label] = [statistics.fmean(c) for c in zip(*group, strict=False)]
        guess = min(centroids, key=lambda k: math.dist(row, centroids[k]))
        right += guess == labels[i]
    return right / len(rows)


def _best_stump(rows: list[list[float]], labels: list[bool]) -> tuple[int, float, bool]:
    """The single feature and threshold that best split the training containers."""
    best = (0, 0.0, True)
    best_right = -1
    for column in range(len(rows[0])):
        values = sorted({row[column] for row in rows})
        cuts = [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)] or values
        for cut in cuts:
            for above_means_hidden in (True, False):
                right = sum((row[column] > cut) == (label == above_means_hidden)
                            for row, label in zip(rows, labels, strict=False))
                if right > best_right:
                    best, best_right = (column, cut, above_means_hidden), right
    return best


def leave_one_out_stump_accuracy(rows: list[list[float]], labels: list[bool]) -> float:
    """A threshold on the single most telling feature, each container judged by the others."""
    right = 0
    for i, row in enumerate(rows):
        column, cut, above = _best_stump(rows[:i] + rows[i + 1:], labels[:i] + labels[i + 1:])
        right += (row[column] > cut) == (labels[i] == above)
    return right / len(rows)


@pytest.mark.slow
@pytest.mark.parametrize("format_version", [2, 3])
def test_a_classifier_cannot_tell_containers_with_hidden_compartments(
        tmp_path: Path, format_version: int) -> None:
    rows: list[list[float]] = []
    control: list[list[float]] = []
    labels: list[bool] = []
    facts: list[dict[str, object]] = []
    for i in range(CONTAINERS):
        with_hidden = i % 2 == 1
        path = tmp_path / f"c{i}.papka"
        # Pairs share the recipe of decoy work.
        make(path, with_hidden, seed=i // 2, format_version=format_version)
        features, seen = observe(path)
        rows.append(features)
        facts.append(seen)
        labels.append(with_hidden)
        with Container.open(path, [HIDDEN] if with_hidden else [DECOY]) as box:
            # Positive control: the sectors only the hidden passphrase shows in use (the decoy's
            # free count minus the full one): the same classifier must find the hidden data.
            control.append([features[6] - float(box.space.free_sectors())])
        path.unlink()
    accuracy = leave_one_out_accuracy(rows, labels)
    stump = leave_one_out_stump_accuracy(rows, labels)
    control_accuracy = leave_one_out_stump_accuracy(control, labels)
    # Chance is 0.5; with 40 containers, 0.7 is about 2.5 standard deviations above it.
    report(tmp_path, f"deniability-format-{format_version}", {
                                     "containers": CONTAINERS, "features": len(rows[0]),
                                     "nearest_centroid_accuracy": accuracy,
                                     "threshold_accuracy": stump,
                                     "positive_control_accuracy": control_accuracy})
    assert all(f == facts[0] for f in facts), "an observable fact differs between containers"
    # The same decoy work gives the decoy the very same allocation, hidden data or not.
    for i in range(0, CONTAINERS, 2):
        assert rows[i][6:] == rows[i + 1][6:], "the decoy's layout depends on hidden data"
    assert facts[0]["times_restored"] is True
    assert accuracy <= 0.7, accuracy
    assert stump <= 0.7, stump
    assert control_accuracy >= 0.9, "the classifier cannot even see hidden data it is shown"


def changed_sectors(before: bytes, after: bytes) -> set[int]:
    return {s for s in range(len(before) // SECTOR)
            if before[s * SECTOR:(s + 1) * SECTOR] != after[s * SECTOR:(s + 1) * SECTOR]}


def _decoy_owned(memory: MemoryStorage) -> tuple[set[int], int]:
    box = Container.open_on(MemoryStorage(bytearray(memory.data)), [DECOY])
    decoy = box.compartments[0]
    owned = {s for start, n in [*decoy.documents.extents(), *decoy._root_extents()]
             for s in range(start, start + n)}
    return owned, decoy.slot


def test_two_images_reveal_a_hidden_only_session(tmp_path: Path) -> None:
    """Before/after images of one session, explained with the decoy passphrase only.

    A decoy-only session changes the header slots of the decoy and sectors the decoy owns (or
    owned and freed). A hidden-only session changes a slot the decoy does not own and sectors
    the decoy cannot account for, near the end of the container. papka does no background churn
    that would explain such changes, so an examiner with two images and the decoy passphrase
    can tell that another compartment was used. This is the limit stated in docs/security.md.
    """
    rng = random.Random(9)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes)
    box = Container.open_on(memory, [DECOY], random=rng.randbytes)
    box.newest.documents.add(io.BytesIO(rng.randbytes(300_000)), title="cv")
    box.add_compartment(HIDDEN).documents.add(io.BytesIO(rng.randbytes(500_000)))
    figures: dict[str, object] = {}

    def session(name: str, work: Callable[[], None]) -> tuple[set[int], set[int], int]:
        image = bytes(memory.data)
        owned_before, slot = _decoy_owned(memory)
        work()
        changed = changed_sectors(image, bytes(memory.data))
        owned_after, _ = _decoy_owned(memory)
        headers = {s for s in changed if s < REGION_SIZE // SECTOR or
                   s >= (SIZE - REGION_SIZE) // SECTOR}
        data = changed - headers
        unexplained = data - owned_before - owned_after
        decoy_slot_sectors = {(r + SLOTS_OFFSET + slot * SLOT_SIZE) // SECTOR
                              for r in (0, SIZE - REGION_SIZE)}
        foreign_headers = headers - decoy_slot_sectors
        figures[name] = {"changed_sectors": len(changed), "header_sectors": len(headers),
                         "data_sectors": len(data), "unexplained_by_decoy": len(unexplained),
                         "header_sectors_not_the_decoys_slot": len(foreign_headers),
                         "lowest_unexplained": min(unexplained, default=None)}
        return unexplained, foreign_headers, len(data)

    def decoy_work() -> None:
        with Container.open_on(memory, [DECOY], random=rng.randbytes) as opened:
            opened.newest.documents.add(io.BytesIO(rng.randbytes(200_000)), title="diploma")

    def hidden_work() -> None:
        with Container.open_on(memory, [HIDDEN], random=rng.randbytes) as opened:
            opened.newest.documents.add(io.BytesIO(rng.randbytes(200_000)), title="summons")

    decoy_unexplained, decoy_foreign, decoy_data = session("decoy_only_session", decoy_work)
    hidden_unexplained, hidden_foreign, hidden_data = session("hidden_only_session", hidden_work)
    report(tmp_path, "two-snapshots", figures)
    # What the decoy passphrase explains of a decoy-only session: everything.
    assert decoy_data > 0 and decoy_unexplained == set() and decoy_foreign == set()
    # A hidden-only session: changes the decoy cannot explain, in data and in the headers.
    assert hidden_data > 0 and hidden_unexplained and hidden_foreign
    assert min(hidden_unexplained) > (SIZE // SECTOR) // 2     # from the end downward


def test_unlock_work_is_counted_the_same_for_both_halves(kdf_runs: Counter[str],
                                                         tmp_path: Path) -> None:
    """Unlock work (KDF runs, slot trials) with the decoy passphrase, with and without hidden
    compartments: identical, so time differences cannot come from the work itself."""
    calls = kdf_runs
    seen = set()
    for with_hidden in (False, True):
        path = tmp_path / f"{with_hidden}.papka"
        make(path, with_hidden, seed=3)
        calls.clear()
        Container.open(path, [DECOY]).close()
        seen.add(calls["kdf"])
    assert seen == {1}

"""Format 3's design for two images (docs/FORMAT.md §10), measured on a model of the disk
(tests/prove/disk_model.py) before the format is written.

The model runs the sessions of tests/prove/test_two_images.py the way format 2 writes today
and the way format 3's design says, and the same examiner (two images and the decoy
passphrase, Barker et al.'s features, two classifiers, leave-one-out) judges both. It answers
the design's questions with numbers: does a session that also wrote hidden papers look like
a decoy-only one when its writes fit the session's churn, what happens when they do not, and
how much of the hidden papers decoy-only sessions destroy, and how much coding buys back.
It is a model: the real container's experiments (tests/prove/test_two_images.py) stay the
yardstick that format 3 itself must pass.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from papka.vault import erasure
from papka.vault.anchors import ANCHOR_SETS
from papka.vault.coded import parity_shares as parity_for
from papka.vault.header import SECTOR
from tests.prove.disk_model import SECTORS, ZONE, Disk, features
from tests.prove.figures import report
from tests.prove.test_deniability_experiments import (
    leave_one_out_accuracy,
    leave_one_out_stump_accuracy,
)

PAIRS = 200


def _pair(design: str, seed: int, hidden: bool, decoy_work: tuple[int, int],
          hidden_size: tuple[int, int]) -> list[float]:
    """A container used for a while, imaged around one more session; the decoy work of the
    session depends on the seed alone, so both halves do the same decoy work."""
    recipe = random.Random(seed)
    disk = Disk(design, random.Random(seed * 2 + hidden))
    for _ in range(recipe.randrange(3, 8)):
        disk.session(recipe.randrange(1, 400), None)
    for _ in range(recipe.randrange(1, 3)):
        disk.session(recipe.randrange(200, 400), [recipe.randrange(1, 24)])
    for _ in range(recipe.randrange(1, 4)):
        disk.session(recipe.randrange(1, 60), None)
    before = disk.snapshot()
    work = recipe.randrange(*decoy_work)
    size = recipe.randrange(*hidden_size)
    disk.cover_exceeded = False
    disk.session(work, [size] if hidden else None)
    row = features(before, disk.snapshot())
    return [*row, float(disk.cover_exceeded and hidden)]


def _judge(design: str, decoy_work: tuple[int, int],
           hidden_size: tuple[int, int]) -> tuple[float, float, int]:
    rows, labels = [], []
    for number in range(PAIRS):
        hidden = number % 2 == 1
        rows.append(_pair(design, 1000 * (number // 2), hidden, decoy_work, hidden_size))
        labels.append(hidden)
    exceeded = sum(int(row.pop()) for row in rows)
    return (leave_one_out_accuracy(rows, labels), leave_one_out_stump_accuracy(rows, labels),
            exceeded)


@pytest.mark.slow
def test_the_design_hides_a_hidden_session_whose_writes_fit_its_churn(tmp_path: Path) -> None:
    # A session that adds one or two sectors' worth of hidden papers (coded, with its catalog:
    # 18-21 sectors) beside 250-500 sectors of decoy papers: a churn of a tenth of the decoy's
    # writes covers it.
    today = _judge("today", (250, 500), (1, 3))
    fits = _judge("v3", (250, 500), (1, 3))
    # The same hidden papers with little decoy work, and larger ones: they do not fit.
    exceeds = _judge("v3", (0, 75), (1, 40))
    report(tmp_path, "two-images-design", {
        "image_pairs": PAIRS,
        "today_nearest_centroid": today[0], "today_threshold": today[1],
        "v3_fits_nearest_centroid": fits[0], "v3_fits_threshold": fits[1],
        "v3_fits_cover_exceeded": fits[2],
        "v3_exceeds_nearest_centroid": exceeds[0], "v3_exceeds_threshold": exceeds[1],
        "v3_exceeds_cover_exceeded": exceeds[2]})
    # The model's examiner sees today's format as the real one does (test_two_images.py).
    assert today[0] >= 0.95 and today[1] >= 0.95, today
    # Hidden work that fits the plan changes the same number of sectors, in runs drawn the
    # same way, with no slot changed: the classifiers do no better than chance (0.6 is about
    # two standard deviations above one half for 100 pairs).
    assert fits[2] == 0
    assert fits[0] <= 0.6 and fits[1] <= 0.6, fits
    # Hidden work larger than the plan is visible: the design must say so to the keeper.
    assert exceeds[2] == PAIRS // 2
    assert exceeds[0] >= 0.9 or exceeds[1] >= 0.9, exceeds


def _survival(seed: int, per_write: float, share: float, repair_every: int,
              floor: int = 0) -> tuple[int, int]:
    """Hidden papers readable after decoy-only sessions that wrote `share` of the decoy's free
    space (sessions of 32-512 KiB, as in test_two_images.py), the decoy holding 20-50 % of the
    container and the hidden compartment about 5 % before coding; with `repair_every`, the
    hidden compartment is opened (and repairs) after every so many decoy-only sessions."""
    recipe = random.Random(seed)
    disk = Disk("v3", random.Random(seed + 1), per_write=per_write, floor=floor)
    while len(disk.decoy) < recipe.uniform(0.2, 0.5) * SECTORS:
        disk.session(recipe.randrange(64, 512), None)
    while sum(d.data for d in disk.documents.values()) < 0.05 * SECTORS:
        disk.session(0, [recipe.randrange(1, 16) for _ in range(2)])
    target = share * (SECTORS - len(disk.decoy))
    written = sessions = 0
    while written < target:
        size = recipe.randrange(8, 128)
        disk.session(size, None)
        written += size
        sessions += 1
        if repair_every and sessions % repair_every == 0:
            disk.session(0, [])
    return sum(d.readable for d in disk.documents.values()), len(disk.documents)


@pytest.mark.slow
def test_what_decoy_only_sessions_cost_coded_hidden_papers(tmp_path: Path) -> None:
    containers = 3
    figures: dict[str, object] = {"containers_each": containers, "zone_sectors": SECTORS - ZONE,
                                  "coded_for_damage": Disk("v3", random.Random(0)).damage}
    results: dict[tuple[float, float, int], float] = {}
    for per_write in (0.1, 0.25):
        for share in (0.10, 0.25, 0.50):
            for repair_every in (0, 20):
                readable = total = 0
                for number in range(containers):
                    kept, held = _survival(97 * number + int(per_write * 100), per_write, share,
                                           repair_every)
                    readable += kept
                    total += held
                results[per_write, share, repair_every] = readable / total
                figures[f"cover_{per_write}_written_{int(share * 100)}_percent"
                        f"{f'_opened_every_{repair_every}' if repair_every else ''}"] = (
                    round(readable / total, 4))
    # A fixed plan per session instead (cover without decoy writes): 64 sectors a session.
    fixed = [_survival(97 * number + 64, 0.0, 0.50, 0, floor=64) for number in range(containers)]
    results[0.0, 0.50, 0] = sum(k for k, _ in fixed) / sum(t for _, t in fixed)
    figures["fixed_64_a_session_written_50_percent"] = round(results[0.0, 0.50, 0], 4)
    report(tmp_path, "two-images-design-survival", figures)
    # A churn of a tenth of the decoy's writes, shares coded for 20 % damage: decoy-only
    # sessions writing half the free space leave almost every hidden paper readable, and
    # every one when the hidden compartment is opened (and repairs) every 20 sessions.
    assert results[0.1, 0.50, 0] >= 0.99
    assert all(results[0.1, share, 20] >= 0.999 for share in (0.10, 0.25, 0.50))
    # More cover costs more damage: the trade-off docs/FORMAT.md §10 states.
    assert results[0.25, 0.50, 0] < results[0.1, 0.50, 0]
    for per_write in (0.1, 0.25):
        assert results[per_write, 0.10, 0] >= results[per_write, 0.50, 0]
    # A fixed plan overwrites in proportion to the number of sessions, not to what they wrote.
    assert results[0.0, 0.50, 0] < results[0.1, 0.50, 0]


def test_parity_follows_the_damage_it_is_chosen_for() -> None:
    assert parity_for(1, 0.2) >= 5          # a one-sector paper needs copies
    assert parity_for(64, 0.2) < 64         # a larger stripe costs less than a second copy
    assert parity_for(16, 0.30) > parity_for(16, 0.2)


def _rank(sectors: list[bytes]) -> int:
    """The rank of sectors as vectors over GF(2^8), by Gaussian elimination."""
    scale = [bytes(erasure.mul(c, b) for b in range(256)) for c in range(256)]
    rows = [bytearray(s) for s in sectors]
    rank = 0
    for column in range(len(rows[0])):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        head = bytes(rows[rank]).translate(scale[erasure.inverse(rows[rank][column])])
        rows[rank] = bytearray(head)
        for r in range(rank + 1, len(rows)):
            factor = rows[r][column]
            if factor:
                product = int.from_bytes(head.translate(scale[factor]), "big")
                rows[r] = bytearray((int.from_bytes(rows[r], "big") ^ product).to_bytes(
                    len(head), "big"))
        rank += 1
        if rank == len(rows):
            break
    return rank


def test_coded_ciphertext_is_seen_by_a_rank_test_encrypted_shares_are_not() -> None:
    """Why format 3 codes the plaintext and encrypts every share on its own (§10): parity
    computed over ciphertext sectors is a linear combination of other changed sectors, and an
    examiner who stacks a session's changed sectors as vectors over GF(2^8) finds the rank one
    short per parity share, without any key."""
    rng = random.Random(3)
    key = AESGCM(rng.randbytes(32))
    payloads = [rng.randbytes(SECTOR - 16) for _ in range(8)]
    sealed = [key.encrypt(i.to_bytes(12, "big"), p, None) for i, p in enumerate(payloads)]
    churn = [rng.randbytes(SECTOR) for _ in range(40)]      # the session's other changes
    coded_ciphertext = sealed + erasure.encode(sealed, 4)
    parity = erasure.encode(payloads, 4)
    encrypted_shares = sealed + [key.encrypt((8 + i).to_bytes(12, "big"), p, None)
                                 for i, p in enumerate(parity)]
    assert _rank(churn + coded_ciphertext) == len(churn) + 8          # 4 short: seen
    assert _rank(churn + encrypted_shares) == len(churn) + 12         # full: nothing to see


def _overlap(seed: int, hidden: bool, apart: int, rotation: bool) -> float:
    """Sectors the decoy does not explain that changed in both of two image pairs, taken
    around two sessions `apart` sessions from each other (the sessions in between not imaged);
    in one half every one of these sessions also wrote hidden papers."""
    recipe = random.Random(seed)
    disk = Disk("v3", random.Random(seed * 2 + hidden), anchor_rotation=rotation)
    for _ in range(recipe.randrange(3, 8)):
        disk.session(recipe.randrange(1, 400), None)
    disk.session(300, [recipe.randrange(1, 8)])
    changed = []
    for number in range(apart + 1):
        imaged = number in (0, apart)
        before = disk.snapshot()
        disk.session(recipe.randrange(250, 500), [1] if hidden else None)
        if imaged:
            after = disk.snapshot()
            changed.append({s for s in range(SECTORS) if before[0][s] != after[0][s]
                            and s not in before[2] | after[2]})
    return float(len(changed[0] & changed[1]))


@pytest.mark.slow
def test_images_around_two_sessions_of_a_compartment_show_its_reused_anchor_set(
        tmp_path: Path) -> None:
    """The limit §10.5 states first: every session of a compartment writes one of its anchor
    sets, whose places the key fixes, so pairs of images around two of its sessions share
    changed sectors that two independent plans rarely share. A set drawn at random among the
    7 not holding the newest anchor makes that rarer than writing set s mod 8 in session s."""
    figures: dict[str, object] = {"image_pair_pairs": 100, "anchor_sets": ANCHOR_SETS}
    accuracy: dict[tuple[str, int], float] = {}
    for mode, apart in (("rotation", ANCHOR_SETS), ("drawn", 1), ("drawn", 4),
                        ("drawn", ANCHOR_SETS)):
        rows, labels = [], []
        for number in range(100):
            hidden = number % 2 == 1
            rows.append([_overlap(100 * (number // 2) + apart, hidden, apart,
                                  rotation=mode == "rotation")])
            labels.append(hidden)
        accuracy[mode, apart] = leave_one_out_stump_accuracy(rows, labels)
        figures[f"{mode}_{apart}_apart_threshold"] = accuracy[mode, apart]
        for label, name in ((True, "hidden"), (False, "decoy_only")):
            figures[f"{mode}_{apart}_apart_{name}_overlap_mean"] = sum(
                r[0] for r, h in zip(rows, labels, strict=True) if h == label) / 50
    report(tmp_path, "two-images-design-anchor-reuse", figures)
    assert accuracy["rotation", ANCHOR_SETS] >= 0.9
    assert accuracy["drawn", 1] <= 0.65
    assert accuracy["drawn", ANCHOR_SETS] < accuracy["rotation", ANCHOR_SETS]

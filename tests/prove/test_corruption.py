"""Corruption at scale (threat model A6): damage is detected, confined and named.

Hundreds of random damages to one container holding a decoy and a hidden compartment: bit flips
anywhere, zeroed 4 KiB sectors, truncation, an overwritten first or last MiB. After each, the
container is opened with the hidden passphrase (which opens both) and every document is read and
compared with what was stored. The only acceptable outcomes are the right bytes or a PapkaError;
a document whose sectors the damage did not touch must read back unchanged; `check()` must name
exactly the documents that fail to read. A wrong byte returned without an error is a silent wrong
read, and there must be none.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from papka.errors import DamagedError, PapkaError
from papka.vault import Container
from papka.vault.header import REGION_SIZE, SECTOR
from papka.vault.storage import MemoryStorage
from tests.conftest import WEAK_PAPKA
from tests.prove.figures import report

MiB = 1024 * 1024
SIZE = 24 * MiB
DECOY = "decoy words for the officer"
HIDDEN = "hidden words for the real papers"


@dataclass
class Stored:
    """The clean image, what each document holds, and the sectors each one's bytes occupy."""

    image: bytes
    contents: dict[tuple[int, str], bytes]
    sectors: dict[tuple[int, str], set[int]]


def build(seed: int, format_version: int = 2) -> Stored:
    rng = random.Random(seed)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes, format_version=format_version)
    box = Container.open_on(memory, [DECOY], random=rng.randbytes)
    sizes = [0, 10, 4080, 4081, 70_000, 600_000, 1_500_000, 200]
    for size in sizes:
        box.compartments[0].documents.add(io.BytesIO(rng.randbytes(size)), title=f"decoy {size}")
    box.add_compartment(HIDDEN)
    for size in sizes:
        box.newest.documents.add(io.BytesIO(rng.randbytes(size)), title=f"hidden {size}")
    doomed = box.newest.documents.add(io.BytesIO(rng.randbytes(300_000)))
    box.newest.documents.remove(doomed.id)
    contents: dict[tuple[int, str], bytes] = {}
    sectors: dict[tuple[int, str], set[int]] = {}
    for compartment in box.compartments:
        for doc_id, pointer in compartment.documents._pointers():
            contents[(compartment.level, doc_id)] = compartment.documents.read_bytes(doc_id)
            sectors[(compartment.level, doc_id)] = {
                s for start, count in pointer.extents for s in range(start, start + count)}
    return Stored(bytes(memory.data), contents, sectors)


def damage(image: bytes, rng: random.Random) -> tuple[str, bytearray, set[int]]:
    """One random damage: its kind, the damaged image, and the sectors it touched."""
    data = bytearray(image)
    kind = rng.choice(["bit flips", "zeroed sectors", "truncation", "first MiB", "last MiB",
                       "random sector"])
    touched: set[int] = set()
    if kind == "bit flips":
        for _ in range(rng.choice([1, 1, 2, 8, 64])):
            at = rng.randrange(len(data))
            data[at] ^= 1 << rng.randrange(8)
            touched.add(at // SECTOR)
    elif kind in ("zeroed sectors", "random sector"):
        for _ in range(rng.choice([1, 1, 3, 16])):
            sector = rng.randrange(len(data) // SECTOR)
            fill = bytes(SECTOR) if kind == "zeroed sectors" else rng.randbytes(SECTOR)
            data[sector * SECTOR:(sector + 1) * SECTOR] = fill
            touched.add(sector)
    elif kind == "truncation":
        keep = rng.randrange(REGION_SIZE, len(data))
        touched = set(range(keep // SECTOR, len(data) // SECTOR))
        del data[keep:]
    else:
        start = 0 if kind == "first MiB" else len(data) - MiB
        data[start:start + MiB] = bytes(MiB) if rng.random() < 0.5 else rng.randbytes(MiB)
        touched = set(range(start // SECTOR, (start + MiB) // SECTOR))
    return kind, data, touched


@pytest.mark.slow
@pytest.mark.parametrize("format_version", [2, 3])
def test_random_damage_is_detected_confined_and_named_never_a_silent_wrong_read(
        tmp_path: Path, format_version: int) -> None:
    stored = build(seed=11, format_version=format_version)
    rng = random.Random(2026)
    figures: dict[str, object] = {}
    tried: dict[str, int] = {}
    silent_wrong_reads = unconfined = misreported = refused_to_open = truncations_refused = 0
    detected_documents = harmless = vanished_with_a_note = 0
    for _ in range(900):
        kind, data, touched = damage(stored.image, rng)
        tried[kind] = tried.get(kind, 0) + 1
        try:
            box = Container.open_on(MemoryStorage(data), [HIDDEN])
        except PapkaError:
            # With one header region intact the container must open. A truncation that cuts
            # into the last quarter of the data area can take both copies of the hidden
            # compartment's index with it (both live there, away from the decoy's growth):
            # then the hidden passphrase is refused, and the decoy must still open with its own
            # as long as the cut spares the decoy's second index copy (a quarter of the way in).
            # In format 3 the hidden compartment's shares and anchors lie all over the last
            # quarter: a cut that takes a tenth of it may take more shares of an index stripe
            # than its parity rebuilds.
            if kind == "truncation":
                truncations_refused += 1
                deepest = (len(stored.image) * 3 // 4 + MiB if format_version == 2
                           else len(stored.image) - len(stored.image) // 40)
                assert len(data) < deepest, "refused a shallow truncation"
                if len(data) > len(stored.image) // 4 + 2 * MiB:
                    Container.open_on(MemoryStorage(data), [DECOY]).close()
            else:
                refused_to_open += 1
            continue
        failed: set[tuple[int, str]] = set()
        for (level, doc_id), content in stored.contents.items():
            try:
                got = box.compartments[level].documents.read_bytes(doc_id)
            except PapkaError:
                failed.add((level, doc_id))
                if not stored.sectors[(level, doc_id)] & touched:
                    unconfined += 1
                continue
            if got != content:
                silent_wrong_reads += 1
        listed = {(c.level, d.id) for c in box.compartments for d in c.documents.list()}
        # A document missing from the listing vanished without a word, unless its compartment
        # said it opened an older generation (format 3: a truncation took anchors with it).
        told = {c.level for c in box.compartments if c.fell_back}
        vanished = set(stored.contents) - listed
        silent_wrong_reads += sum(level not in told for level, _ in vanished)
        vanished_with_a_note += len(vanished) - sum(level not in told for level, _ in vanished)
        failed -= {key for key in vanished if key[0] in told}
        check = box.check()
        if set(check.damaged) != failed or check.ok == bool(failed):
            misreported += 1
        detected_documents += len(failed)
        harmless += not failed
    figures = {"damages_tried": sum(tried.values()), "by_kind": tried,
               "silent_wrong_reads": silent_wrong_reads, "failed_to_open": refused_to_open,
               "truncations_that_refused_to_open": truncations_refused,
               "damage_outside_what_was_hit": unconfined, "check_misreported": misreported,
               "documents_detected_damaged": detected_documents,
               "documents_missing_from_an_older_generation_opened_with_a_note":
                   vanished_with_a_note,
               "damages_that_hit_no_document": harmless}
    report(tmp_path, f"corruption-format-{format_version}", figures)
    assert silent_wrong_reads == 0
    assert unconfined == 0
    assert misreported == 0
    assert refused_to_open == 0
    assert detected_documents > 100      # the damage really reached documents


@pytest.mark.parametrize("region", [0, 1])
def test_a_destroyed_header_region_is_rebuilt_from_the_other_and_then_stands_alone(
        region: int) -> None:
    stored = build(seed=12)
    data = bytearray(stored.image)
    lost = slice(0, MiB) if region == 0 else slice(len(data) - MiB, len(data))
    data[lost] = random.Random(region).randbytes(MiB)
    memory = MemoryStorage(data)
    with Container.open_on(memory, [HIDDEN]) as box:
        assert box.headers_repaired >= 1
        damaged = set(box.check().damaged)
    # The rebuilt region must now open everything alone: destroy the other one.
    other = slice(len(data) - REGION_SIZE, len(data)) if region == 0 else slice(0, REGION_SIZE)
    memory.data[other] = bytes(REGION_SIZE)
    with Container.open_on(memory, [HIDDEN]) as box:
        assert [c.level for c in box.compartments] == [0, 1]
        for (level, doc_id), content in stored.contents.items():
            if (level, doc_id) not in damaged:
                assert box.compartments[level].documents.read_bytes(doc_id) == content


def test_papka_check_names_the_damaged_documents_and_exits_2(tmp_path: Path) -> None:
    stored = build(seed=13)
    victims = sorted(key for key, sectors in stored.sectors.items() if len(sectors) > 10)[:2]
    data = bytearray(stored.image)
    for key in victims:
        sector = sorted(stored.sectors[key])[len(stored.sectors[key]) // 2]
        data[sector * SECTOR + 17] ^= 0x40
    path = tmp_path / "papers.papka"
    path.write_bytes(data)
    read_end, write_end = os.pipe()
    os.write(write_end, (HIDDEN + "\n").encode())
    os.close(write_end)
    result = subprocess.run([*WEAK_PAPKA, "-c", str(path),
                             "--passphrase-fd", str(read_end), "check"], pass_fds=(read_end,),
                            capture_output=True, text=True, env={**os.environ, "LANGUAGE": "en"})
    os.close(read_end)
    assert result.returncode == DamagedError.exit_code, result.stderr
    said = result.stdout + result.stderr
    for _, doc_id in victims:
        assert doc_id[:8] in said
    healthy = [doc_id for key, doc_id in [(k, k[1]) for k in stored.contents] if key not in victims]
    assert not any(doc_id[:8] in said for doc_id in healthy)


def test_a_container_truncated_below_16_mib_still_opens_read_only_from_region_a() -> None:
    stored = build(seed=14)
    decoy_docs = {k: v for k, v in stored.contents.items()
                  if k[0] == 0 and all(s * SECTOR < 12 * MiB for s in stored.sectors[k])}
    assert decoy_docs
    with Container.open_on(MemoryStorage(stored.image[:12 * MiB]), [DECOY]) as box:
        assert box.read_only
        for (level, doc_id), content in decoy_docs.items():
            assert box.compartments[level].documents.read_bytes(doc_id) == content


def test_a_container_truncated_by_3_mib_still_lists_the_hidden_compartment() -> None:
    stored = build(seed=14)
    keep = len(stored.image) - 3 * MiB
    with Container.open_on(MemoryStorage(stored.image[:keep]), [HIDDEN]) as box:
        assert box.read_only
        hidden = {d.id for d in box.compartments[1].documents.list()}
        assert hidden == {doc_id for level, doc_id in stored.contents if level == 1}

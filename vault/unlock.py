"""Opening slots: a passphrase's masters (one Argon2id run in the normal case), the slots they
open in both header regions, and the keys a newer compartment keeps for an older one
(docs/FORMAT.md §3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from papka.vault import _crypto
from papka.vault.header import (
    READABLE_VERSIONS,
    REGION_SIZE,
    SALT_SIZE,
    SLOT_COUNT,
    SLOT_SIZE,
    SLOTS_OFFSET,
    Geometry,
    SlotKeys,
    SlotRecord,
    open_slot,
)
from papka.vault.storage import Storage


@dataclass
class Unlocked:
    """What one passphrase (or stored keys) opened: a slot and its newest valid copies."""

    slot: int
    masters: tuple[bytearray, bytearray]
    records: dict[int, SlotRecord]          # region -> record, only the newest generation
    older: dict[int, SlotRecord] = field(default_factory=dict)   # the other copy, if older
    #: Region A's record carried a region B key that region B's own salt does not give: the
    #: next write must carry the right one (docs/FORMAT.md §3, step 4).
    rekeyed: bool = False

    @property
    def record(self) -> SlotRecord:
        return self.records[min(self.records)]

    def generations(self) -> list[dict[int, SlotRecord]]:
        """The valid slot copies grouped by generation, newest first."""
        return [self.records, self.older] if self.older else [self.records]


def master_deriver(storage: Storage, geometry: Geometry, passphrase: str,
                    work_factor: int) -> Callable[[int], bytearray]:
    """Region r's master for this passphrase: one Argon2id run over that region's salt."""
    params = _crypto.kdf_parameters(work_factor)
    secret = _crypto.passphrase_bytes(passphrase)
    return lambda region: _crypto.argon2id(
        secret, storage.read(geometry.region_offset(region), SALT_SIZE), params)


def derive_masters(storage: Storage, geometry: Geometry, passphrase: str,
                    work_factor: int) -> tuple[bytearray, bytearray]:
    """Both regions' masters (two runs): for a new compartment or passphrase, whose slots are
    written in both regions."""
    derive = master_deriver(storage, geometry, passphrase, work_factor)
    return derive(0), derive(1)


def read_slots(storage: Storage, geometry: Geometry) -> list[list[bytes]]:
    regions = [storage.read(geometry.region_offset(r), REGION_SIZE) for r in (0, 1)]
    return [[region[SLOTS_OFFSET + i * SLOT_SIZE:SLOTS_OFFSET + (i + 1) * SLOT_SIZE]
             for i in range(SLOT_COUNT)] for region in regions]


def try_region(raw: list[list[bytes]], region: int, master: bytearray, only: int | None,
                hits: dict[int, dict[int, SlotRecord]]) -> None:
    """Try every slot of one region under every readable format version: always all of them,
    so the work never depends on which slot opens or whether any does (`only` is for keys a
    compartment keeps, not passphrases, and tries that one slot)."""
    for slot in range(SLOT_COUNT) if only is None else (only,):
        for version in READABLE_VERSIONS:
            keys = SlotKeys.derive(master, region, slot, version)
            record = open_slot(raw[region][slot], keys, region, slot)
            keys.wipe()
            if record is not None:
                hits.setdefault(slot, {})[region] = record


def unlock(raw: list[list[bytes]], master_a: bytearray,
            region_b_master: Callable[[], bytearray], *, only: int | None = None,
            from_passphrase: bool = True) -> Unlocked | None:
    """Open a compartment's slot copies (docs/FORMAT.md §3): region A under `master_a`, region B
    under the key region A's record carries; `region_b_master` (for a passphrase, the second
    Argon2id run) only when region A carries none (it opened nothing, or a version 1 slot) or
    its key does not open region B. Returns the slot's newest valid copy; an older copy is
    stale (a commit was cut between writing the two copies) and is repaired on the next write."""
    hits: dict[int, dict[int, SlotRecord]] = {}
    rekeyed = False
    try_region(raw, 0, master_a, only, hits)
    carried = next((h[0].region_b_master for _, h in sorted(hits.items())
                    if h[0].region_b_master is not None), None)
    master_b = carried if carried is not None else region_b_master()
    try_region(raw, 1, master_b, only, hits)
    if carried is not None and all(1 not in h for h in hits.values()):
        # Region B's copy did not open under the carried key: torn, written under another
        # passphrase by a cut-short change, or region B was overwritten and has a new salt.
        # A passphrase's own key is what region B must be rewritten under to stand alone.
        own = region_b_master()
        if not _crypto.equal(bytes(own), bytes(carried)):
            try_region(raw, 1, own, only, hits)
            if from_passphrase or any(1 in h for h in hits.values()):
                master_b, rekeyed = own, True
    if not hits:
        return None
    slot = min(hits)            # a passphrase opens one slot: creation refuses duplicates
    newest = max(rec.generation for rec in hits[slot].values())
    return Unlocked(slot, (master_a, master_b),
                     {r: rec for r, rec in hits[slot].items() if rec.generation == newest},
                     {r: rec for r, rec in hits[slot].items() if rec.generation != newest},
                     rekeyed)


def unlock_stored(raw: list[list[bytes]], masters: tuple[bytearray, bytearray],
                   slot: int) -> Unlocked | None:
    """Open one slot with keys a compartment keeps (no KDF run)."""
    return unlock(raw, masters[0], lambda: masters[1], only=slot, from_passphrase=False)

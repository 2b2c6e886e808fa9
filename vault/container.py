"""The deniable container: compartments opened by passphrases, crash-safe commits.

Read docs/FORMAT.md for the layout and the security argument; this module implements it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import hashlib
import json
import os
import secrets
import shutil
import struct
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from papka import host
from papka.errors import EnvironmentProblem, UsageError
from papka.output_files import move_into_place, new_output_file, partial_path
from papka.vault import _crypto
from papka.vault.catalog import SECTIONS, CatalogRoot, KeyPair, Link
from papka.vault.errors import (
    ContainerDamaged,
    FileTooLarge,
    InvalidInput,
    NoCompartmentOpens,
    NotAContainer,
    NotEnoughSpace,
)
from papka.vault.header import (
    CHAIN_HEAD_MAX,
    FORMAT_VERSION,
    MAX_CONTAINER_SIZE,
    MIN_CONTAINER_SIZE,
    READABLE_VERSIONS,
    REGION_SIZE,
    SALT_SIZE,
    SECTOR,
    SLOT_COUNT,
    SLOT_SIZE,
    SLOTS_OFFSET,
    Geometry,
    SlotKeys,
    SlotRecord,
    open_slot,
    pack_roots,
    seal_slot,
    unpack_roots,
)
from papka.vault.objects import FREE, USED, ChunkDamaged, Extent, ObjectStore, Pointer, SpaceMap
from papka.vault.storage import FileStorage, Storage

Progress = Callable[[int, int], None]
_FILL_CHUNK = 8 * 1024 * 1024
_ROOT_DIRECT, _ROOT_INDIRECT = 0, 1


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass
class _Unlocked:
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


def _master_deriver(storage: Storage, geometry: Geometry, passphrase: str,
                    work_factor: int) -> Callable[[int], bytearray]:
    """Region r's master for this passphrase: one Argon2id run over that region's salt."""
    params = _crypto.kdf_parameters(work_factor)
    secret = _crypto.passphrase_bytes(passphrase)
    return lambda region: _crypto.argon2id(
        secret, storage.read(geometry.region_offset(region), SALT_SIZE), params)


def _derive_masters(storage: Storage, geometry: Geometry, passphrase: str,
                    work_factor: int) -> tuple[bytearray, bytearray]:
    """Both regions' masters (two runs): for a new compartment or passphrase, whose slots are
    written in both regions."""
    derive = _master_deriver(storage, geometry, passphrase, work_factor)
    return derive(0), derive(1)


def _read_slots(storage: Storage, geometry: Geometry) -> list[list[bytes]]:
    regions = [storage.read(geometry.region_offset(r), REGION_SIZE) for r in (0, 1)]
    return [[region[SLOTS_OFFSET + i * SLOT_SIZE:SLOTS_OFFSET + (i + 1) * SLOT_SIZE]
             for i in range(SLOT_COUNT)] for region in regions]


def _try_region(raw: list[list[bytes]], region: int, master: bytearray, only: int | None,
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


def _unlock(raw: list[list[bytes]], master_a: bytearray,
            region_b_master: Callable[[], bytearray], *, only: int | None = None,
            from_passphrase: bool = True) -> _Unlocked | None:
    """Open a compartment's slot copies (docs/FORMAT.md §3): region A under `master_a`, region B
    under the key region A's record carries; `region_b_master` (for a passphrase, the second
    Argon2id run) only when region A carries none (it opened nothing, or a version 1 slot) or
    its key does not open region B. Returns the slot's newest valid copy; an older copy is
    stale (a commit was cut between writing the two copies) and is repaired on the next write."""
    hits: dict[int, dict[int, SlotRecord]] = {}
    rekeyed = False
    _try_region(raw, 0, master_a, only, hits)
    carried = next((h[0].region_b_master for _, h in sorted(hits.items())
                    if h[0].region_b_master is not None), None)
    master_b = carried if carried is not None else region_b_master()
    _try_region(raw, 1, master_b, only, hits)
    if carried is not None and all(1 not in h for h in hits.values()):
        # Region B's copy did not open under the carried key: torn, written under another
        # passphrase by a cut-short change, or region B was overwritten and has a new salt.
        # A passphrase's own key is what region B must be rewritten under to stand alone.
        own = region_b_master()
        if not _crypto.equal(bytes(own), bytes(carried)):
            _try_region(raw, 1, own, only, hits)
            if from_passphrase or any(1 in h for h in hits.values()):
                master_b, rekeyed = own, True
    if not hits:
        return None
    slot = min(hits)            # a passphrase opens one slot: creation refuses duplicates
    newest = max(rec.generation for rec in hits[slot].values())
    return _Unlocked(slot, (master_a, master_b),
                     {r: rec for r, rec in hits[slot].items() if rec.generation == newest},
                     {r: rec for r, rec in hits[slot].items() if rec.generation != newest},
                     rekeyed)


def _unlock_stored(raw: list[list[bytes]], masters: tuple[bytearray, bytearray],
                   slot: int) -> _Unlocked | None:
    """Open one slot with keys a compartment keeps (no KDF run)."""
    return _unlock(raw, masters[0], lambda: masters[1], only=slot, from_passphrase=False)


@dataclass
class Usage:
    size: int
    used: int
    free: int
    decoy_share: float
    by_level: dict[int, int] = field(default_factory=dict)


@dataclass
class CheckReport:
    ok: bool
    damaged: list[tuple[int, str]]
    documents_checked: int
    bytes_checked: int
    headers_repaired: int
    unreachable_older: int
    #: Stale or damaged header and catalog copies left for `papka check --repair`.
    headers_needing_repair: int = 0
    #: Compartments a given passphrase opened whose index is damaged.
    damaged_opened: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "damaged": [{"level": lv, "id": d} for lv, d in self.damaged],
                "documents_checked": self.documents_checked, "bytes_checked": self.bytes_checked,
                "headers_repaired": self.headers_repaired,
                "unreachable_older": self.unreachable_older,
                "headers_needing_repair": self.headers_needing_repair,
                "damaged_opened": self.damaged_opened}


class Compartment:
    """One compartment of an open container: its catalog root and its documents."""

    def __init__(self, container: Container, unlocked: _Unlocked) -> None:
        self._container = container
        self.slot = unlocked.slot
        self.masters = unlocked.masters
        #: Sectors the last commit freed: kept intact until the next commit lands (or the
        #: session closes), so the previous generation stays readable (docs/FORMAT.md §5).
        self._pending_free: list[Extent] = []
        #: True when the newest generation did not load and an older one was opened.
        self.fell_back = False
        # Newest generation first; the other slot copy's older generation if that one fails,
        # as after a copy of the stick taken while a commit was being written.
        failure: ContainerDamaged | None = None
        for attempt, records in enumerate(unlocked.generations()):
            try:
                self._load_generation(records)
            except ContainerDamaged as error:
                failure = failure or error
                continue
            if attempt:
                self.fell_back = True
                self.needs_repair = True
            break
        else:
            raise failure or ContainerDamaged()
        self.needs_repair = self.needs_repair or unlocked.rekeyed
        container.space.mark(self._root_extents(), USED)
        try:
            container.space.mark(self.documents.extents(), USED)
        except (TypeError, ValueError, KeyError, IndexError):
            raise ContainerDamaged("A compartment's index is malformed.") from None

    def _load_generation(self, records: dict[int, SlotRecord]) -> None:
        from papka.vault.documents import DocumentStore

        container = self._container
        record = records[min(records)]
        self.generation = record.generation
        self.level = record.level
        #: Opened from a slot of an older format version: the next commit rewrites it.
        self.outdated = any(r.version < FORMAT_VERSION for r in records.values())
        self._data_key = record.data_key
        self._valid_regions = set(records)
        self.store = ObjectStore(container.storage, container.space, self._data_key,
                                 descending=self.level > 0, random=container.random,
                                 padding=container.padding,
                                 before_write=container._check_writable)
        # The slot points at both copies of the catalog (docs/FORMAT.md §6): use the first that
        # reads, and rewrite whatever did not.
        self._root_chains: dict[int, list[Pointer]] = {}
        root: CatalogRoot | None = None
        for copy, head in enumerate(unpack_roots(record.root)[:2]):
            try:
                chain = self._load_root_chain(head)
                loaded = CatalogRoot.loads(self.store.read_bytes(chain[-1]))
            except (ContainerDamaged, ChunkDamaged, ValueError):
                continue
            self._root_chains[copy] = chain
            root = root if root is not None else loaded
        if root is None:
            raise ContainerDamaged(
                "A compartment's index is damaged; its documents cannot be listed.",
                hint="Run `papka check`; restore the container from a copy if you have one.")
        self.needs_repair = set(self._root_chains) != {0, 1}
        self.root: CatalogRoot = root
        self._committed_root = root.dumps()
        self._written_root = self._committed_root
        self._committed_chains = dict(self._root_chains)
        self.documents = DocumentStore(self)

    # -- the root pointer in the slot ------------------------------------------------------------
    def _load_root_chain(self, raw: bytes) -> list[Pointer]:
        """The chain from the slot to the catalog: usually one pointer, more when fragmented."""
        chain: list[Pointer] = []
        try:
            while True:
                kind, pointer = raw[0], Pointer.from_bytes(raw[1:])
                chain.append(pointer)
                if kind == _ROOT_DIRECT:
                    return chain
                if kind != _ROOT_INDIRECT or len(chain) > 8:
                    raise ValueError
                raw = self.store.read_bytes(pointer)
        except (ChunkDamaged, ValueError, IndexError, struct.error):
            raise ContainerDamaged("A compartment's index pointer is damaged.") from None

    def _root_extents(self) -> list[Extent]:
        return [e for chain in self._root_chains.values() for p in chain for e in p.extents]

    def _write_root(self) -> bytes:
        """Write the catalog root twice, far apart; return the slot's root field, which points
        at both copies."""
        text = self.root.dumps()
        self._written_root = text           # what the commit keeps for a later rollback
        data = text.encode()
        raws: list[bytes] = []
        chains: dict[int, list[Pointer]] = {}
        for copy in (0, 1):
            pointer = self.store.write_bytes(data, copy)
            chain = [pointer]
            raw = bytes([_ROOT_DIRECT]) + pointer.to_bytes()
            while len(raw) > CHAIN_HEAD_MAX:
                pointer = self.store.write_bytes(raw, copy)
                chain.append(pointer)
                raw = bytes([_ROOT_INDIRECT]) + pointer.to_bytes()
            chain.reverse()
            chains[copy] = chain
            raws.append(raw)
        for old_chain in self._root_chains.values():
            for old in old_chain:
                self.store.free(old)
        self._root_chains = chains
        return pack_roots(raws)

    # -- keys a newer compartment keeps for this one -------------------------------------------
    def link(self) -> Link:
        return {"slot": self.slot, "a": self.masters[0].hex(), "b": self.masters[1].hex()}

    # -- what the compartment keeps for the layers above the store ----------------------------
    @property
    def identity_seed(self) -> bytes:
        """32 random bytes made with the compartment, which never leave it: the exchange layer
        makes the compartment's signing identity from them (docs/ARCHITECTURE.md)."""
        return self.root.identity_seed

    def section(self, name: str) -> dict[str, Any]:
        """A copy of a section the store keeps, encrypted in the catalog, for the layers above
        it (SECTIONS: the address book, export profiles); empty when never written."""
        if name not in SECTIONS:
            raise ValueError(f"no catalog section is called {name!r}")
        return json.loads(json.dumps(self.root.sections.get(name, {})))  # type: ignore[no-any-return]

    def set_section(self, name: str, value: Mapping[str, Any]) -> None:
        """Replace a section (plain JSON data); durable with the next commit."""
        if name not in SECTIONS:
            raise ValueError(f"no catalog section is called {name!r}")
        self.root.sections[name] = json.loads(json.dumps(dict(value)))

    # -- commits ---------------------------------------------------------------------------------
    def commit(self) -> None:
        """Make every change since the last commit durable, atomically (docs/FORMAT.md §5)."""
        container = self._container
        container._check_writable()
        try:
            self.documents._flush_pages()
            roots = self._write_root()
            container.storage.flush()
            self.generation += 1
            self._write_slots(roots)
        except BaseException:
            self.rollback()
            raise
        self._committed_root = self._written_root
        self._committed_chains = dict(self._root_chains)
        self.needs_repair = False
        self._finish_transaction()

    def _write_slots(self, roots: bytes) -> None:
        """Region A first, then region B, each flushed (docs/FORMAT.md §5)."""
        container = self._container
        for region in (0, 1):
            record = SlotRecord(self.generation, container.geometry.size, self.level,
                                self._data_key, roots,
                                self.masters[1] if region == 0 else None)
            keys = SlotKeys.derive(self.masters[region], region, self.slot)
            sealed = seal_slot(record, keys, region, self.slot, container.random)
            keys.wipe()
            container.storage.write(container.geometry.slot_offset(region, self.slot), sealed)
            container.storage.flush()
        self._valid_regions = {0, 1}
        self.outdated = False

    def _finish_transaction(self) -> None:
        """After a durable commit: the sectors the commit before it freed are overwritten with
        random and become free; the ones this commit freed wait for the next commit, so that a
        copy of the stick taken during that commit still finds this generation whole."""
        tx = self.store.tx
        self.release_pending()
        self._pending_free = list(tx.freed)
        tx.freed.clear()
        tx.allocated.clear()
        tx.cursors.clear()

    def release_pending(self) -> None:
        """Overwrite with random bytes the sectors that earlier commits freed, and free them."""
        if not self._pending_free:
            return
        container = self._container
        for start, count in self._pending_free:
            container.storage.write(start * SECTOR, container.padding(count * SECTOR))
        container.space.mark(self._pending_free, FREE)
        self._pending_free = []

    def rollback(self) -> None:
        """Forget every change since the last commit; nothing on disk refers to them."""
        tx = self.store.tx
        self._container.space.mark(tx.allocated, FREE)
        tx.allocated.clear()
        tx.freed.clear()
        tx.cursors.clear()
        self.root = CatalogRoot.loads(self._committed_root)
        self._root_chains = dict(self._committed_chains)
        self.documents._reload()

    def used_sectors(self) -> int:
        return sum(c for _, c in self._root_extents()) + sum(
            c for _, c in self.documents.extents())

    def repair_headers(self) -> bool:
        """Rewrite a slot copy or catalog copy that is missing, stale or damaged, from the good
        one, by committing: every copy is written afresh. A slot of an older format version is
        rewritten in the current one the same way, without counting as a repair."""
        damaged = self._valid_regions != {0, 1} or self.needs_repair
        if self._container.read_only or not (damaged or self.outdated):
            return False
        self.commit()
        return damaged

    def _wipe(self) -> None:
        _crypto.wipe(self._data_key)
        for master in self.masters:
            _crypto.wipe(master)


class Container:
    """An open container. Use as a context manager; closing wipes keys and releases the lock."""

    def __init__(self, storage: Storage, *, random: _crypto.RandomSource,
                 clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self.storage = storage
        self.random = random
        self.clock = clock
        self._keystream = _crypto.Keystream(random)
        self.padding = self._keystream.bytes
        self.geometry = Geometry.for_size(storage.size)
        self.space = SpaceMap(self.geometry)
        self._compartments: list[Compartment] = []
        self.unreachable_older = 0
        #: Compartments a given passphrase opened whose index is damaged (the others opened).
        self.damaged_opened = 0
        self.read_only = False
        self.headers_repaired = 0

    # -- creating ------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike[str], size: int, passphrase: str, *,
               work_factor: int = 1, progress: Progress | None = None,
               random: _crypto.RandomSource = secrets.token_bytes) -> None:
        """Create a container of `size` bytes at `path` (a new file, or a block device)."""
        target = Path(path)
        is_device = target.is_block_device()
        if size < MIN_CONTAINER_SIZE and not is_device:
            raise InvalidInput(f"A container must hold at least {MIN_CONTAINER_SIZE >> 20} MiB.")
        if target.exists() and not is_device:
            raise NotAContainer("A file already exists at this path; papka will not overwrite it.",
                                hint="Choose a new file name for the container.")
        if is_device:
            storage = FileStorage(target)
            try:
                cls.create_on(storage, passphrase, work_factor=work_factor, progress=progress,
                              random=random)
            finally:
                storage.close()
            return
        size -= size % SECTOR
        with contextlib.suppress(OSError):
            if shutil.disk_usage(target.parent).free < size:
                raise NotEnoughSpace()
        # Made under a partial name and renamed when whole: a failed or killed init leaves no
        # file under the name, and the next init removes what a killed one left.
        partial = partial_path(target)
        if partial.is_file() and not partial.is_symlink():
            partial.unlink()
        try:
            storage = FileStorage(partial, create_size=size)
        except NotAContainer:           # the partial name is taken by something else
            raise
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        try:
            cls.create_on(storage, passphrase, work_factor=work_factor, progress=progress,
                          random=random)
            storage.close()
            move_into_place(partial, target)
        except BaseException:
            storage.close()
            partial.unlink(missing_ok=True)
            raise

    @classmethod
    def create_on(cls, storage: Storage, passphrase: str, *, work_factor: int = 1,
                  progress: Progress | None = None,
                  random: _crypto.RandomSource = secrets.token_bytes) -> None:
        """Fill `storage` with random bytes and create the first compartment in it."""
        host.keep_out_of_crash_dumps()
        _check_passphrase(passphrase)
        if storage.size < MIN_CONTAINER_SIZE:
            raise InvalidInput(f"A container must hold at least {MIN_CONTAINER_SIZE >> 20} MiB.")
        container = cls(storage, random=random)
        geometry = container.geometry
        total = geometry.size
        # The two header regions first (their salts feed the KDF), then the KDF runs in a thread
        # while the rest is filled: the fill waits on the disk, the KDF on the processor.
        for region in (0, 1):
            storage.write(geometry.region_offset(region), container.padding(REGION_SIZE))
        masters: list[tuple[bytearray, bytearray]] = []
        kdf = threading.Thread(target=lambda: masters.append(
            _derive_masters(storage, geometry, passphrase, work_factor)))
        kdf.start()
        try:
            start, end = REGION_SIZE, total - REGION_SIZE
            for offset in range(start, end, _FILL_CHUNK):
                n = min(_FILL_CHUNK, end - offset)
                storage.write(offset, container.padding(n))
                if progress is not None:
                    progress(offset + n, total)
        finally:
            kdf.join()
        storage.flush()
        compartment = container._new_compartment(passphrase, work_factor, masters=masters[0])
        compartment._wipe()

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], passphrases: Sequence[str], *,
             work_factor: int = 1, writable: bool = True, repair: bool = True,
             random: _crypto.RandomSource = secrets.token_bytes) -> Container:
        """Open the container at `path`. `writable=False` opens it read-only and never writes;
        `repair=False` leaves stale or damaged header and catalog copies for
        `repair_headers()` (or the next commit) to rewrite."""
        storage = FileStorage(path, writable=writable)
        try:
            return cls.open_on(storage, passphrases, work_factor=work_factor, random=random,
                               writable=writable, repair=repair)
        except BaseException:
            storage.close()
            raise

    @classmethod
    def open_on(cls, storage: Storage, passphrases: Sequence[str], *, work_factor: int = 1,
                random: _crypto.RandomSource = secrets.token_bytes,
                clock: Callable[[], dt.datetime] | None = None,
                writable: bool = True, repair: bool = True) -> Container:
        """Open a container held by any Storage; `writable=False` never writes (no repairs)."""
        host.keep_out_of_crash_dumps()
        if not passphrases:
            raise UsageError("At least one passphrase is needed to open a container.")
        if storage.size < 2 * REGION_SIZE:
            raise NoCompartmentOpens()
        container = cls(storage, random=random, clock=clock or _utc_now)
        container.read_only = not writable
        raw = _read_slots(storage, container.geometry)
        found: list[_Unlocked] = []
        failed = False
        for passphrase in passphrases:
            # One Argon2id run when the passphrase opens a compartment, two when it opens
            # nothing, whatever the container holds; 64 slot trials (docs/FORMAT.md §3).
            derive = _master_deriver(storage, container.geometry, passphrase, work_factor)
            unlocked = _unlock(raw, derive(0), functools.partial(derive, 1))
            if unlocked is None:
                failed = True
            elif all(u.slot != unlocked.slot for u in found):
                found.append(unlocked)
        if failed:
            raise NoCompartmentOpens()
        container._load(found, raw)
        if repair:
            container.repair_headers()
        return container

    def repair_headers(self) -> int:
        """Rewrite every slot or catalog copy of the open compartments that is missing, stale or
        damaged, from the good one (one commit per compartment that needs it). Returns how many
        compartments were repaired; a read-only session repairs nothing."""
        if self.read_only:
            return 0
        repaired = sum(c.repair_headers() for c in self._compartments)
        self.headers_repaired += repaired
        return repaired

    @property
    def fell_back(self) -> int:
        """How many open compartments opened at their previous generation, the newest being
        unreadable (a copy taken mid-commit, or damage): changes of their last commit are
        missing from this session."""
        return sum(c.fell_back for c in self._compartments)

    @property
    def headers_needing_repair(self) -> int:
        """How many open compartments have a slot or catalog copy that a repair would rewrite."""
        return sum(c.needs_repair or c._valid_regions != {0, 1} for c in self._compartments)

    @property
    def times_restored(self) -> bool:
        """False when closing could not put the container file's times back."""
        return bool(getattr(self.storage, "times_restored", True))

    def _load(self, found: list[_Unlocked], raw: list[list[bytes]]) -> None:
        recorded = max(u.record.size for u in found)
        if recorded % SECTOR or not MIN_CONTAINER_SIZE <= recorded <= MAX_CONTAINER_SIZE:
            raise ContainerDamaged("A compartment's header records an impossible container size.")
        if recorded != self.geometry.size:
            if recorded > self.storage.size:
                # Truncated: keep reading what is there, but never write (docs/FORMAT.md §6).
                self.read_only = True
            self.geometry = Geometry(recorded)
            self.space = SpaceMap(self.geometry, limit=self.storage.size)
            if recorded <= self.storage.size:
                raw = _read_slots(self.storage, self.geometry)
                found = [_unlock_stored(raw, u.masters, u.slot) or u for u in found]
        # Reach the older compartments through the keys the newer ones keep.
        queue = list(found)
        direct = {u.slot for u in found}
        failed: set[int] = set()
        first_failure: ContainerDamaged | None = None
        while queue:
            unlocked = queue.pop(0)
            if any(c.slot == unlocked.slot for c in self._compartments):
                continue
            try:
                compartment = Compartment(self, unlocked)
            except ContainerDamaged as error:
                failed.add(unlocked.slot)
                if unlocked.slot in direct:
                    # A passphrase opened a compartment whose index is damaged: still open the
                    # others given, and fail only when none opens.
                    first_failure = first_failure or error
                    self.damaged_opened += 1
                    continue
                # An older compartment reached through stored keys is damaged: open the rest,
                # and count it as unreachable so that writers are warned (its blocks are unknown).
                self.unreachable_older += 1
                continue
            self._compartments.append(compartment)
            for link in compartment.root.older:
                if link["slot"] in failed or \
                        any(c.slot == link["slot"] for c in self._compartments) or \
                        any(u.slot == link["slot"] for u in queue):
                    continue
                older = None
                # A passphrase change cut short leaves the new keys beside the old ones.
                for keys in (link, link.get("next")):
                    if older is None and keys is not None:
                        masters = (bytearray.fromhex(keys["a"]), bytearray.fromhex(keys["b"]))
                        older = _unlock_stored(raw, masters, int(link["slot"]))
                if older is None:
                    self.unreachable_older += 1
                else:
                    queue.append(older)
        if not self._compartments:
            raise first_failure or ContainerDamaged()
        self._compartments.sort(key=lambda c: c.level)
        self._relink()

    def _relink(self) -> None:
        """A newer compartment whose stored keys for an older one are stale (its passphrase was
        changed while the newer one was closed) or carry a cut-short change gets the keys of
        the compartment as it opened now; the next writing commit stores them."""
        by_slot = {c.slot: c for c in self._compartments}
        for compartment in self._compartments:
            links = compartment.root.older
            fresh = [by_slot[link["slot"]].link() if link["slot"] in by_slot else link
                     for link in links]
            if fresh != links:
                compartment.root.older = fresh
                compartment.needs_repair = True

    @staticmethod
    def backup(path: str | os.PathLike[str], destination: str | os.PathLike[str], *,
               progress: Progress | None = None) -> str:
        """Copy the container to a new file, under its lock, and check the copy by reading it
        back; returns the copy's SHA-256. No passphrase is needed: the copy is the same random-
        looking bytes. Copying the file with other tools while papka writes can catch a commit
        half-way; this waits for no one and refuses while another session holds the lock."""
        target = Path(destination)
        storage = FileStorage(path, writable=False)
        try:
            total = storage.size
            digest = hashlib.sha256()
            try:
                with new_output_file(target) as out:
                    for offset in range(0, total, _FILL_CHUNK):
                        chunk = storage.read(offset, min(_FILL_CHUNK, total - offset))
                        digest.update(chunk)
                        out.write(chunk)
                        if progress is not None:
                            progress(offset + len(chunk), total)
            except FileExistsError:
                raise InvalidInput("Something already exists at the backup path; papka never "
                                   "overwrites it.",
                                   hint="Choose a new file name for the copy.") from None
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise EnvironmentProblem("The disk is full; no copy was made.") from None
                if error.errno == errno.EFBIG:
                    raise FileTooLarge() from None
                raise EnvironmentProblem(
                    f"papka cannot write the copy there ({error.strerror}).") from None
        finally:
            storage.close()
        check = hashlib.sha256()
        with target.open("rb") as copy:
            if hasattr(os, "posix_fadvise"):     # read the medium, not what the cache kept
                with contextlib.suppress(OSError):
                    os.posix_fadvise(copy.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            while chunk := copy.read(_FILL_CHUNK):
                check.update(chunk)
        if check.digest() != digest.digest():
            raise ContainerDamaged("The copy does not read back as it was written; do not rely "
                                   "on it.", hint="Try another medium for the copy.")
        return digest.hexdigest()

    @staticmethod
    def panic(path: str | os.PathLike[str]) -> None:
        """Overwrite both header regions with random bytes: no passphrase opens anything after.

        Works even while another process holds the container open.
        """
        fd = host.open_file(path, writable=True)
        try:
            info = os.fstat(fd)
            size = os.lseek(fd, 0, os.SEEK_END)
            geometry = Geometry.for_size(size)
            if size < MIN_CONTAINER_SIZE:
                raise NotAContainer("This file is too small to be a container.")
            stream = _crypto.Keystream(secrets.token_bytes)
            for region in (0, 1):
                data = memoryview(stream.bytes(REGION_SIZE))
                offset = geometry.region_offset(region)
                while data:
                    written = host.write_at(fd, data, offset)
                    data, offset = data[written:], offset + written
            host.flush_durably(fd)
            if not Path(path).is_block_device():
                host.restore_times(fd, path, (info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(fd)

    # -- the session ---------------------------------------------------------------------------
    @property
    def compartments(self) -> tuple[Compartment, ...]:
        return tuple(self._compartments)

    @property
    def newest(self) -> Compartment:
        return self._compartments[-1]

    @property
    def size(self) -> int:
        return self.geometry.size

    def _check_writable(self) -> None:
        if self.read_only:
            raise EnvironmentProblem("This container is open read-only; nothing was changed.",
                                     hint="If the container was truncated, copy your documents out"
                                          " with `papka get` and create a new container.")

    def _new_compartment(self, passphrase: str, work_factor: int, *,
                         masters: tuple[bytearray, bytearray] | None = None) -> Compartment:
        _check_passphrase(passphrase)
        self._check_writable()
        if masters is None:
            masters = _derive_masters(self.storage, self.geometry, passphrase, work_factor)
        if _unlock(_read_slots(self.storage, self.geometry), masters[0],
                   lambda: masters[1]) is not None:
            raise InvalidInput("This passphrase already opens a compartment; choose another one.")
        taken = {c.slot for c in self._compartments}
        free = [s for s in range(SLOT_COUNT) if s not in taken]
        if not free:
            raise InvalidInput("The container has no free compartment slot left.")
        slot = free[int.from_bytes(self.random(2), "big") % len(free)]
        level = max((c.level for c in self._compartments), default=-1) + 1
        root = CatalogRoot.new(self.random(32), [c.link() for c in self._compartments])
        data_key = bytearray(self.random(32))
        # The first catalog goes where neither the oldest compartment (from the start) nor the
        # newer ones (from the end) reach while each holds less than half of the container:
        # a session that cannot see every compartment then harms none by creating one. The
        # compartment's own first commit moves it to its level's place (docs/FORMAT.md §7).
        g = self.geometry
        span = g.end_data_sector - g.first_data_sector
        band = max(span // 20, 1)
        middle = g.first_data_sector + span // 2
        draw = int.from_bytes(self.random(4), "big")
        origins = (middle + draw % band, middle + band + (draw >> 16) % band)
        store = ObjectStore(self.storage, self.space, data_key, descending=False,
                            random=self.random, padding=self.padding, origins=origins)
        data = root.dumps().encode()
        roots = pack_roots([bytes([_ROOT_DIRECT]) + store.write_bytes(data, copy).to_bytes()
                            for copy in (0, 1)])
        record = SlotRecord(0, self.geometry.size, level, data_key, roots)
        self.storage.flush()
        unlocked = _Unlocked(slot, masters, {0: record, 1: record})
        for region in (0, 1):
            keys = SlotKeys.derive(masters[region], region, slot)
            sealed = seal_slot(replace(record, region_b_master=masters[1] if region == 0
                                       else None), keys, region, slot, self.random)
            self.storage.write(self.geometry.slot_offset(region, slot), sealed)
            keys.wipe()
            self.storage.flush()
        store.tx.allocated.clear()
        compartment = Compartment(self, unlocked)
        self._compartments.append(compartment)
        return compartment

    def add_compartment(self, passphrase: str, *, work_factor: int = 1) -> Compartment:
        """Create a compartment newer than every unlocked one; it keeps their keys, so opening it
        also opens and protects them (docs/FORMAT.md §7)."""
        return self._new_compartment(passphrase, work_factor)

    def change_passphrase(self, compartment: Compartment, new_passphrase: str, *,
                          work_factor: int = 1) -> None:
        _check_passphrase(new_passphrase)
        self._check_writable()
        masters = _derive_masters(self.storage, self.geometry, new_passphrase, work_factor)
        if _unlock(_read_slots(self.storage, self.geometry), masters[0],
                   lambda: masters[1]) is not None:
            raise InvalidInput("This passphrase already opens a compartment; choose another one.")
        # Three commits, each atomic, so that a crash anywhere leaves every passphrase reaching
        # what it reached before or after (docs/FORMAT.md §7): first the newer compartments keep
        # the new keys beside the old ones, then the slot changes, then the old keys go.
        newer = [c for c in self._compartments
                 if any(link["slot"] == compartment.slot for link in c.root.older)]
        future = KeyPair(a=masters[0].hex(), b=masters[1].hex())
        for holder in newer:
            holder.root.older = [Link(slot=link["slot"], a=link["a"], b=link["b"], next=future)
                                 if link["slot"] == compartment.slot else link
                                 for link in holder.root.older]
            holder.commit()
        old = compartment.masters
        compartment.masters = masters
        try:
            compartment.commit()
        except BaseException:
            compartment.masters = old
            raise
        for master in old:
            _crypto.wipe(master)
        for holder in newer:
            holder.root.older = [compartment.link() if link["slot"] == compartment.slot
                                 else link for link in holder.root.older]
            holder.commit()

    def usage(self) -> Usage:
        by_level = {c.level: c.used_sectors() * SECTOR for c in self._compartments}
        data = (self.geometry.end_data_sector - self.geometry.first_data_sector) * SECTOR
        used = sum(by_level.values())
        return Usage(size=self.size, used=used, free=self.space.free_sectors() * SECTOR,
                     decoy_share=by_level.get(0, 0) / data if data else 0.0, by_level=by_level)

    def check(self, *, repair: bool = False) -> CheckReport:
        """Read and authenticate every block every unlocked compartment owns; with `repair`,
        first rewrite stale or damaged header and catalog copies (a writable session only)."""
        damaged: list[tuple[int, str]] = []
        checked = 0
        total = 0
        if repair:
            self.repair_headers()
        for compartment in self._compartments:
            for doc_id, pointer in compartment.documents._pointers():
                checked += 1
                try:
                    for chunk in compartment.store.chunks(pointer):
                        total += len(chunk)
                except ChunkDamaged:
                    damaged.append((compartment.level, doc_id))
                except EnvironmentProblem:
                    damaged.append((compartment.level, doc_id))
        return CheckReport(ok=not damaged and not self.unreachable_older
                           and not self.damaged_opened, damaged=damaged,
                           documents_checked=checked, bytes_checked=total,
                           headers_repaired=self.headers_repaired,
                           headers_needing_repair=self.headers_needing_repair,
                           damaged_opened=self.damaged_opened,
                           unreachable_older=self.unreachable_older)

    def close(self) -> None:
        try:
            if not self.read_only:
                for compartment in self._compartments:
                    compartment.release_pending()
                self.storage.flush()
        finally:
            for compartment in self._compartments:
                compartment._wipe()
            self.storage.close()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _check_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or not passphrase:
        raise InvalidInput("A passphrase cannot be empty.")
    if len(passphrase) > 1024:
        raise InvalidInput("A passphrase can be at most 1024 characters long.")

"""The deniable container: compartments opened by passphrases, crash-safe commits.

Read docs/FORMAT.md for the layout and the security argument; this module implements it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import hashlib
import os
import secrets
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from papka import host
from papka.errors import EnvironmentProblem, UsageError
from papka.output_files import move_into_place, new_output_file, partial_path
from papka.vault import _crypto, anchors
from papka.vault.anchors import Anchor, AnchorKeys
from papka.vault.catalog import CatalogRoot, KeyPair, Link
from papka.vault.coded_store import CodedStore
from papka.vault.compartment import _ROOT_DIRECT, ANCHORED, Compartment
from papka.vault.cover import SessionCover
from papka.vault.errors import (
    ContainerDamaged,
    ContainerFull,
    DocumentDamaged,
    FileTooLarge,
    InvalidInput,
    NoCompartmentOpens,
    NotAContainer,
    NotEnoughSpace,
)
from papka.vault.header import (
    MAX_CONTAINER_SIZE,
    MIN_CONTAINER_SIZE,
    REGION_SIZE,
    SECTOR,
    SLOT_COUNT,
    Geometry,
    SlotKeys,
    SlotRecord,
    pack_roots,
    seal_slot,
)
from papka.vault.objects import USED, ObjectStore, SpaceMap
from papka.vault.storage import FileStorage, Storage
from papka.vault.unlock import (
    Unlocked,
    derive_masters,
    master_deriver,
    read_slots,
    unlock,
    unlock_stored,
)

Progress = Callable[[int, int], None]
_FILL_CHUNK = 8 * 1024 * 1024


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


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
        #: 3 when the compartments find their roots through anchors (docs/FORMAT.md §10).
        self.format = 2
        self._cover: SessionCover | None = None
        self._wrote = False
        #: After close(), format 3: the session wrote more than the decoy's writes cover, so two
        #: images of the stick around it show that something beside the decoy was written.
        self.cover_exceeded = False
        #: After close(), format 3: lost shares of hidden papers written again in this session,
        #: and those still lost (a repair writes only what the decoy's writes cover, unless
        #: `repair_all` is set: then it writes everything, and two images can show it).
        self.repaired_shares = 0
        self.lost_shares = 0
        self.repair_all = False

    # -- creating ------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike[str], size: int, passphrase: str, *,
               work_factor: int = 1, progress: Progress | None = None,
               random: _crypto.RandomSource = secrets.token_bytes,
               format_version: int = 2) -> None:
        """Create a container of `size` bytes at `path` (a new file, or a block device).
        `format_version=3` makes the format of docs/FORMAT.md §10."""
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
                              random=random, format_version=format_version)
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
                          random=random, format_version=format_version)
            storage.close()
            move_into_place(partial, target)
        except BaseException:
            storage.close()
            partial.unlink(missing_ok=True)
            raise

    @classmethod
    def create_on(cls, storage: Storage, passphrase: str, *, work_factor: int = 1,
                  progress: Progress | None = None,
                  random: _crypto.RandomSource = secrets.token_bytes,
                  format_version: int = 2) -> None:
        """Fill `storage` with random bytes and create the first compartment in it."""
        host.keep_out_of_crash_dumps()
        if format_version not in (2, 3):
            raise UsageError("papka writes container formats 2 and 3.")
        _check_passphrase(passphrase)
        if storage.size < MIN_CONTAINER_SIZE:
            raise InvalidInput(f"A container must hold at least {MIN_CONTAINER_SIZE >> 20} MiB.")
        container = cls(storage, random=random)
        container.format = format_version
        geometry = container.geometry
        total = geometry.size
        # The two header regions first (their salts feed the KDF), then the KDF runs in a thread
        # while the rest is filled: the fill waits on the disk, the KDF on the processor.
        for region in (0, 1):
            storage.write(geometry.region_offset(region), container.padding(REGION_SIZE))
        masters: list[tuple[bytearray, bytearray]] = []
        kdf = threading.Thread(target=lambda: masters.append(
            derive_masters(storage, geometry, passphrase, work_factor)))
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
        raw = read_slots(storage, container.geometry)
        found: list[Unlocked] = []
        failed = False
        for passphrase in passphrases:
            # One Argon2id run when the passphrase opens a compartment, two when it opens
            # nothing, whatever the container holds; 64 slot trials (docs/FORMAT.md §3).
            derive = master_deriver(storage, container.geometry, passphrase, work_factor)
            unlocked = unlock(raw, derive(0), functools.partial(derive, 1))
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

    def _load(self, found: list[Unlocked], raw: list[list[bytes]]) -> None:
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
                raw = read_slots(self.storage, self.geometry)
                found = [unlock_stored(raw, u.masters, u.slot) or u for u in found]
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
                        older = unlock_stored(raw, masters, int(link["slot"]))
                if older is None:
                    self.unreachable_older += 1
                else:
                    queue.append(older)
        if not self._compartments:
            raise first_failure or ContainerDamaged()
        self._compartments.sort(key=lambda c: c.level)
        self.format = 3 if any(c.anchored or c.root.container == 3
                               for c in self._compartments) else 2
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
        self._wrote = True

    # -- format 3: the session's cover ---------------------------------------------------------
    @property
    def cover(self) -> SessionCover:
        """The session's plan (format 3), made when first needed."""
        if self._cover is None:
            decoy = next((c for c in self._compartments if c.level == 0), None)
            used: list[int] = []
            if decoy is not None:
                used = [s for start, count in [*decoy._root_extents(),
                                                *decoy.documents.extents(),
                                                *decoy._pending_free, *decoy.store.tx.allocated]
                         for s in range(start, start + count)]
            self._cover = SessionCover(self, used)
        return self._cover

    def _decoy_allocated(self, extent: tuple[int, int]) -> None:
        if self.format == 3:
            self.cover.decoy_allocated(extent)

    def claim(self, places: list[int]) -> None:
        """A compartment's anchor places are its own from now on: in use, and no share of the
        session's plan may take one."""
        self.space.mark([(s, 1) for s in places], USED)
        if self._cover is not None:
            self._cover.withdraw(places)

    def foreign_sectors(self, compartment: Compartment | None = None) -> set[int]:
        """Sectors of the zone that open compartments other than `compartment` (or than one
        being made) use and its anchors must leave alone: the decoy's, and other compartments'
        anchors."""
        if compartment is not None and compartment.level == 0:
            return set()
        foreign = set(self.cover.decoy)
        for other in self._compartments:
            if other is not compartment and other.anchored:
                foreign.update(other.anchor_places())
        return foreign

    def _end_session(self) -> None:
        """Format 3, a session that wrote: commit the decoy if it did not commit, repair what
        reads found lost in the hidden compartments within the cover, and fill the plan
        (docs/FORMAT.md §10)."""
        decoy = next((c for c in self._compartments if c.level == 0), None)
        if decoy is not None and not decoy.committed_in_session:
            decoy.commit()
        cover = self.cover
        cover.top_up()
        for compartment in self._compartments:
            if compartment.level > 0 and compartment.anchored:
                compartment.scan()
                budget = None if self.repair_all else cover.available()
                with contextlib.suppress(ContainerFull):    # the zone is full: the rest waits
                    self.repaired_shares += compartment.repair(budget)
                self.lost_shares += compartment.lost_shares()
        cover.finish()
        self.cover_exceeded = cover.exceeded

    def _new_compartment(self, passphrase: str, work_factor: int, *,
                         masters: tuple[bytearray, bytearray] | None = None) -> Compartment:
        _check_passphrase(passphrase)
        self._check_writable()
        if masters is None:
            masters = derive_masters(self.storage, self.geometry, passphrase, work_factor)
        if unlock(read_slots(self.storage, self.geometry), masters[0],
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
        if self.format == 3 and level > 0:
            roots = self._first_anchor(data_key, root)
        else:
            if self.format == 3:
                root.container = 3           # the decoy says so, and commits through its slot
            # The first catalog goes where neither the oldest compartment (from the start) nor
            # the newer ones (from the end) reach while each holds less than half of the
            # container: a session that cannot see every compartment then harms none by
            # creating one. The compartment's own first commit moves it to its level's place
            # (docs/FORMAT.md §7).
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
            store.tx.allocated.clear()
        record = SlotRecord(0, self.geometry.size, level, data_key, roots)
        self.storage.flush()
        unlocked = Unlocked(slot, masters, {0: record, 1: record})
        for region in (0, 1):
            keys = SlotKeys.derive(masters[region], region, slot)
            sealed = seal_slot(replace(record, region_b_master=masters[1] if region == 0
                                       else None), keys, region, slot, self.random)
            self.storage.write(self.geometry.slot_offset(region, slot), sealed)
            keys.wipe()
            self.storage.flush()
        compartment = Compartment(self, unlocked)
        self._compartments.append(compartment)
        return compartment

    def _first_anchor(self, data_key: bytearray, root: CatalogRoot) -> bytes:
        """Format 3, a compartment above the decoy: write its first catalog, coded, in the
        session's plan, and its first anchor; returns the slot's root field, which says that
        the root is found through anchors."""
        keys = AnchorKeys(data_key)
        try:
            self.claim([s for row in anchors.places(keys, self.geometry) for s in row])
            store = CodedStore(self.storage, self.space, data_key, cover=lambda: self.cover,
                               moved=dict, random=self.random)
            data = root.dumps().encode()
            field = pack_roots([bytes([_ROOT_DIRECT]) + store.write_bytes(data, copy).to_bytes()
                                for copy in (0, 1)])
            self.storage.flush()
            written = anchors.write_set(self.storage, keys, self.geometry,
                                        anchors.choose_set(self.random, None),
                                        Anchor(1, 0, field), self.random,
                                        skip=self.foreign_sectors())
        finally:
            keys.wipe()
        self.cover.anchor_written(written)
        store.tx.allocated.clear()
        return ANCHORED

    def upgrade(self) -> int:
        """Make this format 2 container format 3 (docs/FORMAT.md §10, "Upgrade"): every open
        compartment above the decoy is written again, coded, one commit each, and then the
        decoy's root says the container is format 3. Returns how many compartments changed.
        Only what this session opened is converted: a compartment whose passphrase was not
        given stays format 2, and later sessions' plans overwrite its papers, so the caller
        must have every passphrase. Every paper is read first, and a damaged one stops the
        conversion before anything is written. The session is visible to two images of the
        stick. A container whose open compartments are all format 3 already is not written
        (returns 0)."""
        decoy = next((c for c in self._compartments if c.level == 0), None)
        if decoy is not None and decoy.root.container == 3 and all(
                c.anchored for c in self._compartments[1:]):
            return 0
        self._check_writable()
        if decoy is None or self.unreachable_older or self.damaged_opened:
            raise InvalidInput("Every compartment must open to convert the container; nothing "
                               "was changed.")
        # Every paper is read first: a coded compartment cannot keep a damaged format 2
        # object, and a conversion stopped half-way would leave format 2 papers where the
        # plans of format 3 sessions overwrite them.
        if self.check().damaged:
            raise ContainerDamaged("A document is damaged; the container was not converted.",
                                   hint="Run `papka check`, remove or restore the damaged "
                                        "documents, then convert again.")
        self.format = 3
        changed = 0
        for compartment in self._compartments[1:]:
            if not compartment.anchored:
                compartment.upgrade()
                changed += 1
        if decoy.root.container != 3:
            decoy.root.container = 3
            decoy.commit()
            changed += 1
        return changed

    def add_compartment(self, passphrase: str, *, work_factor: int = 1) -> Compartment:
        """Create a compartment newer than every unlocked one; it keeps their keys, so opening it
        also opens and protects them (docs/FORMAT.md §7)."""
        return self._new_compartment(passphrase, work_factor)

    def change_passphrase(self, compartment: Compartment, new_passphrase: str, *,
                          work_factor: int = 1) -> None:
        _check_passphrase(new_passphrase)
        self._check_writable()
        masters = derive_masters(self.storage, self.geometry, new_passphrase, work_factor)
        if unlock(read_slots(self.storage, self.geometry), masters[0],
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
            if compartment.anchored:
                compartment._write_slots(ANCHORED)
            else:
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
        first rewrite stale or damaged header and catalog copies (a writable session only), and
        in format 3 with a hidden compartment open, have the end of the session rebuild every
        lost share (`repair_all`: the session writes, and two images of the stick can show
        it)."""
        damaged: list[tuple[int, str]] = []
        checked = 0
        total = 0
        if repair:
            self.repair_headers()
            if self.format == 3 and any(c.level > 0 and c.anchored for c in self._compartments):
                self._check_writable()
                self.repair_all = True
        for compartment in self._compartments:
            for doc_id, _place in compartment.documents._pointers():
                checked += 1
                try:
                    total += compartment.documents.verify(doc_id)
                except DocumentDamaged:
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
                if self.format == 3 and self._wrote:
                    self._end_session()
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

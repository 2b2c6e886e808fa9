"""One open compartment: its slot, its catalog root (two copies), its documents, and the commit
that makes its changes durable (docs/FORMAT.md §5, §6)."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from papka.vault import _crypto, anchors
from papka.vault.anchors import Anchor, AnchorKeys
from papka.vault.bulk import bulk_objects
from papka.vault.catalog import SECTIONS, CatalogRoot, Link
from papka.vault.churn import below
from papka.vault.coded import share_count
from papka.vault.coded_store import CodedStore
from papka.vault.errors import ContainerDamaged, ContainerFull
from papka.vault.header import (
    CHAIN_HEAD_MAX,
    FORMAT_VERSION,
    SECTOR,
    SlotKeys,
    SlotRecord,
    pack_roots,
    seal_slot,
    unpack_roots,
)
from papka.vault.objects import FREE, USED, ChunkDamaged, Extent, ObjectStore, Pointer
from papka.vault.unlock import Unlocked

if TYPE_CHECKING:
    from papka.vault.container import Container

_ROOT_DIRECT, _ROOT_INDIRECT = 0, 1
#: A format 3 slot's root field: the root is found through the compartment's anchors
#: (docs/FORMAT.md §10, "Anchors").
ANCHORED = bytes([2])


class Compartment:
    """One compartment of an open container: its catalog root and its documents."""

    def __init__(self, container: Container, unlocked: Unlocked) -> None:
        self._container = container
        self.slot = unlocked.slot
        self.masters = unlocked.masters
        #: Sectors the last commit freed: kept intact until the next commit lands (or the
        #: session closes), so the previous generation stays readable (docs/FORMAT.md §5).
        self._pending_free: list[Extent] = []
        #: True when the newest generation did not load and an older one was opened.
        self.fell_back = False
        #: True once a commit of this session landed (format 3 commits the decoy at least
        #: once in every writing session, docs/FORMAT.md §10).
        self.committed_in_session = False
        #: Sectors no anchor of this compartment may be written over (its format 2 objects,
        #: while it is being upgraded).
        self._keep: set[int] = set()
        self._anchor_places: list[int] | None = None
        # Newest generation first; the other slot copy's older generation if that one fails,
        # as after a copy of the stick taken while a commit was being written.
        with bulk_objects():
            self._load(unlocked)

    def _load(self, unlocked: Unlocked) -> None:
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
        space = self._container.space
        space.mark(self._root_extents(), USED)
        store = self.store
        try:
            if isinstance(store, CodedStore):
                # Where each share lies now: a share a repair moved no longer uses its old place.
                space.mark([(s, 1) for pointer in self.documents.objects()
                            for s in store.sectors(pointer)], USED)
            else:
                space.mark(self.documents.extents(), USED)
        except (TypeError, ValueError, KeyError, IndexError, ChunkDamaged):
            raise ContainerDamaged("A compartment's index is malformed.") from None
        if self.anchored:
            space.mark([(s, 1) for s in self.anchor_places()], USED)

    def _load_generation(self, records: dict[int, SlotRecord]) -> None:
        container = self._container
        record = records[min(records)]
        self.generation = record.generation
        self.level = record.level
        #: Opened from a slot of an older format version: the next commit rewrites it.
        self.outdated = any(r.version < FORMAT_VERSION for r in records.values())
        self._data_key = record.data_key
        self._valid_regions = set(records)
        #: Format 3: the root is found through anchors, and no commit rewrites the slot.
        self.anchored = record.root == ANCHORED
        self.store: ObjectStore | CodedStore
        if self.anchored and self.level > 0:
            self.store = CodedStore(container.storage, container.space, self._data_key,
                                    cover=lambda: container.cover, moved=self._moved,
                                    random=container.random,
                                    before_write=container._check_writable)
        else:
            self.store = ObjectStore(container.storage, container.space, self._data_key,
                                     descending=self.level > 0, random=container.random,
                                     padding=container.padding,
                                     before_write=container._check_writable,
                                     allocated=container._decoy_allocated
                                     if self.level == 0 else None)
        if not self.anchored:
            self._load_root(record.root)
            return
        # Newest anchor first; an older one when the newest's catalog does not load (§10).
        self._session = 0
        self._session_set: int | None = None
        self._newest_set: int | None = None
        keys = AnchorKeys(self._data_key)
        try:
            found = anchors.read_all(keys, container.geometry,
                                     anchors.storage_reader(container.storage))
        finally:
            keys.wipe()
        failure: ContainerDamaged | None = None
        for attempt, candidate in enumerate(found):
            try:
                self._load_root(candidate.anchor.root)
            except ContainerDamaged as error:
                failure = failure or error
                continue
            self.generation = candidate.anchor.generation
            self._session = max(a.anchor.session for a in found)
            self._newest_set = found[0].set
            if attempt:
                self.fell_back = True
                self.needs_repair = True
            # Anchors past the end of a truncated container are not there to read: the newest
            # may have been among them, so what opened may be older, and the keeper is told.
            end = container.storage.size // SECTOR
            if any(s >= end for s in self.anchor_places()):
                self.fell_back = True
            return
        raise failure or ContainerDamaged(
            "A compartment's index pointer is damaged.",
            hint="Run `papka check`; restore the container from a copy if you have one.")

    def _load_root(self, field: bytes) -> None:
        """Load the catalog root that a root field (both copies' chain heads) points at."""
        from papka.vault.documents import DocumentStore

        # The root field points at both copies of the catalog (docs/FORMAT.md §6): use the
        # first that reads, and rewrite whatever did not.
        self._root_chains: dict[int, list[Pointer]] = {}
        root: CatalogRoot | None = None
        for copy, head in enumerate(unpack_roots(field)[:2]):
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
            if self.anchored:
                self._write_anchor(roots)
                if self._valid_regions != {0, 1} or self.outdated:
                    self._write_slots(ANCHORED)
            else:
                self._write_slots(roots)
        except BaseException:
            self.rollback()
            raise
        self._committed_root = self._written_root
        self._committed_chains = dict(self._root_chains)
        self.needs_repair = False
        self.committed_in_session = True
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

    # -- format 3: anchors, and the session's plan --------------------------------------------
    def anchor_places(self) -> list[int]:
        """The sectors of all the compartment's anchor sets (the data key fixes them)."""
        if self._anchor_places is None:
            keys = AnchorKeys(self._data_key)
            try:
                rows = anchors.places(keys, self._container.geometry)
            finally:
                keys.wipe()
            self._anchor_places = [s for row in rows for s in row]
        return self._anchor_places

    def _write_anchor(self, roots: bytes) -> None:
        """Write this commit's anchor to the session's set, replica by replica, each flushed
        (§10, "Anchors"). The set is drawn at the session's first commit among those that do not
        hold the newest anchor. A replica whose sector another open compartment uses is left
        out (the decoy's papers are never overwritten), and so is one that holds this
        compartment's format 2 objects while it is being upgraded; a set with no replica left
        is drawn again."""
        container = self._container
        avoid = container.foreign_sectors(self) | self._keep
        if self._session_set is None:
            self._session += 1
            places = self.anchor_places()
            rows = [places[n:n + anchors.ANCHOR_REPLICAS]
                    for n in range(0, len(places), anchors.ANCHOR_REPLICAS)]
            drawn = anchors.choose_set(container.random, self._newest_set)
            usable = [n for n in range(len(rows)) if n != self._newest_set
                      and any(s not in avoid for s in rows[n])]
            self._session_set = drawn if drawn in usable or not usable else usable[
                below(container.random, len(usable))]
        keys = AnchorKeys(self._data_key)
        try:
            written = anchors.write_set(container.storage, keys, container.geometry,
                                        self._session_set,
                                        Anchor(self._session, self.generation, roots),
                                        container.random, skip=avoid)
        finally:
            keys.wipe()
        if self.level > 0:
            container.cover.anchor_written(written)

    def upgrade(self) -> None:
        """Format 2 to 3, a compartment above level 0 (docs/FORMAT.md §10, "Upgrade"): every
        object written again, coded, in the session's plan; the catalog committed with its first
        anchor; then the slot rewritten as anchored, one generation on. A crash before the slot
        is rewritten leaves the format 2 compartment whole (nothing it uses is overwritten until
        after), and after it the format 3 one. The old objects are then overwritten."""
        container = self._container
        old_store = self.store
        if self.anchored or self.level == 0 or not isinstance(old_store, ObjectStore):
            return
        coded = CodedStore(container.storage, container.space, self._data_key,
                           cover=lambda: container.cover, moved=self._moved,
                           random=container.random, before_write=container._check_writable)
        replaced: list[Pointer] = []

        def rewrite(pointer: Pointer) -> Pointer:
            replaced.append(pointer)
            try:
                data = old_store.read_bytes(pointer)
            except ChunkDamaged:
                # Container.upgrade read every paper first; a coded compartment cannot point
                # at a format 2 object, so nothing is committed if one fails now.
                raise ContainerDamaged(
                    "A document is damaged; the container was not converted.",
                    hint="Run `papka check`, remove or restore the damaged documents, then "
                         "convert again.") from None
            return coded.write_bytes(data)

        container.claim(self.anchor_places())
        self.release_pending()                   # what format 2 freed is overwritten as before
        try:
            replaced += self.documents.recode(rewrite)
        except BaseException:
            self.rollback()
            raise
        replaced += [p for chain in self._root_chains.values() for p in chain]
        # Until the slot says otherwise, the format 2 objects are the compartment: no anchor
        # replica may be written over one of them.
        self._keep = {s for p in replaced for a, n in p.extents for s in range(a, a + n)}
        self.store = coded
        self._root_chains = {}
        self.anchored = True
        self._session = 0
        self._session_set = None
        self._newest_set = None
        self.commit()
        self._write_slots(ANCHORED)
        self._keep = set()
        extents = [e for p in replaced for e in p.extents]
        for start, count in extents:
            container.storage.write(start * SECTOR, container.padding(count * SECTOR))
        container.storage.flush()
        container.space.mark(extents, FREE)

    def _moved(self) -> dict[str, dict[str, int]]:
        """The shares repairs moved (none while the root itself is being read: it is written
        afresh by every commit, so its shares are never moved)."""
        root: CatalogRoot | None = getattr(self, "root", None)
        return root.moved if root is not None and root.moved is not None else {}

    def objects(self) -> list[Pointer]:
        """Every object the compartment's catalog holds, its root's too."""
        return [*(p for chain in self._root_chains.values() for p in chain),
                *self.documents.objects()]

    def reseal(self, sectors: set[int]) -> set[int]:
        """Encrypt again, where they lie, the shares and anchors this compartment holds in
        `sectors` (sectors of the session's plan); returns the sectors done."""
        store = self.store
        if not isinstance(store, CodedStore):
            return set()
        done: set[int] = set()
        for pointer in self.objects():
            wanted = (sectors - done).intersection(store.sectors(pointer))
            if wanted:
                done |= store.reseal(pointer, wanted)
        container = self._container
        keys = AnchorKeys(self._data_key)
        try:
            for sector in set(self.anchor_places()) & (sectors - done):
                raw = container.storage.read(sector * SECTOR, SECTOR)
                anchor = anchors.open_sealed(keys, sector, raw)
                if anchor is not None:
                    container.storage.write(sector * SECTOR,
                                            anchors.seal(keys, sector, anchor, container.random))
                    container.storage.flush()
                    done.add(sector)
        finally:
            keys.wipe()
        return done

    def scan(self) -> int:
        """Read every share of every object this session did not write, so that the lost ones
        are known to repair(); returns how many objects could not be read at all."""
        unreadable = 0
        written = self.store.written if isinstance(self.store, CodedStore) else set()
        for pointer in self.objects():
            if pointer.seed in written:
                continue
            try:
                for _ in self.store.chunks(pointer):
                    pass
            except ChunkDamaged:
                unreadable += 1
        return unreadable

    def lost_shares(self) -> int:
        store = self.store
        return sum(len(lost) for _, lost in store.lost.values()) if isinstance(
            store, CodedStore) else 0

    def repair(self, budget: int | None) -> int:
        """Write the shares that reads found lost again in the plan, most endangered stripes
        first, and commit (§10, "Repair"): as many as fit `budget` sectors of the plan with the
        commit, or all of them when `budget` is None. Returns the shares written."""
        store = self.store
        if not isinstance(store, CodedStore) or not store.lost:
            return 0
        live = {p.seed for p in self.objects()}
        for seed in [seed for seed in store.lost if seed not in live]:
            del store.lost[seed]
        # The commit after the repair writes the root again, with the moved shares in it.
        lost_now = sum(len(indices) for _, indices in store.lost.values())
        commit = share_count(len(self.root.dumps()) + 32 * lost_now + 1024)
        room = None if budget is None else budget - commit
        if room is not None and room <= 0:
            return 0
        moved = self.root.moved if self.root.moved is not None else {}
        written = 0
        with self.documents.batch():
            for _risk, pointer, first, k, m in store.stripes_to_rebuild():
                lost = sum(first <= i < first + k + m for i in store.lost[pointer.seed][1])
                if room is not None and written + lost > room:
                    continue
                try:
                    written += store.rebuild_stripe(pointer, first, k, m, moved)
                except ChunkDamaged:
                    continue                     # past rebuilding: `check` names its papers
                except ContainerFull:
                    break                        # the zone holds no more: the rest waits
                store.lost[pointer.seed][1].difference_update(range(first, first + k + m))
            self.root.moved = moved
        return written

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
        if not isinstance(self.store, CodedStore):
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
        self.documents._close()
        _crypto.wipe(self._data_key)
        for master in self.masters:
            _crypto.wipe(master)

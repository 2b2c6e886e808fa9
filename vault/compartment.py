"""One open compartment: its slot, its catalog root (two copies), its documents, and the commit
that makes its changes durable (docs/FORMAT.md §5, §6)."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from papka.vault import _crypto
from papka.vault.bulk import bulk_objects
from papka.vault.catalog import SECTIONS, CatalogRoot, Link
from papka.vault.errors import ContainerDamaged
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
        try:
            space.mark(self.documents.extents(), USED)
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
        self.documents._close()
        _crypto.wipe(self._data_key)
        for master in self.masters:
            _crypto.wipe(master)

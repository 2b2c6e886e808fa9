"""The documents of one compartment: a small encrypted store for a person's legal papers.

Records live in catalog pages (64 objects, a document's page chosen by its id), so that a commit
rewrites one page and the root, not the whole catalog (docs/FORMAT.md §8). Everything about a
document, its file name included, is inside the compartment's encryption.
"""

from __future__ import annotations

import builtins
import datetime as dt
import errno
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TypeVar

from papka.errors import EnvironmentProblem
from papka.media import sniff_media_type
from papka.output_files import new_output_file
from papka.text import lemma_keys, query_word_keys, search_keys
from papka.vault.bulk import bulk_objects
from papka.vault.catalog import FORMAT_PACKED, PAGES
from papka.vault.commitments import (
    SALT_BYTES,
    Commitment,
    Made,
    PageCommitments,
    commit_file,
    commit_pages,
)
from papka.vault.errors import (
    AmbiguousId,
    ContainerClosed,
    ContainerDamaged,
    ContainerFull,
    DocumentDamaged,
    DocumentNotFound,
    InvalidInput,
)
from papka.vault.objects import (
    ChunkDamaged,
    Extent,
    ObjectReader,
    ObjectWriter,
    Pointer,
    sectors_for,
)
from papka.vault.packs import (
    PACK_BYTES,
    PACK_CHUNK_SECTORS,
    PACK_LIMIT,
    PACK_REFILL,
    UNWRITTEN,
    UNWRITTEN_LIMIT,
    Content,
    Packed,
    content_from_json,
    is_member_text,
    is_pack_id,
    pack_from_json,
    pack_to_json,
)
from papka.vault.records import (
    KIND,
    KINDS,
    MAX_OWN_KINDS,
    META_FIELDS,
    Document,
    DocumentMeta,
    default_title,
    record,
)

if TYPE_CHECKING:
    from papka.vault.coded_store import CodedWriter
    from papka.vault.compartment import Compartment

T = TypeVar("T")
MIN_ID_PREFIX = 4
Progress = Callable[[int, int], None]


class DocumentStore:
    """The documents of one compartment. Every operation commits unless inside batch()."""

    def __init__(self, compartment: Compartment) -> None:
        self._compartment = compartment
        self._clock = compartment._container.clock
        self._batch_depth = 0
        self._reload()

    # -- loading and saving the catalog pages --------------------------------------------------
    def _reload(self) -> None:
        with bulk_objects():
            self._load_pages()

    def _load_pages(self) -> None:
        root = self._compartment.root
        pages = root.pages
        pages.extend([None] * (PAGES - len(pages)))
        # Records are kept as parsed JSON and turned into Document and Pointer objects on first
        # use: unlocking then costs one JSON parse per page and nothing per document.
        self._docs: _Lazy[Document] = _Lazy(Document.from_json, (dict,))
        # A content pointer is held as its text form, or as the JSON object 0.1.0 wrote.
        self._content: _Lazy[Content] = _Lazy(content_from_json, (str, dict))
        # Small documents added since the last commit: their bytes, in memory, until the commit
        # writes them into a pack; and the packs that lost a member since (docs/FORMAT.md §4).
        self._unwritten: dict[str, bytes] = {}
        self._unwritten_bytes = 0
        self._shrunk: set[str] = set()
        self._packs_written: set[str] = set()
        #: The documents of each pack, found by one pass over the records when first needed.
        self._by_pack: dict[str, set[str]] | None = None
        self._ids_by_page: list[set[str]] = [set() for _ in range(PAGES)]
        # Search keys live in one more object per page, read on the first search or write of
        # that page, so that unlocking parses only the records (docs/FORMAT.md §6).
        self._keys: dict[int, dict[str, str]] = {}
        # Each page is stored twice, far apart (docs/FORMAT.md §6).
        try:
            self._page_pointers: list[list[Pointer] | None] = [
                [Pointer.from_json(copy) for copy in p] if p else None for p in pages]
            search = root.search or [None] * PAGES
            self._search_pointers: list[Pointer | None] = [
                Pointer.from_json(p) if p else None for p in search]
            self._search_pointers.extend([None] * (PAGES - len(self._search_pointers)))
            self._packs: dict[str, Pointer] = {}
            for pack, pointer in (root.packs or {}).items():
                if not is_pack_id(pack):
                    raise ValueError("a pack id is malformed")
                self._packs[pack] = pack_from_json(pointer)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ContainerDamaged("A compartment's index is malformed.") from None
        self._dirty: set[int] = set()
        for page, records in self._read_pages():
            try:
                by_id = {record["id"]: record for record in records}
                for doc_id in by_id:
                    if type(doc_id) is not str or _page_of(doc_id) != page:
                        raise ValueError("a record on the wrong page")
                self._docs.load(by_id)
                content = {doc_id: record["content"] for doc_id, record in by_id.items()}
                for held in content.values():
                    if type(held) is not str and type(held) is not dict:
                        raise ValueError("a record's content is neither text nor an object")
                self._content.load(content)
                self._ids_by_page[page] = set(by_id)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise _malformed_index() from None

    def _close(self) -> None:
        """Let go of the catalog when the container closes: its titles and search keys leave
        memory at once (the store and its compartment refer to each other, so without this
        they stayed until Python's next full collection, 165 MB at 100,000 documents), and any
        later use raises ContainerClosed."""
        self._docs.close()
        self._content.close()
        self._keys = {}
        self._ids_by_page = [set() for _ in range(PAGES)]
        self._unwritten = {}
        self._by_pack = None

    def _read_pages(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Every stored page's records, in page order.

        While one page's JSON is parsed, the next page's first copy is inflated on a second
        thread: zlib lets go of the interpreter's lock while it inflates, and inflating is a
        third of reading a page, so on two cores unlocking 100,000 documents waits about 0.1 s
        less. A copy that does not read is left for the other, as in _read_page."""
        store = self._compartment.store
        pages = [(page, copies) for page, copies in enumerate(self._page_pointers) if copies]
        with ThreadPoolExecutor(max_workers=1) as inflating:
            def inflate_first_copy(copies: list[Pointer]) -> Future[bytes] | None:
                try:
                    stored = store.read_bytes(copies[0])
                except ChunkDamaged:
                    return None
                return inflating.submit(_catalog_text, stored)

            ahead = inflate_first_copy(pages[0][1]) if pages else None
            for index, (page, copies) in enumerate(pages):
                current = ahead
                ahead = inflate_first_copy(pages[index + 1][1]) if index + 1 < len(pages) else None
                records = None
                if current is not None:
                    try:
                        records = _page_records(current.result())
                    except ValueError:
                        records = None
                if records is None:
                    # The first copy is damaged: use the other, and rewrite both at the next
                    # commit.
                    self._dirty.add(page)
                    self._compartment.needs_repair = True
                    records = self._read_page(page, copies[1:])
                yield page, records

    def _read_page(self, page: int, copies: list[Pointer]) -> list[dict[str, Any]]:
        store = self._compartment.store
        for copy in copies:
            try:
                records = _page_records(_catalog_text(store.read_bytes(copy)))
            except (ChunkDamaged, ValueError):
                # This copy is damaged: use the other, and rewrite both at the next commit.
                self._dirty.add(page)
                self._compartment.needs_repair = True
                continue
            return records
        raise ContainerDamaged("Part of a compartment's index is damaged in both its copies.",
                               hint="Run `papka check`; documents on other pages still open.")

    def _page_keys(self, page: int) -> dict[str, str]:
        """The search keys of one page's documents: read once, recomputed where missing."""
        keys = self._keys.get(page)
        if keys is None:
            stored: Any = {}
            pointer = self._search_pointers[page]
            if pointer is not None:
                try:
                    stored = json.loads(_catalog_text(
                        self._compartment.store.read_bytes(pointer)))
                except (ChunkDamaged, ValueError):
                    stored = {}          # derivable: recomputed below, rewritten on next commit
            if not isinstance(stored, dict):
                stored = {}
            keys = {}
            for doc_id in self._ids_by_page[page]:
                value = stored.get(doc_id)
                # Keys stored before word forms were indexed lack the mark: recomputed here, in
                # memory, and stored with the page's next write.
                fresh = isinstance(value, str) and value.startswith(_KEYS_WITH_LEMMAS)
                keys[doc_id] = value if fresh else _search_text(self._docs[doc_id])
            self._keys[page] = keys
        return keys

    def _flush_pages(self) -> None:
        """Write the new and changed packs, then the changed pages, as new objects (called by
        Compartment.commit)."""
        self._flush_packs()
        store = self._compartment.store
        for page in sorted(self._dirty):
            for old in self._page_pointers[page] or ():
                store.free(old)
            records = [self._docs.raw(doc_id) if self._docs.is_raw(doc_id)
                       and self._content.is_raw(doc_id)
                       else record(self._docs[doc_id], self._content[doc_id])
                       for doc_id in sorted(self._ids_by_page[page])]
            data = self._catalog_object(
                json.dumps(records, separators=(",", ":"), ensure_ascii=False).encode())
            new = [store.write_bytes(data, copy) for copy in (0, 1)] if records else None
            self._page_pointers[page] = new
            self._compartment.root.pages[page] = [p.to_json() for p in new] if new else None
            keys = self._page_keys(page)
            old_search = self._search_pointers[page]
            if old_search is not None:
                store.free(old_search)
            search = store.write_bytes(self._catalog_object(
                json.dumps(keys, separators=(",", ":"), ensure_ascii=False).encode())
            ) if keys else None
            self._search_pointers[page] = search
            self._compartment.root.search = [p.to_json() if p else None
                                             for p in self._search_pointers]
        self._dirty.clear()

    def _catalog_object(self, data: bytes) -> bytes:
        """A catalog page or search index as stored: zlib-compressed when that saves at least
        one sector (docs/FORMAT.md §6), which marks the catalog as format 2."""
        packed = zlib.compress(data, 6)
        if sectors_for(len(packed)) < sectors_for(len(data)):
            self._compartment.root.format = max(self._compartment.root.format, FORMAT_PACKED)
            return packed
        return data

    def _flush_packs(self) -> None:
        """Rewrite every pack that lost a member without it, refill the smallest small pack, and
        write the rest of the documents added since the last commit into new packs
        (docs/FORMAT.md §4 "Packs")."""
        if not self._unwritten and not self._shrunk:
            return
        store = self._compartment.store
        adding = builtins.list(self._unwritten.items())
        refill = self._pack_to_refill() if adding else None
        if refill is not None:
            # The whole pack is copied as it is, new papers after it: no member moves, so
            # nobody needs to know who they are (no pass over the records).
            old = self._packs[refill]
            try:
                layout: builtins.list[tuple[str | None, bytes]] = [(None, store.read_bytes(old))]
            except ChunkDamaged:
                layout = []                      # a damaged pack is simply not refilled
            if layout:
                at = old.length
                while adding and at + len(adding[0][1]) <= PACK_BYTES:
                    doc_id, data = adding.pop(0)
                    layout.append((doc_id, data))
                    at += len(data)
                store.free(old)
                del self._packs[refill]
                self._write_pack(layout, refill)
        members = self._members(self._shrunk) if self._shrunk else {}
        for pack in sorted(self._shrunk):
            pointer = self._packs.get(pack)
            if pointer is None:
                continue                         # a pack the catalog never held
            kept: builtins.list[tuple[str, Packed, bytes]] = []
            try:
                for doc_id in members.get(pack, []):
                    place = self._content[doc_id]
                    assert isinstance(place, Packed)
                    kept.append((doc_id, place,
                                 store.read_range(pointer, place.offset, place.length)))
            except ChunkDamaged:
                raise ContainerDamaged(
                    "A document stored together with this one is damaged, so papka "
                    "cannot store the others without it; nothing was changed.",
                    hint="Run `papka check` to name it, and remove it first.") from None
            store.free(pointer)
            del self._packs[pack]
            kept.sort(key=lambda k: k[1].offset)
            live = sum(len(data) for _, _, data in kept)
            end = max((place.offset + place.length for _, place, _ in kept), default=0)
            overlapping = any(a[1].offset + a[1].length > b[1].offset
                              for a, b in zip(kept, kept[1:], strict=False))
            if 2 * live < end or overlapping:
                # More removed than kept (or a crafted layout): the kept members move together,
                # and their records change.
                adding = [(doc_id, data) for doc_id, _, data in kept] + adding
                if self._by_pack is not None:
                    self._by_pack.pop(pack, None)
                continue
            # The kept members stay where they were, so their records do not change; what the
            # removed ones held becomes zero bytes, and the end is cut after the last kept one.
            layout = []
            at = 0
            for _, place, data in kept:
                layout.append((None, bytes(place.offset - at)))
                layout.append((None, data))
                at = place.offset + place.length
            if layout:                           # even members of no bytes need their pack
                self._write_pack(layout, pack)
            elif self._by_pack is not None:
                self._by_pack.pop(pack, None)
        for group in _pack_groups(adding):
            self._write_pack(group)
        self._unwritten.clear()
        self._unwritten_bytes = 0
        self._shrunk.clear()
        root = self._compartment.root
        listed = root.packs or {}
        # Only the packs this commit wrote are listed afresh: at 100,000 papers the root lists
        # about 400 packs, and computing every one's runs again was a tenth of a small commit.
        root.packs = {pack: listed[pack] if pack in listed and pack not in self._packs_written
                      else pack_to_json(pointer) for pack, pointer in self._packs.items()}
        self._packs_written.clear()
        if root.packs:
            root.format = max(root.format, FORMAT_PACKED)

    def _write_pack(self, layout: builtins.list[tuple[str | None, bytes]],
                    pack: str | None = None) -> None:
        """Write a pack (a new object) holding `layout`'s bytes in order; the documents named
        in it get their new place (None: bytes whose record does not change). `pack`: the id
        of the pack this one replaces, kept so that its other members' records stay valid."""
        writer = self._compartment.store.writer(chunk_sectors=PACK_CHUNK_SECTORS)
        places: builtins.list[tuple[str, int, int]] = []
        offset = 0
        try:
            for doc_id, data in layout:
                writer.write(data)
                if doc_id is not None:
                    places.append((doc_id, offset, len(data)))
                offset += len(data)
        except BaseException:
            writer.abort()
            raise
        pointer = writer.close()[0]
        while pack is None:
            drawn = self._compartment._container.random(4).hex()
            if drawn not in self._packs:
                pack = drawn
        self._packs[pack] = pointer
        self._packs_written.add(pack)
        if self._by_pack is not None:
            self._by_pack.setdefault(pack, set()).update(doc_id for doc_id, _, _ in places)
        for doc_id, at, length in places:
            self._content[doc_id] = Packed(pack, at, length)
            self._dirty.add(_page_of(doc_id))

    def _hold_until_commit(self, doc_id: str, data: bytes) -> None:
        """Keep a small document's bytes for the commit's packs. A batch that gathers more than
        UNWRITTEN_LIMIT bytes writes full packs at once (new objects nothing points at until
        the commit, so a crash still loses nothing committed), keeping memory bounded."""
        self._unwritten[doc_id] = data
        self._unwritten_bytes += len(data)
        if self._unwritten_bytes < UNWRITTEN_LIMIT:
            return
        # Every group but the last is full; the last waits for more papers or the commit.
        for group in _pack_groups(builtins.list(self._unwritten.items()))[:-1]:
            self._write_pack(group)
            for written, _ in group:
                if written is not None:
                    self._unwritten_bytes -= len(self._unwritten.pop(written))

    def _pack_to_refill(self) -> str | None:
        """The smallest pack holding less than PACK_REFILL bytes: a commit that adds small
        documents rewrites it with them, so that papers added one commit at a time share
        sectors too (docs/FORMAT.md §4)."""
        small = [(pointer.length, pack) for pack, pointer in self._packs.items()
                 if pointer.length < PACK_REFILL and pack not in self._shrunk]
        return min(small)[1] if small else None

    def _members(self, packs: set[str]) -> dict[str, builtins.list[str]]:
        """The documents of each of `packs`, in the order of their bytes."""
        if self._by_pack is None:
            # One pass over the records as they are held (parsed or not): a tenth of a second
            # at 100,000 documents, once per session.
            by_pack: dict[str, set[str]] = {}
            for doc_id, held in self._content.held():
                # Inline, not a function: a call per document would be most of the pass.
                if type(held) is str:
                    pack = held[:8] if held[8:9] == " " else None     # packs.is_member_text
                else:
                    pack = held.get("p") if type(held) is dict else getattr(held, "pack", None)
                if pack and type(pack) is str:
                    by_pack.setdefault(pack, set()).add(doc_id)
            self._by_pack = by_pack
        found: dict[str, builtins.list[str]] = {}
        for pack in packs:
            places = []
            for doc_id in self._by_pack.get(pack, ()):
                place = self._content[doc_id]
                assert isinstance(place, Packed)
                places.append((place.offset, doc_id))
            found[pack] = [doc_id for _, doc_id in sorted(places)]
        return found

    def extents(self) -> Iterator[Extent]:
        for copies in self._page_pointers:
            for copy in copies or ():
                yield from copy.extents
        for search in self._search_pointers:
            if search is not None:
                yield from search.extents
        for pack in self._packs.values():
            yield from pack.extents
        for _, held in self._content.held():
            if type(held) is str:                 # the text form records are written in
                if not is_member_text(held):      # a pack member: its pack is marked above
                    yield from Pointer.text_extents(held)
            elif type(held) is dict:              # the JSON object 0.1.0 wrote
                if "p" not in held:
                    # As tuples, like Pointer.extents; the shape is checked when marked.
                    yield from map(tuple, held["e"])
            elif isinstance(held, Pointer):
                yield from held.extents

    def objects(self) -> Iterator[Pointer]:
        """Every object the catalog points at: page copies, search indexes, packs, and the
        documents that have an object of their own."""
        for copies in self._page_pointers:
            yield from copies or ()
        yield from (search for search in self._search_pointers if search is not None)
        yield from self._packs.values()
        for doc_id in self._content:
            content = self._content[doc_id]
            if isinstance(content, Pointer):
                yield content

    def recode(self, rewrite: Callable[[Pointer], Pointer]) -> builtins.list[Pointer]:
        """Give every object the catalog points at a new pointer, `rewrite(old)`, and mark
        every page to be written again with the next commit, through the compartment's store
        as it is then (format 3's upgrade, docs/FORMAT.md §10). Returns the old pointers of the
        pages and search indexes, which the next commit does not free: the caller does."""
        old = [p for copies in self._page_pointers for p in copies or ()]
        old += [p for p in self._search_pointers if p is not None]
        for doc_id in builtins.list(self._content):
            content = self._content[doc_id]
            if isinstance(content, Pointer):
                self._content[doc_id] = rewrite(content)
        self._packs = {pack: rewrite(pointer) for pack, pointer in self._packs.items()}
        if self._packs:
            self._compartment.root.packs = {pack: pack_to_json(pointer)
                                            for pack, pointer in self._packs.items()}
        self._page_pointers = [None] * PAGES
        self._search_pointers = [None] * PAGES
        self._dirty.update(page for page in range(PAGES) if self._ids_by_page[page])
        return old

    def _pointers(self) -> builtins.list[tuple[str, Pointer]]:
        """Each document and the sectors its bytes occupy: its own object's pointer, or, for a
        packed document, its pack's pointer narrowed to the sectors that hold its bytes
        (nothing yet for one whose pack the next commit writes)."""
        found = []
        for doc_id in self._content:
            content = self._content[doc_id]
            if isinstance(content, Packed):
                pack = self._packs.get(content.pack)
                extents = () if pack is None else self._compartment.store.sectors_holding(
                    pack, content.offset, content.length)
                content = Pointer(pack.seed if pack else bytes(32), content.length, extents)
            found.append((doc_id, content))
        return sorted(found)

    def _member_bytes(self, doc_id: str, place: Packed) -> bytes:
        """A packed document's bytes (ChunkDamaged when a chunk holding them fails)."""
        if place.pack == UNWRITTEN:
            return self._unwritten[doc_id]
        pack = self._packs.get(place.pack)
        if pack is None:
            raise ChunkDamaged()                 # the catalog names a pack it does not hold
        return self._compartment.store.read_range(pack, place.offset, place.length)

    def _packed_document(self, doc_id: str, place: Packed) -> bytes:
        """A packed document's bytes for the one who asked for it: DocumentDamaged when a
        chunk holding them fails."""
        try:
            return self._member_bytes(doc_id, place)
        except ChunkDamaged:
            raise DocumentDamaged(doc_id) from None

    def _content_bytes(self, doc_id: str) -> bytes:
        content = self._content[doc_id]
        if isinstance(content, Packed):
            return self._member_bytes(doc_id, content)
        return self._compartment.store.read_bytes(content)

    def verify(self, doc_id: str) -> int:
        """Read and authenticate every chunk holding the document's bytes; the bytes checked.
        DocumentDamaged when one fails."""
        key = self.resolve(doc_id)
        content = self._content[key]
        if isinstance(content, Packed):
            return len(self._packed_document(key, content))
        total = 0
        try:
            for chunk in self._compartment.store.chunks(content):
                total += len(chunk)
        except ChunkDamaged:
            raise DocumentDamaged(key) from None
        return total

    # -- transactions ----------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Everything inside is one commit; an error inside leaves the last commit untouched."""
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            if self._batch_depth == 1:
                self._compartment.rollback()
            raise
        finally:
            self._batch_depth -= 1
        if self._batch_depth == 0:
            self._compartment.commit()

    @contextmanager
    def _change(self) -> Iterator[None]:
        with self.batch():
            yield

    # -- reading -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._docs)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.list())

    def resolve(self, doc_id: str) -> str:
        key = doc_id.strip().lower()
        if key in self._docs:
            return key
        if len(key) >= MIN_ID_PREFIX:
            hits = [d for d in self._docs if d.startswith(key)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise AmbiguousId()
        raise DocumentNotFound(f"No document has the id {_safe_id(doc_id)}.")

    def get(self, doc_id: str) -> Document:
        return self._docs[self.resolve(doc_id)]

    def has(self, doc_id: str) -> bool:
        """Whether a document has exactly this id."""
        return doc_id in self._docs

    @property
    def writable(self) -> bool:
        """False when the container is open read-only: nothing can be stored."""
        return not self._compartment._container.read_only

    def check_writable(self) -> None:
        """Refuse (EnvironmentProblem) when nothing can be stored."""
        self._compartment._container._check_writable()

    # -- the keeper's own kinds -------------------------------------------------------------------
    def own_kinds(self) -> tuple[str, ...]:
        """Kinds the keeper added to this compartment (kept in its catalog root, key "kinds";
        catalogs written before kinds could be added simply have none)."""
        stored = self._compartment.root.kinds
        if stored is None:
            return ()
        return tuple(k for k in stored if isinstance(k, str) and KIND.fullmatch(k))

    def known_kinds(self) -> tuple[str, ...]:
        """The built-in kinds, then the keeper's own."""
        return KINDS + tuple(k for k in self.own_kinds() if k not in KINDS)

    def add_kind(self, kind: str) -> bool:
        """Add a kind of the keeper's own; commits. False when the kind was already known."""
        if not isinstance(kind, str) or not KIND.fullmatch(kind):
            raise InvalidInput("A kind is a short lowercase word with hyphens, such as "
                               "criminal-case.")
        if kind in self.known_kinds():
            return False
        own = builtins.list(self.own_kinds())
        if len(own) >= MAX_OWN_KINDS:
            raise InvalidInput("A compartment can hold at most 200 kinds of your own.")
        with self._change():
            self._compartment.root.kinds = [*own, kind]
        return True

    def list(self, *, kind: str | None = None, tag: str | None = None,
             since: dt.date | None = None, until: dt.date | None = None,
             query: str | None = None) -> list[Document]:
        """Documents matching every filter given, oldest paper first."""
        # Every word of the query must match, in any of its forms (papka.text.query_word_keys).
        wanted = query_word_keys(query) if query else []
        keys: dict[str, str] = {}
        if query:
            for page in range(PAGES):
                keys.update(self._page_keys(page))
        folded_tag = tag.strip().casefold() if tag is not None else None
        with bulk_objects():
            found = self._matching(kind, folded_tag, since, until, wanted, keys)
            # d.when written out: the property call is a third of the sort at 100,000 documents.
            return sorted(found, key=lambda d: (d.date or d.added.date(), d.added, d.id))

    def _matching(self, kind: str | None, folded_tag: str | None, since: dt.date | None,
                  until: dt.date | None, wanted: builtins.list[set[str]],
                  keys: dict[str, str]) -> builtins.list[Document]:
        found = []
        for doc in self._docs.built():
            if kind is not None and doc.kind != kind:
                continue
            if folded_tag is not None and all(t.casefold() != folded_tag for t in doc.tags):
                continue
            if since is not None or until is not None:
                when = doc.when
                if (since is not None and when < since) or (until is not None and when > until):
                    continue
            if wanted:
                text = keys[doc.id]
                if not all(any(k in text for k in word) for word in wanted):
                    continue
            found.append(doc)
        return found

    def open(self, doc_id: str) -> BinaryIO:
        """A stream of the document's bytes, decrypted a chunk at a time."""
        key = self.resolve(doc_id)
        content = self._content[key]
        if isinstance(content, Packed):
            return io.BytesIO(self._packed_document(key, content))
        reader: ObjectReader = self._compartment.store.open(
            content, lambda: DocumentDamaged(key))
        return reader  # type: ignore[return-value]

    def read_bytes(self, doc_id: str) -> bytes:
        with self.open(doc_id) as stream:
            return stream.read()

    def copy_to(self, doc_id: str, out: BinaryIO, progress: Progress | None = None) -> int:
        key = self.resolve(doc_id)
        total = self._docs[key].size
        done = 0
        content = self._content[key]
        if isinstance(content, Packed):
            data = self._packed_document(key, content)
            out.write(data)
            if progress is not None:
                progress(len(data), total)
            return len(data)
        # Each decrypted chunk (up to 1 MiB) is written as it is, from a buffer reused for the
        # next: no copy into a stream's buffer, no new bytes per chunk.
        chunks = self._compartment.store.chunks_reusing(content)
        try:
            for chunk in chunks:
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        except ChunkDamaged:
            raise DocumentDamaged(key) from None
        return done

    def save_to(self, doc_id: str, path: str | os.PathLike[str], *,
                overwrite: bool = False) -> Path:
        """Write the document to a path the caller names. It is written whole under a partial
        name and renamed into place, so a run cut short never leaves a truncated file under the
        name, and `overwrite` replaces an existing file only with a complete one."""
        key = self.resolve(doc_id)
        target = Path(path)
        try:
            with new_output_file(target, replace=overwrite) as out:
                self.copy_to(key, out)
        except FileExistsError:
            raise InvalidInput("A file already exists at that path; nothing was written.",
                               hint="Choose another path, or allow overwriting.") from None
        except IsADirectoryError:
            raise InvalidInput("That path is a folder; nothing was written.") from None
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise EnvironmentProblem(
                    "The disk is full; nothing was written and any file already at that path "
                    "is unchanged.") from None
            raise EnvironmentProblem(f"papka cannot write there ({error.strerror}).") from None
        return target

    # -- writing -------------------------------------------------------------------------------
    def add(self, source: str | os.PathLike[str] | BinaryIO, meta: DocumentMeta | None = None,
            /, *, progress: Progress | None = None, **fields: Any) -> Document:
        """Store a file (by path) or a binary stream, with its metadata (``meta``, and/or its
        fields by name: ``add(path, kind="summons", tags=["court"])``); commits."""
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            with _open_regular_file(path) as stream:
                size = os.fstat(stream.fileno()).st_size
                self.check_room(size)            # refuse at once, before writing anything
                if meta is None or meta.filename is None:
                    fields.setdefault("filename", path.name)
                return self.add(stream, meta, progress=_sized(progress, size), **fields)
        incoming = self.receive(meta, progress=progress, **fields)
        with self._change():
            try:
                while incoming.fill_from(source):
                    pass
            except OSError as error:
                incoming.abort()
                raise InvalidInput(f"papka could not read the file ({error.strerror}); "
                                   "nothing was added.") from None
            except BaseException:
                incoming.abort()
                raise
            return incoming.close()

    def receive(self, meta: DocumentMeta | None = None, /, *,
                progress: Progress | None = None, **fields: Any) -> IncomingDocument:
        """A new document whose bytes are pushed into it (IncomingDocument.write), for a source
        that hands bytes over rather than being read (a bundle being decrypted). Its close()
        stores it, committing unless inside batch(); metadata as for add()."""
        checked = (meta or DocumentMeta()).with_changes(fields)
        if checked.derived_from is not None:
            checked = replace(checked, derived_from=self.resolve(checked.derived_from))
        # The whole-file commitment is made from the digest the writer computes anyway.
        salt = self._compartment._container.random(SALT_BYTES)
        writer = self._compartment.store.writer(progress=progress)
        return IncomingDocument(self, writer, checked, salt)

    def add_note(self, text: str, *, title: str, **metadata: Any) -> Document:
        """A typed note (dates, places, names) stored as a UTF-8 text document."""
        metadata.setdefault("kind", "note")
        return self.add(io.BytesIO(text.encode("utf-8")), title=title, **metadata)

    def import_folder(self, folder: str | os.PathLike[str],
                      **metadata: Any) -> builtins.list[Document]:
        """Every regular file below `folder` (symbolic links are not followed), in one commit."""
        root = Path(folder)
        if not root.is_dir():
            raise InvalidInput("This path is not a folder.")
        files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        added: builtins.list[Document] = []
        with self.batch():
            for path in files:
                added.append(self.add(path, **metadata))
        return added

    def update(self, doc_id: str, **changes: Any) -> Document:
        """Change some of a document's metadata, by field name (those of DocumentMeta)."""
        key = self.resolve(doc_id)
        doc = self._docs[key]
        meta = doc.meta.with_changes(changes)
        if not meta.title:
            raise InvalidInput("A document's title cannot be empty.")
        with self._change():
            self._put(replace(doc, **{name: getattr(meta, name) for name in META_FIELDS}),
                      self._content[key])
        return self._docs[key]

    def remove(self, doc_id: str) -> None:
        """Remove a document; its sectors are overwritten with random bytes by the commit. A
        packed document's pack is rewritten without it by this commit, and the old pack
        overwritten like any freed object (docs/FORMAT.md §4)."""
        key = self.resolve(doc_id)
        with self._change():
            page = _page_of(key)
            # The page's search keys are read (or recomputed, from the records) while this
            # document's record is still there.
            keys = self._page_keys(page)
            content = self._content.pop(key)
            if isinstance(content, Packed):
                if content.pack == UNWRITTEN:
                    self._unwritten_bytes -= len(self._unwritten.pop(key))
                else:
                    self._shrunk.add(content.pack)
                    if self._by_pack is not None:
                        self._by_pack.get(content.pack, set()).discard(key)
            else:
                self._compartment.store.free(content)
            del self._docs[key]
            keys.pop(key, None)
            self._ids_by_page[page].discard(key)
            self._dirty.add(page)

    def _put(self, doc: Document, pointer: Content) -> None:
        page = _page_of(doc.id)
        keys = self._page_keys(page)
        self._docs[doc.id] = doc
        self._content[doc.id] = pointer
        self._ids_by_page[page].add(doc.id)
        keys[doc.id] = _search_text(doc)
        self._dirty.add(page)

    def _new_id(self) -> str:
        while True:
            candidate = self._compartment._container.random(4).hex()
            if candidate not in self._docs:
                return candidate

    # -- page commitments (vault/commitments.py) ------------------------------------------------
    def commitments(self, doc_id: str) -> PageCommitments:
        """The document's salted page commitments. A document added before papka made them
        gets them now (made "later"), stored with a commit unless inside batch()."""
        key = self.resolve(doc_id)
        doc = self._docs[key]
        if doc.commitments is not None:
            try:
                return PageCommitments.from_record(doc.commitments)
            except ValueError:
                raise ContainerDamaged("A document's page commitments are malformed.",
                                       hint="Run `papka check`.") from None
        pointer = self._content[key]
        salt = self._compartment._container.random(SALT_BYTES)
        made = self._make_commitments(Commitment(salt, commit_file(salt, doc.sha256)),
                                      doc.media_type, lambda: self._content_bytes(key),
                                      doc.size, "later")
        with self._change():
            self._put(replace(doc, commitments=made.to_record()), pointer)
        return made

    def _make_commitments(self, whole: Commitment, media_type: str,
                          content: Callable[[], bytes], length: int,
                          made: Made) -> PageCommitments:
        def read() -> bytes:
            try:
                return content()
            except ChunkDamaged:
                raise ContainerDamaged("A document's bytes failed verification while papka "
                                       "was reading its pages.") from None

        pages = commit_pages(media_type, read, length, self._compartment._container.random)
        at = self._clock().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return PageCommitments(whole=whole, pages=pages, made=made, at=at)

    def check_room(self, size: int) -> None:
        if not self._compartment.store.fits(size):
            raise ContainerFull()


class IncomingDocument:
    """A document being stored from bytes pushed into it; see DocumentStore.receive."""

    def __init__(self, documents: DocumentStore, writer: ObjectWriter | CodedWriter,
                 meta: DocumentMeta, salt: bytes) -> None:
        self._documents = documents
        self._writer = writer
        self._meta = meta
        self._salt = salt
        self.document: Document | None = None

    def write(self, data: bytes | bytearray | memoryview, /) -> int:
        try:
            return self._writer.write(data)
        except BaseException:
            self.abort()
            raise

    def fill_from(self, source: BinaryIO) -> int:
        """Read the next chunk's worth from ``source``; 0 at its end."""
        return self._writer.fill_from(source)

    def close(self) -> Document:
        """Store the document with its metadata (one commit unless inside batch())."""
        documents = self._documents
        with documents._change():
            small = self._writer.take_small(PACK_LIMIT)
            pointer: Content
            if small is None:
                stored, digest, head = self._writer.close()
                pointer = stored
                store = documents._compartment.store

                def content() -> bytes:
                    return store.read_bytes(stored)
            else:
                # Written into a pack by the commit (docs/FORMAT.md §4); until then in memory.
                data, digest, head = small
                pointer = Packed(UNWRITTEN, 0, len(data))

                def content() -> bytes:
                    return data
            meta = self._meta
            doc_id = documents._new_id()
            recorded = {name: getattr(meta, name) for name in META_FIELDS}
            recorded["title"] = meta.title or default_title(meta.filename, meta.kind)
            media_type = sniff_media_type(head)
            commitments = documents._make_commitments(
                Commitment(self._salt, commit_file(self._salt, digest)), media_type, content,
                pointer.length, "import")
            doc = Document(**recorded, id=doc_id, media_type=media_type,
                           size=pointer.length, sha256=digest, added=documents._clock(),
                           commitments=commitments.to_record())
            documents._put(doc, pointer)
            if small is not None:
                documents._hold_until_commit(doc_id, small[0])
        self.document = documents._docs[doc_id]
        return self.document

    def abort(self) -> None:
        """Give the document up: nothing of it is stored, its sectors are freed."""
        self._writer.abort()


class _ClosedRecords(dict[str, Any]):
    """The records of a closed container: every use is refused with one clear sentence."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise ContainerClosed()

    __getitem__ = __setitem__ = __delitem__ = __contains__ = __iter__ = __len__ = _refuse
    get = items = keys = values = update = pop = setdefault = _refuse


class _Lazy(Generic[T]):
    """A mapping of document id to an object built from its JSON on first access.

    A value is held as parsed (one of `raw_types`: what a catalog page's JSON gives) until it
    is first asked for, then as the built object; the type tells them apart, so that loading a
    page is one dictionary update, with no bookkeeping per document."""

    def __init__(self, build: Callable[[Any], T], raw_types: tuple[type, ...]) -> None:
        self._build = build
        self._raw_types = raw_types
        self._items: dict[str, Any] = {}

    def close(self) -> None:
        """Let go of every value; any use after this raises ContainerClosed."""
        self._items = _ClosedRecords()

    def load(self, items: dict[str, Any]) -> None:
        """Hold values as parsed (each of one of the raw types)."""
        self._items.update(items)

    def is_raw(self, key: str) -> bool:
        return type(self._items[key]) in self._raw_types

    def held(self) -> Iterator[tuple[str, Any]]:
        """Every key with its value as held: the JSON it was loaded from, or the built object."""
        return iter(self._items.items())

    def raw(self, key: str) -> Any:
        return self._items[key]

    def built(self) -> builtins.list[T]:
        """Every value, built (what the first listing after unlock needs, without a method call
        per document)."""
        items, raw_types, build = self._items, self._raw_types, self._build
        values = []
        try:
            for key, value in items.items():
                if type(value) in raw_types:
                    value = build(value)
                    items[key] = value        # a value replaced, no key added: iteration holds
                values.append(value)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _malformed_index() from None
        return values

    def __getitem__(self, key: str) -> T:
        value = self._items[key]
        if type(value) in self._raw_types:
            try:
                value = self._build(value)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise _malformed_index() from None
            self._items[key] = value
        return value  # type: ignore[no-any-return]

    def __setitem__(self, key: str, value: T) -> None:
        if type(value) in self._raw_types:
            raise TypeError("a built value has the type of a parsed one")
        self._items[key] = value

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def pop(self, key: str) -> T:
        value = self[key]
        del self[key]
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


#: Starts the search keys of records indexed with word forms; older records lack it.
_KEYS_WITH_LEMMAS = "\x01"


def _search_text(doc: Document) -> str:
    """The normalised forms search looks in (papka.text.search_keys of every text field, and
    the dictionary forms of their words), joined by NUL after a version mark."""
    keys: set[str] = set()
    for word in (doc.title, doc.filename, doc.issuer, doc.number, doc.notes, *doc.tags):
        if word:
            keys |= search_keys(word)
            keys |= lemma_keys(word)
    return _KEYS_WITH_LEMMAS + "\x00".join(sorted(k for k in keys if k))


def _malformed_index() -> ContainerDamaged:
    """A record (or a page of them) that authenticates but has the wrong shape: only someone
    holding the passphrase could have written it; reported as damage, never a crash."""
    return ContainerDamaged("Part of a compartment's index is malformed.",
                            hint="Run `papka check`.")


#: A compressed catalog object is larger than this only if crafted (a page of 100,000 records
#: is about 60 MiB before compression).
_CATALOG_LIMIT = 512 * 1024 * 1024


def _page_records(text: bytes) -> builtins.list[dict[str, Any]]:
    """A catalog page's JSON as its list of records. ValueError when it is not one."""
    records = json.loads(text)
    if not isinstance(records, list) or not all(type(r) is dict for r in records):
        raise ValueError("a catalog page is a list of records")
    return records


def _catalog_text(stored: bytes) -> bytes:
    """A catalog page or search index as JSON. papka writes JSON with no leading space, so it
    starts with "[" or "{"; a zlib stream (RFC 1950, deflate) starts with 0x78 ("x")
    (docs/FORMAT.md §6). ValueError when it does not inflate, or inflates beyond any real page."""
    if stored[:1] != b"\x78":
        return stored
    inflate = zlib.decompressobj()
    try:
        text = inflate.decompress(stored, _CATALOG_LIMIT)
    except zlib.error:
        raise ValueError("a catalog object does not inflate") from None
    if inflate.unconsumed_tail or not inflate.eof or inflate.unused_data:
        raise ValueError("a catalog object is not one whole zlib stream")
    return text


def _pack_groups(papers: builtins.list[tuple[str, bytes]]
                 ) -> builtins.list[builtins.list[tuple[str | None, bytes]]]:
    """Papers in order, cut into packs of at most PACK_BYTES (a paper never spans two)."""
    groups: builtins.list[builtins.list[tuple[str | None, bytes]]] = []
    filled = 0
    for doc_id, data in papers:
        if not groups or filled + len(data) > PACK_BYTES:
            groups.append([])
            filled = 0
        groups[-1].append((doc_id, data))
        filled += len(data)
    return groups


def _page_of(doc_id: str) -> int:
    return int(doc_id, 16) % PAGES


def _safe_id(text: str) -> str:
    """An id echoed in a message: hex characters only, so no typed text leaks into errors."""
    return re.sub(r"[^0-9a-f]", "?", text.lower())[:16] or "?"


def _sized(progress: Progress | None, size: int) -> Progress | None:
    if progress is None:
        return None
    return lambda done, _total: progress(done, size)


@contextmanager
def _open_regular_file(path: Path) -> Iterator[BinaryIO]:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidInput("There is no file at this path.") from None
    except OSError as error:
        raise InvalidInput(f"papka cannot read this path ({error.strerror}).") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput("This path is a folder; add its files or import the folder.")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput("This path is not a regular file (a device, pipe or socket).")
    try:
        stream = open(path, "rb")  # noqa: SIM115
    except OSError as error:
        raise InvalidInput(f"papka cannot read this file ({error.strerror}).") from None
    with stream:
        yield stream

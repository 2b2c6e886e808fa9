"""The root of a compartment's catalog: the one object its slot points at (docs/FORMAT.md §6).

It is read and checked here, in one place, and written back as the same JSON: the keys papka
writes, in the order it has always written them, and any key a newer papka wrote, kept as it
was. The root is authenticated, but whoever holds the passphrase could have crafted it, so
every field is checked before use and a malformed root fails cleanly (ValueError).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from papka.vault.header import SLOT_COUNT

#: The catalog pages a compartment's documents are spread over (by id).
PAGES = 64
#: Sections kept for the layers above the store: the exchange layer's address book ("book"),
#: export profiles ("profiles") and the signed manifests of bundles sent ("sent", for
#: disclosures); the store only checks that each is a JSON object.
SECTIONS = ("book", "profiles", "sent")
#: The catalog format of a compartment that holds neither packs nor compressed catalog objects.
FORMAT = 1
#: The catalog format once a compartment holds packs or compressed catalog pages
#: (docs/FORMAT.md §6); papka before packs reads neither, and reports the catalog as damaged.
FORMAT_PACKED = 2


class KeyPair(TypedDict):
    """A compartment's two master keys, hex (one per header region)."""

    a: str
    b: str


class Link(KeyPair):
    """The keys a newer compartment keeps for an older one, so that opening the newer opens
    the older too; "next" holds the older's new keys while its passphrase changes."""

    slot: int
    next: NotRequired[KeyPair]


@dataclass
class CatalogRoot:
    """What one compartment's catalog holds at its top."""

    #: The 32-byte identity seed, hex (made with the compartment; never leaves it).
    identity: str
    #: Keys of the older compartments this one opens.
    older: list[Link] = field(default_factory=list)
    #: Per catalog page: pointers to its two copies (JSON), or None for an empty page.
    pages: list[list[dict[str, Any]] | None] = field(default_factory=lambda: [None] * PAGES)
    #: Per page: the pointer to its search keys, or None. Absent in catalogs never searched.
    search: list[dict[str, Any] | None] | None = None
    #: Kinds the keeper added; absent until the first one.
    kinds: list[str] | None = None
    #: Packs of small documents, by pack id: their object pointers (JSON). Absent until the
    #: first pack.
    packs: dict[str, dict[str, Any]] | None = None
    #: The sections of SECTIONS that were ever written, by name.
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Format 3, above level 0: shares that a repair wrote elsewhere, by object seed (hex) and
    #: share index (decimal text): their sectors (docs/FORMAT.md §10, "Repair"). Absent until
    #: the first repair.
    moved: dict[str, dict[str, int]] | None = None
    #: In the decoy's (level 0) root: 3 when the container is format 3, so that every session
    #: runs its plan (docs/FORMAT.md §10); absent in format 2.
    container: int | None = None
    format: int = FORMAT
    #: Keys this papka does not know (a newer papka's), written back unchanged.
    unknown: dict[str, Any] = field(default_factory=dict)
    #: The order the keys were read in, so that the root is written back as it was.
    order: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def new(cls, identity: bytes, older: list[Link]) -> CatalogRoot:
        # A new root has always been written with an empty page list and an empty book.
        return cls(identity=identity.hex(), older=older, pages=[], sections={"book": {}},
                   order=["format", "older", "identity", "pages", "book"])

    @property
    def identity_seed(self) -> bytes:
        return bytes.fromhex(self.identity)

    # -- JSON ------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        # Keys keep the order they were read in; keys new to this root follow in a fixed order.
        values: dict[str, Any] = {"format": self.format, "older": self.older,
                                  "identity": self.identity, "pages": self.pages}
        if "book" in self.sections:
            values["book"] = self.sections["book"]
        if self.search is not None:
            values["search"] = self.search
        if self.kinds is not None:
            values["kinds"] = self.kinds
        if self.packs is not None:
            values["packs"] = self.packs
        if self.moved is not None:
            values["moved"] = self.moved
        if self.container is not None:
            values["container"] = self.container
        values.update(self.sections)
        values.update(self.unknown)
        ordered = {key: values[key] for key in self.order if key in values}
        ordered.update((key, value) for key, value in values.items() if key not in ordered)
        return ordered

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | bytes) -> CatalogRoot:
        return cls.from_json(json.loads(text))

    @classmethod
    def from_json(cls, data: Any) -> CatalogRoot:
        """The root as papka writes it, or ValueError."""
        if not isinstance(data, dict):
            raise ValueError("catalog root is not an object")
        pages = data.get("pages", [])
        older = data.get("older", [])
        if not isinstance(pages, list) or len(pages) > PAGES or not isinstance(older, list):
            raise ValueError("catalog root fields have the wrong shape")
        for page in pages:
            if page is not None and not (isinstance(page, list) and 1 <= len(page) <= 2
                                         and all(isinstance(p, dict) for p in page)):
                raise ValueError("catalog page pointer has the wrong shape")
        for link in older:
            if not (isinstance(link, dict) and type(link.get("slot")) is int
                    and 0 <= link["slot"] < SLOT_COUNT and is_key_pair(link)
                    and ("next" not in link or is_key_pair(link["next"]))):
                raise ValueError("older compartment link has the wrong shape")
        identity = data.get("identity")
        if not isinstance(identity, str) or len(identity) != 64 or not _is_hex(identity):
            raise ValueError("identity seed has the wrong shape")
        search = data.get("search")
        if search is not None and not (isinstance(search, list) and len(search) <= PAGES and all(
                p is None or isinstance(p, dict) for p in search)):
            raise ValueError("search index pointers have the wrong shape")
        kinds = data.get("kinds")
        if kinds is not None and not (isinstance(kinds, list)
                                      and all(isinstance(k, str) for k in kinds)):
            raise ValueError("the keeper's kinds have the wrong shape")
        sections = {name: data[name] for name in SECTIONS if name in data}
        if not all(isinstance(value, dict) for value in sections.values()):
            raise ValueError("a section of the catalog has the wrong shape")
        packs = data.get("packs")
        if packs is not None and not (isinstance(packs, dict) and all(
                isinstance(p, dict) for p in packs.values())):
            raise ValueError("pack pointers have the wrong shape")
        moved = data.get("moved")
        if moved is not None and not (isinstance(moved, dict) and all(
                isinstance(seed, str) and len(seed) == 64 and _is_hex(seed)
                and isinstance(shares, dict) and all(
                    isinstance(i, str) and i.isascii() and i.isdigit()
                    and type(sector) is int and sector >= 0 for i, sector in shares.items())
                for seed, shares in moved.items())):
            raise ValueError("moved shares have the wrong shape")
        container = data.get("container")
        if container is not None and type(container) is not int:
            raise ValueError("the container format is not a number")
        fmt = data.get("format", FORMAT)
        if type(fmt) is not int:
            raise ValueError("the catalog format is not a number")
        if fmt > FORMAT_PACKED:
            raise ValueError("the catalog was written in a newer format")
        known = {"format", "older", "identity", "pages", "search", "kinds", "packs", "moved",
                 "container", *SECTIONS}
        return cls(identity=identity, older=older, pages=pages, search=search, kinds=kinds,
                   packs=packs, sections=sections, moved=moved, container=container,
                   format=fmt,
                   unknown={k: v for k, v in data.items() if k not in known},
                   order=list(data))


def is_key_pair(keys: Any) -> bool:
    return (isinstance(keys, dict)
            and all(isinstance(keys.get(k), str) and len(keys[k]) == 64 and _is_hex(keys[k])
                    for k in ("a", "b")))


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True

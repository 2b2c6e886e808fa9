"""Packs: small documents stored together in one object, so that a paper of 1 KiB does not take
a sector of its own (docs/FORMAT.md §4, "Packs").

A pack is an ordinary object (its own random seed and key, chunks bound to their place by the
AEAD) written with one-sector chunks. A packed document's record points at its pack, offset and
length; the pack's own pointer is in the catalog root. A commit that removes a member rewrites
its pack without it, so a removed paper never stays decryptable in a pack still in use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from papka.vault.objects import Pointer

#: Contents of at most this many bytes are packed. Alone, such a document would leave at least
#: a quarter of its 4,096-byte sector empty; larger ones gain too little to share sectors.
PACK_LIMIT = 3072
#: A pack holds at most this many bytes of documents (a member never spans two packs): removing
#: a member rewrites at most this much, and the pack's pointer stays a short list.
PACK_BYTES = 256 * 1024
#: A commit that adds small documents also rewrites, with them, the smallest pack holding less
#: than this: papers added one commit at a time then share sectors, for at most this much
#: rewritten per commit.
PACK_REFILL = 32 * 1024
#: One sector per chunk: a damaged sector loses only the members whose bytes it held.
PACK_CHUNK_SECTORS = 1
#: The pack of a document added in the open transaction, whose bytes wait in memory for the
#: commit that writes them into a pack.
UNWRITTEN = ""
#: A batch holds at most about this many bytes of small documents in memory: beyond it, full
#: packs are written before the commit.
UNWRITTEN_LIMIT = 8 * 1024 * 1024

_PACK_ID = re.compile(r"[0-9a-f]{8}")


@dataclass(frozen=True)
class Packed:
    """Where a packed document's bytes are: its pack's id, offset and length."""

    pack: str
    offset: int
    length: int

    def to_json(self) -> dict[str, Any]:
        return {"p": self.pack, "o": self.offset, "n": self.length}

    def to_text(self) -> str:
        """The form records hold: "pack offset length" (docs/FORMAT.md §4), one string, like
        an object pointer's text form, whose first field is 64 characters, not 8."""
        return f"{self.pack} {self.offset} {self.length}"

    @classmethod
    def from_text(cls, text: str) -> Packed:
        fields = text.split(" ")
        if len(fields) != 3 or not all(f.isdigit() and f.isascii() for f in fields[1:]):
            raise ValueError("malformed pack member")
        return cls.from_json({"p": fields[0], "o": int(fields[1]), "n": int(fields[2])})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Packed:
        pack, offset, length = data["p"], data["o"], data["n"]
        if not (isinstance(pack, str) and _PACK_ID.fullmatch(pack) and type(offset) is int
                and type(length) is int and offset >= 0 and length >= 0):
            raise ValueError("malformed pack member")
        return cls(pack, offset, length)


#: What a record's "content" points at: an object of the document's own, or a place in a pack.
Content = Pointer | Packed


def is_member_text(text: str) -> bool:
    """Whether a record's content in text form is a pack member (its first field is a pack id
    of 8 characters; an object pointer's is a seed of 64)."""
    return text[8:9] == " "


def content_from_json(data: dict[str, Any] | str) -> Content:
    """A record's "content": a pack member or an object pointer, each in its text form or as
    the JSON object written before (pack members {"p", "o", "n"})."""
    if isinstance(data, str):
        return Packed.from_text(data) if is_member_text(data) else Pointer.from_json(data)
    if isinstance(data, dict) and "p" in data:
        return Packed.from_json(data)
    return Pointer.from_json(data)


#: The most sectors a pack's pointer may name: packs papka writes hold at most 65 (PACK_BYTES
#: in 4,080-byte chunks); a crafted root claiming more is refused before anything is expanded.
_MAX_PACK_SECTORS = 4096


def pack_to_json(pointer: Pointer) -> dict[str, Any]:
    """A pack's pointer as the root lists it: its one-sector chunks as runs of consecutive
    sectors, `{"s": seed, "n": length, "r": [[first sector, sectors], ...]}` (docs/FORMAT.md
    §6), so that the root stays short however many papers are packed."""
    runs: list[list[int]] = []
    for start, count in pointer.extents:
        if count != 1:
            raise ValueError("a pack is written in one-sector chunks")
        if runs and runs[-1][0] + runs[-1][1] == start:
            runs[-1][1] += 1
        else:
            runs.append([start, 1])
    return {"s": pointer.seed.hex(), "n": pointer.length, "r": runs}


def pack_from_json(data: dict[str, Any]) -> Pointer:
    """The pointer of a pack as the root lists it (pack_to_json): one extent per sector."""
    runs = data["r"]
    if not isinstance(runs, list) or not all(
            isinstance(r, list) and len(r) == 2 and type(r[0]) is int and type(r[1]) is int
            and r[0] >= 0 and r[1] > 0 for r in runs):
        raise ValueError("malformed pack runs")
    if sum(count for _, count in runs) > _MAX_PACK_SECTORS:
        raise ValueError("a pack larger than any papka writes")
    extents = [[sector, 1] for start, count in runs for sector in range(start, start + count)]
    return Pointer.from_json({"s": data["s"], "n": data["n"], "e": extents})


def is_pack_id(text: Any) -> bool:
    return isinstance(text, str) and _PACK_ID.fullmatch(text) is not None

"""Salted commitments to a document's pages, made when it is added (docs/FORMAT.md, "Page
commitments and disclosures").

A page's commitment is SHA-256(salt || bytes); the whole file's is SHA-256(salt || the file's
SHA-256 as 64 hex digits and a newline), so that adding a file hashes it once. Each salt is 32
fresh random bytes. A document has one commitment for the whole file and, for a PDF papka can
split, one per page (the one-page PDFs of papka.pages). Its commitment list is a text file in
`sha256sum`'s format, one line per commitment ("<hex>  file", then "<hex>  page-0001"...), and
its root is the SHA-256 of that text: a court recomputes both with coreutils. Salts and
commitments live in the document's catalog record, inside the compartment's encryption; only a
disclosure the keeper makes reveals the salts of the pages it shows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

SALT_BYTES = 32
#: When the commitments were made: with the document ("import"), or the first time papka needed
#: them for a document added before papka made them ("later": they prove less, see FORMAT.md).
Made = Literal["import", "later"]


def commit(salt: bytes, data: bytes) -> bytes:
    """SHA-256(salt || data): what `cat SALT FILE | sha256sum` prints (a page's commitment)."""
    return hashlib.sha256(salt + data).digest()


def commit_file(salt: bytes, sha256_hex: str) -> bytes:
    """The whole file's commitment, from its SHA-256 (64 lowercase hex digits):
    SHA-256(salt || hex || "\\n"), what `{ cat SALT; sha256sum < FILE | cut -c1-64; } | sha256sum`
    prints. The salt hides the digest as it would hide the bytes, and the digest binds the
    bytes; papka already computes the digest as a file arrives, so a 1 GiB file is not hashed
    twice (docs/FORMAT.md, "Page commitments and disclosures")."""
    return hashlib.sha256(salt + sha256_hex.encode("ascii") + b"\n").digest()


def page_label(number: int, count: int) -> str:
    """The name of page ``number`` (from 1) in a commitment list and a disclosure."""
    return f"page-{number:0{max(4, len(str(count)))}d}"


@dataclass(frozen=True)
class Commitment:
    salt: bytes
    digest: bytes

    def matches(self, data: bytes) -> bool:
        return commit(self.salt, data) == self.digest


@dataclass(frozen=True)
class PageCommitments:
    """A document's commitments: the whole file's and, when papka could split it, each page's."""

    whole: Commitment
    #: None when the document is not a PDF papka can split (the whole file is then its page).
    pages: tuple[Commitment, ...] | None
    made: Made
    #: UTC, YYYY-MM-DDTHH:MM:SSZ.
    at: str

    def labelled(self) -> list[tuple[str, Commitment]]:
        """Every commitment with its label, in the order of the commitment list."""
        out = [("file", self.whole)]
        if self.pages is not None:
            count = len(self.pages)
            out += [(page_label(n, count), c) for n, c in enumerate(self.pages, start=1)]
        return out

    def listing(self) -> bytes:
        """The commitment list: `sha256sum`-style lines, "<hex>  label\\n"."""
        return "".join(f"{c.digest.hex()}  {label}\n" for label, c in self.labelled()).encode()

    def root(self) -> str:
        """The commitment root (hex): SHA-256 of the commitment list."""
        return hashlib.sha256(self.listing()).hexdigest()

    def to_record(self) -> str:
        """As the catalog record keeps it: one line of text, "made at FILE [PAGE...]", each
        commitment its salt and digest in hex (128 characters). One string rather than nested
        lists, because every record is parsed on the first listing after unlock."""
        parts = [self.made, self.at, *(c.salt.hex() + c.digest.hex()
                                       for c in (self.whole, *(self.pages or ())))]
        return " ".join(parts)

    @classmethod
    def from_record(cls, text: Any) -> PageCommitments:
        """The record's commitments, checked (ValueError when malformed)."""
        if not isinstance(text, str):
            raise ValueError("commitments have the wrong shape")
        made, at, *pairs = text.split(" ")
        if made not in ("import", "later") or not _TIME.fullmatch(at) or not pairs:
            raise ValueError("commitments have the wrong shape")
        committed = [_pair(pair) for pair in pairs]
        return cls(whole=committed[0], pages=tuple(committed[1:]) or None,
                   made=made, at=at)  # type: ignore[arg-type]


_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_PAIR = re.compile(r"[0-9a-f]{128}")


def _pair(value: str) -> Commitment:
    if not _PAIR.fullmatch(value):
        raise ValueError("a commitment has the wrong shape")
    return Commitment(bytes.fromhex(value[:64]), bytes.fromhex(value[64:]))


def commit_each(pages: Iterable[bytes], random: Callable[[int], bytes]
                ) -> tuple[Commitment, ...]:
    """A commitment to each of ``pages`` (taken one at a time), each with a fresh salt."""
    committed: list[Commitment] = []
    for page in pages:
        salt = random(SALT_BYTES)
        committed.append(Commitment(salt, commit(salt, page)))
    return tuple(committed)


def commit_pages(media_type: str, read: Callable[[], bytes], size: int,
                 random: Callable[[int], bytes]) -> tuple[Commitment, ...] | None:
    """A commitment to each one-page PDF of a PDF, or None for anything else and for a PDF papka
    cannot split (its whole file stays its one commitment)."""
    from papka.media import PDF
    from papka.pages import MAX_INPUT, PagesUnavailable, each_pdf_page

    if media_type != PDF or size > MAX_INPUT:
        return None
    try:
        return commit_each(each_pdf_page(read()), random)
    except PagesUnavailable:
        return None

"""Salted commitments to a document's pages, made when it is added (docs/FORMAT.md, "Page
commitments and disclosures").

A commitment is SHA-256(salt || bytes), the salt 32 fresh random bytes for each commitment. A
document has one for the whole file and, for a PDF papka can split, one per page (the one-page
PDFs of papka.pages). Its commitment list is a text file in `sha256sum`'s format, one line per
commitment ("<hex>  file", then "<hex>  page-0001"...), and its root is the SHA-256 of that
text: a court recomputes both with coreutils. Salts and commitments live in the document's
catalog record, inside the compartment's encryption; only a disclosure the keeper makes
reveals the salts of the pages it shows.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

SALT_BYTES = 32
#: When the commitments were made: with the document ("import"), or the first time papka needed
#: them for a document added before papka made them ("later": they prove less, see FORMAT.md).
Made = Literal["import", "later"]
_HEX64 = re.compile(r"[0-9a-f]{64}")


def commit(salt: bytes, data: bytes) -> bytes:
    """SHA-256(salt || data): what `cat SALT FILE | sha256sum` prints."""
    return hashlib.sha256(salt + data).digest()


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

    def to_json(self) -> dict[str, Any]:
        pages = None if self.pages is None else [[c.salt.hex(), c.digest.hex()]
                                                 for c in self.pages]
        return {"made": self.made, "at": self.at,
                "file": [self.whole.salt.hex(), self.whole.digest.hex()], "pages": pages}

    @classmethod
    def from_json(cls, data: Any) -> PageCommitments:
        """The record's commitments, checked (ValueError when malformed)."""
        if not isinstance(data, Mapping) or set(data) != {"made", "at", "file", "pages"}:
            raise ValueError("commitments have the wrong shape")
        made, at, pages = data["made"], data["at"], data["pages"]
        if made not in ("import", "later") or not isinstance(at, str) or len(at) > 40:
            raise ValueError("commitments have the wrong shape")
        if pages is not None and not isinstance(pages, list):
            raise ValueError("commitments have the wrong shape")
        return cls(whole=_pair(data["file"]),
                   pages=None if pages is None else tuple(_pair(p) for p in pages),
                   made=made, at=at)


def _pair(value: Any) -> Commitment:
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, str) and _HEX64.fullmatch(v) for v in value)):
        raise ValueError("a commitment has the wrong shape")
    return Commitment(bytes.fromhex(value[0]), bytes.fromhex(value[1]))


def make_commitments(
    whole: Commitment,
    pages: Iterable[bytes] | None,
    random: Callable[[int], bytes],
    *,
    made: Made,
    at: str,
) -> PageCommitments:
    """Commitments for a document whose whole-file commitment is ``whole``, to ``pages`` (its
    one-page PDFs, taken one at a time, or None), each page with a fresh salt from ``random``."""
    committed = None
    if pages is not None:
        made_pages: list[Commitment] = []
        for page in pages:
            salt = random(SALT_BYTES)
            made_pages.append(Commitment(salt, commit(salt, page)))
        committed = tuple(made_pages)
    return PageCommitments(whole=whole, pages=committed, made=made, at=at)


def commit_pages(media_type: str, read: Callable[[], bytes], size: int,
                 random: Callable[[int], bytes]) -> tuple[Commitment, ...] | None:
    """A commitment to each one-page PDF of a PDF, or None for anything else and for a PDF papka
    cannot split (its whole file stays its one commitment)."""
    from papka.media import PDF
    from papka.pages import MAX_INPUT, PagesUnavailable, each_pdf_page

    if media_type != PDF or size > MAX_INPUT:
        return None
    try:
        return make_commitments(Commitment(b"", b""), each_pdf_page(read()), random,
                                made="import", at="").pages
    except PagesUnavailable:
        return None

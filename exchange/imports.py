"""The recipient's side: a verified bundle's documents stored in a compartment, in one commit.

The bundle reader pushes each document's decrypted bytes into a document the vault is receiving
(papka.vault.documents.IncomingDocument), so memory stays at about one chunk and no thread is
needed. Nothing is committed unless the whole bundle verifies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from papka.exchange.errors import ExportError
from papka.formats.bundle import (
    AddressBook,
    Identity,
    ManifestFile,
    VerifiedBundle,
    import_bundle,
)
from papka.vault import DocumentMeta

if TYPE_CHECKING:
    from papka.vault.compartment import Compartment
    from papka.vault.documents import IncomingDocument

#: The kinds a vault accepts (a bundle's may also start with a digit).
_VAULT_KIND = re.compile(r"[a-z][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class ImportResult:
    bundle: VerifiedBundle
    #: The new documents' ids, in manifest order.
    ids: tuple[str, ...]


def _import_meta(entry: ManifestFile, tags: Sequence[str]) -> DocumentMeta:
    """What a bundle says of one document, as the vault's metadata: the fields the sender's
    profile let travel, and where the document came from."""
    fields: dict[str, Any] = {
        "kind": entry.kind if _VAULT_KIND.fullmatch(entry.kind) else "other",
        "title": entry.title.strip() or entry.kind,
        "filename": entry.name.rsplit("/", 1)[-1],
        "derivation": {"action": "imported", "name": entry.name,
                       "sha256": entry.sha256,
                       "redaction": None if entry.redaction is None else dict(entry.redaction),
                       "provenance": [dict(step) for step in entry.provenance]},
    }
    # The sender's commitment roots, so that a disclosure he makes later can be matched to the
    # document received (exchange/disclosure.py).
    for root in ("commitment_root", "original_root"):
        if getattr(entry, root) is not None:
            fields["derivation"][root] = getattr(entry, root)
    for name in ("issuer", "number", "country", "language"):
        if name in entry.metadata:
            fields[name] = entry.metadata[name]
    if "date" in entry.metadata:
        with contextlib.suppress(ValueError):
            fields["date"] = dt.date.fromisoformat(entry.metadata["date"])
    sent = entry.metadata.get("tags", "")
    fields["tags"] = [*(t.strip()[:100] for t in sent.split(",") if t.strip()), *tags]
    return DocumentMeta().with_changes(fields)


def import_into(
    compartment: Compartment,
    source: BinaryIO | str | os.PathLike[str],
    *,
    identities: Sequence[Identity] = (),
    passphrase: str | None = None,
    tags: Sequence[str] = (),
    address_book: AddressBook | None = None,
    check: Callable[[VerifiedBundle], None] | None = None,
) -> ImportResult:
    """Store a bundle's documents in ``compartment`` (a lawyer's own vault), in one commit,
    only if the whole bundle verifies. Each document records where it came from: the bundle's
    manifest hash, its name there, the signer's fingerprint, the sender's provenance and what
    was redacted.

    ``check`` (for example a refusal of a signer whose key changed, given ``address_book``) is
    called with the verified bundle before anything is committed; if it raises, nothing is
    stored. The address book is only read.
    """
    documents = compartment.documents
    incoming: list[IncomingDocument] = []

    def receive(entry: ManifestFile) -> IncomingDocument:
        document = documents.receive(_import_meta(entry, tags))
        incoming.append(document)
        return document

    added: list[str] = []
    with documents.batch():
        bundle = import_bundle(source, receive, identities=identities,
                               passphrase=passphrase, address_book=address_book)
        if check is not None:
            check(bundle)
        for document in incoming:
            if document.document is None:
                raise ExportError("A document of the bundle was not stored.")
            # Which bundle it came from is known once the bundle has been read; recorded in
            # the same commit.
            derivation = dict(document.document.derivation or {})
            derivation["bundle"] = bundle.manifest_sha256
            derivation["signer"] = bundle.fingerprint.openssh
            documents.update(document.document.id, derivation=derivation)
            added.append(document.document.id)
    return ImportResult(bundle, tuple(added))

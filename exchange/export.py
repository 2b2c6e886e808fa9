"""Export: chosen documents, whole or redacted, into one signed bundle for one recipient.

Nothing of an export reaches the disk in plaintext except the bundle the keeper names: originals
stream from the container into the encryption, and redaction works on bytes in memory. A profile
that redacts never lets an unredacted document through: a document papka cannot redact (a video,
a spreadsheet) makes the whole export refuse. See docs/FORMAT.md (Part II) for the bundle and
docs/redaction.md for what redaction does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from papka.exchange.disclosure import keep_sent_manifest
from papka.exchange.errors import BundleFileExists, BundleFileProblem, ExportError
from papka.exchange.identity import signing_key
from papka.exchange.items import ExportedDocument, build_items
from papka.exchange.profiles import Profile, find_profile
from papka.exchange.selection import Selection
from papka.formats.bundle import BundleSummary, Protection, write_bundle
from papka.formats.bundle.writer import utc_now
from papka.output_files import new_output_file

if TYPE_CHECKING:
    from papka.vault import Document
    from papka.vault.compartment import Compartment


@dataclass(frozen=True)
class ExportResult:
    summary: BundleSummary
    path: Path
    documents: tuple[ExportedDocument, ...]
    #: Whether the bundle's entries carry commitment roots and its signed manifest was kept,
    #: so that pages of its documents can be disclosed later (not from a read-only vault, nor
    #: under a profile that sends no provenance, such as ``public``).
    disclosable: bool = False


@contextlib.contextmanager
def _new_file(path: Path) -> Iterator[BinaryIO]:
    """A new file at ``path`` (never an existing one, never through a link), written under a
    partial name and renamed only when complete, so a half-written bundle never stands under
    the name the keeper gave, even if the run is killed (papka/output_files.py)."""
    writing = False
    try:
        with new_output_file(path) as out:
            writing = True
            yield out
    except FileExistsError:
        if writing:
            raise
        raise BundleFileExists() from None
    except OSError:
        if writing:
            raise
        raise BundleFileProblem() from None


def export_bundle(
    compartment: Compartment,
    selection: Selection | Sequence[Document],
    path: str | os.PathLike[str],
    *,
    protection: Protection,
    profile: Profile | str = "lawyer",
    hide: Sequence[str] = (),
    sender: str = "",
    store_redacted: bool = False,
    strip_image_metadata: bool = False,
    unreadable: str | None = None,
    ocr_layer: bool | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Export the selected documents of ``compartment`` into a new bundle file at ``path``,
    signed by the compartment's key for the profile (signing_key: each profile has its own),
    protected as ``protection`` says (recipients' keys, a passphrase, or plain). The file is
    created exclusively and deleted if anything fails.

    The export is one commit when the vault is writable: the roots of the documents' page
    commitments go into the manifest (made now for documents added before papka made them) and
    the signed manifest is kept for disclosures (exchange/disclosure.py). From a read-only
    vault the bundle carries no roots and nothing is stored.

    With ``store_redacted`` each redacted copy is also stored in the compartment as a document
    derived from its original, with the redaction log (categories and counts) as derivation.
    ``strip_image_metadata``: see build_items; ExportResult.documents says for each document
    how it went out and, for originals, what metadata they carry. ``unreadable`` (box, drop or
    accept) settles the pages of redacted documents that papka cannot read; without it such a
    page refuses the export (papka.formats.UnreadablePages). ``ocr_layer``: redacted PDF
    copies carry a text layer read by OCR from their burned pages (None: when the profile
    reads with OCR; see papka.formats.redact_as_planned).
    """
    chosen = profile if isinstance(profile, Profile) else find_profile(compartment, profile)
    documents = compartment.documents
    if isinstance(selection, Selection):
        selected = selection.resolve(documents)
    else:
        selected = list(selection)
        if not selected:
            raise ExportError("Nothing was selected for export.")
    target = Path(path)
    if target.exists() or target.is_symlink():
        raise BundleFileExists()
    # A read-only vault can still export, but stores nothing: no commitments made now, no copy
    # of the signed manifest for a later disclosure.
    writable = documents.writable
    if store_redacted and not writable:
        documents.check_writable()
    # One commit, made only once the bundle is complete and before it stands under its name:
    # redacted copies stored back, commitments made now, the signed manifest kept
    # (exchange/disclosure.py). If that commit fails the bundle is deleted, so no bundle goes
    # out carrying roots whose salts the vault lost.
    with _new_file(target) as out, \
            documents.batch() if writable else contextlib.nullcontext():
        items, exported = build_items(documents, selected, chosen, hide=hide,
                                      store_redacted=store_redacted,
                                      strip_image_metadata=strip_image_metadata,
                                      unreadable=unreadable, ocr_layer=ocr_layer,
                                      roots=writable)
        # Each profile signs with its own key (exchange/identity.py).
        summary = write_bundle(out, items, signer=signing_key(compartment, chosen),
                               protection=protection, sender=sender, clock=clock,
                               progress=progress)
        if writable:
            keep_sent_manifest(compartment, summary)
    return ExportResult(summary, target, tuple(exported),
                        disclosable=writable and summary.manifest.version >= 2)



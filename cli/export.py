"""`papka export`: chosen documents into one signed bundle for one recipient."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .bundle_keys import bundle_passphrase, recipients_named
from .categories import redaction_text
from .command import PapkaCommand
from .context import Config, pass_config
from .hide_file import read_hide_file
from .i18n import N_, _
from .output import Progress, human_size, note, print_json, render_fields, render_table
from .problems import CommandUsageError

if TYPE_CHECKING:
    pass


@click.command(
    "export", cls=PapkaCommand,
    help=N_("Export chosen documents into one signed bundle for one recipient. The bundle is "
            "encrypted with age to the recipient's key (or a passphrase), so that `age -d -i "
            "key.txt` opens it without papka. Profiles decide what goes out: lawyer "
            "(originals), embassy and public (redacted copies; a document papka cannot redact "
            "is refused), or a profile of your own."),
    epilog=N_("Selectors: an id, kind:KIND, tag:TAG, since:YYYY-MM-DD, until:YYYY-MM-DD, all. "
              "Ids add documents; the other selectors filter together.\n\n"
              "Examples:\n\n\b\n"
              "  papka export --select 3f2a --select 91c0 --to lawyer -o for-lawyer.age\n"
              "  papka export --select tag:embassy --to age1... --profile embassy "
              "--hide-file names.txt -o embassy.age\n"
              "  papka export --select kind:summons --passphrase-recipient -o summons.age"),
)
@click.option("--select", "selectors", multiple=True, required=True, metavar="SELECTOR",
              help=N_("What to export; repeat for several."))
@click.option("--to", "to", multiple=True, metavar="RECIPIENT",
              help=N_("An age public key (age1...), an ssh-ed25519 or ssh-rsa public key, or a "
                      "name from `papka recipients`; repeat for several."))
@click.option("--profile", "profile_name", default="lawyer", show_default=True, metavar="NAME",
              help=N_("lawyer, embassy, public, or one of your own (`papka profiles`)."))
@click.option("--passphrase-recipient", is_flag=True,
              help=N_("Encrypt to a passphrase instead (asked twice, or read from "
                      "--new-passphrase-fd)."))
@click.option("--plain", is_flag=True,
              help=N_("Write an unencrypted ZIP (for upload portals). Anyone who gets it can "
                      "read it."))
@click.option("--hide-file", metavar="FILE|-",
              help=N_("Strings to hide as well (names, addresses), one per line, from a file or "
                      "standard input; they never go on the command line."))
@click.option("--sender", default="", metavar="NAME",
              help=N_("The name you sign as, which the recipient pins your key under."))
@click.option("--store-redacted", is_flag=True,
              help=N_("Also keep each redacted copy in the container, made from its original."))
@click.option("--strip-image-metadata", is_flag=True,
              help=N_("With a profile that sends originals: send photos that carry a GPS "
                      "position or camera details as copies without that metadata (same "
                      "picture, but no longer the original file)."))
@click.option("--unreadable", type=click.Choice(["box", "drop", "accept"]),
              help=N_("With a profile that redacts: what to do with a page papka cannot read "
                      "(box: black it out whole; drop: leave it out; accept: you looked at it "
                      "and it may go as it is). Without it such a page stops the export."))
@click.option("--ocr-layer/--no-ocr-layer", default=None,
              help=N_("With a profile that redacts: give the redacted PDF copies an invisible "
                      "text layer that Tesseract reads from the redacted pages, so the "
                      "recipient can search them (on by default when the profile reads with "
                      "OCR; about a second per page)."))
@click.option("--armor", is_flag=True, help=N_("Write the bundle as ASCII text (age armour)."))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="BUNDLE",
              help=N_("The new bundle file (never overwritten)."))
@pass_config
def export(config: Config, selectors: tuple[str, ...], to: tuple[str, ...], profile_name: str,
           passphrase_recipient: bool, plain: bool, hide_file: str | None, sender: str,
           store_redacted: bool, strip_image_metadata: bool, unreadable: str | None,
           ocr_layer: bool | None, armor: bool, output: Path) -> None:
    from papka.exchange import CannotRedactForProfile, Selection, address_book, export_bundle
    from papka.formats.bundle import Protection
    from papka.formats.redaction import burned_page_list

    if sum([bool(to), passphrase_recipient, plain]) != 1:
        raise CommandUsageError(
            _("Choose one: --to RECIPIENT, --passphrase-recipient, or --plain."))
    if plain and armor:
        raise CommandUsageError(_("--armor is for encrypted bundles; a plain bundle is a ZIP "
                                  "file."))
    if output.exists() or output.is_symlink():
        raise CommandUsageError(_("The file already exists; nothing was overwritten."),
                                hint=_("Choose another name for the bundle."))
    selection = Selection.parse(selectors)
    hide = read_hide_file(hide_file)
    if plain:
        note(_("Warning: a plain bundle is NOT encrypted. Anyone who gets the ZIP can read "
               "every document in it. Send it only where the recipient asked for it."))
    # An export writes to the vault (page commitments, the signed manifest kept for a later
    # `papka disclose`); a container papka may not write to still exports, without them.
    with config.container(write=store_redacted or config.container_writable()) as container:
        compartment = config.compartment(container)
        if to:
            protection = Protection.to(recipients_named(address_book(compartment), to),
                                       armored=armor)
        elif passphrase_recipient:
            protection = Protection.with_passphrase(bundle_passphrase(config, new=True),
                                                    armored=armor)
        else:
            protection = Protection.unencrypted()
        read_only = container.read_only
        try:
            with Progress(_("Exporting")) as progress:
                result = export_bundle(
                    compartment, selection, output, protection=protection, profile=profile_name,
                    hide=hide, sender=sender, store_redacted=store_redacted,
                    strip_image_metadata=strip_image_metadata, unreadable=unreadable,
                    ocr_layer=ocr_layer, progress=progress)
        except CannotRedactForProfile as error:
            raise CommandUsageError(
                _("This profile sends only redacted copies, and papka cannot redact document "
                  "{id} (its kind of file, e.g. a video); nothing was exported.").format(
                    id=error.doc_id),
                hint=_("Leave it out of the selection, or send it whole with the lawyer "
                       "profile to someone who may see it.")) from None
    summary = result.summary
    if config.json:
        print_json({
            "bundle": str(result.path), "plain": summary.plain,
            "manifest_sha256": summary.manifest_sha256, "profile": profile_name,
            "fingerprint": summary.fingerprint.openssh,
            "documents": [{"id": d.doc_id, "stored_as": d.stored_as, "size": d.size,
                           "media_type": d.media_type,
                           "redaction": None if d.redaction is None else dict(d.redaction),
                           "sent_as": d.sent_as, "carries": list(d.carries),
                           **({} if d.burned_pages is None else {
                               "burned_pages": burned_page_list(d.burned_pages)})}
                          for d in result.documents],
            "disclosable": result.disclosable,
        })
        _warn_if_not_disclosable(read_only)
        _warn_about_metadata(result.documents)
        _tell_burned_pages(result.documents)
        return
    rows = []
    for exported, entry in zip(result.documents, summary.manifest.files, strict=True):
        rows.append([exported.doc_id, entry.name, human_size(entry.size),
                     redaction_text(entry.redaction), exported.stored_as or ""])
    click.echo(render_table([_("ID"), _("IN BUNDLE"), _("SIZE"), _("REDACTED"), _("STORED AS")],
                            rows, flexible=1))
    click.echo(render_fields([
        (_("Bundle"), str(result.path)),
        (_("Signed by"), _("{fingerprint} (the {profile} profile's key)").format(
            fingerprint=summary.fingerprint.openssh, profile=profile_name)),
        (_("Manifest SHA-256"), summary.manifest_sha256),
    ]))
    _warn_about_metadata(result.documents)
    _tell_burned_pages(result.documents)
    _warn_if_not_disclosable(read_only)


def _warn_if_not_disclosable(read_only: bool) -> None:
    if read_only:
        note(_("Note: the container is read-only here, so this bundle carries no page "
               "commitments and `papka disclose` cannot refer to it later."))


def _warn_about_metadata(documents: Sequence[Any]) -> None:
    """Tell the keeper which originals went out with a GPS position or camera details, and
    which went as copies without them (on stderr, also with --json)."""
    from papka.exchange import ORIGINAL, STRIPPED

    for document in documents:
        what = ", ".join(_(kind) for kind in document.carries)
        if document.sent_as == ORIGINAL and document.carries:
            note(_("Warning: document {id} went out as the unchanged original and carries: "
                   "{what}.").format(id=document.doc_id, what=what))
            note(_("To send such photos without it, export again with "
                   "--strip-image-metadata (the recipient then gets a copy, not the "
                   "original file)."))
        elif document.sent_as == STRIPPED:
            note(_("Document {id} went out as a copy without its metadata ({what}).").format(
                id=document.doc_id, what=what))



def _tell_burned_pages(documents: Sequence[Any]) -> None:
    """Under a profile that keeps the text: which pages of which copy were redrawn as
    pictures instead, and why (on stderr, also with --json)."""
    from .redaction import burned_reasons

    for document in documents:
        if document.burned_pages:
            pages = ", ".join(str(page + 1) for page in sorted(document.burned_pages))
            note(_("In document {id}, some pages were redrawn as pictures, because papka could "
                   "not keep their text safely: {pages} ({reasons}).").format(
                       id=document.doc_id, pages=pages,
                       reasons=burned_reasons(document.burned_pages)))


COMMANDS: tuple[click.Command, ...] = (export,)

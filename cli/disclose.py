"""`papka disclose`: chosen pages of an original, provably from a bundle that was sent, for a
court; and `papka disclose --check` for whoever receives such a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .command import PapkaCommand
from .context import Config, pass_config
from .i18n import N_, _
from .output import note, print_json, render_fields, shown
from .problems import CommandDamagedError, CommandUsageError

if TYPE_CHECKING:
    from papka.formats.bundle import SignerCheck

#: At most this many pages in one --pages list (a range counts its pages).
_MAX_LISTED = 10_000


def parse_pages(text: str) -> list[int]:
    """``1,3,5-7`` as page numbers; CommandUsageError for anything else."""
    pages: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise CommandUsageError(_("Give pages as numbers and ranges, e.g. 1,3,5-7."))
        low, high = int(first), int(last) if dash else int(first)
        if low < 1 or high < low or high - low >= _MAX_LISTED:
            raise CommandUsageError(_("Give pages as numbers and ranges, e.g. 1,3,5-7."))
        pages.update(range(low, high + 1))
    return sorted(pages)


@click.command(
    "disclose", cls=PapkaCommand,
    help=N_("Make a file that reveals chosen pages of an original, with the proof that they "
            "are the pages you committed to in a bundle you signed and sent (for a court, when "
            "the recipient holds only a redacted copy). The file is an UNENCRYPTED ZIP meant "
            "to be shown: it holds the signed manifest of that bundle, the document's list of "
            "page commitments, each revealed page with its salt, and a README (Russian and "
            "English) with the commands that check it with ssh-keygen and sha256sum alone. "
            "Pages not revealed are not in it. With --check, papka checks such a file."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka disclose 3f2a --pages 1,3 -o for-the-court.zip\n"
              "  papka disclose 3f2a --pages 2 --bundle 9c41e0 -o page-2.zip\n"
              "  papka disclose 3f2a --whole -o whole-original.zip\n"
              "  papka disclose --check for-the-court.zip"),
)
@click.argument("doc_id", metavar="ID", required=False)
@click.option("--pages", metavar="1,3,5-7",
              help=N_("The pages to reveal, numbered from 1 (a photo or other file that is "
                      "not a PDF has one page: the whole file)."))
@click.option("--whole", is_flag=True, help=N_("Reveal the whole original file."))
@click.option("--bundle", metavar="HASH",
              help=N_("The first characters of the manifest SHA-256 of the bundle to refer to "
                      "(printed by `papka export`); default: the latest bundle you sent that "
                      "carries this document or a copy made from it."))
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help=N_("The new disclosure file (never overwritten)."))
@click.option("--check", "check_file", type=click.Path(path_type=Path), metavar="FILE",
              help=N_("Check a disclosure file instead of making one."))
@pass_config
def disclose(config: Config, doc_id: str | None, pages: str | None, whole: bool,
             bundle: str | None, output: Path | None, check_file: Path | None) -> None:
    if check_file is not None:
        if doc_id or pages or whole or bundle or output:
            raise CommandUsageError(_("--check takes only the file to check."))
        _check(config, check_file)
        return
    if not doc_id or output is None:
        raise CommandUsageError(_("Name the document and the new file: papka disclose ID "
                                  "--pages 1,3 -o FILE."))
    if not pages and not whole:
        raise CommandUsageError(_("Choose the pages to reveal with --pages, or --whole."))
    chosen = parse_pages(pages) if pages else []
    if output.exists() or output.is_symlink():
        raise CommandUsageError(_("The file already exists; nothing was overwritten."),
                                hint=_("Choose another name for the disclosure."))
    from papka.exchange import write_disclosure
    from papka.output_files import new_output_file

    with config.container(write=False) as container:
        compartment, document = config.find_document(container, doc_id)
        try:
            with new_output_file(output) as out:
                made = write_disclosure(compartment, document.id, out, pages=chosen,
                                        whole=whole, bundle=bundle)
        except FileExistsError:
            raise CommandUsageError(_("The file already exists; nothing was overwritten."),
                                    hint=_("Choose another name for the disclosure.")) from None
        except IsADirectoryError:
            raise CommandUsageError(_("That path is a folder; nothing was written.")) from None
        except OSError as error:
            raise CommandUsageError(_("papka cannot write the disclosure there ({reason})."
                                      ).format(reason=error.strerror)) from None
    if config.json:
        print_json({"id": made.doc_id, "path": str(output), "revealed": list(made.revealed),
                    "pages": made.pages, "manifest_sha256": made.manifest_sha256,
                    "entries": list(made.entries), "commitments_made": made.made,
                    "commitments_made_at": made.made_at, "encrypted": False})
    else:
        click.echo(render_fields([
            (_("Disclosure"), str(output)),
            (_("Revealed"), ", ".join(made.revealed)),
            (_("Bundle (manifest SHA-256)"), made.manifest_sha256),
            (_("In the bundle as"), ", ".join(made.entries)),
        ]))
    note(_("Warning: the disclosure is NOT encrypted. Anyone who gets it can read the pages "
           "it reveals."))
    if made.made == "later":
        note(_("Note: this document was added before papka made page commitments; they were "
               "made later, the first time they were needed, and prove less (the README says "
               "so)."))


def _check(config: Config, path: Path) -> None:
    from papka.exchange import check_disclosure

    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommandUsageError(_("papka cannot read this file ({reason}).").format(
            reason=error.strerror)) from None
    report = check_disclosure(data)
    pin = _pinned(config, report.signer, report.sender)
    if config.json:
        print_json({"verified": True, "signer": report.signer,
                    "fingerprint": report.fingerprint.openssh, "sender": report.sender,
                    "pin": None if pin is None else {"status": pin.status.value,
                                                     "known_as": pin.known_as},
                    "created": report.created,
                    "manifest_sha256": report.manifest_sha256, "entries": list(report.entries),
                    "revealed": list(report.revealed), "pages": report.pages})
        _refuse_changed(pin)
        return
    click.echo(_("The disclosure verifies: the revealed pages are the ones committed to in "
                 "the signed manifest."))
    click.echo(render_fields([
        (_("Sender"), shown(report.sender) or "—"),
        (_("Signed by"), report.fingerprint.openssh),
        (_("Read aloud"), report.fingerprint.spoken),
        (_("Signed (by the sender's clock)"), report.created),
        (_("Manifest SHA-256"), report.manifest_sha256),
        (_("In the bundle as"), ", ".join(report.entries)),
        (_("Revealed"), ", ".join(report.revealed)),
    ]))
    _refuse_changed(pin)
    if pin is None:
        note(_("Compare the fingerprint with the sender's before you rely on it: the signature "
               "proves which key signed, not who holds it."))
    elif pin.known_as is not None:
        click.echo(_("Signer: pinned as {name}.").format(name=shown(pin.known_as)))
    else:
        note(_("Signer: not in your address book. Compare the fingerprint with the sender "
               "before you rely on it: the signature proves which key signed, not who holds "
               "it."))


def _pinned(config: Config, signer: str, sender: str) -> SignerCheck | None:
    """With -c, what the address book says of the signer (nothing is pinned or changed)."""
    if not config.container_path:
        return None
    from papka.exchange import address_book

    with config.container(write=False) as container:
        return address_book(config.compartment(container)).check_signer(signer, sender)


def _refuse_changed(pin: SignerCheck | None) -> None:
    from papka.formats.bundle import PinStatus

    if pin is not None and pin.status is PinStatus.CHANGED:
        note(_("WARNING: this disclosure's manifest says it comes from {name}, but it is signed "
               "with a DIFFERENT key than the one pinned for {name}. It may come from someone "
               "pretending to be him.").format(name=shown(pin.known_as or "")))
        raise CommandDamagedError(
            _("The signer's key is not the one pinned for this sender; do not rely on this "
              "disclosure."),
            hint=_("Call the sender and compare the fingerprint shown by `papka identity` on "
                   "his side."))


COMMANDS: tuple[click.Command, ...] = (disclose,)

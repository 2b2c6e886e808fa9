"""`papka bundle verify|open|import`: the recipient's side of a bundle."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .bundle_keys import (
    bundle_passphrase,
    needs_key,
    needs_passphrase,
    read_identities,
)
from .categories import redaction_text
from .command import PapkaCommand, PapkaGroup
from .context import Config, pass_config
from .i18n import N_, _
from .kinds import kind_label
from .output import human_size, note, print_json, render_fields, render_table, shown
from .problems import CommandDamagedError, CommandUsageError

if TYPE_CHECKING:
    from papka.formats.bundle import AddressBook, Identity, VerifiedBundle
    from papka.vault import Compartment


class SignerChanged(CommandDamagedError):
    """A known sender's bundle signed with another key: what an impostor's bundle looks like."""


def _reading_options(function: Any) -> Any:
    options = [
        click.argument("bundle", type=click.Path(path_type=Path), metavar="BUNDLE"),
        click.option("-i", "--identity", "identity_files", multiple=True,
                     type=click.Path(path_type=Path), metavar="FILE",
                     help=N_("Your identity file (from `papka keygen` or `age-keygen`, or an "
                             "OpenSSH private key), protected by a passphrase or not (`age -p`, "
                             "`ssh-keygen -N`: the passphrase is asked, or read from "
                             "--passphrase-fd, or --new-passphrase-fd with -c); without it, a "
                             "passphrase is asked for bundles made with one.")),
        click.option("--accept-new-key", is_flag=True,
                     help=N_("With -c: accept that a known sender now signs with a new key "
                             "(only after comparing fingerprints with him by phone or in "
                             "person).")),
        click.option("--as", "pin_name", metavar="NAME",
                     help=N_("With -c: the name to pin a new signer under (default: the "
                             "sender's own label).")),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _keys(config: Config, bundle: Path, identity_files: Sequence[Path]
          ) -> tuple[list[Identity], str | None]:
    if not bundle.is_file():
        raise CommandUsageError(_("There is no bundle file at this path."))
    identities = read_identities(config, identity_files)
    passphrase = None
    if not identities and needs_passphrase(bundle):
        passphrase = bundle_passphrase(config, new=False)
    elif not identities and needs_key(bundle):
        raise CommandUsageError(
            _("This bundle is encrypted to a recipient's key, and no key was given."),
            hint=_("Give your key file with -i FILE: the one `papka keygen` made, or your age "
                   "or OpenSSH key."))
    return identities, passphrase


def _refuse_changed_key(verified: VerifiedBundle, accept_new_key: bool) -> None:
    """A changed key for a known sender stops the command (exit 2) unless accepted."""
    from papka.formats.bundle import PinStatus

    pin = verified.pin
    if pin is not None and pin.status is PinStatus.CHANGED and not accept_new_key:
        note(_("WARNING: this bundle says it comes from {name}, but it is signed with a "
               "DIFFERENT key than the one pinned for {name}. It may come from someone "
               "pretending to be him.").format(name=shown(pin.known_as or "")))
        raise SignerChanged(
            _("The signer's key changed; nothing was recorded or written."),
            hint=_("Call the sender and compare the fingerprint shown by `papka identity` on "
                   "his side; if he really has a new key, run again with --accept-new-key."))


def _pin(compartment: Compartment, book: AddressBook, verified: VerifiedBundle,
         accept_new_key: bool, pin_name: str | None) -> str:
    """Check the signer against the address book and record it; returns a sentence to show."""
    from papka.exchange import save_address_book
    from papka.formats.bundle import PinStatus

    _refuse_changed_key(verified, accept_new_key)
    pin = verified.pin
    assert pin is not None
    if pin.status is PinStatus.PINNED:
        return _("Signer: pinned as {name}.").format(name=shown(pin.known_as or ""))
    name = pin_name or (pin.known_as if pin.status is PinStatus.CHANGED else None) \
        or verified.manifest.sender or verified.fingerprint.openssh
    book.pin_signer(name, verified.signer, replace=pin.status is PinStatus.CHANGED)
    save_address_book(compartment, book)
    if pin.status is PinStatus.CHANGED:
        return _("Signer: the new key of {name} is now pinned in place of the old one.").format(
            name=shown(name))
    return _("Signer: new, now pinned as {name}. Compare the fingerprint with the sender "
             "by phone or in person.").format(name=shown(name))


def _report(config: Config, verified: VerifiedBundle, pin_sentence: str | None,
            extra: dict[str, Any] | None = None) -> None:
    manifest = verified.manifest
    if config.json:
        print_json({
            "verified": True, "encrypted": verified.encrypted,
            "signer": verified.signer, "fingerprint": verified.fingerprint.openssh,
            "spoken": verified.fingerprint.spoken, "sender": manifest.sender,
            "pin": None if verified.pin is None else {
                "status": verified.pin.status.value, "known_as": verified.pin.known_as},
            "created": manifest.created, "manifest_sha256": verified.manifest_sha256,
            "files": [f.to_json() for f in manifest.files],
            **(extra or {}),
        })
        return
    click.echo(_("The bundle verifies: every document's hash and both signatures check out."))
    if not verified.encrypted:
        note(_("Note: this bundle was not encrypted; anyone who had it could read it."))
    click.echo(render_fields([
        (_("Sender"), shown(manifest.sender) or "—"),
        (_("Signed by"), verified.fingerprint.openssh),
        (_("Read aloud"), verified.fingerprint.spoken),
        (_("Created"), manifest.created),
        (_("Manifest SHA-256"), verified.manifest_sha256),
    ]))
    if pin_sentence is not None:
        click.echo(pin_sentence)
    else:
        click.echo(_("Signer: not checked against an address book (give -c CONTAINER to pin "
                     "it)."))
    rows = [[f.name, shown(kind_label(f.kind)), shown(f.title), human_size(f.size),
             redaction_text(f.redaction)] for f in manifest.files]
    click.echo(render_table([_("FILE"), _("KIND"), _("TITLE"), _("SIZE"), _("REDACTED")],
                            rows, flexible=2))


def _verify_with_book(config: Config, bundle: Path, identities: list[Identity],
                      passphrase: str | None, accept_new_key: bool, pin_name: str | None
                      ) -> tuple[VerifiedBundle, str | None]:
    from papka.exchange import address_book
    from papka.formats.bundle import verify_bundle

    if not config.container_path and config.open_container_ is None:
        return verify_bundle(bundle, identities=identities, passphrase=passphrase), None
    with config.container(write=True) as container:
        compartment = config.compartment(container)
        book = address_book(compartment)
        verified = verify_bundle(bundle, identities=identities, passphrase=passphrase,
                                 address_book=book)
        return verified, _pin(compartment, book, verified, accept_new_key, pin_name)


@click.group("bundle", cls=PapkaGroup,
             help=N_("The recipient's side: check a bundle, open it into a folder, or store its "
                     "documents in a container. Only the identity file is needed; with -c the "
                     "signer is also checked against, and pinned in, the address book."),
             epilog=N_("Examples:\n\n\b\n"
                       "  papka bundle verify bundle.age -i key.txt\n"
                       "  papka bundle open bundle.age -i key.txt -o case-papers\n"
                       "  papka -c lawyer.papka bundle import bundle.age -i key.txt"))
def bundle_group() -> None:
    pass


@bundle_group.command("verify", cls=PapkaCommand,
                      help=N_("Decrypt and check a bundle without writing anything: every "
                              "document's hash, the signatures, and the signer."))
@_reading_options
@pass_config
def verify_command(config: Config, bundle: Path, identity_files: tuple[Path, ...],
                   accept_new_key: bool, pin_name: str | None) -> None:
    identities, passphrase = _keys(config, bundle, identity_files)
    verified, pin_sentence = _verify_with_book(config, bundle, identities, passphrase,
                                               accept_new_key, pin_name)
    _report(config, verified, pin_sentence)


@bundle_group.command("open", cls=PapkaCommand,
                      help=N_("Write a bundle's files into a folder, only if everything "
                              "verifies; nothing is ever written outside the folder. With "
                              "--force, what arrives intact is written and marked "
                              "UNVERIFIED."))
@_reading_options
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="DIR",
              help=N_("The folder to write into (new or empty)."))
@click.option("--force", is_flag=True, help=N_("Write what arrives intact even if the bundle "
                                                "does not verify."))
@pass_config
def open_command(config: Config, bundle: Path, identity_files: tuple[Path, ...],
                 accept_new_key: bool, pin_name: str | None, output: Path, force: bool) -> None:
    from papka.formats.bundle import open_bundle

    identities, passphrase = _keys(config, bundle, identity_files)
    pin_sentence: str | None = None
    if not force and (config.container_path or config.open_container_ is not None):
        _verified, pin_sentence = _verify_with_book(config, bundle, identities, passphrase,
                                                    accept_new_key, pin_name)
    opened = open_bundle(bundle, output, identities=identities, passphrase=passphrase,
                         force=force)
    if opened.bundle is not None and opened.verified:
        _report(config, opened.bundle, pin_sentence,
                {"written": [str(p) for p in opened.written]})
        if not config.json:
            click.echo(_("Files written to {folder}.").format(folder=output))
        return
    if config.json:
        print_json({"verified": False, "problem": opened.problem,
                    "written": [str(p) for p in opened.written]})
    note(_("WARNING: the bundle did NOT verify. The files that arrived intact were written to "
           "{folder} with UNVERIFIED.txt; do not rely on them.").format(folder=output))
    raise CommandDamagedError(_("The bundle did not verify; its files are marked unverified."))


@bundle_group.command("import", cls=PapkaCommand,
                      help=N_("Store a bundle's documents in the compartment you work in (needs "
                              "-c), each recording the bundle and signer it came from. Nothing "
                              "is stored unless the whole bundle verifies."))
@_reading_options
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help=N_("Add this tag to every imported document; repeat for several."))
@pass_config
def import_command(config: Config, bundle: Path, identity_files: tuple[Path, ...],
                   accept_new_key: bool, pin_name: str | None, tags: tuple[str, ...]) -> None:
    from papka.exchange import address_book, import_into

    identities, passphrase = _keys(config, bundle, identity_files)
    with config.container(write=True) as container:
        compartment = config.compartment(container)
        book = address_book(compartment)
        result = import_into(compartment, bundle, identities=identities,
                             passphrase=passphrase, tags=tags, address_book=book,
                             check=lambda verified: _refuse_changed_key(verified,
                                                                       accept_new_key))
        pin_sentence = _pin(compartment, book, result.bundle, accept_new_key, pin_name)
    _report(config, result.bundle, pin_sentence, {"imported": list(result.ids)})
    if not config.json:
        for doc_id, entry in zip(result.ids, result.bundle.files, strict=True):
            click.echo(f"{doc_id}  {shown(entry.title)}")
        note(_("Documents imported: {count}.").format(count=len(result.ids)))


COMMANDS: tuple[click.Command, ...] = (bundle_group,)

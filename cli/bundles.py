"""Commands for bundles: export, keygen, identity, recipients, profiles, and the recipient's
side (bundle verify, open, import).

A bundle's passphrase and an identity's secret never appear on the command line: identities
are read from the file named with -i, passphrases are asked or read from a descriptor.
"""

from __future__ import annotations

import datetime
import stat
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .command import PapkaCommand, PapkaGroup
from .context import Config, pass_config
from .i18n import N_, _
from .kinds import kind_label
from .output import Progress, human_size, note, print_json, render_fields, render_table
from .passphrases import PassphraseInputError, prompt_hidden, read_lines_from_fd
from .problems import CommandDamagedError, CommandUsageError

if TYPE_CHECKING:
    from papka.formats.bundle import AddressBook, Identity, Recipient, VerifiedBundle
    from papka.vault import Compartment

#: An identity file is a few lines; a larger file is not one.
MAX_IDENTITY_BYTES = 64 * 1024
#: A list of strings to hide is short; refuse to read an endless stream.
MAX_HIDE_BYTES = 1024 * 1024


def shown(text: str) -> str:
    """Text from a bundle made safe for a terminal: control and format characters (which a
    hostile manifest could use to rewrite the screen) become '?'."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


def read_hide_file(path: str | None) -> list[str]:
    """The keeper's strings to hide, one per line, from a file or '-' for standard input; never
    from the command line, where shell history would keep them."""
    if path is None:
        return []
    if path == "-" and sys.stdin.isatty():
        from .questions import read_hidden_lines

        # Typed names are not echoed, so they do not stay on the screen.
        data = read_hidden_lines(_(
            "Type the names and words to hide, one per line; they are not shown. "
            "Finish with an empty line or Ctrl-D.")).encode("utf-8")
    elif path == "-":
        data = sys.stdin.buffer.read(MAX_HIDE_BYTES + 1)
    else:
        try:
            with open(path, "rb") as source:
                data = source.read(MAX_HIDE_BYTES + 1)
        except OSError:
            raise CommandUsageError(_("papka cannot read the file of strings to hide."),
                                    hint=_("Check the path given with --hide-file.")) from None
    if len(data) > MAX_HIDE_BYTES:
        raise CommandUsageError(_("The file of strings to hide is too large."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandUsageError(_("The file of strings to hide is not UTF-8 text.")) from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _read_identities(config: Config, paths: Sequence[Path]) -> list[Identity]:
    from papka.formats.bundle import parse_identities

    passphrases = _KeyFilePassphrases(config)
    identities: list[Identity] = []
    for path in paths:
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IDENTITY_BYTES:
                raise CommandUsageError(_("The identity file is not one papka can use."),
                                        hint=_("Give the file `papka keygen` made."))
            data = path.read_bytes()
        except OSError:
            raise CommandUsageError(_("papka cannot read the identity file."),
                                    hint=_("Check the path given with -i.")) from None
        identities.extend(parse_identities(data, passphrase=passphrases.asker(path)))
    passphrases.finish()
    return identities


def _reading_passphrase_fd(config: Config) -> int | None:
    """Where a reading command takes a bundle's or a key file's passphrase from:
    --new-passphrase-fd, or --passphrase-fd when no container is used (with one, that
    descriptor carries the container's passphrase)."""
    fd = config.new_passphrase_fd
    if fd is None and not config.container_path:
        fd = config.passphrase_fd
    return fd


class _KeyFilePassphrases:
    """Passphrases of identity files protected by one (`ssh-keygen -N`, `age -p`): asked without
    echo for each such file, or read from the reading descriptor, one line per protected file
    in the order of -i. Files without a passphrase never ask."""

    def __init__(self, config: Config) -> None:
        self._fd = _reading_passphrase_fd(config)
        self._lines: list[str] | None = None

    def asker(self, path: Path) -> Callable[[], str]:
        def ask() -> str:
            if self._fd is None:
                return prompt_hidden(_("Passphrase of the key file {path}").format(
                    path=shown(str(path))))
            if self._lines is None:
                self._lines = read_lines_from_fd(self._fd)
            if not self._lines:
                raise PassphraseInputError(self._one_line_each())
            return self._lines.pop(0)
        return ask

    def finish(self) -> None:
        if self._lines:
            raise PassphraseInputError(self._one_line_each())

    @staticmethod
    def _one_line_each() -> str:
        return _("Give one line for each key file protected by a passphrase, in the order of "
                 "-i.")


def _bundle_passphrase(config: Config, *, new: bool) -> str:
    """A bundle's passphrase: for a new bundle from --new-passphrase-fd or asked twice; for
    reading, from the reading descriptor (_reading_passphrase_fd) or asked."""
    if new:
        return config.read_new_passphrase()
    fd = _reading_passphrase_fd(config)
    if fd is not None:
        lines = read_lines_from_fd(fd)
        if len(lines) != 1:
            raise PassphraseInputError(_("Give exactly one line: the bundle's passphrase."))
        return lines[0]
    return prompt_hidden(_("Bundle passphrase"))


def _needs_passphrase(path: Path) -> bool:
    """Whether a bundle is encrypted to a passphrase (an age scrypt stanza), read from its
    header, so a lawyer need not say so."""
    return _age_header(path).startswith(b"age-encryption.org/v1\n-> scrypt ")


def _needs_key(path: Path) -> bool:
    """Whether a bundle is encrypted to recipients' keys (age, not a passphrase)."""
    head = _age_header(path)
    return head.startswith(b"age-encryption.org/v1\n") and not _needs_passphrase(path)


def _age_header(path: Path) -> bytes:
    """The start of a bundle's age header, armour removed; b"" when unreadable."""
    try:
        with path.open("rb") as source:
            head = source.read(4096)
    except OSError:
        return b""
    if head.lstrip().startswith(b"-----BEGIN AGE"):
        import base64
        import binascii

        body = b"".join(line.strip() for line in head.lstrip().split(b"\n")[1:3])
        try:
            head = base64.b64decode(body + b"=" * (-len(body) % 4))
        except binascii.Error:
            return b""
    return head


def _recipients(book: AddressBook, names_or_keys: Sequence[str]) -> list[Recipient]:
    from papka.formats.bundle import parse_recipient

    found: list[Recipient] = []
    for text in names_or_keys:
        stripped = text.strip()
        if stripped.startswith(("age1", "ssh-ed25519 ", "ssh-rsa ")):
            found.append(parse_recipient(stripped))
        else:
            found.append(book.recipient(stripped))
    return found


# --- export --------------------------------------------------------------------------------------


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
@click.option("--armor", is_flag=True, help=N_("Write the bundle as ASCII text (age armour)."))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="BUNDLE",
              help=N_("The new bundle file (never overwritten)."))
@pass_config
def export(config: Config, selectors: tuple[str, ...], to: tuple[str, ...], profile_name: str,
           passphrase_recipient: bool, plain: bool, hide_file: str | None, sender: str,
           store_redacted: bool, strip_image_metadata: bool, unreadable: str | None,
           armor: bool, output: Path) -> None:
    from papka.exchange import CannotRedactForProfile, Selection, address_book, export_bundle

    if sum([bool(to), passphrase_recipient, plain]) != 1:
        raise CommandUsageError(
            _("Choose one: --to RECIPIENT, --passphrase-recipient, or --plain."))
    if output.exists() or output.is_symlink():
        raise CommandUsageError(_("The file already exists; nothing was overwritten."),
                                hint=_("Choose another name for the bundle."))
    selection = Selection.parse(selectors)
    hide = read_hide_file(hide_file)
    if plain:
        note(_("Warning: a plain bundle is NOT encrypted. Anyone who gets the ZIP can read "
               "every document in it. Send it only where the recipient asked for it."))
    with config.container(write=store_redacted) as container:
        compartment = config.compartment(container)
        recipients = _recipients(address_book(compartment), to) if to else []
        passphrase = _bundle_passphrase(config, new=True) if passphrase_recipient else None
        try:
            with Progress(_("Exporting")) as progress:
                result = export_bundle(
                    compartment, selection, output, profile=profile_name,
                    recipients=recipients, passphrase=passphrase, plain=plain, armored=armor,
                    hide=hide, sender=sender, store_redacted=store_redacted,
                    strip_image_metadata=strip_image_metadata, unreadable=unreadable,
                    progress=progress)
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
                           "sent_as": d.sent_as, "carries": list(d.carries)}
                          for d in result.documents],
        })
        _warn_about_metadata(result.documents)
        return
    rows = []
    for exported, entry in zip(result.documents, summary.manifest.files, strict=True):
        rows.append([exported.doc_id, entry.name, human_size(entry.size),
                     _redaction_text(entry.redaction), exported.stored_as or ""])
    click.echo(render_table([_("ID"), _("IN BUNDLE"), _("SIZE"), _("REDACTED"), _("STORED AS")],
                            rows, flexible=1))
    click.echo(render_fields([
        (_("Bundle"), str(result.path)),
        (_("Signed by"), _("{fingerprint} (the {profile} profile's key)").format(
            fingerprint=summary.fingerprint.openssh, profile=profile_name)),
        (_("Manifest SHA-256"), summary.manifest_sha256),
    ]))
    _warn_about_metadata(result.documents)


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


def _redaction_text(redaction: Any) -> str:
    if redaction is None:
        # Not "whole": next to "withheld" it read as "blacked out entirely".
        return _("nothing: original, unchanged")
    if not redaction:
        return _("nothing found")
    from .categories import category_label

    return ", ".join(f"{shown(category_label(category))} {count}"
                     for category, count in sorted(redaction.items()))


# --- keys ----------------------------------------------------------------------------------------


@click.command(
    "keygen", cls=PapkaCommand,
    help=N_("Make a key for someone who receives bundles (a lawyer, a case worker): the file "
            "holds the secret key (keep it, mode 0600), and the public key is printed to give "
            "to senders. The standard `age` tool accepts the file too. No container is needed."),
    epilog=N_("Examples:\n\n\b\n  papka keygen -o lawyer-key.txt\n"
              "  age -d -i lawyer-key.txt bundle.age | tar x"),
)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help=N_("The new identity file (never overwritten)."))
@pass_config
def keygen(config: Config, output: Path) -> None:
    from papka.formats.bundle import generate_identity, identity_file_text

    secret, public = generate_identity()
    created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    from papka.output_files import new_output_file

    try:
        with new_output_file(output) as out:
            out.write(identity_file_text(secret, public, created).encode("ascii"))
    except FileExistsError:
        raise CommandUsageError(_("The file already exists; nothing was overwritten."),
                                hint=_("Choose another name for the key file.")) from None
    if config.json:
        print_json({"public_key": public, "identity_file": str(output)})
        return
    click.echo(public)
    note(_("The secret key is in {path}; keep it safe. Give the public key above to the people "
           "who send you bundles.").format(path=output))


@click.command(
    "identity", cls=PapkaCommand,
    help=N_("Show a signing identity of the compartment you work in: the public key as an "
            "OpenSSH line, its fingerprint, and the fingerprint in groups of digits to read "
            "aloud over the phone, so a recipient can check that bundles come from you. Each "
            "export profile signs with its own key, so bundles sent under two profiles cannot "
            "be linked by their signatures; the lawyer profile's key is the one papka always "
            "used."),
    epilog=N_("Examples:\n\n\b\n  papka identity\n  papka identity --profile public --qr\n"
              "  papka identity --all\n  papka --json identity"),
)
@click.option("--profile", "profile_name", default="lawyer", show_default=True, metavar="NAME",
              help=N_("The export profile whose key to show: lawyer, embassy, public, or one "
                      "of your own."))
@click.option("--all", "all_profiles", is_flag=True,
              help=N_("List the fingerprint of every profile's key."))
@click.option("--qr", is_flag=True, help=N_("Also draw the fingerprint as a QR code."))
@pass_config
def identity(config: Config, profile_name: str, all_profiles: bool, qr: bool) -> None:
    from papka.exchange import signing_key, signing_keys
    if all_profiles and qr:
        raise CommandUsageError(_("Choose one: --all, or --qr for one profile."))
    with config.container(write=False) as container:
        compartment = config.compartment(container)
        keys = signing_keys(compartment) if all_profiles else \
            {profile_name: signing_key(compartment, profile_name)}
    if all_profiles:
        if config.json:
            print_json({"identities": [
                {"profile": name, "public_key": key.public_openssh(),
                 "fingerprint": key.fingerprint().openssh, "spoken": key.fingerprint().spoken}
                for name, key in keys.items()]})
            return
        # Blocks rather than a table: a fingerprint is never cut to fit a narrow terminal.
        click.echo("\n".join(render_fields([
            (_("Profile"), name),
            (_("Fingerprint"), key.fingerprint().openssh),
            (_("Read aloud"), key.fingerprint().spoken),
        ]) for name, key in keys.items()))
        return
    key = keys[profile_name]
    fingerprint = key.fingerprint()
    if config.json:
        print_json({"profile": profile_name, "public_key": key.public_openssh(),
                    "fingerprint": fingerprint.openssh, "spoken": fingerprint.spoken})
        return
    click.echo(render_fields([
        (_("Profile"), profile_name),
        (_("Public key"), key.public_openssh()),
        (_("Fingerprint"), fingerprint.openssh),
        (_("Read aloud"), fingerprint.spoken),
    ]))
    if qr:
        click.echo(fingerprint.qr())


# --- the address book ----------------------------------------------------------------------------


@click.group("recipients", cls=PapkaGroup, invoke_without_command=True,
             help=N_("The address book of the compartment you work in: the people you send "
                     "bundles to, and the signers you have pinned."),
             epilog=N_("Examples:\n\n\b\n"
                       "  papka recipients add lawyer age1...\n"
                       "  papka recipients\n"
                       "  papka recipients remove lawyer"))
@click.pass_context
def recipients(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_recipients)


@recipients.command("add", cls=PapkaCommand,
                    help=N_("Add (or replace) a recipient: NAME and their public key (age1..., "
                            "or an ssh-ed25519 or ssh-rsa line in quotes)."))
@click.argument("name")
@click.argument("key")
@pass_config
def add_recipient(config: Config, name: str, key: str) -> None:
    from papka.exchange import address_book, save_address_book
    with config.container(write=True) as container:
        compartment = config.compartment(container)
        book = address_book(compartment)
        recipient = book.add_recipient(name, key)
        save_address_book(compartment, book)
    if config.json:
        print_json({"name": name.strip(), "key": recipient.text, "kind": recipient.kind})
    else:
        click.echo(_("Recipient {name} was saved.").format(name=name.strip()))


@recipients.command("list", cls=PapkaCommand, help=N_("List recipients and pinned signers."))
@pass_config
def list_recipients(config: Config) -> None:
    from papka.exchange import address_book
    from papka.formats.bundle import Fingerprint
    from papka.formats.bundle.signer import public_blob_from_openssh

    with config.container(write=False) as container:
        book = address_book(config.compartment(container))
    signers = {name: [Fingerprint.of_public_blob(public_blob_from_openssh(k)).openssh
                      for k in keys] for name, keys in book.signers.items()}
    if config.json:
        print_json({"recipients": book.recipients, "signers": signers})
        return
    if not book.recipients and not signers:
        note(_("The address book is empty."))
        return
    rows = [[_("recipient"), name, key] for name, key in sorted(book.recipients.items())]
    rows += [[_("signer"), name, fp] for name, fps in sorted(signers.items()) for fp in fps]
    click.echo(render_table([_("WHAT"), _("NAME"), _("KEY")], rows, flexible=2))


@recipients.command("remove", cls=PapkaCommand, help=N_("Remove a recipient or a pinned "
                                                        "signer by name."))
@click.argument("name")
@click.option("--signer", is_flag=True, help=N_("Forget a pinned signer rather than a "
                                                 "recipient."))
@pass_config
def remove_recipient(config: Config, name: str, signer: bool) -> None:
    from papka.exchange import address_book, save_address_book
    with config.container(write=True) as container:
        compartment = config.compartment(container)
        book = address_book(compartment)
        if signer:
            book.forget_signer(name)
        else:
            book.remove_recipient(name)
        save_address_book(compartment, book)
    if config.json:
        print_json({"removed": name.strip()})
    else:
        click.echo(_("{name} was removed from the address book.").format(name=name.strip()))


# --- profiles ------------------------------------------------------------------------------------


@click.group("profiles", cls=PapkaGroup, invoke_without_command=True,
             help=N_("Export profiles: lawyer, embassy, public, and your own, kept inside the "
                     "compartment."),
             epilog=N_("Examples:\n\n\b\n"
                       "  papka profiles\n"
                       "  papka profiles add embassy-fr --preset ru-strict --field date "
                       "--titles kind --hide-file names.txt\n"
                       "  papka profiles remove embassy-fr"))
@click.pass_context
def profiles_group(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_profiles)


@profiles_group.command("list", cls=PapkaCommand, help=N_("List the export profiles."))
@pass_config
def list_profiles(config: Config) -> None:
    from papka.exchange import profiles

    with config.container(write=False) as container:
        found = profiles(config.compartment(container))
    if config.json:
        print_json({"profiles": [{**p.to_json(), "hide": len(p.hide)}
                                 for p in found.values()]})
        return
    rows = [[p.name, p.preset or _("originals"), ", ".join(p.metadata), p.titles,
             ", ".join(map(kind_label, p.kinds))] for p in found.values()]
    click.echo(render_table([_("NAME"), _("REDACTION"), _("METADATA"), _("TITLES"), _("KINDS")],
                            rows, flexible=2))


@profiles_group.command("add", cls=PapkaCommand,
                        help=N_("Define an export profile of your own (or replace one)."))
@click.argument("name")
@click.option("--preset", type=click.Choice(["ru-personal", "ru-strict", "hide-only"]),
              help=N_("Redact with this preset; without it, originals go out."))
@click.option("--hide-file", metavar="FILE|-", help=N_("Strings this profile always hides, one "
                                                        "per line."))
@click.option("--field", "fields", multiple=True,
              type=click.Choice(["date", "issuer", "number", "country", "language", "tags"]),
              help=N_("A metadata field that travels; repeat for several."))
@click.option("--titles", type=click.Choice(["keep", "redact", "kind"]),
              help=N_("Titles as they are, redacted, or only the kind (default: keep for "
                      "originals, redact for redacted copies)."))
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help=N_("Only documents of this kind; repeat for several."))
@click.option("--no-provenance", is_flag=True, help=N_("Leave out vault ids and history."))
@click.option("--no-ocr", is_flag=True, help=N_("Do not read text in scans when redacting."))
@pass_config
def add_profile(config: Config, name: str, preset: str | None, hide_file: str | None,
                fields: tuple[str, ...], titles: str | None, kinds: tuple[str, ...],
                no_provenance: bool, no_ocr: bool) -> None:
    from papka.exchange import Profile, save_profile

    profile = Profile(name=name, preset=preset, hide=tuple(read_hide_file(hide_file)),
                      metadata=fields, titles=titles or ("redact" if preset else "keep"),
                      provenance=not no_provenance, kinds=kinds, ocr=not no_ocr)
    with config.container(write=True) as container:
        save_profile(config.compartment(container), profile)
    if config.json:
        print_json({**profile.to_json(), "hide": len(profile.hide)})
    else:
        click.echo(_("Profile {name} was saved.").format(name=name))


@profiles_group.command("remove", cls=PapkaCommand, help=N_("Remove a profile of your own."))
@click.argument("name")
@pass_config
def remove_profile_command(config: Config, name: str) -> None:
    from papka.exchange import remove_profile

    with config.container(write=True) as container:
        remove_profile(config.compartment(container), name)
    if config.json:
        print_json({"removed": name})
    else:
        click.echo(_("Profile {name} was removed.").format(name=name))


# --- the recipient's side ------------------------------------------------------------------------


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
    identities = _read_identities(config, identity_files)
    passphrase = None
    if not identities and _needs_passphrase(bundle):
        passphrase = _bundle_passphrase(config, new=False)
    elif not identities and _needs_key(bundle):
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
             _redaction_text(f.redaction)] for f in manifest.files]
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


COMMANDS: tuple[click.Command, ...] = (export, keygen, identity, recipients, profiles_group,
                                       bundle_group)

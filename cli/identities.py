"""`papka keygen` and `papka identity`: a recipient's key pair, and the keys a compartment signs
bundles with, one per export profile."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .command import PapkaCommand
from .context import Config, pass_config
from .i18n import N_, _
from .output import note, print_json, render_fields
from .problems import CommandUsageError

if TYPE_CHECKING:
    pass


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


COMMANDS: tuple[click.Command, ...] = (keygen, identity)

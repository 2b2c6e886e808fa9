"""`papka recipients`: the address book of recipients and pinned signers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .command import PapkaCommand, PapkaGroup
from .context import Config, pass_config
from .i18n import N_, _
from .output import note, print_json, render_table

if TYPE_CHECKING:
    pass


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


COMMANDS: tuple[click.Command, ...] = (recipients,)

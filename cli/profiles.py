"""`papka profiles`: the export profiles, built in and the keeper's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .command import PapkaCommand, PapkaGroup
from .context import Config, pass_config
from .hide_file import read_hide_file
from .i18n import N_, _
from .kinds import kind_label
from .output import print_json, render_fields, render_table

if TYPE_CHECKING:
    from papka.exchange import Profile


@click.group("profiles", cls=PapkaGroup, invoke_without_command=True,
             help=N_("Export profiles: lawyer, embassy, public, and your own, kept inside the "
                     "compartment."),
             epilog=N_("Examples:\n\n\b\n"
                       "  papka profiles\n"
                       "  papka profiles add embassy-fr --preset ru-strict --field date "
                       "--titles kind --hide-file names.txt\n"
                       "  papka profiles add court --preset ru-personal --keep-text\n"
                       "  papka profiles show court\n"
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
    rows = [[p.name, p.preset or _("originals"), _copies(p), ", ".join(p.metadata), p.titles,
             ", ".join(map(kind_label, p.kinds))] for p in found.values()]
    click.echo(render_table([_("NAME"), _("REDACTION"), _("COPIES"), _("METADATA"),
                             _("TITLES"), _("KINDS")], rows, flexible=3))


@profiles_group.command("show", cls=PapkaCommand,
                        help=N_("Show one export profile (its hidden strings are only counted)."))
@click.argument("name")
@pass_config
def show_profile(config: Config, name: str) -> None:
    from papka.exchange import find_profile

    with config.container(write=False) as container:
        profile = find_profile(config.compartment(container), name)
    if config.json:
        print_json({**profile.to_json(), "hide": len(profile.hide)})
        return
    yes, no = _("yes"), _("no")
    click.echo(render_fields([
        (_("Profile"), profile.name),
        (_("Redaction preset"), profile.preset or _("originals")),
        (_("Redacted copies"), _copies(profile) or "-"),
        (_("Strings it hides"), str(len(profile.hide))),
        (_("Metadata that travels"), ", ".join(profile.metadata) or "-"),
        (_("Titles"), profile.titles),
        (_("Kinds of documents"), ", ".join(map(kind_label, profile.kinds)) or _("any")),
        (_("Provenance"), yes if profile.provenance else no),
        (_("Reads scans (OCR)"), yes if profile.ocr else no),
    ]))


def _copies(profile: Profile) -> str:
    """How a profile's redacted copies are made, in the keeper's words."""
    if not profile.redacts:
        return ""
    return _("text kept") if profile.keeps_text else _("pictures")


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
@click.option("--keep-text", is_flag=True,
              help=N_("Redacted copies of PDFs made on a computer (and of DOCX and e-mails) keep "
                      "their text: what is under the boxes is taken out of the text itself. "
                      "Pages where papka cannot do this safely are redrawn as pictures, and the "
                      "export says which. Needs --preset."))
@pass_config
def add_profile(config: Config, name: str, preset: str | None, hide_file: str | None,
                fields: tuple[str, ...], titles: str | None, kinds: tuple[str, ...],
                no_provenance: bool, no_ocr: bool, keep_text: bool) -> None:
    from papka.exchange import Profile, save_profile

    profile = Profile(name=name, preset=preset, hide=tuple(read_hide_file(hide_file)),
                      metadata=fields, titles=titles or ("redact" if preset else "keep"),
                      provenance=not no_provenance, kinds=kinds, ocr=not no_ocr,
                      redaction_method="keep-text" if keep_text else "burn")
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


COMMANDS: tuple[click.Command, ...] = (profiles_group,)

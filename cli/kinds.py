"""Kinds of documents: their names in Russian and English, reading a kind the keeper typed,
and `papka kinds` (list them, add one's own)."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence

import click

from .command import PapkaCommand, PapkaGroup
from .context import Config, pass_config
from .i18n import LANGUAGES, N_, _, translate_into
from .output import print_json, render_table
from .problems import CommandUsageError

#: A name people read for each built-in kind (msgids; the catalogue has the Russian ones).
KIND_NAMES: dict[str, str] = {
    "criminal-case": N_("criminal case"),
    "court-decision": N_("court decision"),
    "summons": N_("summons"),
    "military-id": N_("military ID"),
    "internal-passport": N_("internal passport"),
    "foreign-passport": N_("international passport"),
    "military-contract": N_("military contract"),
    "order": N_("order"),
    "medical": N_("medical paper"),
    "service-record": N_("certificate of service"),
    "asylum-application": N_("asylum application"),
    "asylum-correspondence": N_("asylum correspondence"),
    "identity-other": N_("other identity paper"),
    "cv": N_("CV"),
    "diploma": N_("diploma"),
    "contract": N_("contract"),
    "photo": N_("photo"),
    "video": N_("video"),
    "audio": N_("audio"),
    "note": N_("note"),
    "other": N_("other"),
}


def kind_label(kind: str) -> str:
    """The kind's name in the current language; a keeper's own kind is its own name."""
    name = KIND_NAMES.get(kind)
    return _(name) if name is not None else kind


def _typed(text: str) -> str:
    from papka.text import fold

    return "-".join(fold(text).replace("_", " ").split())


def _dictionary_form(typed: str) -> str:
    """Each word in its dictionary form, so «повестки» or «уголовного дела» reads as the name."""
    from papka.text import dictionary_form

    return "-".join(dictionary_form(word) if word.isalpha() else word
                    for word in typed.split("-"))


def _spellings(known: Sequence[str]) -> dict[str, str]:
    """Every way of writing a known kind (its slug, its English and Russian names, and those
    names in dictionary form) → the kind."""
    spellings = {kind: kind for kind in known}
    for kind, name in KIND_NAMES.items():
        if kind in spellings:
            for language in LANGUAGES:
                typed = _typed(translate_into(language, name))
                spellings.setdefault(typed, kind)
                spellings.setdefault(_dictionary_form(typed), kind)
    return spellings


def resolve_kind(text: str, known: Sequence[str]) -> str:
    """The kind meant by what the keeper typed: a slug or a name in either language.

    An unknown kind is refused with the closest known ones, so that a typo never files a paper
    under a kind that no search for the right one will find.
    """
    typed = _typed(text)
    spellings = _spellings(known)
    for form in (typed, _dictionary_form(typed)):
        if form in spellings:
            return spellings[form]
    close = difflib.get_close_matches(typed, list(spellings), n=6, cutoff=0.6)
    suggestions: list[str] = []
    for spelling in close:
        kind = spellings[spelling]
        if kind not in suggestions:
            suggestions.append(kind)
    # The typed word is not repeated: it may be part of what the keeper keeps private.
    if suggestions:
        shown = ", ".join(f"{kind} ({kind_label(kind)})" if kind_label(kind) != kind else kind
                          for kind in suggestions[:3])
        hint = _("Did you mean: {kinds}? `papka kinds` lists every kind; `papka kinds add "
                 "NAME` adds one of your own.").format(kinds=shown)
    else:
        hint = _("`papka kinds` lists every kind; `papka kinds add NAME` adds one of your own.")
    raise CommandUsageError(_("papka does not know this kind of document."), hint=hint)


@click.group(
    "kinds", cls=PapkaGroup, invoke_without_command=True,
    help=N_("List the kinds of documents papka knows, with their names; `kinds add` adds a "
            "kind of your own to the compartment you work in. A kind can be given by its "
            "short name or its name in Russian or English."),
    epilog=N_("Examples:\n\n\b\n  papka kinds\n  papka kinds add справка-о-ранении\n"
              "  papka --json kinds"),
)
@click.pass_context
def kinds(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is not None:
        return
    config: Config = ctx.obj
    own: tuple[str, ...] = ()
    # The keeper's own kinds need the container open; without a way to ask for its passphrase
    # (a script without --passphrase-fd), the built-in kinds are listed alone.
    can_open = config.open_container_ is not None or (
        config.container_path is not None
        and (config.passphrase_fd is not None or sys.stdin.isatty()))
    if can_open:
        with config.container(write=False) as container:
            own = config.compartment(container).documents.own_kinds()
    from papka.vault import KINDS

    every = [*KINDS, *(k for k in own if k not in KINDS)]
    if config.json:
        # "kinds" stays a list of short names, as scripts written for older papka expect.
        print_json({"kinds": every, "names": {k: kind_label(k) for k in every},
                    "own": list(own)})
        return
    rows = [[k, kind_label(k) if k in KIND_NAMES else _("(your own)")] for k in every]
    click.echo(render_table([_("KIND"), _("NAME")], rows, flexible=1))


@kinds.command(
    "add", cls=PapkaCommand,
    help=N_("Add a kind of your own (lowercase letters, Cyrillic or Latin, digits and hyphens) "
            "to the compartment you work in."),
    epilog=N_("Examples:\n\n\b\n  papka kinds add справка-о-ранении\n"
              "  papka kinds add residence-permit"),
)
@click.argument("name", metavar="NAME")
@pass_config
def kinds_add(config: Config, name: str) -> None:
    kind = _typed(name)
    with config.container(write=True) as container:
        compartment = config.compartment(container)
        added = compartment.documents.add_kind(kind)
    if config.json:
        print_json({"kind": kind, "added": added, "compartment": compartment.level})
    elif added:
        click.echo(_("The kind {kind} was added.").format(kind=kind))
    else:
        click.echo(_("papka already knows the kind {kind}.").format(kind=kind))


COMMANDS: tuple[click.Command, ...] = (kinds,)

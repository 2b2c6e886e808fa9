"""Commands for the container itself: init, compartment add, upgrade, usage, check, passwd,
panic."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import click

from .command import PapkaCommand, PapkaGroup
from .context import Config, pass_config
from .i18n import N_, _
from .output import Progress, human_size, note, print_json, render_fields
from .problems import CommandDamagedError, CommandUsageError
from .terminal import busy_notice, keystrokes_held

MIN_SIZE = 16 * 1024 * 1024
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4,
          "к": 1024, "м": 1024**2, "г": 1024**3, "т": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([kmgtкмгт]?)(?:i?b|иб|б)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Read a size such as 256M, 1.5G, 64MiB, 300 МБ or a number of bytes (units of 1024)."""
    match = _SIZE.match(text)
    if match is None:
        raise click.BadParameter(_("write a size such as 256M or 2G."))
    number = float(match.group(1).replace(",", "."))
    return int(number * _UNITS[match.group(2).lower()])


def _size_option(ctx: click.Context, param: click.Parameter, value: str) -> int:
    size = parse_size(value)
    if size < MIN_SIZE:
        raise click.BadParameter(_("a container needs at least 16M."))
    return size


def _is_block_device(path: Path) -> bool:
    try:
        return stat.S_ISBLK(path.stat().st_mode)
    except OSError:
        return False


@click.command(
    "init", cls=PapkaCommand,
    help=N_("Create a new container of a fixed size, filled with random bytes, and its first "
            "compartment. You are asked for the passphrase twice and shown how strong it is."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka -c /media/stick/papers.papka init --size 256M\n"
              "  papka -c papers.papka --new-passphrase-fd 3 init --size 64M 3<new.txt"),
)
@click.option("--size", required=True, metavar="SIZE", callback=_size_option,
              help=N_("The container's size, e.g. 64M, 512M, 2G (at least 16M). It never "
                      "changes, and it does not depend on how many compartments there are."))
@click.option("--generate", is_flag=True,
              help=N_("Make a passphrase of six random words for you, show it once, and ask "
                      "for two of its words to check that you wrote it down."))
@click.option("--format", "format_version", type=click.Choice(("2", "3")), default="2",
              help=N_("The container's format (default 2). With 3, hidden papers survive "
                      "sessions that open only the decoy, and copies of the stick taken before "
                      "and after a session do not show hidden work that the decoy's new papers "
                      "cover; hidden papers take more room and adding them is slower."))
@pass_config
def init(config: Config, size: int, generate: bool, format_version: str) -> None:
    path = config.require_container_path()
    if path.exists() and not _is_block_device(path):
        raise CommandUsageError(
            _("Something already exists at this path; papka never overwrites it."),
            hint=_("Choose a new file name for the container."))
    from papka.vault import Container

    with keystrokes_held():
        passphrase = config.read_new_passphrase(
            _("New passphrase for the first compartment (the decoy, the one you can reveal)"),
            generate=generate)
        with Progress(_("Creating the container")) as progress:
            Container.create(path, size, passphrase, work_factor=config.work_factor,
                             progress=progress, format_version=int(format_version))
    if config.json:
        print_json({"created": True, "size": size, "format": int(format_version)})
    else:
        click.echo(_("The container is ready ({size}). Add papers with `papka add`.").format(
            size=human_size(size)))


@click.group("compartment", cls=PapkaGroup,
             help=N_("Manage compartments: each one opens with its own passphrase, and nothing "
                     "shows whether others exist."))
def compartment() -> None:
    pass


@compartment.command(
    "add", cls=PapkaCommand,
    help=N_("Add a compartment. You are asked first for the passphrases of the compartments "
            "you have, so that they are open and protected, then twice for the new one. "
            "The new passphrase opens the new compartment and every compartment open now."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka compartment add\n"
              "  papka --passphrase-fd 3 --new-passphrase-fd 4 compartment add --yes \\\n"
              "        3<old.txt 4<new.txt"),
)
@click.option("--yes", is_flag=True,
              help=N_("Do not ask for confirmation (for scripts)."))
@click.option("--generate", is_flag=True,
              help=N_("Make the new passphrase of six random words for you, show it once, and "
                      "ask for two of its words to check that you wrote it down."))
@pass_config
def compartment_add(config: Config, yes: bool, generate: bool) -> None:
    if not yes:
        _confirm_compartment_add()
    with config.container(write=True, several=True, confirmed=True) as container:
        new_passphrase = config.read_new_passphrase(
            _("New passphrase for the new compartment"), generate=generate)
        with busy_notice(_("Making the new passphrase's keys…")):
            created = container.add_compartment(new_passphrase, work_factor=config.work_factor)
    if config.json:
        print_json({"level": created.level})
    else:
        click.echo(_("A compartment was added at level {level}.").format(level=created.level))


ADD_WORDS = (N_("add"),)


def _confirm_compartment_add() -> None:
    """The same words whatever exists (threat model A1): the risk is what papka cannot know."""
    _confirm(_("A new compartment takes one of the container's 16 header places. If you have "
               "a compartment that is not open now, the new one may take its place (about 1 "
               "chance in 15), and that compartment is then lost for good. Open every "
               "compartment you have before adding one: the newest one's passphrase opens the "
               "older ones too."), ADD_WORDS[0],
             no_terminal=_("Nothing was added: confirm with a typed word, or give --yes in a "
                           "script."),
             mismatch=_("Nothing was added: the confirmation did not match."))


def _confirm(risk: str, word: str, *, no_terminal: str, mismatch: str) -> None:
    """Say what may be lost, then go on only when the keeper types ``word`` (in the language
    of the messages, or in English); without a terminal nobody can, and a script must say
    --yes instead."""
    note(risk)
    if not sys.stdin.isatty():
        raise CommandUsageError(no_terminal)
    typed = _(word)
    answer = click.prompt(_("Type \"{word}\" to go on").format(word=typed), err=True,
                          default="", show_default=False)
    if answer.strip().casefold() not in {typed.casefold(), word}:
        raise CommandUsageError(mismatch)


@click.command(
    "upgrade", cls=PapkaCommand,
    help=N_("Convert the container to format 3 (see `papka init --help`). You are asked for "
            "the passphrases of the compartments you have; a compartment whose passphrase is "
            "not given stays in format 2, and later sessions overwrite its papers. Asks you to "
            "type a word unless --yes is given."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka upgrade\n"
              "  papka --passphrase-fd 3 upgrade --yes 3<passphrases.txt"),
)
@click.option("--yes", is_flag=True,
              help=N_("Do not ask for confirmation (for scripts)."))
@pass_config
def upgrade(config: Config, yes: bool) -> None:
    if not yes:
        _confirm_upgrade()
    config.said_visible()
    with config.container(write=True, several=True, confirmed=True) as container, \
            busy_notice(_("Converting the container…")):
        converted = container.upgrade()          # a converted container is not written
    if config.json:
        print_json({"converted": converted, "format": 3})
    elif not converted:
        click.echo(_("Every open compartment is already in format 3; nothing was changed."))
    else:
        click.echo(_("The container is now in format 3. Compartments converted: "
                     "{count}.").format(count=converted))


CONVERT_WORDS = (N_("convert"),)


def _confirm_upgrade() -> None:
    """Asked before the passphrases, so that the keeper knows to give every one of them."""
    _confirm(_("Converting to format 3 writes every hidden paper again, in the new format. "
               "Give the passphrase of every compartment you have (the newest one's passphrase "
               "also opens the older ones it was made over). A compartment whose passphrase is "
               "not given stays in the old format, and later sessions will overwrite its "
               "papers. Someone who copied the whole stick before and after the conversion "
               "could see that the container was converted."), CONVERT_WORDS[0],
             no_terminal=_("Nothing was converted: confirm with a typed word, or give --yes in "
                           "a script."),
             mismatch=_("Nothing was converted: the confirmation did not match."))


@click.command(
    "usage", cls=PapkaCommand,
    help=N_("Show the container's size and format, the space the open compartments use, and "
            "which levels are open."),
    epilog=N_("Examples:\n\n\b\n  papka usage\n  papka --json usage"),
)
@pass_config
def usage(config: Config) -> None:
    with config.container(write=False) as container:
        figures = container.usage()
        levels = [c.level for c in container.compartments]
        documents = {c.level: len(c.documents) for c in container.compartments}
        format_version = container.format
    if config.json:
        print_json({"size": figures.size, "format": format_version,
                    "used": figures.used, "free": figures.free,
                    "decoy_share": figures.decoy_share, "open_levels": levels,
                    "used_by_level": {str(k): v for k, v in figures.by_level.items()},
                    "documents": {str(k): v for k, v in documents.items()}})
        return
    click.echo(render_fields([
        (_("Size"), human_size(figures.size)),
        (_("Container format"), str(format_version)),
        (_("Used by open compartments"), human_size(figures.used)),
        (_("Free"), human_size(figures.free)),
        (_("Oldest compartment's share"), f"{figures.decoy_share:.0%}"),
        (_("Open levels"), ", ".join(str(level) for level in levels)),
        (_("Documents"), ", ".join(f"{level}: {count}" for level, count in documents.items())),
    ]))


@click.command(
    "check", cls=PapkaCommand,
    help=N_("Read and verify every document and index of the open compartments, and "
            "with --repair rewrite a damaged or stale header from its copy. Only --repair "
            "writes. Exits with code 2 when something is damaged."),
    epilog=N_("Examples:\n\n\b\n  papka check\n  papka check --repair\n"
              "  papka --json check"),
)
@click.option("--repair", is_flag=True,
              help=N_("Also rewrite a damaged or stale header or index copy from its good copy "
                      "(this writes to the container; without it, check only reads). In a "
                      "format 3 container it also rebuilds every damaged piece of hidden "
                      "papers, which copies of the stick from before and after can show."))
@pass_config
def check(config: Config, repair: bool) -> None:
    with config.container(write=repair) as container:
        report = container.check(repair=repair)
        rebuilding = container.repair_all        # format 3: lost hidden shares, at the end
    # The pieces are rebuilt when the session ends: in `papka shell`, when the shell does.
    rebuilt = rebuilding and config.open_container_ is None
    if rebuilding and not rebuilt:
        note(_("Damaged pieces of hidden papers are rebuilt when you leave the shell."))
    shares = {"repaired_shares": container.repaired_shares,
              "lost_shares": container.lost_shares} if rebuilt else {}
    if config.json:
        print_json({**report.to_json(), **shares})
    else:
        click.echo(render_fields([
            (_("Documents checked"), str(report.documents_checked)),
            (_("Bytes checked"), human_size(report.bytes_checked)),
            (_("Headers repaired"), str(report.headers_repaired)),
            *([(_("Pieces of hidden papers rebuilt"), str(container.repaired_shares))]
              if rebuilt else []),
            (_("Older compartments that could not be reached"), str(report.unreachable_older)),
            (_("Result"), _("everything is intact") if report.ok else _("damage found")),
        ]))
        for level, item in report.damaged:
            what = _("the index") if item == "index" else _("document {id}").format(id=item)
            click.echo(_("Damaged: {what} (level {level})").format(what=what, level=level))
        if report.headers_needing_repair:
            note(_("A header or index copy is stale or damaged; its other copy is intact. "
                   "`papka check --repair` rewrites it."))
    if not report.damaged and report.unreachable_older:
        raise CommandDamagedError(
            _("An older compartment could not be reached from the open one; nothing read was "
              "damaged."),
            hint=_("If that compartment's passphrase was changed while this one was closed, "
                   "open both at once (give both passphrases) and run `papka check --repair` "
                   "to link them again."))
    if not report.ok:
        raise CommandDamagedError(_("Some stored data is damaged."),
                           hint=_("Get back the intact documents with `papka get`, and keep "
                                  "copies of the container on more than one medium."))


@click.command(
    "passwd", cls=PapkaCommand,
    help=N_("Change the passphrase of a compartment (the newest open one, or the one chosen "
            "with --level). The old passphrase stops working."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka passwd\n"
              "  papka --level 0 passwd\n"
              "  papka --passphrase-fd 3 --new-passphrase-fd 4 passwd 3<old.txt 4<new.txt"),
)
@pass_config
def passwd(config: Config) -> None:
    with config.container(write=True) as container:
        target = config.compartment(container)
        new_passphrase = config.read_new_passphrase(
            _("New passphrase for the compartment at level {level}").format(level=target.level))
        with busy_notice(_("Making the new passphrase's keys…")):
            container.change_passphrase(target, new_passphrase, work_factor=config.work_factor)
    if config.json:
        print_json({"level": target.level, "changed": True})
    else:
        click.echo(_("The passphrase of the compartment at level {level} was changed.").format(
            level=target.level))


CONFIRM_WORDS = (N_("erase"),)


@click.command(
    "panic", cls=PapkaCommand,
    help=N_("Destroy the container's keys so that no compartment can ever be opened again, by "
            "you or by anyone. The documents cannot be recovered. No passphrase is needed. "
            "Asks you to type a word unless --yes is given."),
    epilog=N_("Examples:\n\n\b\n  papka panic\n  papka panic --yes"),
)
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
@pass_config
def panic(config: Config, yes: bool) -> None:
    if config.open_container_ is not None:
        raise CommandUsageError(_("panic cannot run inside the shell."),
                         hint=_("Leave the shell with `exit`, then run `papka panic`."))
    path = config.existing_container_path()
    if not yes:
        word = _(CONFIRM_WORDS[0])
        note(_("Every compartment of this container will be impossible to open, for ever."))
        answer = click.prompt(_("Type \"{word}\" to go on").format(word=word), err=True,
                              default="", show_default=False)
        accepted = {word.casefold(), CONFIRM_WORDS[0]}
        if answer.strip().casefold() not in accepted:
            raise CommandUsageError(_("Nothing was erased: the confirmation did not match."))
    from papka.vault import Container

    Container.panic(path)
    if config.json:
        print_json({"erased": True})
    else:
        click.echo(_("Done. Nothing in this container can be opened any more."))


@click.command(
    "passphrase", cls=PapkaCommand,
    help=N_("Print one new passphrase of six random words (from a list of 7,776) on standard "
            "output, and nothing else: about 77 bits, beyond guessing."),
    epilog=N_("Examples:\n\n\b\n  papka passphrase\n  papka passphrase > new.txt"),
)
def passphrase_command() -> None:
    from .passphrase_words import generate_passphrase

    click.echo(generate_passphrase())


@click.command(
    "backup", cls=PapkaCommand,
    help=N_("Make a second copy of the container in a new file, and check it by reading it "
            "back. No passphrase is needed: the copy is as unreadable as the original. Keep it "
            "on another medium, apart from the stick. Do not copy the container with other "
            "tools while papka is using it: such a copy can catch a change half-way."),
    epilog=N_("Examples:\n\n\b\n  papka backup /media/second-stick/papers-copy.papka"),
)
@click.argument("destination", type=click.Path(path_type=Path), metavar="DEST")
@pass_config
def backup(config: Config, destination: Path) -> None:
    if config.open_container_ is not None:
        raise CommandUsageError(_("backup cannot run inside the shell."),
                                hint=_("Leave the shell with `exit`, then run `papka backup`."))
    path = config.existing_container_path()
    from papka.vault import Container

    with Progress(_("Copying the container")) as progress:
        digest = Container.backup(path, destination, progress=progress)
    if config.json:
        print_json({"copied": True, "sha256": digest})
    else:
        click.echo(_("The copy is complete and reads back intact."))


COMMANDS: tuple[click.Command, ...] = (init, compartment, upgrade, usage, check, passwd, panic,
                                       backup, passphrase_command)

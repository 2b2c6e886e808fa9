"""The ``papka`` command: global options, and the list of command modules it is made of."""

from __future__ import annotations

import dataclasses
import importlib

import click

from papka import __version__

from .command import PapkaGroup
from .context import Config
from .i18n import LANGUAGES, N_, _, set_language
from .problems import CommandUsageError

#: Each module defines ``COMMANDS``, a tuple of click commands or groups. Adding a command
#: group to papka is one line here.
COMMAND_MODULES = (
    "papka.cli.container",
    "papka.cli.documents",
    "papka.cli.kinds",
    "papka.cli.shell",
    "papka.cli.demo",
    "papka.cli.export",
    "papka.cli.profiles",
    "papka.cli.recipients",
    "papka.cli.identities",
    "papka.cli.bundle",
    "papka.cli.disclose",
    "papka.cli.redaction",
)

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    if value not in LANGUAGES:
        raise click.BadParameter(_("choose ru (Russian) or en (English)."))
    set_language(value)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(_("papka, version {version}").format(version=__version__))
    ctx.exit()


@click.group(
    cls=PapkaGroup,
    context_settings=CONTEXT_SETTINGS,
    help=N_("papka keeps legal papers in an encrypted container with hidden compartments, "
            "and gives them back when you need them.\n\n"
            "Passphrases are asked without echo. Scripts give them on a file descriptor "
            "(--passphrase-fd), never on the command line or in the environment."),
    epilog=N_("Examples:\n\n"
              "\b\n"
              "  papka -c /media/stick/papers.papka init --size 256M --generate\n"
              "  papka -c /media/stick/papers.papka shell\n"
              "  papka> add scan-0412.jpg\n"
              "  papka> list повестки\n"
              "  papka> get 3f2a -o /media/stick/out.jpg\n"
              "  papka demo\n\n"
              "Titles, tags and searches typed after `papka` stay in the shell's history: type "
              "them at papka's prompts or in `papka shell`. For a second copy, a forgotten "
              "passphrase, the airport room and crossing a border, read docs/keeper.md in papka's "
              "source folder (in Russian and English)."),
)
@click.option("-c", "--container", "container_path", envvar="PAPKA_CONTAINER", metavar="PATH",
              show_envvar=True, help=N_("The container file (or device) to work with."))
@click.option("--passphrase-fd", type=int, metavar="N",
              help=N_("Read the passphrases that open compartments from file descriptor N, "
                      "one per line; several lines open several compartments."))
@click.option("--new-passphrase-fd", type=int, metavar="M",
              help=N_("Read the new passphrase for init, compartment add and passwd from file "
                      "descriptor M (one line, not asked twice)."))
@click.option("--json", "json_output", is_flag=True,
              help=N_("Print results as one JSON document on stdout."))
@click.option("--lang", metavar="ru|en", callback=_choose_language,
              is_eager=True, expose_value=False,
              help=N_("Language of messages (default: from the locale)."))
@click.option("--level", type=click.IntRange(min=0), metavar="LEVEL",
              help=N_("Work in the open compartment of this level (0 is the oldest); "
                      "default: the newest open one."))
@click.option("--work-factor", type=click.IntRange(1, 64), default=1, show_default=True,
              metavar="1-64",
              help=N_("The cost factor chosen when the container or the passphrase was made; "
                      "give the same one every time."))
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version, help=N_("Show papka's version and exit."))
@click.pass_context
def cli(ctx: click.Context, container_path: str | None, passphrase_fd: int | None,
        new_passphrase_fd: int | None, json_output: bool, level: int | None,
        work_factor: int) -> None:
    session = ctx.obj
    if isinstance(session, Config) and session.open_container_ is not None:
        # A line typed in `papka shell` (or run by the demo): the container is already open.
        if container_path and container_path != session.container_path:
            raise CommandUsageError(_("The shell works on the container it opened."),
                             hint=_("Leave the shell with `exit` to use another container."))
        ctx.obj = dataclasses.replace(
            session, json=json_output, level=session.level if level is None else level,
            warned=session.warned)
        return
    if passphrase_fd is not None and passphrase_fd == new_passphrase_fd:
        raise CommandUsageError(
            _("--passphrase-fd and --new-passphrase-fd must be different descriptors."))
    # Known-answer checks of every primitive before any real work (a few milliseconds), as
    # storage tools people trust do; help and --version never get here.
    from papka.vault.selftest import run_self_test

    run_self_test()
    ctx.obj = Config(container_path=container_path, passphrase_fd=passphrase_fd,
                     new_passphrase_fd=new_passphrase_fd, json=json_output,
                     work_factor=work_factor, level=level)


def _register() -> None:
    for name in COMMAND_MODULES:
        for command in importlib.import_module(name).COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """The console script's entry point."""
    from papka import host

    host.keep_out_of_crash_dumps()      # before a passphrase is read (docs/security.md G24)
    cli.main(prog_name="papka")

"""The settings of one ``papka`` run, passed down to every command as click's ``obj``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .i18n import _
from .output import note
from .passphrases import (
    PassphraseInputError,
    ask_new_passphrase,
    describe_strength,
    prompt_hidden,
    read_lines_from_fd,
    show_generated_passphrase,
)
from .problems import CommandUsageError
from .terminal import busy_notice, keystrokes_held

if TYPE_CHECKING:
    from papka.vault import Compartment, Container, Document

#: Warn when the oldest compartment uses more than this share of the container: newer
#: compartments are placed from the end downwards, and the oldest one grows towards them.
DECOY_SHARE_WARNING = 0.5

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Config:
    container_path: str | None = None
    passphrase_fd: int | None = None
    new_passphrase_fd: int | None = None
    json: bool = False
    work_factor: int = 1
    level: int | None = None
    #: A container kept open by `papka shell` or `papka demo`; commands use it and do not close it.
    open_container_: Container | None = None
    _fd_passphrases: list[str] | None = field(default=None, repr=False)
    warned: set[str] = field(default_factory=set)

    # -- the container ------------------------------------------------------------------

    def require_container_path(self) -> Path:
        if not self.container_path:
            raise CommandUsageError(_("No container was given."),
                             hint=_("Give one with --container PATH, or set PAPKA_CONTAINER."))
        return Path(self.container_path)

    def existing_container_path(self) -> Path:
        path = self.require_container_path()
        if not path.exists():
            raise CommandUsageError(_("There is no container at the given path."),
                             hint=_("Check --container, or create a container with `papka init`."))
        return path

    def read_passphrases(self, *, several: bool = False) -> list[str]:
        """The passphrases that open compartments: every line of --passphrase-fd, or prompts.

        With ``several`` the prompt repeats until an empty answer, so that every compartment
        the keeper has can be opened, and therefore protected, at once.
        """
        if self.passphrase_fd is not None:
            if self._fd_passphrases is None:
                self._fd_passphrases = read_lines_from_fd(self.passphrase_fd)
            if not self._fd_passphrases:
                raise PassphraseInputError(_("No passphrase was given on the descriptor."))
            return list(self._fd_passphrases)
        passphrases = [prompt_hidden(_("Passphrase"))]
        while several:
            more = prompt_hidden(
                _("Another passphrase to open (press Enter when there are no more)"),
                allow_empty=True)
            if not more:
                break
            passphrases.append(more)
        return passphrases

    def read_new_passphrase(self, prompt: str | None = None, *, generate: bool = False) -> str:
        """The new passphrase for init, compartment add and passwd: from the descriptor, made
        by papka (``generate``, shown once on the terminal), or asked twice (``prompt`` names
        the compartment it is for)."""
        if generate:
            if self.new_passphrase_fd is not None:
                raise CommandUsageError(
                    _("--generate and --new-passphrase-fd cannot be used together."))
            if not (sys.stdin.isatty() and sys.stderr.isatty()):
                raise CommandUsageError(
                    _("--generate shows the passphrase, so it needs a terminal."),
                    hint=_("In a script, make one with `papka passphrase > FILE` and give it "
                           "with --new-passphrase-fd."))
            from .passphrase_words import generate_passphrase

            passphrase = generate_passphrase()
            show_generated_passphrase(passphrase)
            return passphrase
        if self.new_passphrase_fd is not None:
            lines = read_lines_from_fd(self.new_passphrase_fd)
            if len(lines) != 1:
                raise PassphraseInputError(
                    _("Give exactly one line on --new-passphrase-fd."))
            if not self.json:
                note(describe_strength(lines[0]))
            return lines[0]
        return ask_new_passphrase(prompt)

    @contextmanager
    def container(self, *, write: bool, several: bool = False,
                  confirmed: bool = False) -> Iterator[Container]:
        """The open container: the session's own, or one opened now and closed afterwards.

        ``confirmed``: the command's own confirmation (`compartment add`, `upgrade`) says what
        a write may overwrite, so the general one-compartment note is not repeated.
        """
        if self.open_container_ is not None:
            if write:
                self.before_writing(self.open_container_, one_compartment_note=not confirmed)
            yield self.open_container_
            if write:
                self.warn_if_decoy_large(self.open_container_)
            return
        path = self.existing_container_path()
        # Echo stays off from the passphrase prompt to the end of the command, and whatever is
        # typed meanwhile is discarded (see terminal.py: it would reach the shell otherwise).
        with keystrokes_held():
            passphrases = self.read_passphrases(several=several)
            container = self.open_path(path, passphrases, write=write)
            try:
                self.notes_after_open(container)
                if write:
                    self.before_writing(container, one_compartment_note=not confirmed)
                yield container
                if write:
                    self.warn_if_decoy_large(container)
            finally:
                container.close()
                self.warn_if_times_kept(container)
                self.notes_after_session(container)

    def container_writable(self) -> bool:
        """Whether a command that may write can open the container for writing: the session's
        container is not read-only, or the file is one this user may write to."""
        if self.open_container_ is not None:
            return not self.open_container_.read_only
        return os.access(self.existing_container_path(), os.W_OK)

    def open_path(self, path: Path, passphrases: list[str], *, write: bool) -> Container:
        """Open for writing (no repair yet: that is a write, and comes after the note), or
        read-only: reading commands never write, not even a header repair."""
        from papka.vault import Container

        # The KDF takes seconds: say so at once, or the keeper types the passphrase again.
        with busy_notice(_("Opening the container…")):
            return Container.open(path, passphrases, work_factor=self.work_factor,
                                  writable=write, repair=False)

    def notes_after_open(self, container: Container) -> None:
        if container.fell_back:
            self.warn_once("fell-back", _(
                "Note: the newest index of a compartment could not be read, so papka opened an "
                "older one; papers added or changed since may be missing. Run `papka check`."))
        if container.damaged_opened:
            self.warn_once("damaged-opened", _(
                "Note: a passphrase opened a compartment whose index is damaged; the other "
                "compartments are open. Run `papka check`."))

    def before_writing(self, container: Container, *, one_compartment_note: bool = True) -> None:
        """Every session that writes: the one-compartment note first, then header repairs."""
        if one_compartment_note:
            self.warn_if_one_compartment(container)
        container.repair_headers()

    # -- compartments and documents --------------------------------------------------------

    def compartment(self, container: Container) -> Compartment:
        """The compartment commands work in: the one chosen with --level, else the newest open."""
        if self.level is None:
            return container.newest
        for compartment in container.compartments:
            if compartment.level == self.level:
                return compartment
        raise CommandUsageError(_("No open compartment has this level."),
                         hint=_("Run `papka usage` to see the levels that are open."))

    def find_document(self, container: Container, doc_id: str) -> tuple[Compartment, Document]:
        """Find a document by id (or a unique prefix) in the open compartments, newest first."""
        from papka.vault.errors import AmbiguousId, DocumentNotFound

        if self.level is not None:
            compartment = self.compartment(container)
            return compartment, compartment.documents.get(doc_id)
        found: list[tuple[Compartment, Document]] = []
        for compartment in reversed(container.compartments):
            try:
                found.append((compartment, compartment.documents.get(doc_id)))
            except DocumentNotFound:
                continue
        if not found:
            raise DocumentNotFound()
        if len(found) > 1:
            raise AmbiguousId(hint=_("Type more characters of the id, or choose a compartment "
                                     "with --level."))
        return found[0]

    # -- warnings -----------------------------------------------------------------------------

    def warn_once(self, key: str, message: str) -> None:
        if key not in self.warned:
            self.warned.add(key)
            note(message)

    def warn_if_one_compartment(self, container: Container) -> None:
        # The same words whether or not other compartments exist (threat model A1).
        if len(container.compartments) == 1:
            self.warn_once("one-compartment", _(
                "Note: only one compartment is open. This change may overwrite compartments "
                "that are not open. To protect them, open the container with the passphrase of "
                "the newest compartment (it opens the older ones too), or give every passphrase: "
                "in `papka shell`, which asks for more, or one per line on --passphrase-fd."))

    def warn_if_times_kept(self, container: Container) -> None:
        if not container.times_restored:
            self.warn_once("times", _(
                "Note: the container file belongs to another user, so papka could not put its "
                "access time back; the file may show when it was read."))

    def said_visible(self) -> None:
        """The command's own confirmation said that copies of the stick from before and after
        it show its session (`upgrade`): the cover note would only repeat it, with advice about
        decoy papers that does not fit."""
        self.warned.add("cover-exceeded")

    def notes_after_session(self, container: Container) -> None:
        """After a closed session that wrote to a format 3 container (docs/FORMAT.md §10): what
        copies of the stick from before and after it can show, and what became of damaged
        pieces of hidden papers. Nothing is said after other sessions: the figures are zero."""
        if container.cover_exceeded:
            self.warn_once("cover-exceeded", _(
                "Note: this session wrote more than the decoy's own changes can cover. Someone "
                "who copied the whole stick before and after it could see that something other "
                "than the decoy changed, though not what. Papers added to the decoy in the same "
                "session give cover: in `papka shell`, also add some with `--level 0 add FILE`."))
        if container.repaired_shares:
            self.warn_once("repaired-shares", _(
                "Note: damaged pieces of hidden papers rebuilt in this session: {count}.").format(
                    count=container.repaired_shares))
        if container.lost_shares:
            self.warn_once("lost-shares", _(
                "Note: pieces of hidden papers still damaged: {count}. Later sessions that open "
                "hidden compartments rebuild them a few at a time, as far as the decoy's changes "
                "give cover. `papka check --repair` rebuilds them all at once; someone who copied "
                "the whole stick before and after that could see that something other than the "
                "decoy changed.").format(count=container.lost_shares))

    def warn_if_decoy_large(self, container: Container) -> None:
        if container.usage().decoy_share > DECOY_SHARE_WARNING:
            self.warn_once("decoy-share", _(
                "Note: the oldest compartment now fills more than half of the container. "
                "It grows towards the space other compartments use; consider a larger container."))


def pass_config(function: F) -> F:
    """Give a command the run's :class:`Config` as its first argument."""
    return click.pass_obj(function)  # type: ignore[return-value]

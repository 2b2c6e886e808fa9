"""Keys and passphrases for bundles: identity files (asking for their passphrases without echo),
a bundle's passphrase, what a bundle's header says it needs, and recipients by name or key.

A bundle's passphrase and an identity's secret never appear on the command line: identities
are read from the file named with -i, passphrases are asked or read from a descriptor.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .context import Config
from .i18n import _
from .output import note, shown
from .passphrases import PassphraseInputError, prompt_hidden, read_lines_from_fd
from .problems import CommandUsageError

if TYPE_CHECKING:
    from papka.formats.bundle import AddressBook, Identity, Recipient

#: An identity file is a few lines; a larger file is not one.
MAX_IDENTITY_BYTES = 64 * 1024


def read_identities(config: Config, paths: Sequence[Path]) -> list[Identity]:
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
        identities.extend(_parse_asking_again(data, path, passphrases))
    passphrases.finish()
    return identities


#: How many times a passphrase typed at the terminal for one key file may be wrong.
KEY_PASSPHRASE_TRIES = 3


def _parse_asking_again(data: bytes, path: Path, passphrases: _KeyFilePassphrases
                        ) -> list[Identity]:
    """The identities of one file; a mistyped passphrase at the terminal is asked again (a
    descriptor's line is not: a script gets one clear error)."""
    from papka.formats.bundle import KeyPassphraseError, parse_identities

    for attempt in range(1, KEY_PASSPHRASE_TRIES + 1):
        try:
            return parse_identities(data, passphrase=passphrases.asker(path))
        except KeyPassphraseError:
            if not passphrases.interactive or attempt == KEY_PASSPHRASE_TRIES:
                raise
            note(_("That passphrase does not open the key file; try again."))
    raise AssertionError("unreachable")


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

    @property
    def interactive(self) -> bool:
        """Whether passphrases are typed at the terminal (and may be typed again)."""
        return self._fd is None

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


def bundle_passphrase(config: Config, *, new: bool) -> str:
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


def needs_passphrase(path: Path) -> bool:
    """Whether a bundle is encrypted to a passphrase (an age scrypt stanza), read from its
    header, so a lawyer need not say so."""
    return _age_header(path).startswith(b"age-encryption.org/v1\n-> scrypt ")


def needs_key(path: Path) -> bool:
    """Whether a bundle is encrypted to recipients' keys (age, not a passphrase)."""
    head = _age_header(path)
    return head.startswith(b"age-encryption.org/v1\n") and not needs_passphrase(path)


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


def recipients_named(book: AddressBook, names_or_keys: Sequence[str]) -> list[Recipient]:
    from papka.formats.bundle import parse_recipient

    found: list[Recipient] = []
    for text in names_or_keys:
        stripped = text.strip()
        if stripped.startswith(("age1", "ssh-ed25519 ", "ssh-rsa ")):
            found.append(parse_recipient(stripped))
        else:
            found.append(book.recipient(stripped))
    return found

"""The keeper's own strings to hide (names, addresses): read from a file or typed without echo,
never taken from the command line, where shell history would keep them."""

from __future__ import annotations

import sys

from .i18n import _
from .problems import CommandUsageError

#: A list of strings to hide is short; refuse to read an endless stream.
MAX_HIDE_BYTES = 1024 * 1024


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

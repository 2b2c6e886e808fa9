"""One place that turns every failure into a sentence on stderr and an exit code.

``papka: error: <sentence>`` and, when there is something to do about it,
``papka: hint: <what to do>``. No traceback ever: an unexpected exception gets a generic
sentence and exit code 70, because its text could hold document data.
"""

from __future__ import annotations

import errno

import click

from papka.errors import PapkaError

from .i18n import _
from .library_messages import translate_library_error
from .output import note

EXIT_OK = 0
EXIT_USER = 1
EXIT_DAMAGED = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h
EXIT_INTERRUPTED = 130  # the shells' convention for Ctrl-C


def _say(message: str, hint: str | None) -> None:
    note(_("papka: error: {message}").format(message=message))
    if hint:
        note(_("papka: hint: {hint}").format(hint=hint))


def report_error(error: BaseException) -> int:
    """Tell the person what went wrong and return the exit code for it."""
    if isinstance(error, PapkaError):
        message, hint = translate_library_error(error)
        _say(message, hint)
        return error.exit_code
    if isinstance(error, click.exceptions.Abort | KeyboardInterrupt):
        note(_("papka: stopped; nothing more was done."))
        return EXIT_INTERRUPTED
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        # `papka` or `papka compartment` alone: the help is the answer, not an error.
        click.echo(error.format_message())
        return EXIT_OK
    if isinstance(error, click.exceptions.UsageError):
        command = error.ctx.command_path if error.ctx is not None else "papka"
        _say(error.format_message(),
             _("Run `{command} --help` to see how to use it.").format(command=command))
        return EXIT_USER
    if isinstance(error, click.exceptions.ClickException):
        _say(error.format_message(), None)
        return EXIT_USER
    if isinstance(error, OSError):
        return _report_os_error(error)
    _say(_("papka stopped because of an unexpected problem."),
         _("Nothing more is shown, so that no document data can leak. Please report what you "
           "did (not your documents) to the people who maintain papka."))
    return EXIT_INTERNAL


def _report_os_error(error: OSError) -> int:
    # Only fixed sentences: the OS message may name a file, which must not reach logs.
    code = error.errno
    if code == errno.ENOSPC:
        _say(_("The disk is full; the last change was not made."),
             _("Free some space, then try again."))
        return EXIT_ENVIRONMENT
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        _say(_("papka may not write or read there (read-only medium or no permission)."),
             _("Check that the stick is not write-protected and that you may use the folder."))
        return EXIT_ENVIRONMENT
    if code in (errno.ENOENT, errno.ENOTDIR):
        _say(_("A file or folder that was given does not exist."),
             _("Check the path and try again."))
        return EXIT_USER
    if code == errno.EISDIR:
        _say(_("A folder was given where a file is needed."), None)
        return EXIT_USER
    if code == errno.EEXIST:
        _say(_("The file already exists; nothing was overwritten."),
             _("Choose another path, or remove the file first."))
        return EXIT_USER
    _say(_("The system refused the operation."), _("Check the medium and try again."))
    return EXIT_ENVIRONMENT

"""The exception tree shared by every part of papka.

Each class carries the exit code the command line uses for it and a message that is one clear
sentence fit to show a person. Messages never contain a passphrase, a document's contents, its
title or its file name: they name documents by id only.
"""

from __future__ import annotations


class PapkaError(Exception):
    """Base of every error papka raises on purpose."""

    #: 1: the person can fix it (arguments, passphrase, not found); 2: damaged data;
    #: 3: the environment (locked, full, read-only, missing tool).
    exit_code: int = 1
    #: A default sentence, used when the error is raised without one.
    default_message: str = "papka could not do that."
    #: What to do next, shown by the CLI as a hint; None when there is nothing to add.
    hint: str | None = None

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        super().__init__(message or self.default_message)
        if hint is not None:
            self.hint = hint

    @property
    def message(self) -> str:
        return str(self.args[0])


class UsageError(PapkaError):
    """The request itself is wrong: a bad argument, an unknown id, a wrong passphrase."""

    exit_code = 1


class DamagedError(PapkaError):
    """Stored data failed authentication or is malformed."""

    exit_code = 2
    default_message = "The data is damaged."


class EnvironmentProblem(PapkaError):
    """The machine or the medium stands in the way: locked, full, read-only, a missing tool."""

    exit_code = 3
    default_message = "The environment does not allow this."

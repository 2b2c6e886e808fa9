"""Errors raised by the vault. Every failed unlock collapses into one error, whatever went wrong."""

from __future__ import annotations

from papka.errors import DamagedError, EnvironmentProblem, UsageError


class NoCompartmentOpens(UsageError):
    """A passphrase opened no compartment. Deliberately says nothing more (threat model A1)."""

    default_message = "No compartment opens with this passphrase."
    hint = "Check the keyboard layout and Caps Lock, then type the passphrase again."


class ContainerLocked(EnvironmentProblem):
    default_message = "Another papka process is using this container."
    hint = "Close the other papka session, then try again."


class ReadOnlyMedium(EnvironmentProblem):
    """The container cannot be opened for writing: a write-protected stick, a read-only mount,
    or a file this user may read but not change."""

    default_message = "The container can only be read here: the medium or the file is read-only."
    hint = ("Reading commands (list, show, get, check) still work. To make changes, copy the "
            "container to a writable place or remove the stick's write protection.")


class FileTooLarge(EnvironmentProblem):
    default_message = ("This file system cannot hold a file this large (a FAT32 stick holds "
                       "files of at most 4 GiB).")
    hint = "Choose a smaller size, or format the stick as exFAT."


class NotEnoughSpace(EnvironmentProblem):
    default_message = "There is not enough free space here for a container of this size."
    hint = "Choose a smaller size, or free some space on this disk."


class ContainerFull(EnvironmentProblem):
    default_message = "The container is full; nothing was changed."
    hint = "Remove documents you no longer need, or create a larger container and move them."


class ContainerDamaged(DamagedError):
    default_message = "The container is damaged."


class DocumentDamaged(DamagedError):
    """A document's stored bytes failed authentication."""

    def __init__(self, doc_id: str, message: str | None = None) -> None:
        super().__init__(
            message or f"Document {doc_id} is damaged: its stored bytes fail verification.",
            hint="Run `papka check` to see everything that is affected.",
        )
        self.doc_id = doc_id


class ContainerClosed(UsageError):
    default_message = "The container is closed; open it again to use it."


class DocumentNotFound(UsageError):
    default_message = "No document has this id."
    hint = "Run `papka list` to see the ids."


class AmbiguousId(UsageError):
    default_message = "Several documents start with this id."
    hint = "Type more characters of the id."


class InvalidInput(UsageError):
    default_message = "The input is not usable."


class NotAContainer(UsageError):
    default_message = "This path cannot hold a container."

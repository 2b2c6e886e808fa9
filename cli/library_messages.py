"""The library's error sentences, listed so that they are extracted and translated into Russian.

The library speaks English only (it never prints); the command shows its sentences in the
keeper's language by looking each one up in papka's catalogue. A sentence missing here is
shown in English, which is better than hiding it.
"""

from __future__ import annotations

from papka.errors import PapkaError

from .i18n import N_, _, current_language
from .problems import AlreadyTranslated

MESSAGES = (
    # papka.errors
    N_("papka could not do that."),
    N_("The data is damaged."),
    N_("The environment does not allow this."),
    # papka.vault.errors
    N_("No compartment opens with this passphrase."),
    N_("Check the keyboard layout and Caps Lock, then type the passphrase again."),
    N_("Another papka process is using this container."),
    N_("Close the other papka session, then try again."),
    N_("The container is full; nothing was changed."),
    N_("Remove documents you no longer need, or create a larger container and move them."),
    N_("The container is damaged."),
    N_("Run `papka check` to see everything that is affected."),
    N_("No document has this id."),
    N_("Run `papka list` to see the ids."),
    N_("Several documents start with this id."),
    N_("Type more characters of the id."),
    N_("The input is not usable."),
    N_("This path cannot hold a container."),
    # papka.vault.container
    N_("A passphrase cannot be empty."),
    N_("A passphrase can be at most 1024 characters long."),
    N_("A compartment's header can no longer be read."),
    N_("A file already exists at this path; papka will not overwrite it."),
    N_("Choose a new file name for the container."),
    N_("At least one passphrase is needed to open a container."),
    N_("This container is open read-only; nothing was changed."),
    N_("If the container was truncated, copy your documents out with `papka get` and create a "
       "new container."),
    N_("This passphrase already opens a compartment; choose another one."),
    N_("The container has no free compartment slot left."),
    N_("A compartment's index is damaged; its documents cannot be listed."),
    N_("Run `papka check`; restore the container from a copy if you have one."),
    N_("A compartment's index pointer is damaged."),
    N_("This file is too small to be a container."),
    # papka.vault.documents
    N_("This path is a folder; add its files or import the folder."),
    N_("This path is not a regular file (a device, pipe or socket)."),
    N_("A kind is a short lowercase word with hyphens, such as criminal-case."),
    N_("A date is written YYYY-MM-DD."),
    N_("This path is not a folder."),
    N_("A document's title cannot be empty."),
    N_("There is no file at this path."),
    N_("A file already exists at that path; nothing was written."),
    N_("Choose another path, or allow overwriting."),
    N_("A tag can be at most 100 characters long."),
    N_("A derivation record must be plain JSON data."),
    N_("Part of a compartment's index is damaged."),
    N_("Run `papka check`."),
    # papka.vault.storage
    N_("The container is shorter than expected; was it truncated?"),
    N_("There is no container at this path."),
    N_("Check the path, or create one with `papka init`."),
    N_("This path is a folder, not a container."),
    N_("papka may not open this path (permission denied)."),
    N_("This path is neither a file nor a block device."),
    N_("The disk is full."),
    N_("The container is read-only."),
)

_DOCUMENT_DAMAGED = N_("Document {doc_id} is damaged: its stored bytes fail verification.")


def translate_library_error(error: PapkaError) -> tuple[str, str | None]:
    """The error's sentence and hint in the current language (English when not catalogued)."""
    if isinstance(error, AlreadyTranslated):
        return error.message, error.hint
    message = error.message
    doc_id = getattr(error, "doc_id", None)
    if isinstance(doc_id, str) and message == _DOCUMENT_DAMAGED.format(doc_id=doc_id):
        message = _(_DOCUMENT_DAMAGED).format(doc_id=doc_id)
    elif _(message) != message or current_language() == "en":
        message = _(message)
    else:
        # A sentence with a detail in it (an id, a count) is not in the catalogue: the class's
        # general sentence in the keeper's language says less, but says it in his language.
        general = type(error).default_message
        message = _(general) if _(general) != general else message
    hint = _(error.hint) if error.hint else None
    return message, hint

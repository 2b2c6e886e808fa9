"""Why an export or an import was refused."""

from __future__ import annotations

from papka.errors import EnvironmentProblem, UsageError


class ExportError(UsageError):
    """The export was refused; nothing was written."""

    default_message = "The export was refused; nothing was written."


class CannotRedactForProfile(ExportError):
    """A profile that redacts was given a document whose kind of file papka cannot redact."""

    default_message = ("This profile sends only redacted copies, and papka cannot redact one of "
                       "the selected documents (for example a video); nothing was exported.")
    hint = ("Leave that document out of the selection, or send it whole with the lawyer "
            "profile to someone who may see it.")

    def __init__(self, doc_id: str) -> None:
        super().__init__()
        #: The vault id of the document (random hex, safe to show).
        self.doc_id = doc_id


class BundleFileExists(ExportError):
    default_message = "A file already exists at the bundle's path; nothing was overwritten."
    hint = "Choose another name for the bundle."


class BundleFileProblem(EnvironmentProblem):
    default_message = "papka cannot create the bundle file there."
    hint = "Check that the folder exists, that you may write to it and that it has free space."

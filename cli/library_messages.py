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
    N_("The container can only be read here: the medium or the file is read-only."),
    N_("Reading commands (list, show, get, check) still work. To make changes, copy the "
       "container to a writable place or remove the stick's write protection."),
    N_("This file system cannot hold a file this large (a FAT32 stick holds files of at most "
       "4 GiB)."),
    N_("Choose a smaller size, or format the stick as exFAT."),
    N_("There is not enough free space here for a container of this size."),
    N_("Choose a smaller size, or free some space on this disk."),
    N_("The disk is full; nothing was written and any file already at that path is "
       "unchanged."),
    N_("That path is a folder; nothing was written."),
    N_("Something already exists at the backup path; papka never overwrites it."),
    N_("Choose a new file name for the copy."),
    N_("The disk is full; no copy was made."),
    N_("The copy does not read back as it was written; do not rely on it."),
    N_("Try another medium for the copy."),
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
    N_("A compartment's header records an impossible container size."),
    N_("A compartment's index is malformed."),
    N_("Part of a compartment's index is damaged in both its copies."),
    N_("Part of a compartment's index is malformed."),
    N_("Run `papka check`; documents on other pages still open."),
    N_("The cryptography on this computer gives wrong answers; papka will not run."),
    N_("Reinstall papka and its libraries from a trusted source, then try again."),
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
    # papka.vault.bundle (the rest fall back to their class's sentence below)
    N_("The bundle could not be processed."),
    N_("The bundle request is not usable."),
    N_("This file is not a papka bundle."),
    N_("This bundle cannot be opened with the given key or passphrase."),
    N_("Check that the bundle was made for this key, or ask the sender to export it again."),
    N_("The bundle is damaged or was altered on the way."),
    N_("Ask the sender to export and send the bundle again."),
    N_("The bundle's text armour is malformed."),
    N_("The bundle's encryption header is malformed."),
    N_("The bundle's encrypted contents are truncated or were altered."),
    N_("The bundle contains a member papka refuses to handle."),
    N_("The bundle contains two members with the same name."),
    N_("The bundle is over one of papka's size or count limits."),
    N_("The bundle's manifest is malformed."),
    N_("The bundle's signature does not verify."),
    N_("papka could not read or write a file while handling the bundle."),
    N_("Check the free space and that the drive is still connected, then try again."),
    N_("A name in the address book must have 1 to 200 characters."),
    N_("The address book has no recipient with this name."),
    N_("The address book has no signer with this name."),
    N_("Run `papka recipients` to see the names."),
    N_("This identity file is not one papka can use."),
    N_("Give the file `papka keygen` or `age-keygen` made, or an unencrypted OpenSSH key."),
    N_("This is not a recipient papka knows."),
    N_("Give an age public key (age1...) or an ssh-ed25519 or ssh-rsa public key."),
    N_("This recipient key is malformed."),
    N_("Copy the whole public key again, on one line."),
    N_("The bundle's passphrase work factor is over papka's limit: a hostile file."),
    N_("The bundle contains a member with an absolute path."),
    N_("The bundle contains a member whose name leads out of its folder."),
    N_("The bundle contains a link, which papka never follows."),
    N_("The bundle's archive is truncated."),
    N_("The bundle has more members than papka's limit."),
    N_("A member of the bundle is over papka's size limit."),
    N_("The bundle contains a compressed member; papka accepts none, so no decompression bomb "
       "can hide in one."),
    N_("The bundle's ZIP members overlap, the mark of a bomb."),
    N_("The bundle lacks its manifest, its index or their signatures."),
    N_("The documents in the bundle do not match its manifest."),
    N_("A document in the bundle does not match its manifest."),
    N_("The bundle is signed by a key other than the one it names."),
    N_("The output folder already holds a file with a name from this bundle."),
    N_("Open the bundle into a new, empty folder."),
    N_("The output path is not a folder papka can write to."),
    N_("papka cannot read the bundle file."),
    N_("papka cannot create the output folder."),
    N_("A bundle's manifest, signature or index is oversize."),
    N_("The output folder holds something other than a plain files/ folder."),
    N_("The manifest of this selection is too large for one bundle."),
    N_("Send the documents in several smaller bundles, or with fewer metadata fields."),
    N_("A passphrase bundle is limited to 512 MiB; encrypt to a key instead."),
    N_("The passphrase is empty."),
    # papka.vault.export
    N_("The export was refused; nothing was written."),
    N_("This profile sends only redacted copies, and papka cannot redact one of the selected "
       "documents (for example a video); nothing was exported."),
    N_("Leave that document out of the selection, or send it whole with the lawyer profile to "
       "someone who may see it."),
    N_("A file already exists at the bundle's path; nothing was overwritten."),
    N_("Choose another name for the bundle."),
    N_("papka cannot create the bundle file there."),
    N_("Check that the folder exists, that you may write to it and that it has free space."),
    N_("The built-in profiles cannot be changed; give yours another name."),
    N_("There is no export profile with this name."),
    N_("Built in: lawyer, embassy, public."),
    N_("A document is too large to redact (over 256 MiB); nothing was exported."),
    N_("A bundle needs a recipient, a passphrase, or the plain form."),
    N_("Nothing was selected for export."),
    N_("No document matches the selection."),
    N_("A profile name is a short lowercase word, such as embassy-fr."),
    N_("A profile names a metadata field papka does not know."),
    N_("A profile's titles are kept, redacted or replaced by the kind."),
    N_("A profile that redacts documents must also redact titles."),
    N_("A stored export profile is malformed."),
    N_("The profile does not send documents of one of the selected kinds; nothing was "
       "exported."),
    N_("A selector is an id, kind:KIND, tag:TAG, since:DATE, until:DATE or all."),
    N_("A date in a selector is written YYYY-MM-DD."),
    N_("A document of the bundle was not stored."),
    # papka.formats
    N_("The redacted copy did not pass verification, so papka did not keep it."),
    N_("Review the boxes with --preview and add boxes where text is still visible."),
    N_("Unknown redaction preset."),
    N_("This DOCX file is damaged or not a DOCX file."),
    N_("This e-mail is damaged or not an e-mail."),
    N_("This file is damaged or not in a format papka handles."),
    N_("This PDF is damaged or not a PDF."),
    N_("No page of this PDF can be read: it is empty, or damaged or nested too deeply for "
       "papka to read."),
    N_("This PDF is encrypted; papka needs a copy without a password."),
    N_("Open it with its password in a PDF reader and print it to a new PDF."),
    N_("This image is damaged or not an image."),
    N_("This file is larger than papka handles."),
    N_("papka cannot redact or sanitise this kind of file."),
    N_("Text recognition needs Tesseract with Russian and English, which is missing."),
    N_("Install the packages tesseract-ocr, tesseract-ocr-rus and tesseract-ocr-eng."),
    N_("Text recognition failed on this page."),
    N_("Text recognition took too long on this page and was stopped."),
    N_("That box is not on the document."),
    N_("Pages are counted from 1."),
    N_("Box coordinates must be numbers."),
    N_("That page is not in the document."),
    N_("A box is written PAGE:X0,Y0,X1,Y1, for example 1:40,100,300,130."),
    # papka.formats.sanitize: kinds of metadata an original carries
    N_("GPS position"),
    N_("camera, serial number or time taken (EXIF)"),
    N_("other picture metadata (EXIF, XMP, IPTC, comments, text)"),
    N_("papka could not read a page with confidence, so it kept no copy."),
    N_("Look at the page yourself, then choose what to do with it: --unreadable box "
       "(black out the whole page), drop (leave it out) or accept (keep it as it is)."),
    N_("Choose box, drop or accept for a page papka could not read."),
    N_("Every page would be left out; nothing would remain to store."),
    N_("papka cannot read HEIC photos (the iPhone's format)."),
    N_("Export the photo as JPEG (on the iPhone: Settings, Camera, Formats, Most Compatible; "
       "or share it as JPEG), then add that copy."),
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
